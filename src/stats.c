/* stats.c - the process-wide counters. */
#include "config.h"

#include "stats.h"

struct pcod_stats pcod_stats;
