/* pcoctl_patrol.c - pcoctl's guard patrol results: guards, status, reports, CSV. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "pcoctl.h"

static const char *const guard_cols[] = {
	"ID", "id", "NAME", "name", "PHONE", "phone", "ACTIVE", "active",
	"DEVICES", "devices", "TAGS", "tags", NULL
};
static const char *const shift_cols[] = {
	"ROUTE", "route", "SITE", "site_id", "DATE", "date", "START", "start",
	"END", "end", "REQUIRED", "required", "WALKED", "walked",
	"COMPLETE", "complete", "LATE", "late", "MISSED", "missed",
	"ON_ROUND", "on_round", "NEXT", "next_checkpoint", "BY", "next_by", NULL
};
static const char *const last_cols[] = {
	"GUARD", "guard_id", "NAME", "name", "SITE", "site_id", "TAG", "tag",
	"LAST_SCAN", "scan", NULL
};
static const char *const finding_cols[] = {
	"ROUTE", "route", "SHIFT", "shift", "KIND", "kind", "ALARM", "alarm_id",
	"RAISED", "raised", "RESTORED", "restored", "TEXT", "text", NULL
};
static const char *const obs_cols[] = {
	"ID", "id", "AT", "at", "SITE", "site_name", "CHECKPOINT", "checkpoint",
	"GUARD", "guard_name", "VERDICT", "verdict", "ALARM", "alarm_id",
	"DEVIATION", "deviation", NULL
};
static const char *const checkin_cols[] = {
	"ID", "id", "SCAN", "scan", "RECEIVED", "received", "SOURCE", "source",
	"KIND", "kind", "SITE", "site_name", "ROUTE", "route", "CP", "checkpoint",
	"TAG", "tag", "GUARD", "guard_name", "DEVICE", "device",
	"UNKNOWN_TAG", "unknown_tag", "UNKNOWN_GUARD", "unknown_guard",
	"NOT_ALLOWED", "not_allowed", NULL
};

/* guard list as a table. */
void
pcoctl_show_guards(json_t *result)
{
	pcoctl_show_table(result, guard_cols);
}

/* patrol checkins as a table. */
void
pcoctl_show_patrol_checkins(json_t *result)
{
	pcoctl_show_table(result, checkin_cols);
}

/* patrol status: the shifts in progress, then each guard's last scan. */
void
pcoctl_show_patrol_status(json_t *result)
{
	printf("shifts in progress:\n");
	pcoctl_show_table(json_object_get(result, "shifts"), shift_cols);
	printf("\nguards (last scan in 12 hours):\n");
	pcoctl_show_table(json_object_get(result, "guards"), last_cols);
}

/* patrol report: totals, the shifts, the alarms raised, the observations. */
void
pcoctl_show_patrol_report(json_t *result)
{
	json_t	*tot = json_object_get(result, "totals");
	char	 from[64], to[64];

	pcoctl_show_value(json_object_get(result, "from"), from, sizeof from);
	pcoctl_show_value(json_object_get(result, "to"), to, sizeof to);
	printf("from %s until %s: %lld shift(s), rounds required %lld, walked "
	    "%lld, complete %lld, late %lld, missed %lld\n\n", from, to,
	    (long long)json_integer_value(json_object_get(tot, "shifts")),
	    (long long)json_integer_value(json_object_get(tot, "required")),
	    (long long)json_integer_value(json_object_get(tot, "walked")),
	    (long long)json_integer_value(json_object_get(tot, "complete")),
	    (long long)json_integer_value(json_object_get(tot, "late")),
	    (long long)json_integer_value(json_object_get(tot, "missed")));
	if (json_is_true(json_object_get(result, "truncated")))
		printf("(only the first shifts: narrow the period, site or "
		    "route for the rest)\n");
	pcoctl_show_table(json_object_get(result, "shifts"), shift_cols);
	printf("\nalarms raised:\n");
	pcoctl_show_table(json_object_get(result, "alarms"), finding_cols);
	printf("\nobservations:\n");
	pcoctl_show_table(json_object_get(result, "observations"), obs_cols);
}

/* One CSV field: quoted when it holds a comma, quote or line break. */
static void
csv_field(json_t *v, int last)
{
	char		 buf[1024];
	const char	*p;

	if (v == NULL || json_is_null(v))
		buf[0] = '\0';
	else if (json_is_string(v))
		snprintf(buf, sizeof buf, "%s", json_string_value(v));
	else
		pcoctl_show_value(v, buf, sizeof buf);
	if (strpbrk(buf, ",\"\r\n") != NULL) {
		putchar('"');
		for (p = buf; *p != '\0'; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else
		fputs(buf, stdout);
	fputs(last ? "\r\n" : ",", stdout);
}

/* The CSV row of one checkpoint of one round (round, cp NULL: the shift alone). */
static void
csv_row(json_t *sh, json_t *rd, json_t *cp)
{
	static const char *const sk[] = { "route", "site_id", "date", "start",
	    "end", "required", "walked", "complete", "late", "missed", NULL };
	static const char *const rk[] = { "round", "state", "start", "end",
	    "guard_id", NULL };
	size_t	i;

	for (i = 0; sk[i] != NULL; i++)
		csv_field(json_object_get(sh, sk[i]), 0);
	for (i = 0; rk[i] != NULL; i++)
		csv_field(json_object_get(rd, rk[i]), 0);
	csv_field(json_object_get(cp, "name"), 0);
	csv_field(json_object_get(cp, "state"), 0);
	csv_field(json_object_get(cp, "at"), 1);
}

/* patrol report --csv: a header, then a row per checkpoint of each round. */
void
pcoctl_show_patrol_csv(json_t *result)
{
	json_t	*sh, *rd, *cp;
	size_t	 i, j, k;

	fputs("route,site_id,date,shift_start,shift_end,required,walked,complete,"
	    "late,missed,round,round_state,round_start,round_end,guard_id,"
	    "checkpoint,checkpoint_state,checkpoint_at\r\n", stdout);
	json_array_foreach(json_object_get(result, "shifts"), i, sh) {
		if (json_array_size(json_object_get(sh, "rounds")) == 0)
			csv_row(sh, NULL, NULL);
		json_array_foreach(json_object_get(sh, "rounds"), j, rd) {
			if (json_array_size(json_object_get(rd, "checkpoints")) == 0)
				csv_row(sh, rd, NULL);
			json_array_foreach(json_object_get(rd, "checkpoints"), k, cp)
				csv_row(sh, rd, cp);
		}
	}
}
