/* clock.h - the one source of "now" for the alarm engine, replaceable by tests. */
#ifndef PCOD_CLOCK_H
#define PCOD_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/*
 * "Now" for deadlines and the records of handling (raised, taken, closed,
 * escalated, last seen), in UTC milliseconds: the wall clock as it was at
 * start-up plus the monotonic time since, so a clock step while pcod runs
 * neither fires every deadline at once nor holds escalations back; it is
 * persisted as UTC so deadlines survive a restart (DESIGN.md, Time).
 * The test's clock when one is set.
 */
int64_t	clock_now_ms(void);
/* The wall clock itself (UTC ms), for when a frame was received; or the test's clock. */
int64_t	clock_wall_ms(void);
/* The monotonic clock in ms, for intervals and timeouts (no test source). */
int64_t	clock_mono_ms(void);
/* ms from now on CLOCK_REALTIME, as pthread_cond_timedwait() wants it. */
struct timespec;
void	clock_deadline(struct timespec *, int64_t ms);
/* Replace the source of both; NULL restores the real clocks. */
void	clock_set_source(int64_t (*fn)(void));

/*
 * A time as a person or a client writes it, into UTC milliseconds:
 *   1764547200                       epoch seconds
 *   2026-12-01T14:03:22Z             ISO-8601 with Z or an offset
 *   2026-12-01 14:03+01:00           ('T' or a space; seconds and a
 *   2026-12-01T14:03:22.250-0500     fraction optional; +HH, +HHMM, +HH:MM)
 * and, with CLOCK_PARSE_LOCAL, in the local zone (TZ):
 *   2026-12-01                       midnight (the day's first second)
 *   2026-12-01 14:03[:22[.250]]      a local time
 * A local time the clocks skip (they went forward) is refused; one they show
 * twice (they went back) is the earlier.  0, or -1 with err.
 */
#define CLOCK_PARSE_LOCAL	0x01
int	clock_parse(const char *s, int flags, int64_t *ms, char *err,
	    size_t errsz);
/* UTC ms as local time with the zone: "2026-12-05 14:03:22[.250] CET"; 0 or -1. */
int	clock_format_local(int64_t ms, int with_ms, char *buf, size_t bufsz);

#endif
