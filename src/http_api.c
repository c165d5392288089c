/*
 * http_api.c - the control protocol over HTTP, for the browser console.
 *
 * POST /api/login {login, password} runs auth.login {session: true} as a
 * stranger from the peer's address (so the same password check, throttling
 * and audit as on the socket) and turns the session token of its reply
 * into the cookie pcod_session (HttpOnly, SameSite=Strict, Path=/api,
 * Secure under TLS); the body tells {actor, role, csrf}.  The CSRF token is
 * HMAC-SHA256 of the session token under a fixed label: only the holder of
 * the token (the cookie is HttpOnly and SameSite=Strict, so never another
 * site's page) can know it, nothing more is stored, and it is the same
 * after a restart of pcod, so an open console carries on by itself.
 *
 * POST /api {cmd, args} runs one control request through control_run() as
 * the cookie's operator: the same role checks, handlers and audit as the
 * socket, and the same reply object, sent when the handler answers (after
 * the commit for writes).  A client that goes away meanwhile cancels its
 * pending reply (http_hold), which is then dropped.  POST /api/logout runs
 * auth.logout {token}.  Every POST but login needs X-CSRF-Token.
 *
 * A cookie that names no session (a guess, a forgery, or one left from a
 * database restored to an older state) is put to auth.resume as a
 * stranger from the peer's address, so it is throttled, counted, locked
 * out and audited exactly as a wrong session token on the socket; an
 * expired or revoked session is no guess and is only refused.  A logout
 * ends the session's event streams at once.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "actor.h"
#include "batch.h"
#include "clock.h"
#include "conf.h"
#include "control.h"
#include "http.h"
#include "http_api.h"
#include "log.h"
#include "session.h"
#include "sse.h"
#include "store.h"
#include "www.h"
#include "xmalloc.h"

#define API_MAX_HEADERS		(8 * 1024)
#define API_MAX_BODY		(64 * 1024)	/* the control socket's line */
#define API_COOKIE		"pcod_session"
#define API_CSRF_HEX		64
#define API_CSRF_LABEL		"pcod console csrf v1"
#define API_TOUCH_MS		60000	/* a session's last use is written this often */

struct http_api {
	struct http_server	*srv;		/* owned */
	struct control_ctx	*ctx;		/* not owned */
	struct sse_list		*streams;	/* owned */
	struct http_api_stats	 st;
};

/* What a request waits for: the reply of control_run(). */
enum api_kind { API_LOGIN, API_CMD, API_LOGOUT, API_FORGED };

/* api_session(): no session (refuse), or a cookie naming none (a guess). */
#define API_NO_SESSION	(-1)
#define API_UNKNOWN	(-2)

struct api_call {
	struct http_api		*api;
	struct evhttp_request	*req;		/* NULL once its client went */
	struct console		*con;		/* pending control_run; NULL once answered */
	enum api_kind		 kind;
	int			 answered;
	char			 hash[SESSION_HASH_HEX + 1];	/* logout's session */
};

/* Answer with a JSON body and code. */
static void
api_json(struct http_api *api, struct evhttp_request *req, int code,
    json_t *obj)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));

	if (b == NULL || s == NULL) {
		if (b != NULL)
			evbuffer_free(b);
		free(s);
		http_error(api->srv, req, 500, "cannot encode the answer");
		return;
	}
	evbuffer_add(b, s, strlen(s));
	evbuffer_add(b, "\n", 1);
	free(s);
	http_reply(api->srv, req, code, "application/json", b);
	evbuffer_free(b);
}

/* Answer code with {"error": {code, message}}. */
static void
api_fail(struct http_api *api, struct evhttp_request *req, int code,
    const char *ecode, const char *msg)
{
	json_t	*o = json_pack("{s:{s:s,s:s}}", "error", "code", ecode,
	    "message", msg);

	api_json(api, req, code, o);
	json_decref(o);
}

