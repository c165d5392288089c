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
#include "batch.h"
#include "backup.h"
#include "cmd.h"
#include "conf.h"
#include "control.h"
#include "retention.h"
#include "store.h"
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
	char			*path;		/* owned */
	int64_t			 until_ms;
};

static const char *const kind_names[] = { "backup", "archive" };

/* Free a wait; NULL is harmless. */
static void
backup_wait_free(struct backup_wait *w)
{
	if (w == NULL)
		return;
	free(w->path);
	free(w);
}

/* The copy is over: reply with what it wrote, or say why it failed. */
static void
backup_done(int rc, json_t *result, const char *why, void *arg)
{
	struct backup_wait	*w = arg;

	if (rc != 0) {
		control_error(w->req, "failed", "%s", why);
		backup_wait_free(w);
		return;
	}
	if (w->kind == BACKUP_COPY) {
		json_object_set_new(result, "holds_keys", json_true());
		json_object_set_new(result, "warning",
		    json_string(BACKUP_KEYS_WARNING));
	}
	control_reply(w->req, result);
	backup_wait_free(w);
}

/* The audit row of the request is durable: start the copy. */
static void
backup_audited(int ok, void *arg)
{
	struct backup_wait	*w = arg;
	char			 err[256];

	if (!ok) {
		control_error(w->req, CMD_STORAGE_UNAVAILABLE, "cannot write "
		    "the audit row of the %s", kind_names[w->kind]);
		backup_wait_free(w);
		return;
	}
	if (w->ctx->backup == NULL || backup_start(w->ctx->backup, w->kind,
	    w->ctx->cfg->database, w->path, w->until_ms, backup_done, w, err,
	    sizeof(err)) != 0) {
		control_error(w->req, "busy", "%s", w->ctx->backup == NULL ?
		    "pcod is stopping" : err);
		backup_wait_free(w);
	}
}

/*
 * Record who asked for the copy, in the batch; before the copy, so that an
 * archive holds the audit rows up to the one before (the newest row is
 * never purged).  0 or -1.
 */
static int
backup_audit(struct control_ctx *ctx, const struct backup_wait *w)
{
	json_t	*d = NULL;
	int	 rc;

	if (batch_join(ctx->batch) != 0 || store_savepoint(ctx->store) != 0)
		return -1;
	if (w->kind == BACKUP_ARCHIVE)
		d = json_pack("{s:I}", "until_ms", (json_int_t)w->until_ms);
	rc = store_audit_add(ctx->store, control_actor(w->req),
	    kind_names[w->kind], "database", w->path, NULL, d);
	json_decref(d);
	if (rc != 0 || store_release(ctx->store) != 0) {
		store_rollback_savepoint(ctx->store);
		return -1;
	}
	return 0;
}

/* Start a copy of kind for req into args.path, once its audit row is durable. */
static void
backup_begin(struct cmd_req *req, struct control_ctx *ctx, json_t *args,
    enum backup_kind kind, int64_t until_ms)
{
	struct backup_wait	*w;
	const char		*path = json_string_value(json_object_get(args,
	    "path"));

	if (ctx->backup == NULL) {
		control_error(req, "unavailable", "backups are not available");
		return;
	}
	if (!store_embedded(ctx->store)) {
		control_error(req, "unavailable", "%s copies a SQLite database; "
		    "PostgreSQL's are made by the server's own tools "
		    "(pg_basebackup, pg_dump; see pcod(8))", kind_names[kind]);
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
	if (backup_running(ctx->backup)) {
		control_error(req, "busy", "a backup or archive is still running");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->req = req;
	w->ctx = ctx;
	w->kind = kind;
	w->path = xstrdup(path);
	w->until_ms = until_ms;
	if (backup_audit(ctx, w) != 0) {
		control_error(req, CMD_STORAGE_UNAVAILABLE, "cannot write the "
		    "audit row: %s", store_errmsg(ctx->store));
		backup_wait_free(w);
		return;
	}
	batch_defer(ctx->batch, backup_audited, w);
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
