/* cmd_stats.c - stats.handling: alarm handling times in EN 50518 terms. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "control.h"
#include "patrol.h"
#include "stats_handling.h"
#include "store.h"

/*
 * The zone of a request: a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"),
 * or an IANA name from the system's zoneinfo; NULL with msg.
 */
static struct tz_rule *
stats_tz(const char *s, char *msg, size_t msgsz)
{
	struct tz_rule	*tz;
	char		 err2[160];

	if ((tz = tz_parse(s, msg, msgsz)) != NULL)
		return tz;
	if (strchr(s, '/') != NULL || strcmp(s, "UTC") == 0) {
		if ((tz = tz_load(NULL, s, err2, sizeof err2)) != NULL)
			return tz;
		snprintf(msg, msgsz, "%s", err2);
	}
	return NULL;
}

/* Build the filter from validated args; -1 with the reply sent. */
static int
stats_filter_args(struct cmd_req *req, json_t *args, struct stats_filter *f)
{
	json_t	*v;
	char	 msg[160];
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
	if ((v = json_object_get(args, "tz")) != NULL &&
	    (f->tz = stats_tz(json_string_value(v), msg, sizeof msg)) == NULL) {
		control_error(req, "bad_args", "argument 'tz': %s", msg);
		return -1;
	}
	if (f->since_ms != 0 && f->until_ms != 0 && f->until_ms <= f->since_ms) {
		tz_free((struct tz_rule *)f->tz);
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
	json_t			*r, *v;

	if (stats_filter_args(req, args, &f) != 0)
		return;
	r = store_stats_handling(ctx->store, &f);
	tz_free((struct tz_rule *)f.tz);
	if (r == NULL) {
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	v = json_object_get(args, "tz");
	json_object_set_new(r, "tz", v != NULL ? json_incref(v) :
	    json_string("UTC"));
	control_reply(req, r);
}

static const struct cmd_entry cmd_stats_handling_entry = {
	.name = "stats.handling",
	.args = {
		{ "since", CMD_ARG_TIME, 0, 0, 0 },
		{ "until", CMD_ARG_TIME, 0, 0, 0 },
		{ "by", CMD_ARG_STRING, 0, 1, 16 },
		{ "priority", CMD_ARG_INT, 0, 1, 99 },
		{ "tz", CMD_ARG_STRING, 0, 1, 128 },
		{ NULL }
	},
	.exec = cmd_stats_handling_exec,
	.role = ROLE_SUPERVISOR,
};

const struct cmd_entry *const cmd_stats_table[] = {
	&cmd_stats_handling_entry,
	NULL
};
