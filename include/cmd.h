/* cmd.h - control commands: the table entry each command is, and how a handler replies. */
#ifndef PCOD_CMD_H
#define PCOD_CMD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actor.h"

struct control_ctx;

/* One request being answered; owned by control.c until its reply is sent. */
struct cmd_req;

/*
 * Argument types.  control.c validates every argument against the entry's
 * spec before the handler runs, and normalises some in place:
 *   CMD_ARG_STRING   a JSON string, length (bytes) within [min, max]
 *   CMD_ARG_INT      a JSON integer within [min, max]
 *   CMD_ARG_BOOL     true or false
 *   CMD_ARG_ACCOUNT  3-16 hex digits; replaced by its upper-case form
 *   CMD_ARG_TIME     "2026-11-26T10:00:00Z" (optional ".mmm") or integer
 *                    epoch seconds; replaced by integer epoch milliseconds
 *   CMD_ARG_OBJECT   any JSON object (the handler checks its members)
 *   CMD_ARG_ARRAY    a JSON array of [min, max] items (the handler checks them)
 * An optional argument given as null counts as absent.
 */
enum cmd_arg_type {
	CMD_ARG_STRING = 1,
	CMD_ARG_INT,
	CMD_ARG_BOOL,
	CMD_ARG_ACCOUNT,
	CMD_ARG_TIME,
	CMD_ARG_OBJECT,
	CMD_ARG_ARRAY
};

struct cmd_arg {
	const char		*name;		/* NULL ends the spec */
	enum cmd_arg_type	 type;
	int			 required;
	long long		 min, max;	/* STRING: length, INT: value */
};

#define CMD_ARGS_MAX	12

/*
 * A handler must, now or later (from a batch_defer callback), call exactly
 * one of control_reply() or control_error() for req.  args is a validated
 * object (never NULL) that lives until the handler returns.
 */
typedef void	(*cmd_exec)(struct cmd_req *req, struct control_ctx *ctx,
		    json_t *args);



/* The commands, one entry each (cmd_status.c, cmd_account.c, cmd_event.c). */
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_account_add_entry;
extern const struct cmd_entry cmd_account_list_entry;
extern const struct cmd_entry cmd_account_show_entry;
extern const struct cmd_entry cmd_account_remove_entry;
extern const struct cmd_entry cmd_event_list_entry;

/*
 * The tables of the other domains, NULL-terminated, each in its cmd_*.c:
 * account.update and the like (cmd_account.c), site.* (cmd_site.c), alarm.*
 * (cmd_alarm.c), protocol.* (cmd_protocol.c), auth.*, operator.*,
 * subscribe, audit.* (cmd_operator.c), supervision.* (cmd_supervise.c),
 * stats.* (cmd_stats.c).
 */
extern const struct cmd_entry *const cmd_account_table[];
extern const struct cmd_entry *const cmd_site_table[];
extern const struct cmd_entry *const cmd_alarm_table[];
extern const struct cmd_entry *const cmd_protocol_table[];
extern const struct cmd_entry *const cmd_operator_table[];
extern const struct cmd_entry *const cmd_supervise_table[];
extern const struct cmd_entry *const cmd_stats_table[];
/* site.assess, site.risk, risk.* (cmd_risk.c). */
extern const struct cmd_entry *const cmd_risk_table[];
/* guard.* and patrol.* (cmd_patrol.c). */
extern const struct cmd_entry *const cmd_patrol_table[];
/* backup and archive (cmd_backup.c). */
extern const struct cmd_entry *const cmd_backup_table[];

/*
 * Checking a request, pure (control.c; fuzzed by tests/fuzz/fuzz_control.c).
 * control_request_find: the entry a parsed request's "cmd" names, with its
 * "args" made an object (absent or null: {}); NULL with an error code
 * ("bad_request", "unknown_command", "bad_args") and a message.
 * control_args_check: args against the entry's spec (no unknown, none
 * missing, each of its type and range), normalised in place as described
 * above; 0, or -1 with a message.  Neither looks at roles.
 */
const struct cmd_entry	*control_request_find(json_t *root, const char **code,
			    char *msg, size_t msgsz);
int	control_args_check(const struct cmd_entry *ent, json_t *args, char *msg,
	    size_t msgsz);

