/*
 * store_lease.c - the receivers' lease on PostgreSQL (lease.h): one session
 * of its own, one statement a second sent asynchronously (libpq's
 * non-blocking API, the socket watched by the loop), so that renewing never
 * waits behind the writer's batch and never blocks the loop.
 *
 * The statement both renews and takes: it sets the lease to this node when
 * this node holds the current epoch (renewal, same epoch) or, for a
 * standby, when the lease has expired (takeover, epoch + 1); it records the
 * node's role in receivers; it returns the epoch it set (NULL: nothing
 * changed), the holder as it was, the time left, and the other receivers
 * seen in the last minute.  All times are the database server's clock.
 *
 * Connecting is synchronous (bounded by connect_timeout) and happens at
 * most once per lease time while the server is unreachable.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "clock.h"
#include "db.h"
#include "lease.h"
#include "log.h"
#include "xmalloc.h"

#define LEASE_TICK_MS		1000	/* renew or try this often */
#define LEASE_CONNECT_TIMEOUT	"2"	/* seconds, per connection attempt */
#define LEASE_PEER_MS		60000	/* receivers heard within: peers */
#define LEASE_NODE_MAX		64

/* The database's clock in ms, inside a statement. */
#define SQL_NOW	"(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

/*
 * Locks: every write transaction holds the lease row FOR KEY SHARE (the
 * fence, store.c).  A renewal is a plain UPDATE of non-key columns (FOR NO
 * KEY UPDATE), which does not conflict with it, so renewing never waits
 * for a batch nor a batch for a renewal.  A takeover first locks the row
 * FOR UPDATE, which does: it waits for the batch in progress to end, and a
 * batch waits for the takeover, whose new epoch then fences it out.
 *
 * $1 node, $2 lease ms, $3 the epoch held (0: none), $4 0: renew only,
 * 1: may take an expired lease, 2: also one held by this node's name (a
 * previous run of this pcod, at start-up), $5 how recent a peer's word
 * must be (ms).
 */
static const char sql_tick[] =
    "WITH now AS (SELECT " SQL_NOW " AS ms),"
    " t AS (UPDATE lease SET holder = $1,"
    "   epoch = CASE WHEN lease.epoch = $3 AND lease.holder = $1"
    "     THEN lease.epoch ELSE lease.epoch + 1 END,"
    "   renewed_ms = now.ms, expires_ms = now.ms + $2 FROM now"
    "   WHERE lease.id = 1 AND ((lease.epoch = $3 AND lease.holder = $1)"
    "     OR lease.id = (SELECT k.id FROM lease k CROSS JOIN now n"
    "       WHERE k.id = 1 AND (($4 >= 1 AND k.expires_ms < n.ms)"
    "       OR ($4 = 2 AND k.holder = $1)) FOR UPDATE OF k))"
    "   RETURNING lease.epoch),"
    " r AS (INSERT INTO receivers (name, role, epoch, seen_ms)"
    "   SELECT $1, CASE WHEN (SELECT epoch FROM t) IS NULL THEN 'standby'"
    "     ELSE 'active' END, coalesce((SELECT epoch FROM t), 0), now.ms"
    "   FROM now ON CONFLICT (name) DO UPDATE"
    "   SET role = excluded.role, epoch = excluded.epoch,"
    "   seen_ms = excluded.seen_ms)"
    " SELECT (SELECT epoch FROM t), l.holder, l.epoch, l.expires_ms - now.ms,"
    "   (SELECT coalesce(json_agg(json_build_object('name', v.name,"
    "     'role', v.role, 'epoch', v.epoch, 'seen_ms_ago', now.ms - v.seen_ms)"
    "     ORDER BY v.name), '[]') FROM receivers v"
    "     WHERE v.name <> $1 AND v.seen_ms > now.ms - $5)"
    " FROM lease l CROSS JOIN now WHERE l.id = 1";
/* $1 node, $2 epoch: a clean stop gives the lease up. */
static const char sql_release[] =
    "WITH r AS (UPDATE receivers SET role = 'stopped', seen_ms = " SQL_NOW
    "   WHERE name = $1)"
    " UPDATE lease SET holder = '', expires_ms = 0"
    " WHERE id = 1 AND holder = $1 AND epoch = $2";

