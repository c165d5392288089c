/*
 * http.c - an HTTP listener on the loop, built on libevent's evhttp.
 *
 * evhttp parses the requests, bounds their headers and bodies, and closes
 * a connection that stays silent (or does not read its answer) for the
 * timeout.  What libevent 2.1 does not do is cap the connections, and
 * every one is a descriptor the panel listeners may need.  So each new
 * connection is taken at its birth: evhttp asks our bevcb for its
 * bufferevent, and at the end of that loop pass we find the evhttp
 * connection behind it (evhttp makes itself the bufferevent's callback
 * argument) and hook its close callback, which tells us when it ends.  Past
 * max-connections the oldest connection is closed to make room, so a peer
 * on loopback that opens connections and leaves them idle costs itself its
 * own connections, never the next scrape.
 *
 * Routes match the path exactly (the query is ignored); an unknown path
 * gets 404, a known one asked with another method 405 with an Allow header.
 * The handlers answer through http_reply() and http_error(), which count
 * what was answered.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

/* The API's routes and the console's files (www.c: one route each). */
#define HTTP_MAX_ROUTES		64
#define HTTP_BACKLOG		64
/* Out of descriptors: accepting pauses this long instead of spinning. */
#define HTTP_PAUSE_SEC		1
/* Every method evhttp 2.1 knows: those a route does not take get 405, not 501. */
#define HTTP_ALL_METHODS	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | \
	EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | \
	EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | \
	EVHTTP_REQ_PATCH)

/* One connection: pending (bev known) until adopted (evcon known). */
struct http_conn {
	TAILQ_ENTRY(http_conn)	 entry;
	struct http_server	*srv;		/* not owned */
	struct bufferevent	*bev;		/* pending: one reference of ours */
	struct evhttp_connection *evcon;	/* adopted: evhttp's */
	void			(*cancel)(void *);	/* a held request's hook */
	void			*cancel_arg;
};
TAILQ_HEAD(http_connlist, http_conn);

struct http_route {
	char		*path;		/* owned */
	unsigned	 methods;	/* HTTP_M_* */
	http_handler_fn	 fn;
	void		*arg;
};

struct http_server {
	struct event_base	*base;		/* not owned */
	char			*name;		/* "metrics 127.0.0.1:9477"; owned */
	struct evhttp		*http;		/* owned; owns the listener once bound */
	struct evconnlistener	*evl;		/* evhttp's */
	struct event		*adopt_ev;	/* owned: adopts the pending connections */
	struct event		*pause_ev;	/* owned: resumes accepting */
	struct http_connlist	 pending;	/* owned entries */
	struct http_connlist	 conns;		/* owned entries; oldest first */
	int			 max_conn;
	SSL_CTX			*ssl_ctx;	/* https; NULL: plain; owned */
	struct http_route	 routes[HTTP_MAX_ROUTES];
	size_t			 nroutes;
	struct http_stats	 st;
};

/* Codes the counters keep apart; anything else is "other". */
static const int http_codes[HTTP_NCODES] = {
	200, 304, 400, 401, 403, 404, 405, 413, 415, 429, 500, 503, 0
};

/* A connection ended (evhttp closes it, or we evicted it): forget it. */
static void
http_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn	*hc = arg;
	struct http_server	*srv = hc->srv;
	void			(*cancel)(void *) = hc->cancel;

	TAILQ_REMOVE(&srv->conns, hc, entry);
	srv->st.open--;
	if (cancel != NULL)
		cancel(hc->cancel_arg);
	free(hc);
}

/*
 * The connection to close for room: the oldest without a held request
 * (idle keep-alives, requests being read), the newest (just accepted)
 * apart; when every other one is held (event streams, replies awaited),
 * the oldest.  A burst of short requests does not cut the consoles' live
 * streams, and a new client still always gets in.
 */
static struct http_conn *
http_victim(struct http_server *srv)
{
	struct http_conn	*hc, *newest;

	newest = TAILQ_LAST(&srv->conns, http_connlist);
	TAILQ_FOREACH(hc, &srv->conns, entry)
		if (hc != newest && hc->cancel == NULL)
			return hc;
	return TAILQ_FIRST(&srv->conns);
}

