/*
 * sdnotify.c - systemd's notification protocol (sd_notify(3)) without
 * libsystemd: datagrams to $NOTIFY_SOCKET for READY=1, RELOADING=1,
 * STOPPING=1, WATCHDOG=1 and STATUS=.  The watchdog ping is an event-loop
 * timer on purpose: if the loop stops turning, the pings stop and systemd
 * restarts pcod (WatchdogSec= in the unit).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "sdnotify.h"
#include "xmalloc.h"

/* The shortest interval between two watchdog pings. */
#define SDNOTIFY_MIN_PING_USEC	1000

struct sdnotify {
	int			 fd;		/* -1: inert */
	struct sockaddr_un	 sun;
	socklen_t		 sunlen;
	struct event_base	*base;		/* not owned */
	struct event		*watchdog_ev;	/* owned; NULL without a watchdog */
	struct event		*status_ev;	/* owned */
	uint64_t		 watchdog_usec;
	sdnotify_figures_fn	 figures;
	void			*arg;
	struct sdnotify_figures	 last;		/* at the last STATUS= */
	int64_t			 last_ms;	/* monotonic, of the last STATUS= */
	int			 failing;	/* a send failed; logged, quiet until one works */
};

/* The address of $NOTIFY_SOCKET; abstract when it starts with '@'. */
int
sdnotify_addr(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
	size_t	n;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) < 2 || n > sizeof(sun->sun_path))
		return -1;
	/* A path needs its NUL inside sun_path; an abstract name does not. */
	if (path[0] == '/' && n == sizeof(sun->sun_path))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '/' ? 1 : 0));
	return 0;
}

/* A strictly decimal, positive number in s, or 0. */
static uint64_t
sdnotify_decimal(const char *s)
{
	uintmax_t	 v;
	char		*end;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT64_MAX)
		return 0;
	return (uint64_t)v;
}

/* The watchdog timeout meant for self, or 0. */
uint64_t
sdnotify_watchdog_usec(const char *usec, const char *pid, long self)
{
	if (pid != NULL && (self <= 0 || sdnotify_decimal(pid) != (uint64_t)self))
		return 0;
	return sdnotify_decimal(usec);
}

/*
 * "STATUS=12 panel connections, 3.4 events/s, 5 open alarms[, ...]", or
 * "STATUS=standby: rx-a is the active receiver".
 */
void
sdnotify_status_line(char *buf, size_t bufsz, const struct sdnotify_figures *prev,
    const struct sdnotify_figures *cur, int64_t ms)
{
	double	rate = 0;

	if (cur->standby_of != NULL) {
		snprintf(buf, bufsz, "STATUS=standby: %s is the active receiver",
		    cur->standby_of[0] != '\0' ? cur->standby_of : "nobody");
		return;
	}
	if (ms > 0 && cur->events >= prev->events)
		rate = (double)(cur->events - prev->events) * 1000.0 / (double)ms;
	snprintf(buf, bufsz, "STATUS=%lld panel connection%s, %.1f events/s, "
	    "%llu open alarm%s%s", (long long)cur->connections,
	    cur->connections == 1 ? "" : "s", rate,
	    (unsigned long long)cur->open_alarms, cur->open_alarms == 1 ? "" : "s",
	    cur->storage_failing ? ", STORAGE FAILING: nothing is acknowledged" :
	    "");
}

/* Send msg; log the first failure of a run of them. */
int
sdnotify_send(struct sdnotify *sd, const char *msg)
{
	if (sd == NULL || sd->fd == -1)
		return 1;
	if (sendto(sd->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sd->sun, sd->sunlen) == -1) {
		if (!sd->failing)
			log_warn("sd_notify: %s", getenv("NOTIFY_SOCKET"));
		sd->failing = 1;
		return -1;
	}
	sd->failing = 0;
	return 0;
}

/* Send a STATUS= line built from the daemon's figures now. */
static void
sdnotify_status(struct sdnotify *sd)
{
	struct sdnotify_figures	cur;
	char			line[256];
	int64_t			now = clock_mono_ms();

	if (sd->figures == NULL)
		return;
	memset(&cur, 0, sizeof(cur));
	sd->figures(&cur, sd->arg);
	sdnotify_status_line(line, sizeof(line), &sd->last, &cur,
	    sd->last_ms != 0 ? now - sd->last_ms : 0);
	sdnotify_send(sd, line);
	sd->last = cur;
	sd->last_ms = now;
}

