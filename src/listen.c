/* listen.c - panel listeners: TCP connections and UDP datagrams, limits, answers in order. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "addrcount.h"
#include "batch.h"
#include "clock.h"
#include "conf.h"
#include "dc09.h"
#include "ingest.h"
#include "listen.h"
#include "log.h"
#include "srclimit.h"
#include "stats.h"
#include "xmalloc.h"

/* Answers queued by a peer that is not reading: past this, it is dropped. */
#define CONN_MAX_OUTPUT		(256 * 1024)
/*
 * The kernel's send buffer of a panel socket (it doubles it).  Answers are
 * tens of bytes; left to autotuning, a panel that does not read would have
 * the kernel hold up to tcp_wmem's 4 MB for it before CONN_MAX_OUTPUT counts.
 */
#define CONN_SNDBUF		(32 * 1024)
/* Bytes one read of a plain TCP connection takes (on the stack). */
#define CONN_RECV_BUF		16384
/* Input kept per connection at most; reading pauses above it. */
#define CONN_READ_HIWAT		(64 * 1024)
/* Datagrams handled per read callback before other work gets a turn. */
#define UDP_PER_CALLBACK	64
#define UDP_MAX_DATAGRAM	(DC09_MAX_FRAME + 64)
/* Connections the kernel may queue before accept (capped by somaxconn). */
#define LISTEN_BACKLOG		4096
/* How long accepting pauses when the process runs out of descriptors. */
#define ACCEPT_PAUSE_SEC	1
/* Writes to a non-reading panel time out after this. */
#define CONN_WRITE_TIMEOUT	30
/*
 * NAKs a UDP source address gets: a burst, then so many a second.  Beyond
 * that they are dropped (the panel retries; a spoofed victim gets little).
 */
#define UDP_NAK_RATE		5
#define UDP_NAK_BURST		20
/* How often the log limiter's summary of a busy second is written. */
#define LISTEN_TICK_SEC		1

enum conn_state {
	CONN_OPEN,		/* reading frames */
	CONN_DRAINING,		/* no more reading; free once answers are out */
	CONN_DEAD		/* socket gone; freed when its batch completes */
};

/* A UDP answer's destination: IPv4 or IPv6 (sockaddr_storage is 128 bytes). */
union answer_to {
	struct sockaddr		sa;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
};

/* One queued answer; UDP answers carry their destination. */
struct answer {
	struct ingest_answer	 a;
	union answer_to		 to;
	socklen_t		 tolen;
	uint64_t		 batch;		/* batch_id() it waits for */
};

/*
 * Answers in arrival order; those waiting for their batch hold back the
 * rest.  With the pipelined commit they may wait for several batches (one
 * syncing, the next open): each answer knows its batch, and the queue is
 * registered once with each.
 */
struct answerq {
	struct answer	*q;		/* owned */
	size_t		 n, cap;
	int		 ndefer;	/* batch_defer() callbacks still to come */
	uint64_t	 deferred;	/* the last batch registered with */
};

struct listener;

struct conn {
	uint64_t		 id;
	struct listener		*l;		/* not owned */
	struct bufferevent	*bev;		/* TLS: owned; NULL once dead */
	evutil_socket_t		 fd;		/* plain TCP: owned; -1 once dead */
	enum conn_state		 state;
	char			 peer[64];	/* "addr:port" */
	char			 addr[48];	/* address only, for the per-address limit */
	struct answerq		 aq;
	const char		*drain_reason;	/* static string */
	struct event		*rev;		/* plain TCP: reads; owned; NULL TLS */
	struct evbuffer		*partial;	/* plain TCP: an unfinished frame; owned */
	struct evbuffer		*out;		/* plain TCP: answers the socket did not
						   take yet; owned; NULL when none */
	struct event		*wev;		/* plain TCP: writable while out is
						   not empty; owned; NULL otherwise */
	int64_t			 progress_ms;	/* accepted or last complete frame */
	int64_t			 frame_ms;	/* first byte of a pending frame; 0: none */
	int			 handshaking;	/* TLS: handshake not done yet */
	int			 framed;	/* has sent a complete frame */
	TAILQ_ENTRY(conn)	 entry;		/* in order of progress_ms */
	TAILQ_ENTRY(conn)	 fentry;	/* in order of frame_ms, while not 0 */
};
TAILQ_HEAD(connlist, conn);

struct listener {
	struct listeners	*ls;		/* not owned */
	enum listen_proto	 proto;
	char			*name;		/* "tcp 0.0.0.0:7000"; owned */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 max_conn, max_per_addr, idle_timeout, max_frame;
	int			 frame_timeout;
	struct evconnlistener	*evl;		/* tcp, tls; owned */
	SSL_CTX			*ssl_ctx;	/* tls; owned */
	struct event		*pause_ev;	/* tcp: resume accepting; owned */
	int			 fd;		/* udp; owned */
	struct event		*udp_ev;	/* owned */
	struct answerq		 aq;		/* udp answers */
	struct srclimit		*naklim;	/* udp: NAKs per source; owned */
	struct addrcount	*peraddr;	/* tcp, tls: connections per address; owned */
	struct connlist		 conns;		/* longest without progress first */
	struct connlist		 framing;	/* a frame (or handshake) under way,
						   oldest first */
	int			 nconns;
	/*
	 * One timer for every connection's deadlines: both lists are in the
	 * order of their deadlines (the limits are the listener's), so it
	 * waits for the earlier head.  tcp, tls; owned.
	 */
	struct event		*deadline_ev;
	int64_t			 armed_ms;	/* when it fires; 0: not armed */
};

struct listeners {
	struct event_base	*base;		/* not owned */
	struct ingest		*ingest;	/* not owned */
	struct batch		*batch;		/* not owned */
	struct listener		*l;		/* owned array */
	size_t			 n;
	uint64_t		 next_id;
	struct event		*tick_ev;	/* log summary; owned */
	int			 draining;	/* shutting down: break the loop when empty */
};

