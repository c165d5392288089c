/*
 * store_retention.c - the SQL of retention: the purge steps (on the loop's
 * writer, in the open batch) and the archive and backup copies (on a
 * thread, with connections of their own).
 *
 * What a purge may take, and in which order (the foreign keys of sql/):
 *   1. closed alarms closed before alarms_ms: first their event links
 *      (alarm_events), steps (alarm_steps) and per-account counts
 *      (alarm_accounts), then the alarm.  An open alarm is never touched.
 *   2. events received before events_ms that no alarm links to: an event an
 *      alarm still kept refers to stays as long as that alarm.
 *   3. frames received before frames_ms none of whose events is left: with
 *      their last event, or (frames that never had one, or kept until the
 *      duplicate window let them go) walked by id.  A frame that shares its
 *      only event's row (schema 17) goes with that row, before frames_ms.
 *   4. patrol check-ins received before patrol_ms, and the findings of
 *      shifts begun before it unless an open alarm refers to them.
 *   5. the audit log's prefix before audit_ms (store_audit.c: the anchor).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "audit.h"
#include "clock.h"
#include "retention.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

/* --- the purge steps, on the loop's writer --------------------------------- */

/*
 * "state || ''": no index on state, so alarms_closed is walked in order
 * rather than every closed alarm sorted (SQLite's "+state" is not SQL).
 */
static const char sql_alarm_oldest[] = "SELECT id, coalesce(first_event_id, 0),"
    " coalesce(last_event_id, 0) FROM alarms WHERE closed_ms IS NOT NULL"
    " AND closed_ms < ?1 AND state || '' = 'closed' ORDER BY closed_ms, id"
    " LIMIT 1";
/* The links of one alarm, by the range of its events (the key is event first). */
static const char sql_alarm_links[] = "DELETE FROM alarm_events WHERE"
    " (event_id, alarm_id) IN (SELECT event_id, alarm_id FROM alarm_events"
    " WHERE event_id >= ?2 AND event_id <= ?3 AND alarm_id = ?1 LIMIT ?4)";
static const char sql_alarm_links_any[] = "SELECT 1 FROM alarm_events"
    " WHERE alarm_id = ?1 LIMIT 1";
static const char sql_alarm_steps[] = "DELETE FROM alarm_steps WHERE"
    " alarm_id = ?1";
static const char sql_alarm_accounts[] = "DELETE FROM alarm_accounts WHERE"
    " alarm_id = ?1";
static const char sql_alarm_del[] = "DELETE FROM alarms WHERE id = ?1 AND"
    " state = 'closed'";

/*
 * "Is it linked" as a scalar subquery, not EXISTS: PostgreSQL may plan an
 * EXISTS in the select list as a hash of the whole table built at every
 * step (27 ms a step at 30,000 events, growing with the history); a
 * correlated scalar subquery is probed by index for the few rows of the
 * step.  Walked by id, as frames are: ids grow with time, and SQLite keeps
 * no index on received_ms (schema 18); the walk stops at the first event
 * received at or after the cut (ret_events()).
 */
static const char sql_events_next[] = "SELECT e.id, e.received_ms, (SELECT 1"
    " FROM alarm_events a WHERE a.event_id = e.id LIMIT 1) IS NOT NULL,"
    " coalesce(e.frame_id, 0), e.frame_id IS NULL AND e.transport IS NOT"
    " NULL FROM events e WHERE e.id > ?1 ORDER BY e.id LIMIT ?2";
/*
 * The rows a walk found go by RET_CHUNK ids a statement (unused places
 * NULL, which matches nothing): on PostgreSQL each statement is a round
 * trip the loop waits for, and a step of one DELETE a row spent the
 * loop's time there (tests/bench/PLAN.md, ninth session).
 */
#define RET_CHUNK	32
#define RET_IDS		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"\
    " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"\
    " ?26, ?27, ?28, ?29, ?30, ?31, ?32)"
