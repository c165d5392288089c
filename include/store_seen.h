/* store_seen.h - the frames of the duplicate window, read back at start-up. */
#ifndef PCOD_STORE_SEEN_H
#define PCOD_STORE_SEEN_H

#include <stdint.h>

struct store;

/*
 * One stored frame's retransmission key; digest is NULL when it has none;
 * retx 1 when the store answers for it (frames_retx), not memory.
 */
typedef void	(*store_seen_fn)(void *arg, int64_t id, const char *account,
		    int seq, const char *digest, int64_t received_ms, int retx);

/*
 * The ids of the frames from the first one received at or after from_ms to
 * the newest (*first > *last: none).  Frame ids grow with time, so the first
 * is found by a binary search on the id, not by an index on the time (a
 * clock stepped back by more than the caller's margin hides older frames
 * from it).  0 or -1.
 */
int		 store_frame_window(struct store *, int64_t from_ms,
		    int64_t *first, int64_t *last);
/* Up to limit frames with ids from first to last, oldest first: how many, or -1. */
int		 store_frame_keys(struct store *, int64_t first, int64_t last,
		    int limit, store_seen_fn fn, void *arg);

#endif