static void	conn_free(struct conn *, const char *reason);
static void	conn_flush(struct conn *);
static void	conn_eventcb(struct bufferevent *, short, void *);
static void	conn_wevcb(evutil_socket_t, short, void *);
static int	listen_nconns(const struct listeners *);

/*
 * Append one answer to q, waiting for the open batch (one that does not
 * wait goes with the answer before it).  1 when q must register with that
 * batch (batch_defer()), 0 when it already is.
 */
static int
answerq_push(struct answerq *q, struct batch *b, const struct ingest_answer *a,
    const struct sockaddr_storage *to, socklen_t tolen)
{
	struct answer	*e;
	uint64_t	 id;

	id = a->wait_commit || q->n == 0 ? batch_id(b) : q->q[q->n - 1].batch;

	if (q->n == q->cap) {
		/* One at first: most panels have one frame in flight. */
		q->cap = q->cap ? q->cap * 2 : 1;
		q->q = xreallocarray(q->q, q->cap, sizeof(*q->q));
	}
	e = &q->q[q->n++];
	e->a = *a;
	if (to != NULL && tolen > sizeof(e->to))
		tolen = 0;	/* not IPv4/6: cannot be answered */
	if (to != NULL)
		memcpy(&e->to, to, tolen);
	e->tolen = tolen;
	e->batch = id;
	if (q->ndefer > 0 && q->deferred == id)
		return 0;
	q->deferred = id;
	q->ndefer++;
	return 1;
}

/* How many answers at the head of q belong to batches up to done. */
static size_t
answerq_ready(const struct answerq *q, uint64_t done)
{
	size_t	k = 0;

	while (k < q->n && q->q[k].batch <= done)
		k++;
	return k;
}

/* Forget the first k answers of q (sent). */
static void
answerq_drop(struct answerq *q, size_t k)
{
	memmove(q->q, q->q + k, (q->n - k) * sizeof(*q->q));
	q->n -= k;
}

/* The bytes to send for a queued answer once its batch is decided. */
static void
answer_bytes(const struct ingest_answer *a, int ok, const char **buf, int *len)
{
	if (a->wait_commit && !ok) {
		/* Not stored: the panel must send it again. */
		pcod_stats.naks++;
		pcod_stats.rej_store++;
		*buf = a->nak;
		*len = a->naklen;
	} else {
		*buf = a->buf;
		*len = a->len;
		/*
		 * Counted as it leaves, so that the counter only grows (a
		 * failed batch's ACK never does), with what the panel waited.
		 */
		if (a->wait_commit && !a->is_nak) {
			pcod_stats.acks++;
			histo_observe(&pcod_stats.ack_latency,
			    histo_now_us() - a->taken_us);
		}
	}
}

/* Format ss as "addr:port" into peer and the address alone into addr. */
static void
listen_format(const struct sockaddr_storage *ss, char *peer, size_t peersz,
    char *addr, size_t addrsz)
{
	const struct sockaddr_in	*s4 = (const void *)ss;
	const struct sockaddr_in6	*s6 = (const void *)ss;

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, addrsz);
		snprintf(peer, peersz, "[%s]:%u", addr, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, addr, addrsz);
		snprintf(peer, peersz, "%s:%u", addr, ntohs(s4->sin_port));
	} else {
		snprintf(addr, addrsz, "unknown");
		snprintf(peer, peersz, "unknown");
	}
}

/* --- TCP connections ------------------------------------------------------ */

/* Release the answer queue and the struct of a connection. */
static void
conn_destroy(struct conn *c)
{
	free(c->aq.q);
	free(c);
}

/* Bytes of answers written but not yet taken by the socket. */
static size_t
conn_outlen(const struct conn *c)
{
	if (c->bev != NULL)
		return evbuffer_get_length(bufferevent_get_output(c->bev));
	return c->out != NULL ? evbuffer_get_length(c->out) : 0;
}

/*
 * Plain TCP: keep what the socket did not take, and wait until it is
 * writable.  A peer that takes nothing for CONN_WRITE_TIMEOUT is dropped.
 */
static void
conn_queue_out(struct conn *c, const char *buf, size_t len)
{
	struct timeval	wtv = { CONN_WRITE_TIMEOUT, 0 };

	if (c->out == NULL && (c->out = evbuffer_new()) == NULL)
		fatalx("conn_queue_out: out of memory");
	if (c->wev == NULL && (c->wev = event_new(c->l->ls->base, c->fd,
	    EV_WRITE | EV_PERSIST, conn_wevcb, c)) == NULL)
		fatalx("conn_queue_out: out of memory");
	if (evbuffer_add(c->out, buf, len) != 0)
		fatalx("conn_queue_out: out of memory");
	if (!event_pending(c->wev, EV_WRITE, NULL))
		event_add(c->wev, &wtv);
}

/* Plain TCP: everything written is out; release the buffer and the event. */
static void
conn_out_done(struct conn *c)
{
	if (c->wev != NULL)
		event_free(c->wev);
	c->wev = NULL;
	if (c->out != NULL)
		evbuffer_free(c->out);
	c->out = NULL;
}

/*
 * Send answers: straight to the socket when nothing is queued before them,
 * which spares the two epoll_ctl calls a buffered write costs per answer;
 * whatever the socket does not take waits in c->out (plain TCP) or in the
 * bufferevent (TLS).
 */
static void
conn_send(struct conn *c, const char *buf, size_t len)
{
	ssize_t		 n = 0;

	if (len == 0)
		return;
	if (c->bev != NULL) {
		bufferevent_write(c->bev, buf, len);
		return;
	}
	if (conn_outlen(c) == 0) {
		n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			n = 0;	/* EAGAIN or an error: the write event retries and reports */
	}
	if ((size_t)n < len)
		conn_queue_out(c, buf + n, len - (size_t)n);
}

