/* clock.c - wall-clock "now" behind a seam so tests run the engine on virtual time. */
#include "config.h"

#include <time.h>

#include "clock.h"

static int64_t	(*clock_source)(void);

/* The real wall clock in milliseconds. */
static int64_t
clock_real_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Now, from the test's source when one is set. */
int64_t
clock_now_ms(void)
{
	return clock_source != NULL ? clock_source() : clock_real_ms();
}

/* Replace the source of now; NULL goes back to the real clock. */
void
clock_set_source(int64_t (*fn)(void))
{
	clock_source = fn;
}
