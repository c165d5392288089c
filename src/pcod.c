/* pcod.c - main: options, start-up, signals, wiring, shutdown. */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "acct.h"
#include "alarm.h"
#include "auditq.h"
#include "backup.h"
#include "audit.h"
#include "batch.h"
#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "confcheck.h"
#include "control.h"
#include "ingest.h"
#include "listen.h"
#include "lease.h"
#include "log.h"
#include "db.h"
#include "evkeys.h"
#include "login.h"
#include "sdnotify.h"
#include "metrics.h"
#include "migrate.h"
#include "http_api.h"
#include "site.h"
#include "stats.h"
#include "store.h"
#include "supervise.h"
#include "patrol_run.h"
#include "retention.h"
#include "syncer.h"
#include "trouble.h"
#include "xmalloc.h"

/* How long answers may take to leave at shutdown. */
#define PCOD_DRAIN_SEC	2
/* Exit status of an active that lost the lease (EX_TEMPFAIL): start again. */
#define PCOD_EXIT_DEPOSED	75
/* Descriptors besides connections: database and WAL, listeners, log, workers. */
#define PCOD_FD_RESERVE	128

/* Everything the daemon runs; owned here. */
struct pcod {
	struct config		*cfg;
	struct event_base	*base;
	struct store		*store;
	struct acct_table	*accts;
	struct batch		*batch;
	struct alarm_engine	*alarms;
	struct supervisor	*supervisor;
	struct patrol_run	*patrol;
	struct ingest		*ingest;
	struct listeners	*listeners;
	struct control		*control;
	struct control_ctx	 ctx;
	struct event		*sig[3];
	struct trouble		*trouble;	/* the database refusing writes */
	struct auditq		*auditq;	/* console audit rows kept meanwhile */
	int			 verbose;	/* -v count */
	struct syncer		*syncer;	/* the WAL's sync and checkpoint threads */
	struct store_ckpt	*ckpt;		/* the checkpoint thread's connection */
	struct sdnotify		*sd;		/* systemd's NOTIFY_SOCKET (issue 12) */
	struct metrics		*metrics;	/* GET /metrics; NULL: not configured */
	struct http_api		*http_api;	/* the console's API; NULL: none */
	struct retention	*retention;	/* the purge (retention) */
	struct backup		*backup;	/* backup and archive copies */
	struct lease		*lease;		/* PostgreSQL: who is active; NULL SQLite */
	int			 active;	/* receiving: engine and listeners up */
	int			 exit_code;	/* main's; PCOD_EXIT_DEPOSED after a takeover */
};

/* Print usage and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pcod [-f] [-n] [-v] [-c file]\n");
	fprintf(stderr, "       pcod migrate-store FROM.db postgresql://USER@HOST[:PORT]/DB\n");
	exit(2);
}

/* The log level from the configuration raised by -v. */
static int
pcod_level(const struct pcod *p)
{
	int	lvl = p->cfg->log_level + p->verbose;

	return lvl > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : lvl;
}

/* The essentials of systemd's STATUS= line, from the figures status shows. */
static void
pcod_figures(struct sdnotify_figures *f, void *arg)
{
	const struct pcod	*p = arg;

	f->connections = pcod_stats.conn_open;
	f->events = pcod_stats.events;
	f->open_alarms = alarm_engine_open_count(p->alarms);
	f->storage_failing = p->trouble != NULL &&
	    trouble_storage_failing(p->trouble);
	if (p->lease != NULL && !p->active)
		f->standby_of = lease_holder(p->lease, &(int64_t){ 0 });
}

/* How the checks of a configuration are told: pcod -n, or the log. */
struct pcod_findings {
	int	check;		/* pcod -n: bare lines on stderr */
	int	warnings;
};

/* One finding of confcheck: "file:line: message", an error or a warning. */
static void
pcod_finding(enum confcheck_level lvl, const char *where, const char *what,
    void *arg)
{
	struct pcod_findings	*f = arg;
	int			 error = lvl == CONFCHECK_ERROR;

	f->warnings += !error;
	if (f->check)
		log_stderr(error ? LOG_ERR : LOG_WARNING, "%s: %s%s", where,
		    error ? "" : "warning: ", what);
	else if (error)
		log_errx("%s: %s", where, what);
	else
		log_warnx("%s: %s", where, what);
}

