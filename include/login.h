/*
 * login.h - auth.login under attack (src/login.c): failed logins throttled
 * per login name and per peer uid across connections (back-off, then
 * lock-out with a system alarm), and a storm of failures audited as one
 * summary row per login and interval.  The state is in memory: a restart
 * forgets it.
 */
#ifndef PCOD_LOGIN_H
#define PCOD_LOGIN_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct control_ctx;
struct login_guard;

/* What a failed login did (login_end). */
struct login_fail {
	int	audit;		/* 1: audit it on its own; 0: in the summary */
	int	failures;	/* consecutive failures of the login */
	int64_t	locked_ms;	/* it locked something out until then; 0: no */
	char	what[96];	/* what it locked: "login op1", "uid 1000", both */
};

/* The guard of ctx's control socket (ctx and its cfg are read at each use). */
struct login_guard	*login_guard_new(struct event_base *,
			    struct control_ctx *ctx);
/* Write the summaries still due (in the open batch) and free; NULL is harmless. */
void			 login_guard_free(struct login_guard *);

/*
 * The peer a login comes from, as its throttle key: "uid:1000" for a
 * control socket peer, "addr:192.0.2.7" for an HTTP client; NULL for a
 * trusted peer (root, pcod's user), throttled by login name only.
 */
#define LOGIN_PEER_MAX	64
/*
 * Before a password is checked: 0 to go ahead (the attempt is in flight
 * until login_end), or -1 with the error code ("throttled", "locked") and a
 * message.
 */
int	login_begin(struct login_guard *, const char *login, const char *peer,
	    const char **code, char *msg, size_t msgsz);
/* The check ended: ok 1 success, 0 failure (fills *f), -1 cancelled. */
void	login_end(struct login_guard *, const char *login, const char *peer,
	    int ok, struct login_fail *f);
/*
 * An admin lifts the back-off or lock-out of a login (NULL: none) and of a
 * peer (NULL: none); dry 1 only says whether there is one.  1 if there was.
 */
int	login_unlock(struct login_guard *, const char *login, const char *peer,
	    int dry);
/* In the open batch: the lock-out as a system alarm ("login").  0 or -1. */
int	login_lock_alarm(struct login_guard *, const struct login_fail *);
/* After its commit: tell the consoles (topic "system"). */
void	login_lock_notify(struct login_guard *, const struct login_fail *);

#endif