/* Every SDNOTIFY_STATUS_SEC. */
static void
sdnotify_statuscb(evutil_socket_t fd, short what, void *arg)
{
	sdnotify_status(arg);
}

/* Every half watchdog timeout: the loop is turning. */
static void
sdnotify_watchdogcb(evutil_socket_t fd, short what, void *arg)
{
	sdnotify_send(arg, "WATCHDOG=1");
}

/* Open the socket named by $NOTIFY_SOCKET; inert without one. */
struct sdnotify *
sdnotify_new(struct event_base *base, sdnotify_figures_fn figures, void *arg)
{
	struct sdnotify	*sd = xcalloc(1, sizeof(*sd));
	const char	*path = getenv("NOTIFY_SOCKET");

	sd->fd = -1;
	sd->base = base;
	sd->figures = figures;
	sd->arg = arg;
	if (path == NULL)
		return sd;
	if (sdnotify_addr(path, &sd->sun, &sd->sunlen) == -1) {
		log_warnx("NOTIFY_SOCKET \"%.120s\" is not an absolute or "
		    "abstract socket address: systemd is not told", path);
		return sd;
	}
	sd->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sd->fd == -1) {
		log_warn("sd_notify: socket");
		return sd;
	}
	sd->watchdog_usec = sdnotify_watchdog_usec(getenv("WATCHDOG_USEC"),
	    getenv("WATCHDOG_PID"), (long)getpid());
	return sd;
}

/* Arm a persistent timer every usec microseconds. */
static struct event *
sdnotify_timer(struct sdnotify *sd, uint64_t usec, event_callback_fn cb)
{
	struct timeval	 tv;
	struct event	*ev;

	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	if ((ev = event_new(sd->base, -1, EV_PERSIST, cb, sd)) == NULL ||
	    event_add(ev, &tv) == -1)
		fatalx("sd_notify: cannot arm a timer");
	return ev;
}

/* READY=1; from now on the watchdog pings and the STATUS= lines. */
void
sdnotify_ready(struct sdnotify *sd)
{
	if (sd == NULL || sd->fd == -1)
		return;
	sdnotify_send(sd, "READY=1");
	sdnotify_status(sd);
	if (sd->watchdog_usec != 0 && sd->watchdog_ev == NULL) {
		sdnotify_send(sd, "WATCHDOG=1");
		/* Half the timeout, but never a timer that spins the loop. */
		sd->watchdog_ev = sdnotify_timer(sd, sd->watchdog_usec / 2 >
		    SDNOTIFY_MIN_PING_USEC ? sd->watchdog_usec / 2 :
		    SDNOTIFY_MIN_PING_USEC, sdnotify_watchdogcb);
		log_info("systemd watchdog: timeout %llu ms, a ping every half",
		    (unsigned long long)(sd->watchdog_usec / 1000));
	}
	if (sd->status_ev == NULL && sd->figures != NULL)
		sd->status_ev = sdnotify_timer(sd,
		    (uint64_t)SDNOTIFY_STATUS_SEC * 1000000, sdnotify_statuscb);
}

/* RELOADING=1, stamped as systemd 253 and later want it. */
void
sdnotify_reloading(struct sdnotify *sd)
{
	struct timespec	ts;
	char		msg[64];

	if (sd == NULL || sd->fd == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)(ts.tv_nsec / 1000));
	sdnotify_send(sd, msg);
}

/* STOPPING=1 and where things stand; no STATUS= after (the parts go away). */
void
sdnotify_stopping(struct sdnotify *sd)
{
	if (sd == NULL || sd->fd == -1)
		return;
	sdnotify_send(sd, "STOPPING=1");
	sdnotify_status(sd);
	if (sd->status_ev != NULL)
		event_free(sd->status_ev);
	sd->status_ev = NULL;
	sd->figures = NULL;
}

/* The watchdog interval in use (0: none). */
uint64_t
sdnotify_watchdog(const struct sdnotify *sd)
{
	return sd != NULL && sd->fd != -1 ? sd->watchdog_usec : 0;
}

/* Stop the timers and close the socket; NULL is harmless. */
void
sdnotify_free(struct sdnotify *sd)
{
	if (sd == NULL)
		return;
	if (sd->watchdog_ev != NULL)
		event_free(sd->watchdog_ev);
	if (sd->status_ev != NULL)
		event_free(sd->status_ev);
	if (sd->fd != -1)
		close(sd->fd);
	free(sd);
}
