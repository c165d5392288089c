/*
 * cmd_operator.c - auth.login/resume/logout/whoami, operator.add/list/update/passwd,
 * subscribe/unsubscribe and audit.list.  Passwords are hashed and checked on
 * the control socket's worker thread (operator.h), never on the loop.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "actor.h"
#include "audit.h"
#include "auditq.h"
#include "batch.h"
#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "control.h"
#include "log.h"
#include "login.h"
#include "operator.h"
#include "session.h"
#include "store.h"
#include "xmalloc.h"

#define AUDIT_LIST_DEFAULT	100
#define AUDIT_VERIFY_CHUNK	1000	/* rows audit.verify checks per loop pass */

/* --- helpers -------------------------------------------------------------- */

/* A string argument, or NULL when absent. */
static const char *
arg_str(json_t *args, const char *name)
{
	return json_string_value(json_object_get(args, name));
}

/* 1 if string argument name holds a NUL byte (json_string_value would cut it). */
static int
arg_has_nul(json_t *args, const char *name)
{
	json_t	*v = json_object_get(args, name);

	return json_is_string(v) && strlen(json_string_value(v)) !=
	    json_string_length(v);
}

/* Replace integer member key_ms by its ISO-8601 form under key. */
static void
json_time_member(json_t *o, const char *key_ms, const char *key, int with_ms)
{
	json_t	*v = json_object_get(o, key_ms);
	char	 buf[40];

	if (json_is_integer(v)) {
		control_time_format(json_integer_value(v), with_ms, buf,
		    sizeof buf);
		json_object_set_new(o, key, json_string(buf));
	} else
		json_object_set_new(o, key, json_null());
	json_object_del(o, key_ms);
}

/* An operator row as consoles see it: disabled a boolean, created in ISO form. */
static json_t *
operator_view(json_t *row)
{
	json_t	*d = json_object_get(row, "disabled");

	json_object_set_new(row, "disabled",
	    json_boolean(json_is_integer(d) && json_integer_value(d) != 0));
	json_time_member(row, "created_ms", "created", 0);
	return row;
}

/* The role named s if an operator may have it (not "none"), else -1. */
static int
operator_role(const char *s)
{
	int	r = actor_role_parse(s);

	return r > ROLE_NONE ? r : -1;
}

/* --- session changes: one audit row, then act after its commit ----------- */

/* A session change waiting for its audit row to commit. */
struct session_op {
	struct cmd_req		*req;		/* answered by done */
	struct control_ctx	*ctx;		/* not owned */
	struct actor		 who;		/* the audit row's actor */
	struct actor		 as;		/* auth.login: who the console becomes */
	int			 success;	/* auth.login: password accepted */
	char			 login[OPERATOR_LOGIN_MAX + 1]; /* "" if invalid */
	char			 name[OPERATOR_NAME_MAX + 1]; /* auth.login: his name */
	char			 why[96];	/* auth.login failure, for logs */
	json_t			*topics;	/* subscribe: owned */
	int			 on;		/* subscribe 1, unsubscribe 0 */
	struct login_fail	 fail;		/* auth.login failed: what it did */
	/* Also written in the audit row's savepoint when set; 0 or -1. */
	int			(*extra)(struct session_op *);
	void			(*done)(struct session_op *, int ok);
	/* The audit row, kept in memory if its batch fails (auditq.h). */
	const char		*action;	/* literals */
	const char		*object;
	char			 object_id[OPERATOR_LOGIN_MAX + 1];
	char			 reason[48];
	json_t			*details;	/* owned */
	/* Sessions (issue 12): auth.login {session}, auth.resume, auth.logout {token}. */
	int			 want_session;	/* auth.login: hand out a token */
	int			 durable;	/* the audit row committed (not only kept) */
	char			 token[SESSION_TOKEN_HEX + 1];	/* "" none */
	char			 hash[SESSION_HASH_HEX + 1];	/* its SHA-256 */
	int64_t			 expires_ms;	/* the session's idle expiry */
	int			 revoked;	/* auth.logout: a session went */
	int			 resume;	/* auth.resume, not auth.login */
	int			 nokeep;	/* refused in the batch: keep no row */
};

/* Free a session op. */
static void
session_free(struct session_op *op)
{
	json_decref(op->topics);
	json_decref(op->details);
	free(op);
}

/* Keep the row in memory while the database refuses writes.  1 kept, 0 not. */
static int
session_keep(struct session_op *op)
{
	if (op->ctx->auditq == NULL || op->nokeep)
		return 0;
	return auditq_add(op->ctx->auditq, &op->who, op->action, op->object,
	    op->object_id, op->reason[0] != '\0' ? op->reason : NULL,
	    op->details, strcmp(op->action, "auth.fail") == 0) == 0;
}

/* The audit row's batch is decided; a failed one keeps the row for later. */
static void
session_committed(int ok, void *arg)
{
	struct session_op	*op = arg;

	op->durable = ok;
	if (!ok)
		ok = session_keep(op);
	op->done(op, ok);
	session_free(op);
}

/*
 * Write one audit row in the batch; op->done runs after the commit.  When
 * the database refuses writes, the row is kept in memory to be written
 * once it takes them, and done runs at once as if it had committed (ok 0:
 * no room to keep it either).
 */