static const char sql_event_del[] = "DELETE FROM events WHERE id IN " RET_IDS;
/* The frames of events just purged, those left without events. */
static const char sql_event_frame_del[] = "DELETE FROM frames WHERE id IN "
    RET_IDS " AND received_ms < ?33 AND NOT EXISTS (SELECT 1 FROM events e"
    " WHERE e.frame_id = frames.id)";

static const char sql_frames_next[] = "SELECT f.id, f.received_ms, (SELECT 1"
    " FROM events e WHERE e.frame_id = f.id LIMIT 1) IS NOT NULL FROM frames f"
    " WHERE f.id > ?1 ORDER BY f.id LIMIT ?2";
static const char sql_frame_del[] = "DELETE FROM frames WHERE id IN " RET_IDS;

static const char sql_checkins_next[] = "SELECT id, received_ms FROM"
    " patrol_checkins WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char sql_checkin_del[] = "DELETE FROM patrol_checkins WHERE"
    " id IN " RET_IDS;
static const char sql_findings_del[] = "DELETE FROM patrol_findings WHERE"
    " (route, shift_ms, fkey) IN (SELECT route, shift_ms, fkey FROM"
    " patrol_findings f WHERE shift_ms < ?1 AND (f.alarm_id IS NULL OR NOT"
    " EXISTS (SELECT 1 FROM alarms a WHERE a.id = f.alarm_id AND"
    " a.state <> 'closed')) LIMIT ?2)";

/* Run a one-id DELETE; the rows it removed, or -1. */
static int
ret_del_id(struct store *s, const char *sql, int64_t id)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql);

	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s);
}

/*
 * Run sql (a DELETE of the ids in RET_IDS, then ?33 = extra when extra > 0)
 * for the n ids, RET_CHUNK at a time; the rows removed, or -1.
 */
static int
ret_del_ids(struct store *s, const char *sql, const int64_t *ids, int n,
    int64_t extra)
{
	struct db_stmt	*st;
	int		 i, j, rows = 0;

	for (i = 0; i < n; i += RET_CHUNK) {
		if ((st = store_stmt(s, STORE_WRITER, sql)) == NULL)
			return -1;
		for (j = 0; j < RET_CHUNK; j++) {
			if (i + j < n)
				db_bind_int64(st, j + 1, ids[i + j]);
			else
				db_bind_null(st, j + 1);
		}
		if (extra > 0)
			db_bind_int64(st, RET_CHUNK + 1, extra);
		if (store_step_done(s, st) != 0)
			return -1;
		rows += store_changes(s);
	}
	return rows;
}

/* Up to max links of alarm a (events first..last); the rows removed, or -1. */
static int
ret_alarm_links(struct store *s, int64_t a, int64_t first, int64_t last,
    int max)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_alarm_links);

	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, a);
	/* No range kept (should not happen): every event id. */
	db_bind_int64(st, 2, first > 0 ? first : 0);
	db_bind_int64(st, 3, last > 0 ? last : INT64_MAX);
	db_bind_int(st, 4, max);
	if (store_step_done(s, st) != 0)
		return -1;
	return store_changes(s);
}

/* Whether alarm a still has links outside its range: 1, 0 or -1. */
static int
ret_alarm_linked(struct store *s, int64_t a)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_alarm_links_any);
	int64_t		 one;

	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, a);
	return store_step_int64(s, STORE_WRITER, st, &one);
}

/* Remove closed alarm a whose links are gone: its parts, then itself. */
static int
ret_alarm_drop(struct store *s, int64_t a, struct retention_counts *n)
{
	int	steps, accts, rows;

	if ((steps = ret_del_id(s, sql_alarm_steps, a)) < 0 ||
	    (accts = ret_del_id(s, sql_alarm_accounts, a)) < 0 ||
	    (rows = ret_del_id(s, sql_alarm_del, a)) < 0)
		return -1;
	n->alarm_parts += steps + accts;
	n->alarms += rows;
	return 0;
}