/* The CSRF token of a session token into out (API_CSRF_HEX + 1). */
static void
api_csrf(const struct http_api *api, const char *token, char *out)
{
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	len = 0, i;

	HMAC(EVP_sha256(), API_CSRF_LABEL, sizeof API_CSRF_LABEL - 1,
	    (const unsigned char *)token, strlen(token), mac, &len);
	for (i = 0; i < len && i * 2 < API_CSRF_HEX; i++)
		snprintf(out + i * 2, 3, "%02x", mac[i]);
	out[API_CSRF_HEX] = '\0';
	OPENSSL_cleanse(mac, sizeof mac);
}

/*
 * The pcod_session token of req's Cookie header into tok: 0; API_NO_SESSION
 * if there is none; API_UNKNOWN (tok empty) if it is not a token.
 */
static int
api_cookie(struct evhttp_request *req, char *tok)
{
	const char	*h, *p;
	size_t		 n = strlen(API_COOKIE);

	h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	for (p = h; p != NULL && *p != '\0'; ) {
		p += strspn(p, " \t;");
		if (strncmp(p, API_COOKIE, n) == 0 && p[n] == '=') {
			p += n + 1;
			if (strspn(p, "0123456789abcdef") != SESSION_TOKEN_HEX ||
			    (p[SESSION_TOKEN_HEX] != '\0' &&
			    p[SESSION_TOKEN_HEX] != ';' &&
			    p[SESSION_TOKEN_HEX] != ' ')) {
				tok[0] = '\0';
				return API_UNKNOWN;
			}
			memcpy(tok, p, SESSION_TOKEN_HEX);
			tok[SESSION_TOKEN_HEX] = '\0';
			return 0;
		}
		p += strcspn(p, ";");
	}
	return API_NO_SESSION;
}

/*
 * The session is used: its idle expiry moves on, in the open batch (at most
 * once a minute, or a quarter of the timeout if that is shorter).  A
 * failure costs the session only its extension, never the request.
 */
static void
api_touch(struct http_api *api, const char *hash, const struct session_rec *r,
    int64_t now, int64_t idle)
{
	struct control_ctx	*ctx = api->ctx;
	int64_t			 every = idle / 4 < API_TOUCH_MS ? idle / 4 :
				    API_TOUCH_MS;

	if (now - r->last_used_ms < every)
		return;
	if (batch_join(ctx->batch) != 0 || store_savepoint(ctx->store) != 0)
		return;
	if (store_session_touch(ctx->store, hash, now, now + idle) < 0)
		store_rollback_savepoint(ctx->store);
	else
		store_release(ctx->store);
}

/*
 * Who the cookie of req is (committed session, not expired): 0;
 * API_NO_SESSION (none, expired, revoked); API_UNKNOWN (tok names none).
 */
static int
api_session(struct http_api *api, struct evhttp_request *req, char *tok,
    struct actor *who)
{
	struct session_rec	 r;
	char			 hash[SESSION_HASH_HEX + 1];
	int64_t			 now = clock_wall_ms();
	int64_t			 idle = (int64_t)api->ctx->cfg->session_timeout *
				    1000;
	int			 rc;

	tok[0] = '\0';
	if ((rc = api_cookie(req, tok)) != 0)
		return rc;
	if (store_session_token_hash(tok, hash) != 0)
		return API_UNKNOWN;
	if ((rc = store_session_get(api->ctx->store, hash, &r)) != 0)
		return rc > 0 ? API_UNKNOWN : API_NO_SESSION;
	/* A control socket's session is not a cookie: a stolen token. */
	if (strcmp(r.peer, SESSION_PEER_HTTP) != 0)
		return API_UNKNOWN;
	if (r.disabled || r.role <= ROLE_NONE || now >= r.expires_ms ||
	    now >= r.last_used_ms + idle)
		return API_NO_SESSION;
	snprintf(who->name, sizeof who->name, "%s", r.login);
	who->role = (enum role)r.role;
	api_touch(api, hash, &r, now, idle);
	return 0;
}

