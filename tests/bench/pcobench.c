/* pcobench.c - DC-09 load generator: many panels on one libevent loop, send->answer latency. */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dc09.h"
#include "xmalloc.h"

#define BENCH_MAX_PANELS	20000
#define BENCH_MAX_WINDOW	64
#define BENCH_MAX_EVENTS	50000000LL
#define BENCH_TCP_TIMEOUT	5	/* seconds without an answer */
#define BENCH_HOLD_TIMEOUT	60	/* the same with -H */
#define BENCH_UDP_RETRIES	3
#define BENCH_TICK_MS		20
#define BENCH_FRAME_MAX		512
#define BENCH_PACE_MS		2	/* pacing tick with -r */

struct bench;

/* One frame in flight: when it left (first send) and, for UDP, its bytes. */
struct slot {
	int		 used;
	unsigned	 seq;
	double		 sent;		/* first transmission, monotonic s */
	double		 last;		/* last transmission (UDP) */
	int		 tries;
	char		 frame[BENCH_FRAME_MAX];
	int		 flen;
};

/* One simulated panel: an account, a connection or UDP socket, a window. */
struct panel {
	struct bench		*b;		/* not owned */
	int			 idx;
	char			 acct[17];
	unsigned		 seq;		/* last sequence used, 1..9999 */
	unsigned		 wraps;		/* times seq went past 9999 */
	long long		 quota;		/* frames still to send */
	long long		 outstanding;	/* answers still expected */
	struct bufferevent	*bev;		/* TCP; owned */
	int			 fd;		/* UDP; owned */
	struct event		*ev;		/* UDP read; owned */
	struct slot		 slots[BENCH_MAX_WINDOW];
	int			 head;		/* TCP: oldest slot (answers in order) */
	int			 inflight;
	int			 done;
};

/* Options and totals. */
struct bench {
	struct event_base	*base;		/* owned */
	struct event		*tick;		/* owned */
	struct event		*stop;		/* owned */
	struct sockaddr_in	 sin;
	int			 udp;
	int			 npanels;
	long long		 nevents;
	int			 window;
	struct dc09_key		 key;
	unsigned long		 acct_base;
	int			 acct_width;
	int			 duration;
	int			 udp_timeout_ms;
	double			 rate;		/* -r: events/s in total; 0 as fast as answered */
	double			 tokens;	/* frames the pacing allows now */
	double			 last_pace;	/* when tokens were last added */
	int			 cursor;	/* next panel the pacing serves */
	struct event		*pace;		/* owned; with -r */
	int			 hold;		/* -H: seconds to keep idle connections */
	int			 holding;	/* connected panels done, held open */
	struct panel		*panels;	/* owned array */
	int			 active;
	double			 start, end;
	uint32_t		*lat;		/* microseconds; owned */
	long long		 nlat;
	long long		 acks, naks, duhs, others, timeouts, errors, retrans;
	long long		 dropped;	/* held connections the receiver closed */
	int			 one_account;	/* -A: every panel sends as the first */
	unsigned		 seq, wraps;	/* -A: the shared sequence */
};

/* The SIA code every frame carries (-e): BA raises alarms, CL/OP only log. */
static char	event_code[3] = "BA";

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pcobench [-u] [-h 127.0.0.1] -p port [-c panels] "
	    "[-n events] [-w window]\n"
	    "                [-k key] [-a account-prefix] [-d seconds] "
	    "[-t udp-timeout-ms] [-e SIA-code]\n"
	    "                [-r events-per-second] [-H hold-seconds] [-A]\n");
	exit(2);
}

/* Strict numeric option or exit 2. */
static long long
num_opt(const char *s, long long min, long long max, char opt)
{
	long long v;
	const char *errstr;

	if (xstrtonum(s, 10, min, max, &v, &errstr) != 0) {
		fprintf(stderr, "pcobench: -%c %s: %s\n", opt, s, errstr);
		exit(2);
	}
	return v;
}

