/* store_alarm.c - alarms, their stacked events and protocol steps in SQLite. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "db.h"

#include "store.h"
#include "store_alarm.h"
#include "store_int.h"

/* The columns of an alarm as every reader gets it. */
#define ALARM_COLS "a.id, a.site_id, s.name AS site_name, a.account, a.zone," \
    " a.class, a.kind, a.priority, a.state, a.restored, a.escalated, a.count," \
    " a.text, a.first_ms, a.last_ms, a.created_ms, a.protocol_id," \
    " a.take_deadline_ms, a.next_deadline_ms, a.taken_by, a.taken_ms," \
    " a.closed_by, a.closed_ms, a.resolution, a.resolution_note," \
    " a.risk_id, a.priority_reason, a.dispatch_deadline_ms" \
    " FROM alarms a LEFT JOIN sites s ON s.id = a.site_id"

static const char sql_add[] = "INSERT INTO alarms (site_id, account, zone,"
    " class, kind, priority, state, text, first_ms, last_ms, created_ms,"
    " protocol_id, take_deadline_ms, next_deadline_ms, first_event_id,"
    " last_event_id) VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, ?6, 'new', ?7, ?8,"
    " ?8, ?9, nullif(?10, 0), ?11, ?11, nullif(?12, 0), nullif(?12, 0))";
static const char sql_link[] = "INSERT INTO alarm_events"
    " (alarm_id, event_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
static const char sql_stack[] = "UPDATE alarms SET count = count + ?2,"
    " last_ms = max(last_ms, ?3), restored = CASE WHEN ?4 < 0 THEN restored"
    " ELSE ?4 END, first_event_id = coalesce(first_event_id, nullif(?5, 0)),"
    " last_event_id = CASE WHEN ?5 > 0 THEN max(coalesce(last_event_id, 0), ?5)"
    " ELSE last_event_id END WHERE id = ?1";
static const char sql_step_copy[] = "INSERT INTO alarm_steps (alarm_id,"
    " position, action, target, text, deadline_s) VALUES (?1, ?2, ?3, ?4, ?5,"
    " ?6)";
static const char sql_take[] = "UPDATE alarms SET state = 'taken',"
    " taken_by = ?2, taken_ms = ?3 WHERE id = ?1";
static const char sql_take_steps[] = "UPDATE alarm_steps SET deadline_ms ="
    " ?2 + deadline_s * 1000 WHERE alarm_id = ?1 AND done_ms IS NULL";
static const char sql_set_next[] = "UPDATE alarms SET next_deadline_ms ="
    " nullif(?2, 0) WHERE id = ?1";
static const char sql_escalate[] = "UPDATE alarms SET escalated = escalated + 1,"
    " priority = max(1, priority - 1), next_deadline_ms = CASE WHEN ?2 < 0"
    " THEN next_deadline_ms ELSE nullif(?2, 0) END WHERE id = ?1";
static const char sql_close[] = "UPDATE alarms SET state = 'closed',"
    " closed_by = ?2, closed_ms = ?3, resolution = ?4, resolution_note = ?5,"
    " next_deadline_ms = NULL WHERE id = ?1";
static const char sql_close_match[] = "UPDATE alarms SET state = 'closed',"
    " closed_by = ?1, closed_ms = ?2, resolution = ?3, resolution_note = ?4,"
    " next_deadline_ms = NULL WHERE state IN ('new', 'taken')"
    " AND (?5 IS NULL OR state = ?5) AND (?6 = 0 OR site_id = ?6)"
    " AND (?7 IS NULL OR account = ?7) AND (?8 IS NULL OR class = ?8)"
    " AND (?9 = 0 OR priority = ?9) AND (?10 = 0 OR created_ms < ?10)"
    " RETURNING id, kind, account";
static const char sql_step_set[] = "UPDATE alarm_steps SET outcome = ?3,"
    " done_by = ?4, done_ms = ?5 WHERE alarm_id = ?1 AND position = ?2";
static const char sql_step_due[] = "SELECT min(CASE WHEN deadline_ms > ?2"
    " THEN deadline_ms END), count(CASE WHEN deadline_ms <= ?2 THEN 1 END)"
    " FROM alarm_steps WHERE alarm_id = ?1 AND done_ms IS NULL"
    " AND deadline_ms IS NOT NULL";
