/*
 * metrics.c - pcod's figures in the Prometheus text exposition format
 * (version 0.0.4), served at GET /metrics by an http.c server.
 *
 * Nothing is counted here: the counters and histograms live in stats.h
 * (the status command reads the same), the open alarms in the store, the
 * silent accounts in supervise.c, the consoles in control.c.  A scrape
 * runs on the loop: one indexed count of the open alarms, one walk over
 * the supervised accounts, a few hundred lines of text.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/time.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "acct.h"
#include "backup.h"
#include "batch.h"
#include "conf.h"
#include "control.h"
#include "histo.h"
#include "http.h"
#include "http_api.h"
#include "lease.h"
#include "log.h"
#include "metrics.h"
#include "retention.h"
#include "stats.h"
#include "store.h"
#include "store_alarm.h"
#include "supervise.h"
#include "syncer.h"
#include "trouble.h"
#include "xmalloc.h"

#define nitems(a)		(sizeof(a) / sizeof((a)[0]))

/* A scrape is a small GET: no body, modest headers. */
#define METRICS_MAX_HEADERS	8192
#define METRICS_MAX_BODY	1024
#define METRICS_CTYPE		"text/plain; version=0.0.4; charset=utf-8"
/*
 * Scrapes within this long of the last rendering get the same text: a
 * peer asking in a tight loop costs the loop a copy, not a count of the
 * alarms each time (Prometheus asks every few seconds).
 */
#define METRICS_CACHE_US	100000

struct metrics {
	struct control_ctx	*ctx;		/* not owned */
	struct http_server	*srv;		/* owned */
	char			*text;		/* owned: the last rendering */
	size_t			 len;
	int64_t			 at_us;		/* when (histo_now_us); 0 never */
};

/* One labelled value of a family. */
struct mval {
	const char	*label;		/* value of the family's label */
	uint64_t	 v;
};

/* Write s as a label value: backslash, double quote and newline escaped. */
static void
m_escape(struct evbuffer *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			evbuffer_add(b, "\\\\", 2);
		else if (*s == '"')
			evbuffer_add(b, "\\\"", 2);
		else if (*s == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, s, 1);
	}
}

/* # HELP and # TYPE of a family. */
static void
m_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* A family of one unlabelled value. */
static void
m_one(struct evbuffer *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	m_head(b, name, type, help);
	evbuffer_add_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

/* A counter; its name ends in _total. */
static void
m_counter(struct evbuffer *b, const char *name, const char *help, uint64_t v)
{
	m_one(b, name, "counter", help, v);
}

/* A gauge (negative values are shown as 0: they cannot happen). */
static void
m_gauge(struct evbuffer *b, const char *name, const char *help, int64_t v)
{
	m_one(b, name, "gauge", help, v > 0 ? (uint64_t)v : 0);
}

/* A family of n values told apart by one label. */
static void
m_labelled(struct evbuffer *b, const char *name, const char *type,
    const char *help, const char *label, const struct mval *v, size_t n)
{
	size_t	i;

	m_head(b, name, type, help);
	for (i = 0; i < n; i++) {
		evbuffer_add_printf(b, "%s{%s=\"", name, label);
		m_escape(b, v[i].label);
		evbuffer_add_printf(b, "\"} %llu\n", (unsigned long long)v[i].v);
	}
}

/* A value of h's unit in the exposed unit (scale units per exposed unit). */
static void
m_scaled(struct evbuffer *b, uint64_t v, uint64_t scale)
{
	if (scale == 1)
		evbuffer_add_printf(b, "%llu", (unsigned long long)v);
	else
		evbuffer_add_printf(b, "%llu.%06llu",
		    (unsigned long long)(v / scale),
		    (unsigned long long)((v % scale) * (1000000 / scale)));
}

/* A histogram: cumulative buckets, +Inf, _sum and _count. */
static void
m_histo(struct evbuffer *b, const char *name, const char *help,
    const struct histo *h, uint64_t scale)
{
	int	i;

	m_head(b, name, "histogram", help);
	for (i = 0; i < h->nb; i++) {
		evbuffer_add_printf(b, "%s_bucket{le=\"", name);
		m_scaled(b, (uint64_t)h->le[i], scale);
		evbuffer_add_printf(b, "\"} %llu\n",
		    (unsigned long long)histo_cumulative(h, i));
	}
	evbuffer_add_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum ", name,
	    (unsigned long long)h->count, name);
	m_scaled(b, h->sum, scale);
	evbuffer_add_printf(b, "\n%s_count %llu\n", name,
	    (unsigned long long)h->count);
}

