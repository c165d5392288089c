/* listen.c - panel listeners: TCP connections and UDP datagrams, limits, answers in order. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "batch.h"
#include "conf.h"
#include "dc09.h"
#include "ingest.h"
#include "listen.h"
#include "log.h"
#include "stats.h"
#include "xmalloc.h"

/* Answers queued by a peer that is not reading: past this, it is dropped. */
#define CONN_MAX_OUTPUT		(256 * 1024)
/* Input kept per connection at most; reading pauses above it. */
#define CONN_READ_HIWAT		(64 * 1024)
/* Datagrams handled per read callback before other work gets a turn. */
#define UDP_PER_CALLBACK	64
#define UDP_MAX_DATAGRAM	(DC09_MAX_FRAME + 64)
/* How long accepting pauses when the process runs out of descriptors. */
#define ACCEPT_PAUSE_SEC	1
/* Writes to a non-reading panel time out after this. */
#define CONN_WRITE_TIMEOUT	30

enum conn_state {
	CONN_OPEN,		/* reading frames */
	CONN_DRAINING,		/* no more reading; free once answers are out */
	CONN_DEAD		/* socket gone; freed when its batch completes */
};

/* One queued answer; UDP answers carry their destination. */
struct answer {
	struct ingest_answer	 a;
	struct sockaddr_storage	 to;
	socklen_t		 tolen;
};

/* Answers in arrival order; those waiting for the batch hold back the rest. */
struct answerq {
	struct answer	*q;		/* owned */
	size_t		 n, cap;
	int		 in_batch;	/* registered with the batch for this pass */
};

struct listener;

struct conn {
	uint64_t		 id;
	struct listener		*l;		/* not owned */
	struct bufferevent	*bev;		/* owned; NULL once dead */
	enum conn_state		 state;
	struct sockaddr_storage	 ss;
	char			 peer[64];	/* "addr:port" */
	char			 addr[48];	/* address only, for the per-address limit */
	struct answerq		 aq;
	const char		*drain_reason;	/* static string */
	TAILQ_ENTRY(conn)	 entry;
};
TAILQ_HEAD(connlist, conn);

struct listener {
	struct listeners	*ls;		/* not owned */
	enum listen_proto	 proto;
	char			*name;		/* "tcp 0.0.0.0:7000"; owned */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 max_conn, max_per_addr, idle_timeout, max_frame;
	struct evconnlistener	*evl;		/* tcp, tls; owned */
	SSL_CTX			*ssl_ctx;	/* tls; owned */
	struct event		*pause_ev;	/* tcp: resume accepting; owned */
	int			 fd;		/* udp; owned */
	struct event		*udp_ev;	/* owned */
	struct answerq		 aq;		/* udp answers */
	struct connlist		 conns;
	int			 nconns;
};

struct listeners {
	struct event_base	*base;		/* not owned */
	struct ingest		*ingest;	/* not owned */
	struct batch		*batch;		/* not owned */
	struct listener		*l;		/* owned array */
	size_t			 n;
	uint64_t		 next_id;
	int			 draining;	/* shutting down: break the loop when empty */
};

static void	conn_free(struct conn *, const char *reason);
static void	conn_flush(struct conn *);
static int	listen_nconns(const struct listeners *);

/* Append one answer to q. */
static void
answerq_push(struct answerq *q, const struct ingest_answer *a,
    const struct sockaddr_storage *to, socklen_t tolen)
{
	struct answer	*e;

	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 8;
		q->q = xreallocarray(q->q, q->cap, sizeof(*q->q));
	}
	e = &q->q[q->n++];
	e->a = *a;
	if (to != NULL)
		memcpy(&e->to, to, tolen);
	e->tolen = tolen;
}