static const char sql_steps_due[] = "SELECT position, action, deadline_s"
    " FROM alarm_steps WHERE alarm_id = ?1 AND done_ms IS NULL"
    " AND deadline_ms <= ?2 ORDER BY position";
static const char sql_steps_mark[] = "UPDATE alarm_steps SET escalated ="
    " escalated + 1 WHERE alarm_id = ?1 AND done_ms IS NULL"
    " AND deadline_ms <= ?2";
/* Cached once per connection: the cache is keyed by address and connection. */
static const char sql_get[] = "SELECT " ALARM_COLS " WHERE a.id = ?1";
static const char sql_list[] = "SELECT " ALARM_COLS
    " WHERE (?1 = 'all' OR a.state = ?1 OR (?1 = 'open' AND a.state <> 'closed'))"
    " AND (?2 = 0 OR a.site_id = ?2)"
    " ORDER BY a.priority, a.created_ms, a.id LIMIT ?3";
/* Links are ordered by event: the alarm's id range bounds the scan. */
static const char sql_events[] = "SELECT e.id, e.received_ms, e.account,"
    " e.format, e.code, e.qual AS qualifier, e.class, e.text, e.zone,"
    " e.\"user\", e.\"partition\", e.name, e.note, e.peripheral,"
    " e.event_time, coalesce(f.ext, e.ext) AS ext_json FROM alarms a"
    " JOIN alarm_events ae ON ae.event_id BETWEEN a.first_event_id"
    " AND a.last_event_id AND ae.alarm_id = a.id"
    " JOIN events e ON e.id = ae.event_id"
    " LEFT JOIN frames f ON f.id = e.frame_id"
    " WHERE a.id = ?1 ORDER BY ae.event_id DESC LIMIT ?2";
static const char sql_steps[] = "SELECT position, action, target, text,"
    " deadline_s, deadline_ms, escalated, done_ms, done_by, outcome"
    " FROM alarm_steps WHERE alarm_id = ?1 ORDER BY position";
static const char sql_open[] = "SELECT id, coalesce(site_id, 0), account,"
    " coalesce(zone, -1), class, kind, state = 'taken', restored, created_ms,"
    " coalesce(next_deadline_ms, 0) FROM alarms WHERE state <> 'closed'";
/*
 * The unknown-accounts alarm: one row per account, its events counted.  The
 * UPDATE first: it is the only statement for an account seen before (an
 * upsert cannot tell a new row from an old one without RETURNING, which
 * costs more than the second statement it saves).
 */
/*
 * An account's events on the unknown-accounts alarm: the alarm counts the
 * account first if it is new to it, then its row is added or moved on.
 * Neither needs an answer (blind: pipelined, nothing waits for them).
 */
static const char sql_acct_total[] = "UPDATE alarms SET accounts ="
    " coalesce(accounts, 0) + 1 WHERE id = ?1 AND NOT EXISTS (SELECT 1"
    " FROM alarm_accounts WHERE alarm_id = ?1 AND account = ?2)";
static const char sql_acct_upsert[] = "INSERT INTO alarm_accounts"
    " (alarm_id, account, count, first_ms, last_ms) VALUES (?1, ?2, ?3, ?4,"
    " ?5) ON CONFLICT (alarm_id, account) DO UPDATE SET count ="
    " alarm_accounts.count + excluded.count, last_ms ="
    " max(alarm_accounts.last_ms, excluded.last_ms)";
static const char sql_accounts[] = "SELECT account, count AS events,"
    " first_ms, last_ms FROM alarm_accounts WHERE alarm_id = ?1"
    " ORDER BY count DESC, account LIMIT ?2";
static const char sql_dispatch_ms[] = "SELECT coalesce(dispatch_deadline_ms, 0)"
    " FROM alarms WHERE id = ?1";
static const char sql_accounts_seen[] = "SELECT coalesce(accounts, 0) AS seen"
    " FROM alarms WHERE id = ?1";

/* Run a bound writer statement, or fail when a bind did. */
static int
alarm_run(struct store *s, struct db_stmt *st, int rc)
{
	if (rc != DB_OK) {
		db_reset(st);
		db_clear_bindings(st);
		return store_fail(s, STORE_WRITER);
	}
	return store_step_done(s, st);
}