static void
session_record(struct session_op *op, const char *action, const char *object,
    const char *object_id, const char *reason, json_t *details)
{
	struct control_ctx	*ctx = op->ctx;

	op->action = action;
	op->object = object;
	snprintf(op->object_id, sizeof op->object_id, "%s",
	    object_id != NULL ? object_id : "");
	snprintf(op->reason, sizeof op->reason, "%s", reason != NULL ? reason : "");
	op->details = details;
	if (batch_join(ctx->batch) != 0 || store_savepoint(ctx->store) != 0)
		goto fail;
	if (store_audit_add(ctx->store, &op->who, action, object, object_id,
	    reason, details) != 0 || (op->extra != NULL && op->extra(op) != 0)) {
		store_rollback_savepoint(ctx->store);
		goto fail;
	}
	if (store_release(ctx->store) != 0)
		goto fail;
	batch_defer(ctx->batch, session_committed, op);
	return;
fail:
	if (!store_unavailable(ctx->store))
		log_warnx("control: audit %s: %s", action,
		    store_errmsg(ctx->store));
	session_committed(0, op);
}

/* --- auth.login ----------------------------------------------------------- */

/* The session of a login's reply: {token, expires, timeout}; null if none. */
static json_t *
session_json(struct session_op *op, int with_token)
{
	char	when[40];

	/* A session row the batch did not keep must not be handed out. */
	if (op->hash[0] == '\0' || !op->durable)
		return json_null();
	control_time_format(op->expires_ms, 0, when, sizeof when);
	return json_pack("{s:o,s:s,s:i}", "token", with_token ?
	    json_string(op->token) : json_null(), "expires", when, "timeout",
	    op->ctx->cfg->session_timeout);
}

/* auth.login's and auth.resume's reply: {login, name, role, session?}. */
static json_t *
login_result(struct session_op *op)
{
	json_t	*r;

	r = json_pack("{s:s,s:o,s:s}", "login", op->as.name, "name",
	    control_json_string(op->name), "role", actor_role_name(op->as.role));
	if (op->want_session)
		json_object_set_new(r, "session", session_json(op,
		    op->token[0] != '\0'));
	OPENSSL_cleanse(op->token, sizeof op->token);
	return r;
}

/* The login's audit row is committed (or not): answer. */
static void
login_done(struct session_op *op, int ok)
{
	struct cmd_req	*req = op->req;

	if (op->success && ok) {
		control_login(req, &op->as);
		control_reply(req, login_result(op));
		return;
	}
	if (op->success) {
		control_error(req, CMD_STORAGE_UNAVAILABLE, "the login could not "
		    "be recorded");
		return;
	}
	if (ok && op->fail.locked_ms > 0)
		login_lock_notify(op->ctx->login, &op->fail);
	log_warnx("control conn=%u uid=%ld: login failed for '%s': %s "
	    "(%d on this console)", control_conn_id(req), control_peer_uid(req),
	    op->login, op->why, control_auth_failed(req));
	control_error(req, "auth_failed", op->resume ? "session refused: log "
	    "in again" : "login failed");
}

/*
 * The peer auth.login throttles req by (login.h): "uid:N" on the control
 * socket, "addr:A" for the HTTP API (its actor is "http:A" until the login
 * succeeds), NULL for root and pcod's user.  The result lives until the
 * next call: login_begin/login_end copy it at once.
 */
static const char *
login_peer(const struct cmd_req *req)
{
	static char	 buf[LOGIN_PEER_MAX];
	const char	*name = control_actor(req)->name;

	if (control_peer_trusted(req))
		return NULL;
	if (control_peer_uid(req) >= 0)
		snprintf(buf, sizeof buf, "uid:%ld", control_peer_uid(req));
	else if (strncmp(name, "http:", 5) == 0)
		snprintf(buf, sizeof buf, "addr:%.58s", name + 5);
	else
		snprintf(buf, sizeof buf, "actor:%.57s", name);
	return buf;
}

/* In the audit row's savepoint: the lock-out's system alarm. */
static int
login_lock_extra(struct session_op *op)
{
	return login_lock_alarm(op->ctx->login, &op->fail);
}

/* Record a failed login: on its own, as a lock-out, or only in a summary. */
static void
login_record_failure(struct session_op *op, json_t *details)
{
	char	until[40];

	if (!op->fail.audit) {
		json_decref(details);
		login_done(op, 1);
		session_free(op);
		return;
	}
	if (op->fail.locked_ms == 0) {
		session_record(op, "auth.fail", "operator", op->login, op->why,
		    details);
		return;
	}
	control_time_format(op->fail.locked_ms, 1, until, sizeof until);
	json_object_set_new(details, "failures", json_integer(op->fail.failures));
	json_object_set_new(details, "locked", json_string(op->fail.what));
	json_object_set_new(details, "until", json_string(until));
	op->extra = login_lock_extra;
	session_record(op, "auth.lock", "operator", op->login, op->why, details);
}

/*
 * Who a session made or resumed by req belongs to (session.h): the socket
 * peer's uid, or the browser console; '' for anything else (no session of
 * it can be resumed).
 */
static void
session_peer(const struct cmd_req *req, char *buf, size_t sz)
{
	if (control_peer_uid(req) >= 0)
		snprintf(buf, sz, "uid:%ld", control_peer_uid(req));
	else if (strncmp(control_actor(req)->name, "http:", 5) == 0)
		snprintf(buf, sz, "%s", SESSION_PEER_HTTP);
	else
		buf[0] = '\0';
}

/* In the audit row's savepoint: the new session's row. */
static int
login_session_extra(struct session_op *op)
{
	int64_t	now = clock_wall_ms();
	char	peer[SESSION_PEER_MAX];

	session_peer(op->req, peer, sizeof peer);
	return store_session_add(op->ctx->store, op->login, op->hash, peer, now,
	    op->expires_ms) == 0 ? 0 : -1;
}

