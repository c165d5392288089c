/* config.c - pcod.conf(5): one grammar, one directive table, file:line errors. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "conf.h"
#include "db.h"
#include "dc09.h"
#include "event.h"
#include "log.h"
#include "risk.h"
#include "text.h"
#include "xmalloc.h"

#define nitems(a)		(sizeof(a) / sizeof((a)[0]))

#define MAX_DIRECTIVES		40
#define MAX_LISTEN_OPTS		8

#define DEF_CONTROL_MODE	0660
#define DEF_MAX_CONN		1000
#define DEF_MAX_PER_ADDR	64
#define DEF_IDLE_TIMEOUT	120
#define DEF_FRAME_TIMEOUT	10
/* Any frame the 3-digit length field can describe (issue 7: [V...] URLs). */
#define DEF_MAX_FRAME		DC09_MAX_FRAME
#define DEF_TIME_AHEAD		20
#define DEF_TIME_BEHIND		40
#define DEF_DUPLICATE_WINDOW	600
#define DEF_BATCH_MAX		4096
#define DEF_BUSY_TIMEOUT_MS	10	/* a foreign lock fails the batch this soon */
#define MAX_BUSY_TIMEOUT_MS	1000
#define MAX_NODE_NAME		63
#define DEF_LEASE_TIME		3	/* seconds; renewed every second */
#define MIN_LEASE_TIME		2
#define MAX_LEASE_TIME		60
#define DEF_SYNC_LIMIT_MS	1000	/* a WAL sync longer than this is trouble */
#define MAX_SYNC_LIMIT_MS	600000
#define DEF_TAKE_DEADLINE	60
#define DEF_ESCALATION_INTERVAL	120
#define DEF_SUPERVISION_GRACE	60
#define DEF_CONTROL_MAX		64
#define DEF_CONTROL_RESERVED	4
#define DEF_CONTROL_PER_UID	8
#define DEF_CONTROL_AUTH	15
#define DEF_LOGIN_AFTER		3
#define DEF_LOGIN_FIRST		1
#define DEF_LOGIN_MAX		300
#define DEF_LOCK_FAILURES	10
#define DEF_LOCK_TIME		900
#define DEF_AUDIT_BURST		5
#define DEF_AUDIT_INTERVAL	60
#define MAX_CONSOLES		10000
#define DEF_UNKNOWN_PRIORITY	5	/* low: below every real alarm class but other */
#define MAX_PRIORITY		9	/* 1 highest, as alarm.c counts */
/* Openings/closings and test reports are logged, not alarms, unless configured. */
#define DEF_ALARM_CLASSES	(~0u & ~(1u << EVC_OPENCLOSE) & ~(1u << EVC_TEST))
#define MAX_SECONDS		86400
#define MAX_COUNT		100000
#define MIN_FRAME		64
#define MAX_FRAME		DC09_MAX_FRAME	/* DC-09 upper bound on LF..CR */
#define MAX_HEX_DIGITS		6
/* Console sessions (issue 12): idle 12 h by default, 30 days at most. */
#define DEF_SESSION_TIMEOUT	43200
#define MAX_SESSION_TIMEOUT	2592000
/* The metrics listener serves without authentication: few, short connections. */
#define DEF_HTTP_CONN		16
#define MAX_HTTP_CONN		1000
#define DEF_CONSOLE_CONN	128	/* browsers: a stream and a few requests each */
#define DEF_HTTP_TIMEOUT	10
#define MAX_HTTP_TIMEOUT	300
#define MAX_RETENTION_DAYS	36500	/* a century: "keep" is 0 */

/* State of one parse; everything here dies with config_load(). */
struct parse {
	struct config	*conf;		/* being filled; handed to the caller on success */
	const char	*path;		/* as the caller named it; not owned */
	char		*dir;		/* absolute directory of path; owned */
	int		 lineno;
	const char	*dname;		/* directive being handled, for messages */
	int		 seen[MAX_DIRECTIVES];	/* first line of each directive, 0: unseen */
	int		 retention_seen[RETAIN_NKINDS];	/* line of each kind, 0: unseen */
	char		*err;		/* caller's buffer */
	size_t		 errsz;
};

/* One directive: the table below drives parsing, arity checks and reload. */
struct directive {
	const char	*name;
	const char	*usage;		/* arguments, for "missing argument" */
	int		(*handler)(struct parse *, char **, int);
	int		 minargs;
	int		 maxargs;	/* -1: any number */
	int		 once;		/* 0: repeatable */
	int		 reloadable;	/* applied on SIGHUP; else needs a restart */
	int		(*same)(const struct config *, const struct config *);
};

/* A word accepted by a keyword-valued directive and what it maps to. */
struct keyword {
	const char	*word;
	int		 value;
};

/* A numeric or path option of a listen directive. */
struct listen_opt {
	const char	*name;
	int		 is_path;
	size_t		 off;		/* int (numeric) or char * (path) field */
	long long	 min, max;
};

static const struct keyword protos[] = {
	{ "tcp", LISTEN_TCP }, { "udp", LISTEN_UDP }, { "tls", LISTEN_TLS },
};

static const struct keyword policies[] = {
	{ "accept", UNKNOWN_ACCEPT }, { "reject", UNKNOWN_REJECT },
};

static const struct keyword yesno[] = {
	{ "yes", 1 }, { "no", 0 },
};

