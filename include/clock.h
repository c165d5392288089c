/* clock.h - the one source of "now" for the alarm engine, replaceable by tests. */
#ifndef PCOD_CLOCK_H
#define PCOD_CLOCK_H

#include <stdint.h>

/* Wall-clock UTC in milliseconds (or the test's clock). */
int64_t	clock_now_ms(void);
/* Replace the source; NULL restores the real clock. */
void	clock_set_source(int64_t (*fn)(void));

#endif