/* A successful login asked for a session: make its token (only its hash is kept). */
static void
login_session_begin(struct session_op *op, json_t *details)
{
	if (store_session_token_new(op->token) != 0 ||
	    store_session_token_hash(op->token, op->hash) != 0) {
		log_warnx("control: operator %s: cannot make a session token",
		    op->login);
		op->token[0] = op->hash[0] = '\0';
		return;
	}
	op->expires_ms = clock_wall_ms() +
	    (int64_t)op->ctx->cfg->session_timeout * 1000;
	op->extra = login_session_extra;
	json_object_set_new(details, "session", json_true());
}

/* Decide the outcome of a verified password and record it. */
static void
login_verified(int rc, const char *hash, void *arg)
{
	struct session_op	*op = arg;
	json_t			*details;

	if (rc == OPERATOR_JOB_CANCELLED) {
		login_end(op->ctx->login, op->login, login_peer(op->req), -1,
		    &op->fail);
		control_error(op->req, "shutdown", "pcod is stopping");
		session_free(op);
		return;
	}
	if (rc < 0 && op->why[0] == '\0') {
		log_warnx("control: operator %s: stored password hash unusable",
		    op->login);
		snprintf(op->why, sizeof op->why, "stored hash unusable");
	} else if (rc == 0 && op->why[0] == '\0')
		snprintf(op->why, sizeof op->why, "wrong password");
	op->success = rc == 1 && op->why[0] == '\0';
	login_end(op->ctx->login, op->login, login_peer(op->req), op->success,
	    &op->fail);
	op->done = login_done;
	details = json_pack("{s:I,s:I}", "uid",
	    (json_int_t)control_peer_uid(op->req), "console",
	    (json_int_t)control_conn_id(op->req));
	if (!op->success) {
		login_record_failure(op, details);
		return;
	}
	op->who = op->as;
	if (op->want_session)
		login_session_begin(op, details);
	session_record(op, "auth.login", "operator", op->login, NULL, details);
}

/* Look up login; the stored hash to verify against (a dummy when unusable). */
static const char *
login_lookup(struct session_op *op, struct control_ctx *ctx,
    struct operator_rec *rec)
{
	int	rc;

	if (op->login[0] == '\0') {
		snprintf(op->why, sizeof op->why, "invalid login");
		return operator_dummy_hash;
	}
	if ((rc = store_operator_get(ctx->store, op->login, rec)) != 0) {
		snprintf(op->why, sizeof op->why, rc > 0 ? "unknown login" :
		    "storage error");
		return operator_dummy_hash;
	}
	if (rec->disabled || rec->role <= ROLE_NONE)
		snprintf(op->why, sizeof op->why, "disabled");
	snprintf(op->as.name, sizeof op->as.name, "%s", rec->login);
	snprintf(op->name, sizeof op->name, "%s", rec->name);
	op->as.role = (enum role)rec->role;
	return rec->pw_hash;
}

/* auth.login {login, password}: the same work and answer for every failure. */
static void
cmd_auth_login_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	struct session_op	*op = xcalloc(1, sizeof *op);
	struct operator_rec	 rec;
	const char		*login = arg_str(args, "login"), *stored, *code;
	char			 msg[200];

	op->req = req;
	op->ctx = ctx;
	op->want_session = json_is_true(json_object_get(args, "session"));
	/* Only a well-formed login is kept, logged and quoted in the audit log. */
	if (operator_login_valid(login) && !arg_has_nul(args, "login"))
		snprintf(op->login, sizeof op->login, "%s", login);
	/* Throttled: refused before any password is checked, so no oracle. */
	if (login_begin(ctx->login, op->login, login_peer(req), &code, msg,
	    sizeof msg) != 0) {
		control_auth_failed(req);
		control_error(req, code, "%s", msg);
		free(op);
		return;
	}
	stored = login_lookup(op, ctx, &rec);
	if (arg_has_nul(args, "password"))
		snprintf(op->why, sizeof op->why, "NUL in the password");
	snprintf(op->who.name, sizeof op->who.name, "?%s", op->login);
	op->who.role = ROLE_NONE;
	if (operator_worker_verify(control_hasher(ctx->control),
	    arg_str(args, "password"), stored, login_verified, op) != 0) {
		login_end(ctx->login, op->login, login_peer(req), -1, &op->fail);
		control_error(req, "busy", "too many logins in progress");
		session_free(op);
	}
	OPENSSL_cleanse(&rec, sizeof rec);
}

/* --- auth.resume ---------------------------------------------------------- */

/* In the audit row's savepoint: the session is used now (gone: refused). */
static int
resume_extra(struct session_op *op)
{
	int	rc;

	rc = store_session_touch(op->ctx->store, op->hash, clock_wall_ms(),
	    op->expires_ms);
	if (rc == 1) {
		snprintf(op->why, sizeof op->why, "session revoked");
		op->nokeep = 1;
	}
	return rc == 0 ? 0 : -1;
}

/* The resume's audit row is decided: the console becomes the operator. */
static void
resume_done(struct session_op *op, int ok)
{
	struct operator_rec	rec;

	if (op->why[0] != '\0') {
		control_auth_failed(op->req);
		control_error(op->req, "auth_failed", "session refused: log in "
		    "again");
		return;
	}
	if (!ok) {
		control_error(op->req, CMD_STORAGE_UNAVAILABLE, "the login could "
		    "not be recorded");
		return;
	}
	/* Disabled while this resume was in flight: its sessions are gone. */
	if (store_operator_get(op->ctx->store, op->login, &rec) != 0 ||
	    rec.disabled) {
		OPENSSL_cleanse(&rec, sizeof rec);
		control_error(op->req, "auth_failed", "session refused: log in "
		    "again");
		return;
	}
	OPENSSL_cleanse(&rec, sizeof rec);
	control_login(op->req, &op->as);
	control_reply(op->req, login_result(op));
}

