/* store_seen.h - the frames of the duplicate window, read back at start-up. */
#ifndef PCOD_STORE_SEEN_H
#define PCOD_STORE_SEEN_H

#include <stdint.h>

struct store;

/* One stored frame's retransmission key; digest is NULL when it has none. */
typedef void	(*store_seen_fn)(void *arg, const char *account, int seq,
		    const char *digest, int64_t received_ms);

/*
 * Call fn for every frame from the first one received at or after from_ms
 * to the newest, in the order stored.  Frame ids grow with time, so the
 * first one is found by a binary search on the id, not by an index on the
 * time (a clock stepped back by more than the caller's margin hides older
 * frames from it).  0 or -1.
 */
int		 store_frame_recent(struct store *, int64_t from_ms,
		    store_seen_fn fn, void *arg);

#endif