/* Reply with success; takes the reference to result (NULL: JSON null).  Frees req. */
void	control_reply(struct cmd_req *req, json_t *result);
/* Reply with an error code ("not_found", ...) and a message.  Frees req. */
void	control_error(struct cmd_req *req, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Who sent req (its console's login, or uid:N from SO_PEERCRED). */
const struct actor	*control_actor(const struct cmd_req *req);

/* What a write function reports when it refuses or fails. */
struct cmd_err {
	const char	*code;		/* "not_found", "exists", "bad_args", "storage" */
	char		 msg[256];
};

/*
 * A change: returns 0 with *result set (a new reference), or -1 with err
 * filled.  It runs inside the open batch, within a savepoint, so a failure
 * undoes all it wrote (and nothing else).
 */
typedef int	(*cmd_write_fn)(struct control_ctx *ctx, const struct actor *who,
		    json_t *args, json_t **result, struct cmd_err *err);
/* Called after the change committed, before the reply (caches, notifications). */
typedef void	(*cmd_commit_fn)(struct control_ctx *ctx, json_t *result);

/*
 * A command: lookup, argument checks and the role are generic.  Its
 * behaviour is either exec, or (a change) write with an optional
 * committed, which dispatch runs through control_write().
 */
struct cmd_entry {
	const char	*name;				/* "account.add" */
	struct cmd_arg	 args[CMD_ARGS_MAX + 1];	/* ends with { NULL } */
	cmd_exec	 exec;				/* NULL: write */
	cmd_write_fn	 write;
	cmd_commit_fn	 committed;			/* may be NULL */
	enum role	 role;				/* least role allowed */
};

/*
 * The error code of a change refused because the database cannot take
 * writes now (a lock held by another process, disk full, I/O error): the
 * console may retry; nothing of the change was kept.
 */
#define CMD_STORAGE_UNAVAILABLE	"storage_unavailable"
/*
 * The error code of a command a standby receiver does not run (lease.h):
 * the message names the active one.
 */
#define CMD_STANDBY		"standby"
/*
 * Run write for req in the batch and reply with its result after the commit
 * (or its error at once; CMD_STORAGE_UNAVAILABLE if the batch cannot begin
 * or fails).  committed may be NULL.  args must stay valid only during the
 * call.
 */
void	control_write(struct cmd_req *req, struct control_ctx *ctx, json_t *args,
	    cmd_write_fn write, cmd_commit_fn committed);
/* Fill err; returns -1 so a write function can "return cmd_fail(...)". */
int	cmd_fail(struct cmd_err *err, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Console sessions, for auth.*, subscribe and operator.* (control.c).
 */
#define CONTROL_AUTH_FAILS_MAX	5	/* failed logins before a console is closed */

/* req's console acts as who from now on (auth.login); logged at info. */
void	control_login(struct cmd_req *req, const struct actor *who);
/* Back to the console's own identity: root or pcod's uid admin, else none. */
void	control_logout(struct cmd_req *req);
/*
 * Count a failed login on req's console; at CONTROL_AUTH_FAILS_MAX it is
 * closed once the reply to req is out.  Returns the failures so far.
 */
int	control_auth_failed(struct cmd_req *req);
/* 1 if req's peer is root or pcod's own user (admin by its credentials). */
int	control_peer_trusted(const struct cmd_req *req);
/* The console's peer uid (-1 unknown) and number, for log lines and audit. */
long	control_peer_uid(const struct cmd_req *req);
unsigned control_conn_id(const struct cmd_req *req);
/* Notification topics ("alarm", "escalation"): 1 if known; all as a new array. */
int	control_topic_valid(const char *topic);
json_t	*control_topics_all(void);
/* (Un)subscribe req's console to topic: 0, or -1 if unknown. */
int	control_subscribe(struct cmd_req *req, const char *topic, int on);
/* The topics req's console receives, as a new array. */
json_t	*control_subscriptions(const struct cmd_req *req);

/* Format wall-clock UTC milliseconds as ISO-8601, with ".mmm" when with_ms. */
void	control_time_format(int64_t ms, int with_ms, char *buf, size_t bufsz);
/* A JSON string for s: NULL gives null, invalid UTF-8 is escaped (\xHH). */
json_t	*control_json_string(const char *s);

#endif
