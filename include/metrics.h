/*
 * metrics.h - what pcod counts, in the Prometheus text format (version
 * 0.0.4) at GET /metrics on the metrics listener (src/metrics.c).  The
 * figures come from where status reads them (stats.h, the store, the
 * engines); this module only writes them out.
 */
#ifndef PCOD_METRICS_H
#define PCOD_METRICS_H

#include <stddef.h>

struct event_base;
struct control_ctx;
struct metrics;

/*
 * Serve the metrics on the listener the running configuration names
 * (ctx->cfg->metrics; ctx not owned, outlives it).  NULL with err[0] == '\0'
 * when none is configured, NULL with err set when it cannot be bound.
 */
struct metrics	*metrics_start(struct event_base *, struct control_ctx *,
		    char *err, size_t errsz);
/* Close the listener; NULL is harmless. */
void		 metrics_free(struct metrics *);

#endif
