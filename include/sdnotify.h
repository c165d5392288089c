/* sdnotify.h - systemd's notification protocol without libsystemd (src/sdnotify.c). */
#ifndef PCOD_SDNOTIFY_H
#define PCOD_SDNOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct event_base;
struct sdnotify;

/* Seconds between two STATUS= lines. */
#define SDNOTIFY_STATUS_SEC	5

/* The essentials a STATUS= line shows, read by the daemon's callback. */
struct sdnotify_figures {
	int64_t		connections;	/* panel connections open now */
	uint64_t	events;		/* events stored since start */
	uint64_t	open_alarms;	/* open now */
	int		storage_failing;	/* the last batch failed */
	const char	*standby_of;	/* a standby: the active's node; else NULL */
};
typedef void	(*sdnotify_figures_fn)(struct sdnotify_figures *, void *arg);

/*
 * Pure: the address of $NOTIFY_SOCKET path ("/..." or "@abstract").
 * 0, or -1 when path is NULL, relative, empty or too long.
 */
int		sdnotify_addr(const char *path, struct sockaddr_un *,
		    socklen_t *len);
/*
 * Pure: the watchdog's timeout in microseconds from $WATCHDOG_USEC and
 * $WATCHDOG_PID (NULL: unset) for the process self; 0 when there is no
 * watchdog for it (unset, malformed, zero, or another process's).
 */
uint64_t	sdnotify_watchdog_usec(const char *usec, const char *pid, long self);
/*
 * Pure: the STATUS= message for cur, with events/s over the ms since prev
 * (no rate when ms <= 0).
 */
void		sdnotify_status_line(char *buf, size_t bufsz,
		    const struct sdnotify_figures *prev,
		    const struct sdnotify_figures *cur, int64_t ms);

/*
 * The daemon's link to systemd; inert (every call a no-op) without
 * $NOTIFY_SOCKET.  figures is asked for the STATUS= line (NULL: none).
 */
struct sdnotify	*sdnotify_new(struct event_base *, sdnotify_figures_fn figures,
		    void *arg);
void		 sdnotify_free(struct sdnotify *);
/*
 * READY=1 with a first STATUS=; then WATCHDOG=1 from a loop timer every
 * half $WATCHDOG_USEC (a stuck loop stops the pings and systemd restarts
 * pcod) and STATUS= every SDNOTIFY_STATUS_SEC.
 */
void		 sdnotify_ready(struct sdnotify *);
/* RELOADING=1 (with MONOTONIC_USEC=); sdnotify_ready() ends the reload. */
void		 sdnotify_reloading(struct sdnotify *);
/* STOPPING=1 and a last STATUS=. */
void		 sdnotify_stopping(struct sdnotify *);
/* Send one message; 0 sent, 1 nobody listens, -1 failed (logged once a run). */
int		 sdnotify_send(struct sdnotify *, const char *msg);
/* The watchdog interval in use, microseconds (0: none). */
uint64_t	 sdnotify_watchdog(const struct sdnotify *);

#endif