/* The X-CSRF-Token of req matches the session token tok. */
static int
api_csrf_ok(const struct http_api *api, struct evhttp_request *req,
    const char *tok)
{
	const char	*h;
	char		 want[API_CSRF_HEX + 1];
	int		 ok;

	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-CSRF-Token");
	if (h == NULL || strlen(h) != API_CSRF_HEX)
		return 0;
	api_csrf(api, tok, want);
	ok = CRYPTO_memcmp(h, want, API_CSRF_HEX) == 0;
	OPENSSL_cleanse(want, sizeof want);
	return ok;
}

/*
 * The JSON object body of a POST: Content-Type application/json, at most
 * API_MAX_BODY bytes (evhttp refuses more with 413).  NULL once answered.
 */
static json_t *
api_body(struct http_api *api, struct evhttp_request *req)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	const char	*ct;
	json_error_t	 jerr;
	json_t		*root;
	size_t		 len = evbuffer_get_length(in);
	char		 msg[256];

	ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		api_fail(api, req, 415, "bad_request",
		    "Content-Type must be application/json");
		return NULL;
	}
	if (len > API_MAX_BODY) {
		api_fail(api, req, 413, "too_long", "request body over 64 KiB");
		return NULL;
	}
	root = json_loadb((const char *)evbuffer_pullup(in, -1), len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(msg, sizeof msg, "line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		api_fail(api, req, 400, "bad_json", msg);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		api_fail(api, req, 400, "bad_request",
		    "a request must be a JSON object");
		return NULL;
	}
	return root;
}

/* The client of a pending call went away: its reply is dropped. */
static void
api_call_cancel(void *arg)
{
	struct api_call	*call = arg;

	log_info("http api: a client went before its reply; it is dropped");
	/* As in sse_cancel: a failed connection leaves its request to us. */
	if (call->req != NULL && evhttp_request_get_connection(call->req) == NULL)
		evhttp_request_free(call->req);
	call->req = NULL;
	control_run_cancel(call->con);
	call->con = NULL;
	/* control.c will not call back any more: the call is ours to free. */
	free(call);
}

/* The HTTP status of an error reply to login or logout. */
static int
api_error_status(const char *code)
{
	if (code == NULL)
		return 500;
	if (strcmp(code, "auth_failed") == 0)
		return 401;
	if (strcmp(code, "throttled") == 0 || strcmp(code, "locked") == 0)
		return 429;
	if (strcmp(code, "forbidden") == 0)
		return 403;
	if (strncmp(code, "bad_", 4) == 0)
		return 400;
	return 503;
}

/* Answer status with the error of a control reply (its code and message). */
static void
api_fail_reply(struct http_api *api, struct evhttp_request *req, int status,
    json_t *reply)
{
	json_t		*err = json_object_get(reply, "error");
	const char	*code = json_string_value(json_object_get(err, "code"));
	const char	*msg = json_string_value(json_object_get(err, "message"));

	api_fail(api, req, status, code != NULL ? code : "internal",
	    msg != NULL ? msg : "");
}

/* The login's reply: the cookie and {actor, role, csrf}, or the refusal. */
static void
api_login_reply(struct api_call *call, json_t *reply)
{
	struct http_api	*api = call->api;
	struct evhttp_request *req = call->req;
	json_t		*res = json_object_get(reply, "result");
	json_t		*err = json_object_get(reply, "error");
	const char	*tok, *actor, *role;
	char		 csrf[API_CSRF_HEX + 1], cookie[256];
	json_t		*o;

	if (!json_is_true(json_object_get(reply, "ok"))) {
		api_fail_reply(api, req, api_error_status(json_string_value(
		    json_object_get(err, "code"))), reply);
		return;
	}
	tok = json_string_value(json_object_get(json_object_get(res,
	    "session"), "token"));
	actor = json_string_value(json_object_get(res, "login"));
	role = json_string_value(json_object_get(res, "role"));
	if (tok == NULL || actor == NULL || role == NULL) {
		api_fail(api, req, 503, "storage_unavailable",
		    "the session could not be recorded");
		return;
	}
	api_csrf(api, tok, csrf);
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/api; HttpOnly; "
	    "SameSite=Strict%s", API_COOKIE, tok,
	    http_is_tls(api->srv) ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie",
	    cookie);
	OPENSSL_cleanse(cookie, sizeof cookie);
	o = json_pack("{s:s,s:s,s:s}", "actor", actor, "role", role, "csrf",
	    csrf);
	api_json(api, req, 200, o);
	json_decref(o);
}

