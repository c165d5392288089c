/* operator.c - operator passwords: salted scrypt hashes (OpenSSL KDF), computed on a worker thread. */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "log.h"
#include "operator.h"
#include "xmalloc.h"

#define SALT_LEN	16		/* bytes of a new salt */
#define HASH_LEN	32		/* bytes of a new hash */
#define PART_MIN	8		/* bytes a stored salt or hash has at least */
#define PART_MAX	64		/* ... and at most */
#define KDF_MEM_MAX	(1024ULL * 1024 * 1024) /* scrypt memory a stored hash may ask */

const struct operator_kdf operator_kdf_default = { 15, 8, 1 };

/* Zero salt and zero hash under the default parameters: a valid shape nothing matches. */
const char operator_dummy_hash[] = "$scrypt$ln=15,r=8,p=1$"
    "AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/* 1 if s is a valid login: 1-32 of [a-z0-9._-], and not reserved ("pcod"). */
int
operator_login_valid(const char *s)
{
	size_t	len = strlen(s);

	if (len < 1 || len > OPERATOR_LOGIN_MAX || strcmp(s, "pcod") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/* 1 if kdf is within what we are willing to compute. */
static int
kdf_sane(const struct operator_kdf *kdf)
{
	unsigned long long	mem;

	if (kdf->ln < 1 || kdf->ln > 24 || kdf->r < 1 || kdf->r > 64 ||
	    kdf->p < 1 || kdf->p > 64)
		return 0;
	mem = 128ULL * kdf->r * ((1ULL << kdf->ln) + kdf->p + 2);
	return mem <= KDF_MEM_MAX;
}

/* Derive outlen bytes from pw and salt with scrypt under kdf.  0 or -1. */
static int
kdf_derive(const char *pw, const struct operator_kdf *kdf,
    const unsigned char *salt, size_t saltlen, unsigned char *out,
    size_t outlen)
{
	EVP_KDF		*k;
	EVP_KDF_CTX	*c = NULL;
	OSSL_PARAM	 ps[6];
	uint64_t	 n = (uint64_t)1 << kdf->ln;
	uint32_t	 r = kdf->r, p = kdf->p;
	int		 rc = -1;

	if ((k = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL ||
	    (c = EVP_KDF_CTX_new(k)) == NULL)
		goto fail;
	ps[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)pw, strlen(pw));
	ps[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, saltlen);
	ps[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	ps[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	ps[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	ps[5] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(c, out, outlen, ps) == 1)
		rc = 0;
fail:
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(k);
	return rc;
}

/* Base64 of len bytes into out (NUL-terminated).  0 or -1 if out is short. */
static int
b64_encode(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	if (outsz < 4 * ((len + 2) / 3) + 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return 0;
}

/* 1 if c is in the base64 alphabet (padding aside). */
static int
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Strictly decode len base64 characters into at most outsz bytes.  0 or -1. */
static int
b64_decode(const char *s, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	unsigned char	tmp[PART_MAX + 3];
	size_t		i, pad = 0;
	int		n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof tmp)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i + 2 >= len)
			pad++;
		else if (pad > 0 || !b64_char(s[i]))
			return -1;
	}
	n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad > outsz)
		return -1;
	*outlen = (size_t)n - pad;
	memcpy(out, tmp, *outlen);
	OPENSSL_cleanse(tmp, sizeof tmp);
	return 0;
}

/* Hash pw with a fresh random salt under kdf (NULL: default) into the stored form. */
int
operator_hash(const char *pw, const struct operator_kdf *kdf, char *out,
    size_t outsz)
{
	unsigned char	salt[SALT_LEN], hash[HASH_LEN];
	char		bsalt[64], bhash[64];
	int		rc = -1, n;

	if (kdf == NULL)
		kdf = &operator_kdf_default;
	if (!kdf_sane(kdf) || RAND_bytes(salt, sizeof salt) != 1 ||
	    kdf_derive(pw, kdf, salt, sizeof salt, hash, sizeof hash) != 0)
		goto done;
	b64_encode(salt, sizeof salt, bsalt, sizeof bsalt);
	b64_encode(hash, sizeof hash, bhash, sizeof bhash);
	n = snprintf(out, outsz, "$scrypt$ln=%d,r=%u,p=%u$%s$%s", kdf->ln,
	    kdf->r, kdf->p, bsalt, bhash);
	if (n > 0 && (size_t)n < outsz)
		rc = 0;
done:
	OPENSSL_cleanse(hash, sizeof hash);
	return rc;
}

/* Parse "name=<digits>" at *s (up to a ',' or the end) within [min, max]; advances *s. */
static int
param_parse(const char **s, const char *name, long long max, long long *v)
{
	const char	*errstr;
	char		 num[16];
	size_t		 nlen = strlen(name), dlen;

	if (strncmp(*s, name, nlen) != 0 || (*s)[nlen] != '=')
		return -1;
	*s += nlen + 1;
	dlen = strcspn(*s, ",");
	if (dlen == 0 || dlen >= sizeof num)
		return -1;
	memcpy(num, *s, dlen);
	num[dlen] = '\0';
	*s += dlen;
	return xstrtonum(num, 10, 1, max, v, &errstr);
}

/* Parse "ln=15,r=8,p=1" exactly. */
static int
params_parse(const char *s, struct operator_kdf *kdf)
{
	long long	ln, r, p;

	if (param_parse(&s, "ln", 62, &ln) != 0 || *s++ != ',' ||
	    param_parse(&s, "r", 1 << 30, &r) != 0 || *s++ != ',' ||
	    param_parse(&s, "p", 1 << 30, &p) != 0 || *s != '\0')
		return -1;
	kdf->ln = (int)ln;
	kdf->r = (unsigned)r;
	kdf->p = (unsigned)p;
	return kdf_sane(kdf) ? 0 : -1;
}

/* Split "$scrypt$params$salt$hash" into its three fields (pointers into buf). */
static int
hash_split(char *buf, char **params, char **salt, char **hash)
{
	char	*s;

	if (strncmp(buf, "$scrypt$", 8) != 0)
		return -1;
	*params = buf + 8;
	if ((s = strchr(*params, '$')) == NULL)
		return -1;
	*s++ = '\0';
	*salt = s;
	if ((s = strchr(*salt, '$')) == NULL)
		return -1;
	*s++ = '\0';
	*hash = s;
	return strchr(*hash, '$') == NULL ? 0 : -1;
}

/* Split a stored hash into parameters, salt and hash. */
int
operator_hash_parse(const char *stored, struct operator_kdf *kdf,
    unsigned char *salt, size_t *saltsz, unsigned char *hash, size_t *hashsz)
{
	char	buf[OPERATOR_HASH_MAX], *params, *bsalt, *bhash;

	if (strlen(stored) >= sizeof buf)
		return -1;
	strcpy(buf, stored);
	if (hash_split(buf, &params, &bsalt, &bhash) != 0 ||
	    params_parse(params, kdf) != 0 ||
	    b64_decode(bsalt, strlen(bsalt), salt, *saltsz, saltsz) != 0 ||
	    b64_decode(bhash, strlen(bhash), hash, *hashsz, hashsz) != 0)
		return -1;
	if (*saltsz < PART_MIN || *hashsz < PART_MIN)
		return -1;
	return 0;
}

/* Check pw against a stored hash under its own parameters. */
int
operator_verify(const char *pw, const char *stored)
{
	struct operator_kdf	kdf;
	unsigned char		salt[PART_MAX], want[PART_MAX], got[PART_MAX];
	size_t			saltlen = sizeof salt, wantlen = sizeof want;
	int			rc = -1;

	if (operator_hash_parse(stored, &kdf, salt, &saltlen, want,
	    &wantlen) != 0)
		return -1;
	if (kdf_derive(pw, &kdf, salt, saltlen, got, wantlen) == 0)
		rc = CRYPTO_memcmp(got, want, wantlen) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return rc;
}

/* --- the worker thread ------------------------------------------------ */

enum job_kind { JOB_HASH, JOB_VERIFY };

/* One job; owned by the loop side, lent to the thread while it runs. */
struct job {
	TAILQ_ENTRY(job)	 entry;
	enum job_kind		 kind;
	char			 pw[OPERATOR_PW_MAX + 1];
	char			 hash[OPERATOR_HASH_MAX];	/* in: verify; out: hash */
	int			 rc;
	operator_done_fn	 done;
	void			*arg;
};

TAILQ_HEAD(job_queue, job);

struct operator_worker {
	struct event		*ev;		/* owned; reads results */
	int			 to_thread;	/* write end: job pointers */
	int			 from_thread;	/* read end: job pointers back */
	int			 thread_in;	/* the thread's ends */
	int			 thread_out;
	pthread_t		 thread;
	int			 started;
	struct job		*running;	/* lent to the thread, or NULL */
	struct job_queue	 queue;		/* waiting */
	size_t			 nqueued;
};

/* The two descriptors the thread uses, passed to it by value. */
struct worker_fds {
	int	in, out;
};

/* Compute one job (on the thread). */
static void
job_run(struct job *j)
{
	if (j->kind == JOB_HASH)
		j->rc = operator_hash(j->pw, NULL, j->hash, sizeof j->hash);
	else
		j->rc = operator_verify(j->pw, j->hash);
	OPENSSL_cleanse(j->pw, sizeof j->pw);
}

/* Read or write one pointer in full; 0, or -1 at EOF or error. */
static int
ptr_io(int fd, struct job **j, int writing)
{
	ssize_t	n;

	do {
		n = writing ? write(fd, j, sizeof *j) : read(fd, j, sizeof *j);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *j ? 0 : -1;
}

/* The thread: take a job, compute it, hand it back; stop at EOF. */
static void *
worker_main(void *arg)
{
	struct worker_fds	fds = *(struct worker_fds *)arg;
	struct job		*j;

	free(arg);
	while (ptr_io(fds.in, &j, 0) == 0) {
		job_run(j);
		if (ptr_io(fds.out, &j, 1) != 0)
			break;
	}
	close(fds.in);
	close(fds.out);
	return NULL;
}

/* Start the thread with every signal blocked (they belong to the loop). */
static int
worker_start(struct operator_worker *w)
{
	struct worker_fds	*fds = xmalloc(sizeof *fds);
	sigset_t		 all, old;
	int			 rc;

	fds->in = w->thread_in;
	fds->out = w->thread_out;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, fds);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_warnx("operator: cannot start the hashing thread: %s",
		    strerror(rc));
		free(fds);
		return -1;
	}
	w->started = 1;
	w->thread_in = w->thread_out = -1;	/* the thread closes them */
	return 0;
}

