/*
 * operator.h - operator accounts: password hashing (scrypt through OpenSSL's
 * KDF), the hashing worker thread, and the operators table (store_operator.c).
 */
#ifndef PCOD_OPERATOR_H
#define PCOD_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct store;
struct actor;

#define OPERATOR_LOGIN_MAX	32	/* bytes of [a-z0-9._-] */
#define OPERATOR_NAME_MAX	128
#define OPERATOR_PW_MIN		10	/* bytes */
#define OPERATOR_PW_MAX		1024
#define OPERATOR_HASH_MAX	256	/* an encoded hash, with its NUL */

/* scrypt parameters: N = 2^ln, r, p. */
struct operator_kdf {
	int		ln;
	unsigned	r, p;
};

/* What new hashes use: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s). */
extern const struct operator_kdf operator_kdf_default;

/* 1 if s is a valid login: 1-32 of [a-z0-9._-], and not reserved ("pcod"). */
int	operator_login_valid(const char *s);

/*
 * Hash pw with a fresh 16-byte random salt under kdf (NULL: the default) into
 * "$scrypt$ln=15,r=8,p=1$<b64 salt>$<b64 hash>".  0, or -1 (KDF failure).
 */
int	operator_hash(const char *pw, const struct operator_kdf *kdf, char *out,
	    size_t outsz);
/*
 * Split a stored hash into its parameters, salt and hash.  saltsz and hashsz
 * give the buffers' sizes and receive the lengths.  0, or -1 if malformed.
 */
int	operator_hash_parse(const char *stored, struct operator_kdf *kdf,
	    unsigned char *salt, size_t *saltsz, unsigned char *hash,
	    size_t *hashsz);
/*
 * Check pw against a stored hash under the stored parameters (constant-time
 * compare).  1 match, 0 no match, -1 malformed or KDF failure.
 */
int	operator_verify(const char *pw, const char *stored);
/* A well-formed hash nothing matches: verify against it for unknown logins. */
extern const char operator_dummy_hash[];

/*
 * The hashing worker: one thread that computes one job at a time, so a slow
 * hash never runs on the event loop.  Jobs queue on the loop side; results
 * come back through a pipe read by a libevent event, and done runs on the
 * loop.  The thread starts with the first job.
 */
struct operator_worker;

#define OPERATOR_JOB_CANCELLED	(-2)	/* the worker was freed first */
#define OPERATOR_WORKER_QUEUE	128	/* jobs waiting at most */

/*
 * A job finished.  hash: rc 0 and the encoded hash (or -1);
 * verify: rc 1 match, 0 no match, -1 malformed; or OPERATOR_JOB_CANCELLED.
 */
typedef void	(*operator_done_fn)(int rc, const char *hash, void *arg);

struct operator_worker	*operator_worker_new(struct event_base *);
/* Stop the thread (after its current job) and cancel what is queued. */
void			 operator_worker_free(struct operator_worker *);
/* Queue a job; -1 if the queue is full or the thread cannot start. */
int			 operator_worker_hash(struct operator_worker *,
			    const char *pw, operator_done_fn, void *arg);
int			 operator_worker_verify(struct operator_worker *,
			    const char *pw, const char *stored, operator_done_fn,
			    void *arg);

/* One operator as auth.login needs it. */
struct operator_rec {
	char	login[OPERATOR_LOGIN_MAX + 1];
	char	name[OPERATOR_NAME_MAX + 1];
	int	role;				/* enum role */
	char	pw_hash[OPERATOR_HASH_MAX];
	int	disabled;
};

/*
 * The operators table (src/store_operator.c).  Changes run in the open batch
 * and return 0, 1 (exists / not found) or -1 (store).
 */
int	store_operator_add(struct store *, const struct operator_rec *);
int	store_operator_update(struct store *, const char *login,
	    const char *name, int role, int disabled);
int	store_operator_set_hash(struct store *, const char *login,
	    const char *pw_hash);
/* Committed: 0 with *rec, 1 not found, -1 store. */
int	store_operator_get(struct store *, const char *login,
	    struct operator_rec *rec);
/* One operator (in the open batch) as shown, json_null() if none, NULL on error. */
json_t	*store_operator_show(struct store *, const char *login);
/* Committed operators by login: [{login, name, role, disabled, created_ms}]. */
json_t	*store_operator_list(struct store *);

#endif