static const struct keyword levels[] = {
	{ "warn", LOG_LVL_WARN }, { "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
};

static const struct keyword retain_kinds[] = {
	{ "events", RETAIN_EVENTS }, { "alarms", RETAIN_ALARMS },
	{ "patrol", RETAIN_PATROL }, { "audit", RETAIN_AUDIT },
};

#define LOFF(field)	offsetof(struct listen_conf, field)
static const struct listen_opt listen_opts[] = {
	{ "max-connections", 0, LOFF(max_conn), 1, MAX_COUNT },
	{ "max-per-address", 0, LOFF(max_per_addr), 1, MAX_COUNT },
	{ "idle-timeout", 0, LOFF(idle_timeout), 1, MAX_SECONDS },
	{ "frame-timeout", 0, LOFF(frame_timeout), 1, MAX_SECONDS },
	{ "max-frame", 0, LOFF(max_frame), MIN_FRAME, MAX_FRAME },
	{ "cert", 1, LOFF(cert), 0, 0 },
	{ "key", 1, LOFF(key), 0, 0 },
};
#undef LOFF

_Static_assert(nitems(listen_opts) <= MAX_LISTEN_OPTS, "raise MAX_LISTEN_OPTS");

/* Write "file:line: message" into the caller's buffer; returns -1. */
__attribute__((format(printf, 2, 3)))
static int
perr(struct parse *p, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (p->lineno > 0)
		n = snprintf(p->err, p->errsz, "%s:%d: ", p->path, p->lineno);
	else
		n = snprintf(p->err, p->errsz, "%s: ", p->path);
	if (n < 0 || (size_t)n >= p->errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* perr() with the current directive's name in front of the message. */
__attribute__((format(printf, 2, 3)))
static int
derr(struct parse *p, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return perr(p, "%s: %s", p->dname, msg);
}

/* Parse word as a base-10 integer in [min, max]; what names it in errors. */
static int
parse_num(struct parse *p, const char *what, const char *word, long long min,
    long long max, int *out)
{
	const char	*es;
	long long	 v;
	const char	*sp = what[0] != '\0' ? " " : "";

	if (xstrtonum(word, 10, min, max, &v, &es) == 0) {
		*out = (int)v;
		return 0;
	}
	if (strcmp(es, "not a number") == 0)
		return derr(p, "%s%s\"%s\" is not a number", what, sp, word);
	return derr(p, "%s%s%s out of range %lld-%lld", what, sp, word, min, max);
}

/* Map word through a keyword table; expect lists the choices for errors. */
static int
parse_keyword(struct parse *p, const char *word, const struct keyword *kw,
    size_t nkw, const char *expect, int *out)
{
	size_t	i;

	for (i = 0; i < nkw; i++) {
		if (strcmp(word, kw[i].word) == 0) {
			*out = kw[i].value;
			return 0;
		}
	}
	return derr(p, "expected %s, not \"%s\"", expect, word);
}

/* Drop the last component of the absolute directory dir ("/" stays "/"). */
static void
dir_up(char *dir)
{
	char	*slash = strrchr(dir, '/');

	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
}

/* Make s absolute against the config file's directory; s need not exist. */
static char *
resolve_path(struct parse *p, const char *s)
{
	char	*base, *out;

	if (s[0] == '/')
		return xstrdup(s);
	base = xstrdup(p->dir);
	/* The base is canonical, so leading "." and ".." can be folded into it. */
	for (;;) {
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0'))
			s += 1;
		else if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0')) {
			dir_up(base);
			s += 2;
		} else
			break;
		while (*s == '/')
			s++;
	}
	if (*s == '\0')
		return base;
	out = xasprintf("%s%s%s", base, strcmp(base, "/") == 0 ? "" : "/", s);
	free(base);
	return out;
}

/* Resolve a path argument into *out; an empty path is an error. */
static int
parse_path(struct parse *p, const char *word, char **out)
{
	if (word[0] == '\0')
		return derr(p, "empty path");
	free(*out);
	*out = resolve_path(p, word);
	return 0;
}

/* Check that word is 1 to 6 hex digits and store it in upper case. */
static int
parse_hex(struct parse *p, const char *word, char **out)
{
	size_t	 i, len = strlen(word);
	char	*s;

	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)word[i]))
			break;
	if (len == 0 || len > MAX_HEX_DIGITS || i != len)
		return derr(p, "\"%s\" is not 1-%d hex digits", word, MAX_HEX_DIGITS);
	s = xstrdup(word);
	for (i = 0; i < len; i++)
		s[i] = toupper((unsigned char)s[i]);
	*out = s;
	return 0;
}

/* Parse a socket mode written as four octal digits, 0600-0777. */
static int
parse_mode(struct parse *p, const char *word, int *out)
{
	const char	*es;
	long long	 v;

	if (word[0] != '0' || strlen(word) != 4 ||
	    strspn(word, "01234567") != 4)
		return derr(p, "mode \"%s\" is not four octal digits like 0660",
		    word);
	if (xstrtonum(word, 8, 0600, 0777, &v, &es) != 0)
		return derr(p, "mode %s out of range 0600-0777", word);
	*out = (int)v;
	return 0;
}

/*
 * 1 if a PostgreSQL URI carries a password: "user:secret@" before the host,
 * or a password= parameter.  A configuration file is read by many; the
 * password belongs in a passfile (passfile=, PGPASSFILE) or PGPASSWORD.
 */
static int
uri_has_password(const char *uri)
{
	const char	*auth = strstr(uri, "://") + 3, *at, *colon, *q;

	at = strchr(auth, '@');
	q = auth + strcspn(auth, "/?");
	if (at != NULL && at < q) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon != NULL)
			return 1;
	}
	if ((q = strchr(uri, '?')) == NULL)
		return 0;
	for (q++; *q != '\0'; q += strcspn(q, "&"), q += *q == '&') {
		if (strncasecmp(q, "password=", 9) == 0)
			return 1;
	}
	return 0;
}

/* database PATH|postgresql://... */
static int
h_database(struct parse *p, char **av, int ac)
{
	if (!db_is_pg(av[0]))
		return parse_path(p, av[0], &p->conf->database);
	if (uri_has_password(av[0]))
		return derr(p, "the database URI holds a password: put it in a "
		    "passfile (passfile=PATH in the URI, or PGPASSFILE) or in "
		    "PGPASSWORD, never in this file");
	if (strchr(av[0] + strcspn(av[0], ":") + 3, '/') == NULL)
		return derr(p, "the database URI names no database: "
		    "postgresql://USER@HOST[:PORT]/DBNAME");
	free(p->conf->database);
	p->conf->database = xstrdup(av[0]);
	return 0;
}