/* Lend the next queued job to the thread, if it is idle. */
static void
worker_next(struct operator_worker *w)
{
	struct job	*j;

	if (w->running != NULL || (j = TAILQ_FIRST(&w->queue)) == NULL)
		return;
	TAILQ_REMOVE(&w->queue, j, entry);
	w->nqueued--;
	w->running = j;
	/* One pointer in an empty pipe: never blocks. */
	if (ptr_io(w->to_thread, &j, 1) != 0) {
		log_warn("operator: hashing thread gone");
		w->running = NULL;
		j->done(-1, NULL, j->arg);
		OPENSSL_cleanse(j, sizeof *j);
		free(j);
	}
}

/* Finish a job on the loop: run its callback and free it. */
static void
job_finish(struct job *j, int rc)
{
	j->done(rc, j->kind == JOB_HASH && rc == 0 ? j->hash : NULL, j->arg);
	OPENSSL_cleanse(j, sizeof *j);
	free(j);
}

/* A result came back from the thread. */
static void
worker_result_cb(evutil_socket_t fd, short what, void *arg)
{
	struct operator_worker	*w = arg;
	struct job		*j;

	if (ptr_io(fd, &j, 0) != 0)
		return;
	if (j != w->running) {
		log_warnx("operator: unexpected result from the hashing thread");
		return;
	}
	w->running = NULL;
	worker_next(w);
	job_finish(j, j->rc);
}