/* Why a session cannot be resumed ("" if it can); 1 if it counts as a failure. */
static int
resume_refusal(struct session_op *op, int found, const struct session_rec *r)
{
	int64_t	now = clock_wall_ms();
	int64_t	idle = (int64_t)op->ctx->cfg->session_timeout * 1000;
	char	peer[SESSION_PEER_MAX];

	if (found < 0) {
		snprintf(op->why, sizeof op->why, "storage error");
		return 0;
	}
	if (found > 0) {
		snprintf(op->why, sizeof op->why, "unknown session");
		return 1;
	}
	/* A token away from its owner (another uid, a cookie): a theft. */
	session_peer(op->req, peer, sizeof peer);
	if (peer[0] == '\0' || strcmp(r->peer, peer) != 0) {
		snprintf(op->why, sizeof op->why, "session of %s, used by %s",
		    r->peer[0] != '\0' ? r->peer : "an older pcod",
		    peer[0] != '\0' ? peer : "another console");
		return 1;
	}
	if (r->disabled || r->role <= ROLE_NONE) {
		snprintf(op->why, sizeof op->why, "disabled");
		return 1;
	}
	/* A shorter session-timeout after a reload applies to old sessions too. */
	if (now >= r->expires_ms || now >= r->last_used_ms + idle) {
		snprintf(op->why, sizeof op->why, "session expired");
		return 0;
	}
	return 0;
}

/* The session of op->hash looked up: refuse it, or record the resume. */
static void
resume_decide(struct session_op *op, int found, const struct session_rec *r)
{
	int	counts = resume_refusal(op, found, r);
	json_t	*details;

	op->success = op->why[0] == '\0';
	/* An expired (genuine) token is no guess: it does not count. */
	login_end(op->ctx->login, op->login, login_peer(op->req),
	    op->success ? 1 : counts ? 0 : -1, &op->fail);
	details = json_pack("{s:I,s:I}", "uid",
	    (json_int_t)control_peer_uid(op->req), "console",
	    (json_int_t)control_conn_id(op->req));
	if (!op->success) {
		op->done = login_done;
		if (!counts)
			op->fail.audit = 1;
		login_record_failure(op, details);
		return;
	}
	snprintf(op->as.name, sizeof op->as.name, "%s", r->login);
	snprintf(op->name, sizeof op->name, "%s", r->name);
	op->as.role = (enum role)r->role;
	op->who = op->as;
	op->want_session = 1;
	op->expires_ms = clock_wall_ms() +
	    (int64_t)op->ctx->cfg->session_timeout * 1000;
	op->extra = resume_extra;
	op->done = resume_done;
	session_record(op, "auth.resume", "operator", op->login, NULL, details);
}

/* auth.resume {token}: a new console for a session of auth.login {session}. */
static void
cmd_auth_resume_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct session_op	*op = xcalloc(1, sizeof *op);
	struct session_rec	 rec;
	const char		*code;
	char			 msg[200];
	int			 found = 1;

	op->req = req;
	op->ctx = ctx;
	op->resume = 1;
	memset(&rec, 0, sizeof rec);
	if (!arg_has_nul(args, "token") &&
	    store_session_token_hash(arg_str(args, "token"), op->hash) == 0)
		found = store_session_get(ctx->store, op->hash, &rec);
	if (found == 0)
		snprintf(op->login, sizeof op->login, "%s", rec.login);
	/* Throttled like a login: by the session's login and the peer's uid. */
	if (login_begin(ctx->login, op->login, login_peer(req), &code, msg,
	    sizeof msg) != 0) {
		control_auth_failed(req);
		control_error(req, code, "%s", msg);
		free(op);
		return;
	}
	snprintf(op->who.name, sizeof op->who.name, "?%s", op->login);
	op->who.role = ROLE_NONE;
	resume_decide(op, found, &rec);
}

/* --- auth.logout, auth.whoami --------------------------------------------- */

/* Who req's console is. */
static json_t *
whoami_json(struct cmd_req *req)
{
	const struct actor	*a = control_actor(req);

	return json_pack("{s:s,s:s}", "actor", a->name, "role",
	    actor_role_name(a->role));
}

/* The logout is recorded: the console is itself again. */
static void
logout_done(struct session_op *op, int ok)
{
	json_t	*r;

	if (!ok || (op->hash[0] != '\0' && !op->durable)) {
		control_error(op->req, CMD_STORAGE_UNAVAILABLE, "the logout could "
		    "not be recorded");
		return;
	}
	control_logout(op->req);
	r = whoami_json(op->req);
	if (op->hash[0] != '\0')
		json_object_set_new(r, "revoked", json_boolean(op->revoked));
	control_reply(op->req, r);
}

/* In the audit row's savepoint: the session goes. */
static int
logout_session_extra(struct session_op *op)
{
	int	rc = store_session_revoke(op->ctx->store, op->hash);

	op->revoked = rc == 0;
	return rc < 0 ? -1 : 0;
}

/*
 * auth.logout {token}: the session goes too, audited as its operator when
 * the console is nobody.  An unknown token changes nothing: revoked false.
 */
static void
logout_session(struct cmd_req *req, struct control_ctx *ctx,
    const char *token)
{
	struct session_op	*op = xcalloc(1, sizeof *op);
	struct session_rec	 rec;
	json_t			*r;

	op->req = req;
	op->ctx = ctx;
	op->who = *control_actor(req);
	if (store_session_token_hash(token, op->hash) != 0 ||
	    store_session_get(ctx->store, op->hash, &rec) != 0) {
		control_logout(req);
		r = whoami_json(req);
		json_object_set_new(r, "revoked", json_false());
		control_reply(req, r);
		free(op);
		return;
	}
	if (op->who.role == ROLE_NONE) {
		snprintf(op->who.name, sizeof op->who.name, "%s", rec.login);
		op->who.role = (enum role)rec.role;
	}
	op->done = logout_done;
	op->extra = logout_session_extra;
	op->nokeep = 1;
	session_record(op, "auth.logout", "operator", rec.login, NULL,
	    json_pack("{s:b}", "session", 1));
}