/* A batch holding this connection's frames is decided: send its answers in order. */
static void
conn_committed(int ok, void *arg)
{
	struct conn	*c = arg;
	const char	*buf;
	char		 out[4096];
	size_t		 i, k, o = 0;
	int		 len;

	c->aq.ndefer--;
	if (c->state == CONN_DEAD) {
		if (c->aq.ndefer == 0)
			conn_destroy(c);
		return;
	}
	k = answerq_ready(&c->aq, batch_done_id(c->l->ls->batch));
	for (i = 0; i < k; i++) {
		answer_bytes(&c->aq.q[i].a, ok, &buf, &len);
		if (len <= 0)
			continue;
		if (o + (size_t)len > sizeof(out)) {
			conn_send(c, out, o);
			o = 0;
		}
		memcpy(out + o, buf, (size_t)len);
		o += (size_t)len;
	}
	conn_send(c, out, o);
	answerq_drop(&c->aq, k);
	/*
	 * A panel owed nothing releases its queue (hundreds of bytes an
	 * answer), so that thousands of idle panels cost little.
	 */
	if (c->aq.n == 0) {
		c->aq.cap = 0;
		free(c->aq.q);
		c->aq.q = NULL;
	}
	/* Only a draining connection may go here: an open one may be mid-read. */
	if (c->state == CONN_DRAINING)
		conn_flush(c);
}

/* Free a draining connection once its answers are out; drop a peer that does not read. */
static void
conn_flush(struct conn *c)
{
	size_t	out = conn_outlen(c);

	if (out > CONN_MAX_OUTPUT)
		conn_free(c, "peer does not read its answers");
	else if (c->state == CONN_DRAINING && out == 0 && c->aq.n == 0)
		conn_free(c, c->drain_reason);
}

/* Send or queue the answer to one frame, keeping the connection's order. */
static void
conn_answer(struct conn *c, const struct ingest_answer *a)
{
	struct batch	*b = c->l->ls->batch;

	if (a->len <= 0)
		return;
	if (!a->wait_commit && c->aq.n == 0) {
		conn_send(c, a->buf, (size_t)a->len);
		return;
	}
	if (answerq_push(&c->aq, b, a, NULL, 0))
		batch_defer(b, conn_committed, c);
	if (a->wait_commit)
		batch_count(b);
}

/* Log and count junk bytes that came before a frame. */
static void
conn_junk(struct conn *c, const char *buf, size_t n)
{
	char	esc[80];

	pcod_stats.rej_garbage++;
	if (!log_limit_allow(LOG_LIMIT_REFUSAL))
		return;
	log_info("conn=%llu peer=%s reject=garbage bytes=%zu data=\"%s\"",
	    (unsigned long long)c->id, c->peer, n, log_escape(esc, sizeof(esc), buf, n));
}

/* Take one complete frame from the connection. */
static void
conn_frame(struct conn *c, const char *buf, size_t len)
{
	struct ingest_peer	p = { config_proto_name(c->l->proto), c->peer, c->id };
	struct ingest_answer	a;

	ingest_frame(c->l->ls->ingest, buf, len, &p, &a);
	conn_answer(c, &a);
	/* A complete frame is progress: to the back of the eviction order. */
	c->framed = 1;
	c->progress_ms = clock_mono_ms();
	TAILQ_REMOVE(&c->l->conns, c, entry);
	TAILQ_INSERT_TAIL(&c->l->conns, c, entry);
}

/*
 * A frame longer than max-frame: NAK it as UDP does, and go on at the next
 * LF.  The rest of an unfinished one arrives as junk before that LF.  The
 * bytes to skip.
 */
static size_t
conn_toolong(struct conn *c, const char *buf, size_t win, size_t start)
{
	struct ingest_answer	 a;
	const char		*cr = memchr(buf + start, '\r', win - start);
	size_t			 skip = cr != NULL ? (size_t)(cr - buf) + 1 : win;

	pcod_stats.rej_too_long++;
	if (log_limit_allow(LOG_LIMIT_REFUSAL))
		log_info("conn=%llu peer=%s reject=too_long answer=NAK bytes=%zu "
		    "max-frame=%d", (unsigned long long)c->id, c->peer,
		    skip - start, c->l->max_frame);
	ingest_nak(&a);
	conn_answer(c, &a);
	return skip;
}

/* How much of the input one scan looks at: a whole frame and some junk. */
static size_t
conn_window(const struct conn *c, size_t len)
{
	size_t	cap = (size_t)c->l->max_frame + 4096;

	return len < cap ? len : cap;
}

/*
 * Take what starts buf (win bytes of len in all): a frame, a too long one,
 * or junk.  *used: the bytes consumed.  0 to go on, 1 to wait for more.
 */
static int
conn_cut(struct conn *c, const char *buf, size_t win, size_t len, size_t *used)
{
	size_t			 start, flen, skipped;
	enum dc09_scan		 r;

	r = dc09_scan(buf, win, c->l->max_frame, &start, &flen, &skipped);
	if (skipped > 0)
		conn_junk(c, buf, skipped);
	switch (r) {
	case DC09_SCAN_FRAME:
		conn_frame(c, buf + start, flen);
		*used = start + flen;
		return 0;
	case DC09_SCAN_TOOLONG:
		*used = conn_toolong(c, buf, win, start);
		return 0;
	default:
		*used = skipped;
		/* Junk filled the window: look at what follows it. */
		return skipped > 0 && win < len ? 0 : 1;
	}
}

/* Cut what is buffered into frames; 0 to go on, 1 to wait for more bytes. */
static int
conn_scan(struct conn *c, struct evbuffer *in)
{
	size_t		 len = evbuffer_get_length(in), win = conn_window(c, len);
	size_t		 used = 0;
	const char	*buf = (const char *)evbuffer_pullup(in, (ssize_t)win);
	int		 r;

	r = conn_cut(c, buf, win, len, &used);
	evbuffer_drain(in, used);
	return r;
}

