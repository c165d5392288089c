/* cmd_alarm.c - STUB: the alarm commands are not written yet. */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_alarm_table[] = { NULL };