/* Insert a new alarm; its id or -1. */
int64_t
store_alarm_add(struct store *s, const struct store_alarm_new *a)
{
	/* Blind: pipelined, its id comes from a block (store_int.h). */
	struct db_stmt	*st = store_stmt_blind(s, sql_add);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, a->site_id);
	rc |= store_bind_str(st, 2, a->account);
	rc |= a->zone >= 0 ? db_bind_int(st, 3, a->zone) :
	    db_bind_null(st, 3);
	rc |= store_bind_str(st, 4, a->cls);
	rc |= store_bind_str(st, 5, a->kind);
	rc |= db_bind_int(st, 6, a->priority);
	rc |= store_bind_str(st, 7, a->text != NULL ? a->text : "");
	rc |= db_bind_int64(st, 8, a->first_ms);
	rc |= db_bind_int64(st, 9, a->created_ms);
	rc |= db_bind_int64(st, 10, a->protocol_id);
	rc |= db_bind_int64(st, 11, a->take_deadline_ms);
	rc |= db_bind_int64(st, 12, a->event_id);
	if (alarm_run(s, st, rc) == -1)
		return -1;
	return store_last_id(s);
}

/* Bind two integers (an id, and a time or another id) to st and run. */
static int
alarm_run_pair(struct store *s, struct db_stmt *st, int64_t id, int64_t ms)
{
	int	rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= db_bind_int64(st, 2, ms);
	return alarm_run(s, st, rc);
}

/* The same with sql on the writer: the shape several writes share. */
static int
alarm_run_ids(struct store *s, const char *sql, int64_t id, int64_t ms)
{
	return alarm_run_pair(s, store_stmt(s, STORE_WRITER, sql), id, ms);
}

/* Link a stored event to its alarm. */
int
store_alarm_link(struct store *s, int64_t alarm_id, int64_t event_id)
{
	return alarm_run_pair(s, store_stmt_blind(s, sql_link), alarm_id,
	    event_id);
}

/*
 * A batch's links, STORE_LINK_ROWS to a statement on SQLite: one statement
 * an event cost as much in its overhead as in the insert (PostgreSQL's
 * layer merges the one-row statements itself, db_pg.c).
 */
#define STORE_LINK_ROWS	16
static const char sql_links[] = "INSERT INTO alarm_events (alarm_id,"
    " event_id) VALUES (?1, ?2), (?3, ?4), (?5, ?6), (?7, ?8), (?9, ?10),"
    " (?11, ?12), (?13, ?14), (?15, ?16), (?17, ?18), (?19, ?20), (?21, ?22),"
    " (?23, ?24), (?25, ?26), (?27, ?28), (?29, ?30), (?31, ?32)"
    " ON CONFLICT DO NOTHING";

int
store_alarm_links(struct store *s, const int64_t (*links)[2], size_t n)
{
	struct db_stmt	*st;
	size_t		 i = 0;
	int		 k, rc;

	for (; store_embedded(s) && i + STORE_LINK_ROWS <= n;
	    i += STORE_LINK_ROWS) {
		if ((st = store_stmt_blind(s, sql_links)) == NULL)
			return -1;
		rc = 0;
		for (k = 0; k < STORE_LINK_ROWS; k++) {
			rc |= db_bind_int64(st, 2 * k + 1, links[i + k][0]);
			rc |= db_bind_int64(st, 2 * k + 2, links[i + k][1]);
		}
		if (rc != DB_OK)
			return store_fail(s, STORE_WRITER);
		if (store_step_done(s, st) == -1)
			return -1;
	}
	/* The rest one a statement (on PostgreSQL all: its layer merges them). */
	for (; i < n; i++)
		if (store_alarm_link(s, links[i][0], links[i][1]) == -1)
			return -1;
	return 0;
}

/* One more event on an open alarm. */
int
store_alarm_stack(struct store *s, int64_t id, int64_t last_ms, int inc,
    int restored)
{
	return store_alarm_stack_event(s, id, last_ms, inc, restored, 0);
}

/* One more event on an open alarm, widening its range of event ids. */
int
store_alarm_stack_event(struct store *s, int64_t id, int64_t last_ms, int inc,
    int restored, int64_t event_id)
{
	struct db_stmt	*st = store_stmt_blind(s, sql_stack);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= db_bind_int(st, 2, inc);
	rc |= db_bind_int64(st, 3, last_ms);
	rc |= db_bind_int(st, 4, restored);
	rc |= db_bind_int64(st, 5, event_id);
	return alarm_run(s, st, rc);
}