/* The reply of auth.resume for a cookie that names no session. */
static void
api_forged_reply(struct api_call *call, json_t *reply)
{
	const char	*code = json_string_value(json_object_get(
			    json_object_get(reply, "error"), "code"));

	if (code != NULL && api_error_status(code) == 429) {
		call->api->st.throttled++;
		api_fail_reply(call->api, call->req, 429, reply);
		return;
	}
	api_fail(call->api, call->req, 401, "auth_failed", "no valid session: "
	    "log in again");
}

/* control.c answers a call (during control_run or later). */
static void
api_call_out(json_t *reply, void *arg)
{
	struct api_call	*call = arg;
	struct http_api	*api = call->api;
	struct evhttp_request *req = call->req;

	call->answered = 1;
	if (call->con != NULL)
		/* Deferred: our hook goes; the call is freed here. */
		http_release(api->srv, req);
	switch (call->kind) {
	case API_LOGIN:
		api_login_reply(call, reply);
		break;
	case API_LOGOUT:
		if (json_is_true(json_object_get(reply, "ok"))) {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Set-Cookie", API_COOKIE "=; Path=/api; Max-Age=0; "
			    "HttpOnly; SameSite=Strict");
			sse_end_session(api->streams, call->hash, "logged out");
		}
		api_json(api, req, 200, reply);
		break;
	case API_FORGED:
		api_forged_reply(call, reply);
		break;
	case API_CMD:
		api_json(api, req, 200, reply);
		break;
	}
	if (call->con != NULL)
		free(call);
}

/*
 * Run request (borrowed) as who; the answer goes out when it comes.  hash:
 * the session a logout ends, or NULL.
 */
static void
api_run(struct http_api *api, struct evhttp_request *req, enum api_kind kind,
    const struct actor *who, json_t *request, const char *hash)
{
	struct api_call	*call = xcalloc(1, sizeof *call);
	struct console	*con;

	call->api = api;
	call->req = req;
	call->kind = kind;
	if (hash != NULL)
		snprintf(call->hash, sizeof call->hash, "%s", hash);
	if (api->ctx->control == NULL) {
		free(call);
		api_fail(api, req, 503, "unavailable", "shutting down");
		return;
	}
	con = control_run(api->ctx->control, who, request, api_call_out, call);
	if (con == NULL) {
		/* Answered within the call. */
		free(call);
		return;
	}
	call->con = con;
	if (http_hold(api->srv, req, api_call_cancel, call) != 0) {
		/* Cannot watch its connection: give the reply up, answer now. */
		control_run_cancel(con);
		free(call);
		api_fail(api, req, 503, "unavailable", "cannot wait for the "
		    "reply");
	}
}

/* The peer's address as a stranger's actor name ("http:127.0.0.1"). */
static void
api_stranger(struct evhttp_request *req, struct actor *who)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	char				*addr = NULL;
	ev_uint16_t			 port = 0;

	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(who->name, sizeof who->name, "http:%s",
	    addr != NULL ? addr : "?");
	who->role = ROLE_NONE;
}

