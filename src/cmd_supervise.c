/* cmd_supervise.c - STUB: the supervise commands are not written yet. */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_supervise_table[] = { NULL };