/* The bytes to send for a queued answer once its batch is decided. */
static void
answer_bytes(const struct ingest_answer *a, int ok, const char **buf, int *len)
{
	if (a->wait_commit && !ok) {
		/* Not stored: the panel must send it again. */
		pcod_stats.acks--;
		pcod_stats.events -= a->events;
		pcod_stats.naks++;
		pcod_stats.rej_store++;
		*buf = a->nak;
		*len = a->naklen;
	} else {
		*buf = a->buf;
		*len = a->len;
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

/*
 * Send answers: straight to the socket when nothing is queued before them,
 * which spares the two epoll_ctl calls a buffered write costs per answer;
 * whatever the socket does not take goes through the bufferevent.
 */
static void
conn_send(struct conn *c, const char *buf, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	ssize_t		 n = 0;

	if (len == 0)
		return;
	if (c->l->proto != LISTEN_TLS && evbuffer_get_length(out) == 0) {
		n = send(bufferevent_getfd(c->bev), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			n = 0;	/* EAGAIN or an error: the bufferevent retries and reports */
	}
	if ((size_t)n < len)
		bufferevent_write(c->bev, buf + n, len - (size_t)n);
}

/* The batch holding this connection's frames is decided: send its answers in order. */
static void
conn_committed(int ok, void *arg)
{
	struct conn	*c = arg;
	const char	*buf;
	char		 out[4096];
	size_t		 i, o = 0;
	int		 len;

	c->aq.in_batch = 0;
	if (c->state == CONN_DEAD) {
		conn_destroy(c);
		return;
	}
	for (i = 0; i < c->aq.n; i++) {
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
	c->aq.n = 0;
	/* Only a draining connection may go here: an open one may be mid-read. */
	if (c->state == CONN_DRAINING)
		conn_flush(c);
}

/* Free a draining connection once its answers are out; drop a peer that does not read. */
static void
conn_flush(struct conn *c)
{
	size_t	out = evbuffer_get_length(bufferevent_get_output(c->bev));

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
	answerq_push(&c->aq, a, NULL, 0);
	if (!c->aq.in_batch) {
		c->aq.in_batch = 1;
		batch_defer(b, conn_committed, c);
	}
	if (a->wait_commit)
		batch_count(b);
}

/* Log and count junk bytes that came before a frame. */
static void
conn_junk(struct conn *c, const char *buf, size_t n)
{
	char	esc[80];

	pcod_stats.rej_garbage++;
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
}

/* Cut what is buffered into frames; 0 to go on, -1 when the connection was closed. */
static int
conn_scan(struct conn *c, struct evbuffer *in)
{
	size_t			 len, win, start, flen, skipped;
	const char		*buf;
	enum dc09_scan		 r;

	len = evbuffer_get_length(in);
	win = len < (size_t)c->l->max_frame + 4096 ? len : (size_t)c->l->max_frame + 4096;
	buf = (const char *)evbuffer_pullup(in, win);
	r = dc09_scan(buf, win, c->l->max_frame, &start, &flen, &skipped);
	if (skipped > 0)
		conn_junk(c, buf, skipped);
	switch (r) {
	case DC09_SCAN_FRAME:
		conn_frame(c, buf + start, flen);
		evbuffer_drain(in, start + flen);
		return 0;
	case DC09_SCAN_TOOLONG:
		pcod_stats.rej_too_long++;
		conn_free(c, "frame longer than max-frame");
		return -1;
	default:
		evbuffer_drain(in, skipped);
		/* Junk filled the window: look at what follows it. */
		return skipped > 0 && win < len ? 0 : 1;
	}
}

/* Bytes arrived: answer every complete frame in order. */
static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	int		 r = 0;

	while (r == 0 && c->state == CONN_OPEN && evbuffer_get_length(in) > 0)
		r = conn_scan(c, in);
	if (r != -1)
		conn_flush(c);
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

	if (c->l->proto == LISTEN_TLS)
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
		/* The TLS handshake finished: nothing to do but read frames. */
		log_debug("conn=%llu peer=%s TLS handshake done",
		    (unsigned long long)c->id, c->peer);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		conn_free(c, what & BEV_EVENT_READING ? "idle timeout" :
		    "write timeout");
	} else if ((what & BEV_EVENT_EOF) && (c->aq.n > 0 ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)) {
		/* A one-shot panel may half-close before its ACK is out. */
		c->state = CONN_DRAINING;
		c->drain_reason = "closed by peer";
		bufferevent_disable(bev, EV_READ);
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

	log_info("conn=%llu peer=%s closed: %s", (unsigned long long)c->id,
	    c->peer, reason);
	TAILQ_REMOVE(&l->conns, c, entry);
	l->nconns--;
	pcod_stats.conn_open--;
	bufferevent_free(c->bev);
	c->bev = NULL;
	c->state = CONN_DEAD;
	if (!c->aq.in_batch)
		conn_destroy(c);
	if (l->ls->draining && listen_nconns(l->ls) == 0)
		event_base_loopbreak(l->ls->base);
}

/* Connections open from addr on l. */
static int
listen_count_addr(const struct listener *l, const char *addr)
{
	const struct conn	*c;
	int			 n = 0;

	TAILQ_FOREACH(c, &l->conns, entry)
		if (strcmp(c->addr, addr) == 0)
			n++;
	return n;
}

/* A plain or TLS bufferevent for an accepted socket; NULL on failure. */
static struct bufferevent *
conn_bufferevent(struct listener *l, evutil_socket_t fd)
{
	SSL	*ssl;

	if (l->proto != LISTEN_TLS)
		return bufferevent_socket_new(l->ls->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if ((ssl = SSL_new(l->ssl_ctx)) == NULL)
		return NULL;
	/* The bufferevent owns ssl from here on, and frees it with itself. */
	return bufferevent_openssl_socket_new(l->ls->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

/* Set up the buffered connection of an accepted socket. */
static void
conn_new(struct listener *l, evutil_socket_t fd, const struct sockaddr_storage *ss,
    const char *peer, const char *addr)
{
	struct conn	*c;
	struct timeval	 rtv = { l->idle_timeout, 0 }, wtv = { CONN_WRITE_TIMEOUT, 0 };
	int		 one = 1;

	/* ACKs are tiny and must not wait for Nagle behind the panel's delayed ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xcalloc(1, sizeof(*c));
	c->id = ++l->ls->next_id;
	c->l = l;
	c->ss = *ss;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->bev = conn_bufferevent(l, fd);
	if (c->bev == NULL) {
		log_warnx("conn=%llu peer=%s: cannot set up the connection",
		    (unsigned long long)c->id, peer);
		evutil_closesocket(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	bufferevent_set_timeouts(c->bev, &rtv, &wtv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_READ_HIWAT);
	bufferevent_enable(c->bev, EV_READ);
	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	l->nconns++;
	pcod_stats.connections++;
	pcod_stats.conn_open++;
	log_info("conn=%llu peer=%s listener=\"%s\" open", (unsigned long long)c->id,
	    peer, l->name);
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
	if (l->nconns >= l->max_conn)
		why = "max-connections reached";
	else if (listen_count_addr(l, addr) >= l->max_per_addr)
		why = "max-per-address reached";
	if (why != NULL) {
		pcod_stats.conn_refused++;
		log_warnx("listener=\"%s\" peer=%s refused: %s", l->name, peer, why);
		evutil_closesocket(fd);
		return;
	}
	conn_new(l, fd, &ss, peer, addr);
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
    const struct sockaddr_storage *to, socklen_t tolen)
{
	if (len <= 0)
		return;
	if (sendto(l->fd, buf, (size_t)len, MSG_DONTWAIT, (const struct sockaddr *)to,
	    tolen) == -1)
		log_debug("listener=\"%s\" sendto: %s", l->name, strerror(errno));
}

/* The batch holding these datagrams is decided: answer them. */
static void
udp_committed(int ok, void *arg)
{
	struct listener	*l = arg;
	const char	*buf;
	size_t		 i;
	int		 len;

	l->aq.in_batch = 0;
	for (i = 0; i < l->aq.n; i++) {
		answer_bytes(&l->aq.q[i].a, ok, &buf, &len);
		udp_send(l, buf, len, &l->aq.q[i].to, l->aq.q[i].tolen);
	}
	l->aq.n = 0;
}

/* Handle one datagram: exactly one frame, answered to its source. */
static void
udp_datagram(struct listener *l, const char *buf, size_t n,
    const struct sockaddr_storage *from, socklen_t fromlen)
{
	struct ingest_answer	a;
	struct ingest_peer	p = { "udp", NULL, 0 };
	char			peer[64], addr[48], esc[80];
	size_t			start, flen, skipped;

	listen_format(from, peer, sizeof(peer), addr, sizeof(addr));
	p.addr = peer;
	switch (dc09_scan(buf, n, (size_t)l->max_frame, &start, &flen, &skipped)) {
	case DC09_SCAN_FRAME:
		ingest_frame(l->ls->ingest, buf + start, flen, &p, &a);
		break;
	case DC09_SCAN_TOOLONG:
		pcod_stats.rej_too_long++;
		log_info("peer=%s transport=udp reject=too_long bytes=%zu", peer, n);
		ingest_nak(&a);
		break;
	default:
		/* No LF..CR at all: not DC-09, nothing to answer. */
		pcod_stats.rej_garbage++;
		log_info("peer=%s transport=udp reject=garbage bytes=%zu data=\"%s\"",
		    peer, n, log_escape(esc, sizeof(esc), buf, n));
		return;
	}
	if (!a.wait_commit) {
		udp_send(l, a.buf, a.len, from, fromlen);
		return;
	}
	answerq_push(&l->aq, &a, from, fromlen);
	if (!l->aq.in_batch) {
		l->aq.in_batch = 1;
		batch_defer(l->ls->batch, udp_committed, l);
	}
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
	l->max_frame = lc->max_frame;
}

/* Bind a TCP listener.  0 or -1. */
static int
listener_tcp(struct listener *l, char *err, size_t errsz)
{
	l->evl = evconnlistener_new_bind(l->ls->base, listen_acceptcb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 512,
	    (struct sockaddr *)&l->ss, (int)l->sslen);
	if (l->evl == NULL) {
		snprintf(err, errsz, "listen %s: %s", l->name, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(l->evl, listen_errorcb);
	l->pause_ev = evtimer_new(l->ls->base, listen_resumecb, l);
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

/* For pcod -n: can every TLS listener load its certificate and key?  0 or -1. */
int
listen_check(const struct config *cfg, char *err, size_t errsz)
{
	struct listener	l;
	size_t		i;
	int		rc = 0;

	for (i = 0; i < cfg->nlisteners && rc == 0; i++) {
		if (cfg->listeners[i].proto != LISTEN_TLS)
			continue;
		memset(&l, 0, sizeof(l));
		l.name = xasprintf("tls %s", cfg->listeners[i].addr);
		rc = listener_tls_ctx(&l, &cfg->listeners[i], err, errsz);
		SSL_CTX_free(l.ssl_ctx);
		free(l.name);
	}
	return rc;
}

/* Bind a UDP socket.  0 or -1. */
static int
listener_udp(struct listener *l, char *err, size_t errsz)
{
	int	one = 1;

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

/* Bind every listener of cfg. */
struct listeners *
listen_start(struct event_base *base, const struct config *cfg,
    struct ingest *ingest, struct batch *batch, char *err, size_t errsz)
{
	struct listeners	*ls;
	struct listener		*l;
	size_t			 i;
	int			 rc;

	ls = xcalloc(1, sizeof(*ls));
	ls->base = base;
	ls->ingest = ingest;
	ls->batch = batch;
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
			bufferevent_disable(c->bev, EV_READ);
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
		if (l->udp_ev != NULL)
			event_free(l->udp_ev);
		if (l->fd != -1)
			close(l->fd);
		SSL_CTX_free(l->ssl_ctx);
		free(l->aq.q);
		free(l->name);
	}
	free(ls->l);
	free(ls);
}