/* control PATH [mode OCTAL] */
static int
h_control(struct parse *p, char **av, int ac)
{
	if (parse_path(p, av[0], &p->conf->control) != 0)
		return -1;
	p->conf->control_lineno = p->lineno;
	if (ac == 1)
		return 0;
	if (strcmp(av[1], "mode") != 0)
		return derr(p, "unexpected \"%s\"", av[1]);
	if (ac == 2)
		return derr(p, "mode needs a value");
	return parse_mode(p, av[2], &p->conf->control_mode);
}

/* Fill ss from a numeric IPv6 address (scope ids allowed) and a port. */
static int
resolve_ipv6(struct parse *p, const char *host, int port,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo	 hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
		return derr(p, "\"[%s]\" is not a numeric IPv6 address", host);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return 0;
}

/* Fill ss from a numeric dotted-quad IPv4 address, or "*", and a port. */
static int
resolve_ipv4(struct parse *p, const char *host, int port,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (strcmp(host, "*") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return derr(p, "\"%s\" is not a numeric IPv4 address, "
		    "[IPv6] address or *", host);
	*sslen = sizeof(*sin);
	return 0;
}

/* Resolve "ADDR:PORT", "[IPv6]:PORT" or "*:PORT" numerically into l. */
static int
parse_hostport(struct parse *p, const char *word, struct listen_conf *l)
{
	const char	*colon = strrchr(word, ':');
	char		*host;
	size_t		 hlen;
	int		 port, rc;

	if (colon == NULL || colon == word)
		return derr(p, "\"%s\" is not ADDR:PORT", word);
	if (parse_num(p, "port", colon + 1, 1, 65535, &port) != 0)
		return -1;
	hlen = colon - word;
	memset(&l->ss, 0, sizeof(l->ss));
	if (word[0] == '[') {
		if (hlen < 3 || word[hlen - 1] != ']')
			return derr(p, "\"%s\" is not [IPv6]:PORT", word);
		host = xstrndup(word + 1, hlen - 2);
		rc = resolve_ipv6(p, host, port, &l->ss, &l->sslen);
	} else {
		host = xstrndup(word, hlen);
		rc = resolve_ipv4(p, host, port, &l->ss, &l->sslen);
	}
	free(host);
	return rc;
}

/* Apply one "option value" pair to l; seen flags options already given. */
static int
parse_listen_opt(struct parse *p, const char *name, const char *value,
    struct listen_conf *l, int *seen)
{
	const struct listen_opt	*o;
	size_t			 i;

	for (i = 0; i < nitems(listen_opts); i++)
		if (strcmp(name, listen_opts[i].name) == 0)
			break;
	if (i == nitems(listen_opts))
		return derr(p, "unknown option \"%s\"", name);
	o = &listen_opts[i];
	if (seen[i])
		return derr(p, "duplicate option \"%s\"", name);
	seen[i] = 1;
	if (value == NULL)
		return derr(p, "option \"%s\" needs a value", name);
	if (o->is_path && l->proto != LISTEN_TLS)
		return derr(p, "%s is only for tls", name);
	if (o->is_path)
		return parse_path(p, value, (char **)((char *)l + o->off));
	return parse_num(p, name, value, o->min, o->max,
	    (int *)((char *)l + o->off));
}

/* Refuse a second listener on the same transport and socket address. */
static int
check_listen_dup(struct parse *p, const struct listen_conf *l)
{
	const struct config	*c = p->conf;
	const struct listen_conf *o;
	size_t			 i;

	for (i = 0; i < c->nlisteners; i++) {
		o = &c->listeners[i];
		/* tcp and tls both need the TCP port, so they clash too. */
		if ((o->proto == LISTEN_UDP) != (l->proto == LISTEN_UDP))
			continue;
		if (o->sslen == l->sslen && memcmp(&o->ss, &l->ss, l->sslen) == 0)
			return derr(p, "%s %s is already used on line %d",
			    config_proto_name(l->proto), l->addr, o->lineno);
	}
	return 0;
}

/* Everything of a listen directive after the protocol and address. */
static int
parse_listen_rest(struct parse *p, char **av, int ac, struct listen_conf *l)
{
	int	seen[MAX_LISTEN_OPTS] = { 0 };
	int	i;

	for (i = 0; i < ac; i += 2)
		if (parse_listen_opt(p, av[i], i + 1 < ac ? av[i + 1] : NULL,
		    l, seen) != 0)
			return -1;
	if (l->proto == LISTEN_TLS && (l->cert == NULL || l->key == NULL))
		return derr(p, "tls needs both cert and key");
	return check_listen_dup(p, l);
}

/* listen tcp|udp|tls ADDR:PORT [option value]... */
static int
h_listen(struct parse *p, char **av, int ac)
{
	struct config		*c = p->conf;
	struct listen_conf	 l;
	int			 proto = 0;

	memset(&l, 0, sizeof(l));
	if (parse_keyword(p, av[0], protos, nitems(protos), "tcp, udp or tls",
	    &proto) != 0)
		return -1;
	l.proto = proto;
	l.addr = xstrdup(av[1]);
	l.max_conn = DEF_MAX_CONN;
	l.max_per_addr = DEF_MAX_PER_ADDR;
	l.idle_timeout = DEF_IDLE_TIMEOUT;
	l.frame_timeout = DEF_FRAME_TIMEOUT;
	l.max_frame = DEF_MAX_FRAME;
	l.lineno = p->lineno;
	if (parse_hostport(p, av[1], &l) != 0 ||
	    parse_listen_rest(p, av + 2, ac - 2, &l) != 0)
		goto fail;
	c->listeners = xreallocarray(c->listeners, c->nlisteners + 1,
	    sizeof(*c->listeners));
	c->listeners[c->nlisteners++] = l;
	return 0;
fail:
	free(l.cert);
	free(l.key);
	free(l.addr);
	return -1;
}

/* receiver HEX */
static int
h_receiver(struct parse *p, char **av, int ac)
{
	return parse_hex(p, av[0], &p->conf->receiver);
}

/* line HEX */
static int
h_line(struct parse *p, char **av, int ac)
{
	return parse_hex(p, av[0], &p->conf->line);
}

/* timestamp-window AHEAD BEHIND */
static int
h_timestamp_window(struct parse *p, char **av, int ac)
{
	if (parse_num(p, "ahead", av[0], 0, MAX_SECONDS, &p->conf->time_ahead))
		return -1;
	return parse_num(p, "behind", av[1], 0, MAX_SECONDS,
	    &p->conf->time_behind);
}

/* unknown-accounts accept|reject */
static int
h_unknown_accounts(struct parse *p, char **av, int ac)
{
	int	v = 0;

	if (parse_keyword(p, av[0], policies, nitems(policies),
	    "accept or reject", &v) != 0)
		return -1;
	p->conf->unknown_accounts = v;
	return 0;
}

/* panel-charset cp1252|cp1250 */
static int
h_panel_charset(struct parse *p, char **av, int ac)
{
	int	v;

	if ((v = text_charset_parse(av[0])) < 0)
		return derr(p, "must be cp1252 or cp1250, not \"%s\"", av[0]);
	p->conf->panel_charset = v;
	return 0;
}

/* unknown-accounts-priority N */
static int
h_unknown_accounts_priority(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_PRIORITY,
	    &p->conf->unknown_priority);
}