/*
 * The oldest purgeable closed alarms, link by link, within budget rows.
 * 1 budget used up (more may remain), 0 none left, -1 error.
 */
static int
ret_alarms(struct store *s, int64_t cut, int budget, struct retention_counts *n)
{
	struct db_stmt	*st;
	int64_t		 a, first, last;
	int		 rc, links;

	while (budget > 0) {
		if ((st = store_stmt(s, STORE_WRITER, sql_alarm_oldest)) == NULL)
			return -1;
		db_bind_int64(st, 1, cut);
		if ((rc = db_step(st)) != DB_ROW) {
			db_reset(st);
			return rc == DB_DONE ? 0 : store_fail(s, STORE_WRITER);
		}
		a = db_column_int64(st, 0);
		first = db_column_int64(st, 1);
		last = db_column_int64(st, 2);
		db_reset(st);
		if ((links = ret_alarm_links(s, a, first, last, budget)) < 0)
			return -1;
		n->alarm_links += links;
		budget -= links;
		if (budget <= 0)
			return 1;
		/* Links outside the range kept on the alarm: all of them, then. */
		if ((rc = ret_alarm_linked(s, a)) != 0) {
			if (rc < 0 || (links = ret_alarm_links(s, a, 0, 0,
			    budget)) < 0)
				return -1;
			n->alarm_links += links;
			return 1;
		}
		if (ret_alarm_drop(s, a, n) != 0)
			return -1;
		budget--;
	}
	return 1;
}

/*
 * Events before cut no alarm links to, from the cursor on, up to max
 * examined, with their frames when fcut allows.  Ids grow with time, so
 * the walk stops at the first event received at or after cut: one stamped
 * earlier after it (the clock stepped back) waits for a later cut, kept
 * longer, never purged early.  1 more may remain, 0 none, -1 error.
 */
static int
ret_events(struct store *s, int64_t cut, int64_t fcut,
    struct retention_cursor *c, int max, struct retention_counts *n)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_events_next);
	int64_t		 ids[RETENTION_STEP_ROWS], frames[RETENTION_STEP_ROWS];
	int64_t		 ms;
	int		 rc, k = 0, seen = 0, i, d, nf = 0, inl = 0, more = 1;

	if (st == NULL)
		return -1;
	if (max > RETENTION_STEP_ROWS)
		max = RETENTION_STEP_ROWS;
	db_bind_int64(st, 1, c->event_id);
	db_bind_int(st, 2, max);
	while ((rc = db_step(st)) == DB_ROW) {
		if ((ms = db_column_int64(st, 1)) >= cut) {
			more = 0;
			break;
		}
		seen++;
		c->event_id = db_column_int64(st, 0);
		if (db_column_int(st, 2) != 0)
			continue;
		/*
		 * A frame sharing its event's row (schema 17) goes with it,
		 * but not before the frames' cut (the duplicate window); a
		 * later round takes it, as it takes an event an alarm let go.
		 */
		if (db_column_int(st, 4) != 0) {
			if (ms >= fcut)
				continue;
			inl++;
		}
		frames[k] = db_column_int64(st, 3);
		ids[k++] = c->event_id;
	}
	db_reset(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return store_fail(s, STORE_WRITER);
	/* Deleted after the walk: the statement's cursor is not disturbed. */
	if ((d = ret_del_ids(s, sql_event_del, ids, k, 0)) < 0)
		return -1;
	n->events += d;
	n->frames += inl;
	/* Then their frames, once none of their events is left. */
	for (i = 0; i < k; i++)
		if (frames[i] > 0)
			frames[nf++] = frames[i];
	if (fcut > 0 && nf > 0) {
		if ((d = ret_del_ids(s, sql_event_frame_del, frames, nf,
		    fcut)) < 0)
			return -1;
		n->frames += d;
	}
	return more && seen == max ? 1 : 0;
}

