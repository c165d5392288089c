/* sse.h - notifications as Server-Sent Events (src/sse.c) for http_api.c. */
#ifndef PCOD_SSE_H
#define PCOD_SSE_H

#include <stddef.h>

struct actor;
struct control;
struct evhttp_request;
struct http_server;
struct sse_list;

/* The streams of one listener, so that a logout can end its session's. */
struct sse_list	*sse_list_new(void);
/* After the listener's connections are closed (they end the streams). */
void		 sse_list_free(struct sse_list *);
/* Streams open now. */
size_t		 sse_list_count(const struct sse_list *);
/* End the streams of the session of token hash hash, telling why. */
void		 sse_end_session(struct sse_list *, const char *hash,
		    const char *why);

/*
 * Answer req with a text/event-stream of the notifications of topics
 * (comma-separated) for who, until the client goes or control.c ends it
 * (400 if a topic is unknown or above who's role).
 */
/*
 * valid(hash, arg) is asked at every keepalive whether the session of
 * token hash hash still holds (logged out, expired: the stream ends).
 */
void	sse_start(struct sse_list *, struct http_server *,
	    struct evhttp_request *,
	    struct control *, const struct actor *who, const char *topics,
	    const char *hash, int (*valid)(const char *hash, void *arg),
	    void *arg);

#endif
