/* histo.c - fixed-bucket histograms: observe without allocating or locking. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "histo.h"

/* Start h empty over the bounds le. */
int
histo_init(struct histo *h, const int64_t *le, int nb)
{
	int	i;

	memset(h, 0, sizeof(*h));
	if (nb < 0 || nb > HISTO_MAX_BOUNDS || (nb > 0 && le == NULL))
		return -1;
	for (i = 1; i < nb; i++)
		if (le[i] <= le[i - 1])
			return -1;
	h->le = le;
	h->nb = nb;
	return 0;
}

/* The first bucket whose bound is >= v (binary search; nb for +Inf). */
static int
histo_bucket(const struct histo *h, int64_t v)
{
	int	lo = 0, hi = h->nb;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (v <= h->le[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Count one observation. */
void
histo_observe(struct histo *h, int64_t v)
{
	uint64_t	u;

	if (v < 0)
		v = 0;
	u = (uint64_t)v;
	h->n[histo_bucket(h, v)]++;
	h->count++;
	/* A counter that wraps would read as a reset: stay at the top instead. */
	h->sum = h->sum > UINT64_MAX - u ? UINT64_MAX : h->sum + u;
}

/* Observations up to and including bucket i. */
uint64_t
histo_cumulative(const struct histo *h, int i)
{
	uint64_t	c = 0;
	int		j;

	if (i > h->nb)
		i = h->nb;
	for (j = 0; j <= i; j++)
		c += h->n[j];
	return c;
}

/* Monotonic microseconds. */
int64_t
histo_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