/* audit-syslog yes|no */
static int
h_audit_syslog(struct parse *p, char **av, int ac)
{
	return parse_keyword(p, av[0], yesno, nitems(yesno), "yes or no",
	    &p->conf->audit_syslog);
}

/* duplicate-window SECONDS */
static int
h_duplicate_window(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 0, MAX_SECONDS,
	    &p->conf->duplicate_window);
}

/* batch-max N */
static int
h_batch_max(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_COUNT, &p->conf->batch_max);
}

/* database-busy-timeout MS */
static int
h_busy_timeout(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 0, MAX_BUSY_TIMEOUT_MS,
	    &p->conf->busy_timeout_ms);
}

/* node-name NAME: this pcod among those sharing a PostgreSQL database */
static int
h_node_name(struct parse *p, char **av, int ac)
{
	size_t	i, len = strlen(av[0]);

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)av[0][i]) &&
		    strchr("._-", av[0][i]) == NULL)
			break;
	if (len == 0 || len > MAX_NODE_NAME || i != len)
		return derr(p, "\"%s\" is not 1-%d letters, digits, '.', '_'"
		    " or '-'", av[0], MAX_NODE_NAME);
	free(p->conf->node_name);
	p->conf->node_name = xstrdup(av[0]);
	return 0;
}

/* lease-time SECONDS */
static int
h_lease_time(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], MIN_LEASE_TIME, MAX_LEASE_TIME,
	    &p->conf->lease_time);
}

/* database-sync-limit MS */
static int
h_sync_limit(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_SYNC_LIMIT_MS,
	    &p->conf->sync_limit_ms);
}

/* alarm-classes CLASS... */
static int
h_alarm_classes(struct parse *p, char **av, int ac)
{
	unsigned	mask = 0;
	int		i, cls;

	for (i = 0; i < ac; i++) {
		if (strcmp(av[i], "none") == 0 && ac == 1)
			break;
		if ((cls = codes_class_parse(av[i])) < 0)
			return derr(p, "unknown event class \"%s\"", av[i]);
		mask |= 1u << cls;
	}
	p->conf->alarm_classes = mask;
	return 0;
}

/* take-deadline SECONDS */
static int
h_take_deadline(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_SECONDS, &p->conf->take_deadline);
}

/* escalation-interval SECONDS */
static int
h_escalation_interval(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_SECONDS,
	    &p->conf->escalation_interval);
}

/* supervision-grace SECONDS */
static int
h_supervision_grace(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 0, MAX_SECONDS,
	    &p->conf->supervision_grace);
}

/* supervision-preset NAME SECONDS */
static int
h_supervision_preset(struct parse *p, char **av, int ac)
{
	struct config			*c = p->conf;
	struct supervision_preset	*sp;
	size_t				 i;

	if (strlen(av[0]) >= sizeof(sp->name) || av[0][0] == '\0' ||
	    strspn(av[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != strlen(av[0]) || isdigit((unsigned char)av[0][0]))
		return derr(p, "preset name \"%s\": letters, digits, - and _, "
		    "at most 15, not starting with a digit", av[0]);
	for (i = 0; i < c->npresets; i++)
		if (strcasecmp(c->presets[i].name, av[0]) == 0)
			return derr(p, "preset %s is already set", av[0]);
	if (c->npresets == CONFIG_MAX_PRESETS)
		return derr(p, "more than %d presets", CONFIG_MAX_PRESETS);
	sp = &c->presets[c->npresets];
	snprintf(sp->name, sizeof(sp->name), "%s", av[0]);
	if (parse_num(p, "", av[1], 1, 7 * MAX_SECONDS, &sp->seconds) != 0)
		return -1;
	c->npresets++;
	return 0;
}

/* control-max-consoles N */
static int
h_control_max_consoles(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_CONSOLES,
	    &p->conf->control_max_consoles);
}

/* control-reserved N */
static int
h_control_reserved(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 0, MAX_CONSOLES,
	    &p->conf->control_reserved);
}

/* control-max-per-uid N */
static int
h_control_max_per_uid(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_CONSOLES,
	    &p->conf->control_max_per_uid);
}

/* control-auth-timeout SECONDS */
static int
h_control_auth_timeout(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, 3600, &p->conf->control_auth_timeout);
}

/* session-timeout SECONDS */
static int
h_session_timeout(struct parse *p, char **av, int ac)
{
	return parse_num(p, "", av[0], 1, MAX_SESSION_TIMEOUT,
	    &p->conf->session_timeout);
}

