/* seen.c - the retransmission keys of the duplicate window: a ring with a hash index. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"
#include "xmalloc.h"

#define SEEN_MIN_CAP	1024	/* the ring never shrinks below this */

/*
 * One key.  Positions count insertions (uint32, wrapping); a key lives at
 * ring[pos & mask] while head <= pos < tail.  next is the position of the
 * next older key in the same bucket, or the key's own position at the end.
 */
struct seen_entry {
	uint64_t	digest;
	int64_t		ms;
	uint32_t	next;
	uint16_t	seq;
	char		account[SEEN_ACCOUNT_MAX + 1];
};

struct seen {
	struct seen_entry	*ring;		/* owned; cap entries */
	uint32_t		*bucket;	/* owned; cap heads (positions) */
	uint32_t		 cap;		/* a power of two */
	uint32_t		 max;		/* keys held at most, but for seen_load() */
	uint32_t		 head, tail;	/* oldest live position; next free one */
	int64_t			 dropped_ms;	/* newest ms of a key expired */
	int64_t			 blind_ms;	/* nothing at or before it is known */
};

/* Is pos a live position? */
static int
seen_live(const struct seen *s, uint32_t pos)
{
	return (uint32_t)(pos - s->head) < (uint32_t)(s->tail - s->head);
}

