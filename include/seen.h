/* seen.h - the retransmission keys of the duplicate window, in memory. */
#ifndef PCOD_SEEN_H
#define PCOD_SEEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * What makes a frame a retransmission: account, sequence number and content
 * digest, stored within the window.  The keys live in insertion order in a
 * ring with a hash index, so a lookup costs the same whatever the history.
 * Memory is bounded: past max entries the oldest are dropped, and a lookup
 * whose window reaches back to a dropped entry answers "unknown" (the caller
 * asks the store), so the answer is always the store's.
 */
struct seen;

#define SEEN_ACCOUNT_MAX	16	/* DC-09 account: 3-16 characters */

/* An empty set holding at most max keys (rounded up to a power of two, >= 16). */
struct seen	*seen_new(size_t max);
void		 seen_free(struct seen *);

/*
 * Was (account, seq, digest) added at or after since_ms?  1 yes, 0 no, -1
 * not known here (keys that may match were dropped, or the account does not
 * fit): ask the store.
 */
int		 seen_lookup(struct seen *, const char *account, int seq,
		    uint64_t digest, int64_t since_ms);
/* Add a key stored at ms (after the frame was written to the open batch). */
void		 seen_add(struct seen *, const char *account, int seq,
		    uint64_t digest, int64_t ms);
/* Forget keys older than since_ms from the oldest end; shrink when mostly empty. */
void		 seen_expire(struct seen *, int64_t since_ms);
/*
 * Nothing stored before ms is known here (start-up: only the window was
 * loaded); lookups reaching back before it answer -1.
 */
void		 seen_forget_before(struct seen *, int64_t ms);
/*
 * Every key stored at or after ms is held now (the read-back is done):
 * lookups from ms on are answered here again, unless keys were dropped.
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
