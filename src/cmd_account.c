/* cmd_account.c - account.add, .update, .list, .show, .remove: panel accounts and their sites. */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acct.h"
#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "control.h"
#include "dc09.h"
#include "log.h"
#include "site.h"
#include "store.h"
#include "supervise.h"

#define ACCOUNT_SUPERVISION_MAX	SUPERVISE_MAX_S	/* longest interval (SP1) */

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

/* Add the masked key under name and its size under name_bits (null for none). */
static void
account_key_json(json_t *o, const char *name, const char *key)
{
	struct dc09_key	k;
	char		err[128], buf[64], bits[32];

	snprintf(bits, sizeof bits, "%s_bits", name);
	if (key[0] == '\0') {
		json_object_set_new(o, name, json_null());
		json_object_set_new(o, bits, json_null());
		return;
	}
	if (strncmp(key, "text:", 5) == 0)
		account_mask("text:", key + 5, buf, sizeof buf);
	else
		account_mask("", key, buf, sizeof buf);
	json_object_set_new(o, name, json_string(buf));
	json_object_set_new(o, bits, dc09_key_parse(key, &k, err,
	    sizeof err) == 0 ? json_integer((json_int_t)k.len * 8) : json_null());
}

/* A time as ISO-8601 UTC, null for 0. */
static json_t *
account_time(int64_t ms)
{
	char	buf[40];

	if (ms == 0)
		return json_null();
	control_time_format(ms, 0, buf, sizeof buf);
	return json_string(buf);
}

/* Add the site {id, name} (committed), supervision and its live state to o. */
static void
account_site_json(struct control_ctx *ctx, json_t *o,
    const struct store_account *a)
{
	json_t	*site = NULL, *state = NULL;

	if (a->site_id != 0 && (site = store_site_ref(ctx->store,
	    a->site_id)) == NULL)
		log_warnx("control: site of account %s: %s", a->account,
		    store_errmsg(ctx->store));
	if (ctx->supervisor != NULL)
		state = supervise_status(ctx->supervisor, a->account);
	json_object_set_new(o, "site", site != NULL ? site : json_null());
	json_object_set_new(o, "supervision", json_integer(a->supervision_s));
	json_object_set_new(o, "last_seen", account_time(a->last_seen_ms));
	json_object_set_new(o, "supervision_state",
	    state != NULL ? state : json_null());
}

/* One account as shown to a console: the key masked, never in full. */
static json_t *
account_json(struct control_ctx *ctx, const struct store_account *a)
{
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "account", json_string(a->account));
	json_object_set_new(o, "name",
	    a->name[0] != '\0' ? control_json_string(a->name) : json_null());
	account_key_json(o, "key", a->key);
	account_key_json(o, "next_key", a->next_key);
	json_object_set_new(o, "plaintext", json_boolean(a->plaintext));
	json_object_set_new(o, "plain_clock", json_boolean(a->plain_clock));
	json_object_set_new(o, "created", account_time(a->created_ms));
	account_site_json(ctx, o, a);
	return o;
}

/* A supervision interval as a string (preset, duration) or integer seconds. */
int
cmd_account_interval(const struct config *cfg, const json_t *v, int *seconds,
    char *err, size_t errsz)
{
	json_int_t	n;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 0 || n > ACCOUNT_SUPERVISION_MAX) {
			snprintf(err, errsz, "must be from 0 to %d seconds",
			    ACCOUNT_SUPERVISION_MAX);
			return -1;
		}
		*seconds = (int)n;
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errsz, "must be a preset name (SP4), a duration "
		    "(90s, 30m, 25h) or seconds");
		return -1;
	}
	if (supervise_parse_interval(cfg, json_string_value(v), seconds, err,
	    errsz) != 0)
		return -1;
	if (*seconds < 0 || *seconds > ACCOUNT_SUPERVISION_MAX) {
		snprintf(err, errsz, "must be at most %d seconds",
		    ACCOUNT_SUPERVISION_MAX);
		return -1;
	}
	return 0;
}

/* Put a stored account into the receiver's table (start-up and changes). */
void
cmd_account_mirror(struct acct_table *t, const struct store_account *a)
{
	struct acct_def	def = { a->account, a->key, a->next_key, a->plaintext,
			    a->plain_clock, a->site_id };
	char		err[160];

	if (acct_table_put(t, &def, err, sizeof err) != 0)
		log_warnx("account %s: %s: frames that need it get DUH",
		    a->account, err);
}

/* Mirror a committed account into the receiver's table and the supervisor. */
void
cmd_account_sync(struct control_ctx *ctx, const char *account)
{
	struct store_account	a;
	int			rc = store_account_get(ctx->store, account, &a);

	if (rc < 0) {
		log_warnx("control: account %s: %s", account,
		    store_errmsg(ctx->store));
		return;
	}
	if (rc == 1) {
		if (ctx->accts != NULL)
			acct_table_remove(ctx->accts, account);
		if (ctx->supervisor != NULL)
			supervise_forget(ctx->supervisor, account);
		return;
	}
	if (ctx->accts != NULL)
		cmd_account_mirror(ctx->accts, &a);
	if (ctx->supervisor != NULL)
		supervise_account(ctx->supervisor, a.account, a.site_id,
		    a.supervision_s);
}

