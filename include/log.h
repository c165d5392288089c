/* log.h - OpenBSD-style logging to stderr (foreground) or syslog. */
#ifndef PCOD_LOG_H
#define PCOD_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_WARN = 0, LOG_LVL_INFO = 1, LOG_LVL_DEBUG = 2 };

void	log_init(int foreground, int level);
void	log_setlevel(int level);
int	log_getlevel(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Escape peer bytes for a log line: printable ASCII stays, everything else
 * becomes \r, \n or \xHH; the result is cut (with "...") to fit dst.
 * Returns dst.
 */
char	*log_escape(char *dst, size_t dstsz, const void *src, size_t len);

#endif