/* login-backoff AFTER FIRST MAX */
static int
h_login_backoff(struct parse *p, char **av, int ac)
{
	struct config	*c = p->conf;

	if (parse_num(p, "after", av[0], 1, MAX_COUNT, &c->login_after) != 0 ||
	    parse_num(p, "first", av[1], 1, MAX_SECONDS, &c->login_first) != 0 ||
	    parse_num(p, "max", av[2], 1, MAX_SECONDS, &c->login_max) != 0)
		return -1;
	if (c->login_max < c->login_first)
		return derr(p, "max %d is less than first %d", c->login_max,
		    c->login_first);
	return 0;
}

/* login-lockout FAILURES SECONDS */
static int
h_login_lockout(struct parse *p, char **av, int ac)
{
	if (parse_num(p, "failures", av[0], 1, MAX_COUNT,
	    &p->conf->login_lock_failures) != 0)
		return -1;
	return parse_num(p, "seconds", av[1], 1, MAX_SECONDS,
	    &p->conf->login_lock_time);
}

/* login-audit FAILURES SECONDS */
static int
h_login_audit(struct parse *p, char **av, int ac)
{
	if (parse_num(p, "failures", av[0], 0, MAX_COUNT,
	    &p->conf->login_audit_burst) != 0)
		return -1;
	return parse_num(p, "seconds", av[1], 1, MAX_SECONDS,
	    &p->conf->login_audit_interval);
}

/* log-level warn|info|debug */
static int
h_log_level(struct parse *p, char **av, int ac)
{
	return parse_keyword(p, av[0], levels, nitems(levels),
	    "warn, info or debug", &p->conf->log_level);
}

/* risk-band METHOD BAND [option value]... (risk.c parses it) */
static int
h_risk_band(struct parse *p, char **av, int ac)
{
	char	msg[256];

	if (risk_map_set(p->conf->risk_map, av, ac, p->lineno, msg,
	    sizeof(msg)) != 0)
		return derr(p, "%s", msg);
	return 0;
}

/* 1 if ss is a loopback address (127/8, ::1, ::ffff:127.0.0.0/104). */
int
config_addr_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*s4 = (const void *)ss;
	const struct sockaddr_in6	*s6 = (const void *)ss;
	const uint8_t			*b;

	if (ss->ss_family == AF_INET)
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family != AF_INET6)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	b = s6->sin6_addr.s6_addr;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127;
}

/* One "option value" pair of the metrics directive. */
static int
parse_http_opt(struct parse *p, const char *name, const char *value,
    struct http_conf *h)
{
	if (value == NULL)
		return derr(p, "option \"%s\" needs a value", name);
	if (strcmp(name, "allow-remote") == 0)
		return parse_keyword(p, value, yesno, nitems(yesno), "yes or no",
		    &h->allow_remote);
	if (strcmp(name, "max-connections") == 0)
		return parse_num(p, name, value, 1, MAX_HTTP_CONN, &h->max_conn);
	if (strcmp(name, "timeout") == 0)
		return parse_num(p, name, value, 1, MAX_HTTP_TIMEOUT, &h->timeout);
	return derr(p, "unknown option \"%s\" (allow-remote, "
	    "max-connections, timeout)", name);
}

/*
 * An HTTP listener's address with the defaults, put in *slot (owned by the
 * config from there on, even when parsing fails).  NULL on a bad address.
 */
static struct http_conf *
http_conf_start(struct parse *p, const char *addr, struct http_conf **slot)
{
	struct http_conf	*h = xcalloc(1, sizeof(*h));
	struct listen_conf	 l;

	memset(&l, 0, sizeof(l));
	h->addr = xstrdup(addr);
	h->max_conn = DEF_HTTP_CONN;
	h->timeout = DEF_HTTP_TIMEOUT;
	h->lineno = p->lineno;
	*slot = h;
	if (parse_hostport(p, addr, &l) != 0)
		return NULL;
	h->ss = l.ss;
	h->sslen = l.sslen;
	return h;
}

/* metrics ADDR:PORT [allow-remote yes|no] [max-connections N] [timeout S] */
static int
h_metrics(struct parse *p, char **av, int ac)
{
	struct http_conf	*h;
	int			 i;

	if ((h = http_conf_start(p, av[0], &p->conf->metrics)) == NULL)
		return -1;
	for (i = 1; i < ac; i += 2)
		if (parse_http_opt(p, av[i], i + 1 < ac ? av[i + 1] : NULL, h) != 0)
			return -1;
	/* Anyone who reaches the port reads the centre's figures. */
	if (!h->allow_remote && !config_addr_loopback(&h->ss))
		return derr(p, "%s is not a loopback address: the metrics are "
		    "served without authentication; add \"allow-remote yes\" "
		    "to serve them there anyway", av[0]);
	return 0;
}

static int	same_str(const char *, const char *);

/*
 * http ADDR:PORT [cert FILE key FILE] [max-connections N] [timeout S]: the
 * HTTP API of the browser console (http_api.c).  Without cert and key only
 * on a loopback address: passwords and session cookies cross it.
 */
static int
h_http(struct parse *p, char **av, int ac)
{
	struct http_conf	*h;
	char			**dst;
	int			 i;

	if ((h = http_conf_start(p, av[0], &p->conf->http)) == NULL)
		return -1;
	h->max_conn = DEF_CONSOLE_CONN;
	for (i = 1; i < ac; i += 2) {
		dst = strcmp(av[i], "cert") == 0 ? &h->cert :
		    strcmp(av[i], "key") == 0 ? &h->key : NULL;
		if (dst == NULL && (strcmp(av[i], "max-connections") == 0 ||
		    strcmp(av[i], "timeout") == 0)) {
			if (parse_http_opt(p, av[i], i + 1 < ac ? av[i + 1] :
			    NULL, h) != 0)
				return -1;
			continue;
		}
		if (dst == NULL)
			return derr(p, "unknown option \"%s\" (cert, key, "
			    "max-connections, timeout)", av[i]);
		if (i + 1 >= ac || av[i + 1][0] == '\0')
			return derr(p, "option \"%s\" needs a value", av[i]);
		if (*dst != NULL)
			return derr(p, "option \"%s\" given twice", av[i]);
		*dst = xstrdup(av[i + 1]);
	}
	if ((h->cert == NULL) != (h->key == NULL))
		return derr(p, "cert and key go together");
	if (h->cert == NULL && !config_addr_loopback(&h->ss))
		return derr(p, "%s is not a loopback address: plain HTTP would "
		    "carry passwords and session cookies in clear; give "
		    "\"cert FILE key FILE\" to serve HTTPS there", av[0]);
	return 0;
}

