/* cmd_stats.c - STUB: the stats commands are not written yet. */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_stats_table[] = { NULL };
