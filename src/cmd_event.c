/* cmd_event.c - event.list: stored events, newest first, with filters. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "codes.h"
#include "control.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define EVENT_LIST_DEFAULT	100

/* An optional small integer: -1 means none. */
static json_t *
event_opt_int(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

/* A time as ISO-8601 UTC, or null for 0. */
static json_t *
event_time(int64_t ms, int with_ms)
{
	char	buf[40];

	if (ms == 0)
		return json_null();
	control_time_format(ms, with_ms, buf, sizeof buf);
	return json_string(buf);
}

/* The stored extended data (JSON text), null when none or unreadable. */
static json_t *
event_ext(const char *text)
{
	json_t	*v;

	if (text == NULL || (v = json_loads(text, 0, NULL)) == NULL)
		return json_null();
	return v;
}

/* Append one event row to the array being built. */
static int
event_list_one(const struct store_event_row *r, void *arg)
{
	json_t	*o = json_object();

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "account", control_json_string(r->account));
	json_object_set_new(o, "received", event_time(r->received_ms, 1));
	json_object_set_new(o, "panel_time", event_time(r->panel_time * 1000, 0));
	json_object_set_new(o, "format", control_json_string(r->format));
	json_object_set_new(o, "code", control_json_string(r->code));
	json_object_set_new(o, "qualifier", control_json_string(r->qual));
	json_object_set_new(o, "class", control_json_string(r->cls));
	json_object_set_new(o, "text", control_json_string(r->text));
	json_object_set_new(o, "zone", event_opt_int(r->zone));
	json_object_set_new(o, "user", event_opt_int(r->user));
	json_object_set_new(o, "partition", event_opt_int(r->partition));
	json_object_set_new(o, "unknown_account",
	    json_boolean(r->unknown_account));
	json_object_set_new(o, "transport", control_json_string(r->transport));
	json_object_set_new(o, "peer", control_json_string(r->peer));
	json_object_set_new(o, "seq", json_integer(r->seq));
	json_object_set_new(o, "raw", control_json_string(r->raw));
	json_object_set_new(o, "event_time", event_time(r->event_time * 1000, 0));
	json_object_set_new(o, "peripheral", event_opt_int(r->peripheral));
	json_object_set_new(o, "name", control_json_string(r->name));
	json_object_set_new(o, "note", control_json_string(r->note));
	json_object_set_new(o, "ext", event_ext(r->ext));
	return json_array_append_new(arg, o);
}

/* Build the store filter from validated args; -1 with the reply sent. */
static int
event_filter(struct cmd_req *req, json_t *args, struct store_event_filter *f)
{
	json_t	*v;

	memset(f, 0, sizeof *f);
	f->account = json_string_value(json_object_get(args, "account"));
	f->cls = -1;
	if ((v = json_object_get(args, "class")) != NULL &&
	    (f->cls = codes_class_parse(json_string_value(v))) < 0) {
		control_error(req, "bad_args", "argument 'class': unknown class "
		    "'%.32s'", json_string_value(v));
		return -1;
	}
	if ((v = json_object_get(args, "since")) != NULL)
		f->since_ms = json_integer_value(v);
	if ((v = json_object_get(args, "until")) != NULL)
		f->until_ms = json_integer_value(v);
	v = json_object_get(args, "limit");
	f->limit = v != NULL ? (int)json_integer_value(v) : EVENT_LIST_DEFAULT;
	return 0;
}

/* event.list {account?, class?, since?, until?, limit?} */
static void
cmd_event_list_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	struct store_event_filter	 f;
	json_t				*list;

	if (event_filter(req, args, &f) != 0)
		return;
	list = json_array();
	if (store_event_list(ctx->store, &f, event_list_one, list) != 0) {
		json_decref(list);
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
		return;
	}
	control_reply(req, list);
}

const struct cmd_entry cmd_event_list_entry = {
	.name = "event.list",
	.args = {
		{ "account", CMD_ARG_ACCOUNT, 0, 0, 0 },
		{ "class", CMD_ARG_STRING, 0, 1, 32 },
		{ "since", CMD_ARG_TIME, 0, 0, 0 },
		{ "until", CMD_ARG_TIME, 0, 0, 0 },
		{ "limit", CMD_ARG_INT, 0, 1, 10000 },
		{ NULL }
	},
	.exec = cmd_event_list_exec,
	.role = ROLE_OPERATOR,
};