/* auth.logout {}: back to the console's own identity. */
static void
cmd_auth_logout_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct session_op	*op;

	if (json_object_get(args, "token") != NULL && !arg_has_nul(args,
	    "token")) {
		logout_session(req, ctx, arg_str(args, "token"));
		return;
	}
	/* Nobody logged in: nothing to record (and no audit rows for strangers). */
	if (control_actor(req)->role == ROLE_NONE) {
		control_logout(req);
		control_reply(req, whoami_json(req));
		return;
	}
	op = xcalloc(1, sizeof *op);
	op->req = req;
	op->ctx = ctx;
	op->who = *control_actor(req);
	op->done = logout_done;
	session_record(op, "auth.logout", "operator", op->who.name, NULL, NULL);
}

/* auth.whoami {} -> {actor, role} */
static void
cmd_auth_whoami_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	control_reply(req, whoami_json(req));
}

/* --- auth.unlock --------------------------------------------------------- */

/*
 * The peer of an unlock's arguments (login.h): uid N or an HTTP client's
 * address; "" for none.
 */
static void
unlock_peer(json_t *args, char *buf, size_t bufsz)
{
	json_t		*uid = json_object_get(args, "uid");
	const char	*addr = json_string_value(json_object_get(args,
			    "address"));

	if (json_is_integer(uid))
		snprintf(buf, bufsz, "uid:%lld", (long long)json_integer_value(uid));
	else if (addr != NULL)
		snprintf(buf, bufsz, "addr:%.58s", addr);
	else
		buf[0] = '\0';
}

/* Record the lifting of a back-off or lock-out; it applies after the commit. */
static int
auth_unlock_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	const char	*login = arg_str(args, "login");
	json_t		*uid = json_object_get(args, "uid");
	const char	*addr = arg_str(args, "address");
	char		 id[LOGIN_PEER_MAX], peer[LOGIN_PEER_MAX];
	json_t		*d;
	int		 rc;

	unlock_peer(args, peer, sizeof peer);
	if (login == NULL && peer[0] == '\0')
		return cmd_fail(err, "bad_args", "give login, uid or address, "
		    "or a login and one of the others");
	if (json_is_integer(uid) && addr != NULL)
		return cmd_fail(err, "bad_args", "give uid or address, not both");
	if (!login_unlock(ctx->login, login, peer[0] != '\0' ? peer : NULL, 1))
		return cmd_fail(err, "not_found", "no failed logins are counted "
		    "against it");
	snprintf(id, sizeof id, "%s", login != NULL ? login : peer);
	*result = json_pack("{s:o,s:O,s:o}", "login",
	    control_json_string(login), "uid", json_is_integer(uid) ? uid :
	    json_null(), "address", control_json_string(addr));
	d = json_deep_copy(*result);
	rc = store_audit_add(ctx->store, who, "auth.unlock", "operator", id,
	    NULL, d);
	json_decref(d);
	if (rc != 0) {
		json_decref(*result);
		return cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
	}
	return 0;
}

/* After commit: lift it. */
static void
auth_unlock_committed(struct control_ctx *ctx, json_t *result)
{
	char	peer[LOGIN_PEER_MAX];

	unlock_peer(result, peer, sizeof peer);
	login_unlock(ctx->login, json_string_value(json_object_get(result,
	    "login")), peer[0] != '\0' ? peer : NULL, 0);
}

/* --- operator.add, operator.passwd: hash first, then write ---------------- */

/* A change that needs a password hash computed off the loop. */
struct hash_op {
	struct cmd_req		*req;
	struct control_ctx	*ctx;
	json_t			*args;		/* owned: a copy, "pw_hash" added */
	cmd_write_fn		 write;
};

/* The hash is ready: run the change in the batch. */
static void
hash_done(int rc, const char *hash, void *arg)
{
	struct hash_op	*op = arg;

	if (rc == OPERATOR_JOB_CANCELLED)
		control_error(op->req, "shutdown", "pcod is stopping");
	else if (rc != 0)
		control_error(op->req, "internal", "cannot hash the password");
	else {
		json_object_set_new(op->args, "pw_hash", json_string(hash));
		control_write(op->req, op->ctx, op->args, op->write, NULL);
	}
	json_decref(op->args);
	free(op);
}

/* Hash the "password" argument on the worker, then run write with "pw_hash". */
static void
hash_then_write(struct cmd_req *req, struct control_ctx *ctx, json_t *args,
    cmd_write_fn write)
{
	struct hash_op	*op;

	if (arg_has_nul(args, "password")) {
		control_error(req, "bad_args", "argument 'password' must not "
		    "contain NUL");
		return;
	}
	op = xcalloc(1, sizeof *op);
	op->req = req;
	op->ctx = ctx;
	op->args = json_deep_copy(args);
	op->write = write;
	/* The password itself never reaches the write (or its audit row). */
	json_object_del(op->args, "password");
	if (operator_worker_hash(control_hasher(ctx->control),
	    arg_str(args, "password"), hash_done, op) != 0) {
		control_error(req, "busy", "too many password changes in "
		    "progress");
		json_decref(op->args);
		free(op);
	}
}

/* The operator as now in the batch, for a reply; -1 with err on failure. */
static int
operator_result(struct control_ctx *ctx, const char *login, json_t **result,
    struct cmd_err *err)
{
	json_t	*o = store_operator_show(ctx->store, login);

	if (o == NULL)
		return cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
	*result = operator_view(o);
	return 0;
}

