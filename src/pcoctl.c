/* pcoctl.c - the operator/admin CLI: one request over the control socket (pcoctl(1)). */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <fcntl.h>
#include <poll.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "cmd.h"
#include "patrol.h"
#include "xmalloc.h"
#include "pcoctl.h"

#ifndef PCOD_SOCKET
#define PCOD_SOCKET	"/run/pcod/pcod.sock"
#endif

#define PCOCTL_MAX_REPLY	(64 * 1024 * 1024)	/* longest reply line */
#define PCOCTL_TIMEOUT		60			/* seconds to wait for it */

/*
 * How an option's or a positional argument's text becomes part of the request:
 *   OPT_STR	 a JSON string
 *   OPT_INT	 a JSON integer (a usage error otherwise)
 *   OPT_TIME	 a time clock_parse() takes (a date, a local time, ISO-8601
 *		 with Z or an offset, epoch seconds): the ISO-8601 UTC string
 *   OPT_FLAG	 an option without a value: true
 *   OPT_BOOL	 yes/true or no/false (a usage error otherwise)
 *   OPT_OUTPUT	 not sent: the file the result is written to
 *   OPT_JSONFILE a file (or "-") holding a JSON object: the argument's value
 *   OPT_DOCFILE a file (or "-") holding a JSON object: its members become
 *		 arguments (those a show result has and a put refuses dropped)
 *   OPT_FSTR, OPT_FINT, OPT_FTIME  as OPT_STR, OPT_INT, OPT_TIME, for a
 *		 filter: given, it stands in for the first positional (alarm
 *		 close RESOLUTION --class C, instead of alarm close ID RESOLUTION)
 */
enum opt_type {
	OPT_STR, OPT_INT, OPT_TIME, OPT_FLAG, OPT_BOOL, OPT_OUTPUT,
	OPT_JSONFILE, OPT_DOCFILE, OPT_FSTR, OPT_FINT, OPT_FTIME
};

/* A verb option ("--key KEY" becomes args.key) or positional ("ACCT"). */
struct opt {
	const char	*flag;		/* "--key"; positional: its metavariable */
	const char	*arg;		/* the request's argument name */
	enum opt_type	 type;
};

struct request;

/* One command line form and the request it makes. */
struct verb {
	const char	*domain;
	const char	*verb;		/* NULL: the domain alone ("status") */
	const char	*cmd;		/* NULL: handled in pcoctl (alarm watch) */
	const struct opt *pos;		/* required positionals, ends with { NULL } */
	const struct opt *opts;		/* ends with { NULL } */
	void		(*prep)(struct request *);	/* completes args, or NULL */
	void		(*show)(json_t *result);
};

/* What the command line asked for. */
struct request {
	const char		*sock;
	const char		*user;		/* -u: log in as this operator first */
	const char		*output;	/* --output: write the result here */
	int			 json;
	const struct verb	*verb;
	json_t			*args;		/* owned */
};

static void	new_password(struct request *);
static int	report_csv;	/* patrol report --csv */
static void	reply_error(json_t *) __attribute__((noreturn));

static const struct opt none[] = { { NULL, NULL, OPT_STR } };

/* Any command without a verb of its own: DOMAIN VERB... [--name value]... */
static struct verb generic_verb = { NULL, NULL, NULL, none, none, NULL,
    pcoctl_show_any };
static char generic_cmd[128];

