/*
 * login.c - auth.login under attack: the throttle of failed logins per login
 * name and per peer uid (throttle.c), the lock-out's system alarm and
 * notice, and the summary rows that stand for a storm of failures in the
 * audit log.  Only pcod's loop calls it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "actor.h"
#include "alarm.h"
#include "audit.h"
#include "batch.h"
#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "control.h"
#include "log.h"
#include "login.h"
#include "stats.h"
#include "store.h"
#include "throttle.h"
#include "xmalloc.h"

#define LOGIN_MAX_KEYS		1024	/* logins and uids remembered at once */
#define LOGIN_TICK_SEC		1	/* how often summaries are looked for */

struct login_guard {
	struct control_ctx	*ctx;		/* not owned */
	struct throttle		*thr;		/* owned */
	struct event		*tick;		/* owned */
};

/* The policy as pcod.conf has it now. */
static void
login_conf(const struct login_guard *g, struct throttle_conf *tc)
{
	const struct config	*c = g->ctx->cfg;

	tc->after = c->login_after;
	tc->first_ms = (int64_t)c->login_first * 1000;
	tc->max_ms = (int64_t)c->login_max * 1000;
	tc->lock_failures = c->login_lock_failures;
	tc->lock_ms = (int64_t)c->login_lock_time * 1000;
	tc->audit_burst = c->login_audit_burst;
	tc->audit_ms = (int64_t)c->login_audit_interval * 1000;
}

/* The throttle keys of a login and a peer (NULL: none). */
static void
login_keys(const char *login, const char *peer, char *nkey, char *ukey)
{
	snprintf(nkey, THROTTLE_KEY_MAX, "login:%s", login);
	snprintf(ukey, THROTTLE_KEY_MAX, "%s", peer != NULL ? peer : "");
}

/* A peer key in words: "uid 1000", "address 192.0.2.7". */
static void
login_peer_words(const char *ukey, char *buf, size_t bufsz)
{
	if (strncmp(ukey, "uid:", 4) == 0)
		snprintf(buf, bufsz, "uid %s", ukey + 4);
	else if (strncmp(ukey, "addr:", 5) == 0)
		snprintf(buf, bufsz, "address %s", ukey + 5);
	else
		snprintf(buf, bufsz, "%s", ukey);
}

/* 1 if a login failure or refusal line may be logged now (the refusal limiter). */
static int
login_log_ok(void)
{
	return log_limit_allow(LOG_LIMIT_REFUSAL);
}

/* Write one summary row for a login in the open batch. */
static void
login_summary(const char *key, unsigned failures, unsigned refused,
    int64_t since, int64_t until, void *arg)
{
	struct login_guard	*g = arg;
	struct store		*st = g->ctx->store;
	struct actor		 who;
	char			 a[40], b[40], reason[96];
	const char		*name = key + strlen("login:");
	json_t			*d;

	if (strncmp(key, "login:", 6) != 0)
		return;
	snprintf(who.name, sizeof(who.name), "?%s", name);
	who.role = ROLE_NONE;
	control_time_format(since, 1, a, sizeof(a));
	control_time_format(until, 1, b, sizeof(b));
	snprintf(reason, sizeof(reason), "%u failed and %u refused logins not "
	    "recorded one by one", failures, refused);
	d = json_pack("{s:I,s:I,s:s,s:s}", "failures", (json_int_t)failures,
	    "refused", (json_int_t)refused, "first", a, "last", b);
	if (batch_join(g->ctx->batch) != 0 || store_savepoint(st) != 0)
		goto fail;
	if (store_audit_add(st, &who, "auth.fail.summary", "operator", name,
	    reason, d) != 0 || store_release(st) != 0) {
		store_rollback_savepoint(st);
		goto fail;
	}
	json_decref(d);
	if (login_log_ok())
		log_warnx("login '%s': %s (%s to %s)", name, reason, a, b);
	return;
fail:
	json_decref(d);
	log_warnx("login '%s': cannot audit the summary (%s): %s", name, reason,
	    store_errmsg(st));
}

/* Once a second: the summaries whose interval ended. */
static void
login_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct login_guard	*g = arg;
	struct throttle_conf	 tc;

	login_conf(g, &tc);
	throttle_summaries(g->thr, &tc, clock_now_ms(), 0, login_summary, g);
}