/*
 * Frames before cut without events, from the cursor on (ids grow with
 * time: the walk stops at the first newer frame).  1, 0 or -1 as above.
 */
static int
ret_frames(struct store *s, int64_t cut, struct retention_cursor *c, int max,
    struct retention_counts *n)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_frames_next);
	int64_t		 ids[RETENTION_STEP_ROWS];
	int		 rc, k = 0, seen = 0, d, more = 1;

	if (st == NULL)
		return -1;
	if (max > RETENTION_STEP_ROWS)
		max = RETENTION_STEP_ROWS;
	db_bind_int64(st, 1, c->frame_id);
	db_bind_int(st, 2, max);
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_column_int64(st, 1) >= cut) {
			more = 0;
			break;
		}
		seen++;
		c->frame_id = db_column_int64(st, 0);
		if (db_column_int(st, 2) == 0)
			ids[k++] = c->frame_id;
	}
	db_reset(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return store_fail(s, STORE_WRITER);
	if ((d = ret_del_ids(s, sql_frame_del, ids, k, 0)) < 0)
		return -1;
	n->frames += d;
	return more && seen == max ? 1 : 0;
}

/* Check-ins before cut from the cursor on.  1, 0 or -1 as above. */
static int
ret_checkins(struct store *s, int64_t cut, struct retention_cursor *c, int max,
    struct retention_counts *n)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_checkins_next);
	int64_t		 ids[RETENTION_STEP_ROWS];
	int		 rc, k = 0, d, more = 1;

	if (st == NULL)
		return -1;
	if (max > RETENTION_STEP_ROWS)
		max = RETENTION_STEP_ROWS;
	db_bind_int64(st, 1, c->checkin_id);
	db_bind_int(st, 2, max);
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_column_int64(st, 1) >= cut) {
			more = 0;
			break;
		}
		ids[k++] = c->checkin_id = db_column_int64(st, 0);
	}
	db_reset(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return store_fail(s, STORE_WRITER);
	if ((d = ret_del_ids(s, sql_checkin_del, ids, k, 0)) < 0)
		return -1;
	n->checkins += d;
	return more && k == max ? 1 : 0;
}

/* Findings of shifts before cut no open alarm refers to.  1, 0 or -1. */
static int
ret_findings(struct store *s, int64_t cut, int max, struct retention_counts *n)
{
	struct db_stmt	*st = store_stmt(s, STORE_WRITER, sql_findings_del);
	int		 d;

	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, cut);
	db_bind_int(st, 2, max);
	if (store_step_done(s, st) != 0)
		return -1;
	d = store_changes(s);
	n->findings += d;
	return d == max ? 1 : 0;
}

/*
 * The kinds of a round: one that found nothing more is not asked again
 * until the next round (the cursor's done), which saves a PostgreSQL step
 * its round trips (each statement here is one the loop waits for).
 */
enum {
	RET_ALARMS = 1 << 0,
	RET_EVENTS = 1 << 1,
	RET_FRAMES = 1 << 2,
	RET_PATROL = 1 << 3,
	RET_AUDIT = 1 << 4
};

/* Fold one kind's answer into the step's (-1 wins, then 1); 0 marks it done. */
static int
ret_more(struct retention_cursor *c, unsigned kind, int acc, int rc)
{
	if (rc == 0)
		c->done |= kind;
	if (acc < 0 || rc < 0)
		return -1;
	return acc || rc;
}

/* Whether kind has a cut and may still have rows this round. */
static int
ret_todo(const struct retention_cursor *c, unsigned kind, int64_t cut_ms)
{
	return cut_ms > 0 && (c->done & kind) == 0;
}

/* One step of the round, in the foreign keys' order (see the top). */
int
store_retention_step(struct store *s, const struct retention_cut *cut,
    struct retention_cursor *c, int max, struct retention_counts *n)
{
	int64_t	audit;
	int	more = 0, rc;

