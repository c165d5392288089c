/* pcoctl_show.c - pcoctl's results for people: tables, key/value lines, sections. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "xmalloc.h"
#include "pcoctl.h"

#define PCOCTL_CELL		512			/* widest table cell shown */
#define PCOCTL_AUTO_COLS	32			/* columns of a guessed table */

/* A table column: header and the result field it shows ("site.name"). */
struct column {
	const char	*head;
	const char	*key;
};

/* An array inside an object shown as a table of its own. */
struct section {
	const char		*path;		/* dotted, from the top object */
	const struct column	*cols;
};

static const struct column account_cols[] = {
	{ "ACCOUNT", "account" }, { "NAME", "name" }, { "KEY", "key" },
	{ "BITS", "key_bits" }, { "NEXT_KEY", "next_key" },
	{ "PLAINTEXT", "plaintext" }, { "SITE", "site.name" },
	{ "SUPERVISION", "supervision" }, { "LAST_SEEN", "last_seen" },
	{ "CREATED", "created" }, { NULL, NULL }
};
static const struct column alarm_cols[] = {
	{ "ID", "id" }, { "PRIO", "priority" }, { "STATE", "state" },
	{ "ESC", "escalated" }, { "SITE", "site_name" }, { "ACCOUNT", "account" },
	{ "ZONE", "zone" }, { "CLASS", "class" }, { "COUNT", "count" },
	{ "ACCOUNTS", "accounts_seen" },
	{ "RESTORED", "restored" }, { "RAISED", "created" }, { "TEXT", "text" },
	{ "REASON", "priority_reason" },
	{ NULL, NULL }
};
/* The accounts an unknown-accounts alarm heard from. */
static const struct column unknown_cols[] = {
	{ "ACCOUNT", "account" }, { "EVENTS", "events" }, { "FIRST", "first" },
	{ "LAST", "last" }, { NULL, NULL }
};
static const struct column event_cols[] = {
	{ "ID", "id" }, { "RECEIVED", "received" }, { "ACCOUNT", "account" },
	{ "FMT", "format" }, { "CODE", "code" }, { "QUAL", "qualifier" },
	{ "CLASS", "class" }, { "ZONE", "zone" }, { "USER", "user" },
	{ "PART", "partition" }, { "TEXT", "text" }, { "NAME", "name" },
	{ "NOTE", "note" }, { "EXT", "ext" }, { NULL, NULL }
};
static const struct column site_cols[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "ADDRESS", "address" },
	{ "TIMEZONE", "timezone" }, { "ZONES", "zones" },
	{ "CONTACTS", "contacts" }, { "UNITS", "units" },
	{ "ACCOUNTS", "accounts" }, { NULL, NULL }
};
static const struct column zone_cols[] = {
	{ "NUMBER", "number" }, { "NAME", "name" }, { "LOCATION", "location" },
	{ "TYPE", "type" }, { NULL, NULL }
};
static const struct column contact_cols[] = {
	{ "POS", "position" }, { "ID", "id" }, { "NAME", "name" },
	{ "PHONE", "phone" }, { "ROLE", "role" }, { "KEYHOLDER", "keyholder" },
	{ NULL, NULL }
};
static const struct column unit_cols[] = {
	{ "ID", "id" }, { "KIND", "kind" }, { "NAME", "name" },
	{ "PHONE", "phone" }, { "RESPONSE_TIME", "response_time" },
	{ NULL, NULL }
};
static const struct column site_account_cols[] = {
	{ "ACCOUNT", "account" }, { "NAME", "name" },
	{ "SUPERVISION", "supervision" }, { NULL, NULL }
};
static const struct column step_cols[] = {
	{ "POS", "position" }, { "ACTION", "action" }, { "TARGET", "target" },
	{ "CONTACT", "contact.name" }, { "PHONE", "contact.phone" },
	{ "UNIT", "unit.name" }, { "UNIT_PHONE", "unit.phone" },
	{ "PROBLEM", "problem" }, { "DEADLINE", "deadline" }, { "OUTCOME", "outcome" },
	{ "DONE_BY", "done_by" }, { "DONE", "done" }, { "TEXT", "text" },
	{ NULL, NULL }
};
static const struct column alarm_event_cols[] = {
	{ "ID", "id" }, { "RECEIVED", "received" }, { "FMT", "format" },
	{ "CODE", "code" }, { "QUAL", "qualifier" },
	{ "CLASS", "class" }, { "ZONE", "zone" }, { "ZONE_NAME", "zone_name" },
	{ "TEXT", "text" },
	{ "NAME", "name" }, { "NOTE", "note" }, { "EXT", "ext" },
	{ NULL, NULL }
};
static const struct column history_cols[] = {
	{ "AT", "at" }, { "ACTOR", "actor" }, { "ACTION", "action" },
	{ "REASON", "reason" }, { "DETAILS", "details" }, { NULL, NULL }
};
static const struct column protocol_cols[] = {
	{ "NAME", "name" }, { "VERSION", "version" }, { "CURRENT", "current" },
	{ "SITE", "site" }, { "CLASS", "class" }, { "STEPS", "nsteps" },
	{ "APPROVED_BY", "approved_by" }, { "APPROVED_AT", "approved_at" },
	{ NULL, NULL }
};
static const struct column audit_cols[] = {
	{ "AT", "at" }, { "ACTOR", "actor" }, { "ACTION", "action" },
	{ "OBJECT", "object" }, { "ID", "object_id" }, { "REASON", "reason" },
	{ NULL, NULL }
};
static const struct column superv_cols[] = {
	{ "ACCOUNT", "account" }, { "SITE", "site_id" },
	{ "INTERVAL", "interval" }, { "PRESET", "preset" },
	{ "LAST_SEEN", "last_seen" }, { "DEADLINE", "deadline" },
	{ "SILENT", "silent" }, { "COMM_FAIL", "comm_fail" },
	{ "NEXT_ALARM", "next_alarm" }, { NULL, NULL }
};
static const struct column stats_cols[] = {
	{ "GROUP", "group" }, { "COUNT", "count" }, { "TAKEN", "taken" },
	{ "CLOSED", "closed" }, { "UNTAKEN", "untaken" },
	{ "ESC", "escalated" }, { "TAKE_MEAN", "take_mean" },
	{ "TAKE_P50", "take_p50" }, { "TAKE_P90", "take_p90" },
	{ "TAKE_MAX", "take_max" }, { "CLOSE_P50", "close_p50" },
	{ "CLOSE_P90", "close_p90" }, { "IN_30S%", "taken_30s_pct" },
	{ "IN_60S%", "taken_60s_pct" }, { NULL, NULL }
};

