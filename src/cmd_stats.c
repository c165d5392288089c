/* cmd_stats.c - stats.handling: alarm handling times in EN 50518 terms. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "control.h"
#include "stats_handling.h"
#include "store.h"

/* Build the filter from validated args; -1 with the reply sent. */
static int
stats_filter_args(struct cmd_req *req, json_t *args, struct stats_filter *f)
{
	json_t	*v;
	int	 by;

	memset(f, 0, sizeof(*f));
	if ((v = json_object_get(args, "since")) != NULL)
		f->since_ms = json_integer_value(v);
	if ((v = json_object_get(args, "until")) != NULL)
		f->until_ms = json_integer_value(v);
	if ((v = json_object_get(args, "priority")) != NULL)
		f->priority = (int)json_integer_value(v);
	if ((v = json_object_get(args, "by")) != NULL) {
		if ((by = store_stats_by_parse(json_string_value(v))) < 0) {
			control_error(req, "bad_args", "argument 'by': "
			    "priority, operator, day or hour, not '%.32s'",
			    json_string_value(v));
			return -1;
		}
		f->by = (enum stats_by)by;
	}
	if (f->since_ms != 0 && f->until_ms != 0 && f->until_ms <= f->since_ms) {
		control_error(req, "bad_args", "'until' must be after 'since'");
		return -1;
	}
	return 0;
}

/* stats.handling {since?, until?, by?, priority?} */
static void
cmd_stats_handling_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	struct stats_filter	 f;
	json_t			*r;

	if (stats_filter_args(req, args, &f) != 0)
		return;
	if ((r = store_stats_handling(ctx->store, &f)) == NULL) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	control_reply(req, r);
}

static const struct cmd_entry cmd_stats_handling_entry = {
	.name = "stats.handling",
	.args = {
		{ "since", CMD_ARG_TIME, 0, 0, 0 },
		{ "until", CMD_ARG_TIME, 0, 0, 0 },
		{ "by", CMD_ARG_STRING, 0, 1, 16 },
		{ "priority", CMD_ARG_INT, 0, 1, 99 },
		{ NULL }
	},
	.exec = cmd_stats_handling_exec,
	.role = ROLE_SUPERVISOR,
};

const struct cmd_entry *const cmd_stats_table[] = {
	&cmd_stats_handling_entry,
	NULL
};