	if (ret_todo(c, RET_ALARMS, cut->alarms_ms))
		more = ret_more(c, RET_ALARMS, more, ret_alarms(s,
		    cut->alarms_ms, max, n));
	if (more >= 0 && ret_todo(c, RET_EVENTS, cut->events_ms))
		more = ret_more(c, RET_EVENTS, more, ret_events(s,
		    cut->events_ms, cut->frames_ms, c, max, n));
	if (more >= 0 && ret_todo(c, RET_FRAMES, cut->frames_ms))
		more = ret_more(c, RET_FRAMES, more, ret_frames(s,
		    cut->frames_ms, c, max, n));
	if (more >= 0 && ret_todo(c, RET_PATROL, cut->patrol_ms)) {
		rc = ret_checkins(s, cut->patrol_ms, c, max, n);
		if (rc >= 0)
			rc = ret_more(c, 0, rc, ret_findings(s,
			    cut->patrol_ms, max, n));
		more = ret_more(c, RET_PATROL, more, rc);
	}
	if (more >= 0 && ret_todo(c, RET_AUDIT, cut->audit_ms)) {
		if (store_audit_purge(s, cut->audit_ms, max, &audit) != 0)
			return -1;
		n->audit += audit;
		more = ret_more(c, RET_AUDIT, more, audit == max);
	}
	return more;
}

/* --- copies on a thread ------------------------------------------------------ */

/*
 * Refuse a folder others may write to: they could swap the file, or plant
 * a link where SQLite puts a journal, between our checks and its writes.
 */
static int
ret_check_dir(const char *dest, char *err, size_t errsz)
{
	struct stat	 sb;
	char		*dir = xstrdup(dest), *slash = strrchr(dir, '/');
	int		 rc = 0;

	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) != 0) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		rc = -1;
	} else if (sb.st_mode & S_IWOTH) {
		snprintf(err, errsz, "%s: the folder is writable by others: "
		    "choose one only pcod's user may write", dir);
		rc = -1;
	}
	free(dir);
	return rc;
}

/* Create dest for writing only by us: new, 0600, not a link.  0 or -1. */
static int
ret_create(const char *dest, char *err, size_t errsz)
{
	int	fd;

	if (dest[0] != '/') {
		snprintf(err, errsz, "%s: the path must be absolute", dest);
		return -1;
	}
	if (ret_check_dir(dest, err, errsz) != 0)
		return -1;
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		snprintf(err, errsz, "%s: %s", dest, strerror(errno));
		return -1;
	}
	/* Whatever the umask: nobody else reads keys or the audit log. */
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errsz, "%s: %s", dest, strerror(errno));
		close(fd);
		unlink(dest);
		return -1;
	}
	close(fd);
	return 0;
}

/* fsync path (a file, or its folder for the new entry); 0 or -1 with err. */
static int
ret_fsync(const char *path, char *err, size_t errsz)
{
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = fsync(fd);
	if (rc != 0)
		snprintf(err, errsz, "%s: fsync: %s", path, strerror(errno));
	close(fd);
	return rc == 0 ? 0 : -1;
}

/* The copy and its folder entry on disk before anyone is told.  0 or -1. */
static int
ret_durable(const char *dest, char *err, size_t errsz)
{
	char	*dir = xstrdup(dest), *slash = strrchr(dir, '/');
	int	 rc;

	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	rc = ret_fsync(dest, err, errsz) == 0 && ret_fsync(dir, err, errsz) == 0 ?
	    0 : -1;
	free(dir);
	return rc;
}

/* Remove a copy that failed, with the files SQLite may have left. */
static void
ret_unlink(const char *dest)
{
	char	*j = xasprintf("%s-journal", dest);

	unlink(dest);
	unlink(j);
	free(j);
}

/* Keep db's error in err with what was being done; returns -1. */
static int
ret_dberr(sqlite3 *db, const char *what, char *err, size_t errsz)
{
	snprintf(err, errsz, "%s: %s", what, db != NULL ? sqlite3_errmsg(db) :
	    "out of memory");
	return -1;
}