/* The arrays of a shown object that get a table of their own. */
static const struct section sections[] = {
	{ "zones", zone_cols }, { "contacts", contact_cols },
	{ "units", unit_cols }, { "accounts", site_account_cols },
	{ "detached", site_account_cols }, { "steps", step_cols },
	{ "events", alarm_event_cols }, { "history", history_cols },
	{ "unknown_accounts", unknown_cols },
	{ "site.zones", zone_cols }, { "site.contacts", contact_cols },
	{ "site.units", unit_cols }, { "site.accounts", site_account_cols },
	{ NULL, NULL }
};

/* Copy s into buf for a terminal: control characters become '?'. */
void
pcoctl_text_sanitize(const char *s, char *buf, size_t bufsz)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0;

	for (; *p != '\0' && n + 1 < bufsz; p++) {
		if (*p < 0x20 || *p == 0x7f)
			buf[n++] = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			buf[n++] = '?';	/* C1 control, e.g. CSI */
			p++;
		} else
			buf[n++] = (char)*p;
	}
	/* cut: never end inside a UTF-8 sequence */
	if (*p != '\0') {
		while (n > 0 && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)buf[n - 1] & 0x80))
			n--;
	}
	buf[n] = '\0';
}

/*
 * A time as pcod sends it ("2026-12-05T13:03:22Z", ".250" optional) in
 * local time with the zone ("2026-12-05 14:03:22 CET"; UTC with --utc);
 * 0, or -1 when s is not one.
 */
static int
time_text(const char *s, char *buf, size_t bufsz)
{
	size_t	len = strlen(s);
	int64_t	ms;
	char	err[8];

	if ((len != 20 && len != 24) || s[4] != '-' || s[10] != 'T' ||
	    s[len - 1] != 'Z' || (len == 24 && s[19] != '.') ||
	    clock_parse(s, 0, &ms, err, sizeof err) != 0)
		return -1;
	return clock_format_local(ms, len == 24, buf, bufsz);
}