/*
 * When the connection must have made progress: idle-timeout after its last
 * complete frame and, while a frame (or a TLS handshake) is under way,
 * frame-timeout after its first byte, whichever comes first.
 */
static int64_t
conn_deadline(const struct conn *c, int *is_frame)
{
	int64_t	idle = c->progress_ms + (int64_t)c->l->idle_timeout * 1000;
	int64_t	frame = c->frame_ms + (int64_t)c->l->frame_timeout * 1000;

	*is_frame = c->frame_ms != 0 && frame < idle;
	return *is_frame ? frame : idle;
}

/* The first byte of c's pending frame (or handshake) came at ms; 0: none pending. */
static void
conn_set_frame(struct conn *c, int64_t ms)
{
	if (c->frame_ms != 0)
		TAILQ_REMOVE(&c->l->framing, c, fentry);
	c->frame_ms = ms;
	if (ms != 0)
		TAILQ_INSERT_TAIL(&c->l->framing, c, fentry);
}

/*
 * Arm the listener's timer for the earliest deadline, unless it fires
 * before that anyway (early is harmless: it looks and arms again).
 */
static void
listen_arm(struct listener *l, int force)
{
	struct conn	*c;
	struct timeval	 tv;
	int64_t		 when = 0, t;
	int		 is_frame;

	if ((c = TAILQ_FIRST(&l->conns)) != NULL)
		when = conn_deadline(c, &is_frame);
	if ((c = TAILQ_FIRST(&l->framing)) != NULL &&
	    ((t = conn_deadline(c, &is_frame)) < when || when == 0))
		when = t;
	if (when == 0 || (!force && l->armed_ms != 0 && l->armed_ms <= when))
		return;
	t = when - clock_mono_ms();
	if (t < 0)
		t = 0;
	tv.tv_sec = (time_t)(t / 1000);
	tv.tv_usec = (suseconds_t)(t % 1000) * 1000;
	evtimer_add(l->deadline_ev, &tv);
	l->armed_ms = when;
}

/*
 * c's deadline passed by now: a frame too slow or no frame for too long
 * closes it.  Returns 0 when c was not due.
 */
static int
conn_expire(struct conn *c, int64_t now)
{
	int	is_frame;

	if (conn_deadline(c, &is_frame) > now)
		return 0;
	/* A panel waiting for its ACK (a slow sync) is not idle: we are. */
	if (!is_frame && c->aq.n > 0) {
		c->progress_ms = now;
		TAILQ_REMOVE(&c->l->conns, c, entry);
		TAILQ_INSERT_TAIL(&c->l->conns, c, entry);
		return 1;
	}
	if (is_frame) {
		pcod_stats.frame_timeouts++;
		conn_free(c, c->handshaking ? "TLS handshake not done within "
		    "frame-timeout" : "frame not complete within frame-timeout");
	} else {
		pcod_stats.idle_timeouts++;
		conn_free(c, "idle timeout (no complete frame)");
	}
	return 1;
}

/* The listener's timer: close what is due, from the heads of both lists. */
static void
listen_deadlinecb(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;
	struct conn	*c;
	int64_t		 now = clock_mono_ms();

	l->armed_ms = 0;
	/* Each one handled leaves the head: closed, or moved to the tail. */
	while ((c = TAILQ_FIRST(&l->conns)) != NULL && conn_expire(c, now))
		;
	while ((c = TAILQ_FIRST(&l->framing)) != NULL && conn_expire(c, now))
		;
	listen_arm(l, 0);
}

/*
 * Bytes arrived (data, n: read into our own buffer; NULL: already in the
 * input buffer): answer every complete frame in order.  With nothing
 * buffered before them, frames are cut straight from data, and only the
 * start of an unfinished one is kept.
 */
static void
conn_input(struct conn *c, const char *data, size_t n)
{
	struct evbuffer	*in;
	int64_t		 progress = c->progress_ms, frame = c->frame_ms;
	size_t		 off = 0, used;
	int		 r = 0;

	/* A socket bufferevent takes no bytes but its own: ours go apart. */
	if (data == NULL)
		in = bufferevent_get_input(c->bev);
	else if ((in = c->partial) == NULL)
		in = c->partial = evbuffer_new();
	if (in == NULL)
		fatalx("conn_input: out of memory");
	if (data != NULL && evbuffer_get_length(in) == 0) {
		while (r == 0 && c->state == CONN_OPEN && off < n) {
			used = 0;
			r = conn_cut(c, data + off, conn_window(c, n - off),
			    n - off, &used);
			off += used;
		}
		data += off;
		n -= off;
	}
	if (data != NULL && n > 0)
		evbuffer_add(in, data, n);
	while (r == 0 && c->state == CONN_OPEN && evbuffer_get_length(in) > 0)
		r = conn_scan(c, in);
	/* What is left is the start of a frame: its clock runs from now. */
	if (evbuffer_get_length(in) == 0)
		conn_set_frame(c, 0);
	if (c->partial != NULL && evbuffer_get_length(c->partial) == 0) {
		evbuffer_free(c->partial);	/* idle panels keep no buffer */
		c->partial = NULL;
	}
	else if (c->frame_ms == 0 || c->progress_ms != progress)
		conn_set_frame(c, clock_mono_ms());
	if (c->frame_ms != frame || c->progress_ms != progress)
		listen_arm(c->l, 0);
	conn_flush(c);
}

/* TLS: the bufferevent has read (and decrypted) bytes. */
static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	conn_input(arg, NULL, 0);
}

/*
 * Plain TCP reads here, not through the bufferevent: one recv() into our
 * buffer per wake-up, where the bufferevent adds a FIONREAD ioctl and a
 * buffer chain per read.  EOF and errors go where the bufferevent's would.
 */
