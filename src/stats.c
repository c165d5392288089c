/* stats.c - the process-wide counters. */
#include "config.h"

#include "stats.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Items (frames) per committed batch: powers of two up to the default cap. */
static const int64_t stats_batch_le[] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096
};

/* Latencies in microseconds, 250 us to 10 s. */
static const int64_t stats_latency_le[] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000, 10000000
};

_Static_assert(nitems(stats_batch_le) <= HISTO_MAX_BOUNDS &&
    nitems(stats_latency_le) <= HISTO_MAX_BOUNDS, "raise HISTO_MAX_BOUNDS");

struct pcod_stats pcod_stats = {
	.commit_batch = { .le = stats_batch_le, .nb = nitems(stats_batch_le) },
	.commit_latency = { .le = stats_latency_le,
	    .nb = nitems(stats_latency_le) },
	.ack_latency = { .le = stats_latency_le,
	    .nb = nitems(stats_latency_le) },
};