/* A JSON value as table/listing text. */
static void
value_text(json_t *v, char *buf, size_t bufsz)
{
	char	*s;

	if (v == NULL || json_is_null(v))
		snprintf(buf, bufsz, "-");
	else if (json_is_string(v) && time_text(json_string_value(v), buf,
	    bufsz) == 0)
		return;
	else if (json_is_string(v))
		pcoctl_text_sanitize(json_string_value(v), buf, bufsz);
	else if (json_is_integer(v))
		snprintf(buf, bufsz, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, bufsz, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, bufsz, "%s", json_is_true(v) ? "yes" : "no");
	else {
		s = json_dumps(v, JSON_COMPACT);
		pcoctl_text_sanitize(s != NULL ? s : "?", buf, bufsz);
		free(s);
	}
}

/* Terminal columns of UTF-8 s (one per code point). */
static size_t
text_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Print s padded to width (unless last). */
static void
cell_print(const char *s, size_t width, int last)
{
	size_t	w = text_width(s);

	fputs(s, stdout);
	if (last)
		putchar('\n');
	else
		printf("%*s", (int)(width - w + 2), "");
}

/* The member at a dotted path ("site.name") of o, or NULL. */
static json_t *
field_get(json_t *o, const char *path)
{
	const char	*dot;
	char		 name[64];

	while ((dot = strchr(path, '.')) != NULL && json_is_object(o)) {
		snprintf(name, sizeof name, "%.*s", (int)(dot - path), path);
		o = json_object_get(o, name);
		path = dot + 1;
	}
	return json_is_object(o) ? json_object_get(o, path) : NULL;
}

/* Does column key appear in any row (always yes for no rows)? */
static int
column_used(json_t *rows, const char *key)
{
	json_t	*row;
	size_t	 r;

	if (json_array_size(rows) == 0)
		return 1;
	json_array_foreach(rows, r, row)
		if (field_get(row, key) != NULL)
			return 1;
	return 0;
}

/* The width of each column (0: not shown, no row has the field). */
static size_t *
table_widths(json_t *rows, const struct column *cols, size_t ncol)
{
	size_t	 i, r, *width;
	char	 buf[PCOCTL_CELL];
	json_t	*row;

	width = xcalloc(ncol, sizeof *width);
	for (i = 0; i < ncol; i++)
		if (column_used(rows, cols[i].key))
			width[i] = strlen(cols[i].head);
	json_array_foreach(rows, r, row) {
		for (i = 0; i < ncol; i++) {
			if (width[i] == 0)
				continue;
			value_text(field_get(row, cols[i].key), buf, sizeof buf);
			if (text_width(buf) > width[i])
				width[i] = text_width(buf);
		}
	}
	return width;
}

/* Print one row (row NULL: the header) of the shown columns. */
static void
table_row(json_t *row, const struct column *cols, const size_t *width,
    size_t ncol)
{
	size_t	i, last = 0;
	char	buf[PCOCTL_CELL];

	for (i = 0; i < ncol; i++)
		if (width[i] > 0)
			last = i;
	for (i = 0; i < ncol; i++) {
		if (width[i] == 0)
			continue;
		if (row == NULL)
			snprintf(buf, sizeof buf, "%s", cols[i].head);
		else
			value_text(field_get(row, cols[i].key), buf, sizeof buf);
		cell_print(buf, width[i], i == last);
	}
}

/* Print an array of objects as an aligned table. */
static void
table_print(json_t *rows, const struct column *cols)
{
	size_t	 ncol, r, *width;
	json_t	*row;

	for (ncol = 0; cols[ncol].head != NULL; ncol++)
		;
	width = table_widths(rows, cols, ncol);
	table_row(NULL, cols, width, ncol);
	json_array_foreach(rows, r, row)
		table_row(row, cols, width, ncol);
	free(width);
}