/* Parse -a: hex digits; panels use base + index with at least that width. */
static void
acct_opt(struct bench *b, const char *s)
{
	long long v;
	const char *errstr;
	size_t len = strlen(s);

	if (len < 3 || len > 12 || xstrtonum(s, 16, 0, 0xFFFFFFFFFFFFLL, &v,
	    &errstr) != 0) {
		fprintf(stderr, "pcobench: -a %s: want 3-12 hex digits\n", s);
		exit(2);
	}
	b->acct_base = (unsigned long)v;
	b->acct_width = (int)len;
}

/* Only loopback: this tool must never be pointed at someone else's receiver. */
static void
host_opt(struct bench *b, const char *s)
{
	if (strcmp(s, "localhost") == 0)
		s = "127.0.0.1";
	if (inet_pton(AF_INET, s, &b->sin.sin_addr) != 1 ||
	    (ntohl(b->sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "pcobench: -h %s: only 127.0.0.0/8 is allowed\n", s);
		exit(2);
	}
}

static void
parse_args(struct bench *b, int argc, char **argv)
{
	int ch;
	char err[128];

	while ((ch = getopt(argc, argv, "h:p:uc:n:w:k:a:d:t:e:r:H:A")) != -1) {
		switch (ch) {
		case 'h': host_opt(b, optarg); break;
		case 'p': b->sin.sin_port = htons((uint16_t)num_opt(optarg, 1,
		    65535, 'p')); break;
		case 'u': b->udp = 1; break;
		case 'A': b->one_account = 1; break;
		case 'c': b->npanels = (int)num_opt(optarg, 1, BENCH_MAX_PANELS,
		    'c'); break;
		case 'n': b->nevents = num_opt(optarg, 1, BENCH_MAX_EVENTS, 'n');
		    break;
		case 'w': b->window = (int)num_opt(optarg, 1, BENCH_MAX_WINDOW,
		    'w'); break;
		case 'k':
			if (dc09_key_parse(optarg, &b->key, err, sizeof err) != 0) {
				fprintf(stderr, "pcobench: -k: %s\n", err);
				exit(2);
			}
			break;
		case 'a': acct_opt(b, optarg); break;
		case 'd': b->duration = (int)num_opt(optarg, 1, 3600, 'd'); break;
		case 'e':
			if (strlen(optarg) != 2 || !isupper((unsigned char)optarg[0]) ||
			    !isupper((unsigned char)optarg[1]))
				usage();
			memcpy(event_code, optarg, 3);
			break;
		case 'r': b->rate = (double)num_opt(optarg, 1, 10000000, 'r');
		    break;
		case 'H': b->hold = (int)num_opt(optarg, 1, 3600, 'H'); break;
		case 't': b->udp_timeout_ms = (int)num_opt(optarg, 10, 60000, 't');
		    break;
		default: usage();
		}
	}
	if (optind != argc || b->sin.sin_port == 0)
		usage();
}

/* Build the next frame for p into s; 0 or -1. */
static int
build_frame(struct panel *p, struct slot *s)
{
	struct dc09_out o;
	char seq[8], data[64];

	unsigned *next = p->b->one_account ? &p->b->seq : &p->seq;
	unsigned *wraps = p->b->one_account ? &p->b->wraps : &p->wraps;

	/*
	 * The area counts the wraps of the sequence, so that no frame repeats
	 * an earlier one's account, sequence and content (a retransmission).
	 */
	if (*next == 9999)
		(*wraps)++;
	*next = *next % 9999 + 1;
	p->seq = *next;
	snprintf(seq, sizeof seq, "%04u", p->seq);
	snprintf(data, sizeof data, "#%s|Nri%u/%s%02u", p->acct,
	    *wraps % 999 + 1, event_code, p->seq % 99 + 1);
	memset(&o, 0, sizeof o);
	o.token = "SIA-DCS";
	o.seq = seq;
	o.rcvr = "1";
	o.line = "1";
	o.acct = p->acct;
	o.data = data;
	o.with_time = 1;
	o.time = time(NULL);
	o.key = p->b->key.len ? &p->b->key : NULL;
	o.pad = 0;
	s->flen = dc09_build(&o, s->frame, sizeof s->frame);
	if (s->flen < 0)
		return -1;
	s->seq = p->seq;
	s->tries = 1;
	s->sent = s->last = now_mono();
	s->used = 1;
	return 0;
}

static void
record_latency(struct bench *b, double sent)
{
	double us = (now_mono() - sent) * 1e6;

	if (b->nlat < b->nevents)
		b->lat[b->nlat++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

/* Count one answer by its token. */
static void
count_answer(struct bench *b, const struct dc09_msg *m)
{
	switch (m->id) {
	case DC09_ID_ACK: b->acks++; break;
	case DC09_ID_NAK: b->naks++; break;
	case DC09_ID_DUH: b->duhs++; break;
	default: b->others++; break;
	}
}

static void	panel_finish(struct panel *, const char *);
static void	tcp_fill(struct panel *);
static void	udp_fill(struct panel *);

static void
hold_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	(void)fd;
	(void)what;
	event_base_loopexit(b->base, NULL);
}

/*
 * The whole run ends when every panel is done or time is up; with -H the
 * connections then stay open, idle, for that long ("holding" on stdout says
 * when, so that the caller can measure the receiver meanwhile).
 */
static void
bench_panel_done(struct bench *b)
{
	struct timeval tv = { b->hold, 0 };

	if (--b->active > 0)
		return;
	b->end = now_mono();
	if (b->hold == 0 || b->holding == 0) {
		event_base_loopexit(b->base, NULL);
		return;
	}
	if (b->pace != NULL)
		event_del(b->pace);
	printf("holding %d connection(s) for %d s\n", b->holding, b->hold);
	fflush(stdout);
	event_base_once(b->base, -1, EV_TIMEOUT, hold_done_cb, b, &tv);
}

/* One TCP answer: it belongs to the oldest frame in flight. */
static void
tcp_answer(struct panel *p, const char *frame, size_t len)
{
	struct dc09_msg m;
	struct slot *s = &p->slots[p->head];
	char err[128];

	if (p->inflight == 0) {
		if (p->b->others++ < 3)
			fprintf(stderr, "pcobench: panel %s: an answer to nothing "
			    "sent\n", p->acct);
		return;
	}
	if (dc09_parse(frame, len, &m, err, sizeof err) != 0) {
		if (p->b->others++ < 3)
			fprintf(stderr, "pcobench: panel %s: bad answer: %s\n",
			    p->acct, err);
	} else {
		count_answer(p->b, &m);
		if (m.id == DC09_ID_ACK)
			record_latency(p->b, s->sent);
	}
	s->used = 0;
	p->head = (p->head + 1) % p->b->window;
	p->inflight--;
	p->outstanding--;
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct panel *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len, start, flen, skipped;
	const char *buf;
	enum dc09_scan r;

	if (p->done) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	for (;;) {
		len = evbuffer_get_length(in);
		if (len == 0)
			break;
		buf = (const char *)evbuffer_pullup(in, -1);
		r = dc09_scan(buf, len, DC09_MAX_FRAME, &start, &flen, &skipped);
		if (r == DC09_SCAN_NEED)
			break;
		if (r == DC09_SCAN_TOOLONG) {
			panel_finish(p, "answer too long");
			return;
		}
		tcp_answer(p, buf + start, flen);
		evbuffer_drain(in, start + flen);
	}
	if (p->outstanding == 0)
		panel_finish(p, NULL);
	else
		tcp_fill(p);
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct panel *p = arg;

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;

		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof one);
		tcp_fill(p);
		return;
	}
	/* frames in flight are lost; the rest were never sent (unfinished) */
	if (p->done) {		/* held idle (-H) and closed by the receiver */
		p->b->dropped++;
		bufferevent_free(p->bev);
		p->bev = NULL;
		return;
	}
	p->b->timeouts += p->inflight;
	p->outstanding -= p->inflight;
	p->inflight = 0;
	if (what & BEV_EVENT_TIMEOUT) {
		panel_finish(p, "no answer");
		return;
	}
	p->b->errors++;
	panel_finish(p, "connection error");
}

