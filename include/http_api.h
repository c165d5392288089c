/*
 * http_api.h - the control protocol over HTTP for the browser console
 * (src/http_api.c; pcod-control(7) "HTTP API"): POST /api/login gives a
 * session cookie, POST /api runs one control request as the cookie's
 * operator, POST /api/logout revokes the session.
 */
#ifndef PCOD_HTTP_API_H
#define PCOD_HTTP_API_H

#include <stddef.h>

struct event_base;
struct control_ctx;
struct http_api;

/*
 * Serve the `http` listener of ctx->cfg on base; NULL with err[0] == '\0'
 * if none is configured, NULL with err set if it cannot be served.
 */
struct http_api	*http_api_start(struct event_base *, struct control_ctx *ctx,
		    char *err, size_t errsz);
/* Close the listener and its connections (pending replies are dropped). */
void		 http_api_free(struct http_api *);

#endif