/* A string member of obj, "" when absent or not a string. */
static const char *
alarm_member_str(const json_t *obj, const char *name)
{
	const char	*v = json_string_value(json_object_get(obj, name));

	return v != NULL ? v : "";
}

/* Copy one protocol step. */
static int
alarm_step_copy(struct store *s, int64_t id, const json_t *step)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_step_copy);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= store_bind_json(st, 2, json_object_get(step, "position"));
	rc |= store_bind_json(st, 3, json_object_get(step, "action"));
	rc |= store_bind_str(st, 4, alarm_member_str(step, "target"));
	rc |= store_bind_str(st, 5, alarm_member_str(step, "text"));
	rc |= store_bind_json(st, 6, json_object_get(step, "deadline_s"));
	return alarm_run(s, st, rc);
}

/* Copy the protocol's steps to the alarm. */
int
store_alarm_steps_copy(struct store *s, int64_t id, const json_t *steps)
{
	const json_t	*step;
	size_t		 i;

	json_array_foreach(steps, i, step)
		if (alarm_step_copy(s, id, step) == -1)
			return -1;
	return 0;
}


/* The alarm is taken; its steps' deadlines start now when asked. */
int
store_alarm_take(struct store *s, int64_t id, const char *who, int64_t ms,
    int deadlines)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_take);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= store_bind_str(st, 2, who);
	rc |= db_bind_int64(st, 3, ms);
	if (alarm_run(s, st, rc) == -1)
		return -1;
	return deadlines ? alarm_run_ids(s, sql_take_steps, id, ms) : 0;
}

/* Store the next deadline (0: none). */
int
store_alarm_set_next(struct store *s, int64_t id, int64_t next_ms)
{
	return alarm_run_ids(s, sql_set_next, id, next_ms);
}

/* The dispatch deadline the site's risk assessment set (0: none).  0 or -1. */
int
store_alarm_dispatch_ms(struct store *s, int64_t id, int64_t *ms)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_dispatch_ms);

	*ms = 0;
	if (st == NULL || db_bind_int64(st, 1, id) != DB_OK)
		return store_fail(s, STORE_WRITER);
	return store_step_int64(s, STORE_WRITER, st, ms) == -1 ? -1 : 0;
}

/* One escalation level more. */
int
store_alarm_escalate(struct store *s, int64_t id, int64_t next_ms)
{
	return alarm_run_ids(s, sql_escalate, id, next_ms);
}

/* Close with a resolution. */
int
store_alarm_close(struct store *s, int64_t id, const char *who, int64_t ms,
    const char *resolution, const char *note)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_close);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= store_bind_str(st, 2, who);
	rc |= db_bind_int64(st, 3, ms);
	rc |= store_bind_str(st, 4, resolution);
	rc |= store_bind_str(st, 5, note);
	return alarm_run(s, st, rc);
}

/* A step's outcome: 0, 1 no such step, -1. */
int
store_alarm_step_set(struct store *s, int64_t id, int position,
    const char *outcome, const char *who, int64_t ms)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_step_set);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= db_bind_int(st, 2, position);
	rc |= store_bind_str(st, 3, outcome);
	rc |= store_bind_str(st, 4, who);
	rc |= db_bind_int64(st, 5, ms);
	if (alarm_run(s, st, rc) == -1)
		return -1;
	return store_changes(s) == 0 ? 1 : 0;
}

/* The next step deadline after now and how many are due. */
int
store_alarm_step_due(struct store *s, int64_t id, int64_t now, int64_t *next_ms,
    int *due)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_step_due);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= db_bind_int64(st, 2, now);
	if (rc != DB_OK || db_step(st) != DB_ROW) {
		store_fail(s, STORE_WRITER);
		db_reset(st);
		return -1;
	}
	*next_ms = db_column_int64(st, 0);	/* NULL reads as 0 */
	*due = db_column_int(st, 1);
	db_reset(st);
	return 0;
}

/* The steps due now, each marked escalated once more. */
json_t *
store_alarm_steps_escalate(struct store *s, int64_t id, int64_t now)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_steps_due);
	json_t		*rows;

	if (st == NULL)
		return NULL;
	if (db_bind_int64(st, 1, id) != DB_OK ||
	    db_bind_int64(st, 2, now) != DB_OK) {
		store_fail(s, STORE_WRITER);
		return NULL;
	}
	if ((rows = store_rows_json(s, STORE_WRITER, st)) == NULL)
		return NULL;
	if (json_array_size(rows) > 0 &&
	    alarm_run_ids(s, sql_steps_mark, id, now) == -1) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* Bind (id, n) on conn's statement and return all rows (n < 0: only id). */