/* Columns for rows nobody described: the scalar members of the first row. */
static void
table_print_auto(json_t *rows)
{
	struct column	 cols[PCOCTL_AUTO_COLS + 1];
	const char	*key;
	json_t		*v;
	size_t		 n = 0;

	json_object_foreach(json_array_get(rows, 0), key, v) {
		if (n == PCOCTL_AUTO_COLS || json_is_object(v) || json_is_array(v))
			continue;
		cols[n].head = key;
		cols[n++].key = key;
	}
	cols[n].head = cols[n].key = NULL;
	table_print(rows, cols);
}

/* The section for the array at path, or NULL. */
static const struct section *
section_find(const char *path)
{
	const struct section	*s;

	for (s = sections; s->path != NULL; s++)
		if (strcmp(s->path, path) == 0)
			return s;
	return NULL;
}

/* Is v (at path) an array shown as a table rather than on a line? */
static int
is_table(json_t *v, const char *path)
{
	if (!json_is_array(v))
		return 0;
	return json_is_object(json_array_get(v, 0)) || section_find(path) != NULL;
}

/* Widest dotted key of an object's lines, nested objects included. */
static size_t
object_key_width(json_t *o, const char *prefix)
{
	const char	*key;
	json_t		*v;
	size_t		 w, max = 0;
	char		 name[256];

	json_object_foreach(o, key, v) {
		snprintf(name, sizeof name, "%s%s", prefix, key);
		if (is_table(v, name))
			continue;
		w = strlen(name);
		if (json_is_object(v)) {
			strncat(name, ".", sizeof name - strlen(name) - 1);
			w = object_key_width(v, name);
		}
		if (w > max)
			max = w;
	}
	return max;
}

/* Print "key  value" lines, nested objects as "outer.inner", tables left out. */
static void
object_print(json_t *o, const char *prefix, size_t width)
{
	const char	*key;
	json_t		*v;
	char		 name[256], buf[PCOCTL_CELL];

	json_object_foreach(o, key, v) {
		snprintf(name, sizeof name, "%s%s", prefix, key);
		if (is_table(v, name))
			continue;
		if (json_is_object(v)) {
			strncat(name, ".", sizeof name - strlen(name) - 1);
			object_print(v, name, width);
			continue;
		}
		value_text(v, buf, sizeof buf);
		printf("%-*s  %s\n", (int)width, name, buf);
	}
}

/* Print each table array of o (nested ones too) under its dotted name. */
static void
object_tables(json_t *o, const char *prefix)
{
	const struct section	*s;
	const char		*key;
	json_t			*v;
	char			 name[256];

	json_object_foreach(o, key, v) {
		snprintf(name, sizeof name, "%s%s", prefix, key);
		if (json_is_object(v)) {
			strncat(name, ".", sizeof name - strlen(name) - 1);
			object_tables(v, name);
			continue;
		}
		if (!is_table(v, name))
			continue;
		printf("\n%s (%zu):\n", name, json_array_size(v));
		if (json_array_size(v) == 0)
			continue;
		if ((s = section_find(name)) != NULL)
			table_print(v, s->cols);
		else
			table_print_auto(v);
	}
}

/* One object as key/value lines, then its lists (zones, steps...) as tables. */
void
pcoctl_show_object(json_t *result)
{
	if (!json_is_object(result)) {
		pcoctl_show_any(result);
		return;
	}
	object_print(result, "", object_key_width(result, ""));
	object_tables(result, "");
}

/* account list as a table. */
void
pcoctl_show_accounts(json_t *result)
{
	table_print(result, account_cols);
}

/* event list as a table. */
void
pcoctl_show_events(json_t *result)
{
	table_print(result, event_cols);
}

/* alarm list: the queue as a table. */
void
pcoctl_show_alarms(json_t *result)
{
	table_print(result, alarm_cols);
}

/* alarm watch without a terminal: "TOPIC key=value..." for one alarm. */
void
pcoctl_show_alarm_line(const char *topic, json_t *alarm)
{
	json_t	*bulk = json_object_get(alarm, "bulk_close");
	char	buf[PCOCTL_CELL];
	size_t	i;

	printf("%s", topic);
	if (bulk != NULL) {
		/* Many alarms closed by one filter: the summary, not an alarm. */
		value_text(json_object_get(bulk, "by"), buf, sizeof buf);
		printf(" bulk_close closed=%lld by=%s\n", (long long)
		    json_integer_value(json_object_get(bulk, "closed")), buf);
		return;
	}
	for (i = 0; alarm_cols[i].head != NULL; i++) {
		value_text(json_object_get(alarm, alarm_cols[i].key), buf,
		    sizeof buf);
		printf(" %s=%s", alarm_cols[i].key, buf);
	}
	printf("\n");
}

