/* log.c - logging to stderr in the foreground (journald) or to syslog. */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static int	log_foreground = 1;
static int	log_to_journal;		/* stderr is journald's stream: "<N>" prefixes */
static int	log_level = LOG_LVL_INFO;
static struct log_limit	log_lim = { .per_sec = LOG_LIMIT_PER_SEC };

/*
 * Whether env ($JOURNAL_STREAM, "DEV:INODE" in decimal) names the file
 * whose device and inode are dev and ino: then stderr is the journal
 * (systemd.exec(5)).  Anything malformed is "no".
 */
int
log_journal_match(const char *env, uint64_t dev, uint64_t ino)
{
	uintmax_t	 d, i;
	char		*end;

	if (env == NULL || *env < '0' || *env > '9')
		return 0;
	errno = 0;
	d = strtoumax(env, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	i = strtoumax(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return d == dev && i == ino;
}

/* Is stderr the journal's stream (and not a pipe or file we were handed)? */
static int
log_stderr_is_journal(void)
{
	struct stat	st;

	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return log_journal_match(getenv("JOURNAL_STREAM"), (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino);
}

/* Start logging: stderr when foreground, else syslog as "pcod". */
void
log_init(int foreground, int level)
{
	log_foreground = foreground;
	log_level = level;
	log_to_journal = foreground && log_stderr_is_journal();
	if (!foreground)
		openlog("pcod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/* 1 when lines on stderr carry journald's "<N>" priority prefix. */
int
log_journal(void)
{
	return log_to_journal;
}

/* Change the verbosity (SIGHUP, -v). */
void
log_setlevel(int level)
{
	log_level = level;
}

/* The current verbosity. */
int
log_getlevel(void)
{
	return log_level;
}

/* Emit one line at syslog priority pri, with strerror(err) appended when err. */
static void
log_vemit(int pri, int err, const char *fmt, va_list ap)
{
	static const char *const tag[] = { [LOG_CRIT] = "fatal",
		[LOG_ERR] = "error", [LOG_WARNING] = "warn",
		[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug" };
	char	 msg[2048];
	int	 n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && err != 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
	if (log_foreground && log_to_journal) {
		/* journald takes "<N>" as the priority and names the unit itself. */
		fprintf(stderr, "<%d>%s: %s\n", pri, tag[pri], msg);
		fflush(stderr);
	} else if (log_foreground) {
		/* stderr is line-buffered for journald; the prefix tells the level. */
		fprintf(stderr, "pcod: %s: %s\n", tag[pri], msg);
		fflush(stderr);
	} else
		syslog(pri, "%s", msg);
}

#define LOG_BODY(pri, err) do {			\
	va_list ap;				\
	va_start(ap, fmt);			\
	log_vemit((pri), (err), fmt, ap);	\
	va_end(ap);				\
} while (0)

/* Warning with strerror(errno). */
void
log_warn(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_WARNING, saved);
	errno = saved;
}

/* An error pcod lives on with (or reports before exiting): priority err. */
void
log_errx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, 0);
}

/* Warning. */
void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

/* A record that must reach the log at every level (audit-syslog). */
void
log_notice(const char *fmt, ...)
{
	LOG_BODY(LOG_NOTICE, 0);
}

/* Informational message, shown unless the level is warn. */
void
log_info(const char *fmt, ...)
{
	if (log_level < LOG_LVL_INFO)
		return;
	LOG_BODY(LOG_INFO, 0);
}

/* Debug message, shown at level debug only. */
void
log_debug(const char *fmt, ...)
{
	if (log_level < LOG_LVL_DEBUG)
		return;
	LOG_BODY(LOG_DEBUG, 0);
}

/* Broken invariant or start-up failure with strerror(errno): log and exit. */
void
fatal(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_CRIT, saved);
	exit(1);
}

/* Broken invariant or start-up failure: log and exit. */
void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}

/*
 * A bare line on stderr, as pcod -n writes "file:line: message": with
 * journald's "<N>" in front when stderr is the journal, else unchanged.
 */
void
log_stderr(int pri, const char *fmt, ...)
{
	va_list	ap;

	if (log_stderr_is_journal())
		fprintf(stderr, "<%d>", pri);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Escape peer bytes so a log line stays one printable line. */
char *
log_escape(char *dst, size_t dstsz, const void *src, size_t len)
{
	const unsigned char	*s = src;
	size_t			 o = 0, i;
	char			 tmp[5];
	size_t			 tl;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < len; i++) {
		if (s[i] == '\r')
			tl = (size_t)snprintf(tmp, sizeof(tmp), "\\r");
		else if (s[i] == '\n')
			tl = (size_t)snprintf(tmp, sizeof(tmp), "\\n");
		else if (s[i] == '\\')
			tl = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			tl = (size_t)snprintf(tmp, sizeof(tmp), "%c", s[i]);
		else
			tl = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02X", s[i]);
		if (o + tl + 4 > dstsz) {
			if (dstsz >= 4) {
				memcpy(dst + (o < dstsz - 4 ? o : dstsz - 4), "...", 4);
				return dst;
			}
			break;
		}
		memcpy(dst + o, tmp, tl);
		o += tl;
	}
	dst[o < dstsz ? o : dstsz - 1] = '\0';
	return dst;
}

/* Close the window of ll if now is past it; the sum of what it left out. */
uint64_t
log_limit_roll(struct log_limit *ll, int64_t now, uint64_t ended[LOG_LIMIT_NKINDS])
{
	uint64_t	sum = 0;
	int		k;

	memset(ended, 0, LOG_LIMIT_NKINDS * sizeof(ended[0]));
	if (now == ll->second)
		return 0;
	for (k = 0; k < LOG_LIMIT_NKINDS; k++) {
		ended[k] = ll->left_out[k];
		sum += ended[k];
		ll->left_out[k] = 0;
	}
	ll->second = now;
	ll->lines = 0;
	return sum;
}

/* May one more line of kind be written at now?  1 yes, 0 left out. */
int
log_limit_take(struct log_limit *ll, int64_t now, enum log_limit_kind kind,
    uint64_t ended[LOG_LIMIT_NKINDS])
{
	log_limit_roll(ll, now, ended);
	if (ll->lines < ll->per_sec) {
		ll->lines++;
		return 1;
	}
	ll->left_out[kind]++;
	ll->total++;
	return 0;
}

/* Log what a finished second left out, by kind. */
static void
log_limit_report(const uint64_t ended[LOG_LIMIT_NKINDS])
{
	uint64_t	sum = ended[LOG_LIMIT_REFUSAL] + ended[LOG_LIMIT_CONN];

	if (sum == 0)
		return;
	log_warnx("%llu line(s) not logged in the last second (more than %d a "
	    "second): refusals=%llu connections=%llu", (unsigned long long)sum,
	    LOG_LIMIT_PER_SEC, (unsigned long long)ended[LOG_LIMIT_REFUSAL],
	    (unsigned long long)ended[LOG_LIMIT_CONN]);
}

/* Ask the process's limiter for one line of kind; report a finished second first. */
int
log_limit_allow(enum log_limit_kind kind)
{
	uint64_t	ended[LOG_LIMIT_NKINDS];
	int		ok;

	ok = log_limit_take(&log_lim, clock_now_ms() / 1000, kind, ended);
	log_limit_report(ended);
	return ok;
}

/* Report a finished second even when no further line comes to trigger it. */
void
log_limit_flush(void)
{
	uint64_t	ended[LOG_LIMIT_NKINDS];

	if (log_limit_roll(&log_lim, clock_now_ms() / 1000, ended) > 0)
		log_limit_report(ended);
}

/* Lines left out since start. */
uint64_t
log_limit_suppressed(void)
{
	return log_lim.total;
}
