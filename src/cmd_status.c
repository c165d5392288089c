/* cmd_status.c - "status": version, uptime and the process counters. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "acct.h"
#include "backup.h"
#include "cmd.h"
#include "evkeys.h"
#include "lease.h"
#include "control.h"
#include "log.h"
#include "retention.h"
#include "stats.h"
#include "store.h"
#include "store_alarm.h"
#include "supervise.h"
#include "syncer.h"
#include "trouble.h"

/* The rejected-frame counters by reason. */
static json_t *
status_rejected(const struct pcod_stats *st)
{
	json_t	*o;

	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "crc", (json_int_t)st->rej_crc,
	    "length", (json_int_t)st->rej_length,
	    "format", (json_int_t)st->rej_format,
	    "token", (json_int_t)st->rej_token,
	    "decrypt", (json_int_t)st->rej_decrypt,
	    "data", (json_int_t)st->rej_data,
	    "time", (json_int_t)st->rej_time,
	    "unknown_account", (json_int_t)st->rej_unknown_account,
	    "receiver", (json_int_t)st->rej_receiver,
	    "too_long", (json_int_t)st->rej_too_long,
	    "garbage", (json_int_t)st->rej_garbage,
	    "store", (json_int_t)st->rej_store);
	json_object_set_new(o, "plaintext", json_integer(
	    (json_int_t)st->rej_plaintext));
	return o;
}

/* What the listeners and the log limiter held back under load or attack. */
static json_t *
status_limits(const struct pcod_stats *st)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
	    "connections_evicted", (json_int_t)st->conn_evicted,
	    "frame_timeouts", (json_int_t)st->frame_timeouts,
	    "idle_timeouts", (json_int_t)st->idle_timeouts,
	    "udp_ignored", (json_int_t)st->udp_ignored,
	    "naks_rate_limited", (json_int_t)st->naks_limited,
	    "log_suppressed", (json_int_t)log_limit_suppressed());
}

/* The control socket's defence counters (issue: consoles under attack). */
static json_t *
status_control(const struct pcod_stats *st)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}",
	    "refused", (json_int_t)st->control_refused,
	    "auth_timeouts", (json_int_t)st->control_auth_timeouts,
	    "login_failures", (json_int_t)st->login_failures,
	    "login_throttled", (json_int_t)st->login_throttled,
	    "login_lockouts", (json_int_t)st->login_lockouts);
}

/* Every counter of pcod_stats. */
static json_t *
status_counters(const struct pcod_stats *st)
{
	json_t	*c, *lim;

	c = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,"
	    "s:I,s:I,s:I,s:I,s:I,s:o}",
	    "frames", (json_int_t)st->frames,
	    "events", (json_int_t)st->events,
	    "duplicates", (json_int_t)st->duplicates,
	    "link_tests", (json_int_t)st->link_tests,
	    "acks", (json_int_t)st->acks,
	    "naks", (json_int_t)st->naks,
	    "duhs", (json_int_t)st->duhs,
	    "rejected", status_rejected(st),
	    "connections", (json_int_t)st->connections,
	    "connections_refused", (json_int_t)st->conn_refused,
	    "connections_open", (json_int_t)st->conn_open,
	    "commits", (json_int_t)st->commits,
	    "commit_failures", (json_int_t)st->commit_failures,
	    "last_batch", (json_int_t)st->last_batch,
	    "control_requests", (json_int_t)st->control_requests,
	    "control_errors", (json_int_t)st->control_errors,
	    "control", status_control(st));
	if (c != NULL) {
		json_object_set_new(c, "escalations",
		    json_integer((json_int_t)st->escalations));
		json_object_set_new(c, "connections_open_tls",
		    json_integer((json_int_t)st->conn_open_tls));
		json_object_set_new(c, "retx_frames",
		    json_integer((json_int_t)st->retx_frames));
		json_object_set_new(c, "naks_readback",
		    json_integer((json_int_t)st->naks_readback));
	}
	/* Flat beside the others, so scripts read every counter the same way. */
	lim = status_limits(st);
	if (c == NULL || lim == NULL || json_object_update(c, lim) == -1) {
		json_decref(c);
		c = NULL;
	}
	json_decref(lim);
	return c;
}

/* A histogram: count, sum and [bound, observations up to it] per bucket. */
static json_t *
status_histo(const struct histo *h)
{
	json_t	*b = json_array();
	int	 i;

	for (i = 0; i < h->nb; i++)
		json_array_append_new(b, json_pack("[I,I]", (json_int_t)h->le[i],
		    (json_int_t)histo_cumulative(h, i)));
	return json_pack("{s:I,s:I,s:o}", "count", (json_int_t)h->count,
	    "sum", (json_int_t)(h->sum > INT64_MAX ? INT64_MAX : h->sum),
	    "buckets", b);
}

