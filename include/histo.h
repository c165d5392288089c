/*
 * histo.h - a small fixed-bucket histogram for the metrics (src/histo.c).
 *
 * Observations are whole numbers in the histogram's own unit (microseconds,
 * frames); the bounds are fixed at init and the counts live in the struct,
 * so observing allocates nothing and takes no lock.  Observe on the loop
 * thread only: nothing here is atomic.
 */
#ifndef PCOD_HISTO_H
#define PCOD_HISTO_H

#include <stdint.h>

/* Upper bounds a histogram may have (the +Inf bucket comes on top). */
#define HISTO_MAX_BOUNDS	24

struct histo {
	const int64_t	*le;		/* not owned (static): ascending upper bounds */
	int		 nb;		/* how many */
	uint64_t	 n[HISTO_MAX_BOUNDS + 1];	/* per bucket, not cumulative; [nb] = +Inf */
	uint64_t	 count;
	uint64_t	 sum;		/* saturates at UINT64_MAX */
};

/*
 * Start h empty over nb ascending bounds le (static storage, at most
 * HISTO_MAX_BOUNDS).  0, or -1 if the bounds are not strictly ascending or
 * too many.
 */
int		histo_init(struct histo *, const int64_t *le, int nb);
/* Count one observation (negative counts as 0). */
void		histo_observe(struct histo *, int64_t v);
/* Observations <= le[i] (i == nb: all of them, the +Inf bucket). */
uint64_t	histo_cumulative(const struct histo *, int i);
/* Monotonic microseconds, for latencies. */
int64_t		histo_now_us(void);

#endif
