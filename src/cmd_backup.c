/*
 * cmd_backup.c - "backup" and "archive" (pcod-control(7)): copies of the
 * database made on backup.c's thread while pcod keeps receiving; the reply
 * comes once the copy is written and its audit row has committed.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "backup.h"
#include "cmd.h"
#include "conf.h"
#include "control.h"
#include "retention.h"
#include "xmalloc.h"

#define BACKUP_PATH_MAX	4000

/* What the copy holds, said in every backup reply. */
#define BACKUP_KEYS_WARNING "the copy holds the accounts' AES keys and the" \
	" operators' password hashes: keep it as secret as the database" \
	" itself (it is mode 0600)"

/* A request waiting for its copy. */
struct backup_wait {
	struct cmd_req		*req;
	struct control_ctx	*ctx;
	enum backup_kind	 kind;
};

/* In the batch: the audit row of a finished copy; the result goes back. */
static int
backup_audit(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	json_t		*kind = json_object_get(args, "kind");
	const char	*k = json_string_value(kind);
	json_t		*d = json_deep_copy(args);

	json_object_del(d, "kind");
	json_object_del(d, "info");
	json_object_del(d, "warning");
	if (store_audit_add(ctx->store, who, k, "database",
	    json_string_value(json_object_get(args, "path")), NULL, d) != 0) {
		json_decref(d);
		return cmd_fail(err, "storage", "%s", "cannot write the audit row");
	}
	json_decref(d);
	*result = json_deep_copy(args);
	json_object_del(*result, "kind");
	return 0;
}

/* The copy is over: audit and reply, or say why it failed. */
static void
backup_done(int rc, json_t *result, const char *why, void *arg)
{
	struct backup_wait	*w = arg;

	if (rc != 0) {
		control_error(w->req, "failed", "%s", why);
		free(w);
		return;
	}
	json_object_set_new(result, "kind", json_string(
	    w->kind == BACKUP_ARCHIVE ? "archive" : "backup"));
	if (w->kind == BACKUP_COPY) {
		json_object_set_new(result, "holds_keys", json_true());
		json_object_set_new(result, "warning",
		    json_string(BACKUP_KEYS_WARNING));
	}
	control_write(w->req, w->ctx, result, backup_audit, NULL);
	json_decref(result);
	free(w);
}

/* Start a copy of kind for req into args.path. */
static void
backup_begin(struct cmd_req *req, struct control_ctx *ctx, json_t *args,
    enum backup_kind kind, int64_t until_ms)
{
	struct backup_wait	*w;
	const char		*path = json_string_value(json_object_get(args,
	    "path"));
	char			 err[256];

	if (ctx->backup == NULL) {
		control_error(req, "unavailable", "backups are not available");
		return;
	}
	if (path[0] != '/') {
		control_error(req, "bad_args", "path: \"%s\" is not absolute "
		    "(pcod resolves nothing against its own directory)", path);
		return;
	}
	if (strcmp(path, ctx->cfg->database) == 0) {
		control_error(req, "bad_args", "path: that is the database");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->req = req;
	w->ctx = ctx;
	w->kind = kind;
	if (backup_start(ctx->backup, kind, ctx->cfg->database, path,
	    until_ms, backup_done, w, err, sizeof(err)) != 0) {
		control_error(req, "busy", "%s", err);
		free(w);
	}
}

/* backup {path} -> {path, pages, steps, ms, bytes, holds_keys, warning} */
static void
cmd_backup_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	backup_begin(req, ctx, args, BACKUP_COPY, 0);
}

/* archive {path, until} -> {path, rows {...}, info {...}, bytes} */
static void
cmd_archive_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	json_int_t	until = json_integer_value(json_object_get(args,
	    "until"));

	if (until <= 0) {
		control_error(req, "bad_args", "until: a time after 1970");
		return;
	}
	backup_begin(req, ctx, args, BACKUP_ARCHIVE, until);
}

static const struct cmd_entry backup_entry = {
	.name = "backup",
	.args = {
		{ "path", CMD_ARG_STRING, 1, 2, BACKUP_PATH_MAX },
		{ NULL }
	},
	.exec = cmd_backup_exec,
	.role = ROLE_ADMIN,
};

static const struct cmd_entry archive_entry = {
	.name = "archive",
	.args = {
		{ "path", CMD_ARG_STRING, 1, 2, BACKUP_PATH_MAX },
		{ "until", CMD_ARG_TIME, 1, 0, 0 },
		{ NULL }
	},
	.exec = cmd_archive_exec,
	.role = ROLE_ADMIN,
};

const struct cmd_entry *const cmd_backup_table[] = {
	&backup_entry,
	&archive_entry,
	NULL
};
