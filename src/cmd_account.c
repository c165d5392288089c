/* cmd_account.c - account.add, account.list, account.show, account.remove. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acct.h"
#include "batch.h"
#include "cmd.h"
#include "control.h"
#include "dc09.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* A write waiting for its batch to commit. */
struct account_op {
	struct cmd_req		*req;		/* answered by the callback */
	struct control_ctx	*ctx;		/* not owned */
	struct store_account	 a;
	int			 rc;		/* store result: 0 done, 1 exists / not found */
};

/* Write "abcd…yz" (first 4, last 2) of secret s into buf. */
static void
account_mask(const char *prefix, const char *s, char *buf, size_t bufsz)
{
	size_t	len = strlen(s);

	if (len < 8)
		snprintf(buf, bufsz, "%s\xe2\x80\xa6", prefix);
	else
		snprintf(buf, bufsz, "%s%.4s\xe2\x80\xa6%s", prefix, s, s + len - 2);
}

/* Add the masked key and its size to o (null for none). */
static void
account_key_json(json_t *o, const char *key)
{
	struct dc09_key	k;
	char		err[128], buf[64];

	if (key[0] == '\0') {
		json_object_set_new(o, "key", json_null());
		json_object_set_new(o, "key_bits", json_null());
		return;
	}
	if (strncmp(key, "text:", 5) == 0)
		account_mask("text:", key + 5, buf, sizeof buf);
	else
		account_mask("", key, buf, sizeof buf);
	json_object_set_new(o, "key", json_string(buf));
	json_object_set_new(o, "key_bits", dc09_key_parse(key, &k, err,
	    sizeof err) == 0 ? json_integer((json_int_t)k.len * 8) : json_null());
}

/* One account as shown to a console: the key masked, never in full. */
static json_t *
account_json(const struct store_account *a)
{
	json_t	*o;
	char	 created[40];

	control_time_format(a->created_ms, 0, created, sizeof created);
	o = json_object();
	json_object_set_new(o, "account", json_string(a->account));
	json_object_set_new(o, "name",
	    a->name[0] != '\0' ? control_json_string(a->name) : json_null());
	account_key_json(o, a->key);
	json_object_set_new(o, "created", json_string(created));
	return o;
}

/* Wall-clock UTC now in milliseconds. */
static int64_t
account_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fill a store record from validated args; -1 with the reply sent on a bad key. */
static int
account_from_args(struct cmd_req *req, json_t *args, struct store_account *a)
{
	struct dc09_key	 k;
	const char	*key, *name;
	char		 err[128];

	memset(a, 0, sizeof *a);
	snprintf(a->account, sizeof a->account, "%s",
	    json_string_value(json_object_get(args, "account")));
	key = json_string_value(json_object_get(args, "key"));
	name = json_string_value(json_object_get(args, "name"));
	if (key != NULL && dc09_key_parse(key, &k, err, sizeof err) != 0) {
		control_error(req, "bad_args", "argument 'key': %s", err);
		return -1;
	}
	snprintf(a->key, sizeof a->key, "%s", key != NULL ? key : "");
	snprintf(a->name, sizeof a->name, "%s", name != NULL ? name : "");
	a->created_ms = account_now_ms();
	return 0;
}

/* The batch holding an account.add committed (or failed). */
static void
account_add_done(int ok, void *arg)
{
	struct account_op	*op = arg;
	char			 err[128];

	if (!ok)
		control_error(op->req, "storage", "commit failed; account %s "
		    "not added", op->a.account);
	else if (op->rc == 1)
		control_error(op->req, "exists", "account %s exists",
		    op->a.account);
	else {
		if (op->ctx->accts != NULL && acct_table_put(op->ctx->accts,
		    op->a.account, op->a.key, err, sizeof err) != 0)
			log_warnx("control: account %s: %s", op->a.account, err);
		log_info("control: account %s added", op->a.account);
		control_reply(op->req, account_json(&op->a));
	}
	free(op);
}