/* POST /api/login {login, password} */
static void
api_login_cb(struct http_server *srv, struct evhttp_request *req, void *arg)
{
	struct http_api	*api = arg;
	json_t		*body, *login, *pw, *r;
	struct actor	 who;

	if ((body = api_body(api, req)) == NULL)
		return;
	login = json_object_get(body, "login");
	pw = json_object_get(body, "password");
	if (!json_is_string(login) || !json_is_string(pw) ||
	    json_object_size(body) != 2) {
		json_decref(body);
		api_fail(api, req, 400, "bad_args", "the body must be "
		    "{\"login\": string, \"password\": string}");
		return;
	}
	r = json_pack("{s:s,s:{s:O,s:O,s:b}}", "cmd", "auth.login", "args",
	    "login", login, "password", pw, "session", 1);
	json_decref(body);
	api_stranger(req, &who);
	api_run(api, req, API_LOGIN, &who, r, NULL);
	json_decref(r);
}

/*
 * Refuse req whose cookie gave rc (api_session): a cookie that names no
 * session goes to auth.resume as a stranger (counted, throttled, audited);
 * none, or an expired one, is a plain 401.
 */
static void
api_refuse(struct http_api *api, struct evhttp_request *req, int rc,
    const char *tok)
{
	struct actor	 who;
	json_t		*r;

	api->st.refused++;
	if (rc != API_UNKNOWN) {
		api_fail(api, req, 401, "auth_failed", "no valid session: log "
		    "in again");
		return;
	}
	api->st.unknown++;
	if ((r = json_pack("{s:s,s:{s:s}}", "cmd", "auth.resume", "args",
	    "token", tok)) == NULL) {
		api_fail(api, req, 500, "internal", "no memory");
		return;
	}
	api_stranger(req, &who);
	api_run(api, req, API_FORGED, &who, r, NULL);
	json_decref(r);
}

/*
 * The session of a POST: cookie, then CSRF header.  0 with who and tok,
 * or -1 once answered (401, 403).
 */
static int
api_auth(struct http_api *api, struct evhttp_request *req, char *tok,
    struct actor *who)
{
	int	rc;

	if ((rc = api_session(api, req, tok, who)) != 0) {
		api_refuse(api, req, rc, tok);
		OPENSSL_cleanse(tok, SESSION_TOKEN_HEX + 1);
		return -1;
	}
	if (!api_csrf_ok(api, req, tok)) {
		OPENSSL_cleanse(tok, SESSION_TOKEN_HEX + 1);
		api->st.csrf++;
		log_info("http api actor=%s: refused a request without its "
		    "CSRF token", who->name);
		api_fail(api, req, 403, "csrf", "missing or wrong X-CSRF-Token");
		return -1;
	}
	return 0;
}

/* POST /api {cmd, args} */
static void
api_cmd_cb(struct http_server *srv, struct evhttp_request *req, void *arg)
{
	struct http_api	*api = arg;
	struct actor	 who;
	char		 tok[SESSION_TOKEN_HEX + 1];
	const char	*cmd;
	json_t		*body;

	if (api_auth(api, req, tok, &who) != 0)
		return;
	OPENSSL_cleanse(tok, sizeof tok);
	if ((body = api_body(api, req)) == NULL)
		return;
	cmd = json_string_value(json_object_get(body, "cmd"));
	/* The session is the cookie's: logging in and out has its own paths. */
	if (cmd != NULL && strncmp(cmd, "auth.", 5) == 0 &&
	    strcmp(cmd, "auth.whoami") != 0 && strcmp(cmd, "auth.unlock") != 0) {
		json_decref(body);
		api_fail(api, req, 400, "bad_request", "log in and out with "
		    "/api/login and /api/logout");
		return;
	}
	api_run(api, req, API_CMD, &who, body, NULL);
	json_decref(body);
}

/* POST /api/logout */
static void
api_logout_cb(struct http_server *srv, struct evhttp_request *req, void *arg)
{
	struct http_api	*api = arg;
	struct actor	 who;
	char		 tok[SESSION_TOKEN_HEX + 1];
	json_t		*r;

	char		 hash[SESSION_HASH_HEX + 1];

	if (api_auth(api, req, tok, &who) != 0)
		return;
	if (store_session_token_hash(tok, hash) != 0)
		hash[0] = '\0';
	r = json_pack("{s:s,s:{s:s}}", "cmd", "auth.logout", "args", "token",
	    tok);
	OPENSSL_cleanse(tok, sizeof tok);
	api_run(api, req, API_LOGOUT, &who, r, hash);
	json_decref(r);
}