static void
conn_recvcb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	char		 buf[CONN_RECV_BUF];
	ssize_t		 n;

	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0)
		conn_input(c, buf, (size_t)n);
	else if (n == 0)
		conn_eventcb(NULL, BEV_EVENT_READING | BEV_EVENT_EOF, c);
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		conn_eventcb(NULL, BEV_EVENT_READING | BEV_EVENT_ERROR, c);
}

/* Plain TCP: the socket takes more of the queued answers, or timed out. */
static void
conn_wevcb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (what & EV_TIMEOUT) {
		conn_eventcb(NULL, BEV_EVENT_WRITING | BEV_EVENT_TIMEOUT, c);
		return;
	}
	if (evbuffer_write(c->out, fd) < 0 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR) {
		conn_eventcb(NULL, BEV_EVENT_WRITING | BEV_EVENT_ERROR, c);
		return;
	}
	if (evbuffer_get_length(c->out) == 0)
		conn_out_done(c);
	conn_flush(c);
}

/* No more reading from this connection. */
static void
conn_stop_reading(struct conn *c)
{
	if (c->rev != NULL)
		event_del(c->rev);
	else
		bufferevent_disable(c->bev, EV_READ);
}

/* Output drained: a draining connection may now go. */
static void
conn_writecb(struct bufferevent *bev, void *arg)
{
	conn_flush(arg);
}

/* Why a connection failed: the TLS library's reason, else the socket's. */
static void
conn_error(struct conn *c, char *reason, size_t sz)
{
	unsigned long	e = 0;
	char		buf[120];

	if (c->bev != NULL && c->l->proto == LISTEN_TLS)
		e = bufferevent_get_openssl_error(c->bev);
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(reason, sz, "TLS error: %s", buf);
	} else if (EVUTIL_SOCKET_ERROR() != 0)
		snprintf(reason, sz, "socket error: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else
		snprintf(reason, sz, "connection ended%s", c->l->proto ==
		    LISTEN_TLS ? " (TLS handshake or shutdown failed)" : "");
}

/* End of stream, error or timeout. */
static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	char		 reason[160];

	if (what & BEV_EVENT_CONNECTED) {
		/* The TLS handshake finished: from now on frames are timed. */
		c->handshaking = 0;
		conn_set_frame(c, 0);
		listen_arm(c->l, 0);
		if (log_limit_allow(LOG_LIMIT_CONN))
			log_debug("conn=%llu peer=%s TLS handshake done",
			    (unsigned long long)c->id, c->peer);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		/* Only writes have a bufferevent timeout; reads have listen_deadlinecb. */
		conn_free(c, "write timeout");
	} else if ((what & BEV_EVENT_EOF) && (c->aq.n > 0 ||
	    conn_outlen(c) > 0)) {
		/* A one-shot panel may half-close before its ACK is out. */
		c->state = CONN_DRAINING;
		c->drain_reason = "closed by peer";
		conn_stop_reading(c);
	} else if (what & BEV_EVENT_EOF)
		conn_free(c, "closed by peer");
	else {
		conn_error(c, reason, sizeof(reason));
		conn_free(c, reason);
	}
}

/* Close a connection for reason; its struct waits if a batch still holds it. */
static void
conn_free(struct conn *c, const char *reason)
{
	struct listener	*l = c->l;

	if (log_limit_allow(LOG_LIMIT_CONN))
		log_info("conn=%llu peer=%s closed: %s", (unsigned long long)c->id,
		    c->peer, reason);
	TAILQ_REMOVE(&l->conns, c, entry);
	conn_set_frame(c, 0);
	l->nconns--;
	addrcount_dec(l->peraddr, c->addr);
	pcod_stats.conn_open--;
	pcod_stats.conn_open_tls -= l->proto == LISTEN_TLS;
	if (c->rev != NULL)
		event_free(c->rev);
	c->rev = NULL;
	if (c->partial != NULL)
		evbuffer_free(c->partial);
	c->partial = NULL;
	conn_out_done(c);
	if (c->bev != NULL)
		bufferevent_free(c->bev);	/* closes the socket */
	else
		evutil_closesocket(c->fd);
	c->bev = NULL;
	c->fd = -1;
	c->state = CONN_DEAD;
	if (c->aq.ndefer == 0)
		conn_destroy(c);
	if (l->ls->draining && listen_nconns(l->ls) == 0)
		event_base_loopbreak(l->ls->base);
}

/*
 * TLS: a bufferevent does the handshake, reads and writes.  0, or -1 with
 * the socket closed.
 */
static int
conn_setup_tls(struct conn *c, evutil_socket_t fd)
{
	struct listener	*l = c->l;
	struct timeval	 wtv = { CONN_WRITE_TIMEOUT, 0 };
	SSL		*ssl;

	if ((ssl = SSL_new(l->ssl_ctx)) == NULL) {
		evutil_closesocket(fd);
		return -1;
	}
	/* The bufferevent owns ssl and fd from here on, and frees them with itself. */
	c->bev = bufferevent_openssl_socket_new(l->ls->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		return -1;
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	/* Reads are timed by listen_deadlinecb: frames, not bytes, count as progress. */
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_READ_HIWAT);
	bufferevent_enable(c->bev, EV_READ);
	return 0;
}

/*
 * Plain TCP: no bufferevent (about 1.1 KB a connection with its two
 * buffers), a read event on the socket; a write buffer only while the
 * socket does not take the answers.  0, or -1 with the socket closed.
 */
static int
conn_setup_plain(struct conn *c, evutil_socket_t fd)
{
	c->fd = fd;
	c->rev = event_new(c->l->ls->base, fd, EV_READ | EV_PERSIST,
	    conn_recvcb, c);
	if (c->rev == NULL || event_add(c->rev, NULL) != 0) {
		if (c->rev != NULL)
			event_free(c->rev);
		c->rev = NULL;
		evutil_closesocket(fd);
		return -1;
	}
	return 0;
}