/* The hash of a key; the digest is already a good hash of the content. */
static uint32_t
seen_hash(const char *account, int seq, uint64_t digest)
{
	uint64_t	h = digest ^ ((uint64_t)(unsigned)seq * 0x9E3779B97F4A7C15ULL);
	size_t		i;

	for (i = 0; account[i] != '\0'; i++)
		h = (h ^ (unsigned char)account[i]) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Link the key at pos into its bucket, as the bucket's newest. */
static void
seen_link(struct seen *s, uint32_t pos)
{
	struct seen_entry	*e = &s->ring[pos & (s->cap - 1)];
	uint32_t		*b = &s->bucket[seen_hash(e->account, e->seq,
				    e->digest) & (s->cap - 1)];

	e->next = seen_live(s, *b) ? *b : pos;
	*b = pos;
}

/* Move the live keys into a ring of newcap, positions unchanged. */
static void
seen_resize(struct seen *s, uint32_t newcap)
{
	struct seen_entry	*old = s->ring;
	uint32_t		 oldcap = s->cap, pos;

	s->ring = xcalloc(newcap, sizeof(*s->ring));
	free(s->bucket);
	s->bucket = xcalloc(newcap, sizeof(*s->bucket));
	s->cap = newcap;
	/* a head that is dead at once: the position just before the oldest */
	for (pos = 0; pos < newcap; pos++)
		s->bucket[pos] = s->head - 1;
	for (pos = s->head; pos != s->tail; pos++) {
		s->ring[pos & (newcap - 1)] = old[pos & (oldcap - 1)];
		seen_link(s, pos);
	}
	free(old);
}

/* The smallest ring for a set of at most max keys. */
static uint32_t
seen_min_cap(const struct seen *s)
{
	uint32_t	cap = 16;

	while (cap < s->max && cap < SEEN_MIN_CAP)
		cap <<= 1;
	return cap;
}

/* An empty set of at most max keys. */
struct seen *
seen_new(size_t max)
{
	struct seen	*s;

	s = xcalloc(1, sizeof(*s));
	s->max = max < 1 ? 1 : max > (1U << 30) ? 1U << 30 : (uint32_t)max;
	s->dropped_ms = s->blind_ms = INT64_MIN;
	s->cap = 1;
	s->ring = xcalloc(1, sizeof(*s->ring));
	seen_resize(s, seen_min_cap(s));
	return s;
}

/* Free the set. */
void
seen_free(struct seen *s)
{
	if (s == NULL)
		return;
	free(s->ring);
	free(s->bucket);
	free(s);
}

/* Expire the oldest key, remembering how new what expired was. */
static void
seen_expire_oldest(struct seen *s)
{
	const struct seen_entry	*e = &s->ring[s->head & (s->cap - 1)];

	if (e->ms > s->dropped_ms)
		s->dropped_ms = e->ms;
	s->head++;
}

/*
 * Was the key added at or after since_ms?  1 or 0, exactly, for every key
 * seen_add() held; -1 while what is before blind_ms is not known here.  A
 * window reaching back past what expired (the wall clock stepped back) is
 * cut at it: expired keys are outside the window, as they were when they
 * expired.
 */
int
seen_lookup(struct seen *s, const char *account, int seq, uint64_t digest,
    int64_t since_ms)
{
	const struct seen_entry	*e;
	uint32_t		 pos, steps = 0, n = s->tail - s->head;

	if (since_ms <= s->dropped_ms)
		since_ms = s->dropped_ms + 1;
	if (strlen(account) > SEEN_ACCOUNT_MAX || seq < 0 || seq > UINT16_MAX)
		goto miss;
	pos = s->bucket[seen_hash(account, seq, digest) & (s->cap - 1)];
	while (seen_live(s, pos) && steps++ < n) {
		e = &s->ring[pos & (s->cap - 1)];
		if (e->digest == digest && e->seq == seq && e->ms >= since_ms &&
		    strcmp(e->account, account) == 0)
			return 1;
		if (e->next == pos)
			break;
		pos = e->next;
	}
miss:
	return since_ms <= s->blind_ms ? -1 : 0;
}

/* Add a key at ms if it fits (force: whatever the ceiling).  0 held, -1 not. */
static int
seen_put(struct seen *s, const char *account, int seq, uint64_t digest,
    int64_t ms, int force)
{
	struct seen_entry	*e;
	size_t			 len = strlen(account);

	if (len > SEEN_ACCOUNT_MAX || seq < 0 || seq > UINT16_MAX)
		return -1;
	if (!force && s->tail - s->head >= s->max)
		return -1;
	if (s->tail - s->head == s->cap) {
		if (s->cap >= (1U << 31))
			return -1;
		seen_resize(s, s->cap * 2);
	}
	e = &s->ring[s->tail & (s->cap - 1)];
	e->digest = digest;
	e->ms = ms;
	e->seq = (uint16_t)seq;
	memcpy(e->account, account, len + 1);
	seen_link(s, s->tail);
	s->tail++;
	return 0;
}

/* Add a key stored at ms, unless the set is at its ceiling.  0 held, -1 not. */
int
seen_add(struct seen *s, const char *account, int seq, uint64_t digest,
    int64_t ms)
{
	return seen_put(s, account, seq, digest, ms, 0);
}

/* Add a key read back from the store, past the ceiling if need be.  0 or -1. */
int
seen_load(struct seen *s, const char *account, int seq, uint64_t digest,
    int64_t ms)
{
	return seen_put(s, account, seq, digest, ms, 1);
}

/* Forget keys older than since_ms from the oldest end; shrink a mostly empty ring. */
void
seen_expire(struct seen *s, int64_t since_ms)
{
	uint32_t	n;

	while (s->head != s->tail &&
	    s->ring[s->head & (s->cap - 1)].ms < since_ms)
		seen_expire_oldest(s);
	n = s->tail - s->head;
	if (s->cap > SEEN_MIN_CAP && n < s->cap / 8)
		seen_resize(s, s->cap / 2);
}

/*
 * Nothing stored before ms is known here: a read-back follows, which loads
 * what expired too (the window may have widened).
 */
void
seen_forget_before(struct seen *s, int64_t ms)
{
	if (ms - 1 > s->blind_ms)
		s->blind_ms = ms - 1;
	s->dropped_ms = INT64_MIN;
}

/* Every key stored from ms on has been added (read back): know from there. */
void
seen_known_from(struct seen *s, int64_t ms)
{
	s->blind_ms = ms - 1;
}

/* The position the next key takes. */
uint32_t
seen_mark(const struct seen *s)
{
	return s->tail;
}

/*
 * Forget the keys added since mark, newest first: each is then the newest of
 * its bucket, so unlinking it restores the bucket as it was.
 */
void
seen_rollback(struct seen *s, uint32_t mark)
{
	struct seen_entry	*e;
	uint32_t		*b, pos;

	while (s->tail != mark && s->tail != s->head) {
		pos = --s->tail;
		e = &s->ring[pos & (s->cap - 1)];
		b = &s->bucket[seen_hash(e->account, e->seq, e->digest) &
		    (s->cap - 1)];
		if (*b == pos)
			*b = e->next == pos ? s->head - 1 : e->next;
	}
}

/* Keys held. */
size_t
seen_count(const struct seen *s)
{
	return s->tail - s->head;
}

/* Bytes allocated. */
size_t
seen_bytes(const struct seen *s)
{
	return sizeof(*s) + (size_t)s->cap * (sizeof(*s->ring) +
	    sizeof(*s->bucket));
}
