/* sse.h - notifications as Server-Sent Events (src/sse.c) for http_api.c. */
#ifndef PCOD_SSE_H
#define PCOD_SSE_H

struct actor;
struct control;
struct evhttp_request;
struct http_server;

/*
 * Answer req with a text/event-stream of the notifications of topics
 * (comma-separated) for who, until the client goes or control.c ends it
 * (400 if a topic is unknown or above who's role).
 */
/*
 * valid(hash, arg) is asked at every keepalive whether the session of
 * token hash hash still holds (logged out, expired: the stream ends).
 */
void	sse_start(struct http_server *, struct evhttp_request *,
	    struct control *, const struct actor *who, const char *topics,
	    const char *hash, int (*valid)(const char *hash, void *arg),
	    void *arg);

#endif