/* The parameters' types: text, int8, int8, int4, int8. */
static const Oid lease_types[5] = { 25, 20, 20, 23, 20 };

struct lease {
	struct event_base	*base;
	char			*conninfo;
	char			 node[LEASE_NODE_MAX];
	int64_t			 lease_ms;
	PGconn			*conn;
	struct event		*ev_sock;	/* the session's socket, while busy */
	struct event		*tick;
	lease_fn		 fn;
	void			*arg;

	enum lease_role		 role;
	int64_t			 epoch;		/* held; 0 standby */
	int			 busy;		/* a statement in flight */
	PGresult		*res;		/* its result, once complete */
	int64_t			 sent_ms;	/* monotonic, of the one in flight */
	int64_t			 confirmed_ms;	/* monotonic, sent time of the last renewal */
	int64_t			 connect_ms;	/* monotonic, of the last attempt */
	int			 lost;		/* LEASE_LOST told */
	int			 answered;	/* the last statement was answered */
	int			 late;		/* unconfirmed past the lease time (logged) */

	char			 holder[LEASE_NODE_MAX];	/* as last read */
	int64_t			 holder_epoch;
	int64_t			 expires_in_ms;
	json_t			*peers;
	uint64_t		 takeovers;
	uint64_t		 failures;	/* statements that failed */
};