/* Descriptors open now (entries of /proc/self/fd, less the one reading it). */
static int64_t
m_open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*e;
	int64_t		 n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* The process: start, CPU, memory, descriptors, version. */
static void
m_process(struct evbuffer *b, const struct control_ctx *ctx)
{
	struct rusage	ru;
	struct rlimit	rl;
	unsigned long	vsz = 0, rss = 0;
	long		page = sysconf(_SC_PAGESIZE);
	FILE		*f;
	uint64_t	cpu_us = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		    1000000 + (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	if ((f = fopen("/proc/self/statm", "re")) != NULL) {
		if (fscanf(f, "%lu %lu", &vsz, &rss) != 2)
			vsz = rss = 0;
		fclose(f);
	}
	m_gauge(b, "process_start_time_seconds", "Start time of the process "
	    "since the epoch, in seconds.", (int64_t)pcod_stats.started);
	m_head(b, "process_cpu_seconds_total", "counter", "User and system "
	    "CPU time spent, in seconds.");
	evbuffer_add(b, "process_cpu_seconds_total ", 26);
	m_scaled(b, cpu_us, 1000000);
	evbuffer_add(b, "\n", 1);
	m_gauge(b, "process_resident_memory_bytes", "Resident memory size in "
	    "bytes.", (int64_t)rss * page);
	m_gauge(b, "process_virtual_memory_bytes", "Virtual memory size in "
	    "bytes.", (int64_t)vsz * page);
	m_gauge(b, "process_open_fds", "Open file descriptors.", m_open_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		m_gauge(b, "process_max_fds", "Limit of open file descriptors.",
		    rl.rlim_cur == RLIM_INFINITY ? INT64_MAX :
		    (int64_t)rl.rlim_cur);
	m_head(b, "pcod_build_info", "gauge", "pcod's version, as a label; "
	    "always 1.");
	evbuffer_add(b, "pcod_build_info{version=\"", 25);
	m_escape(b, ctx->version != NULL ? ctx->version : PACKAGE_VERSION);
	evbuffer_add(b, "\"} 1\n", 5);
}

/* Frames, events and the answers to them. */
static void
m_frames(struct evbuffer *b, const struct pcod_stats *st)
{
	const struct mval	answers[] = {
		{ "ACK", st->acks }, { "NAK", st->naks }, { "DUH", st->duhs },
	};

	m_counter(b, "pcod_frames_received_total", "DC-09 frames received "
	    "from panels, parsed or not.", st->frames);
	m_counter(b, "pcod_link_tests_total", "NULL frames (link tests) "
	    "received.", st->link_tests);
	m_counter(b, "pcod_events_stored_total", "Events stored (durable).",
	    st->events);
	m_counter(b, "pcod_duplicates_total", "Retransmissions acknowledged "
	    "again and not stored twice.", st->duplicates);
	m_labelled(b, "pcod_answers_total", "counter", "Answers to panels by "
	    "kind, counted as sent; a failed batch's frames are NAKs.", "kind",
	    answers, nitems(answers));
	m_counter(b, "pcod_naks_rate_limited_total", "UDP NAKs not sent: the "
	    "source was over its limit.", st->naks_limited);
	m_counter(b, "pcod_retx_frames_total", "Frames stored past the "
	    "ceiling of retransmission keys in memory (the database "
	    "recognises their retransmissions).", st->retx_frames);
	m_counter(b, "pcod_naks_readback_total", "Frames answered NAK because "
	    "the duplicate window was being read back.", st->naks_readback);
}

/* Refused frames by reason. */
static void
m_rejects(struct evbuffer *b, const struct pcod_stats *st)
{
	const struct mval	r[] = {
		{ "crc", st->rej_crc }, { "length", st->rej_length },
		{ "format", st->rej_format }, { "token", st->rej_token },
		{ "decrypt", st->rej_decrypt }, { "data", st->rej_data },
		{ "time", st->rej_time },
		{ "unknown_account", st->rej_unknown_account },
		{ "receiver", st->rej_receiver },
		{ "too_long", st->rej_too_long }, { "garbage", st->rej_garbage },
		{ "store", st->rej_store }, { "plaintext", st->rej_plaintext },
	};

	m_labelled(b, "pcod_frames_rejected_total", "counter", "Frames "
	    "refused (NAK, DUH or, for garbage on UDP, no answer), by reason.",
	    "reason", r, nitems(r));
}

/* Panel connections and what the listeners held back. */
static void
m_panels(struct evbuffer *b, const struct control_ctx *ctx,
    const struct pcod_stats *st)
{
	const struct mval	to[] = {
		{ "frame", st->frame_timeouts }, { "idle", st->idle_timeouts },
	};
	const int64_t		tls = st->conn_open_tls > 0 ? st->conn_open_tls : 0;
	const struct mval	open[] = {
		{ "tcp", st->conn_open > tls ? (uint64_t)(st->conn_open - tls) : 0 },
		{ "tls", (uint64_t)tls },
	};

	m_labelled(b, "pcod_panel_connections", "gauge", "Panel connections "
	    "open now, by transport.", "transport", open, nitems(open));
	m_counter(b, "pcod_panel_connections_accepted_total", "Panel "
	    "connections accepted.", st->connections);
	m_counter(b, "pcod_panel_connections_refused_total", "Panel "
	    "connections refused over a limit.", st->conn_refused);
	m_counter(b, "pcod_panel_connections_evicted_total", "Panel "
	    "connections closed to make room in a full listener.",
	    st->conn_evicted);
	m_labelled(b, "pcod_panel_timeouts_total", "counter", "Panel "
	    "connections closed for a slow frame or for being idle.", "kind",
	    to, nitems(to));
	m_counter(b, "pcod_udp_ignored_total", "Datagrams that were not DC-09 "
	    "(not answered).", st->udp_ignored);
	m_gauge(b, "pcod_accounts", "Accounts known.", ctx->accts != NULL ?
	    (int64_t)acct_table_count(ctx->accts) : 0);
}

/* Commits, their sizes and latencies, the storage state. */
static void
m_store(struct evbuffer *b, const struct control_ctx *ctx,
    const struct pcod_stats *st)
{
	m_counter(b, "pcod_commits_total", "Batches committed.", st->commits);
	m_counter(b, "pcod_commit_failures_total", "Batches that failed "
	    "(nothing of them acknowledged).", st->commit_failures);
	m_gauge(b, "pcod_storage_failing", "1 while the database refuses "
	    "writes (storage trouble), else 0.", ctx->trouble != NULL ?
	    trouble_storage_failing(ctx->trouble) != 0 : 0);
	m_gauge(b, "pcod_receiver_active", "1 while this pcod receives "
	    "panels (SQLite, or the holder of the PostgreSQL lease), 0 on a "
	    "standby.", ctx->lease == NULL || lease_role(ctx->lease) ==
	    LEASE_ACTIVE);
	m_gauge(b, "pcod_lease_epoch", "The receivers' lease epoch this pcod "
	    "holds (PostgreSQL); 0 on a standby or on SQLite.",
	    ctx->lease != NULL ? lease_epoch(ctx->lease) : 0);
	m_gauge(b, "pcod_commits_unsynced", "Batches committed and waiting "
	    "for their WAL sync.", ctx->batch != NULL ?
	    batch_unsynced(ctx->batch) : 0);
	m_histo(b, "pcod_commit_batch_size", "Items (panel frames) per "
	    "committed batch; batches of consoles and timers count 0.",
	    &st->commit_batch, 1);
	m_histo(b, "pcod_commit_latency_seconds", "From a batch's first write "
	    "to its being durable (committed and synced).",
	    &st->commit_latency, 1000000);
	m_histo(b, "pcod_ack_latency_seconds", "From a frame taken to its ACK "
	    "written, for frames whose ACK waits for their commit.",
	    &st->ack_latency, 1000000);
}

/* The WAL's syncs and checkpoints (syncer.c); omitted without a syncer. */
static void
m_sync(struct evbuffer *b, const struct control_ctx *ctx)
{
	struct histo	h;
	uint64_t	syncs, ckpts;
	int64_t		max_ms;

	if (ctx->syncer == NULL)
		return;
	syncer_stats(ctx->syncer, &syncs, &max_ms, &ckpts);
	syncer_sync_histo(ctx->syncer, &h);
	m_counter(b, "pcod_wal_syncs_total", "WAL syncs (fdatasync) done.",
	    syncs);
	m_histo(b, "pcod_wal_sync_seconds", "Time one WAL sync took.", &h,
	    1000000);
	m_counter(b, "pcod_checkpoints_total", "WAL checkpoints run by the "
	    "checkpoint thread.", ckpts);
}

/* Open alarms by priority and state (committed); omitted if unreadable. */
static void
m_alarms(struct evbuffer *b, const struct control_ctx *ctx,
    const struct pcod_stats *st)
{
	static const char *const	 state[2] = { "new", "taken" };
	struct store_alarm_counts	 c;
	int				 s, p;

	m_counter(b, "pcod_escalations_total", "Alarm escalations (deadlines "
	    "missed and by hand), durable.", st->escalations);
	if (ctx->store == NULL || store_alarm_open_counts(ctx->store, &c) == -1) {
		if (ctx->store != NULL && log_limit_allow(LOG_LIMIT_CONN))
			log_warnx("metrics: cannot count the open alarms: %s",
			    store_errmsg(ctx->store));
		return;
	}
	m_head(b, "pcod_alarms_open", "gauge", "Open alarms by priority "
	    "(1 highest) and state (new: not taken yet).");
	for (p = 1; p <= STORE_ALARM_PRIO_MAX; p++)
		for (s = 0; s < 2; s++)
			evbuffer_add_printf(b, "pcod_alarms_open{priority=\"%d\","
			    "state=\"%s\"} %lld\n", p, state[s],
			    (long long)c.by[s][p]);
}

/* Supervision and the consoles. */
static void
m_people(struct evbuffer *b, const struct control_ctx *ctx,
    const struct pcod_stats *st)
{
	size_t	sup, silent, open, logged;

	supervise_counts(ctx->supervisor, &sup, &silent);
	control_consoles(ctx->control, &open, &logged);
	m_gauge(b, "pcod_accounts_supervised", "Accounts with a supervision "
	    "interval.", (int64_t)sup);
	m_gauge(b, "pcod_accounts_silent", "Supervised accounts silent past "
	    "their interval now.", (int64_t)silent);
	m_gauge(b, "pcod_console_connections", "Control socket connections "
	    "open now.", (int64_t)open);
	m_gauge(b, "pcod_console_sessions", "Of those, logged in as an "
	    "operator (auth.login).", (int64_t)logged);
	m_counter(b, "pcod_control_requests_total", "Control requests "
	    "handled.", st->control_requests);
	m_counter(b, "pcod_control_errors_total", "Control requests answered "
	    "with an error.", st->control_errors);
	m_counter(b, "pcod_control_refused_total", "Console connections "
	    "refused (full, or too many from one uid).", st->control_refused);
	m_counter(b, "pcod_login_failures_total", "Passwords checked and "
	    "wrong.", st->login_failures);
	m_counter(b, "pcod_login_throttled_total", "Logins refused unchecked "
	    "(back-off or lock-out).", st->login_throttled);
	m_counter(b, "pcod_login_lockouts_total", "Logins or uids locked "
	    "out.", st->login_lockouts);
	m_counter(b, "pcod_log_suppressed_total", "Log lines left out by the "
	    "rate limiter.", log_limit_suppressed());
}

/* An HTTP listener's answers by status code, as labelled values. */
static void
m_http_codes(const struct http_stats *hs, struct mval *v,
    char codes[][8])
{
	int	i;

	for (i = 0; i < HTTP_NCODES; i++) {
		if (hs->codes[i] != 0)
			snprintf(codes[i], 8, "%d", hs->codes[i]);
		else
			snprintf(codes[i], 8, "other");
		v[i].label = codes[i];
		v[i].v = hs->answered[i];
	}
}

/*
 * An HTTP listener's connections and answers, as metrics named prefix_*
 * ("pcod_http", "pcod_web"); what names the listener in the help texts.
 */
static void
m_listener(struct evbuffer *b, const char *prefix, const char *what,
    const struct http_stats *hs)
{
	struct mval	v[HTTP_NCODES];
	char		codes[HTTP_NCODES][8], name[64], help[160];

	m_http_codes(hs, v, codes);
	snprintf(name, sizeof(name), "%s_connections", prefix);
	snprintf(help, sizeof(help), "Connections to %s open now.", what);
	m_gauge(b, name, help, (int64_t)hs->open);
	snprintf(name, sizeof(name), "%s_connections_accepted_total", prefix);
	snprintf(help, sizeof(help), "Connections to %s accepted.", what);
	m_counter(b, name, help, hs->accepted);
	snprintf(name, sizeof(name), "%s_connections_evicted_total", prefix);
	snprintf(help, sizeof(help), "Connections to %s closed to make room.",
	    what);
	m_counter(b, name, help, hs->evicted);
	snprintf(name, sizeof(name), "%s_responses_total", prefix);
	snprintf(help, sizeof(help), "Answers of %s by status code (before "
	    "this scrape; event streams not included).", what);
	m_labelled(b, name, "counter", help, "code", v, HTTP_NCODES);
}

/* The metrics listener itself. */
static void
m_http(struct evbuffer *b, const struct http_server *srv)
{
	struct http_stats	hs;

	http_get_stats(srv, &hs);
	m_listener(b, "pcod_http", "the metrics listener", &hs);
}

/* The browser console's listener (http_api.c), when there is one. */
static void
m_console(struct evbuffer *b, const struct http_api *api)
{
	struct http_api_stats	st;
	struct http_stats	hs;

	if (api == NULL)
		return;
	http_api_get_stats(api, &st, &hs);
	m_listener(b, "pcod_web", "the console's HTTP listener", &hs);
	m_gauge(b, "pcod_web_streams", "Event streams (GET /api/events) "
	    "open now.", (int64_t)st.streams);
	m_counter(b, "pcod_web_auth_refused_total", "Console requests "
	    "refused for want of a valid session (401 or 429).", st.refused);
	m_counter(b, "pcod_web_auth_unknown_total", "Of those, requests "
	    "whose cookie named no session (guesses; throttled like logins).",
	    st.unknown);
	m_counter(b, "pcod_web_csrf_refused_total", "Console requests "
	    "refused without their CSRF token (403).", st.csrf);
}

/* An integer member of o, or 0. */
static int64_t
m_jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Backups and archives (pcoctl backup/archive) and the retention purge. */
static void
m_upkeep(struct evbuffer *b, const struct control_ctx *ctx)
{
	static const char *const kinds[] = { "frames", "events", "alarms",
	    "alarm_links", "alarm_parts", "checkins", "findings", "audit" };
	struct mval	 v[8];
	json_t		*o, *purged;
	size_t		 i;

	if (ctx->backup != NULL && (o = backup_status(ctx->backup)) != NULL) {
		v[0].label = "ok";
		v[0].v = (uint64_t)m_jint(o, "done");
		v[1].label = "failed";
		v[1].v = (uint64_t)m_jint(o, "failed");
		m_labelled(b, "pcod_backup_jobs_total", "counter", "Backups and "
		    "archives written, or failed, since start.", "result", v, 2);
		m_gauge(b, "pcod_backup_last_success_timestamp_seconds", "When "
		    "the last backup succeeded (0: none since start).",
		    m_jint(o, "last_backup_ok") / 1000);
		json_decref(o);
	}
	if (ctx->retention != NULL &&
	    (o = retention_status(ctx->retention)) != NULL) {
		purged = json_object_get(o, "purged");
		for (i = 0; i < 8; i++) {
			v[i].label = kinds[i];
			v[i].v = (uint64_t)m_jint(purged, kinds[i]);
		}
		m_labelled(b, "pcod_purged_rows_total", "counter", "Rows the "
		    "retention purge removed, by kind.", "kind", v, 8);
		m_counter(b, "pcod_purge_errors_total", "Purge steps that "
		    "failed.", (uint64_t)m_jint(o, "errors"));
		m_gauge(b, "pcod_purge_last_round_timestamp_seconds", "When the "
		    "purge last went through every kind (0: not yet).",
		    m_jint(o, "last_round_ms") / 1000);
		json_decref(o);
	}
}

/* Write the whole exposition into m->text.  0 or -1. */
static int
metrics_render(struct metrics *m, struct http_server *srv)
{
	const struct control_ctx *ctx = m->ctx;
	struct evbuffer		*b = evbuffer_new();

	if (b == NULL)
		return -1;
	m_process(b, ctx);
	m_frames(b, &pcod_stats);
	m_rejects(b, &pcod_stats);
	m_panels(b, ctx, &pcod_stats);
	m_store(b, ctx, &pcod_stats);
	m_sync(b, ctx);
	m_alarms(b, ctx, &pcod_stats);
	m_people(b, ctx, &pcod_stats);
	m_http(b, srv);
	m_console(b, ctx->http_api);
	m_upkeep(b, ctx);
	m->len = evbuffer_get_length(b);
	m->text = xreallocarray(m->text, m->len + 1, 1);
	evbuffer_remove(b, m->text, m->len);
	evbuffer_free(b);
	return 0;
}

/* GET|HEAD /metrics */
static void
metrics_get(struct http_server *srv, struct evhttp_request *req, void *arg)
{
	struct metrics	*m = arg;
	struct evbuffer	*b;
	int64_t		 now = histo_now_us();

	if (m->at_us == 0 || now - m->at_us >= METRICS_CACHE_US) {
		if (metrics_render(m, srv) == -1) {
			http_error(srv, req, 500, "out of memory");
			return;
		}
		m->at_us = now;
	}
	if ((b = evbuffer_new()) == NULL || evbuffer_add(b, m->text, m->len)) {
		if (b != NULL)
			evbuffer_free(b);
		http_error(srv, req, 500, "out of memory");
		return;
	}
	http_reply(srv, req, 200, METRICS_CTYPE, b);
	evbuffer_free(b);
}

/* Serve /metrics if the configuration asks for it. */
struct metrics *
metrics_start(struct event_base *base, struct control_ctx *ctx, char *err,
    size_t errsz)
{
	const struct http_limits	 lim = { METRICS_MAX_HEADERS,
					    METRICS_MAX_BODY };
	struct metrics			*m;

	err[0] = '\0';
	if (ctx->cfg->metrics == NULL)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->ctx = ctx;
	m->srv = http_new(base, ctx->cfg->metrics, "metrics", &lim, err, errsz);
	if (m->srv == NULL ||
	    http_route(m->srv, "/metrics", HTTP_M_GET | HTTP_M_HEAD,
	    metrics_get, m) == -1) {
		if (err[0] == '\0')
			xerr(err, errsz, "metrics: cannot add the route");
		metrics_free(m);
		return NULL;
	}
	return m;
}

/* Close the metrics listener. */
void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	http_free(m->srv);
	free(m->text);
	free(m);
}