/* Keep the TCP window full. */
static void
tcp_fill(struct panel *p)
{
	struct bench *b = p->b;
	struct slot *s;

	while (p->quota > 0 && p->inflight < b->window) {
		if (b->rate > 0) {
			if (b->tokens < 1)
				return;
			b->tokens -= 1;
		}
		s = &p->slots[(p->head + p->inflight) % b->window];
		if (build_frame(p, s) != 0) {
			fprintf(stderr, "pcobench: frame does not fit\n");
			exit(1);
		}
		bufferevent_write(p->bev, s->frame, (size_t)s->flen);
		p->inflight++;
		p->quota--;
	}
}

/*
 * -r: add the frames the rate allows since the last tick and hand them to
 * idle panels in turn; a backlog is capped at a few ticks' worth so that a
 * stall of the receiver does not turn into a burst.
 */
static void
pace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	double now = now_mono(), cap;
	int k;

	(void)fd;
	(void)what;
	b->tokens += (now - b->last_pace) * b->rate;
	b->last_pace = now;
	cap = b->rate * BENCH_PACE_MS * 4 / 1000.0;
	if (b->tokens > cap + 1)
		b->tokens = cap + 1;
	for (k = 0; k < b->npanels && b->tokens >= 1; k++) {
		struct panel *p = &b->panels[b->cursor];

		b->cursor = (b->cursor + 1) % b->npanels;
		if (p->done || p->bev == NULL || p->inflight >= b->window)
			continue;
		/* not yet connected: bufferevent queues the frame */
		tcp_fill(p);
	}
}