/* A libpq message on one line, for the log. */
static const char *
lease_msg(const char *m, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s", m != NULL ? m : "");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Close the session (it is opened again at the next tick). */
static void
lease_disconnect(struct lease *l)
{
	if (l->ev_sock != NULL) {
		event_free(l->ev_sock);
		l->ev_sock = NULL;
	}
	if (l->conn != NULL)
		PQfinish(l->conn);
	l->conn = NULL;
	PQclear(l->res);
	l->res = NULL;
	l->busy = 0;
}

/* Open the session with its settings; 0 or -1 with err set. */
static int
lease_connect(struct lease *l, char *err, size_t errsz)
{
	const char	*keys[] = { "dbname", "connect_timeout",
			    "application_name", NULL };
	const char	*vals[] = { l->conninfo, LEASE_CONNECT_TIMEOUT,
			    "pcod-lease", NULL };
	char		 set[256];
	PGresult	*res;
	int		 ok;

	l->connect_ms = clock_mono_ms();
	l->conn = PQconnectdbParams(keys, vals, 1);
	if (l->conn == NULL || PQstatus(l->conn) != CONNECTION_OK) {
		snprintf(err, errsz, "lease session: %s", l->conn != NULL ?
		    PQerrorMessage(l->conn) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		lease_disconnect(l);
		return -1;
	}
	/* A renewal stuck behind a lock must not outlive the lease. */
	snprintf(set, sizeof(set), "SET TIME ZONE 'UTC';"
	    " SET statement_timeout = %lld; SET lock_timeout = %lld",
	    (long long)l->lease_ms, (long long)(l->lease_ms / 2));
	res = PQexec(l->conn, set);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(err, errsz, "lease session: %s",
		    PQresultErrorMessage(res));
	PQclear(res);
	if (!ok || PQsetnonblocking(l->conn, 1) != 0) {
		if (ok)
			snprintf(err, errsz, "lease session: cannot go"
			    " non-blocking");
		err[strcspn(err, "\n")] = '\0';
		lease_disconnect(l);
		return -1;
	}
	return 0;
}

struct lease *
lease_open(struct event_base *base, const char *conninfo, const char *node,
    int lease_s, char *err, size_t errsz)
{
	struct lease	*l = xcalloc(1, sizeof(*l));

	l->base = base;
	l->conninfo = xstrdup(conninfo);
	l->lease_ms = (int64_t)lease_s * 1000;
	l->peers = json_array();
	if (node != NULL)
		snprintf(l->node, sizeof(l->node), "%s", node);
	else if (gethostname(l->node, sizeof(l->node)) != 0 ||
	    l->node[0] == '\0')
		snprintf(l->node, sizeof(l->node), "pcod");
	l->node[sizeof(l->node) - 1] = '\0';
	if (lease_connect(l, err, errsz) == -1) {
		lease_free(l);
		return NULL;
	}
	return l;
}

/* The parameters of the tick statement, in bufs; take: $4. */
static void
lease_params(struct lease *l, int take, char bufs[4][24],
    const char *vals[5])
{
	snprintf(bufs[0], 24, "%lld", (long long)l->lease_ms);
	snprintf(bufs[1], 24, "%lld", (long long)l->epoch);
	snprintf(bufs[2], 24, "%d", l->role == LEASE_STANDBY ? take : 0);
	snprintf(bufs[3], 24, "%d", LEASE_PEER_MS);
	vals[0] = l->node;
	vals[1] = bufs[0];
	vals[2] = bufs[1];
	vals[3] = bufs[2];
	vals[4] = bufs[3];
}

/*
 * Take in the tick statement's result, sent at sent_ms: 1 this node holds
 * the lease after it (renewed or taken), 0 not, -1 the statement failed.
 */
static int
lease_result(struct lease *l, PGresult *res, int64_t sent_ms)
{
	json_t		*peers;
	const char	*v;
	char		 msg[256];

	l->answered = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 5) {
		l->failures++;
		if (log_limit_allow(LOG_LIMIT_CONN))
			log_warnx("lease: %s", lease_msg(
			    PQresultErrorMessage(res), msg, sizeof(msg)));
		return -1;
	}
	snprintf(l->holder, sizeof(l->holder), "%s", PQgetvalue(res, 0, 1));
	l->holder_epoch = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	l->expires_in_ms = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	if ((peers = json_loads(PQgetvalue(res, 0, 4), 0, NULL)) != NULL &&
	    json_is_array(peers)) {
		json_decref(l->peers);
		l->peers = peers;
	} else
		json_decref(peers);
	if (PQgetisnull(res, 0, 0))
		return 0;
	v = PQgetvalue(res, 0, 0);
	if (l->role == LEASE_STANDBY) {
		l->epoch = strtoll(v, NULL, 10);
		l->takeovers++;
		log_info("lease: taken by %s, epoch %lld (was %s, epoch %lld)",
		    l->node, (long long)l->epoch, l->holder[0] != '\0' ?
		    l->holder : "free", (long long)l->holder_epoch);
		if (strcmp(l->holder, l->node) == 0 && l->expires_in_ms > 0)
			log_warnx("lease: taken back from a previous run of"
			    " node %s before it expired; if another pcod runs"
			    " with node-name %s, give each its own", l->node,
			    l->node);
	}
	snprintf(l->holder, sizeof(l->holder), "%s", l->node);
	l->holder_epoch = l->epoch;
	l->expires_in_ms = l->lease_ms;
	l->confirmed_ms = sent_ms;
	if (l->late)
		log_info("lease: confirmed again (epoch %lld)", (long long)l->epoch);
	l->late = 0;
	return 1;
}

/* Tell fn once that the lease is gone. */
static void
lease_lost(struct lease *l, const char *why)
{
	if (l->lost)
		return;
	l->lost = 1;
	log_warnx("lease: %s is no longer active (epoch %lld): %s", l->node,
	    (long long)l->epoch, why);
	if (l->fn != NULL)
		l->fn(LEASE_LOST, l->arg);
}

/* The outcome of one tick's statement. */
static void
lease_outcome(struct lease *l, int rc)
{
	char	why[160];

	if (l->role == LEASE_ACTIVE) {
		if (rc == 0) {
			snprintf(why, sizeof(why), "%s holds the lease now"
			    " (epoch %lld)", l->holder[0] != '\0' ? l->holder :
			    "nobody", (long long)l->holder_epoch);
			lease_lost(l, why);
		}
		return;
	}
	if (rc == 1) {
		l->role = LEASE_ACTIVE;
		if (l->fn != NULL)
			l->fn(LEASE_TAKEN, l->arg);
	}
}

/* The session's socket is readable: collect the statement's result. */
static void
lease_readable(evutil_socket_t fd, short what, void *arg)
{
	struct lease	*l = arg;
	PGresult	*res;
	char		 msg[256];
	int		 rc;

	(void)fd;
	(void)what;
	if (PQconsumeInput(l->conn) == 0) {
		l->failures++;
		if (log_limit_allow(LOG_LIMIT_CONN))
			log_warnx("lease: %s", lease_msg(
			    PQerrorMessage(l->conn), msg, sizeof(msg)));
		lease_disconnect(l);
		return;
	}
	if (PQflush(l->conn) < 0) {
		lease_disconnect(l);
		return;
	}
	while (!PQisBusy(l->conn)) {
		if ((res = PQgetResult(l->conn)) == NULL) {
			/* The statement is over. */
			event_del(l->ev_sock);
			l->busy = 0;
			rc = l->res != NULL ? lease_result(l, l->res,
			    l->sent_ms) : -1;
			PQclear(l->res);
			l->res = NULL;
			lease_outcome(l, rc);
			return;
		}
		if (l->res == NULL)
			l->res = res;
		else
			PQclear(res);
	}
	/* The rest comes with the next read. */
}

/* Send the tick statement without waiting; 0 or -1. */
static int
lease_send(struct lease *l)
{
	char		 bufs[4][24], msg[256];
	const char	*vals[5];

	lease_params(l, 1, bufs, vals);
	if (PQsendQueryParams(l->conn, sql_tick, 5, lease_types, vals, NULL,
	    NULL, 0) == 0) {
		l->failures++;
		if (log_limit_allow(LOG_LIMIT_CONN))
			log_warnx("lease: %s", lease_msg(
			    PQerrorMessage(l->conn), msg, sizeof(msg)));
		lease_disconnect(l);
		return -1;
	}
	/* A statement this short leaves in one write, or with the next reads. */
	(void)PQflush(l->conn);
	if (l->ev_sock == NULL)
		l->ev_sock = event_new(l->base, PQsocket(l->conn),
		    EV_READ | EV_PERSIST, lease_readable, l);
	if (l->ev_sock == NULL || event_add(l->ev_sock, NULL) == -1) {
		lease_disconnect(l);
		return -1;
	}
	l->busy = 1;
	l->sent_ms = clock_mono_ms();
	return 0;
}

/* Every second: renew or try to take; notice an unconfirmed lease. */
static void
lease_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lease	*l = arg;
	int64_t		 now = clock_mono_ms();
	char		 err[256];

	(void)fd;
	(void)what;
	if (l->lost)
		return;
	/*
	 * Held past its time without a confirmation (a stall, the server out
	 * of reach) is no reason to stop: the fence keeps a taken-over pcod
	 * from writing, and the next renewal says whether it was.
	 */
	if (l->role == LEASE_ACTIVE && now - l->confirmed_ms >= l->lease_ms &&
	    !l->late) {
		l->late = 1;
		log_warnx("lease: not confirmed for %lld ms (lease time %lld"
		    " ms): the database is out of reach or slow; a standby may"
		    " take over", (long long)(now - l->confirmed_ms),
		    (long long)l->lease_ms);
	}
	if (l->busy) {
		if (now - l->sent_ms < l->lease_ms)
			return;
		log_warnx("lease: no answer for %lld ms: reconnecting",
		    (long long)(now - l->sent_ms));
		l->failures++;
		lease_disconnect(l);
	}
	if (l->conn == NULL) {
		if (now - l->connect_ms < l->lease_ms)
			return;
		if (lease_connect(l, err, sizeof(err)) == -1) {
			if (log_limit_allow(LOG_LIMIT_CONN))
				log_warnx("%s", err);
			return;
		}
	}
	(void)lease_send(l);
}

