/*
 * http.h - an HTTP listener on the loop, built on libevent's evhttp
 * (src/http.c): routes by exact path, bounded requests, a connection cap
 * and timeouts.  What it serves is the routes' business (metrics.c; the
 * browser console later registers its own routes on a server of its own).
 */
#ifndef PCOD_HTTP_H
#define PCOD_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evbuffer;
struct evhttp_request;
struct http_conf;
struct http_server;

/* Methods a route takes; any other gets 405 with an Allow header. */
#define HTTP_M_GET	0x01
#define HTTP_M_HEAD	0x02
#define HTTP_M_POST	0x04

/* What one request may bring. */
struct http_limits {
	size_t	max_headers;	/* request line and headers, bytes */
	size_t	max_body;	/* body, bytes */
};

/*
 * A route's handler.  It answers with http_reply() or http_error() before
 * it returns (or keeps req for a later answer, e.g. a stream).  http.c
 * holds every connection's evhttp close callback (that is how it counts
 * them): a handler that keeps req must not set its own, but have http.c
 * tell it (a hook to add here with the first such route).
 */
typedef void	(*http_handler_fn)(struct http_server *, struct evhttp_request *,
		    void *arg);

/* What a server has seen (metrics). */
#define HTTP_NCODES	13
struct http_stats {
	uint64_t	accepted;		/* connections */
	uint64_t	evicted;		/* closed to make room for a new one */
	size_t		open;			/* connections now */
	int		codes[HTTP_NCODES];	/* status codes answered by routes... */
	uint64_t	answered[HTTP_NCODES];	/* ...and how often; the last "other" (0) */
};

/*
 * Bind the listener of conf on base; name ("metrics") goes into log lines.
 * NULL with err set ("metrics 127.0.0.1:9477: Address already in use").
 */
struct http_server	*http_new(struct event_base *, const struct http_conf *,
			    const char *name, const struct http_limits *,
			    char *err, size_t errsz);
/* Close the listener and every connection, free; NULL is harmless. */
void			 http_free(struct http_server *);
/* Serve path (exact, query ignored) for methods with fn.  0 or -1 (no room, bad). */
int			 http_route(struct http_server *, const char *path,
			    unsigned methods, http_handler_fn fn, void *arg);
/* Answer req with code and body (borrowed; drained) of type ctype. */
void			 http_reply(struct http_server *, struct evhttp_request *,
			    int code, const char *ctype, struct evbuffer *body);
/*
 * Answer req with code and body (borrowed; NULL: none), adding no header:
 * the caller sets them all (www.c: its own Cache-Control, an ETag, 304).
 */
void			 http_send(struct http_server *, struct evhttp_request *,
			    int code, struct evbuffer *body);
/* Answer req with code and a one-line plain-text message. */
void			 http_error(struct http_server *, struct evhttp_request *,
			    int code, const char *msg);
/* 1 if the server speaks TLS (conf had cert and key). */
int			 http_is_tls(const struct http_server *);
/*
 * Keep req past its handler (a deferred answer): if its connection closes
 * before the answer, cancel(arg) runs and req must not be touched again.
 * One held request per connection.  0, or -1 (answer it now).
 */
int			 http_hold(struct http_server *, struct evhttp_request *,
			    void (*cancel)(void *), void *arg);
/* About to answer a held req: its cancel hook is forgotten. */
void			 http_release(struct http_server *,
			    struct evhttp_request *);
/* The server's counters. */
void			 http_get_stats(const struct http_server *,
			    struct http_stats *);

#endif
