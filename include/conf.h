/* conf.h - pcod.conf: parsed into an immutable struct config (module src/config.c). */
#ifndef PCOD_CONF_H
#define PCOD_CONF_H

#include <stddef.h>
#include <sys/socket.h>

enum listen_proto { LISTEN_TCP = 0, LISTEN_UDP, LISTEN_TLS };
enum unknown_policy { UNKNOWN_ACCEPT = 0, UNKNOWN_REJECT };

struct listen_conf {
	enum listen_proto	 proto;
	char			*addr;		/* as written, "0.0.0.0:7000"; owned */
	struct sockaddr_storage	 ss;		/* resolved numerically */
	socklen_t		 sslen;
	int			 max_conn;	/* tcp/tls: open connections */
	int			 max_per_addr;	/* tcp/tls: per peer address */
	int			 idle_timeout;	/* seconds without a complete frame */
	int			 frame_timeout;	/* seconds from a frame's first byte to its CR */
	int			 max_frame;	/* bytes, LF..CR */
	char			*cert;		/* tls only; owned */
	char			*key;		/* tls only; owned */
	int			 lineno;
};

/* An HTTP listener: the metrics (and later the browser console). */
struct http_conf {
	char			*addr;		/* as written, "127.0.0.1:9477"; owned */
	struct sockaddr_storage	 ss;		/* resolved numerically */
	socklen_t		 sslen;
	int			 allow_remote;	/* 1: a non-loopback address is allowed */
	int			 max_conn;	/* connections at once */
	int			 timeout;	/* seconds a request may take, and idle */
	char			*cert;		/* https (the http directive); owned */
	char			*key;		/* NULL: plain HTTP (loopback only) */
	int			 lineno;
};

/* A named supervision interval ("SP4" = 180 s) set in the file. */
struct risk_map;

struct supervision_preset {
	char	name[16];
	int	seconds;
};
#define CONFIG_MAX_PRESETS	32

/* What "retention KIND DAYS" sets (retention.h): days kept, 0 forever. */
enum retention_kind {
	RETAIN_EVENTS = 0,	/* frames and the events decoded from them */
	RETAIN_ALARMS,		/* closed alarms with their links and steps */
	RETAIN_PATROL,		/* patrol check-ins and findings */
	RETAIN_AUDIT,		/* the audit log (a prefix of its chain) */
	RETAIN_NKINDS
};

struct config {
	char			*path;		/* owned */
	char			*database;	/* absolute; owned */
	char			*control;	/* absolute; owned */
	int			 control_mode;	/* e.g. 0660 */
	struct listen_conf	*listeners;	/* owned array */
	size_t			 nlisteners;
	char			*receiver;	/* hex; NULL: accept any; owned */
	char			*line;		/* hex; NULL: accept any; owned */
	int			 time_ahead;	/* seconds a panel clock may be ahead */
	int			 time_behind;	/* seconds it may lag */
	enum unknown_policy	 unknown_accounts;
	int			 unknown_priority;	/* of the one unknown-accounts alarm, 1-9 */
	int			 duplicate_window;	/* seconds */
	int			 panel_charset;	/* enum text_charset: non-UTF-8 text */
	int			 batch_max;	/* frames per commit */
	int			 busy_timeout_ms;	/* wait for a foreign lock, then fail */
	int			 sync_limit_ms;	/* a longer WAL sync is trouble */
	int			 log_level;	/* LOG_LVL_* */
	unsigned		 alarm_classes;	/* bit 1 << enum event_class: raises an alarm */
	int			 take_deadline;	/* seconds before an untaken alarm escalates */
	int			 escalation_interval;	/* seconds between escalation levels */
	int			 supervision_grace;	/* seconds after start before silence counts */
	int			 audit_syslog;	/* 1: one log line per committed audit row */
	struct supervision_preset presets[CONFIG_MAX_PRESETS];	/* from the file */
	size_t			 npresets;
	int			 control_max_consoles;	/* console connections at once */
	int			 control_reserved;	/* of those, kept for root and pcod's user */
	int			 control_max_per_uid;	/* from one other uid at once */
	int			 control_auth_timeout;	/* seconds to authenticate */
	int			 login_after;		/* failed logins before back-off */
	int			 login_first;		/* seconds of the first wait (doubles) */
	int			 login_max;		/* seconds of the longest wait */
	int			 login_lock_failures;	/* failures that lock a login or uid */
	int			 login_lock_time;	/* seconds of the first lock-out (doubles) */
	int			 login_audit_burst;	/* failures audited one by one per interval */
	int			 login_audit_interval;	/* seconds; then one summary row */
	struct risk_map		*risk_map;	/* risk-band rules (risk.h); owned */
	int			 control_lineno;	/* of the control directive (checks) */
	int			 session_timeout;	/* seconds a console session may idle */
	struct http_conf	*metrics;	/* Prometheus metrics; NULL: none; owned */
	struct http_conf	*http;		/* the HTTP API (console); NULL: none; owned */
	int			 retention[RETAIN_NKINDS];	/* days; 0 keep forever */
	char			*node_name;	/* NULL: the host's name; owned */
	int			 lease_time;	/* seconds an active's lease lasts */
};

/*
 * Load and validate path.  On error returns NULL and writes
 * "file:line: message" (or "file: message") into err.
 */
struct config	*config_load(const char *path, char *err, size_t errsz);
void		 config_free(struct config *);

/*
 * Name of the first directive that differs between old and next but cannot
 * be applied by a reload (database, control), or NULL when SIGHUP can apply
 * next entirely.
 */
const char	*config_restart_needed(const struct config *old,
		    const struct config *next);

/* 1 if ss is a loopback address (127/8, ::1, ::ffff:127/104). */
int		 config_addr_loopback(const struct sockaddr_storage *ss);
/* "events", "alarms", "patrol", "audit" (retention KIND DAYS). */
const char	*config_retention_name(enum retention_kind);

/* "tcp", "udp", "tls". */
const char	*config_proto_name(enum listen_proto);

#endif