static int
tcp_start(struct panel *p)
{
	struct bench *b = p->b;
	/* -H: thousands connect at once; the accept queue takes its time */
	struct timeval tv = { b->hold ? BENCH_HOLD_TIMEOUT : BENCH_TCP_TIMEOUT, 0 };

	p->bev = bufferevent_socket_new(b->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL)
		return -1;
	bufferevent_setcb(p->bev, tcp_read_cb, NULL, tcp_event_cb, p);
	bufferevent_set_timeouts(p->bev, &tv, NULL);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&b->sin,
	    sizeof b->sin) != 0)
		return -1;
	return 0;
}

/* A UDP answer matches the in-flight frame with its sequence. */
static void
udp_answer(struct panel *p, const char *buf, size_t len)
{
	struct dc09_msg m;
	char err[128];
	unsigned seq;
	int i;

	if (dc09_parse(buf, len, &m, err, sizeof err) != 0) {
		p->b->others++;
		return;
	}
	seq = (unsigned)strtoul(m.seq, NULL, 10);
	for (i = 0; i < p->b->window; i++) {
		struct slot *s = &p->slots[i];

		if (!s->used || (m.id != DC09_ID_NAK && s->seq != seq))
			continue;
		count_answer(p->b, &m);
		if (m.id == DC09_ID_ACK)
			record_latency(p->b, s->sent);
		s->used = 0;
		p->inflight--;
		p->outstanding--;
		return;
	}
	/* a late answer to a retransmitted frame: already counted */
}

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct panel *p = arg;
	char buf[2048];
	ssize_t n;
	int k;

	(void)what;

	for (k = 0; k < 64; k++) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n < 0)
			break;
		udp_answer(p, buf, (size_t)n);
	}
	if (p->outstanding == 0)
		panel_finish(p, NULL);
	else
		udp_fill(p);
}

/* Keep the UDP window full. */
static void
udp_fill(struct panel *p)
{
	struct slot *s;
	int i;

	for (i = 0; i < p->b->window && p->quota > 0; i++) {
		s = &p->slots[i];
		if (s->used)
			continue;
		if (build_frame(p, s) != 0) {
			fprintf(stderr, "pcobench: frame does not fit\n");
			exit(1);
		}
		if (send(p->fd, s->frame, (size_t)s->flen, 0) < 0)
			p->b->errors++;
		p->inflight++;
		p->quota--;
	}
}