/* Insert the operator and its audit row. */
static int
operator_add_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	struct operator_rec	 r;
	const char		*name = arg_str(args, "name");
	json_t			*d;
	int			 rc;

	memset(&r, 0, sizeof r);
	snprintf(r.login, sizeof r.login, "%s", arg_str(args, "login"));
	snprintf(r.name, sizeof r.name, "%s", name != NULL ? name : "");
	snprintf(r.pw_hash, sizeof r.pw_hash, "%s", arg_str(args, "pw_hash"));
	r.role = operator_role(arg_str(args, "role"));
	if ((rc = store_operator_add(ctx->store, &r)) > 0)
		return cmd_fail(err, "exists", "operator %s exists", r.login);
	d = json_pack("{s:s,s:s}", "name", r.name, "role",
	    actor_role_name(r.role));
	if (rc == 0)
		rc = store_audit_add(ctx->store, who, "operator.add", "operator",
		    r.login, NULL, d);
	json_decref(d);
	if (rc < 0)
		return cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
	log_info("control: operator %s (%s) added by %s", r.login,
	    actor_role_name(r.role), who->name);
	return operator_result(ctx, r.login, result, err);
}

/* Check login and role arguments; -1 with the reply sent. */
static int
operator_args_check(struct cmd_req *req, json_t *args)
{
	const char	*login = arg_str(args, "login"), *role;

	if (!operator_login_valid(login) || arg_has_nul(args, "login")) {
		control_error(req, "bad_args", "argument 'login' must be 1 to %d "
		    "of a-z 0-9 . _ - (and not \"pcod\")", OPERATOR_LOGIN_MAX);
		return -1;
	}
	if ((role = arg_str(args, "role")) != NULL && operator_role(role) < 0) {
		control_error(req, "bad_args", "argument 'role' must be operator, "
		    "supervisor or admin");
		return -1;
	}
	return 0;
}

/* operator.add {login, name?, role, password} */
static void
cmd_operator_add_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	if (operator_args_check(req, args) != 0)
		return;
	hash_then_write(req, ctx, args, operator_add_write);
}

/* Replace the hash and record who did it (never the hash). */
static int
operator_passwd_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	const char	*login = arg_str(args, "login");
	int		 rc;

	rc = store_operator_set_hash(ctx->store, login, arg_str(args, "pw_hash"));
	if (rc > 0)
		return cmd_fail(err, "not_found", "no operator %s", login);
	/* A new password ends the sessions the old one opened. */
	if (rc == 0 && store_session_revoke_login(ctx->store, login) < 0)
		rc = -1;
	if (rc < 0 || store_audit_add(ctx->store, who, "operator.passwd",
	    "operator", login, NULL, NULL) != 0)
		return cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
	log_info("control: password of operator %s changed by %s", login,
	    who->name);
	return operator_result(ctx, login, result, err);
}

/* operator.passwd {login, password}: an admin, or the operator himself. */
static void
cmd_operator_passwd_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	const struct actor	*who = control_actor(req);
	const char		*login = arg_str(args, "login");

	if (who->role < ROLE_ADMIN && strcmp(who->name, login) != 0) {
		control_error(req, "forbidden", "only an admin may change "
		    "another operator's password");
		return;
	}
	if (operator_args_check(req, args) != 0)
		return;
	hash_then_write(req, ctx, args, operator_passwd_write);
}

/* --- operator.update, operator.list --------------------------------------- */

/* The changes asked for, as audit details; NULL if none. */
static json_t *
operator_changes(json_t *args)
{
	json_t		*d = json_object(), *v;
	const char	*keys[] = { "name", "role", "disabled" };
	size_t		 i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if ((v = json_object_get(args, keys[i])) != NULL)
			json_object_set(d, keys[i], v);
	if (json_object_size(d) == 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

/* Change name, role or disabled, with its audit row. */
static int
operator_update_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	const char	*login = arg_str(args, "login"), *role;
	json_t		*d, *dis = json_object_get(args, "disabled");
	int		 rc;

	if ((d = operator_changes(args)) == NULL)
		return cmd_fail(err, "bad_args", "nothing to change: give name, "
		    "role or disabled");
	role = arg_str(args, "role");
	rc = store_operator_update(ctx->store, login, arg_str(args, "name"),
	    role != NULL ? operator_role(role) : -1,
	    dis != NULL ? json_is_true(dis) : -1);
	if (rc > 0) {
		json_decref(d);
		return cmd_fail(err, "not_found", "no operator %s", login);
	}
	/* A disabled operator's sessions end with the change. */
	if (rc == 0 && json_is_true(dis) &&
	    store_session_revoke_login(ctx->store, login) < 0)
		rc = -1;
	if (rc < 0 || store_audit_add(ctx->store, who, "operator.update",
	    "operator", login, NULL, d) != 0) {
		json_decref(d);
		return cmd_fail(err, "storage", "%s", store_errmsg(ctx->store));
	}
	json_decref(d);
	log_info("control: operator %s changed by %s", login, who->name);
	return operator_result(ctx, login, result, err);
}

/* After commit: live sessions of the operator take the new role at once. */
static void
operator_update_committed(struct control_ctx *ctx, json_t *result)
{
	const char	*login = json_string_value(json_object_get(result, "login"));
	int		 role;

	role = operator_role(json_string_value(json_object_get(result, "role")));
	if (json_is_true(json_object_get(result, "disabled")) || role < 0)
		role = ROLE_NONE;
	if (login != NULL)
		control_operator_changed(ctx->control, login, role);
}

/* operator.update {login, name?, role?, disabled?} */
static void
cmd_operator_update_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	if (operator_args_check(req, args) != 0)
		return;
	control_write(req, ctx, args, operator_update_write,
	    operator_update_committed);
}

