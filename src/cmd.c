/* cmd.c - what command handlers share: a change run in the batch, answered after commit. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "cmd.h"
#include "control.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* A change waiting for its commit. */
struct cmd_write_op {
	struct cmd_req		*req;
	struct control_ctx	*ctx;
	json_t			*result;	/* owned */
	cmd_commit_fn		 committed;
};

/* Fill err with a code and message; -1. */
int
cmd_fail(struct cmd_err *err, const char *code, const char *fmt, ...)
{
	va_list	ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* A "storage" error that is the database refusing writes now is told apart. */
static const char *
cmd_storage_code(struct control_ctx *ctx, const char *code)
{
	if (strcmp(code, "storage") == 0 && store_unavailable(ctx->store))
		return CMD_STORAGE_UNAVAILABLE;
	return code;
}

/* The batch holding the change is decided: reply. */
static void
cmd_write_done(int ok, void *arg)
{
	struct cmd_write_op	*op = arg;

	if (!ok) {
		control_error(op->req, CMD_STORAGE_UNAVAILABLE, "the change could "
		    "not be committed: %s", store_errmsg(op->ctx->store));
		json_decref(op->result);
	} else {
		if (op->committed != NULL)
			op->committed(op->ctx, op->result);
		control_reply(op->req, op->result);
	}
	free(op);
}

/* Run write inside a savepoint of the batch; reply after the commit. */
void
control_write(struct cmd_req *req, struct control_ctx *ctx, json_t *args,
    cmd_write_fn write, cmd_commit_fn committed)
{
	struct cmd_write_op	*op;
	struct cmd_err		 err = { "storage", "" };
	json_t			*result = NULL;

	if (batch_join(ctx->batch) != 0 || store_savepoint(ctx->store) != 0) {
		control_error(req, CMD_STORAGE_UNAVAILABLE, "the database cannot "
		    "take changes now: %s", store_errmsg(ctx->store));
		return;
	}
	if (write(ctx, control_actor(req), args, &result, &err) != 0) {
		store_rollback_savepoint(ctx->store);
		if (err.msg[0] == '\0')
			snprintf(err.msg, sizeof(err.msg), "%s",
			    store_errmsg(ctx->store));
		control_error(req, cmd_storage_code(ctx, err.code), "%s",
		    err.msg);
		return;
	}
	if (store_release(ctx->store) != 0) {
		json_decref(result);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	op = xcalloc(1, sizeof(*op));
	op->req = req;
	op->ctx = ctx;
	op->result = result;
	op->committed = committed;
	batch_defer(ctx->batch, cmd_write_done, op);
}