/* The batch holding an account.remove committed (or failed). */
static void
account_remove_done(int ok, void *arg)
{
	struct account_op	*op = arg;

	if (!ok)
		control_error(op->req, "storage", "commit failed; account %s "
		    "not removed", op->a.account);
	else if (op->rc == 1)
		control_error(op->req, "not_found", "no account %s",
		    op->a.account);
	else {
		if (op->ctx->accts != NULL)
			acct_table_remove(op->ctx->accts, op->a.account);
		log_info("control: account %s removed", op->a.account);
		control_reply(op->req, json_pack("{s:s,s:b}", "account",
		    op->a.account, "removed", 1));
	}
	free(op);
}

/* Write an account change into the open batch and answer after its commit. */
static void
account_write(struct account_op *op, int remove, batch_cb done)
{
	struct control_ctx	*ctx = op->ctx;
	int			 rc;

	if (batch_join(ctx->batch) != 0) {
		control_error(op->req, "storage", "cannot open a transaction: %s",
		    store_errmsg(ctx->store));
		free(op);
		return;
	}
	rc = remove ? store_account_remove(ctx->store, op->a.account) :
	    store_account_add(ctx->store, &op->a);
	if (rc < 0) {
		control_error(op->req, "storage", "%s", store_errmsg(ctx->store));
		free(op);
		return;
	}
	op->rc = rc;
	batch_defer(ctx->batch, done, op);
}

/* account.add {account, key?, name?} */
static void
cmd_account_add_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct account_op	*op;

	op = xcalloc(1, sizeof *op);
	op->req = req;
	op->ctx = ctx;
	if (account_from_args(req, args, &op->a) != 0) {
		free(op);
		return;
	}
	account_write(op, 0, account_add_done);
}

/* account.remove {account} */
static void
cmd_account_remove_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct account_op	*op;

	op = xcalloc(1, sizeof *op);
	op->req = req;
	op->ctx = ctx;
	snprintf(op->a.account, sizeof op->a.account, "%s",
	    json_string_value(json_object_get(args, "account")));
	account_write(op, 1, account_remove_done);
}

/* account.show {account} */
static void
cmd_account_show_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct store_account	 a;
	const char		*acct;

	acct = json_string_value(json_object_get(args, "account"));
	switch (store_account_get(ctx->store, acct, &a)) {
	case 0:
		control_reply(req, account_json(&a));
		break;
	case 1:
		control_error(req, "not_found", "no account %s", acct);
		break;
	default:
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		break;
	}
}

/* Append one account to the list being built. */
static int
account_list_one(const struct store_account *a, void *arg)
{
	return json_array_append_new(arg, account_json(a));
}

/* account.list {} */
static void
cmd_account_list_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	json_t	*list = json_array();

	if (store_account_foreach(ctx->store, account_list_one, list) != 0) {
		json_decref(list);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	control_reply(req, list);
}

const struct cmd_entry cmd_account_add_entry = {
	.name = "account.add",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 1, 0, 0 },
		{ "key", CMD_ARG_STRING, 0, 1, 79 },
		{ "name", CMD_ARG_STRING, 0, 0, 127 },
		{ NULL }
	},
	.exec = cmd_account_add_exec,
	.role = ROLE_ADMIN,
};

const struct cmd_entry cmd_account_list_entry = {
	.name = "account.list",
	.args = { { NULL } },
	.exec = cmd_account_list_exec,
	.role = ROLE_SUPERVISOR,
};

const struct cmd_entry cmd_account_show_entry = {
	.name = "account.show",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 1, 0, 0 },
		{ NULL }
	},
	.exec = cmd_account_show_exec,
	.role = ROLE_SUPERVISOR,
};

const struct cmd_entry cmd_account_remove_entry = {
	.name = "account.remove",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 1, 0, 0 },
		{ NULL }
	},
	.exec = cmd_account_remove_exec,
	.role = ROLE_ADMIN,
};

/* account.update and other account commands beyond the core ones. */
const struct cmd_entry *const cmd_account_table[] = { NULL };