/* operator.list {} -> [{login, name, role, disabled, created}] */
static void
cmd_operator_list_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	json_t	*rows = store_operator_list(ctx->store), *row;
	size_t	 i;

	if (rows == NULL) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	json_array_foreach(rows, i, row)
		operator_view(row);
	control_reply(req, rows);
}

/* --- subscribe, unsubscribe ----------------------------------------------- */

/* The subscription change is recorded: apply it and answer with the topics. */
static void
subscribe_done(struct session_op *op, int ok)
{
	json_t	*t;
	size_t	 i;

	if (!ok) {
		control_error(op->req, CMD_STORAGE_UNAVAILABLE, "the subscription "
		    "could not be recorded");
		return;
	}
	json_array_foreach(op->topics, i, t)
		control_subscribe(op->req, json_string_value(t), op->on);
	control_reply(op->req, json_pack("{s:o}", "topics",
	    control_subscriptions(op->req)));
}

/* The topics argument checked (default: all); NULL with the reply sent. */
static json_t *
subscribe_topics(struct cmd_req *req, json_t *args)
{
	json_t	*a = json_object_get(args, "topics"), *t;
	size_t	 i;

	if (a == NULL)
		return control_topics_all();
	json_array_foreach(a, i, t) {
		if (!json_is_string(t) || !control_topic_valid(json_string_value(t))) {
			control_error(req, "bad_args", "argument 'topics': item %zu "
			    "is not a known topic (alarm, escalation, system)", i);
			return NULL;
		}
	}
	return json_incref(a);
}

/* subscribe / unsubscribe {topics?}: one audit row, applied after its commit. */
static void
subscribe_change(struct cmd_req *req, struct control_ctx *ctx, json_t *args,
    int on)
{
	struct session_op	*op;
	json_t			*topics;
	char			 conn[32];

	if ((topics = subscribe_topics(req, args)) == NULL)
		return;
	op = xcalloc(1, sizeof *op);
	op->req = req;
	op->ctx = ctx;
	op->who = *control_actor(req);
	op->topics = topics;
	op->on = on;
	op->done = subscribe_done;
	snprintf(conn, sizeof conn, "%u", control_conn_id(req));
	session_record(op, on ? "subscribe" : "unsubscribe", "console", conn,
	    NULL, json_pack("{s:O}", "topics", topics));
}

/* subscribe {topics?} */
static void
cmd_subscribe_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	subscribe_change(req, ctx, args, 1);
}

/* unsubscribe {topics?} */
static void
cmd_unsubscribe_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	subscribe_change(req, ctx, args, 0);
}

/* --- audit.list ----------------------------------------------------------- */

/* audit.list {actor?, action?, object?, object_id?, since?, until?, limit?} */
static void
cmd_audit_list_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	struct audit_filter	 f;
	json_t			*rows, *row, *v;
	size_t			 i;

	memset(&f, 0, sizeof f);
	f.actor = arg_str(args, "actor");
	f.action = arg_str(args, "action");
	f.object = arg_str(args, "object");
	f.object_id = arg_str(args, "object_id");
	if ((v = json_object_get(args, "since")) != NULL)
		f.since_ms = json_integer_value(v);
	if ((v = json_object_get(args, "until")) != NULL)
		f.until_ms = json_integer_value(v);
	v = json_object_get(args, "limit");
	f.limit = v != NULL ? (int)json_integer_value(v) : AUDIT_LIST_DEFAULT;
	if ((rows = store_audit_list(ctx->store, &f)) == NULL) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	json_array_foreach(rows, i, row)
		json_time_member(row, "at_ms", "at", 1);
	control_reply(req, rows);
}

/* An audit.verify going on, a chunk of rows per loop pass. */
struct verify_op {
	struct cmd_req		*req;
	struct control_ctx	*ctx;
	struct audit_verify	*v;		/* owned */
	struct event		*ev;		/* owned */
};

/* Answer audit.verify with its verdict; a broken chain is logged too. */
static void
audit_verify_reply(struct cmd_req *req, json_t *v)
{
	if (!json_is_true(json_object_get(v, "intact")))
		log_warnx("control: audit.verify by %s: the audit log is broken "
		    "at row %" JSON_INTEGER_FORMAT ": %s", control_actor(req)->name,
		    json_integer_value(json_object_get(v, "first_bad")),
		    json_string_value(json_object_get(v, "reason")));
	control_reply(req, v);
}

/* Check the next rows; reply once the chain is done, then free op. */
static void
audit_verify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct verify_op	*op = arg;
	struct timeval		 now = { 0, 0 };
	int			 rc;

	rc = store_audit_verify_step(op->ctx->store, op->v, AUDIT_VERIFY_CHUNK);
	/* A timer, not event_active(): the panels' I/O runs in between. */
	if (rc == 1 && evtimer_add(op->ev, &now) == 0)
		return;
	if (rc == 0)
		audit_verify_reply(op->req, store_audit_verify_result(op->v));
	else
		control_error(op->req, "storage", "%s", rc == 1 ?
		    "cannot schedule the check" : store_errmsg(op->ctx->store));
	store_audit_verify_free(op->v);
	event_free(op->ev);
	free(op);
}

/* audit.verify: check the hash chain, naming the first bad row. */
static void
cmd_audit_verify_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct verify_op	*op;
	struct timeval		 now = { 0, 0 };

	op = xcalloc(1, sizeof(*op));
	op->req = req;
	op->ctx = ctx;
	if ((op->v = store_audit_verify_new(ctx->store)) == NULL ||
	    (op->ev = evtimer_new(control_base(ctx->control), audit_verify_cb,
	    op)) == NULL || evtimer_add(op->ev, &now) != 0) {
		control_error(req, "storage", "cannot start the check: %s",
		    store_errmsg(ctx->store));
		store_audit_verify_free(op->v);
		if (op->ev != NULL)
			event_free(op->ev);
		free(op);
	}
}

