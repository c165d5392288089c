/* seen.h - the retransmission keys of the duplicate window, in memory. */
#ifndef PCOD_SEEN_H
#define PCOD_SEEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * What makes a frame a retransmission: account, sequence number and content
 * digest, stored within the window.  The keys live in insertion order in a
 * ring with a hash index, so a lookup costs the same whatever the history.
 * Memory is bounded by a ceiling: past it seen_add() refuses a key, and the
 * caller stores that frame so that the store can answer for it (frames.retx,
 * ingest.c).  Keys leave only by expiry or a failed batch's rollback, so for
 * every key held the answer is exact; nothing is dropped to make room.
 */
struct seen;

#define SEEN_ACCOUNT_MAX	16	/* DC-09 account: 3-16 characters */

/* An empty set holding at most max keys (but see seen_load()). */
struct seen	*seen_new(size_t max);
void		 seen_free(struct seen *);

/*
 * Was (account, seq, digest) added at or after since_ms?  1 yes, 0 no (of
 * the keys held: what seen_add() refused is the caller's to ask), -1 not
 * known yet (since_ms reaches back before what was read back).  A window
 * that reaches back past expired keys (the clock stepped back) ends at them.
 */
int		 seen_lookup(struct seen *, const char *account, int seq,
		    uint64_t digest, int64_t since_ms);
/*
 * Add a key stored at ms (after the frame was written to the open batch).
 * 0 held; -1 not held: the set is at its ceiling, or the account or seq
 * does not fit.
 */
int		 seen_add(struct seen *, const char *account, int seq,
		    uint64_t digest, int64_t ms);
/*
 * Add a key read back from the store, past the ceiling if need be (a frame
 * stored without retx must be held: nothing else answers for it).  0 or -1
 * (the account or seq does not fit).
 */
int		 seen_load(struct seen *, const char *account, int seq,
		    uint64_t digest, int64_t ms);
/* Forget keys older than since_ms from the oldest end; shrink when mostly empty. */
void		 seen_expire(struct seen *, int64_t since_ms);
/*
 * Nothing stored before ms is known here (a read-back starts, which loads
 * what expired too): lookups reaching back before it answer -1.
 */
void		 seen_forget_before(struct seen *, int64_t ms);
/*
 * Every key stored at or after ms is held now (the read-back is done):
 * lookups from ms on are answered here again.
 */
void		 seen_known_from(struct seen *, int64_t ms);

/* A point to roll back to: keys added later can be forgotten together. */
uint32_t	 seen_mark(const struct seen *);
/* Forget the keys added since mark (their batch failed), newest first. */
void		 seen_rollback(struct seen *, uint32_t mark);

/* Keys held, and bytes allocated (for status and tests). */
size_t		 seen_count(const struct seen *);
size_t		 seen_bytes(const struct seen *);

#endif
