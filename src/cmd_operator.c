/* cmd_operator.c - STUB: the operator commands are not written yet. */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_operator_table[] = { NULL };