/* pcod -n: the checks start-up would make, on stderr; the exit status. */
static int
pcod_check(struct config *cfg)
{
	struct pcod_findings	f = { 1, 0 };
	int			nerr;

	nerr = confcheck_run(cfg, pcod_finding, &f);
	if (nerr == 0)
		log_stderr(LOG_INFO, "%s: configuration OK%s", cfg->path,
		    f.warnings ? " (with warnings)" : "");
	config_free(cfg);
	return nerr == 0 ? 0 : 1;
}

/* Load every stored account into the receiver's table. */
static int
pcod_load_account(const struct store_account *a, void *arg)
{
	cmd_account_mirror(arg, a);
	return 0;
}

/* The engine's committed changes go out to subscribed consoles. */
static void
pcod_publish(const char *topic, json_t *obj, void *arg)
{
	control_publish(arg, topic, obj);
}

/* Whether the engine need build notifications at all. */
static int
pcod_listening(void *arg)
{
	return control_listening(arg, NULL);
}

/* Commit without fsync on the loop; the WAL is synced and checkpointed by threads. */
static void
pcod_pipeline(struct pcod *p)
{
	char	err[512];

	if ((p->ckpt = store_ckpt_open(p->store, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	p->syncer = syncer_new(p->base, p->cfg->database,
	    store_wal_path(p->store), batch_synced, p->batch, store_ckpt_run,
	    p->ckpt, err, sizeof(err));
	if (p->syncer == NULL)
		fatalx("%s", err);
	if (store_pipeline(p->store) == -1)
		fatalx("%s: %s", p->cfg->database, store_errmsg(p->store));
	batch_set_syncer(p->batch, p->syncer, p->cfg->sync_limit_ms);
	p->ctx.syncer = p->syncer;
}

/*
 * PostgreSQL: the writer sends each batch without waiting for the server;
 * its waiters run when the server's answer to its COMMIT arrives (syncer.c).
 */
static void
pcod_pipeline_pg(struct pcod *p)
{
	char	err[512];

	p->syncer = syncer_new_pg(p->base, p->store, batch_synced, p->batch,
	    err, sizeof(err));
	if (p->syncer == NULL)
		fatalx("%s", err);
	batch_set_syncer(p->batch, p->syncer, p->cfg->sync_limit_ms);
	p->ctx.syncer = p->syncer;
}

/* One line on how the disk kept up, at shutdown. */
static void
pcod_sync_summary(struct pcod *p)
{
	uint64_t	syncs, ckpts, jobs, inl, waits;
	int64_t		max_ms;

	syncer_stats(p->syncer, &syncs, &max_ms, &ckpts);
	if (!store_embedded(p->store)) {
		log_info("store: %llu commit(s) answered by the server, the "
		    "slowest %lld ms", (unsigned long long)syncs,
		    (long long)max_ms);
		return;
	}
	log_info("store: %llu WAL sync(s), the slowest %lld ms; %llu "
	    "checkpoint(s)", (unsigned long long)syncs, (long long)max_ms,
	    (unsigned long long)ckpts);
	store_thread_stats(p->store, &jobs, &inl, &waits);
	if (jobs > 0 || inl > 0)
		log_info("store: %llu write(s) ran on the writer thread, %llu "
		    "in small transactions on the loop; the loop waited for "
		    "the thread %llu time(s)", (unsigned long long)jobs,
		    (unsigned long long)inl, (unsigned long long)waits);
}

/*
 * Raise the soft descriptor limit to what the listeners' max-connections and
 * the consoles need, up to the hard limit; say clearly when the hard limit
 * caps it (the connections past it wait until accepting resumes).
 */
static void
pcod_nofile(const struct config *cfg)
{
	struct rlimit	rl;
	rlim_t		need = PCOD_FD_RESERVE, was;
	size_t		i;

	for (i = 0; i < cfg->nlisteners; i++)
		if (cfg->listeners[i].proto != LISTEN_UDP)
			need += (rlim_t)cfg->listeners[i].max_conn;
	need += (rlim_t)cfg->control_max_consoles;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ?
	    rl.rlim_max : need;
	if (rl.rlim_cur > was && setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("setrlimit(RLIMIT_NOFILE, %llu)",
		    (unsigned long long)rl.rlim_cur);
		rl.rlim_cur = was;
	}
	if (rl.rlim_cur < need)
		log_warnx("descriptor limit capped at %llu by the hard limit: "
		    "max-connections needs %llu, so about %llu panel connections "
		    "can be open at once; raise the hard limit (LimitNOFILE=, "
		    "ulimit -Hn)", (unsigned long long)rl.rlim_cur,
		    (unsigned long long)need, (unsigned long long)(rl.rlim_cur >
		    PCOD_FD_RESERVE ? rl.rlim_cur - PCOD_FD_RESERVE : 0));
	else
		log_info("descriptor limit raised from %llu to %llu for "
		    "max-connections", (unsigned long long)was,
		    (unsigned long long)rl.rlim_cur);
}

/*
 * Become the receiving pcod: load accounts, start the engine, supervision
 * and patrols from the store, bind the listeners.  At start-up, or when a
 * standby takes the lease over (everything is read again from the store:
 * the old active wrote it).
 */
static void
pcod_activate(struct pcod *p)
{
	char	err[512];

	p->accts = acct_table_new();
	if (store_account_foreach(p->store, pcod_load_account, p->accts) == -1)
		fatalx("%s: cannot read accounts: %s", p->cfg->database,
		    store_errmsg(p->store));
	p->ctx.accts = p->accts;
	/* SQLite: a WAL of ours to sync; PostgreSQL: the server's answers. */
	if (store_embedded(p->store))
		pcod_pipeline(p);
	else
		pcod_pipeline_pg(p);
	p->alarms = alarm_engine_new(p->base, p->store, p->batch, p->cfg);
	p->supervisor = supervise_new(p->base, p->store, p->batch, p->alarms,
	    p->cfg);
	p->ingest = ingest_new(p->store, p->batch, p->accts, p->cfg);
	ingest_set_engine(p->ingest, p->alarms, p->supervisor);
	p->patrol = patrol_run_new(p->base, p->store, p->batch, p->alarms);
	ingest_set_patrol(p->ingest, p->patrol);
	ingest_start(p->ingest, p->base);
	p->ctx.alarms = p->alarms;
	p->ctx.supervisor = p->supervisor;
	p->ctx.patrol = p->patrol;
	alarm_engine_set_notify(p->alarms, pcod_publish, p->control);
	alarm_engine_set_listening(p->alarms, pcod_listening, p->control);
	p->trouble = trouble_new(p->base, p->batch, p->store, p->alarms,
	    p->control);
	p->ctx.trouble = p->trouble;
	p->auditq = auditq_new(p->batch, p->store);
	p->ctx.auditq = p->auditq;
	if ((p->http_api = http_api_start(p->base, &p->ctx, err,
	    sizeof(err))) == NULL && err[0] != '\0')
		fatalx("%s", err);
	p->ctx.http_api = p->http_api;
	if (alarm_engine_start(p->alarms) == -1)
		fatalx("%s: cannot load the open alarms: %s", p->cfg->database,
		    store_errmsg(p->store));
	if (supervise_start(p->supervisor) == -1)
		fatalx("%s: cannot load supervision: %s", p->cfg->database,
		    store_errmsg(p->store));
	if (patrol_run_start(p->patrol) == -1)
		fatalx("%s: cannot load guard patrols: %s", p->cfg->database,
		    store_errmsg(p->store));
	p->retention = retention_new(p->base, p->store, p->batch, p->cfg);
	p->ctx.retention = p->retention;
	p->backup = backup_new(p->base);
	p->ctx.backup = p->backup;
	/* Last: panels reach a pcod that has everything loaded. */
	p->listeners = listen_start(p->base, p->cfg, p->ingest, p->batch, err,
	    sizeof(err));
	if (p->listeners == NULL)
		fatalx("%s", err);
	p->active = 1;
}

/* The lease changed hands (PostgreSQL, lease.h). */
static void
pcod_lease_event(enum lease_event ev, void *arg)
{
	struct pcod	*p = arg;

	if (ev == LEASE_TAKEN) {
		store_set_fence(p->store, lease_epoch(p->lease));
		log_info("taking over as the active receiver (epoch %lld):"
		    " loading the store", (long long)lease_epoch(p->lease));
		pcod_activate(p);
		log_info("active: listening for panels, %zu account(s)",
		    acct_table_count(p->accts));
		sdnotify_ready(p->sd);
		return;
	}
	/* Another pcod may be receiving: ours is no longer the truth. */
	store_set_fence(p->store, 0);
	p->exit_code = PCOD_EXIT_DEPOSED;
	log_warnx("stopping: this pcod is no longer the active receiver;"
	    " started again it will be a standby");
	event_base_loopbreak(p->base);
}

/*
 * A PostgreSQL server that does not answer yet (the primary lost and its
 * standby not yet promoted; pcod started again after a batch failed at a
 * server that went away): wait for it, once a second, rather than exit and
 * leave the restarts to systemd's start limit.  SIGTERM still stops pcod.
 */
static void
pcod_wait_server(struct pcod *p)
{
	char		buf[512], why[512];
	unsigned	n = 0;

	while (store_server_down(p->cfg->database, why, sizeof(why))) {
		if (n % 30 == 0)
			log_warnx("%s: no session on the database server (%s);"
			    " trying again every second", db_redact(
			    p->cfg->database, buf, sizeof(buf)), why);
		/* Alive and still starting: neither watchdog nor start timeout. */
		(void)sdnotify_send(p->sd, "STATUS=waiting for the database"
		    " server\nWATCHDOG=1\nEXTEND_TIMEOUT_USEC=3000000");
		n++;
		sleep(1);
		(void)event_base_loop(p->base, EVLOOP_NONBLOCK);
		if (event_base_got_break(p->base))
			exit(0);
	}
	if (n > 0)
		log_info("the database server takes sessions again after %u s",
		    n);
}

/*
 * A schema migration still running at start-up (store_set_migrating()):
 * alive and still starting, so neither the watchdog nor systemd's start
 * timeout may end it (a killed migration rolls back and starts over).
 */
static void
pcod_migrating(void *arg, int version, int64_t elapsed_ms)
{
	struct pcod	*p = arg;
	char		 msg[160];

	snprintf(msg, sizeof(msg), "STATUS=migrating the database to schema"
	    " version %d (%lld s)\nWATCHDOG=1\nEXTEND_TIMEOUT_USEC=10000000",
	    version, (long long)(elapsed_ms / 1000));
	(void)sdnotify_send(p->sd, msg);
}

/*
 * Open the store and the control socket; on PostgreSQL take the receivers'
 * lease or stay a standby; activate when this pcod is the one receiving.
 */
static void
pcod_start(struct pcod *p)
{
	char		 err[512];
	const char	*holder;
	int64_t		 hepoch;

	pcod_nofile(p->cfg);
	pcod_wait_server(p);
	store_set_migrating(pcod_migrating, p);
	if ((p->store = store_open(p->cfg->database, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (store_audit_syslog(p->store, p->cfg->audit_syslog) == -1)
		fatalx("%s: audit-syslog: %s", p->cfg->database,
		    store_errmsg(p->store));
	/* event.list's keys are written beside the loop, on the second core. */
	if (store_evkeys(p->store) != NULL &&
	    evkeys_start(store_evkeys(p->store), err, sizeof(err)) != 0)
		log_warnx("%s; " EVKEYS_WITHOUT, err);
	if (!store_embedded(p->store)) {
		p->lease = lease_open(p->base, p->cfg->database,
		    p->cfg->node_name, p->cfg->lease_time, err, sizeof(err));
		if (p->lease == NULL)
			fatalx("%s", err);
		/* A takeover waiting on a lock (a dead run's) is tried again. */
		if (lease_try(p->lease, err, sizeof(err)) == -1)
			log_warnx("%s: starting as a standby, trying every"
			    " second", err);
		store_set_fence(p->store, lease_epoch(p->lease));
		p->ctx.lease = p->lease;
	}
	p->batch = batch_new(p->base, p->store, p->cfg->batch_max);
	p->ctx.store = p->store;
	p->ctx.batch = p->batch;
	p->ctx.cfg = p->cfg;
	p->ctx.version = PACKAGE_VERSION;
	p->control = control_new(p->base, p->cfg->control, p->cfg->control_mode,
	    &p->ctx, err, sizeof(err));
	if (p->control == NULL)
		fatalx("%s", err);
	p->ctx.control = p->control;
	p->ctx.login = login_guard_new(p->base, &p->ctx);
	if ((p->metrics = metrics_start(p->base, &p->ctx, err,
	    sizeof(err))) == NULL && err[0] != '\0')
		fatalx("%s", err);
	if (p->lease == NULL || lease_role(p->lease) == LEASE_ACTIVE)
		pcod_activate(p);
	/* From now on a foreign lock fails a batch instead of freezing the loop. */
	store_set_busy_timeout(p->store, p->cfg->busy_timeout_ms);
	if (p->lease != NULL)
		lease_start(p->lease, pcod_lease_event, p);
	if (p->active) {
		log_info("pcod %s started: database %s, %zu account(s)%s",
		    PACKAGE_VERSION, db_redact(p->cfg->database, err,
		    sizeof(err)), acct_table_count(p->accts), p->lease != NULL ?
		    ", the active receiver" : "");
		return;
	}
	holder = lease_holder(p->lease, &hepoch);
	log_info("pcod %s started as a standby (node %s): %s holds the lease"
	    " (epoch %lld); the listeners open when it lapses",
	    PACKAGE_VERSION, lease_node(p->lease), holder, (long long)hepoch);
}

/* SIGHUP: take a new configuration if it is valid, keep the old one if not. */
static void
pcod_reload(struct pcod *p)
{
	struct config	*ncfg;
	const char	*what;
	char		 err[512];
	struct pcod_findings	 f = { 0, 0 };

	sdnotify_reloading(p->sd);
	if ((ncfg = config_load(p->cfg->path, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, keeping the running configuration: %s",
		    err);
		sdnotify_ready(p->sd);
		return;
	}
	if (confcheck_run(ncfg, pcod_finding, &f) > 0) {
		log_warnx("reload refused, keeping the running configuration: "
		    "the error(s) above");
		config_free(ncfg);
		sdnotify_ready(p->sd);
		return;
	}
	if ((what = config_restart_needed(p->cfg, ncfg)) != NULL)
		log_warnx("reload: the new %s takes effect at the next restart",
		    what);
	if (p->active) {
		ingest_set_config(p->ingest, ncfg);
		alarm_engine_set_config(p->alarms, ncfg);
		supervise_set_config(p->supervisor, ncfg);
		retention_set_config(p->retention, ncfg);
		listen_reconfigure(p->listeners, ncfg);
	}
	p->ctx.cfg = ncfg;
	batch_set_max(p->batch, ncfg->batch_max);
	batch_set_slow_ms(p->batch, ncfg->sync_limit_ms);
	store_set_busy_timeout(p->store, ncfg->busy_timeout_ms);
	if (store_audit_syslog(p->store, ncfg->audit_syslog) == -1)
		log_warnx("reload: audit-syslog: %s", store_errmsg(p->store));
	config_free(p->cfg);
	p->cfg = ncfg;
	log_setlevel(pcod_level(p));
	log_info("configuration %s reloaded", p->cfg->path);
	sdnotify_ready(p->sd);
}

/* Signals arrive here through the loop. */
static void
pcod_signal(evutil_socket_t sig, short what, void *arg)
{
	struct pcod	*p = arg;

	if (sig == SIGHUP) {
		pcod_reload(p);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	sdnotify_stopping(p->sd);
	event_base_loopbreak(p->base);
}

/* Stop receiving: commit and answer what is in flight, stop the engine. */
static void
pcod_deactivate(struct pcod *p)
{
	struct timeval	tv = { PCOD_DRAIN_SEC, 0 };

	listen_stop(p->listeners);
	/* Requests still waiting for a reply are dropped with their connections. */
	p->ctx.http_api = NULL;
	http_api_free(p->http_api);
	p->http_api = NULL;
	if (batch_flush(p->batch) == -1)
		log_warnx("final commit failed: the panels will send again");
	/* Its last step has committed with that batch; no step after it. */
	retention_free(p->retention);
	p->retention = p->ctx.retention = NULL;
	if (listen_drain(p->listeners) > 0) {
		/* Let the last answers reach their panels, within a bound. */
		event_base_loopexit(p->base, &tv);
		event_base_dispatch(p->base);
		batch_flush(p->batch);
	}
	listen_free(p->listeners);
	/* The engine must not publish to a console list that is gone. */
	alarm_engine_set_notify(p->alarms, NULL, NULL);
	alarm_engine_set_listening(p->alarms, NULL, NULL);
	trouble_free(p->trouble);
	p->ctx.trouble = NULL;
	/* A backup is cancelled and removed (an archive finishes first). */
	backup_free(p->backup);
	p->backup = p->ctx.backup = NULL;
	batch_flush(p->batch);
	/* Audit rows kept in memory get a last chance to be stored. */
	if (auditq_flush(p->auditq) == 0)
		batch_flush(p->batch);
	auditq_free(p->auditq);
	p->ctx.auditq = NULL;
}

/* Commit and answer what is in flight, then close everything. */
static void
pcod_stop(struct pcod *p)
{
	int	i;

	metrics_free(p->metrics);
	if (p->active)
		pcod_deactivate(p);
	control_free(p->control);
	p->ctx.control = NULL;
	/* After the consoles (a cancelled login ends here); its summaries commit below. */
	login_guard_free(p->ctx.login);
	batch_flush(p->batch);
	if (p->active) {
		patrol_run_free(p->patrol);
		p->ctx.patrol = NULL;
		supervise_free(p->supervisor);
		alarm_engine_free(p->alarms);
	}
	/* Everything committed is synced and answered by now. */
	batch_free(p->batch);
	if (p->syncer != NULL)
		pcod_sync_summary(p);
	p->ctx.syncer = NULL;
	syncer_free(p->syncer);
	store_ckpt_close(p->ckpt);
	if (p->active) {
		ingest_free(p->ingest);
		acct_table_free(p->accts);
	}
	/* Nothing more to write: a standby may take over at once. */
	lease_release(p->lease);
	lease_free(p->lease);
	store_close(p->store);
	for (i = 0; i < 3; i++)
		event_free(p->sig[i]);
	sdnotify_free(p->sd);
	event_base_free(p->base);
	log_info("stopped cleanly");
	config_free(p->cfg);
}

/* Watch SIGTERM, SIGINT and SIGHUP on the loop. */
static void
pcod_signals(struct pcod *p)
{
	const int	sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	int		i;

	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit must fail the write (no ACK), not kill the daemon. */
	signal(SIGXFSZ, SIG_IGN);
	for (i = 0; i < 3; i++) {
		p->sig[i] = evsignal_new(p->base, sigs[i], pcod_signal, p);
		if (p->sig[i] == NULL || evsignal_add(p->sig[i], NULL) == -1)
			fatalx("cannot watch signal %d", sigs[i]);
	}
}

int
main(int argc, char *argv[])
{
	struct pcod	 p;
	const char	*conf = PCOD_CONF;
	char		 err[512];
	int		 ch, foreground = 0, check = 0;

	memset(&p, 0, sizeof(p));
	while ((ch = getopt(argc, argv, "fnvc:h")) != -1) {
		switch (ch) {
		case 'f': foreground = 1; break;
		case 'n': check = 1; break;
		case 'v': p.verbose++; break;
		case 'c': conf = optarg; break;
		default: usage();
		}
	}
	if (optind < argc && strcmp(argv[optind], "migrate-store") == 0)
		return migrate_store_main(argc - optind, argv + optind);
	if (optind != argc)
		usage();
	if ((p.cfg = config_load(conf, err, sizeof(err))) == NULL) {
		log_stderr(LOG_ERR, "%s", err);
		return 1;
	}
	if (check)
		return pcod_check(p.cfg);
	log_init(foreground, pcod_level(&p));
	/* The same findings as pcod -n, before anything is opened or bound. */
	if (confcheck_run(p.cfg, pcod_finding, &(struct pcod_findings){ 0, 0 }) > 0)
		fatalx("%s: not starting: the error(s) above", conf);
	pcod_stats.started = time(NULL);
	if ((p.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	pcod_signals(&p);
	p.sd = sdnotify_new(p.base, pcod_figures, &p);
	pcod_start(&p);
	sdnotify_ready(p.sd);
	if (event_base_dispatch(p.base) == -1)
		fatalx("event loop failed");
	pcod_stop(&p);
	return p.exit_code;
}