/* Close connections (http_victim's choice) until there is room for max_conn. */
static void
http_make_room(struct http_server *srv)
{
	struct http_conn	*old;

	while (srv->st.open > (size_t)srv->max_conn &&
	    !TAILQ_EMPTY(&srv->conns)) {
		old = http_victim(srv);
		srv->st.evicted++;
		if (log_limit_allow(LOG_LIMIT_CONN))
			log_info("http=\"%s\" full (%d connections): the oldest "
			    "%sis closed", srv->name, srv->max_conn,
			    old->cancel != NULL ? "held request " : "");
		/* Runs http_closed_cb, which frees old. */
		evhttp_connection_free(old->evcon);
	}
}

/*
 * End of the pass that accepted them: find the evhttp connection of each
 * new bufferevent and hook its close.  A bufferevent without callbacks was
 * already given up by evhttp (it failed to set the connection up).
 */
static void
http_adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server	*srv = arg;
	struct http_conn	*hc;
	void			*evcon;

	while ((hc = TAILQ_FIRST(&srv->pending)) != NULL) {
		TAILQ_REMOVE(&srv->pending, hc, entry);
		evcon = NULL;
		bufferevent_getcb(hc->bev, NULL, NULL, NULL, &evcon);
		bufferevent_decref(hc->bev);
		hc->bev = NULL;
		if (evcon == NULL) {
			free(hc);
			continue;
		}
		hc->evcon = evcon;
		evhttp_connection_set_closecb(hc->evcon, http_closed_cb, hc);
		TAILQ_INSERT_TAIL(&srv->conns, hc, entry);
		srv->st.open++;
	}
	http_make_room(srv);
}

/* evhttp wants a bufferevent for a connection it accepted: note the birth. */
static struct bufferevent *
http_bevcb(struct event_base *base, void *arg)
{
	struct http_server	*srv = arg;
	struct http_conn	*hc;
	struct bufferevent	*bev;
	SSL			*ssl;

	if (srv->ssl_ctx != NULL) {
		if ((ssl = SSL_new(srv->ssl_ctx)) == NULL)
			return NULL;
		/* CLOSE_ON_FREE frees ssl with the bufferevent (and evhttp
		 * then leaves the socket to it). */
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL) {
			SSL_free(ssl);
			return NULL;
		}
	/* No CLOSE_ON_FREE: evhttp closes the socket itself then. */
	} else if ((bev = bufferevent_socket_new(base, -1, 0)) == NULL)
		return NULL;
	srv->st.accepted++;
	hc = xcalloc(1, sizeof(*hc));
	hc->srv = srv;
	hc->bev = bev;
	/* Ours until adopted, even should evhttp drop it meanwhile. */
	bufferevent_incref(bev);
	TAILQ_INSERT_TAIL(&srv->pending, hc, entry);
	event_active(srv->adopt_ev, 0, 0);
	return bev;
}

/* accept() failed: out of descriptors pauses accepting instead of spinning. */
static void
http_accept_error_cb(struct evconnlistener *evl, void *arg)
{
	struct http_server	*srv = arg;
	int			 err = EVUTIL_SOCKET_ERROR();
	struct timeval		 tv = { HTTP_PAUSE_SEC, 0 };

	if (log_limit_allow(LOG_LIMIT_CONN))
		log_warnx("http=\"%s\" accept: %s", srv->name,
		    evutil_socket_error_to_string(err));
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		evconnlistener_disable(evl);
		evtimer_add(srv->pause_ev, &tv);
	}
}

/* Accept again after a pause. */
static void
http_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server	*srv = arg;

	evconnlistener_enable(srv->evl);
}

/* The HTTP_M_* bit of a request's method; 0 for one no route takes. */
static unsigned
http_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return HTTP_M_GET;
	case EVHTTP_REQ_HEAD:
		return HTTP_M_HEAD;
	case EVHTTP_REQ_POST:
		return HTTP_M_POST;
	default:
		return 0;
	}
}

/* "GET, HEAD" for an Allow header. */
static void
http_allow(unsigned methods, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s%s%s%s%s", methods & HTTP_M_GET ? "GET" : "",
	    methods & HTTP_M_GET && methods & (HTTP_M_HEAD | HTTP_M_POST) ?
	    ", " : "", methods & HTTP_M_HEAD ? "HEAD" : "",
	    methods & HTTP_M_HEAD && methods & HTTP_M_POST ? ", " : "",
	    methods & HTTP_M_POST ? "POST" : "");
}