/* The audit row of a change to account; details stolen. */
static int
account_audit(struct control_ctx *ctx, const struct actor *who,
    const char *action, const char *account, json_t *details)
{
	int	rc;

	rc = store_audit_add(ctx->store, who, action, "account", account, NULL,
	    details);
	json_decref(details);
	return rc;
}

/* Copy key argument name into buf (absent: unchanged, "": none); bad_args if unusable. */
static int
account_arg_key(json_t *args, const char *name, char *buf, size_t bufsz,
    struct cmd_err *err)
{
	const char	*key = json_string_value(json_object_get(args, name));
	struct dc09_key	 k;
	char		 msg[128];

	if (key == NULL)
		return 0;
	if (key[0] != '\0' && dc09_key_parse(key, &k, msg, sizeof msg) != 0)
		return cmd_fail(err, "bad_args", "argument '%s': %s", name, msg);
	snprintf(buf, bufsz, "%s", key);
	return 0;
}

/* Set the keys and the plaintext policy of a from args (absent: unchanged). */
static int
account_args_key(json_t *args, struct store_account *a, struct cmd_err *err)
{
	json_t	*v;

	if (account_arg_key(args, "key", a->key, sizeof a->key, err) != 0 ||
	    account_arg_key(args, "next_key", a->next_key, sizeof a->next_key,
	    err) != 0)
		return -1;
	if ((v = json_object_get(args, "plaintext")) != NULL)
		a->plaintext = json_is_true(v);
	if ((v = json_object_get(args, "plain_clock")) != NULL)
		a->plain_clock = json_is_true(v);
	if (a->next_key[0] != '\0' && a->key[0] == '\0')
		return cmd_fail(err, "bad_args", "a next key needs a current "
		    "key: set 'key' (a first key needs no roll-over)");
	return 0;
}

/* Set name, site (0: none) and supervision of a from the args given. */
static int
account_args_rest(struct control_ctx *ctx, json_t *args,
    struct store_account *a, struct cmd_err *err)
{
	json_t	*name = json_object_get(args, "name");
	json_t	*site = json_object_get(args, "site");
	json_t	*sup = json_object_get(args, "supervision");
	char	 msg[160];
	int	 rc;

	if (name != NULL)
		snprintf(a->name, sizeof a->name, "%s", json_string_value(name));
	if (sup != NULL && cmd_account_interval(ctx->cfg, sup,
	    &a->supervision_s, msg, sizeof msg) != 0)
		return cmd_fail(err, "bad_args", "argument 'supervision': %s",
		    msg);
	if (site == NULL)
		return 0;
	a->site_id = json_integer_value(site);
	if (a->site_id == 0)
		return 0;
	if ((rc = store_site_exists(ctx->store, a->site_id)) < 0)
		return -1;
	return rc == 1 ? 0 : cmd_fail(err, "not_found", "no site %" PRId64,
	    a->site_id);
}

/* {field: {from, to}} of what an update changed; the key only as "changed". */
static json_t *
account_diff(const struct store_account *o, const struct store_account *n)
{
	json_t	*d = json_object();

	if (strcmp(o->key, n->key) != 0)
		json_object_set_new(d, "key", json_string(n->key[0] == '\0' ?
		    "removed" : "changed"));
	if (strcmp(o->next_key, n->next_key) != 0)
		json_object_set_new(d, "next_key", json_string(
		    n->next_key[0] == '\0' ? "removed" : "changed"));
	if (o->plaintext != n->plaintext)
		json_object_set_new(d, "plaintext", json_boolean(n->plaintext));
	if (o->plain_clock != n->plain_clock)
		json_object_set_new(d, "plain_clock",
		    json_boolean(n->plain_clock));
	if (strcmp(o->name, n->name) != 0)
		json_object_set_new(d, "name", json_pack("{s:s,s:s}", "from",
		    o->name, "to", n->name));
	if (o->site_id != n->site_id)
		json_object_set_new(d, "site", json_pack("{s:I,s:I}", "from",
		    (json_int_t)o->site_id, "to", (json_int_t)n->site_id));
	if (o->supervision_s != n->supervision_s)
		json_object_set_new(d, "supervision", json_pack("{s:i,s:i}",
		    "from", o->supervision_s, "to", n->supervision_s));
	return d;
}

/* account.add: a new account, maybe on a site and supervised. */
static int
account_add_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	struct store_account	a;
	int			rc;

	memset(&a, 0, sizeof a);
	snprintf(a.account, sizeof a.account, "%s",
	    json_string_value(json_object_get(args, "account")));
	a.created_ms = clock_now_ms();
	if (account_args_key(args, &a, err) != 0 ||
	    account_args_rest(ctx, args, &a, err) != 0)
		return -1;
	if ((rc = store_account_add(ctx->store, &a)) < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(err, "exists", "account %s exists", a.account);
	if (account_audit(ctx, who, "account.add", a.account, json_pack(
	    "{s:s,s:b,s:b,s:b,s:b,s:I,s:i}", "name", a.name, "key",
	    a.key[0] != '\0', "next_key", a.next_key[0] != '\0', "plaintext",
	    a.plaintext, "plain_clock", a.plain_clock, "site",
	    (json_int_t)a.site_id, "supervision", a.supervision_s)) != 0)
		return -1;
	*result = json_pack("{s:s}", "account", a.account);
	return 0;
}

