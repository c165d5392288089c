/* cmd_site.c - STUB: the site commands are not written yet. */
#include "config.h"

#include "cmd.h"

const struct cmd_entry *const cmd_site_table[] = { NULL };