/* Set up the connection of an accepted socket. */
static void
conn_new(struct listener *l, evutil_socket_t fd, const char *peer,
    const char *addr)
{
	struct conn	*c;
	int		 one = 1, sndbuf = CONN_SNDBUF, rc;

	/* ACKs are tiny and must not wait for Nagle behind the panel's delayed ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c = xcalloc(1, sizeof(*c));
	c->id = ++l->ls->next_id;
	c->l = l;
	c->fd = -1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	if (l->proto == LISTEN_TLS)
		rc = conn_setup_tls(c, fd);
	else
		rc = conn_setup_plain(c, fd);
	if (rc != 0) {
		if (log_limit_allow(LOG_LIMIT_CONN))
			log_warnx("conn=%llu peer=%s: cannot set up the "
			    "connection", (unsigned long long)c->id, peer);
		free(c);
		return;
	}
	c->progress_ms = clock_mono_ms();
	/* A TLS handshake must be done within frame-timeout, like a frame. */
	c->handshaking = l->proto == LISTEN_TLS;
	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	conn_set_frame(c, c->handshaking ? c->progress_ms : 0);
	listen_arm(l, 0);
	l->nconns++;
	addrcount_inc(l->peraddr, c->addr);
	pcod_stats.connections++;
	pcod_stats.conn_open++;
	pcod_stats.conn_open_tls += l->proto == LISTEN_TLS;
	if (log_limit_allow(LOG_LIMIT_CONN))
		log_info("conn=%llu peer=%s listener=\"%s\" open",
		    (unsigned long long)c->id, peer, l->name);
}

/*
 * The connection to evict from a full listener: of those owing no answers,
 * the longest waiting one that has never sent a complete frame (slowloris
 * holds slots that way), else the one longest without a frame; NULL if all
 * owe answers.
 */
static struct conn *
listen_victim(struct listener *l)
{
	struct conn	*c, *idle = NULL;

	TAILQ_FOREACH(c, &l->conns, entry) {
		if (c->state != CONN_OPEN || c->aq.n > 0)
			continue;
		if (!c->framed)
			return c;
		if (idle == NULL)
			idle = c;
	}
	return idle;
}

/* The listener is full: close a connection to make room for peer.  0 or -1. */
static int
listen_evict(struct listener *l, const char *peer)
{
	struct conn	*c;

	if ((c = listen_victim(l)) == NULL)
		return -1;
	pcod_stats.conn_evicted++;
	if (log_limit_allow(LOG_LIMIT_CONN))
		log_warnx("listener=\"%s\" full: evicting conn=%llu peer=%s "
		    "(%s for %lld s) for peer=%s", l->name,
		    (unsigned long long)c->id, c->peer,
		    c->framed ? "no frame" : "no frame yet",
		    (long long)(clock_mono_ms() - c->progress_ms) / 1000, peer);
	conn_free(c, c->framed ? "evicted: listener full, longest without a "
	    "frame" : "evicted: listener full, no frame since connecting");
	return 0;
}

/* A panel connected: admit it within the limits. */
static void
listen_acceptcb(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	char			 peer[64], addr[48];
	const char		*why = NULL;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, (size_t)salen < sizeof(ss) ? (size_t)salen : sizeof(ss));
	listen_format(&ss, peer, sizeof(peer), addr, sizeof(addr));
	/* Per address first: one address must not evict the others. */
	if (addrcount_get(l->peraddr, addr) >= l->max_per_addr)
		why = "max-per-address reached";
	else if (l->nconns >= l->max_conn && listen_evict(l, peer) == -1)
		why = "max-connections reached";
	if (why != NULL) {
		pcod_stats.conn_refused++;
		if (log_limit_allow(LOG_LIMIT_CONN))
			log_warnx("listener=\"%s\" peer=%s refused: %s", l->name,
			    peer, why);
		evutil_closesocket(fd);
		return;
	}
	conn_new(l, fd, peer, addr);
}

/* Accepting resumes after a pause for descriptors. */
static void
listen_resumecb(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;

	log_info("listener=\"%s\" accepting again", l->name);
	evconnlistener_enable(l->evl);
}

/* accept() failed: out of descriptors pauses accepting instead of spinning. */
static void
listen_errorcb(struct evconnlistener *evl, void *arg)
{
	struct listener	*l = arg;
	int		 err = EVUTIL_SOCKET_ERROR();
	struct timeval	 tv = { ACCEPT_PAUSE_SEC, 0 };

	log_warnx("listener=\"%s\" accept: %s", l->name,
	    evutil_socket_error_to_string(err));
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		evconnlistener_disable(l->evl);
		evtimer_add(l->pause_ev, &tv);
	}
}

/* --- UDP ----------------------------------------------------------------- */

/* Send one answer datagram; a full socket buffer drops it (the panel retries). */
static void
udp_send(struct listener *l, const char *buf, int len,
    const struct sockaddr *to, socklen_t tolen)
{
	if (len <= 0)
		return;
	if (sendto(l->fd, buf, (size_t)len, MSG_DONTWAIT, to, tolen) == -1 && log_limit_allow(LOG_LIMIT_REFUSAL))
		log_debug("listener=\"%s\" sendto: %s", l->name, strerror(errno));
}

/* The batch holding these datagrams is decided: answer them. */
static void
udp_committed(int ok, void *arg)
{
	struct listener	*l = arg;
	const char	*buf;
	size_t		 i, k;
	int		 len;

	l->aq.ndefer--;
	k = answerq_ready(&l->aq, batch_done_id(l->ls->batch));
	for (i = 0; i < k; i++) {
		answer_bytes(&l->aq.q[i].a, ok, &buf, &len);
		if (l->aq.q[i].tolen > 0)
			udp_send(l, buf, len, &l->aq.q[i].to.sa,
			    l->aq.q[i].tolen);
	}
	answerq_drop(&l->aq, k);
}

/*
 * Is f (from an LF on) a DC-09 frame at all: LF, four hex digits of CRC,
 * "0" and three hex digits of length, then the quote of the ID token?
 * Anything else on UDP is not answered, so a forged source gets nothing.
 */