/* account.update: change key, name, site or supervision of an account. */
static int
account_update_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	struct store_account	 old, a;
	const char		*acct;
	int			 rc;

	acct = json_string_value(json_object_get(args, "account"));
	if ((rc = store_site_account_get(ctx->store, acct, &old)) < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(err, "not_found", "no account %s", acct);
	a = old;
	if (account_args_key(args, &a, err) != 0 ||
	    account_args_rest(ctx, args, &a, err) != 0 ||
	    store_account_update(ctx->store, &a) != 0 ||
	    account_audit(ctx, who, "account.update", a.account,
	    account_diff(&old, &a)) != 0)
		return -1;
	*result = json_pack("{s:s}", "account", a.account);
	return 0;
}

/* account.remove: delete an account (its events stay). */
static int
account_remove_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	struct store_account	 a;
	const char		*acct;
	int			 rc;

	acct = json_string_value(json_object_get(args, "account"));
	if ((rc = store_site_account_get(ctx->store, acct, &a)) < 0)
		return -1;
	if (rc == 1)
		return cmd_fail(err, "not_found", "no account %s", acct);
	if (store_account_remove(ctx->store, acct) != 0 ||
	    account_audit(ctx, who, "account.remove", acct, json_pack(
	    "{s:s,s:I,s:i}", "name", a.name, "site", (json_int_t)a.site_id,
	    "supervision", a.supervision_s)) != 0)
		return -1;
	*result = json_pack("{s:s,s:b}", "account", acct, "removed", 1);
	return 0;
}

/* After an add or update: mirror it, then answer with the committed account. */
static void
account_changed(struct control_ctx *ctx, json_t *result)
{
	struct store_account	 a;
	char			 acct[sizeof a.account];
	json_t			*o;

	/* The update below replaces the member, so keep a copy of the name. */
	snprintf(acct, sizeof acct, "%s",
	    json_string_value(json_object_get(result, "account")));
	cmd_account_sync(ctx, acct);
	if (store_account_get(ctx->store, acct, &a) == 0) {
		o = account_json(ctx, &a);
		json_object_update(result, o);
		json_decref(o);
	}
	log_info("control: account %s changed", acct);
}

/* After a remove: forget it in the receiver and the supervisor. */
static void
account_removed(struct control_ctx *ctx, json_t *result)
{
	const char	*acct;

	acct = json_string_value(json_object_get(result, "account"));
	cmd_account_sync(ctx, acct);
	log_info("control: account %s removed", acct);
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
		control_reply(req, account_json(ctx, &a));
		break;
	case 1:
		control_error(req, "not_found", "no account %s", acct);
		break;
	default:
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		break;
	}
}

/* The list being built and the context its rows need. */
struct account_list {
	struct control_ctx	*ctx;
	json_t			*list;
};

/* Append one account to the list being built. */
static int
account_list_one(const struct store_account *a, void *arg)
{
	struct account_list	*l = arg;

	return json_array_append_new(l->list, account_json(l->ctx, a));
}

/* account.list {} */
static void
cmd_account_list_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct account_list	l = { ctx, json_array() };

	(void)args;
	if (store_account_foreach(ctx->store, account_list_one, &l) != 0) {
		json_decref(l.list);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	control_reply(req, l.list);
}

#define ACCOUNT_SITE_ARGS \
	{ "site", CMD_ARG_INT, 0, 0, INT64_MAX }, \
	{ "supervision", CMD_ARG_STRING, 0, 1, 32 }, \
	{ "next_key", CMD_ARG_STRING, 0, 0, 79 }, \
	{ "plaintext", CMD_ARG_BOOL, 0, 0, 0 }, \
	{ "plain_clock", CMD_ARG_BOOL, 0, 0, 0 }

const struct cmd_entry cmd_account_add_entry = {
	.name = "account.add",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 1, 0, 0 },
		{ "key", CMD_ARG_STRING, 0, 1, 79 },
		{ "name", CMD_ARG_STRING, 0, 0, 127 },
		ACCOUNT_SITE_ARGS,
		{ NULL }
	},
	.write = account_add_write,
	.committed = account_changed,
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
	.write = account_remove_write,
	.committed = account_removed,
	.role = ROLE_ADMIN,
};

static const struct cmd_entry account_update_entry = {
	.name = "account.update",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 1, 0, 0 },
		{ "key", CMD_ARG_STRING, 0, 0, 79 },
		{ "name", CMD_ARG_STRING, 0, 0, 127 },
		ACCOUNT_SITE_ARGS,
		{ NULL }
	},
	.write = account_update_write,
	.committed = account_changed,
	.role = ROLE_ADMIN,
};

/* account.update and other account commands beyond the core ones. */
const struct cmd_entry *const cmd_account_table[] = {
	&account_update_entry,
	NULL
};