/* --- the table ------------------------------------------------------------ */

static const struct cmd_entry auth_login_entry = {
	.name = "auth.login",
	.args = {
		{ "login", CMD_ARG_STRING, 1, 1, 256 },
		{ "password", CMD_ARG_STRING, 1, 0, OPERATOR_PW_MAX },
		{ "session", CMD_ARG_BOOL, 0, 0, 0 },
		{ NULL }
	},
	.exec = cmd_auth_login_exec,
	.role = ROLE_NONE,
};

/* A session of auth.login {session: true} on a new console (issue 12). */
static const struct cmd_entry auth_resume_entry = {
	.name = "auth.resume",
	.args = {
		{ "token", CMD_ARG_STRING, 1, 1, 128 },
		{ NULL }
	},
	.exec = cmd_auth_resume_exec,
	.role = ROLE_NONE,
};

static const struct cmd_entry auth_logout_entry = {
	.name = "auth.logout",
	.args = {
		{ "token", CMD_ARG_STRING, 0, 1, 128 },
		{ NULL }
	},
	.exec = cmd_auth_logout_exec,
	.role = ROLE_NONE,
};

static const struct cmd_entry auth_whoami_entry = {
	.name = "auth.whoami",
	.args = { { NULL } },
	.exec = cmd_auth_whoami_exec,
	.role = ROLE_NONE,
};

/* Lifts a back-off or lock-out before its time (an operator locked out by an attack). */
static const struct cmd_entry auth_unlock_entry = {
	.name = "auth.unlock",
	.args = {
		{ "login", CMD_ARG_STRING, 0, 1, OPERATOR_LOGIN_MAX },
		{ "uid", CMD_ARG_INT, 0, 0, 4294967294LL },
		{ "address", CMD_ARG_STRING, 0, 1, 46 },
		{ NULL }
	},
	.write = auth_unlock_write,
	.committed = auth_unlock_committed,
	.role = ROLE_ADMIN,
};

static const struct cmd_entry operator_add_entry = {
	.name = "operator.add",
	.args = {
		{ "login", CMD_ARG_STRING, 1, 1, OPERATOR_LOGIN_MAX },
		{ "name", CMD_ARG_STRING, 0, 0, OPERATOR_NAME_MAX },
		{ "role", CMD_ARG_STRING, 1, 1, 16 },
		{ "password", CMD_ARG_STRING, 1, OPERATOR_PW_MIN, OPERATOR_PW_MAX },
		{ NULL }
	},
	.exec = cmd_operator_add_exec,
	.role = ROLE_ADMIN,
};

static const struct cmd_entry operator_list_entry = {
	.name = "operator.list",
	.args = { { NULL } },
	.exec = cmd_operator_list_exec,
	.role = ROLE_ADMIN,
};

static const struct cmd_entry operator_update_entry = {
	.name = "operator.update",
	.args = {
		{ "login", CMD_ARG_STRING, 1, 1, OPERATOR_LOGIN_MAX },
		{ "name", CMD_ARG_STRING, 0, 0, OPERATOR_NAME_MAX },
		{ "role", CMD_ARG_STRING, 0, 1, 16 },
		{ "disabled", CMD_ARG_BOOL, 0, 0, 0 },
		{ NULL }
	},
	.exec = cmd_operator_update_exec,
	.role = ROLE_ADMIN,
};

/* Any operator for himself; the handler asks admin for anyone else. */
static const struct cmd_entry operator_passwd_entry = {
	.name = "operator.passwd",
	.args = {
		{ "login", CMD_ARG_STRING, 1, 1, OPERATOR_LOGIN_MAX },
		{ "password", CMD_ARG_STRING, 1, OPERATOR_PW_MIN, OPERATOR_PW_MAX },
		{ NULL }
	},
	.exec = cmd_operator_passwd_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry subscribe_entry = {
	.name = "subscribe",
	.args = {
		{ "topics", CMD_ARG_ARRAY, 0, 1, 8 },
		{ NULL }
	},
	.exec = cmd_subscribe_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry unsubscribe_entry = {
	.name = "unsubscribe",
	.args = {
		{ "topics", CMD_ARG_ARRAY, 0, 1, 8 },
		{ NULL }
	},
	.exec = cmd_unsubscribe_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry audit_list_entry = {
	.name = "audit.list",
	.args = {
		{ "actor", CMD_ARG_STRING, 0, 1, 64 },
		{ "action", CMD_ARG_STRING, 0, 1, 64 },
		{ "object", CMD_ARG_STRING, 0, 1, 32 },
		{ "object_id", CMD_ARG_STRING, 0, 1, 64 },
		{ "since", CMD_ARG_TIME, 0, 0, 0 },
		{ "until", CMD_ARG_TIME, 0, 0, 0 },
		{ "limit", CMD_ARG_INT, 0, 1, 10000 },
		{ NULL }
	},
	.exec = cmd_audit_list_exec,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry audit_verify_entry = {
	.name = "audit.verify",
	.args = { { NULL } },
	.exec = cmd_audit_verify_exec,
	.role = ROLE_SUPERVISOR,
};

const struct cmd_entry *const cmd_operator_table[] = {
	&auth_login_entry,
	&auth_logout_entry,
	&auth_whoami_entry,
	&auth_resume_entry,
	&auth_unlock_entry,
	&operator_add_entry,
	&operator_list_entry,
	&operator_update_entry,
	&operator_passwd_entry,
	&subscribe_entry,
	&unsubscribe_entry,
	&audit_list_entry,
	&audit_verify_entry,
	NULL
};