/* "file:" URI of path, read-only; every byte outside [A-Za-z0-9/._-] escaped. */
static char *
ret_uri_ro(const char *path)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, k = 0, len = strlen(path);
	char			*out = xmalloc(len * 3 + 32);

	k += (size_t)sprintf(out, "file:");
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/._-", c) != NULL)
			out[k++] = (char)c;
		else {
			out[k++] = '%';
			out[k++] = hex[c >> 4];
			out[k++] = hex[c & 15];
		}
	}
	strcpy(out + k, "?mode=ro");
	return out;
}

/* What goes into an archive, table by table, in this order (see the top). */
static const char *const archive_sql[] = {
	"CREATE TABLE alarms AS SELECT * FROM src.alarms WHERE state = 'closed'"
	" AND closed_ms IS NOT NULL AND closed_ms < :until",
	"CREATE TABLE alarm_steps AS SELECT * FROM src.alarm_steps WHERE"
	" alarm_id IN (SELECT id FROM main.alarms)",
	"CREATE TABLE alarm_accounts AS SELECT * FROM src.alarm_accounts WHERE"
	" alarm_id IN (SELECT id FROM main.alarms)",
	"CREATE TABLE alarm_events AS SELECT * FROM src.alarm_events WHERE"
	" alarm_id IN (SELECT id FROM main.alarms)",
	/* Ids up to the first received at until, as the purge walks them. */
	"CREATE TABLE events AS SELECT * FROM src.events e WHERE"
	" e.received_ms < :until AND e.id < coalesce((SELECT id FROM src.events"
	" WHERE received_ms >= :until ORDER BY id LIMIT 1), 9223372036854775807)"
	" AND NOT EXISTS (SELECT 1 FROM src.alarm_events a"
	" WHERE a.event_id = e.id AND a.alarm_id NOT IN"
	" (SELECT id FROM main.alarms))",
	"CREATE TABLE frames AS SELECT * FROM src.frames f WHERE"
	" f.received_ms < :until AND NOT EXISTS (SELECT 1 FROM src.events e"
	" WHERE e.frame_id = f.id AND e.id NOT IN (SELECT id FROM main.events))",
	"CREATE TABLE patrol_checkins AS SELECT * FROM src.patrol_checkins"
	" WHERE received_ms < :until",
	"CREATE TABLE patrol_findings AS SELECT * FROM src.patrol_findings f"
	" WHERE shift_ms < :until AND (f.alarm_id IS NULL OR NOT EXISTS"
	" (SELECT 1 FROM src.alarms a WHERE a.id = f.alarm_id AND"
	" a.state <> 'closed'))",
	/* The purgeable prefix of the chain: before until, never the newest. */
	"CREATE TABLE audit AS SELECT * FROM src.audit WHERE hash IS NOT NULL"
	" AND id < (SELECT max(id) FROM src.audit) AND id < coalesce((SELECT"
	" min(id) FROM src.audit WHERE at_ms >= :until OR hash IS NULL),"
	" 9223372036854775807)",
	"CREATE TABLE audit_anchor AS SELECT * FROM src.audit_anchor",
	/* Where the archived rows' chain starts and ends. */
	"CREATE TABLE archive_info (key TEXT PRIMARY KEY, value)",
	"INSERT INTO archive_info VALUES ('format', 'pcod-archive-2'),"
	" ('until_ms', :until), ('created_ms', :now),"
	" ('audit_prev_id', coalesce((SELECT last_id FROM src.audit_anchor), 0)),"
	" ('audit_prev_hash', coalesce((SELECT last_hash FROM src.audit_anchor),"
	" '')),"
	" ('audit_last_id', (SELECT max(id) FROM main.audit)),"
	" ('audit_last_hash', (SELECT hash FROM main.audit ORDER BY id DESC"
	" LIMIT 1))",
	NULL
};