/* site list as a table. */
void
pcoctl_show_sites(json_t *result)
{
	table_print(result, site_cols);
}

/* protocol list as a table. */
void
pcoctl_show_protocols(json_t *result)
{
	table_print(result, protocol_cols);
}

/* audit list as a table. */
void
pcoctl_show_audit(json_t *result)
{
	table_print(result, audit_cols);
}

/*
 * The anchor a purge left: the chain checked starts from it, so an archive
 * whose last audit row has this id and hash continues into this log.
 */
static void
verify_anchor(json_t *a)
{
	const char	*hash = json_string_value(json_object_get(a, "hash"));
	char		 buf[160];

	if (!json_is_object(a))
		return;
	pcoctl_text_sanitize(hash != NULL ? hash : "?", buf, sizeof buf);
	printf("purged before it: %" JSON_INTEGER_FORMAT " row(s); the chain "
	    "starts after anchor row %" JSON_INTEGER_FORMAT " hash %s (the "
	    "last audit row of the archive made before the purge)\n",
	    json_integer_value(json_object_get(a, "purged")),
	    json_integer_value(json_object_get(a, "id")), buf);
}

/* An archive's info member ms (epoch ms) as local time under name. */
static void
archive_time(json_t *info, const char *ms, const char *name)
{
	json_t	*v = json_object_get(info, ms);
	char	 buf[64];

	if (!json_is_integer(v) || clock_format_local(json_integer_value(v),
	    0, buf, sizeof buf) != 0)
		return;
	json_object_set_new(info, name, json_string(buf));
	json_object_del(info, ms);
}

/* archive: what it holds, its times local (or UTC with --utc). */
void
pcoctl_show_archive(json_t *result)
{
	json_t	*info = json_object_get(result, "info");

	if (json_is_object(info)) {
		archive_time(info, "until_ms", "until");
		archive_time(info, "created_ms", "created");
	}
	pcoctl_show_object(result);
}

/* audit verify: whether the chain holds (and where not), the purge's anchor. */
void
pcoctl_show_verify(json_t *result)
{
	const char	*why = json_string_value(json_object_get(result, "reason"));
	const char	*head = json_string_value(json_object_get(result,
			    "last_hash"));
	char		 buf[256];

	if (json_is_true(json_object_get(result, "intact"))) {
		printf("audit log intact: %" JSON_INTEGER_FORMAT " row(s)",
		    json_integer_value(json_object_get(result, "rows")));
		if (head != NULL)
			printf(", last row %" JSON_INTEGER_FORMAT " hash %s",
			    json_integer_value(json_object_get(result,
			    "last_id")), head);
		printf("\n");
	} else {
		pcoctl_text_sanitize(why != NULL ? why : "?", buf, sizeof buf);
		printf("AUDIT LOG BROKEN at row %" JSON_INTEGER_FORMAT ": %s\n",
		    json_integer_value(json_object_get(result, "first_bad")),
		    buf);
	}
	verify_anchor(json_object_get(result, "anchor"));
}

/* supervision list as a table. */
void
pcoctl_show_supervision(json_t *result)
{
	table_print(result, superv_cols);
}

/* stats handling: the groups and the total row as one table. */
void
pcoctl_show_stats(json_t *result)
{
	json_t	*rows, *total = json_object_get(result, "total");
	char	 since[64], until[64];

	value_text(json_object_get(result, "since"), since, sizeof since);
	value_text(json_object_get(result, "until"), until, sizeof until);
	printf("by %s, from %s until %s; times in seconds\n",
	    json_string_value(json_object_get(result, "by")) != NULL ?
	    json_string_value(json_object_get(result, "by")) : "?", since, until);
	if (json_is_string(json_object_get(result, "tz")))
		printf("days and hours in %s\n", json_string_value(
		    json_object_get(result, "tz")));
	printf("\n");
	rows = json_copy(json_object_get(result, "groups"));
	if (rows == NULL)
		rows = json_array();
	if (json_is_object(total))
		json_array_append(rows, total);
	table_print(rows, stats_cols);
	json_decref(rows);
}

