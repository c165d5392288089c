/* log.c - logging to stderr in the foreground (journald) or to syslog. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	log_foreground = 1;
static int	log_level = LOG_LVL_INFO;

/* Start logging: stderr when foreground, else syslog as "pcod". */
void
log_init(int foreground, int level)
{
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog("pcod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
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
	static const char *const tag[] = { [LOG_ERR] = "fatal", [LOG_WARNING] = "warn",
		[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug" };
	char	 msg[2048];
	int	 n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && err != 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
	if (log_foreground) {
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

	LOG_BODY(LOG_ERR, saved);
	exit(1);
}

/* Broken invariant or start-up failure: log and exit. */
void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, 0);
	exit(1);
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