/* The HTTP API's port must be neither a panel listener's nor the metrics'. */
static int
check_http_port(struct parse *p)
{
	const struct http_conf	*h = p->conf->http, *m = p->conf->metrics;
	const struct listen_conf *o;
	size_t			 i;

	if (h == NULL)
		return 0;
	p->lineno = h->lineno;
	p->dname = "http";
	if (m != NULL && m->sslen == h->sslen &&
	    memcmp(&m->ss, &h->ss, h->sslen) == 0)
		return derr(p, "%s is already used by metrics on line %d",
		    h->addr, m->lineno);
	for (i = 0; i < p->conf->nlisteners; i++) {
		o = &p->conf->listeners[i];
		if (o->proto == LISTEN_UDP || o->sslen != h->sslen ||
		    memcmp(&o->ss, &h->ss, h->sslen) != 0)
			continue;
		return derr(p, "%s is already used by listen on line %d",
		    h->addr, o->lineno);
	}
	return 0;
}

/* Whether the HTTP API listener is unchanged. */
static int
same_http(const struct config *a, const struct config *b)
{
	const struct http_conf	*x = a->http, *y = b->http;

	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x->addr, y->addr) == 0 && same_str(x->cert, y->cert) &&
	    same_str(x->key, y->key) && x->max_conn == y->max_conn &&
	    x->timeout == y->timeout;
}

/* The metrics port must not be a panel listener's. */
static int
check_metrics_port(struct parse *p)
{
	const struct http_conf	*h = p->conf->metrics;
	const struct listen_conf *o;
	size_t			 i;

	if (h == NULL)
		return 0;
	for (i = 0; i < p->conf->nlisteners; i++) {
		o = &p->conf->listeners[i];
		if (o->proto == LISTEN_UDP || o->sslen != h->sslen ||
		    memcmp(&o->ss, &h->ss, h->sslen) != 0)
			continue;
		p->lineno = h->lineno;
		p->dname = "metrics";
		return derr(p, "%s is already used by listen on line %d",
		    h->addr, o->lineno);
	}
	return 0;
}

/* retention events|alarms|patrol|audit DAYS (0: keep forever) */
static int
h_retention(struct parse *p, char **av, int ac)
{
	int	kind = 0;

	if (parse_keyword(p, av[0], retain_kinds, nitems(retain_kinds),
	    "events, alarms, patrol or audit", &kind) != 0)
		return -1;
	if (p->retention_seen[kind] != 0)
		return derr(p, "%s is already set on line %d", av[0],
		    p->retention_seen[kind]);
	p->retention_seen[kind] = p->lineno;
	return parse_num(p, av[0], av[1], 0, MAX_RETENTION_DAYS,
	    &p->conf->retention[kind]);
}

/* Whether two optional strings are equal. */
static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Whether the database setting is unchanged. */
static int
same_database(const struct config *a, const struct config *b)
{
	return same_str(a->database, b->database);
}

/* Whether the node's name and lease time are unchanged. */
static int
same_node(const struct config *a, const struct config *b)
{
	return same_str(a->node_name, b->node_name) &&
	    a->lease_time == b->lease_time;
}

/* Whether the metrics listener is unchanged. */
static int
same_metrics(const struct config *a, const struct config *b)
{
	const struct http_conf	*x = a->metrics, *y = b->metrics;

	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x->addr, y->addr) == 0 &&
	    x->allow_remote == y->allow_remote &&
	    x->max_conn == y->max_conn && x->timeout == y->timeout;
}

/* Whether the control socket setting is unchanged. */
static int
same_control(const struct config *a, const struct config *b)
{
	return same_str(a->control, b->control) &&
	    a->control_mode == b->control_mode;
}