/* A guard for ctx's control socket. */
struct login_guard *
login_guard_new(struct event_base *base, struct control_ctx *ctx)
{
	struct login_guard	*g = xcalloc(1, sizeof(*g));
	struct timeval		 tv = { LOGIN_TICK_SEC, 0 };

	g->ctx = ctx;
	g->thr = throttle_new(LOGIN_MAX_KEYS);
	g->tick = event_new(base, -1, EV_PERSIST, login_tick_cb, g);
	if (g->tick == NULL || event_add(g->tick, &tv) != 0)
		fatalx("login: cannot start the summary timer");
	return g;
}

/* Write the summaries still open, then free. */
void
login_guard_free(struct login_guard *g)
{
	struct throttle_conf	tc;

	if (g == NULL)
		return;
	login_conf(g, &tc);
	throttle_summaries(g->thr, &tc, clock_now_ms(), 1, login_summary, g);
	event_free(g->tick);
	throttle_free(g->thr);
	free(g);
}

/* The worse of two verdicts, with its time. */
static enum throttle_verdict
login_worse(enum throttle_verdict a, int64_t ua, enum throttle_verdict b,
    int64_t ub, int64_t *until)
{
	if (b > a || (b == a && ub > ua)) {
		*until = ub;
		return b;
	}
	*until = ua;
	return a;
}

/* Fill the refusal of an attempt on nkey ("login:NAME"), count it; -1. */
static int
login_refuse(struct login_guard *g, const char *nkey, const char *ukey,
    enum throttle_verdict v, int64_t until, int by_peer, const char **code,
    char *msg, size_t msgsz)
{
	struct throttle_conf	tc;
	int64_t			secs = (until - clock_now_ms() + 999) / 1000;
	char			when[40], peer[THROTTLE_KEY_MAX + 8];

	pcod_stats.login_throttled++;
	login_conf(g, &tc);
	throttle_audit(g->thr, &tc, nkey, 1, clock_now_ms());
	control_time_format(until, 0, when, sizeof(when));
	*code = v == THROTTLE_LOCKED ? "locked" : "throttled";
	snprintf(msg, msgsz, "%s after too many failed logins %s; try again in "
	    "%lld s (at %s)", v == THROTTLE_LOCKED ? "locked out" : "slowed down",
	    !by_peer ? "for this login" : strncmp(ukey, "uid:", 4) == 0 ?
	    "from this user" : "from this address", (long long)secs, when);
	login_peer_words(ukey, peer, sizeof(peer));
	/* No peer key: root or pcod's user, throttled by name only. */
	if (login_log_ok())
		log_warnx("login '%s' from %s refused unchecked: %s", nkey + 6,
		    peer[0] != '\0' ? peer : "root or pcod", msg);
	return -1;
}

/* Before a password is checked: go ahead (0) or refused (-1). */
int
login_begin(struct login_guard *g, const char *login, const char *peer,
    const char **code, char *msg, size_t msgsz)
{
	struct throttle_conf	 tc;
	enum throttle_verdict	 vn, vu = THROTTLE_OK, v;
	char			 nkey[THROTTLE_KEY_MAX], ukey[THROTTLE_KEY_MAX];
	int64_t			 now = clock_now_ms(), un, uu = 0, until = 0;

	login_conf(g, &tc);
	login_keys(login, peer, nkey, ukey);
	vn = throttle_check(g->thr, &tc, nkey, now, &un);
	if (ukey[0] != '\0')
		vu = throttle_check(g->thr, &tc, ukey, now, &uu);
	if (vn != THROTTLE_OK || vu != THROTTLE_OK) {
		v = login_worse(vn, un, vu, uu, &until);
		return login_refuse(g, nkey, ukey, v, until, vu > vn ||
		    (vu == vn && uu > un), code, msg, msgsz);
	}
	throttle_begin(g->thr, nkey, now);
	if (ukey[0] != '\0')
		throttle_begin(g->thr, ukey, now);
	return 0;
}

/* Note what a failure locked in f. */
static void
login_locked(struct login_fail *f, const char *what, int64_t until)
{
	size_t	len = strlen(f->what);

	snprintf(f->what + len, sizeof(f->what) - len, "%s%s",
	    len > 0 ? " and " : "", what);
	if (until > f->locked_ms)
		f->locked_ms = until;
	pcod_stats.login_lockouts++;
}

