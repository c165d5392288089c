/* cmd.h - control commands: the table entry each command is, and how a handler replies. */
#ifndef PCOD_CMD_H
#define PCOD_CMD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

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
 * An optional argument given as null counts as absent.
 */
enum cmd_arg_type {
	CMD_ARG_STRING = 1,
	CMD_ARG_INT,
	CMD_ARG_BOOL,
	CMD_ARG_ACCOUNT,
	CMD_ARG_TIME
};

struct cmd_arg {
	const char		*name;		/* NULL ends the spec */
	enum cmd_arg_type	 type;
	int			 required;
	long long		 min, max;	/* STRING: length, INT: value */
};

#define CMD_ARGS_MAX	8

/*
 * A handler must, now or later (from a batch_defer callback), call exactly
 * one of control_reply() or control_error() for req.  args is a validated
 * object (never NULL) that lives until the handler returns.
 */
typedef void	(*cmd_exec)(struct cmd_req *req, struct control_ctx *ctx,
		    json_t *args);

struct cmd_entry {
	const char	*name;				/* "account.add" */
	struct cmd_arg	 args[CMD_ARGS_MAX + 1];	/* ends with { NULL } */
	cmd_exec	 exec;
};

/* The commands, one entry each (cmd_status.c, cmd_account.c, cmd_event.c). */
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_account_add_entry;
extern const struct cmd_entry cmd_account_list_entry;
extern const struct cmd_entry cmd_account_show_entry;
extern const struct cmd_entry cmd_account_remove_entry;
extern const struct cmd_entry cmd_event_list_entry;

/* Reply with success; takes the reference to result (NULL: JSON null).  Frees req. */
void	control_reply(struct cmd_req *req, json_t *result);
/* Reply with an error code ("not_found", ...) and a message.  Frees req. */
void	control_error(struct cmd_req *req, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Format wall-clock UTC milliseconds as ISO-8601, with ".mmm" when with_ms. */
void	control_time_format(int64_t ms, int with_ms, char *buf, size_t bufsz);
/* A JSON string for s: NULL gives null, invalid UTF-8 is escaped (\xHH). */
json_t	*control_json_string(const char *s);

#endif
