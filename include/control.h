/* control.h - the JSON control socket (pcod-control(7)). */
#ifndef PCOD_CONTROL_H
#define PCOD_CONTROL_H

#include <stddef.h>

#include <jansson.h>

struct event_base;
struct store;
struct batch;
struct acct_table;
struct alarm_engine;
struct supervisor;
struct trouble;
struct auditq;
struct config;
struct login_guard;
struct patrol_run;
struct retention;
struct backup;
struct syncer;

/* What the control commands work on; owned by main, outlives the control socket. */
struct control_ctx {
	struct store		*store;
	struct batch		*batch;
	struct acct_table	*accts;
	struct alarm_engine	*alarms;
	struct supervisor	*supervisor;
	const struct config	*cfg;		/* the running one; swapped on SIGHUP */
	struct control		*control;	/* for control_publish(); NULL once closed */
	struct trouble		*trouble;	/* storage state for status; may be NULL */
	struct auditq		*auditq;	/* session audit rows kept while writes fail */
	struct login_guard	*login;		/* auth.login throttling (login.h) */
	const char		*version;
	struct patrol_run	*patrol;	/* guard patrols; NULL: none */
	struct retention	*retention;	/* the purge, for status; NULL: none */
	struct backup		*backup;	/* backup and archive; NULL: none */
	struct syncer		*syncer;	/* WAL syncs, checkpoints (status, metrics); NULL: none */
	struct http_api		*http_api;	/* the console's listener (metrics); NULL: none */
	struct lease		*lease;		/* PostgreSQL: active or standby; NULL: SQLite */
};

struct control;
struct cmd_entry;

/*
 * NULL when ent may run here; on a standby (PostgreSQL, lease.h) the error
 * code CMD_STANDBY for what needs the active receiver, with msg naming it.
 */
const char	*control_standby_refusal(const struct control_ctx *,
		    const struct cmd_entry *ent, char *msg, size_t msgsz);

/* Bind path (replacing a stale socket) with the given mode.  NULL with err set. */
struct control	*control_new(struct event_base *, const char *path, int mode,
		    struct control_ctx *ctx, char *err, size_t errsz);
/*
 * Push {"notify": topic, "data": obj} to every console subscribed to topic
 * (see the subscribe command).  obj is borrowed.  Call it only after the
 * change has committed.
 */
void		 control_publish(struct control *, const char *topic, json_t *obj);

struct operator_worker;

/* The password-hashing worker (operator.h); owned by the control socket. */
struct operator_worker	*control_hasher(struct control *);
/*
 * Operator login changed role or was disabled (after commit): consoles logged
 * in as login take role at once; ROLE_NONE logs them out.
 */
void		 control_operator_changed(struct control *, const char *login,
		    int role);

/* The control socket's event loop, for work spread over loop passes. */
struct event_base	*control_base(struct control *);

/* 1 if any console is subscribed to topic (NULL: to any topic). */
int		 control_listening(struct control *, const char *topic);
/* Consoles connected now, and how many of them logged in as an operator (metrics). */
void		 control_consoles(const struct control *, size_t *open,
		    size_t *logged_in);

struct actor;
struct console;

/*
 * A console that is not the socket (the HTTP API, http_api.c): one request
 * run as who, with the same role checks, handlers and audit.  out gets the
 * reply object ({"id", "ok", "result"|"error"}; borrowed) exactly once,
 * during the call or later (a deferred reply after commit), unless
 * cancelled first.  Returns NULL if the reply was given already, else the
 * pending console: control_run_cancel() it if the asker goes away first
 * (the reply is then dropped; the console frees itself once answered).
 */
typedef void	(*control_out_fn)(json_t *reply, void *arg);
struct console	*control_run(struct control *, const struct actor *who,
		    json_t *request, control_out_fn out, void *arg);
void		 control_run_cancel(struct console *);

/*
 * A stream of notifications to a client that is not the socket (Server-
 * Sent Events, sse.c), as who: line() gets each notification's topic and
 * its data as JSON text; queued() tells how much is waiting for the
 * client: over 512 KiB the stream ends (as a socket console that does not
 * read loses its subscriptions).  gone(why) tells the owner that control.c
 * ended it (backed up, the operator logged out or disabled, shutdown); the
 * stream is freed already then.
 */
struct control_stream;
struct control_stream_ops {
	void	(*line)(const char *topic, const char *data, void *arg);
	size_t	(*queued)(void *arg);
	void	(*gone)(const char *why, void *arg);
};
struct control_stream	*control_stream_new(struct control *,
			    const struct actor *who, const char *topics,
			    const struct control_stream_ops *, void *arg,
			    char *msg, size_t msgsz);
/* The owner ends its stream (gone is not called). */
void			 control_stream_free(struct control_stream *);

/* Close the socket and every console connection, unlink the path. */
void		 control_free(struct control *);

#endif