/* The histograms of the metrics (latencies in microseconds). */
static json_t *
status_histograms(const struct pcod_stats *st)
{
	return json_pack("{s:o,s:o,s:o}",
	    "commit_batch", status_histo(&st->commit_batch),
	    "commit_latency_us", status_histo(&st->commit_latency),
	    "ack_latency_us", status_histo(&st->ack_latency));
}

/* Open alarms by state and priority (committed); null if unreadable. */
static json_t *
status_alarms(struct control_ctx *ctx)
{
	struct store_alarm_counts	 c;
	json_t				*by;
	json_int_t			 st[2] = { 0, 0 };
	char				 k[4];
	int				 p;

	if (ctx->store == NULL || store_alarm_open_counts(ctx->store, &c) == -1)
		return json_null();
	by = json_object();
	for (p = 1; p <= STORE_ALARM_PRIO_MAX; p++) {
		snprintf(k, sizeof(k), "%d", p);
		json_object_set_new(by, k, json_integer(c.by[0][p] + c.by[1][p]));
		st[0] += c.by[0][p];
		st[1] += c.by[1][p];
	}
	return json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)c.total,
	    "new", st[0], "taken", st[1], "by_priority", by);
}

/* Supervised and silent accounts, consoles connected and logged in. */
static void
status_people(struct control_ctx *ctx, json_t *r)
{
	size_t	sup, silent, open, logged;

	supervise_counts(ctx->supervisor, &sup, &silent);
	control_consoles(ctx->control, &open, &logged);
	json_object_set_new(r, "supervision", json_pack("{s:I,s:I}",
	    "supervised", (json_int_t)sup, "silent", (json_int_t)silent));
	json_object_set_new(r, "consoles", json_pack("{s:I,s:I}",
	    "open", (json_int_t)open, "logged_in", (json_int_t)logged));
}

/* The WAL's syncs and checkpoints (syncer.c) so far. */
static json_t *
status_sync(struct syncer *s)
{
	uint64_t	syncs, ckpts;
	int64_t		max_ms;

	syncer_stats(s, &syncs, &max_ms, &ckpts);
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "syncs", (json_int_t)syncs,
	    "last_ms", (json_int_t)syncer_last_ms(s), "slowest_ms",
	    (json_int_t)max_ms, "running_ms", (json_int_t)syncer_running_ms(s),
	    "checkpoints", (json_int_t)ckpts);
}

/* event.list's keys database (SQLite; evkeys.c): how far it is written. */
static json_t *
status_event_keys(struct evkeys *k)
{
	int64_t		upto;
	uint64_t	keyed;
	int		ok;

	ok = evkeys_usable(k, &upto, &keyed);
	return json_pack("{s:b,s:I,s:I}", "usable", ok, "upto",
	    (json_int_t)upto, "keyed", (json_int_t)keyed);
}

/* status {} -> version, uptime, start time, counters, account count, storage state. */
static void
cmd_status_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	char	started[32];
	time_t	now = time(NULL);
	json_t	*r;

	control_time_format((int64_t)pcod_stats.started * 1000, 0, started,
	    sizeof started);
	r = json_pack("{s:s,s:I,s:s,s:o,s:I,s:o}",
	    "version", ctx->version != NULL ? ctx->version : PACKAGE_VERSION,
	    "uptime", (json_int_t)(now > pcod_stats.started ?
	    now - pcod_stats.started : 0),
	    "started", started,
	    "counters", status_counters(&pcod_stats),
	    "accounts", (json_int_t)(ctx->accts != NULL ?
	    acct_table_count(ctx->accts) : 0),
	    "storage", trouble_storage_json(ctx->trouble));
	if (r != NULL && ctx->retention != NULL)
		json_object_set_new(r, "purge", retention_status(ctx->retention));
	if (r != NULL && ctx->backup != NULL)
		json_object_set_new(r, "backup", backup_status(ctx->backup));
	if (r != NULL && ctx->syncer != NULL)
		json_object_set_new(r, "sync", status_sync(ctx->syncer));
	if (r != NULL && ctx->store != NULL && store_evkeys(ctx->store) != NULL)
		json_object_set_new(r, "event_keys",
		    status_event_keys(store_evkeys(ctx->store)));
	/* SQLite: one pcod on its file; PostgreSQL: active or standby. */
	if (r != NULL)
		json_object_set_new(r, "receiver", ctx->lease != NULL ?
		    lease_json(ctx->lease) : json_pack("{s:s}", "role",
		    "single"));
	if (r == NULL) {
		control_error(req, "internal", "cannot build the status");
		return;
	}
	json_object_set_new(r, "alarms_open", status_alarms(ctx));
	status_people(ctx, r);
	json_object_set_new(r, "histograms", status_histograms(&pcod_stats));
	control_reply(req, r);
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.args = { { NULL } },
	.exec = cmd_status_exec,
	.role = ROLE_OPERATOR,
};