/* Run one archive statement with :until and :now bound. */
static int
ret_archive_exec(sqlite3 *db, const char *sql, int64_t until_ms, char *err,
    size_t errsz)
{
	sqlite3_stmt	*st;
	int		 rc, i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return ret_dberr(db, "archive", err, errsz);
	if ((i = sqlite3_bind_parameter_index(st, ":until")) > 0)
		sqlite3_bind_int64(st, i, until_ms);
	if ((i = sqlite3_bind_parameter_index(st, ":now")) > 0)
		sqlite3_bind_int64(st, i, clock_wall_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ret_dberr(db, "archive", err, errsz);
	return 0;
}

/* Count the rows of each archived table into a new object. */
static json_t *
ret_archive_counts(sqlite3 *db)
{
	static const char *const tables[] = { "frames", "events", "alarms",
	    "alarm_events", "alarm_steps", "alarm_accounts", "patrol_checkins",
	    "patrol_findings", "audit", NULL };
	json_t		*o = json_object();
	sqlite3_stmt	*st;
	char		*sql;
	size_t		 i;

	for (i = 0; tables[i] != NULL; i++) {
		sql = xasprintf("SELECT count(*) FROM main.%s", tables[i]);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			json_object_set_new(o, tables[i], json_integer(
			    sqlite3_column_int64(st, 0)));
		sqlite3_finalize(st);
		free(sql);
	}
	return o;
}

/* The archive_info rows as an object. */
static json_t *
ret_archive_info(sqlite3 *db)
{
	json_t		*o = json_object();
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM archive_info", -1,
	    &st, NULL) != SQLITE_OK)
		return o;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char	*k = (const char *)sqlite3_column_text(st, 0);

		if (sqlite3_column_type(st, 1) == SQLITE_INTEGER)
			json_object_set_new(o, k, json_integer(
			    sqlite3_column_int64(st, 1)));
		else if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			json_object_set_new(o, k, json_null());
		else
			json_object_set_new(o, k, json_string((const char *)
			    sqlite3_column_text(st, 1)));
	}
	sqlite3_finalize(st);
	return o;
}

/* Open dest (just created) read-write with db attached read-only as "src". */
static sqlite3 *
ret_archive_open(const char *db, const char *dest, char *err, size_t errsz)
{
	sqlite3		*a = NULL;
	sqlite3_stmt	*st = NULL;
	char		*uri = ret_uri_ro(db);
	int		 rc;

	rc = sqlite3_open_v2(dest, &a, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	/* A new file removed on failure needs no journal beside it. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(a, "PRAGMA main.journal_mode=OFF", NULL, NULL,
		    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(a, "ATTACH ?1 AS src", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	free(uri);
	if (rc == SQLITE_OK) {
		/* A lock held by the writer is waited for, not failed on. */
		sqlite3_busy_timeout(a, 5000);
		return a;
	}
	ret_dberr(a, dest, err, errsz);
	sqlite3_close_v2(a);
	return NULL;
}

