/*
 * http_api.h - the control protocol over HTTP for the browser console
 * (src/http_api.c; pcod-control(7) "HTTP API"): POST /api/login gives a
 * session cookie, POST /api runs one control request as the cookie's
 * operator, POST /api/logout revokes the session.
 */
#ifndef PCOD_HTTP_API_H
#define PCOD_HTTP_API_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct control_ctx;
struct http_api;
struct http_stats;

/* What the API has refused (metrics). */
struct http_api_stats {
	uint64_t	refused;	/* requests without a valid session (401) */
	uint64_t	unknown;	/* ...of which a cookie naming no session */
	uint64_t	throttled;	/* ...answered 429 (too many such from one address) */
	uint64_t	csrf;		/* refused without the CSRF token (403) */
	size_t		streams;	/* event streams open now */
};

/*
 * Serve the `http` listener of ctx->cfg on base; NULL with err[0] == '\0'
 * if none is configured, NULL with err set if it cannot be served.
 */
struct http_api	*http_api_start(struct event_base *, struct control_ctx *ctx,
		    char *err, size_t errsz);
/* Close the listener and its connections (pending replies are dropped). */
void		 http_api_free(struct http_api *);
/* The API's counters and its listener's (http.h). */
void		 http_api_get_stats(const struct http_api *,
		    struct http_api_stats *, struct http_stats *);

#endif