static const struct directive directives[] = {
	{ "database", "PATH", h_database, 1, 1, 1, 0, same_database },
	{ "control", "PATH [mode OCTAL]", h_control, 1, 3, 1, 0, same_control },
	{ "listen", "tcp|udp|tls ADDR:PORT [option value]...", h_listen,
	    2, -1, 0, 1, NULL },
	{ "receiver", "HEX", h_receiver, 1, 1, 1, 1, NULL },
	{ "line", "HEX", h_line, 1, 1, 1, 1, NULL },
	{ "timestamp-window", "AHEAD BEHIND", h_timestamp_window,
	    2, 2, 1, 1, NULL },
	{ "unknown-accounts", "accept|reject", h_unknown_accounts,
	    1, 1, 1, 1, NULL },
	{ "unknown-accounts-priority", "N", h_unknown_accounts_priority,
	    1, 1, 1, 1, NULL },
	{ "duplicate-window", "SECONDS", h_duplicate_window, 1, 1, 1, 1, NULL },
	{ "panel-charset", "cp1252|cp1250", h_panel_charset, 1, 1, 1, 1, NULL },
	{ "batch-max", "N", h_batch_max, 1, 1, 1, 1, NULL },
	{ "database-busy-timeout", "MS", h_busy_timeout, 1, 1, 1, 1, NULL },
	{ "database-sync-limit", "MS", h_sync_limit, 1, 1, 1, 1, NULL },
	{ "node-name", "NAME", h_node_name, 1, 1, 1, 0, same_node },
	{ "lease-time", "SECONDS", h_lease_time, 1, 1, 1, 0, same_node },
	{ "log-level", "warn|info|debug", h_log_level, 1, 1, 1, 1, NULL },
	{ "alarm-classes", "CLASS... | none", h_alarm_classes, 1, -1, 1, 1, NULL },
	{ "take-deadline", "SECONDS", h_take_deadline, 1, 1, 1, 1, NULL },
	{ "escalation-interval", "SECONDS", h_escalation_interval, 1, 1, 1, 1,
	    NULL },
	{ "supervision-grace", "SECONDS", h_supervision_grace, 1, 1, 1, 1, NULL },
	{ "supervision-preset", "NAME SECONDS", h_supervision_preset, 2, 2, 0, 1,
	    NULL },
	{ "control-max-consoles", "N", h_control_max_consoles, 1, 1, 1, 1, NULL },
	{ "control-reserved", "N", h_control_reserved, 1, 1, 1, 1, NULL },
	{ "control-max-per-uid", "N", h_control_max_per_uid, 1, 1, 1, 1, NULL },
	{ "control-auth-timeout", "SECONDS", h_control_auth_timeout, 1, 1, 1, 1,
	    NULL },
	{ "login-backoff", "AFTER FIRST MAX", h_login_backoff, 3, 3, 1, 1, NULL },
	{ "login-lockout", "FAILURES SECONDS", h_login_lockout, 2, 2, 1, 1, NULL },
	{ "login-audit", "FAILURES SECONDS", h_login_audit, 2, 2, 1, 1, NULL },
	{ "audit-syslog", "yes|no", h_audit_syslog, 1, 1, 1, 1, NULL },
	{ "risk-band", "METHOD BAND [option value]...", h_risk_band, 2, -1, 0, 1,
	    NULL },
	{ "session-timeout", "SECONDS", h_session_timeout, 1, 1, 1, 1, NULL },
	{ "metrics", "ADDR:PORT [option value]...", h_metrics, 1, 7, 1, 0,
	    same_metrics },
	{ "retention", "events|alarms|patrol|audit DAYS", h_retention, 2, 2, 0,
	    1, NULL },
	{ "http", "ADDR:PORT [cert FILE key FILE] [option value]...", h_http,
	    1, 9, 1, 0, same_http },
};

_Static_assert(nitems(directives) <= MAX_DIRECTIVES, "raise MAX_DIRECTIVES");

/* Look a directive up by name. */
static const struct directive *
find_directive(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(directives); i++)
		if (strcmp(name, directives[i].name) == 0)
			return &directives[i];
	return NULL;
}

/* Whether c separates words. */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copy a quoted string at *rp (after its quote) to *wp, undoing \" and \\. */
static int
scan_quoted(struct parse *p, char **rp, char **wp)
{
	char	*r = *rp, *w = *wp;

	for (;;) {
		if (*r == '\0' || *r == '\n')
			return perr(p, "unterminated quoted string");
		if (*r == '"')
			break;
		if (*r == '\\') {
			if (r[1] != '"' && r[1] != '\\')
				return perr(p, "bad escape \"\\%c\" in quoted "
				    "string (only \\\" and \\\\)", r[1]);
			r++;
		}
		*w++ = *r++;
	}
	r++;
	if (*r != '\0' && *r != '#' && !is_blank(*r))
		return perr(p, "text after closing quote");
	*rp = r;
	*wp = w;
	return 0;
}

/* Copy an unquoted word at *rp to *wp; it ends at a blank, '#' or the end. */
static int
scan_bare(struct parse *p, char **rp, char **wp)
{
	char	*r = *rp, *w = *wp;

	while (*r != '\0' && *r != '#' && !is_blank(*r)) {
		if (*r == '"')
			return perr(p, "unexpected quote inside a word");
		*w++ = *r++;
	}
	*rp = r;
	*wp = w;
	return 0;
}

/* Split line into words in place (quotes undone); returns the count or -1. */
static int
tokenize(struct parse *p, char *line, char ***words, size_t *cap)
{
	char	*r = line, *w = line, c;
	size_t	 n = 0;
	int	 rc;

	for (;;) {
		while (is_blank(*r))
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			*words = xreallocarray(*words, *cap, sizeof(**words));
		}
		(*words)[n++] = w;
		if (*r == '"') {
			r++;
			rc = scan_quoted(p, &r, &w);
		} else
			rc = scan_bare(p, &r, &w);
		if (rc != 0)
			return -1;
		/* w never passes r, so ending the word cannot clobber input. */
		c = *r;
		*w++ = '\0';
		if (c == '\0' || c == '#')
			break;
		r++;
	}
	return (int)n;
}

/* Check a directive's arity and once-ness, then run its handler. */
static int
parse_directive(struct parse *p, char **w, int n)
{
	const struct directive	*d;
	size_t			 idx;
	int			 ac = n - 1;

	if ((d = find_directive(w[0])) == NULL)
		return perr(p, "unknown directive \"%s\"", w[0]);
	idx = d - directives;
	if (d->once && p->seen[idx])
		return perr(p, "duplicate directive \"%s\"", d->name);
	p->seen[idx] = p->lineno;
	p->dname = d->name;
	if (ac < d->minargs)
		return derr(p, "missing argument, expected \"%s %s\"",
		    d->name, d->usage);
	if (d->maxargs >= 0 && ac > d->maxargs)
		return derr(p, "unexpected \"%s\"", w[d->maxargs + 1]);
	return d->handler(p, w + 1, ac);
}

/* Read every line of f and parse it. */
static int
parse_file(struct parse *p, FILE *f)
{
	char	*line = NULL, **words = NULL;
	size_t	 linesz = 0, cap = 0;
	ssize_t	 len;
	int	 n, rc = -1;

	while ((len = getline(&line, &linesz, f)) != -1) {
		p->lineno++;
		if (strlen(line) != (size_t)len) {
			perr(p, "NUL byte in line");
			goto fail;
		}
		if ((n = tokenize(p, line, &words, &cap)) < 0)
			goto fail;
		if (n > 0 && parse_directive(p, words, n) != 0)
			goto fail;
	}
	p->lineno = 0;
	if (ferror(f)) {
		perr(p, "%s", strerror(errno));
		goto fail;
	}
	rc = 0;
fail:
	free(words);
	free(line);
	return rc;
}