int
lease_try(struct lease *l, char *err, size_t errsz)
{
	char		 bufs[4][24];
	const char	*vals[5];
	PGresult	*res;
	int64_t		 sent = clock_mono_ms();
	int		 rc;

	/* At start-up a lease held under this node's name is a previous run's. */
	lease_params(l, 2, bufs, vals);
	if (PQsetnonblocking(l->conn, 0) != 0) {
		snprintf(err, errsz, "lease session: cannot block");
		return -1;
	}
	res = PQexecParams(l->conn, sql_tick, 5, lease_types, vals, NULL, NULL,
	    0);
	rc = lease_result(l, res, sent);
	if (rc == -1) {
		snprintf(err, errsz, "taking the lease: %s",
		    PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
	}
	PQclear(res);
	(void)PQsetnonblocking(l->conn, 1);
	if (rc == 1)
		l->role = LEASE_ACTIVE;
	return rc;
}

void
lease_start(struct lease *l, lease_fn fn, void *arg)
{
	struct timeval	tv = { LEASE_TICK_MS / 1000,
			    (LEASE_TICK_MS % 1000) * 1000 };

	l->fn = fn;
	l->arg = arg;
	if (l->tick == NULL)
		l->tick = event_new(l->base, -1, EV_PERSIST, lease_tick, l);
	if (l->tick == NULL || event_add(l->tick, &tv) == -1)
		fatalx("lease: cannot schedule the renewal");
}

void
lease_release(struct lease *l)
{
	char		 ep[24], msg[256];
	const char	*vals[2];
	PGresult	*res;

	/*
	 * A standby's or deposed node's epoch matches nothing: only its role.
	 * Not when the server did not answer the last statement: a stop must
	 * not hang on a network that is gone (the lease lapses by itself).
	 */
	if (l == NULL || l->conn == NULL || !l->answered ||
	    (l->busy && clock_mono_ms() - l->sent_ms > LEASE_TICK_MS))
		return;
	if (l->tick != NULL)
		event_del(l->tick);
	/* Wait out a renewal in flight: the session takes one at a time. */
	(void)PQsetnonblocking(l->conn, 0);
	while ((res = PQgetResult(l->conn)) != NULL)
		PQclear(res);
	if (l->ev_sock != NULL)
		event_del(l->ev_sock);
	l->busy = 0;
	snprintf(ep, sizeof(ep), "%lld", (long long)lease_epoch(l));
	vals[0] = l->node;
	vals[1] = ep;
	res = PQexecParams(l->conn, sql_release, 2, (const Oid[]){ 25, 20 },
	    vals, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdTuples(res), "1") == 0)
		log_info("lease: released (epoch %lld)", (long long)l->epoch);
	else if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_warnx("lease: releasing: %s",
		    lease_msg(PQresultErrorMessage(res), msg, sizeof(msg)));
	PQclear(res);
	l->role = LEASE_STANDBY;
}