/* Every request: find its route, check the method, run the handler. */
static void
http_dispatch(struct evhttp_request *req, void *arg)
{
	struct http_server		*srv = arg;
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	const char			*path = uri != NULL ?
					    evhttp_uri_get_path(uri) : NULL;
	const struct http_route		*r = NULL;
	char				 allow[32];
	size_t				 i;

	for (i = 0; path != NULL && i < srv->nroutes; i++)
		if (strcmp(srv->routes[i].path, path) == 0)
			r = &srv->routes[i];
	if (r == NULL) {
		http_error(srv, req, 404, "not found");
		return;
	}
	if ((http_method(req) & r->methods) == 0) {
		http_allow(r->methods, allow, sizeof(allow));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", allow);
		http_error(srv, req, 405, "method not allowed");
		return;
	}
	r->fn(srv, req, r->arg);
}

/* Bind the listener and hand it to evhttp.  0 or -1 with err set. */
static int
http_bind(struct http_server *srv, const struct http_conf *conf, char *err,
    size_t errsz)
{
	unsigned	flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
			    LEV_OPT_CLOSE_ON_EXEC;

	if (conf->ss.ss_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	srv->evl = evconnlistener_new_bind(srv->base, NULL, NULL, flags,
	    HTTP_BACKLOG, (const struct sockaddr *)&conf->ss, (int)conf->sslen);
	if (srv->evl == NULL)
		return xerr(err, errsz, "%s: %s", srv->name, strerror(errno));
	evconnlistener_set_error_cb(srv->evl, http_accept_error_cb);
	if (evhttp_bind_listener(srv->http, srv->evl) == NULL) {
		evconnlistener_free(srv->evl);
		srv->evl = NULL;
		return xerr(err, errsz, "%s: cannot serve HTTP", srv->name);
	}
	return 0;
}

/* Load conf's certificate and key.  0 or -1 with err set. */
static int
http_tls(struct http_server *srv, const struct http_conf *conf, char *err,
    size_t errsz)
{
	char	ebuf[256];

	if ((srv->ssl_ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(srv->ssl_ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(srv->ssl_ctx, conf->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(srv->ssl_ctx, conf->key,
	    SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(srv->ssl_ctx) != 1)
		goto fail;
	return 0;
fail:
	ERR_error_string_n(ERR_get_error(), ebuf, sizeof(ebuf));
	return xerr(err, errsz, "%s: cert %s / key %s: %s", srv->name,
	    conf->cert, conf->key, ebuf);
}

/* An HTTP server on conf's address; NULL with err set. */
struct http_server *
http_new(struct event_base *base, const struct http_conf *conf,
    const char *name, const struct http_limits *lim, char *err, size_t errsz)
{
	struct http_server	*srv = xcalloc(1, sizeof(*srv));

	srv->base = base;
	srv->name = xasprintf("%s %s", name, conf->addr);
	srv->max_conn = conf->max_conn;
	memcpy(srv->st.codes, http_codes, sizeof(srv->st.codes));
	TAILQ_INIT(&srv->pending);
	TAILQ_INIT(&srv->conns);
	srv->adopt_ev = event_new(base, -1, 0, http_adopt_cb, srv);
	srv->pause_ev = evtimer_new(base, http_resume_cb, srv);
	if ((srv->http = evhttp_new(base)) == NULL || srv->adopt_ev == NULL ||
	    srv->pause_ev == NULL) {
		xerr(err, errsz, "%s: cannot set up HTTP", srv->name);
		goto fail;
	}
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)lim->max_headers);
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)lim->max_body);
	evhttp_set_timeout(srv->http, conf->timeout);
	evhttp_set_allowed_methods(srv->http, HTTP_ALL_METHODS);
	evhttp_set_default_content_type(srv->http, "text/plain; charset=utf-8");
	evhttp_set_gencb(srv->http, http_dispatch, srv);
	evhttp_set_bevcb(srv->http, http_bevcb, srv);
	if (conf->cert != NULL && http_tls(srv, conf, err, errsz) == -1)
		goto fail;
	if (http_bind(srv, conf, err, errsz) == -1)
		goto fail;
	log_info("http=\"%s\" listening", srv->name);
	return srv;
fail:
	http_free(srv);
	return NULL;
}

/* Close everything and free. */
void
http_free(struct http_server *srv)
{
	struct http_conn	*hc;
	size_t			 i;

	if (srv == NULL)
		return;
	/* Frees the listener and every connection (their close callbacks run). */
	if (srv->http != NULL)
		evhttp_free(srv->http);
	while ((hc = TAILQ_FIRST(&srv->pending)) != NULL) {
		TAILQ_REMOVE(&srv->pending, hc, entry);
		bufferevent_decref(hc->bev);
		free(hc);
	}
	while ((hc = TAILQ_FIRST(&srv->conns)) != NULL) {
		TAILQ_REMOVE(&srv->conns, hc, entry);
		free(hc);
	}
	if (srv->adopt_ev != NULL)
		event_free(srv->adopt_ev);
	if (srv->pause_ev != NULL)
		event_free(srv->pause_ev);
	for (i = 0; i < srv->nroutes; i++)
		free(srv->routes[i].path);
	if (srv->ssl_ctx != NULL)
		SSL_CTX_free(srv->ssl_ctx);
	free(srv->name);
	free(srv);
}

/* Serve path for methods with fn. */
int
http_route(struct http_server *srv, const char *path, unsigned methods,
    http_handler_fn fn, void *arg)
{
	struct http_route	*r;

	if (srv->nroutes == HTTP_MAX_ROUTES || path[0] != '/' || methods == 0)
		return -1;
	r = &srv->routes[srv->nroutes++];
	r->path = xstrdup(path);
	r->methods = methods;
	r->fn = fn;
	r->arg = arg;
	return 0;
}

/* Count one answer by its code. */
static void
http_count(struct http_server *srv, int code)
{
	int	i;

	for (i = 0; i < HTTP_NCODES - 1; i++)
		if (srv->st.codes[i] == code)
			break;
	srv->st.answered[i]++;
}

/* The reason phrase of the codes we send. */
static const char *
http_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* Answer req with code and body. */
void
http_reply(struct http_server *srv, struct evhttp_request *req, int code,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	http_send(srv, req, code, body);
}

/* Answer req with code and body (borrowed), with only the caller's headers. */
void
http_send(struct http_server *srv, struct evhttp_request *req, int code,
    struct evbuffer *body)
{
	http_count(srv, code);
	evhttp_send_reply(req, code, http_reason(code), body);
}

/* Answer req with code and a line of text. */
void
http_error(struct http_server *srv, struct evhttp_request *req, int code,
    const char *msg)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL) {
		http_count(srv, code);
		evhttp_send_reply(req, code, http_reason(code), NULL);
		return;
	}
	evbuffer_add_printf(b, "%d %s\n", code, msg);
	http_reply(srv, req, code, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

/* The server's counters. */
void
http_get_stats(const struct http_server *srv, struct http_stats *st)
{
	*st = srv->st;
}

/* 1 if the server speaks TLS. */
int
http_is_tls(const struct http_server *srv)
{
	return srv->ssl_ctx != NULL;
}

/* The adopted connection req came on, or NULL. */
static struct http_conn *
http_conn_of(struct http_server *srv, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct http_conn		*hc;

	TAILQ_FOREACH(hc, &srv->conns, entry)
		if (evcon != NULL && hc->evcon == evcon)
			return hc;
	return NULL;
}

/* Keep req past its handler; cancel(arg) if its connection closes first. */
int
http_hold(struct http_server *srv, struct evhttp_request *req,
    void (*cancel)(void *), void *arg)
{
	struct http_conn	*hc = http_conn_of(srv, req);

	if (hc == NULL || hc->cancel != NULL)
		return -1;
	hc->cancel = cancel;
	hc->cancel_arg = arg;
	return 0;
}

/* A held request is being answered: its hook is forgotten. */
void
http_release(struct http_server *srv, struct evhttp_request *req)
{
	struct http_conn	*hc = http_conn_of(srv, req);

	if (hc != NULL) {
		hc->cancel = NULL;
		hc->cancel_arg = NULL;
	}
}
