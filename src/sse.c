/*
 * sse.c - GET /api/events?topics=alarm,escalation,system: the control
 * socket's notifications as Server-Sent Events for the browser console.
 *
 * The request stays open: the answer is started at once (200,
 * text/event-stream) and every notification goes out as one chunk
 * "event: TOPIC\ndata: JSON\n\n"; a comment line every 15 s keeps proxies
 * from timing it out and finds a client that went away.  control.c owns
 * the subscription (control_stream_new): the same topic roles as the
 * socket, and a client that does not read is cut off past 512 KiB.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "actor.h"
#include "control.h"
#include "http.h"
#include "log.h"
#include "sse.h"
#include "xmalloc.h"

#define SSE_KEEPALIVE_SEC	15
#define SSE_WRITE_TIMEOUT	30	/* a client that reads nothing this long goes */

struct sse {
	TAILQ_ENTRY(sse)	 entry;		/* in list */
	struct sse_list		*list;		/* not owned */
	struct http_server	*srv;		/* not owned */
	struct evhttp_request	*req;		/* evhttp's; NULL once gone */
	struct control_stream	*stream;	/* control.c's; NULL once ended */
	struct event		*keepalive;	/* owned */
	char			 hash[65];	/* the session's token hash */
	int			(*valid)(const char *, void *);
	void			*valid_arg;
};

struct sse_list {
	TAILQ_HEAD(, sse)	 head;
	size_t			 n;
};

struct sse_list *
sse_list_new(void)
{
	struct sse_list	*l = xcalloc(1, sizeof *l);

	TAILQ_INIT(&l->head);
	return l;
}

/* Every stream has ended by now (their connections closed first). */
void
sse_list_free(struct sse_list *l)
{
	free(l);
}

size_t
sse_list_count(const struct sse_list *l)
{
	return l->n;
}

/* Send one chunk of text. */
static void
sse_chunk(struct sse *e, const char *a, const char *b, const char *c)
{
	struct evbuffer	*buf = evbuffer_new();

	if (buf == NULL)
		return;
	evbuffer_add_printf(buf, "%s%s%s", a, b != NULL ? b : "",
	    c != NULL ? c : "");
	evhttp_send_reply_chunk(e->req, buf);
	evbuffer_free(buf);
}

static void
sse_free(struct sse *e)
{
	if (e->list != NULL) {
		TAILQ_REMOVE(&e->list->head, e, entry);
		e->list->n--;
	}
	if (e->keepalive != NULL)
		event_free(e->keepalive);
	free(e);
}

/* One notification. */
static void
sse_line(const char *topic, const char *data, void *arg)
{
	struct sse	*e = arg;
	struct evbuffer	*buf;

	if ((buf = evbuffer_new()) == NULL)
		return;
	evbuffer_add_printf(buf, "event: %s\ndata: %s\n\n", topic, data);
	evhttp_send_reply_chunk(e->req, buf);
	evbuffer_free(buf);
}

/* What waits for the client to read it. */
static size_t
sse_queued(void *arg)
{
	struct sse			*e = arg;
	struct evhttp_connection	*evcon = evhttp_request_get_connection(e->req);
	struct bufferevent		*bev;

	if (evcon == NULL || (bev = evhttp_connection_get_bufferevent(evcon)) ==
	    NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(bev));
}

/* control.c ended the stream: say why, end the answer and close. */
static void
sse_gone(const char *why, void *arg)
{
	struct sse			*e = arg;
	struct evhttp_request		*req = e->req;

	e->stream = NULL;
	sse_chunk(e, "event: closed\ndata: {\"reason\":\"", why, "\"}\n\n");
	http_release(e->srv, req);
	/* Connection: close (set at the start) ends the connection with it. */
	evhttp_send_reply_end(req);
	sse_free(e);
}

/* The connection closed under the stream (client gone, evicted, shutdown). */
static void
sse_cancel(void *arg)
{
	struct sse	*e = arg;

	control_stream_free(e->stream);
	e->stream = NULL;
	/*
	 * Closed by pcod (evicted, shutdown): evhttp frees the request with
	 * its connection.  Failed (EOF, write error, timeout): evhttp has
	 * detached the unfinished request from it and left it to us.
	 */
	if (evhttp_request_get_connection(e->req) == NULL)
		evhttp_request_free(e->req);
	e->req = NULL;
	sse_free(e);
}

static void
sse_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sse	*e = arg;

	if (e->valid(e->hash, e->valid_arg)) {
		sse_chunk(e, ": keepalive\n\n", NULL, NULL);
		return;
	}
	/* Logged out or expired: end it as control.c would. */
	control_stream_free(e->stream);
	sse_gone("session ended", e);
}

/*
 * The listener's timeout is for requests; a stream is silent by nature:
 * no read timeout, and the keepalives keep the write timeout from firing
 * unless the client stops reading.
 */
static void
sse_timeouts(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct bufferevent		*bev;
	struct timeval			 wtv = { SSE_WRITE_TIMEOUT, 0 };

	if (evcon != NULL &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL)
		bufferevent_set_timeouts(bev, NULL, &wtv);
}

static const struct control_stream_ops sse_ops = {
	sse_line, sse_queued, sse_gone
};

void
sse_end_session(struct sse_list *l, const char *hash, const char *why)
{
	struct sse	*e, *next;

	if (hash == NULL || hash[0] == '\0')
		return;
	for (e = TAILQ_FIRST(&l->head); e != NULL; e = next) {
		next = TAILQ_NEXT(e, entry);
		if (strcmp(e->hash, hash) != 0 || e->stream == NULL)
			continue;
		control_stream_free(e->stream);
		sse_gone(why, e);
	}
}

/* Start the stream of req for who.  Answers the refusals itself. */
void
sse_start(struct sse_list *l, struct http_server *srv,
    struct evhttp_request *req,
    struct control *ctl, const struct actor *who, const char *topics,
    const char *hash, int (*valid)(const char *, void *), void *varg)
{
	struct sse		*e = xcalloc(1, sizeof *e);
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct timeval		 tv = { SSE_KEEPALIVE_SEC, 0 };
	char			 msg[128];

	e->srv = srv;
	e->req = req;
	snprintf(e->hash, sizeof e->hash, "%s", hash);
	e->valid = valid;
	e->valid_arg = varg;
	e->keepalive = event_new(control_base(ctl), -1, EV_PERSIST,
	    sse_keepalive_cb, e);
	if (e->keepalive == NULL) {
		sse_free(e);
		http_error(srv, req, 500, "no memory");
		return;
	}
	e->stream = control_stream_new(ctl, who, topics, &sse_ops, e, msg,
	    sizeof msg);
	if (e->stream == NULL) {
		sse_free(e);
		http_error(srv, req, 400, msg);
		return;
	}
	if (http_hold(srv, req, sse_cancel, e) != 0) {
		control_stream_free(e->stream);
		sse_free(e);
		http_error(srv, req, 503, "cannot hold the stream");
		return;
	}
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_add_header(h, "Connection", "close");
	evhttp_send_reply_start(req, 200, "OK");
	sse_timeouts(req);
	sse_chunk(e, ": pcod events\n\n", NULL, NULL);
	event_add(e->keepalive, &tv);
	e->list = l;
	TAILQ_INSERT_TAIL(&l->head, e, entry);
	l->n++;
}
