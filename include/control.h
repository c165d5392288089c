/* control.h - the JSON control socket (pcod-control(7)). */
#ifndef PCOD_CONTROL_H
#define PCOD_CONTROL_H

#include <stddef.h>

struct event_base;
struct store;
struct batch;
struct acct_table;

/* What the control commands work on; owned by main, outlives the control socket. */
struct control_ctx {
	struct store		*store;
	struct batch		*batch;
	struct acct_table	*accts;
	const char		*version;
};

struct control;

/* Bind path (replacing a stale socket) with the given mode.  NULL with err set. */
struct control	*control_new(struct event_base *, const char *path, int mode,
		    struct control_ctx *ctx, char *err, size_t errsz);
/* Close the socket and every console connection, unlink the path. */
void		 control_free(struct control *);

#endif
