/* cmd_protocol.c - STUB: the protocol commands are not written yet. */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_protocol_table[] = { NULL };