static json_t *
alarm_rows(struct store *s, enum store_conn conn, const char *sql, int64_t id,
    int n, int first)
{
	struct db_stmt	*st = store_stmt(s, conn, sql);
	int		 rc;

	if (st == NULL)
		return NULL;
	rc = db_bind_int64(st, 1, id);
	if (n >= 0)
		rc |= db_bind_int(st, 2, n);
	if (rc != DB_OK) {
		store_fail(s, conn);
		return NULL;
	}
	return first ? store_row1_json(s, conn, st) : store_rows_json(s, conn, st);
}

/* One alarm, committed or as the batch sees it. */
json_t *
store_alarm_get(struct store *s, int64_t id, int committed)
{
	return alarm_rows(s, committed ? STORE_READER : STORE_WRITER, sql_get,
	    id, -1, 1);
}

/* The queue. */
json_t *
store_alarm_list(struct store *s, const struct store_alarm_filter *f)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_list);
	int		 rc;

	if (st == NULL)
		return NULL;
	rc = store_bind_str(st, 1, f->state != NULL ? f->state : "open");
	rc |= db_bind_int64(st, 2, f->site_id);
	rc |= db_bind_int(st, 3, f->limit > 0 ? f->limit : 100);
	if (rc != DB_OK) {
		store_fail(s, STORE_READER);
		return NULL;
	}
	return store_rows_json(s, STORE_READER, st);
}

/* How many alarm.list would give without its limit (issue 12: the watch's total). */
static const char sql_count[] = "SELECT count(*) FROM alarms a"
    " WHERE (?1 = 'all' OR a.state = ?1 OR (?1 = 'open' AND a.state <> 'closed'))"
    " AND (?2 = 0 OR a.site_id = ?2)";

/* The queue's length. */
int64_t
store_alarm_count(struct store *s, const struct store_alarm_filter *f)
{
	struct db_stmt	*st = store_stmt(s, STORE_READER, sql_count);
	int64_t		 n = 0;
	int		 rc;

	if (st == NULL)
		return -1;
	rc = store_bind_str(st, 1, f->state != NULL ? f->state : "open");
	rc |= db_bind_int64(st, 2, f->site_id);
	if (rc != DB_OK)
		return store_fail(s, STORE_READER);
	return store_step_int64(s, STORE_READER, st, &n) < 0 ? -1 : n;
}

/* The alarm's events, newest first. */
json_t *
store_alarm_events(struct store *s, int64_t id, int limit)
{
	return alarm_rows(s, STORE_READER, sql_events, id, limit, 0);
}

/* The alarm's steps. */
json_t *
store_alarm_steps(struct store *s, int64_t id)
{
	return alarm_rows(s, STORE_READER, sql_steps, id, -1, 0);
}

/* Open alarms by state and priority (the queue's index covers it). */
int
store_alarm_open_counts(struct store *s, struct store_alarm_counts *c)
{
	static const char	 sql[] = "SELECT state = 'taken', priority, count(*)"
	    " FROM alarms WHERE state IN ('new', 'taken')"
	    " GROUP BY state, priority";
	struct db_stmt		*st = store_stmt(s, STORE_READER, sql);
	int64_t			 n;
	int			 rc, taken, prio;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		taken = db_column_int(st, 0) != 0;
		prio = db_column_int(st, 1);
		n = db_column_int64(st, 2);
		if (prio < 1)
			prio = 1;
		if (prio > STORE_ALARM_PRIO_MAX)
			prio = STORE_ALARM_PRIO_MAX;
		c->by[taken][prio] += n;
		c->total += n;
	}
	if (rc != DB_DONE) {
		store_fail(s, STORE_READER);
		db_reset(st);
		return -1;
	}
	db_reset(st);
	return 0;
}