/* A document (site export) as indented JSON. */
void
pcoctl_show_document(json_t *result)
{
	char	*s;

	s = json_dumps(result, JSON_ENCODE_ANY | JSON_INDENT(2));
	printf("%s\n", s != NULL ? s : "null");
	free(s);
}

/* account remove: one line. */
void
pcoctl_show_removed(json_t *result)
{
	char	buf[64];

	value_text(json_object_get(result, "account"), buf, sizeof buf);
	printf("account %s removed\n", buf);
}

/* Any result: a table for a list of objects, key/value lines for an object. */
void
pcoctl_show_any(json_t *result)
{
	if (json_is_object(result))
		pcoctl_show_object(result);
	else if (json_is_object(json_array_get(result, 0)))
		table_print_auto(result);
	else
		pcoctl_show_document(result);
}

/* --- site risk assessment (issue 10) ---------------------------------------- */

static const struct column risk_cols[] = {
	{ "VERSION", "version" }, { "CURRENT", "current" },
	{ "ASSESSED_BY", "assessed_by" }, { "ASSESSED", "assessed" },
	{ "VALID_UNTIL", "valid_until" }, { "MATRIX", "bands.matrix" },
	{ "PNH", "bands.pnh" }, { "POINTS", "bands.points" },
	{ "FLAGS", "flags" }, { NULL, NULL }
};
static const struct column risk_report_cols[] = {
	{ "SITE", "site" }, { "NAME", "name" }, { "VERSION", "version" },
	{ "MATRIX", "bands.matrix" }, { "PNH", "bands.pnh" },
	{ "POINTS", "bands.points" }, { "GRADE", "grade" },
	{ "MISSING_MIN", "missing" }, { "VALID_UNTIL", "valid_until" },
	{ "FLAGS", "flags" }, { NULL, NULL }
};
static const struct column risk_threat_cols[] = {
	{ "THREAT", "name" }, { "P", "probability" }, { "I", "impact" },
	{ "SCORE", "score" }, { "BAND", "band" }, { NULL, NULL }
};
static const struct column risk_point_cols[] = {
	{ "POINT", "name" }, { "ZONE", "zone" }, { "DELAY", "delay" },
	{ "INTERVENTION", "intervention" }, { "MARGIN", "margin" },
	{ "LATE", "late" }, { "DISPATCH", "dispatch" }, { NULL, NULL }
};

/* A list of strings as "a, b" ("-" when empty) in a row's member name. */
static void
risk_join(json_t *row, const char *name)
{
	json_t	*a = json_object_get(row, name), *v;
	char	 buf[PCOCTL_CELL] = "";
	size_t	 i;

	if (!json_is_array(a))
		return;
	json_array_foreach(a, i, v)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
		    i > 0 ? ", " : "", json_is_string(v) ? json_string_value(v) :
		    "?");
	json_object_set_new(row, name, json_string(buf[0] != '\0' ? buf : "-"));
}

/* The methods' own tables of an assessment: threats, detection points. */
static void
risk_detail_tables(json_t *result)
{
	json_t	*t = field_get(result, "matrix.threats");
	json_t	*pts = field_get(result, "time_balance.points");

	if (json_array_size(t) > 0) {
		printf("\nthreats (%zu):\n", json_array_size(t));
		table_print(t, risk_threat_cols);
	}
	if (json_array_size(pts) > 0) {
		printf("\ntime balance, minutes (%zu):\n", json_array_size(pts));
		table_print(pts, risk_point_cols);
	}
}

/* One assessment: what it came to, its methods' results, then its tables. */
static void
risk_show_one(json_t *a)
{
	json_t	*result = json_object_get(a, "result");
	json_t	*brief;

	risk_join(a, "flags");
	brief = json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?}", "version",
	    json_object_get(a, "version"), "assessed_by", json_object_get(a,
	    "assessed_by"), "assessed", json_object_get(a, "assessed"),
	    "valid_until", json_object_get(a, "valid_until"), "recorded_by",
	    json_object_get(a, "created_by"), "bands", json_object_get(a,
	    "bands"), "flags", json_object_get(a, "flags"));
	object_print(brief, "", object_key_width(result, "result.") + 8);
	json_decref(brief);
	if (json_is_object(result)) {
		json_object_del(result, "bands");
		json_object_del(result, "flags");
		object_print(result, "result.", object_key_width(result,
		    "result.") + 8);
		risk_detail_tables(result);
	}
}

