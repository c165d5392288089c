/* log.h - OpenBSD-style logging to stderr (foreground) or syslog. */
#ifndef PCOD_LOG_H
#define PCOD_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_LVL_WARN = 0, LOG_LVL_INFO = 1, LOG_LVL_DEBUG = 2 };

void	log_init(int foreground, int level);
void	log_setlevel(int level);
int	log_getlevel(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* An error pcod lives on with, or reports before exiting (priority err). */
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * journald (issue 12): in the foreground, when $JOURNAL_STREAM names the
 * device and inode of stderr, every line starts with "<N>", its syslog
 * priority (sd-daemon(3)'s SD_ERR ... convention), so journalctl -p works;
 * otherwise lines stay "pcod: warn: ...".  fatal lines are crit (2), errors
 * err (3), warnings 4, notices 5, info 6, debug 7.
 */
/* Pure: 1 if env ("DEV:INODE", decimal) names dev and ino, else 0. */
int	log_journal_match(const char *env, uint64_t dev, uint64_t ino);
/* 1 when log lines carry the "<N>" prefix (set by log_init). */
int	log_journal(void);
/* A bare line on stderr (pcod -n's "file:line: message"), "<pri>" first for the journal. */
void	log_stderr(int pri, const char *, ...) __attribute__((format(printf, 2, 3)));

/*
 * One limiter for every line a peer can cause (refusals, connections opened,
 * closed, refused, evicted): at most LOG_LIMIT_PER_SEC a second in all;
 * what is left out is counted and summarised once a second by kind.
 */
#define LOG_LIMIT_PER_SEC	50

enum log_limit_kind {
	LOG_LIMIT_REFUSAL = 0,	/* a frame or datagram refused */
	LOG_LIMIT_CONN,		/* a connection opened, closed, refused, evicted */
	LOG_LIMIT_NKINDS
};

/* The state of a limiter: one window of one second. */
struct log_limit {
	unsigned	per_sec;
	int64_t		second;				/* the current window */
	unsigned	lines;				/* written in it */
	uint64_t	left_out[LOG_LIMIT_NKINDS];	/* left out in it */
	uint64_t	total;				/* left out since start */
};

/*
 * Pure, on the caller's time (seconds): close the window if now is past it,
 * moving its left-out counts to ended[]; returns their sum (0: nothing to
 * report).
 */
uint64_t	log_limit_roll(struct log_limit *, int64_t now,
		    uint64_t ended[LOG_LIMIT_NKINDS]);
/* Pure: 1 if one more line of kind may be written at now, else 0 (counted). */
int		log_limit_take(struct log_limit *, int64_t now, enum log_limit_kind,
		    uint64_t ended[LOG_LIMIT_NKINDS]);
/* The process's limiter: 1 to write the line, 0 to leave it out. */
int		log_limit_allow(enum log_limit_kind);
/* Write the summary of a second that ended with lines left out (a timer calls it). */
void		log_limit_flush(void);
/* Lines left out by the process's limiter since start. */
uint64_t	log_limit_suppressed(void);

/*
 * Escape peer bytes for a log line: printable ASCII stays, everything else
 * becomes \r, \n or \xHH; the result is cut (with "...") to fit dst.
 * Returns dst.
 */
char	*log_escape(char *dst, size_t dstsz, const void *src, size_t len);

#endif
