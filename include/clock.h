/* clock.h - the one source of "now" for the alarm engine, replaceable by tests. */
#ifndef PCOD_CLOCK_H
#define PCOD_CLOCK_H

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
/* Replace the source of both; NULL restores the real clocks. */
void	clock_set_source(int64_t (*fn)(void));

#endif