/* site risk: the current assessment, then the history as a table. */
void
pcoctl_show_risk(json_t *result)
{
	json_t	*cur = json_object_get(result, "current"), *row;
	json_t	*hist = json_object_get(result, "history");
	size_t	 i;

	if (cur == NULL)
		cur = json_object_get(result, "assessment");
	printf("site %" JSON_INTEGER_FORMAT " (%s)\n", json_integer_value(
	    json_object_get(result, "site")), json_string_value(json_object_get(
	    result, "name")) != NULL ? json_string_value(json_object_get(result,
	    "name")) : "?");
	if (json_is_object(cur))
		risk_show_one(cur);
	else
		printf("no assessment\n");
	if (json_array_size(hist) == 0)
		return;
	json_array_foreach(hist, i, row)
		risk_join(row, "flags");
	printf("\nhistory (%zu):\n", json_array_size(hist));
	table_print(hist, risk_cols);
}

/* The protocol gaps a band change brought (site.assess's "warnings"). */
static void
risk_warnings(json_t *result)
{
	json_t	*w = json_object_get(result, "warnings"), *x;
	size_t	 i;

	if (json_array_size(w) == 0)
		return;
	printf("\nwarnings (%zu%s): the protocols of the new band call contacts "
	    "the site lacks\n", json_array_size(w), json_is_true(
	    json_object_get(result, "warnings_more")) ? "+" : "");
	json_array_foreach(w, i, x)
		printf("  %s\n", json_string_value(json_object_get(x, "message"))
		    != NULL ? json_string_value(json_object_get(x, "message")) :
		    "?");
}

/* site assess: the new version as site risk shows one, then its warnings. */
void
pcoctl_show_assessment(json_t *result)
{
	if (!json_is_object(result)) {
		pcoctl_show_any(result);
		return;
	}
	risk_show_one(result);
	risk_warnings(result);
}

/* risk report: every site's line, the flagged ones, the sites by band. */
void
pcoctl_show_risk_report(json_t *result)
{
	json_t		*sites = json_object_get(result, "sites"), *row, *m, *l;
	json_t		*flagged = json_object_get(result, "flagged");
	const char	*method, *band;
	size_t		 i;

	json_array_foreach(sites, i, row)
		risk_join(row, "flags");
	json_array_foreach(flagged, i, row)
		risk_join(row, "flags");
	printf("sites (%zu):\n", json_array_size(sites));
	table_print(sites, risk_report_cols);
	printf("\nflagged (%zu):\n", json_array_size(flagged));
	if (json_array_size(flagged) > 0)
		table_print(flagged, risk_report_cols);
	json_object_foreach(json_object_get(result, "by_band"), method, m)
		json_object_foreach(m, band, l) {
			printf("\n%s band %s (%zu):", method, band,
			    json_array_size(l));
			json_array_foreach(l, i, row)
				printf(" %s", json_string_value(json_object_get(row,
				    "name")) != NULL ? json_string_value(
				    json_object_get(row, "name")) : "?");
			printf("\n");
		}
}

/* rows as a table of the columns in spec: head, key, head, key, ..., NULL. */
void
pcoctl_show_table(json_t *rows, const char *const *spec)
{
	struct column	cols[PCOCTL_AUTO_COLS + 1];
	size_t		n = 0;

	for (; spec[0] != NULL && spec[1] != NULL && n < PCOCTL_AUTO_COLS;
	    spec += 2, n++) {
		cols[n].head = spec[0];
		cols[n].key = spec[1];
	}
	cols[n].head = cols[n].key = NULL;
	table_print(rows, cols);
}

/* A value as a table cell would show it ("-" for none), into buf. */
void
pcoctl_show_value(json_t *v, char *buf, size_t bufsz)
{
	value_text(v, buf, bufsz);
}