/* Retransmit or give up on UDP frames whose answer is late. */
static void
udp_expire(struct panel *p, double now)
{
	double to = p->b->udp_timeout_ms / 1000.0;
	struct slot *s;
	int i;

	for (i = 0; i < p->b->window; i++) {
		s = &p->slots[i];
		if (!s->used || now - s->last < to)
			continue;
		if (s->tries > BENCH_UDP_RETRIES) {
			s->used = 0;
			p->inflight--;
			p->outstanding--;
			p->b->timeouts++;
			continue;
		}
		s->tries++;
		s->last = now;
		p->b->retrans++;
		if (send(p->fd, s->frame, (size_t)s->flen, 0) < 0)
			p->b->errors++;
	}
	if (p->outstanding == 0)
		panel_finish(p, NULL);
	else
		udp_fill(p);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	double now = now_mono();
	int i;

	(void)fd;
	(void)what;

	for (i = 0; i < b->npanels; i++)
		if (!b->panels[i].done && b->panels[i].fd >= 0)
			udp_expire(&b->panels[i], now);
}

static int
udp_start(struct panel *p)
{
	struct bench *b = p->b;

	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -1;
	if (connect(p->fd, (struct sockaddr *)&b->sin, sizeof b->sin) != 0)
		return -1;
	p->ev = event_new(b->base, p->fd, EV_READ | EV_PERSIST, udp_read_cb, p);
	if (p->ev == NULL || event_add(p->ev, NULL) != 0)
		return -1;
	udp_fill(p);
	return 0;
}

/* Release a panel's connection; the panel stays in the array. */
static void
panel_finish(struct panel *p, const char *why)
{
	if (p->done)
		return;
	if (why != NULL)
		fprintf(stderr, "pcobench: panel %s: %s\n", p->acct, why);
	p->done = 1;
	if (why == NULL && p->b->hold > 0 && p->bev != NULL) {
		/* -H: keep it open, idle; tcp_read_cb ignores what comes */
		bufferevent_set_timeouts(p->bev, NULL, NULL);
		p->b->holding++;
		bench_panel_done(p->b);
		return;
	}
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
	if (p->ev != NULL)
		event_free(p->ev);
	p->ev = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	bench_panel_done(p->b);
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	(void)fd;
	(void)what;
	fprintf(stderr, "pcobench: duration limit of %d s reached\n", b->duration);
	b->end = now_mono();
	event_base_loopexit(b->base, NULL);
}

