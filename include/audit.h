/* audit.h - the append-only audit log: who did what, when and why (src/store_audit.c). */
#ifndef PCOD_AUDIT_H
#define PCOD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;
struct actor;

struct audit_filter {
	const char	*actor;		/* NULL: any */
	const char	*action;	/* NULL: any; "alarm." matches a prefix when it ends in '.' */
	const char	*object;	/* NULL: any, e.g. "alarm" */
	const char	*object_id;	/* NULL: any */
	int64_t		 since_ms;	/* 0: no bound */
	int64_t		 until_ms;	/* 0: no bound (exclusive) */
	int		 limit;		/* > 0 */
};

/*
 * Append one record in the open batch, at clock_now_ms(): action like
 * "alarm.take", object "alarm" and its id, the reason given (may be NULL)
 * and details (may be NULL), chained to the row before it.  details is
 * borrowed: the caller keeps its reference and drops it (the per-domain
 * wrappers such as alarm_audit() and account_audit() take it instead).
 * 0 or -1.
 */
int	store_audit_add(struct store *, const struct actor *who, const char *action,
	    const char *object, const char *object_id, const char *reason,
	    json_t *details);
/* The same with the time it happened (a row kept in memory while writes failed). */
int	store_audit_add_at(struct store *, int64_t at_ms, const struct actor *who,
	    const char *action, const char *object, const char *object_id,
	    const char *reason, json_t *details);
/* Committed records, newest first: [{id, at, actor, action, object, object_id, reason, details}]. */
json_t	*store_audit_list(struct store *, const struct audit_filter *);

/*
 * Check the committed chain from the first row: a new object {intact, rows,
 * first_bad (id or null), reason, last_id, last_hash (when intact)}; NULL on
 * a read error.  store_audit_verify() does it at once; the others in steps
 * of max rows (1 more to do, 0 done, -1 error), so the loop never waits
 * long: they check the rows up to the newest one when _new() was called.
 */
struct audit_verify;
json_t			*store_audit_verify(struct store *);
struct audit_verify	*store_audit_verify_new(struct store *);
int			 store_audit_verify_step(struct store *,
			    struct audit_verify *, int max);
json_t			*store_audit_verify_result(const struct audit_verify *);
void			 store_audit_verify_free(struct audit_verify *);

/*
 * Log every audit row once it has committed, one line each (audit-syslog
 * in pcod.conf(5)); on: from the rows committed after this call.  0 or -1.
 */
int	store_audit_syslog(struct store *, int on);

/* One audit row's fields as stored, for the chain hash. */
enum audit_text {
	AUDIT_ACTOR = 0, AUDIT_ACTION, AUDIT_OBJECT, AUDIT_OBJECT_ID,
	AUDIT_REASON, AUDIT_DETAILS, AUDIT_NTEXT
};
struct audit_row {
	int64_t		 id;
	int64_t		 at_ms;
	const char	*text[AUDIT_NTEXT];	/* NULL: SQL NULL (details only) */
	size_t		 len[AUDIT_NTEXT];	/* bytes, as stored */
};
#define AUDIT_HASH_HEX	64

/*
 * Retention (sql/011_retention.sql): the newest audit row ever purged, its
 * stored hash, and how many rows were purged.  The chain after a purge
 * starts from this hash instead of "".  id 0: nothing purged.
 */
struct audit_anchor {
	int64_t	 id;
	char	 hash[AUDIT_HASH_HEX + 1];
	int64_t	 purged;
};
/* The committed anchor.  0 or -1. */
int	store_audit_anchor(struct store *, struct audit_anchor *);
/*
 * In the open batch: purge up to max of the oldest rows written before
 * before_ms, always a prefix of the chain and never the newest row, moving
 * the anchor onto the last one purged.  Rows purged in *n.  0 or -1.
 */
int	store_audit_purge(struct store *, int64_t before_ms, int max,
	    int64_t *n);

/*
 * The chain hash of row r after the row whose hash text is prev ("" for
 * the first row), as 64 lowercase hex digits and a NUL in out (the
 * encoding is in src/store_audit.c and pcod-control(7)).  0 or -1.
 */
int	store_audit_hash(const char *prev, size_t prevlen,
	    const struct audit_row *r, char out[AUDIT_HASH_HEX + 1]);

#endif