/* Count a failure on both keys; fill f. */
static void
login_failed(struct login_guard *g, const struct throttle_conf *tc,
    const char *nkey, const char *ukey, struct login_fail *f)
{
	int64_t	now = clock_now_ms(), until;
	char	what[THROTTLE_KEY_MAX + 8];

	pcod_stats.login_failures++;
	f->failures = throttle_end(g->thr, tc, nkey, 0, now, &until);
	if (until > 0) {
		snprintf(what, sizeof(what), "login %s", nkey + 6);
		login_locked(f, what, until);
	}
	if (ukey[0] != '\0') {
		throttle_end(g->thr, tc, ukey, 0, now, &until);
		if (until > 0) {
			login_peer_words(ukey, what, sizeof(what));
			login_locked(f, what, until);
		}
	}
	f->audit = throttle_audit(g->thr, tc, nkey, 0, now) || f->locked_ms > 0;
	if (f->locked_ms > 0)
		log_warnx("login: %s locked out after %d failed logins",
		    f->what, f->failures);
}

/* The check ended. */
void
login_end(struct login_guard *g, const char *login, const char *peer,
    int ok, struct login_fail *f)
{
	struct throttle_conf	tc;
	char			nkey[THROTTLE_KEY_MAX], ukey[THROTTLE_KEY_MAX];
	int64_t			now = clock_now_ms(), until;

	memset(f, 0, sizeof(*f));
	login_conf(g, &tc);
	login_keys(login, peer, nkey, ukey);
	if (ok == 0) {
		login_failed(g, &tc, nkey, ukey, f);
		return;
	}
	throttle_end(g->thr, &tc, nkey, ok, now, &until);
	if (ukey[0] != '\0')
		throttle_end(g->thr, &tc, ukey, ok, now, &until);
}

/* Lift the throttle of a login and a peer (or say if there is one). */
int
login_unlock(struct login_guard *g, const char *login, const char *peer,
    int dry)
{
	char	nkey[THROTTLE_KEY_MAX], ukey[THROTTLE_KEY_MAX];
	int	had = 0;

	login_keys(login != NULL ? login : "", peer, nkey, ukey);
	if (dry)
		return (login != NULL && throttle_failures(g->thr, nkey) > 0) ||
		    (ukey[0] != '\0' && throttle_failures(g->thr, ukey) > 0);
	if (login != NULL)
		had |= throttle_clear(g->thr, nkey);
	if (ukey[0] != '\0')
		had |= throttle_clear(g->thr, ukey);
	if (had)
		log_warnx("login: lock-out of %s%s%s lifted", login != NULL ?
		    nkey : "", login != NULL && ukey[0] != '\0' ? " and " : "",
		    ukey);
	return had;
}

/* The lock-out's words, for the alarm and the notice. */
static void
login_lock_text(const struct login_fail *f, char *buf, size_t bufsz)
{
	char	when[40];

	control_time_format(f->locked_ms, 0, when, sizeof(when));
	snprintf(buf, bufsz, "Logins locked out until %s: %s, after %d failed "
	    "logins (password guessing?)", when, f->what, f->failures);
}

/* In the open batch: raise (or stack on) the "login" system alarm. */
int
login_lock_alarm(struct login_guard *g, const struct login_fail *f)
{
	char	text[256];

	if (g->ctx->alarms == NULL)
		return 0;
	login_lock_text(f, text, sizeof(text));
	return alarm_raise_system(g->ctx->alarms, "login", text);
}

/* After commit: {kind: "login", locked, until, failures, message} to "system". */
void
login_lock_notify(struct login_guard *g, const struct login_fail *f)
{
	char	 text[256], when[40];
	json_t	*o;

	login_lock_text(f, text, sizeof(text));
	control_time_format(f->locked_ms, 1, when, sizeof(when));
	o = json_pack("{s:s,s:s,s:s,s:i,s:s}", "kind", "login", "locked",
	    f->what, "until", when, "failures", f->failures, "message", text);
	control_publish(g->ctx->control, "system", o);
	json_decref(o);
}
