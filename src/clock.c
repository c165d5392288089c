/* clock.c - "now" behind a seam: wall clock anchored to the monotonic clock; tests replace it. */
#include "config.h"

#include <time.h>

#include "clock.h"

static int64_t	(*clock_source)(void);

/* A clock in milliseconds. */
static int64_t
clock_ms(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The wall clock at the first call, advanced by the monotonic clock since. */
int64_t
clock_now_ms(void)
{
	static int64_t	wall0, mono0;
	static int	anchored;

	if (clock_source != NULL)
		return clock_source();
	if (!anchored) {
		wall0 = clock_ms(CLOCK_REALTIME);
		mono0 = clock_ms(CLOCK_MONOTONIC);
		anchored = 1;
	}
	return wall0 + (clock_ms(CLOCK_MONOTONIC) - mono0);
}

/* The wall clock now, from the test's source when one is set. */
int64_t
clock_wall_ms(void)
{
	return clock_source != NULL ? clock_source() : clock_ms(CLOCK_REALTIME);
}

/* Replace the source of now; NULL goes back to the real clocks. */
void
clock_set_source(int64_t (*fn)(void))
{
	clock_source = fn;
}
