/*
 * throttle.h - failed attempts by key (a login name, a peer uid): exponential
 * back-off, escalating lock-out and per-interval audit summaries; and a
 * log-line limiter.  Pure: no I/O, every time is passed in (milliseconds on
 * clock.h's clock), so tests run it on virtual time.  State is in memory only:
 * a restart forgets it.
 */
#ifndef PCOD_THROTTLE_H
#define PCOD_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define THROTTLE_KEY_MAX	48		/* bytes of a key, with its NUL */
#define THROTTLE_LOCK_CAP_MS	(24LL * 3600 * 1000) /* longest lock-out */
#define THROTTLE_FORGET_MS	(24LL * 3600 * 1000) /* quiet time that clears a key */

/* The policy, from pcod.conf (login-backoff, login-lockout, login-audit). */
struct throttle_conf {
	int	after;		/* failures before any wait */
	int64_t	first_ms;	/* the first wait; it doubles per failure */
	int64_t	max_ms;		/* the longest wait */
	int	lock_failures;	/* failures that lock the key */
	int64_t	lock_ms;	/* the first lock-out; it doubles per lock-out */
	int	audit_burst;	/* failures audited one by one per interval */
	int64_t	audit_ms;	/* the audit interval */
};

enum throttle_verdict {
	THROTTLE_OK = 0,	/* go ahead */
	THROTTLE_WAIT,		/* backing off until *until_ms */
	THROTTLE_LOCKED		/* locked out until *until_ms */
};

struct throttle;

/* A table of at most max_keys keys; the quietest is forgotten for a new one. */
struct throttle	*throttle_new(size_t max_keys);
void		 throttle_free(struct throttle *);

/* The wait after n failures: 0 below conf->after, then first, doubling, capped. */
int64_t		 throttle_delay(const struct throttle_conf *, int n);

/*
 * May an attempt on key go ahead at now?  Attempts in flight count as
 * failures, so parallel attempts cannot skip the back-off.
 */
enum throttle_verdict throttle_check(struct throttle *,
		    const struct throttle_conf *, const char *key, int64_t now,
		    int64_t *until_ms);
/* An attempt on key starts (in flight until throttle_end). */
void		 throttle_begin(struct throttle *, const char *key, int64_t now);
/*
 * The attempt ended: ok 1 success (the key is forgotten), 0 failure, -1
 * neither (cancelled).  On failure returns the consecutive failures and sets
 * *until_ms when this failure locked the key (else 0); otherwise returns 0.
 */
int		 throttle_end(struct throttle *, const struct throttle_conf *,
		    const char *key, int ok, int64_t now, int64_t *until_ms);

/* Consecutive failures counted against key (0 if unknown). */
int		 throttle_failures(struct throttle *, const char *key);
/* Forget key's failures and lock-out (an admin lifts it): 1 if it had any. */
int		 throttle_clear(struct throttle *, const char *key);

/*
 * A failed (refused 0) or refused (refused 1) attempt on key, for the audit
 * log: 1 if it is to be audited on its own, 0 if it is counted into the
 * key's summary for this interval.  Refused attempts are always counted.
 */
int		 throttle_audit(struct throttle *, const struct throttle_conf *,
		    const char *key, int refused, int64_t now);

/* One summary: what was not audited one by one on key in [since, until]. */
typedef void	(*throttle_summary_fn)(const char *key, unsigned failures,
		    unsigned refused, int64_t since_ms, int64_t until_ms,
		    void *arg);
/*
 * Hand every summary whose interval has ended (all: every one) to fn and
 * reset it.  Also forgets keys quiet for THROTTLE_FORGET_MS.
 */
void		 throttle_summaries(struct throttle *,
		    const struct throttle_conf *, int64_t now, int all,
		    throttle_summary_fn fn, void *arg);
/* Keys held (for tests). */
size_t		 throttle_count(const struct throttle *);

#endif