void
lease_free(struct lease *l)
{
	if (l == NULL)
		return;
	if (l->tick != NULL)
		event_free(l->tick);
	lease_disconnect(l);
	json_decref(l->peers);
	free(l->conninfo);
	free(l);
}

enum lease_role
lease_role(const struct lease *l)
{
	return l->role;
}

int64_t
lease_epoch(const struct lease *l)
{
	return l->role == LEASE_ACTIVE ? l->epoch : 0;
}

const char *
lease_node(const struct lease *l)
{
	return l->node;
}

const char *
lease_holder(const struct lease *l, int64_t *epoch)
{
	*epoch = l->holder_epoch;
	return l->holder;
}

json_t *
lease_json(const struct lease *l)
{
	return json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:O}",
	    "role", l->role == LEASE_ACTIVE ? "active" : "standby",
	    "node", l->node,
	    "epoch", (json_int_t)lease_epoch(l),
	    "holder", l->holder,
	    "holder_epoch", (json_int_t)l->holder_epoch,
	    "expires_in_ms", (json_int_t)l->expires_in_ms,
	    "lease_time_s", (json_int_t)(l->lease_ms / 1000),
	    "confirmed_ms_ago", (json_int_t)(l->role == LEASE_ACTIVE ?
	    clock_mono_ms() - l->confirmed_ms : -1),
	    "takeovers", (json_int_t)l->takeovers,
	    "failures", (json_int_t)l->failures,
	    "peers", l->peers);
}
