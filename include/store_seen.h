/* store_seen.h - the frames of the duplicate window, read back at start-up. */
#ifndef PCOD_STORE_SEEN_H
#define PCOD_STORE_SEEN_H

#include <stdint.h>

struct store;

/*
 * One stored frame's retransmission key, from its row in table ("frames",
 * or "events" for a frame that shares its only event's row) with that id;
 * digest is NULL when it has none (and for an event whose frame has a row
 * of its own); retx 1 when the store answers for it (frames_retx,
 * events_retx), not memory.
 */
typedef void	(*store_seen_fn)(void *arg, const char *table, int64_t id,
		    const char *account, int seq, const char *digest,
		    int64_t received_ms, int retx);

/*
 * Where a read-back of the window stands: the ids still to read of the
 * frames table ([0]) and of the events table ([1]), next to last.
 */
struct store_window {
	int64_t	next[2];
	int64_t	last[2];
};

/*
 * The window from the first row received at or after from_ms to the
 * newest, in both tables.  Ids grow with time, so the first is found by a
 * binary search on the id, not by an index on the time (a clock stepped
 * back by more than the caller's margin hides older rows from it).  0 or -1.
 */
int		 store_frame_window(struct store *, int64_t from_ms,
		    struct store_window *);
/* 1 when nothing of the window is left to read. */
int		 store_window_done(const struct store_window *);
/*
 * Up to limit rows of the window, frames first, each table oldest first;
 * w moves past them.  How many, or -1.
 */
int		 store_frame_keys(struct store *, struct store_window *,
		    int limit, store_seen_fn fn, void *arg);

#endif
