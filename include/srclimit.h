/* srclimit.h - token buckets per source address in a small fixed table (pure, no I/O). */
#ifndef PCOD_SRCLIMIT_H
#define PCOD_SRCLIMIT_H

#include <stddef.h>
#include <stdint.h>

struct srclimit;

/*
 * A table of SRCLIMIT_SETS x SRCLIMIT_WAYS recent sources, each with a bucket
 * of burst tokens refilled at rate a second.  A source not in the table takes
 * the least recently used entry of its set and starts with a full bucket, so
 * memory stays bounded however many sources there are.  seed spreads the
 * sources over the sets (a random one makes the spread unpredictable).
 */
#define SRCLIMIT_SETS	256
#define SRCLIMIT_WAYS	4

struct srclimit	*srclimit_new(unsigned rate, unsigned burst, uint64_t seed);
void		 srclimit_free(struct srclimit *);
/*
 * Take a token for the source addr (addrlen bytes, at most 16) at now (ms,
 * any monotonic clock): 1 taken, 0 over the limit.
 */
int		 srclimit_take(struct srclimit *, const void *addr, size_t addrlen,
		    int64_t now_ms);

#endif