static int
udp_is_dc09(const char *f, size_t len)
{
	size_t	i;

	if (len < 10 || f[0] != '\n' || f[5] != '0' || f[9] != '"')
		return 0;
	for (i = 1; i < 9; i++)
		if (i != 5 && !isxdigit((unsigned char)f[i]))
			return 0;
	return 1;
}

/* May a NAK go to this source now?  1 yes; 0 over its limit (counted). */
static int
udp_nak_allowed(struct listener *l, const struct sockaddr_storage *from)
{
	const struct sockaddr_in	*s4 = (const void *)from;
	const struct sockaddr_in6	*s6 = (const void *)from;
	int				 ok;

	if (from->ss_family == AF_INET6)
		ok = srclimit_take(l->naklim, &s6->sin6_addr, 16, clock_mono_ms());
	else
		ok = srclimit_take(l->naklim, &s4->sin_addr, 4, clock_mono_ms());
	if (!ok)
		pcod_stats.naks_limited++;
	return ok;
}

/* Count and log (within the limit) a datagram that is not DC-09; it gets no answer. */
static void
udp_junk(const char *peer, const char *buf, size_t n)
{
	char	esc[80];

	pcod_stats.rej_garbage++;
	pcod_stats.udp_ignored++;
	if (log_limit_allow(LOG_LIMIT_REFUSAL))
		log_info("peer=%s transport=udp reject=garbage answer=none bytes=%zu "
		    "data=\"%s\"", peer, n, log_escape(esc, sizeof(esc), buf, n));
}

/* Handle one datagram: exactly one frame, answered to its source. */
static void
udp_datagram(struct listener *l, const char *buf, size_t n,
    const struct sockaddr_storage *from, socklen_t fromlen)
{
	struct ingest_answer	a;
	struct ingest_peer	p = { "udp", NULL, 0 };
	char			peer[64], addr[48];
	size_t			start, flen, skipped;
	enum dc09_scan		r;

	listen_format(from, peer, sizeof(peer), addr, sizeof(addr));
	p.addr = peer;
	r = dc09_scan(buf, n, (size_t)l->max_frame, &start, &flen, &skipped);
	if (r == DC09_SCAN_NEED || !udp_is_dc09(buf + start, n - start)) {
		udp_junk(peer, buf, n);
		return;
	}
	if (r == DC09_SCAN_FRAME)
		ingest_frame(l->ls->ingest, buf + start, flen, &p, &a);
	else {
		pcod_stats.rej_too_long++;
		if (log_limit_allow(LOG_LIMIT_REFUSAL))
			log_info("peer=%s transport=udp reject=too_long answer=NAK "
			    "bytes=%zu max-frame=%d", peer, n, l->max_frame);
		ingest_nak(&a);
	}
	if (!a.wait_commit) {
		if (!a.is_nak || udp_nak_allowed(l, from))
			udp_send(l, a.buf, a.len, (const struct sockaddr *)from,
			    fromlen);
		return;
	}
	if (answerq_push(&l->aq, l->ls->batch, &a, from, fromlen))
		batch_defer(l->ls->batch, udp_committed, l);
	batch_count(l->ls->batch);
}

/* Datagrams are waiting: take a bounded number of them. */
static void
udp_readcb(evutil_socket_t fd, short what, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	char			 buf[UDP_MAX_DATAGRAM];
	ssize_t			 n;
	int			 i;

	for (i = 0; i < UDP_PER_CALLBACK; i++) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("listener=\"%s\" recvfrom", l->name);
			return;
		}
		udp_datagram(l, buf, (size_t)n, &from, fromlen);
	}
}

/* --- set-up -------------------------------------------------------------- */

/* Copy the limits of lc into l. */
static void
listener_limits(struct listener *l, const struct listen_conf *lc)
{
	l->max_conn = lc->max_conn;
	l->max_per_addr = lc->max_per_addr;
	l->idle_timeout = lc->idle_timeout;
	l->frame_timeout = lc->frame_timeout;
	l->max_frame = lc->max_frame;
}