/* Reserved console slots must leave one for everybody else. */
static int
check_control_slots(struct parse *p)
{
	const struct config	*c = p->conf;
	const struct directive	*d = find_directive("control-reserved");
	const struct directive	*m = find_directive("control-max-consoles");
	int			 res = p->seen[d - directives];
	int			 max = p->seen[m - directives];

	if (c->control_reserved < c->control_max_consoles)
		return 0;
	p->lineno = res > max ? res : max;
	p->dname = res > max ? d->name : m->name;
	return derr(p, "%d reserved of %d consoles leaves none for operators",
	    c->control_reserved, c->control_max_consoles);
}

/* Check what the whole file must provide. */
static int
check_required(struct parse *p)
{
	if (check_control_slots(p) != 0 || check_metrics_port(p) != 0 ||
	    check_http_port(p) != 0)
		return -1;
	if (p->conf->database == NULL)
		return perr(p, "missing database directive");
	if (p->conf->control == NULL)
		return perr(p, "missing control directive");
	if (p->conf->nlisteners == 0)
		return perr(p, "no listen directive");
	return 0;
}

/* Absolute, canonical directory holding path; NULL with errno set. */
static char *
config_dir(const char *path)
{
	char	*dir, *slash, *abs;

	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	abs = realpath(dir, NULL);
	free(dir);
	return abs;
}

/* A config holding every default. */
static struct config *
config_new(const char *path)
{
	struct config	*c = xcalloc(1, sizeof(*c));

	c->path = xstrdup(path);
	c->control_mode = DEF_CONTROL_MODE;
	c->time_ahead = DEF_TIME_AHEAD;
	c->time_behind = DEF_TIME_BEHIND;
	c->unknown_accounts = UNKNOWN_ACCEPT;
	c->unknown_priority = DEF_UNKNOWN_PRIORITY;
	c->duplicate_window = DEF_DUPLICATE_WINDOW;
	c->batch_max = DEF_BATCH_MAX;
	c->busy_timeout_ms = DEF_BUSY_TIMEOUT_MS;
	c->sync_limit_ms = DEF_SYNC_LIMIT_MS;
	c->log_level = LOG_LVL_INFO;
	c->alarm_classes = DEF_ALARM_CLASSES;
	c->take_deadline = DEF_TAKE_DEADLINE;
	c->escalation_interval = DEF_ESCALATION_INTERVAL;
	c->supervision_grace = DEF_SUPERVISION_GRACE;
	c->control_max_consoles = DEF_CONTROL_MAX;
	c->control_reserved = DEF_CONTROL_RESERVED;
	c->control_max_per_uid = DEF_CONTROL_PER_UID;
	c->control_auth_timeout = DEF_CONTROL_AUTH;
	c->login_after = DEF_LOGIN_AFTER;
	c->login_first = DEF_LOGIN_FIRST;
	c->login_max = DEF_LOGIN_MAX;
	c->login_lock_failures = DEF_LOCK_FAILURES;
	c->login_lock_time = DEF_LOCK_TIME;
	c->login_audit_burst = DEF_AUDIT_BURST;
	c->login_audit_interval = DEF_AUDIT_INTERVAL;
	c->risk_map = risk_map_new();
	c->session_timeout = DEF_SESSION_TIMEOUT;
	c->lease_time = DEF_LEASE_TIME;
	return c;
}

/* Load and validate path; NULL with "file:line: message" in err. */
struct config *
config_load(const char *path, char *err, size_t errsz)
{
	struct parse	 p;
	FILE		*f = NULL;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errsz = errsz;
	if ((f = fopen(path, "re")) == NULL ||
	    (p.dir = config_dir(path)) == NULL) {
		perr(&p, "%s", strerror(errno));
		goto fail;
	}
	p.conf = config_new(path);
	if (parse_file(&p, f) != 0 || check_required(&p) != 0)
		goto fail;
	fclose(f);
	free(p.dir);
	return p.conf;
fail:
	config_free(p.conf);
	free(p.dir);
	if (f != NULL)
		fclose(f);
	return NULL;
}

/* Free a config and everything it owns; NULL is harmless. */
void
config_free(struct config *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nlisteners; i++) {
		free(c->listeners[i].addr);
		free(c->listeners[i].cert);
		free(c->listeners[i].key);
	}
	free(c->listeners);
	free(c->path);
	free(c->database);
	free(c->control);
	free(c->node_name);
	free(c->receiver);
	free(c->line);
	risk_map_free(c->risk_map);
	if (c->metrics != NULL)
		free(c->metrics->addr);
	free(c->metrics);
	if (c->http != NULL) {
		free(c->http->addr);
		free(c->http->cert);
		free(c->http->key);
	}
	free(c->http);
	free(c);
}

/* First non-reloadable directive that differs between old and next, or NULL. */
const char *
config_restart_needed(const struct config *old, const struct config *next)
{
	size_t	i;

	for (i = 0; i < nitems(directives); i++)
		if (!directives[i].reloadable &&
		    !directives[i].same(old, next))
			return directives[i].name;
	return NULL;
}

/* The word of a retention kind. */
const char *
config_retention_name(enum retention_kind kind)
{
	size_t	i;

	for (i = 0; i < nitems(retain_kinds); i++)
		if (retain_kinds[i].value == (int)kind)
			return retain_kinds[i].word;
	return "unknown";
}

/* "tcp", "udp" or "tls". */
const char *
config_proto_name(enum listen_proto proto)
{
	size_t	i;

	for (i = 0; i < nitems(protos); i++)
		if (protos[i].value == (int)proto)
			return protos[i].word;
	return "unknown";
}
