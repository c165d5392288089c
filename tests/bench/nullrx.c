/*
 * nullrx.c - the benchmark's ceiling: a DC-09 receiver that does the least
 * any receiver must (read, find and check each frame, send its ACK) and
 * nothing else: no store, no engine, no libevent; epoll and one read and
 * one write per wake-up of a connection.  Whatever rate pcobench reaches
 * against it is the most this machine gives any receiver driven by that
 * load generator, so a target above it is out of reach here.
 *
 * usage: nullrx PORT   (127.0.0.1; prints "ready"; SIGTERM ends it)
 * Never a part of pcod.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dc09.h"
#include "xmalloc.h"

#define NULLRX_BUF	4096
#define NULLRX_OUT	16384
#define NULLRX_EVENTS	256

struct nconn {
	int	fd;
	size_t	len;
	char	buf[NULLRX_BUF];
};

static volatile sig_atomic_t	stop;
static unsigned long long	frames, bad;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Answer every whole frame in c's buffer with one write; -1: close it. */
static int
nullrx_serve(struct nconn *c)
{
	struct dc09_msg	 m;
	char		 out[NULLRX_OUT], err[128];
	size_t		 off = 0, start, flen, skipped, olen = 0;
	int		 n;
	ssize_t		 w;

	for (;;) {
		if (dc09_scan(c->buf + off, c->len - off, 1024, &start, &flen,
		    &skipped) != DC09_SCAN_FRAME)
			break;
		if (dc09_parse(c->buf + off + start, flen, &m, err,
		    sizeof(err)) == 0 && olen + 128 < sizeof(out) &&
		    (n = dc09_build_answer(DC09_ID_ACK, &m, NULL, time(NULL),
		    out + olen, sizeof(out) - olen)) > 0) {
			olen += (size_t)n;
			frames++;
		} else
			bad++;
		off += start + flen;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	if (c->len == sizeof(c->buf))
		c->len = 0;	/* no frame in 4 KiB: drop it */
	if (olen > 0) {
		do
			w = send(c->fd, out, olen, MSG_NOSIGNAL);
		while (w == -1 && errno == EINTR);
		if (w != (ssize_t)olen)
			return -1;	/* the bench reads: a short write is a fault */
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[NULLRX_EVENTS];
	struct sockaddr_in	 sin;
	struct nconn		*c;
	int			 lfd, ep, i, n, fd, one = 1;
	ssize_t			 r;

	if (argc != 2) {
		fprintf(stderr, "usage: nullrx PORT\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("nullrx");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("nullrx: epoll_ctl");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if ((n = epoll_wait(ep, evs, NULLRX_EVENTS, 200)) == -1) {
			if (errno == EINTR)
				continue;
			perror("nullrx: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if ((c = evs[i].data.ptr) == NULL) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					c = xcalloc(1, sizeof(*c));
					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev) == -1) {
						close(fd);
						free(c);
					}
				}
				continue;
			}
			r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
			    0);
			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0) {
				c->len += (size_t)r;
				if (nullrx_serve(c) == 0)
					continue;
			}
			close(c->fd);	/* also leaves the epoll set */
			free(c);
		}
	}
	fprintf(stderr, "nullrx: %llu frame(s) answered, %llu bad\n", frames,
	    bad);
	return 0;
}