/* The session of token hash hash is there and not expired (a stream's check). */
static int
api_hash_valid(const char *hash, void *arg)
{
	struct http_api		*api = arg;
	struct session_rec	 r;
	int64_t			 now = clock_wall_ms();
	int64_t			 idle = (int64_t)api->ctx->cfg->session_timeout *
				    1000;

	return store_session_get(api->ctx->store, hash, &r) == 0 &&
	    strcmp(r.peer, SESSION_PEER_HTTP) == 0 &&
	    !r.disabled && r.role > ROLE_NONE && now < r.expires_ms &&
	    now < r.last_used_ms + idle;
}

/* GET /api/events?topics=alarm,escalation: cookie only (it changes nothing). */
static void
api_events_cb(struct http_server *srv, struct evhttp_request *req, void *arg)
{
	struct http_api		*api = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq	 params;
	struct actor		 who;
	char			 tok[SESSION_TOKEN_HEX + 1];
	char			 hash[SESSION_HASH_HEX + 1];
	const char		*topics;
	int			 rc;

	if ((rc = api_session(api, req, tok, &who)) != 0 ||
	    store_session_token_hash(tok, hash) != 0) {
		api_refuse(api, req, rc != 0 ? rc : API_NO_SESSION, tok);
		OPENSSL_cleanse(tok, sizeof tok);
		return;
	}
	OPENSSL_cleanse(tok, sizeof tok);
	if (api->ctx->control == NULL) {
		api_fail(api, req, 503, "unavailable", "shutting down");
		return;
	}
	TAILQ_INIT(&params);
	if (q != NULL && evhttp_parse_query_str(q, &params) != 0) {
		api_fail(api, req, 400, "bad_request", "bad query string");
		return;
	}
	topics = evhttp_find_header(&params, "topics");
	sse_start(api->streams, srv, req, api->ctx->control, &who,
	    topics != NULL ? topics : "alarm,escalation,system", hash,
	    api_hash_valid, api);
	evhttp_clear_headers(&params);
}

struct http_api *
http_api_start(struct event_base *base, struct control_ctx *ctx, char *err,
    size_t errsz)
{
	const struct http_limits	 lim = { API_MAX_HEADERS, API_MAX_BODY };
	struct http_api			*api;

	err[0] = '\0';
	if (ctx->cfg->http == NULL)
		return NULL;
	api = xcalloc(1, sizeof *api);
	api->ctx = ctx;
	api->streams = sse_list_new();
	api->srv = http_new(base, ctx->cfg->http, "http", &lim, err, errsz);
	if (api->srv == NULL ||
	    http_route(api->srv, "/api/login", HTTP_M_POST, api_login_cb, api) ||
	    http_route(api->srv, "/api", HTTP_M_POST, api_cmd_cb, api) ||
	    http_route(api->srv, "/api/logout", HTTP_M_POST, api_logout_cb,
	    api) ||
	    http_route(api->srv, "/api/events", HTTP_M_GET, api_events_cb, api)) {
		if (api->srv != NULL && err[0] == '\0')
			snprintf(err, errsz, "http: cannot route");
		http_api_free(api);
		return NULL;
	}
	/* The console's files (www.c). */
	if (www_register(api->srv, PCOD_WWW_DIR) != 0) {
		snprintf(err, errsz, "http: cannot route the console's files");
		http_api_free(api);
		return NULL;
	}
	return api;
}

void
http_api_free(struct http_api *api)
{
	if (api == NULL)
		return;
	/* Closing the connections cancels the pending calls and streams. */
	http_free(api->srv);
	sse_list_free(api->streams);
	free(api);
}

void
http_api_get_stats(const struct http_api *api, struct http_api_stats *st,
    struct http_stats *hs)
{
	*st = api->st;
	st->streams = sse_list_count(api->streams);
	http_get_stats(api->srv, hs);
}