/* A pipe with close-on-exec ends; the read end non-blocking when nb_read. */
static int
worker_pipe(int fds[2], int nb_read)
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	if (nb_read && fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}

struct operator_worker *
operator_worker_new(struct event_base *base)
{
	struct operator_worker	*w;
	int			 req[2], res[2];

	if (worker_pipe(req, 0) != 0)
		return NULL;
	if (worker_pipe(res, 1) != 0) {
		close(req[0]);
		close(req[1]);
		return NULL;
	}
	w = xcalloc(1, sizeof *w);
	w->thread_in = req[0];
	w->to_thread = req[1];
	w->from_thread = res[0];
	w->thread_out = res[1];
	TAILQ_INIT(&w->queue);
	w->ev = event_new(base, w->from_thread, EV_READ | EV_PERSIST,
	    worker_result_cb, w);
	if (w->ev == NULL || event_add(w->ev, NULL) != 0) {
		operator_worker_free(w);
		return NULL;
	}
	return w;
}

/* Close fd if open. */
static void
fd_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

void
operator_worker_free(struct operator_worker *w)
{
	struct job	*j;

	if (w == NULL)
		return;
	fd_close(w->to_thread);		/* EOF: the thread ends after its job */
	if (w->started)
		pthread_join(w->thread, NULL);
	if (w->running != NULL &&
	    (ptr_io(w->from_thread, &j, 0) != 0 || j != w->running))
		log_warnx("operator: hashing job lost at shutdown");
	else if (w->running != NULL)
		job_finish(w->running, OPERATOR_JOB_CANCELLED);
	while ((j = TAILQ_FIRST(&w->queue)) != NULL) {
		TAILQ_REMOVE(&w->queue, j, entry);
		job_finish(j, OPERATOR_JOB_CANCELLED);
	}
	if (w->ev != NULL)
		event_free(w->ev);
	fd_close(w->from_thread);
	fd_close(w->thread_in);
	fd_close(w->thread_out);
	free(w);
}