static const struct opt pos_account[] = {
	{ "ACCT", "account", OPT_STR }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_id[] = {
	{ "ID", "id", OPT_INT }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_login[] = {
	{ "LOGIN", "login", OPT_STR }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_name[] = {
	{ "NAME", "name", OPT_STR }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_import[] = {
	{ "FILE", "document", OPT_JSONFILE }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_put[] = {
	{ "FILE", "file", OPT_DOCFILE }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_step[] = {
	{ "ID", "id", OPT_INT }, { "POSITION", "position", OPT_INT },
	{ "OUTCOME", "outcome", OPT_STR }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_comment[] = {
	{ "ID", "id", OPT_INT }, { "TEXT", "text", OPT_STR },
	{ NULL, NULL, OPT_STR }
};
static const struct opt pos_close[] = {
	{ "ID", "id", OPT_INT }, { "RESOLUTION", "resolution", OPT_STR },
	{ NULL, NULL, OPT_STR }
};
static const struct opt pos_escalate[] = {
	{ "ID", "id", OPT_INT }, { "REASON", "reason", OPT_STR },
	{ NULL, NULL, OPT_STR }
};

static const struct opt pos_site[] = {
	{ "ID", "site", OPT_INT }, { NULL, NULL, OPT_STR }
};
static const struct opt pos_assess[] = {
	{ "ID", "site", OPT_INT }, { "FILE", "file", OPT_DOCFILE },
	{ NULL, NULL, OPT_STR }
};
static const struct opt risk_opts[] = {
	{ "--version", "version", OPT_INT },
	{ NULL, NULL, OPT_STR }
};

static const struct opt account_opts[] = {
	{ "--key", "key", OPT_STR },
	{ "--name", "name", OPT_STR },
	{ "--site", "site", OPT_INT },
	{ "--supervision", "supervision", OPT_STR },
	{ "--next-key", "next_key", OPT_STR },
	{ "--plaintext", "plaintext", OPT_BOOL },
	{ "--plain-clock", "plain_clock", OPT_BOOL },
	{ NULL, NULL, OPT_STR }
};
static const struct opt event_opts[] = {
	{ "--account", "account", OPT_STR },
	{ "--class", "class", OPT_STR },
	{ "--since", "since", OPT_TIME },
	{ "--until", "until", OPT_TIME },
	{ "--limit", "limit", OPT_INT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt alarm_opts[] = {
	{ "--state", "state", OPT_STR },
	{ "--site", "site", OPT_INT },
	{ "--limit", "limit", OPT_INT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt watch_opts[] = {
	{ "--count", "count", OPT_INT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt note_opts[] = {
	{ "--note", "note", OPT_STR },
	{ NULL, NULL, OPT_STR }
};
/* alarm close: a filter instead of the ID closes every alarm it matches. */
static const struct opt close_opts[] = {
	{ "--note", "note", OPT_STR },
	{ "--site", "site", OPT_FINT },
	{ "--account", "account", OPT_FSTR },
	{ "--class", "class", OPT_FSTR },
	{ "--state", "state", OPT_FSTR },
	{ "--priority", "priority", OPT_FINT },
	{ "--before", "before", OPT_FTIME },
	{ NULL, NULL, OPT_STR }
};
static const struct opt export_opts[] = {
	{ "--output", "output", OPT_OUTPUT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt import_opts[] = {
	{ "--replace", "replace", OPT_FLAG },
	{ NULL, NULL, OPT_STR }
};
static const struct opt put_opts[] = {
	{ "--reason", "reason", OPT_STR },
	{ NULL, NULL, OPT_STR }
};
static const struct opt pshow_opts[] = {
	{ "--version", "version", OPT_INT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt plist_opts[] = {
	{ "--site", "site", OPT_INT },
	{ "--all-versions", "all_versions", OPT_FLAG },
	{ NULL, NULL, OPT_STR }
};
static const struct opt operator_opts[] = {
	{ "--role", "role", OPT_STR },
	{ "--name", "name", OPT_STR },
	{ NULL, NULL, OPT_STR }
};
static const struct opt audit_opts[] = {
	{ "--actor", "actor", OPT_STR },
	{ "--action", "action", OPT_STR },
	{ "--object", "object", OPT_STR },
	{ "--id", "object_id", OPT_STR },
	{ "--object-id", "object_id", OPT_STR },
	{ "--since", "since", OPT_TIME },
	{ "--until", "until", OPT_TIME },
	{ "--limit", "limit", OPT_INT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt superv_opts[] = {
	{ "--silent", "silent_only", OPT_FLAG },
	{ NULL, NULL, OPT_STR }
};
static const struct opt stats_opts[] = {
	{ "--by", "by", OPT_STR },
	{ "--since", "since", OPT_TIME },
	{ "--until", "until", OPT_TIME },
	{ "--priority", "priority", OPT_INT },
	{ "--tz", "tz", OPT_STR },
	{ NULL, NULL, OPT_STR }
};

/*
 * The local zone as a POSIX TZ rule for pcod: TZ when it is one ("UTC0"
 * with --utc), else the footer of the TZif file TZ names (":Europe/Prague",
 * a path) or of /etc/localtime.  0, or -1 with err.
 */
static int
local_tz_rule(char *rule, size_t rulesz, char *err, size_t errsz)
{
	const char	*tz = getenv("TZ");
	struct tz_rule	*r;
	char		 path[300];

	if (tz == NULL || *tz == '\0' || strcmp(tz, ":") == 0)
		return tz_file_rule("/etc/localtime", rule, rulesz, err, errsz);
	if (*tz != ':' && (r = tz_parse(tz, err, errsz)) != NULL) {
		tz_free(r);
		if ((size_t)snprintf(rule, rulesz, "%s", tz) >= rulesz) {
			snprintf(err, errsz, "TZ too long");
			return -1;
		}
		return 0;
	}
	if (*tz == ':')
		tz++;
	if (*tz != '/' && (strstr(tz, "..") != NULL ||
	    (size_t)snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz) >=
	    sizeof path)) {
		snprintf(err, errsz, "TZ=%.64s is not a zone", tz);
		return -1;
	}
	return tz_file_rule(*tz == '/' ? tz : path, rule, rulesz, err, errsz);
}

/* stats handling: local days and hours unless --tz (or --utc) says otherwise. */
static void
stats_prep(struct request *rq)
{
	char	rule[130], err[200];

	if (json_object_get(rq->args, "tz") != NULL)
		return;
	if (local_tz_rule(rule, sizeof rule, err, sizeof err) != 0) {
		fprintf(stderr, "pcoctl: the local time zone is unknown (%s); "
		    "grouping in UTC\n", err);
		return;
	}
	json_object_set_new(rq->args, "tz", json_string(rule));
}

static const struct opt pos_tag[] = {
	{ "TAG", "tag", OPT_STR }, { NULL, NULL, OPT_STR }
};
static const struct opt guard_opts[] = {
	{ "--site", "site", OPT_INT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt pstatus_opts[] = {
	{ "--site", "site", OPT_INT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt preport_opts[] = {
	{ "--site", "site", OPT_INT },
	{ "--guard", "guard", OPT_INT },
	{ "--route", "route", OPT_STR },
	{ "--since", "since", OPT_TIME },
	{ "--until", "until", OPT_TIME },
	{ "--csv", "csv", OPT_FLAG },
	{ "--output", "output", OPT_OUTPUT },
	{ NULL, NULL, OPT_STR }
};
static const struct opt pcheckin_opts[] = {
	{ "--guard", "guard", OPT_STR },
	{ "--device", "device", OPT_STR },
	{ "--site", "site", OPT_INT },
	{ "--time", "time", OPT_TIME },
	{ "--kind", "kind", OPT_STR },
	{ NULL, NULL, OPT_STR }
};
static const struct opt pcheckins_opts[] = {
	{ "--site", "site", OPT_INT },
	{ "--guard", "guard", OPT_INT },
	{ "--since", "since", OPT_TIME },
	{ "--until", "until", OPT_TIME },
	{ "--flagged", "flagged", OPT_FLAG },
	{ "--limit", "limit", OPT_INT },
	{ NULL, NULL, OPT_STR }
};

/* patrol report --csv: not an argument of the request, a way to show it. */
static void
report_prep(struct request *rq)
{
	if (json_object_get(rq->args, "csv") == NULL)
		return;
	json_object_del(rq->args, "csv");
	report_csv = 1;
}

/* The report as tables, or as CSV with --csv. */
static void
report_show(json_t *result)
{
	if (report_csv)
		pcoctl_show_patrol_csv(result);
	else
		pcoctl_show_patrol_report(result);
}

/* backup and archive FILE: pcod writes it, so the path must be absolute. */
static const struct opt pos_file[] = {
	{ "FILE", "path", OPT_STR }, { NULL, NULL, OPT_STR }
};
static const struct opt archive_opts[] = {
	{ "--until", "until", OPT_TIME },
	{ NULL, NULL, OPT_STR }
};

/* A relative FILE is taken from pcoctl's directory, not pcod's. */
static void
path_prep(struct request *rq)
{
	const char	*p = json_string_value(json_object_get(rq->args, "path"));
	char		 cwd[PATH_MAX];

	if (p == NULL || p[0] == '/')
		return;
	if (getcwd(cwd, sizeof cwd) == NULL) {
		fprintf(stderr, "pcoctl: FILE: cannot find the current "
		    "directory: %s\n", strerror(errno));
		exit(2);
	}
	json_object_set_new(rq->args, "path", json_sprintf("%s/%s", cwd, p));
}

static const struct verb verbs[] = {
	{ "status", NULL, "status", none, none, NULL, pcoctl_show_object },
	{ "account", "add", "account.add", pos_account, account_opts, NULL,
	    pcoctl_show_object },
	{ "account", "update", "account.update", pos_account, account_opts,
	    NULL, pcoctl_show_object },
	{ "account", "list", "account.list", none, none, NULL,
	    pcoctl_show_accounts },
	{ "account", "show", "account.show", pos_account, none, NULL,
	    pcoctl_show_object },
	{ "account", "remove", "account.remove", pos_account, none, NULL,
	    pcoctl_show_removed },
	{ "event", "list", "event.list", none, event_opts, NULL,
	    pcoctl_show_events },
	{ "site", "list", "site.list", none, none, NULL, pcoctl_show_sites },
	{ "site", "show", "site.show", pos_id, none, NULL, pcoctl_show_object },
	{ "site", "export", "site.export", pos_id, export_opts, NULL,
	    pcoctl_show_document },
	{ "site", "import", "site.import", pos_import, import_opts, NULL,
	    pcoctl_show_object },
	{ "protocol", "put", "protocol.put", pos_put, put_opts, NULL,
	    pcoctl_show_object },
	{ "protocol", "show", "protocol.show", pos_name, pshow_opts, NULL,
	    pcoctl_show_object },
	{ "protocol", "list", "protocol.list", none, plist_opts, NULL,
	    pcoctl_show_protocols },
	{ "operator", "add", "operator.add", pos_login, operator_opts,
	    new_password, pcoctl_show_object },
	{ "operator", "passwd", "operator.passwd", pos_login, none,
	    new_password, pcoctl_show_object },
	{ "audit", "list", "audit.list", none, audit_opts, NULL,
	    pcoctl_show_audit },
	{ "audit", "verify", "audit.verify", none, none, NULL,
	    pcoctl_show_verify },
	{ "backup", NULL, "backup", pos_file, none, path_prep,
	    pcoctl_show_object },
	{ "archive", NULL, "archive", pos_file, archive_opts, path_prep,
	    pcoctl_show_archive },
	{ "supervision", "list", "supervision.list", none, superv_opts, NULL,
	    pcoctl_show_supervision },
	{ "supervision", "show", "supervision.show", pos_account, none, NULL,
	    pcoctl_show_object },
	{ "stats", "handling", "stats.handling", none, stats_opts, stats_prep,
	    pcoctl_show_stats },
	{ "alarm", "list", "alarm.list", none, alarm_opts, NULL,
	    pcoctl_show_alarms },
	{ "alarm", "show", "alarm.show", pos_id, none, NULL,
	    pcoctl_show_object },
	{ "alarm", "take", "alarm.take", pos_id, none, NULL,
	    pcoctl_show_object },
	{ "alarm", "step", "alarm.step", pos_step, note_opts, NULL,
	    pcoctl_show_object },
	{ "alarm", "comment", "alarm.comment", pos_comment, none, NULL,
	    pcoctl_show_object },
	{ "alarm", "close", "alarm.close", pos_close, close_opts, NULL,
	    pcoctl_show_object },
	{ "alarm", "escalate", "alarm.escalate", pos_escalate, none, NULL,
	    pcoctl_show_object },
	{ "site", "risk", "site.risk", pos_site, risk_opts, NULL,
	    pcoctl_show_risk },
	{ "site", "assess", "site.assess", pos_assess, put_opts, NULL,
	    pcoctl_show_assessment },
	{ "risk", "report", "risk.report", none, none, NULL,
	    pcoctl_show_risk_report },
	{ "guard", "list", "guard.list", none, guard_opts, NULL,
	    pcoctl_show_guards },
	{ "guard", "show", "guard.show", pos_id, none, NULL,
	    pcoctl_show_object },
	{ "patrol", "status", "patrol.status", none, pstatus_opts, NULL,
	    pcoctl_show_patrol_status },
	{ "patrol", "report", "patrol.report", none, preport_opts, report_prep,
	    report_show },
	{ "patrol", "checkin", "patrol.checkin", pos_tag, pcheckin_opts, NULL,
	    pcoctl_show_object },
	{ "patrol", "checkins", "patrol.checkins", none, pcheckins_opts, NULL,
	    pcoctl_show_patrol_checkins },
	/* Not a request of its own: subscribes and keeps showing the queue. */
	{ "alarm", "watch", NULL, none, watch_opts, NULL, NULL },
	/* Ends the session kept for -u LOGIN (pcoctl_session.c). */
	{ "logout", NULL, NULL, none, none, NULL, NULL },
};

/* Print the usage to f and exit with status. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: pcoctl [-s socket] [-u login] [--json] [--utc] <domain> <verb>"
	    " [args]\n"
	    "commands:\n"
	    "  status\n"
	    "  account add|update ACCT [--key K] [--name N] [--site ID]"
	    " [--supervision S]\n"
	    "      [--next-key K] [--plaintext yes|no] [--plain-clock yes|no]\n"
	    "  account list | show ACCT | remove ACCT\n"
	    "  event list [--account ACCT] [--class C] [--since T] [--until T]"
	    " [--limit N]\n"
	    "  site list | show ID | export ID [--output FILE]"
	    " | import FILE [--replace]\n"
	    "  protocol list [--site ID] [--all-versions]"
	    " | show NAME [--version N]\n"
	    "  protocol put FILE [--reason TEXT]\n"
	    "  site risk ID [--version N] | assess ID FILE [--reason TEXT]\n"
	    "  risk report              sites by band, and those flagged\n"
	    "  operator add LOGIN --role R [--name N] | passwd LOGIN\n"
	    "      (password from $PCOCTL_NEW_PASSWORD or asked twice)\n"
	    "  audit list [--actor A] [--action X] [--object O] [--id I]"
	    " [--since T]\n"
	    "      [--until T] [--limit N]\n"
	    "  audit verify              check the audit log's hash chain (exit 1"
	    " if broken)\n"
	    "  supervision list [--silent] | show ACCT\n"
	    "  stats handling [--by B] [--since T] [--until T] [--priority N]\n"
	    "      [--tz ZONE]\n"
	    "  alarm list [--state S] [--site ID] [--limit N]\n"
	    "  alarm show|take ID | step ID POSITION OUTCOME [--note N]\n"
	    "  alarm comment ID TEXT | close ID RESOLUTION [--note N]"
	    " | escalate ID REASON\n"
	    "  alarm close RESOLUTION [--site ID] [--account A] [--class C]"
	    " [--state S]\n"
	    "      [--priority N] [--before T] [--note N]   every open alarm"
	    " that matches\n"
	    "      (supervisor; at least one filter)\n"
	    "  alarm watch [--count N]   the live queue (one line a change when\n"
	    "      not on a terminal; --count: stop after N notifications)\n"
	    "  logout                    end the session kept for -u LOGIN\n"
	    "  guard list [--site ID] | show ID\n"
	    "  patrol status [--site ID]\n"
	    "  patrol report --since T --until T [--site ID] [--guard ID]"
	    " [--route R]\n"
	    "      [--csv] [--output FILE]\n"
	    "  patrol checkin TAG [--guard G] [--device D] [--site ID]"
	    " [--time T] [--kind K]\n"
	    "  patrol checkins [--site ID] [--guard ID] [--since T] [--until T]"
	    " [--flagged]\n"
	    "      [--limit N]\n"
	    "  DOMAIN VERB... [KEY...] [--name value]... [--args JSON]\n"
	    "      any other command: sent as DOMAIN.VERB, KEY filling its\n"
	    "      required arguments in order (site remove 3, protocol retire\n"
	    "      NAME, operator update LOGIN --disabled true); options typed as\n"
	    "      pcod declares them (--foo-bar 12 gives \"foo_bar\")\n"
	    "times (T): 2026-12-01 (local midnight), 2026-12-01 14:00[:00] (local),\n"
	    "2026-12-01T13:00:00Z or +01:00, epoch seconds; shown in local time\n"
	    "options: --utc reads and shows times in UTC; -u LOGIN logs in first\n"
	    "(a kept session, else the password from $PCOCTL_PASSWORD or a\n"
	    "terminal); without it the socket's peer uid decides\n"
	    "socket: -s, else $PCOD_SOCKET, else %s\n", PCOD_SOCKET);
	exit(status);
}

/* Report a usage error and exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	pcoctl_vwarn(fmt, ap);
	va_end(ap);
	usage(stderr, 2);
}

/* --- the command line ------------------------------------------------------ */

/* The type a filter's value has (OPT_FSTR: OPT_STR); others are their own. */
static enum opt_type
opt_base(enum opt_type t)
{
	switch (t) {
	case OPT_FSTR:
		return OPT_STR;
	case OPT_FINT:
		return OPT_INT;
	case OPT_FTIME:
		return OPT_TIME;
	default:
		return t;
	}
}

/* yes/true or no/false as a JSON boolean; a usage error otherwise. */
static json_t *
bool_value(const char *flag, const char *s)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
		return json_true();
	if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
		return json_false();
	usage_error("%s: %s: must be yes or no (true or false)", flag, s);
}

/*
 * A time as the user wrote it (a date, a local time, ISO-8601 with a zone,
 * epoch seconds) as the ISO-8601 UTC string pcod takes; a usage error
 * otherwise.  Local means TZ, or UTC with --utc.
 */
static json_t *
time_value(const char *flag, const char *s)
{
	int64_t	ms;
	char	err[160], buf[40];

	if (clock_parse(s, CLOCK_PARSE_LOCAL, &ms, err, sizeof err) != 0)
		usage_error("%s: %s", flag, err);
	control_time_format(ms, ms % 1000 != 0, buf, sizeof buf);
	return json_string(buf);
}

/* The JSON value for an option's text. */
static json_t *
opt_value(const struct opt *o, const char *s)
{
	enum opt_type	 t = opt_base(o->type);
	long long	 n;
	const char	*errstr;

	if (t == OPT_STR)
		return json_string(s);
	if (t == OPT_BOOL)
		return bool_value(o->flag, s);
	if (t == OPT_TIME)
		return time_value(o->flag, s);
	if (xstrtonum(s, 10, 0, LLONG_MAX, &n, &errstr) != 0)
		usage_error("%s: %s: %s", o->flag, s, errstr);
	return json_integer(n);
}

/* The JSON object in file path ("-": standard input); exits on failure. */
static json_t *
json_file(const char *path)
{
	json_error_t	 jerr;
	json_t		*o;

	if (strcmp(path, "-") == 0)
		o = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		pcoctl_die("%s: line %d: %s", path, jerr.line, jerr.text);
	if (!json_is_object(o))
		pcoctl_die("%s: not a JSON object", path);
	return o;
}

/* A protocol document with what protocol.show adds and protocol.put refuses dropped. */
static json_t *
protocol_doc(const char *path)
{
	static const char *const shown[] = { "id", "version", "latest",
	    "current", "created_by", "created_at", "nsteps", NULL };
	json_t		*doc = json_file(path), *step;
	size_t		 i;

	for (i = 0; shown[i] != NULL; i++)
		json_object_del(doc, shown[i]);
	json_array_foreach(json_object_get(doc, "steps"), i, step)
		if (json_is_object(step))
			json_object_del(step, "position");
	return doc;
}

/* Put the text s of option or positional o into the request. */
static void
arg_set(struct request *rq, const struct opt *o, const char *s)
{
	json_t	*doc;

	switch (o->type) {
	case OPT_FLAG:
		json_object_set_new(rq->args, o->arg, json_true());
		break;
	case OPT_OUTPUT:
		rq->output = s;
		break;
	case OPT_JSONFILE:
		json_object_set_new(rq->args, o->arg, json_file(s));
		break;
	case OPT_DOCFILE:
		/* options given on the command line win over the file */
		doc = protocol_doc(s);
		json_object_update_missing(rq->args, doc);
		json_decref(doc);
		break;
	default:
		json_object_set_new(rq->args, o->arg, opt_value(o, s));
	}
}

/* Find the option named by arg ("--key" or "--key=..."), or NULL. */
static const struct opt *
opt_find(const struct opt *opts, const char *arg, const char **val)
{
	size_t	len;

	for (; opts->flag != NULL; opts++) {
		len = strlen(opts->flag);
		if (strncmp(arg, opts->flag, len) != 0)
			continue;
		if (arg[len] == '\0') {
			*val = NULL;
			return opts;
		}
		if (arg[len] == '=') {
			*val = arg + len + 1;
			return opts;
		}
	}
	return NULL;
}

/* The positional that "--name" also sets ("--id 3" as "3"), or NULL. */
static const struct opt *
pos_find(const struct opt *pos, const char *arg, const char **val)
{
	char	name[64];
	size_t	i, len;

	for (; pos->flag != NULL; pos++) {
		for (i = 0; pos->arg[i] != '\0' && i + 1 < sizeof name; i++)
			name[i] = pos->arg[i] == '_' ? '-' : pos->arg[i];
		name[i] = '\0';
		len = strlen(name);
		if (strncmp(arg + 2, name, len) != 0)
			continue;
		if (arg[len + 2] == '\0' || arg[len + 2] == '=') {
			*val = arg[len + 2] == '=' ? arg + len + 3 : NULL;
			return pos;
		}
	}
	return NULL;
}

/* Handle a global option at argv[*i]; 1 if it was one. */
static int
global_opt(struct request *rq, int argc, char **argv, int *i)
{
	const char	*a = argv[*i];

	if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
		usage(stdout, 0);
	if (strcmp(a, "--json") == 0) {
		rq->json = 1;
		return 1;
	}
	/* Set before any time is read: see utc_scan(). */
	if (strcmp(a, "--utc") == 0)
		return 1;
	if (strcmp(a, "-u") == 0 || strcmp(a, "--user") == 0) {
		if (++*i >= argc)
			usage_error("%s needs a login", a);
		rq->user = argv[*i];
		return 1;
	}
	if (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) {
		if (++*i >= argc)
			usage_error("%s needs a socket path", a);
		rq->sock = argv[*i];
		return 1;
	}
	if (strncmp(a, "-s", 2) == 0 && a[2] != '-') {
		rq->sock = a + 2;
		return 1;
	}
	if (strncmp(a, "--socket=", 9) == 0) {
		rq->sock = a + 9;
		return 1;
	}
	return 0;
}
/* pcod's own entry for command name (linked from its tables), or NULL. */
static const struct cmd_entry *
generic_entry(const char *name)
{
	json_t			*root = json_pack("{s:s}", "cmd", name);
	const struct cmd_entry	*ent;
	const char		*code;
	char			 msg[128];

	ent = root != NULL ? control_request_find(root, &code, msg,
	    sizeof msg) : NULL;
	json_decref(root);
	return ent;
}

/*
 * A command pcoctl has no verb for: its words dotted.  The longest run of
 * words naming a command pcod has is the command, and the words after it
 * are positionals (site remove 3); a command pcod lacks takes every word up
 * to the first option, and pcod answers for it.
 */
static const struct verb *
generic_find(int argc, char **argv, int *i)
{
	char	name[sizeof generic_cmd];
	size_t	len = 0;
	int	n = 0, j, known = 0;

	name[0] = '\0';
	for (j = *i; j < argc && argv[j][0] != '-'; j++, n++) {
		len += strlen(argv[j]) + 1;
		if (len >= sizeof name || strspn(argv[j],
		    "abcdefghijklmnopqrstuvwxyz_") != strlen(argv[j]))
			break;
		if (n > 0)
			strcat(name, ".");
		strcat(name, argv[j]);
		if (generic_entry(name) != NULL) {
			known = n + 1;
			snprintf(generic_cmd, sizeof generic_cmd, "%s", name);
		}
	}
	if (known == 0) {
		if (j < argc && argv[j][0] != '-')
			usage_error("unknown command word '%s'", argv[j]);
		if (n < 2)
			usage_error("unknown command '%s'", name);
		snprintf(generic_cmd, sizeof generic_cmd, "%s", name);
		n = j - *i;
	} else
		n = known;
	*i += n;
	generic_verb.cmd = generic_cmd;
	return &generic_verb;
}

/*
 * A value of a command pcoctl does not know the arguments of: an integer
 * when it is one written the way pcod would write it back ("0001" and "+5"
 * stay strings: pcod takes an integer for a string as its decimal text),
 * a boolean, null, a JSON object or array, else a string.
 */
static json_t *
generic_value(const char *s)
{
	long long	 n;
	const char	*errstr;
	json_error_t	 jerr;
	json_t		*j;
	char		 back[32];

	if (xstrtonum(s, 10, LLONG_MIN, LLONG_MAX, &n, &errstr) == 0) {
		snprintf(back, sizeof back, "%lld", n);
		if (strcmp(back, s) == 0)
			return json_integer(n);
		return json_string(s);
	}
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return json_boolean(s[0] == 't');
	if (strcmp(s, "null") == 0)
		return json_null();
	if ((s[0] == '{' || s[0] == '[') &&
	    (j = json_loads(s, JSON_DECODE_ANY, &jerr)) != NULL)
		return j;
	return json_string(s);
}

/* The value of argument a of a command pcod has, typed by its spec. */
static json_t *
spec_value(const struct cmd_arg *a, const char *flag, const char *s)
{
	long long	 n;
	const char	*errstr;
	json_error_t	 jerr;
	json_t		*j;

	switch (a->type) {
	case CMD_ARG_STRING:
	case CMD_ARG_ACCOUNT:
		return json_string(s);
	case CMD_ARG_INT:
		if (xstrtonum(s, 10, LLONG_MIN, LLONG_MAX, &n, &errstr) != 0)
			usage_error("%s: %s: %s", flag, s, errstr);
		return json_integer(n);
	case CMD_ARG_BOOL:
		return bool_value(flag, s);
	case CMD_ARG_TIME:
		return time_value(flag, s);
	case CMD_ARG_OBJECT:
	case CMD_ARG_ARRAY:
		j = json_loads(s, JSON_DECODE_ANY, &jerr);
		if (j == NULL || (a->type == CMD_ARG_OBJECT ? !json_is_object(j) :
		    !json_is_array(j)))
			usage_error("%s: not a JSON %s", flag, a->type ==
			    CMD_ARG_OBJECT ? "object" : "array");
		return j;
	}
	return json_string(s);
}

/* Argument name of ent, or NULL (ent NULL: none known). */
static const struct cmd_arg *
spec_find(const struct cmd_entry *ent, const char *name)
{
	const struct cmd_arg	*a;

	for (a = ent != NULL ? ent->args : NULL; a != NULL && a->name != NULL;
	    a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Set argument name from the text val, typed by ent's spec when it has it. */
static void
generic_set(struct request *rq, const struct cmd_entry *ent, const char *name,
    const char *flag, const char *val)
{
	const struct cmd_arg	*a = spec_find(ent, name);

	json_object_set_new(rq->args, name, a != NULL ? spec_value(a, flag, val) :
	    generic_value(val));
}

/*
 * The positionals of a generic command: its required arguments in order,
 * those given as options skipped (a command without any takes its first).
 */
static void
generic_positionals(struct request *rq, const struct cmd_entry *ent,
    char **pos, int npos)
{
	const struct cmd_arg	*a;
	int			 k = 0, any = 0;

	if (npos > 0 && ent == NULL)
		usage_error("unexpected argument '%s' (use --name value)", pos[0]);
	for (a = ent != NULL ? ent->args : NULL; a != NULL && a->name != NULL;
	    a++)
		any |= a->required;
	for (a = ent != NULL ? ent->args : NULL; a != NULL && a->name != NULL &&
	    k < npos; a++) {
		if (!(a->required || (!any && a == ent->args)) ||
		    json_object_get(rq->args, a->name) != NULL)
			continue;
		generic_set(rq, ent, a->name, a->name, pos[k++]);
	}
	if (k < npos)
		usage_error("unexpected argument '%s'", pos[k]);
}

/* Is --name a boolean of ent given without a value ("site remove 3 --force")? */
static int
generic_flag(const struct cmd_entry *ent, const char *name, const char *next)
{
	const struct cmd_arg	*a = spec_find(ent, name);
	static const char *const words[] = { "yes", "no", "true", "false", NULL };
	size_t			 k;

	if (a == NULL || a->type != CMD_ARG_BOOL)
		return 0;
	for (k = 0; next != NULL && words[k] != NULL; k++)
		if (strcmp(next, words[k]) == 0)
			return 0;
	return 1;
}

/* "--foo-bar" as the argument name "foo_bar". */
static void
generic_name(const char *flag, char *buf, size_t bufsz)
{
	size_t	i;

	for (i = 0; flag[i + 2] != '\0' && flag[i + 2] != '=' && i + 1 < bufsz; i++)
		buf[i] = flag[i + 2] == '-' ? '_' : flag[i + 2];
	buf[i] = '\0';
}

/* Arguments of a generic command: positionals, --name value, --name=value, --args JSON. */
static void
generic_args(struct request *rq, int argc, char **argv, int i)
{
	const struct cmd_entry	*ent = generic_entry(generic_cmd);
	char			 name[64], **pos;
	const char		*val, *eq;
	json_t			*obj;
	json_error_t		 jerr;
	int			 npos = 0, dashdash = 0;

	pos = xcalloc((size_t)argc + 1, sizeof *pos);
	for (; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (dashdash || strncmp(argv[i], "--", 2) != 0) {
			if (!dashdash && global_opt(rq, argc, argv, &i))
				continue;
			pos[npos++] = argv[i];
			continue;
		}
		if (global_opt(rq, argc, argv, &i))
			continue;
		generic_name(argv[i], name, sizeof name);
		if ((eq = strchr(argv[i], '=')) != NULL)
			val = eq + 1;
		else if (generic_flag(ent, name, argv[i + 1])) {
			json_object_set_new(rq->args, name, json_true());
			continue;
		} else if ((val = argv[++i]) == NULL)
			usage_error("%s needs a value", argv[i - 1]);
		if (strcmp(name, "args") != 0) {
			generic_set(rq, ent, name, argv[eq != NULL ? i : i - 1],
			    val);
			continue;
		}
		if ((obj = json_loads(val, 0, &jerr)) == NULL || !json_is_object(obj))
			usage_error("--args: not a JSON object: %s", jerr.text);
		json_object_update(rq->args, obj);
		json_decref(obj);
	}
	generic_positionals(rq, ent, pos, npos);
	free(pos);
}

/* The verb for domain and verb words; advances *i past them. */
static const struct verb *
verb_find(int argc, char **argv, int *i)
{
	const char	*dom = argv[*i], *vb = *i + 1 < argc ? argv[*i + 1] : NULL;
	size_t		 k;

	for (k = 0; k < sizeof verbs / sizeof verbs[0]; k++) {
		if (strcmp(verbs[k].domain, dom) != 0)
			continue;
		if (verbs[k].verb == NULL) {
			*i += 1;
			return &verbs[k];
		}
		if (vb != NULL && strcmp(verbs[k].verb, vb) == 0) {
			*i += 2;
			return &verbs[k];
		}
	}
	return generic_find(argc, argv, i);
}

/* The option at argv[*i] (or a positional given as "--name value"). */
static void
verb_opt(struct request *rq, int argc, char **argv, int *i)
{
	const struct verb	*v = rq->verb;
	const struct opt	*o;
	const char		*val;

	if ((o = opt_find(v->opts, argv[*i], &val)) == NULL &&
	    (o = pos_find(v->pos, argv[*i], &val)) == NULL)
		usage_error("unknown option '%s'", argv[*i]);
	if (o->type == OPT_FLAG && val != NULL)
		usage_error("%s takes no value", o->flag);
	if (o->type != OPT_FLAG && val == NULL &&
	    (*i + 1 >= argc || (val = argv[++*i]) == NULL))
		usage_error("%s needs a value", argv[*i]);
	arg_set(rq, o, val);
}

/* Is positional o already in the request (given as "--name value")? */
static int
pos_given(const struct request *rq, const struct opt *o)
{
	if (o->type == OPT_DOCFILE)
		return 0;
	return json_object_get(rq->args, o->arg) != NULL;
}

/* Is a filter option among the words from argv[i] (up to a "--")? */
static int
verb_filtered(const struct verb *v, int argc, char **argv, int i)
{
	const struct opt	*o;
	const char		*val;

	for (; i < argc && strcmp(argv[i], "--") != 0; i++)
		if ((o = opt_find(v->opts, argv[i], &val)) != NULL &&
		    opt_base(o->type) != o->type)
			return 1;
	return 0;
}

/* Parse the arguments after the verb into rq->args. */
static void
verb_args(struct request *rq, int argc, char **argv, int i)
{
	const struct opt	*pos = rq->verb->pos;
	int			 dashdash = 0;

	/* "alarm close RESOLUTION --class C": the filter replaces the ID. */
	if (pos->flag != NULL && verb_filtered(rq->verb, argc, argv, i))
		pos++;

	for (; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && global_opt(rq, argc, argv, &i))
			continue;
		if (!dashdash && strncmp(argv[i], "--", 2) == 0) {
			verb_opt(rq, argc, argv, &i);
			continue;
		}
		while (pos->flag != NULL && pos_given(rq, pos))
			pos++;
		if (pos->flag == NULL)
			usage_error("unexpected argument '%s'", argv[i]);
		arg_set(rq, pos++, argv[i]);
	}
	for (; pos->flag != NULL; pos++)
		if (!pos_given(rq, pos))
			usage_error("missing %s", pos->flag);
}

/* --utc anywhere (before a "--"): times are read and shown in UTC. */
static void
utc_scan(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--utc") == 0) {
			setenv("TZ", "UTC0", 1);
			break;
		}
	tzset();
}

/* Parse the whole command line. */
static void
parse_cmdline(struct request *rq, int argc, char **argv)
{
	const char	*env;
	int		 i;

	utc_scan(argc, argv);
	rq->sock = PCOD_SOCKET;
	if ((env = getenv("PCOD_SOCKET")) != NULL && *env != '\0')
		rq->sock = env;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (!global_opt(rq, argc, argv, &i))
			usage_error("unknown option '%s'", argv[i]);
	}
	if (i >= argc)
		usage_error("no command given");
	rq->verb = verb_find(argc, argv, &i);
	rq->args = json_object();
	if (rq->verb == &generic_verb)
		generic_args(rq, argc, argv, i);
	else
		verb_args(rq, argc, argv, i);
}

/* operator add/passwd: the new password from the environment or asked twice. */
static void
new_password(struct request *rq)
{
	const char	*env = getenv("PCOCTL_NEW_PASSWORD"), *p;
	char		*first;
	int		 fd;

	if (env != NULL) {
		json_object_set_new(rq->args, "password", json_string(env));
		return;
	}
	/* getpass() would read standard input without a terminal */
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0)
		pcoctl_die("no terminal to ask for the new password: set "
		    "PCOCTL_NEW_PASSWORD");
	close(fd);
	if ((p = getpass("new password: ")) == NULL)
		pcoctl_die("no password");
	first = xstrdup(p);
	if ((p = getpass("new password again: ")) == NULL)
		pcoctl_die("no password");
	if (strcmp(first, p) != 0)
		pcoctl_die("the passwords do not match");
	json_object_set_new(rq->args, "password", json_string(first));
	free(first);
}

/* --- the connection -------------------------------------------------------- */

/* Send the request (after a login with -u) and return the reply to it. */
static json_t *
roundtrip(struct request *rq)
{
	return pcoctl_request(rq->sock, rq->user, rq->verb->cmd, rq->args);
}

/* Report an error reply and exit 1. */
static void
reply_error(json_t *rep)
{
	json_t		*err = json_object_get(rep, "error");
	const char	*code, *msg;
	char		 cbuf[64], mbuf[1024];

	code = json_string_value(json_object_get(err, "code"));
	msg = json_string_value(json_object_get(err, "message"));
	pcoctl_text_sanitize(code != NULL ? code : "error", cbuf, sizeof cbuf);
	pcoctl_text_sanitize(msg != NULL ? msg : "?", mbuf, sizeof mbuf);
	pcoctl_die("%s: %s", cbuf, mbuf);
}

/* Send stdout to path (site export --output): a new file only we may read. */
static void
output_open(const char *path)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		pcoctl_die("%s: %s", path, strerror(errno));
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) < 0)
		pcoctl_die("%s: %s", path, strerror(errno));
	close(fd);
}

/* Print the result: raw JSON on one line with --json, else for people. */
static void
result_print(const struct request *rq, json_t *res)
{
	char	*s;

	if (rq->json) {
		s = json_dumps(res != NULL ? res : json_null(),
		    JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		printf("%s\n", s != NULL ? s : "null");
		free(s);
	} else
		rq->verb->show(res);
}

int
main(int argc, char **argv)
{
	struct request	 rq;
	json_t		*rep;
	int		 rc;

	memset(&rq, 0, sizeof rq);
	parse_cmdline(&rq, argc, argv);
	if (rq.verb->cmd == NULL) {
		rc = strcmp(rq.verb->domain, "logout") == 0 ? pcoctl_logout(rq.sock,
		    rq.user) : pcoctl_watch(rq.sock, rq.user, rq.json, rq.args);
		json_decref(rq.args);
		return rc;
	}
	if (rq.verb->prep != NULL)
		rq.verb->prep(&rq);
	rep = roundtrip(&rq);
	if (!json_is_true(json_object_get(rep, "ok")))
		reply_error(rep);
	if (rq.output != NULL)
		output_open(rq.output);
	result_print(&rq, json_object_get(rep, "result"));
	/* A broken audit chain is a failure a script must see. */
	rc = rq.verb->show == pcoctl_show_verify && !json_is_true(
	    json_object_get(json_object_get(rep, "result"), "intact"));
	json_decref(rep);
	json_decref(rq.args);
	return fflush(stdout) == 0 && !ferror(stdout) && !rc ? 0 : 1;
}
