/* srclimit.c - token buckets per source address in a small fixed table (pure, no I/O). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srclimit.h"
#include "xmalloc.h"

#define SRCLIMIT_ADDR_MAX	16
/* Tokens are counted in thousandths, so a refill of rate/s works per millisecond. */
#define MILLI			1000

/* One source and its bucket. */
struct srcent {
	unsigned char	addr[SRCLIMIT_ADDR_MAX];
	uint8_t		addrlen;	/* 0: free */
	int64_t		tokens;		/* thousandths of a token */
	int64_t		last_ms;	/* last refill */
	int64_t		used_ms;	/* last use, for the LRU choice */
};

struct srclimit {
	unsigned	rate, burst;
	uint64_t	seed;
	struct srcent	ent[SRCLIMIT_SETS][SRCLIMIT_WAYS];
};

/* A table of buckets of burst tokens refilled at rate a second. */
struct srclimit *
srclimit_new(unsigned rate, unsigned burst, uint64_t seed)
{
	struct srclimit	*sl;

	sl = xcalloc(1, sizeof(*sl));
	sl->rate = rate;
	sl->burst = burst;
	sl->seed = seed;
	return sl;
}

/* Free the table; NULL is harmless. */
void
srclimit_free(struct srclimit *sl)
{
	free(sl);
}

/* The set of addr: FNV-1a 64 over the seed and the address. */
static size_t
srclimit_set(const struct srclimit *sl, const unsigned char *addr, size_t len)
{
	uint64_t	h = 14695981039346656037ULL ^ sl->seed;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= addr[i];
		h *= 1099511628211ULL;
	}
	return (size_t)((h ^ (h >> 32)) % SRCLIMIT_SETS);
}

/* The entry of addr in its set; a new one (full bucket) replaces the least recent. */
static struct srcent *
srclimit_find(struct srclimit *sl, const unsigned char *addr, size_t len,
    int64_t now)
{
	struct srcent	*set = sl->ent[srclimit_set(sl, addr, len)], *e, *lru;
	size_t		 i;

	lru = &set[0];
	for (i = 0; i < SRCLIMIT_WAYS; i++) {
		e = &set[i];
		if (e->addrlen == len && memcmp(e->addr, addr, len) == 0)
			return e;
		if (e->addrlen == 0 || (lru->addrlen != 0 && e->used_ms < lru->used_ms))
			lru = e;
	}
	memcpy(lru->addr, addr, len);
	lru->addrlen = (uint8_t)len;
	lru->tokens = (int64_t)sl->burst * MILLI;
	lru->last_ms = now;
	return lru;
}

/* Take a token for addr at now: 1 taken, 0 over the limit. */
int
srclimit_take(struct srclimit *sl, const void *addr, size_t addrlen, int64_t now_ms)
{
	struct srcent	*e;
	int64_t		 cap = (int64_t)sl->burst * MILLI;

	if (addrlen == 0 || addrlen > SRCLIMIT_ADDR_MAX)
		return 1;
	e = srclimit_find(sl, addr, addrlen, now_ms);
	if (now_ms > e->last_ms) {
		/* rate tokens a second are rate thousandths a millisecond. */
		e->tokens += (now_ms - e->last_ms) * (int64_t)sl->rate;
		if (e->tokens > cap)
			e->tokens = cap;
	}
	e->last_ms = now_ms;
	e->used_ms = now_ms;
	if (e->tokens < MILLI)
		return 0;
	e->tokens -= MILLI;
	return 1;
}