/* Write the archive of what a purge at until_ms would take (retention.h). */
int
store_retention_archive(const char *db, const char *dest, int64_t until_ms,
    json_t **result, char *err, size_t errsz)
{
	sqlite3		*a;
	struct stat	 sb;
	size_t		 i;

	*result = NULL;
	if (ret_create(dest, err, errsz) != 0)
		return -1;
	if ((a = ret_archive_open(db, dest, err, errsz)) == NULL)
		goto fail;
	/* One transaction: every table from the same moment of the source. */
	if (sqlite3_exec(a, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		ret_dberr(a, "archive", err, errsz);
		goto fail;
	}
	for (i = 0; archive_sql[i] != NULL; i++)
		if (ret_archive_exec(a, archive_sql[i], until_ms, err,
		    errsz) != 0)
			goto fail;
	if (sqlite3_exec(a, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ret_dberr(a, "archive", err, errsz);
		goto fail;
	}
	*result = json_pack("{s:s, s:o, s:o}", "path", dest,
	    "rows", ret_archive_counts(a), "info", ret_archive_info(a));
	sqlite3_close_v2(a);
	a = NULL;
	if (ret_durable(dest, err, errsz) != 0) {
		json_decref(*result);
		*result = NULL;
		goto fail;
	}
	if (stat(dest, &sb) == 0)
		json_object_set_new(*result, "bytes", json_integer(sb.st_size));
	return 0;
fail:
	sqlite3_close_v2(a);
	ret_unlink(dest);
	return -1;
}

/* Sleep ms milliseconds (between backup steps). */
static void
ret_pause(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Open db read-only and begin the read transaction the whole copy sees. */
static sqlite3 *
ret_backup_source(const char *db, char *err, size_t errsz)
{
	sqlite3	*s = NULL;

	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(s, 5000);
	/* The snapshot starts at the first read and holds until COMMIT. */
	if (sqlite3_exec(s, "BEGIN; SELECT count(*) FROM sqlite_master", NULL,
	    NULL, NULL) != SQLITE_OK)
		goto fail;
	return s;
fail:
	ret_dberr(s, db, err, errsz);
	sqlite3_close_v2(s);
	return NULL;
}

/* Copy src into d in steps; the pages copied, or -1. */
static int
ret_backup_steps(sqlite3 *src, sqlite3 *d, int step_pages, int pause_ms,
    const atomic_int *cancel, int *steps, char *err, size_t errsz)
{
	sqlite3_backup	*b;
	int		 rc, pages;

	if ((b = sqlite3_backup_init(d, "main", src, "main")) == NULL)
		return ret_dberr(d, "backup", err, errsz);
	do {
		if (atomic_load(cancel)) {
			sqlite3_backup_finish(b);
			snprintf(err, errsz, "cancelled (pcod is "
			    "stopping)");
			return -1;
		}
		rc = sqlite3_backup_step(b, step_pages);
		(*steps)++;
		if (rc == SQLITE_OK && pause_ms > 0)
			ret_pause(pause_ms);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return ret_dberr(d, "backup", err, errsz);
	return pages;
}

/* An online copy of db into dest under one read transaction (retention.h). */
int
store_backup_copy(const char *db, const char *dest, int step_pages,
    int pause_ms, const atomic_int *cancel, json_t **result, char *err,
    size_t errsz)
{
	sqlite3		*src = NULL, *d = NULL;
	struct stat	 sb;
	int64_t		 t0 = clock_wall_ms();
	int		 pages, steps = 0;

	*result = NULL;
	if (ret_create(dest, err, errsz) != 0)
		return -1;
	if ((src = ret_backup_source(db, err, errsz)) == NULL)
		goto fail;
	if (sqlite3_open_v2(dest, &d, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_exec(d, "PRAGMA journal_mode=OFF", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		ret_dberr(d, dest, err, errsz);
		goto fail;
	}
	/* The copy is on disk when the reply says so. */
	sqlite3_exec(d, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	pages = ret_backup_steps(src, d, step_pages, pause_ms, cancel, &steps,
	    err, errsz);
	if (pages < 0)
		goto fail;
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	sqlite3_close_v2(src);
	sqlite3_close_v2(d);
	src = d = NULL;
	if (ret_durable(dest, err, errsz) != 0)
		goto fail;
	*result = json_pack("{s:s, s:i, s:i, s:I}", "path", dest,
	    "pages", pages, "steps", steps, "ms",
	    (json_int_t)(clock_wall_ms() - t0));
	if (stat(dest, &sb) == 0)
		json_object_set_new(*result, "bytes", json_integer(sb.st_size));
	return 0;
fail:
	sqlite3_close_v2(d);
	sqlite3_close_v2(src);
	ret_unlink(dest);
	return -1;
}