/* Bind a TCP listener.  0 or -1. */
static int
listener_tcp(struct listener *l, char *err, size_t errsz)
{
	uint64_t	seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)clock_mono_ms() ^ (uint64_t)getpid();
	l->peraddr = addrcount_new(seed);
	/* thousands of panels reconnect at once after a network outage */
	l->evl = evconnlistener_new_bind(l->ls->base, listen_acceptcb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    LISTEN_BACKLOG,
	    (struct sockaddr *)&l->ss, (int)l->sslen);
	if (l->evl == NULL) {
		snprintf(err, errsz, "listen %s: %s", l->name, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(l->evl, listen_errorcb);
	l->pause_ev = evtimer_new(l->ls->base, listen_resumecb, l);
	l->deadline_ev = evtimer_new(l->ls->base, listen_deadlinecb, l);
	if (l->pause_ev == NULL || l->deadline_ev == NULL)
		fatalx("listen %s: out of memory", l->name);
	return 0;
}

/* Load the certificate and key of a TLS listener.  0 or -1. */
static int
listener_tls_ctx(struct listener *l, const struct listen_conf *lc, char *err,
    size_t errsz)
{
	char	ebuf[256];

	if ((l->ssl_ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(l->ssl_ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(l->ssl_ctx, lc->cert) != 1)
		goto fail;
	if (SSL_CTX_use_PrivateKey_file(l->ssl_ctx, lc->key, SSL_FILETYPE_PEM) != 1)
		goto fail;
	if (SSL_CTX_check_private_key(l->ssl_ctx) != 1)
		goto fail;
	return 0;
fail:
	ERR_error_string_n(ERR_get_error(), ebuf, sizeof(ebuf));
	snprintf(err, errsz, "listen %s: cert %s / key %s: %s", l->name, lc->cert,
	    lc->key, ebuf);
	return -1;
}

/* Bind a UDP socket.  0 or -1. */
static int
listener_udp(struct listener *l, char *err, size_t errsz)
{
	int		one = 1;
	uint64_t	seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)clock_mono_ms() ^ (uint64_t)getpid();
	l->naklim = srclimit_new(UDP_NAK_RATE, UDP_NAK_BURST, seed);
	l->fd = socket(l->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd == -1 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(l->fd, (struct sockaddr *)&l->ss, l->sslen) == -1) {
		snprintf(err, errsz, "listen %s: %s", l->name, strerror(errno));
		return -1;
	}
	l->udp_ev = event_new(l->ls->base, l->fd, EV_READ | EV_PERSIST, udp_readcb, l);
	event_add(l->udp_ev, NULL);
	return 0;
}

/* Once a second: the log limiter's summary of a busy second that has ended. */
static void
listen_tickcb(evutil_socket_t fd, short what, void *arg)
{
	log_limit_flush();
}

/* Bind every listener of cfg. */
struct listeners *
listen_start(struct event_base *base, const struct config *cfg,
    struct ingest *ingest, struct batch *batch, char *err, size_t errsz)
{
	struct listeners	*ls;
	struct listener		*l;
	struct timeval		 tick = { LISTEN_TICK_SEC, 0 };
	size_t			 i;
	int			 rc;

	ls = xcalloc(1, sizeof(*ls));
	ls->base = base;
	ls->ingest = ingest;
	ls->batch = batch;
	ls->tick_ev = event_new(base, -1, EV_PERSIST, listen_tickcb, ls);
	event_add(ls->tick_ev, &tick);
	ls->l = xcalloc(cfg->nlisteners ? cfg->nlisteners : 1, sizeof(*ls->l));
	for (i = 0; i < cfg->nlisteners; i++) {
		l = &ls->l[ls->n++];
		l->ls = ls;
		l->fd = -1;
		l->proto = cfg->listeners[i].proto;
		l->name = xasprintf("%s %s", config_proto_name(l->proto),
		    cfg->listeners[i].addr);
		l->ss = cfg->listeners[i].ss;
		l->sslen = cfg->listeners[i].sslen;
		TAILQ_INIT(&l->conns);
		TAILQ_INIT(&l->framing);
		listener_limits(l, &cfg->listeners[i]);
		if (l->proto == LISTEN_UDP)
			rc = listener_udp(l, err, errsz);
		else if (l->proto == LISTEN_TLS &&
		    listener_tls_ctx(l, &cfg->listeners[i], err, errsz) == -1)
			rc = -1;
		else
			rc = listener_tcp(l, err, errsz);
		if (rc == -1) {
			listen_free(ls);
			return NULL;
		}
		log_info("listening on %s", l->name);
	}
	return ls;
}

/* Apply the limits of a reloaded configuration to the listeners it still names. */
void
listen_reconfigure(struct listeners *ls, const struct config *cfg)
{
	size_t	i, j;
	int	found;

	for (i = 0; i < ls->n; i++) {
		found = 0;
		for (j = 0; j < cfg->nlisteners; j++) {
			if (cfg->listeners[j].proto != ls->l[i].proto ||
			    cfg->listeners[j].sslen != ls->l[i].sslen ||
			    memcmp(&cfg->listeners[j].ss, &ls->l[i].ss,
			    ls->l[i].sslen) != 0)
				continue;
			listener_limits(&ls->l[i], &cfg->listeners[j]);
			/* a shorter limit: the deadlines come sooner */
			if (ls->l[i].deadline_ev != NULL)
				listen_arm(&ls->l[i], 1);
			found = 1;
		}
		if (!found)
			log_warnx("listener=\"%s\" is gone from the configuration: "
			    "it keeps running until pcod restarts", ls->l[i].name);
	}
	if (cfg->nlisteners > ls->n)
		log_warnx("new listeners take effect when pcod restarts");
}

/* Stop taking new connections and datagrams. */
void
listen_stop(struct listeners *ls)
{
	size_t	i;

	for (i = 0; i < ls->n; i++) {
		if (ls->l[i].evl != NULL)
			evconnlistener_disable(ls->l[i].evl);
		if (ls->l[i].udp_ev != NULL)
			event_del(ls->l[i].udp_ev);
	}
}

/* Connections still open on every listener. */
static int
listen_nconns(const struct listeners *ls)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < ls->n; i++)
		n += ls->l[i].nconns;
	return n;
}

/* Stop reading everywhere and let queued answers go out; connections still writing. */
int
listen_drain(struct listeners *ls)
{
	struct conn	*c, *next;
	size_t		 i;

	ls->draining = 1;
	for (i = 0; i < ls->n; i++) {
		for (c = TAILQ_FIRST(&ls->l[i].conns); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			c->state = CONN_DRAINING;
			c->drain_reason = "shutting down";
			conn_stop_reading(c);
			conn_flush(c);
		}
	}
	return listen_nconns(ls);
}

/* Close every connection and socket of ls and free it. */
void
listen_free(struct listeners *ls)
{
	struct listener	*l;
	struct conn	*c;
	size_t		 i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++) {
		l = &ls->l[i];
		while ((c = TAILQ_FIRST(&l->conns)) != NULL)
			conn_free(c, "shutting down");
		if (l->evl != NULL)
			evconnlistener_free(l->evl);
		if (l->pause_ev != NULL)
			event_free(l->pause_ev);
		if (l->deadline_ev != NULL)
			event_free(l->deadline_ev);
		if (l->udp_ev != NULL)
			event_free(l->udp_ev);
		if (l->fd != -1)
			close(l->fd);
		SSL_CTX_free(l->ssl_ctx);
		srclimit_free(l->naklim);
		addrcount_free(l->peraddr);
		free(l->aq.q);
		free(l->name);
	}
	if (ls->tick_ev != NULL)
		event_free(ls->tick_ev);
	free(ls->l);
	free(ls);
}