/* Queue a job (copying pw and stored); -1 when full or the thread cannot start. */
static int
worker_submit(struct operator_worker *w, enum job_kind kind, const char *pw,
    const char *stored, operator_done_fn done, void *arg)
{
	struct job	*j;

	if (w->nqueued >= OPERATOR_WORKER_QUEUE || strlen(pw) > OPERATOR_PW_MAX ||
	    (stored != NULL && strlen(stored) >= OPERATOR_HASH_MAX))
		return -1;
	if (!w->started && worker_start(w) != 0)
		return -1;
	j = xcalloc(1, sizeof *j);
	j->kind = kind;
	strcpy(j->pw, pw);
	if (stored != NULL)
		strcpy(j->hash, stored);
	j->done = done;
	j->arg = arg;
	TAILQ_INSERT_TAIL(&w->queue, j, entry);
	w->nqueued++;
	worker_next(w);
	return 0;
}

int
operator_worker_hash(struct operator_worker *w, const char *pw,
    operator_done_fn done, void *arg)
{
	return worker_submit(w, JOB_HASH, pw, NULL, done, arg);
}

int
operator_worker_verify(struct operator_worker *w, const char *pw,
    const char *stored, operator_done_fn done, void *arg)
{
	return worker_submit(w, JOB_VERIFY, pw, stored, done, arg);
}