/* Make the panels and share the events among them. */
static void
panels_init(struct bench *b)
{
	struct panel *p;
	int i;

	b->panels = xcalloc((size_t)b->npanels, sizeof *b->panels);
	for (i = 0; i < b->npanels; i++) {
		p = &b->panels[i];
		p->b = b;
		p->idx = i;
		p->fd = -1;
		p->seq = (unsigned)(rand() % 9999);
		snprintf(p->acct, sizeof p->acct, "%0*lX", b->acct_width,
		    b->acct_base + (b->one_account ? 0 : (unsigned long)i));
		p->quota = b->nevents / b->npanels + (i < b->nevents % b->npanels);
		p->outstanding = p->quota;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const struct bench *b, double q)
{
	long long i;

	if (b->nlat == 0)
		return 0;
	i = (long long)(q * (double)(b->nlat - 1) + 0.5);
	return b->lat[i] / 1000.0;
}

static void
report(struct bench *b)
{
	double secs = b->end - b->start;
	long long unfinished = 0;
	struct rusage ru;
	double cpu_us = 0;
	int i;

	for (i = 0; i < b->npanels; i++)
		unfinished += b->panels[i].outstanding;
	if (secs <= 0)
		secs = 1e-6;
	qsort(b->lat, (size_t)b->nlat, sizeof *b->lat, cmp_u32);
	/* pcobench's own CPU (user + system) an ACKed event, microseconds */
	if (getrusage(RUSAGE_SELF, &ru) == 0 && b->acks > 0)
		cpu_us = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e6 +
		    (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec;
	printf("events=%lld secs=%.3f rate=%.0f/s p50=%.3fms p99=%.3fms "
	    "naks=%lld duhs=%lld timeouts=%lld retrans=%lld errors=%lld "
	    "unfinished=%lld dropped=%lld cpu_us=%.1f\n", b->acks, secs, b->acks / secs,
	    pct_ms(b, 0.50), pct_ms(b, 0.99), b->naks, b->duhs, b->timeouts + b->others,
	    b->retrans, b->errors, unfinished, b->dropped,
	    b->acks > 0 ? cpu_us / (double)b->acks : 0.0);
	fflush(stdout);
}

/* Room for one descriptor per panel. */
static void
raise_nofile(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= (rlim_t)need)
		return;
	rl.rlim_cur = rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int
bench_run(struct bench *b)
{
	struct timeval tick = { 0, BENCH_TICK_MS * 1000 };
	struct timeval dur = { b->duration, 0 };
	int i;

	b->base = event_base_new();
	if (b->base == NULL)
		return -1;
	b->lat = xcalloc((size_t)b->nevents, sizeof *b->lat);
	panels_init(b);
	b->stop = evtimer_new(b->base, stop_cb, b);
	evtimer_add(b->stop, &dur);
	if (b->udp) {
		b->tick = event_new(b->base, -1, EV_PERSIST, tick_cb, b);
		evtimer_add(b->tick, &tick);
	} else if (b->rate > 0) {
		struct timeval pt = { 0, BENCH_PACE_MS * 1000 };

		b->pace = event_new(b->base, -1, EV_PERSIST, pace_cb, b);
		b->last_pace = now_mono();
		evtimer_add(b->pace, &pt);
	}
	b->active = b->npanels;
	b->start = now_mono();
	for (i = 0; i < b->npanels; i++) {
		if ((b->udp ? udp_start : tcp_start)(&b->panels[i]) != 0) {
			fprintf(stderr, "pcobench: panel %d: %s\n", i, strerror(errno));
			b->errors++;
			panel_finish(&b->panels[i], NULL);
		}
	}
	if (b->active > 0)
		event_base_dispatch(b->base);
	if (b->end == 0)
		b->end = now_mono();
	return 0;
}

static void
bench_free(struct bench *b)
{
	int i;

	for (i = 0; b->panels != NULL && i < b->npanels; i++) {
		if (b->panels[i].bev != NULL)
			bufferevent_free(b->panels[i].bev);
		if (b->panels[i].ev != NULL)
			event_free(b->panels[i].ev);
		if (b->panels[i].fd >= 0)
			close(b->panels[i].fd);
	}
	free(b->panels);
	free(b->lat);
	if (b->tick != NULL)
		event_free(b->tick);
	if (b->pace != NULL)
		event_free(b->pace);
	if (b->stop != NULL)
		event_free(b->stop);
	if (b->base != NULL)
		event_base_free(b->base);
}

int
main(int argc, char **argv)
{
	struct bench b;
	int rc;

	memset(&b, 0, sizeof b);
	b.sin.sin_family = AF_INET;
	b.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b.npanels = 10;
	b.nevents = 10000;
	b.window = 1;
	b.acct_base = 0x1000;
	b.acct_width = 4;
	b.duration = 60;
	b.udp_timeout_ms = 1000;
	parse_args(&b, argc, argv);
	if (b.npanels > b.nevents)
		b.npanels = (int)b.nevents;
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)getpid());
	raise_nofile(b.npanels + 64);
	if (bench_run(&b) != 0) {
		fprintf(stderr, "pcobench: cannot start the event loop\n");
		return 1;
	}
	report(&b);
	rc = b.acks == b.nevents ? 0 : 1;
	bench_free(&b);
	return rc;
}