/* Every open alarm, for the engine's index. */
int
store_alarm_open_foreach(struct store *s,
    int (*cb)(const struct store_alarm_open *, void *), void *arg)
{
	struct db_stmt		*st = store_stmt(s, STORE_WRITER, sql_open);
	struct store_alarm_open	 o;
	int			 rc;

	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		o.id = db_column_int64(st, 0);
		o.site_id = db_column_int64(st, 1);
		o.account = db_column_text(st, 2);
		o.zone = db_column_int(st, 3);
		o.cls = db_column_text(st, 4);
		o.kind = db_column_text(st, 5);
		o.taken = db_column_int(st, 6);
		o.restored = db_column_int(st, 7);
		o.created_ms = db_column_int64(st, 8);
		o.next_deadline_ms = db_column_int64(st, 9);
		if (cb(&o, arg) != 0)
			break;
	}
	if (rc != DB_ROW && rc != DB_DONE) {
		store_fail(s, STORE_WRITER);
		db_reset(st);
		return -1;
	}
	db_reset(st);
	return 0;
}

/* Bind (id, account, n, first_ms, last_ms) to sql and run it. */
static int
alarm_run_account(struct store *s, const char *sql, int64_t id,
    const char *account, int64_t n, int64_t first_ms, int64_t last_ms)
{
	struct db_stmt	*st = store_stmt_blind(s, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	rc = db_bind_int64(st, 1, id);
	rc |= store_bind_str(st, 2, account);
	if (sql == sql_acct_total)
		return alarm_run(s, st, rc);
	rc |= db_bind_int64(st, 3, n);
	rc |= db_bind_int64(st, 4, first_ms);
	rc |= db_bind_int64(st, 5, last_ms);
	return alarm_run(s, st, rc);
}

/* n events of account on the unknown-accounts alarm id, from first_ms to last_ms. */
int
store_alarm_account_add(struct store *s, int64_t id, const char *account,
    int64_t n, int64_t first_ms, int64_t last_ms, int known)
{
	if (!known && alarm_run_account(s, sql_acct_total, id, account, 0, 0,
	    0) == -1)
		return -1;
	return alarm_run_account(s, sql_acct_upsert, id, account, n, first_ms,
	    last_ms);
}

/* Count an event of account on the unknown-accounts alarm: 0 or -1. */
int
store_alarm_account(struct store *s, int64_t id, const char *account,
    int64_t ms)
{
	return store_alarm_account_add(s, id, account, 1, ms, ms, 0);
}

/* The accounts of an unknown-accounts alarm, most events first; *seen, all of them. */
json_t *
store_alarm_accounts(struct store *s, int64_t id, int limit, int64_t *seen)
{
	json_t	*row;

	if ((row = alarm_rows(s, STORE_READER, sql_accounts_seen, id, -1,
	    1)) == NULL)
		return NULL;
	*seen = json_integer_value(json_object_get(row, "seen"));
	json_decref(row);
	return alarm_rows(s, STORE_READER, sql_accounts, id, limit, 0);
}

/* Bind a bulk close: who, when, why, and the filter. */
static int
alarm_bind_match(struct db_stmt *st, const struct store_alarm_match *m,
    const char *who, int64_t ms, const char *resolution, const char *note)
{
	int	rc;

	rc = store_bind_str(st, 1, who);
	rc |= db_bind_int64(st, 2, ms);
	rc |= store_bind_str(st, 3, resolution);
	rc |= store_bind_str(st, 4, note);
	rc |= store_bind_str(st, 5, m->state);
	rc |= db_bind_int64(st, 6, m->site_id);
	rc |= store_bind_str(st, 7, m->account);
	rc |= store_bind_str(st, 8, m->cls);
	rc |= db_bind_int(st, 9, m->priority);
	rc |= db_bind_int64(st, 10, m->before_ms);
	return rc;
}

/* Close every open alarm matching m in one statement; cb hears of each. */
int
store_alarm_close_match(struct store *s, const struct store_alarm_match *m,
    const char *who, int64_t ms, const char *resolution, const char *note,
    store_alarm_closed_fn cb, void *arg)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_close_match);
	int		 rc, n = 0;

	if (st == NULL)
		return -1;
	if (alarm_bind_match(st, m, who, ms, resolution, note) != DB_OK) {
		db_reset(st);
		db_clear_bindings(st);
		return store_fail(s, STORE_WRITER);
	}
	while ((rc = db_step(st)) == DB_ROW) {
		n++;
		cb(db_column_int64(st, 0),
		    db_column_text(st, 1),
		    db_column_text(st, 2), arg);
	}
	if (rc != DB_DONE) {
		store_fail(s, STORE_WRITER);
		db_reset(st);
		return -1;
	}
	db_reset(st);
	return n;
}
