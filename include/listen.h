/* listen.h - TCP and UDP panel listeners and their connections. */
#ifndef PCOD_LISTEN_H
#define PCOD_LISTEN_H

#include <stddef.h>

struct event_base;
struct config;
struct ingest;
struct batch;
struct listeners;

/* Bind every listener of cfg.  NULL with err set ("listen tcp 0.0.0.0:7000: ..."). */
struct listeners	*listen_start(struct event_base *, const struct config *,
			    struct ingest *, struct batch *, char *err, size_t errsz);
/* Take the limits of a reloaded configuration for listeners it still has. */
void			 listen_reconfigure(struct listeners *, const struct config *);
/* Stop accepting connections and datagrams (shutdown). */
void			 listen_stop(struct listeners *);
/*
 * Shutdown: stop reading, send what is queued; returns how many connections
 * are still writing.  The loop is broken once the last one is gone.
 */
int			 listen_drain(struct listeners *);
/* Close every connection and socket, free. */
void			 listen_free(struct listeners *);

#endif
