/* cmd_supervise.c - supervision.list, supervision.show, supervision.presets. */
#include "config.h"

#include <jansson.h>

#include "cmd.h"
#include "control.h"
#include "supervise.h"

/* supervision.list {silent_only?} -> [{account, site_id, interval, ...}] */
static void
cmd_supervision_list_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	int	silent_only = json_is_true(json_object_get(args, "silent_only"));

	if (ctx->supervisor == NULL) {
		control_reply(req, json_array());
		return;
	}
	control_reply(req, supervise_list(ctx->supervisor, silent_only));
}

/* supervision.show {account} -> {account, interval, preset, ...} */
static void
cmd_supervision_show_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	const char	*account = json_string_value(json_object_get(args,
			    "account"));
	json_t		*st;

	st = ctx->supervisor != NULL ?
	    supervise_status(ctx->supervisor, account) : json_null();
	if (!json_is_object(st)) {
		json_decref(st);
		control_error(req, "not_found", "account %s: no supervision "
		    "state (unknown account, or never seen and not supervised)",
		    account);
		return;
	}
	json_object_set_new(st, "account", json_string(account));
	control_reply(req, st);
}

/* supervision.presets {} -> [{name, seconds, configured}] */
static void
cmd_supervision_presets_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	control_reply(req, supervise_presets(ctx->cfg));
}

static const struct cmd_entry cmd_supervision_list_entry = {
	.name = "supervision.list",
	.args = {
		{ "silent_only", CMD_ARG_BOOL, 0, 0, 0 },
		{ NULL }
	},
	.exec = cmd_supervision_list_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_supervision_show_entry = {
	.name = "supervision.show",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 1, 0, 0 },
		{ NULL }
	},
	.exec = cmd_supervision_show_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry cmd_supervision_presets_entry = {
	.name = "supervision.presets",
	.args = {
		{ NULL }
	},
	.exec = cmd_supervision_presets_exec,
	.role = ROLE_OPERATOR,
};

const struct cmd_entry *const cmd_supervise_table[] = {
	&cmd_supervision_list_entry,
	&cmd_supervision_show_entry,
	&cmd_supervision_presets_entry,
	NULL
};
