/* pcoctl.h - pcoctl's display of results for people (pcoctl_show.c). */
#ifndef PCOD_PCOCTL_H
#define PCOD_PCOCTL_H

#include <stdarg.h>

#include <stddef.h>

#include <jansson.h>

/* Show a command's result on stdout, one function per result shape. */
void	pcoctl_show_object(json_t *result);
void	pcoctl_show_accounts(json_t *result);
void	pcoctl_show_events(json_t *result);
void	pcoctl_show_alarms(json_t *result);
void	pcoctl_show_sites(json_t *result);
void	pcoctl_show_protocols(json_t *result);
void	pcoctl_show_audit(json_t *result);
void	pcoctl_show_verify(json_t *result);
void	pcoctl_show_archive(json_t *result);
void	pcoctl_show_supervision(json_t *result);
void	pcoctl_show_stats(json_t *result);
void	pcoctl_show_document(json_t *result);
void	pcoctl_show_removed(json_t *result);
void	pcoctl_show_any(json_t *result);
/* site risk, site assess, risk report (issue 10). */
void	pcoctl_show_risk(json_t *result);
void	pcoctl_show_assessment(json_t *result);
void	pcoctl_show_risk_report(json_t *result);

/* One alarm notification as a line: "TOPIC key=value...\n". */
void	pcoctl_show_alarm_line(const char *topic, json_t *alarm);

/* Copy s into buf for a terminal: control characters become '?'. */
void	pcoctl_text_sanitize(const char *s, char *buf, size_t bufsz);

/* rows as a table: spec is head, key, head, key, ..., NULL (pcoctl_show.c). */
void	pcoctl_show_table(json_t *rows, const char *const *spec);
/* A value as a table cell shows it ("-" for none). */
void	pcoctl_show_value(json_t *v, char *buf, size_t bufsz);

/* Guard patrols (pcoctl_patrol.c): guard list, patrol status/report/checkins. */
void	pcoctl_show_guards(json_t *result);
void	pcoctl_show_patrol_status(json_t *result);
void	pcoctl_show_patrol_report(json_t *result);
void	pcoctl_show_patrol_checkins(json_t *result);
/* patrol report --csv: the report as CSV, a row per checkpoint of a round. */
void	pcoctl_show_patrol_csv(json_t *result);

/* --- the connection and sessions (pcoctl_session.c, issue 12) --- */
struct pcoctl_conn;

/* Who to log in as on a socket, and the session token in use. */
struct pcoctl_auth {
	const char	*sock;
	const char	*user;		/* NULL: as the uid, no login */
	int		 interactive;	/* may ask for the password on a tty */
	char		 token[129];	/* "" none: the kept one is read */
	int		 timeout_s;	/* the session's idle timeout; 0 unknown */
};

/* "pcoctl: " and the message on stderr, a line of its own. */
void	pcoctl_vwarn(const char *fmt, va_list ap)
	    __attribute__((format(printf, 1, 0)));
/* The same as a warning; pcoctl goes on. */
void	pcoctl_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Report a failure ("pcoctl: ..." on stderr) and exit 1. */
void	pcoctl_die(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
/* Milliseconds of the monotonic clock. */
long long pcoctl_now_ms(void);
/* Connect to the control socket; NULL with err. */
struct pcoctl_conn *pcoctl_conn_open(const char *path, char *err, size_t errsz);
/* Close and free; NULL is harmless. */
void	pcoctl_conn_close(struct pcoctl_conn *);
int	pcoctl_conn_fd(const struct pcoctl_conn *);
/* 1 if a whole message is buffered (poll() would not see it). */
int	pcoctl_conn_pending(const struct pcoctl_conn *);
/* Send {id, cmd, args}: 0, or -1 with err. */
int	pcoctl_conn_send(struct pcoctl_conn *, int id, const char *cmd,
	    json_t *args, char *err, size_t errsz);
/* The next message within ms (-1: no limit); NULL with err, "" on a timeout. */
json_t	*pcoctl_conn_next(struct pcoctl_conn *, int ms, char *err, size_t errsz);
/* Send and wait for the reply (notifications skipped); NULL with err. */
json_t	*pcoctl_conn_call(struct pcoctl_conn *, int id, const char *cmd,
	    json_t *args, char *err, size_t errsz);
/* A reply's error as "code: message", safe for a terminal. */
void	pcoctl_reply_error_text(json_t *rep, char *buf, size_t bufsz);
/*
 * Log in as a->user (nothing if NULL): the session token (a->token, else the
 * one kept for the socket and login), else the password with a new session
 * kept.  0, or -1 with err.
 */
int	pcoctl_auth(struct pcoctl_conn *, struct pcoctl_auth *a, char *err,
	    size_t errsz);
/* One request after logging in as user (NULL: none); exits on failure. */
json_t	*pcoctl_request(const char *sock, const char *user, const char *cmd,
	    json_t *args);
/* pcoctl -u LOGIN logout: end the kept session.  The exit status. */
int	pcoctl_logout(const char *sock, const char *user);

/* pcoctl alarm watch (pcoctl_watch.c).  The exit status. */
int	pcoctl_watch(const char *sock, const char *user, int json, json_t *args);

#endif
