/* control.c - the JSON control socket: listener, console sessions, framing, dispatch. */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "control.h"
#include "lease.h"
#include "log.h"
#include "operator.h"
#include "stats.h"
#include "throttle.h"
#include "xmalloc.h"

#define CONTROL_MAX_LINE	(64 * 1024)	/* longest request line */
#define CONTROL_IN_HIGH		(CONTROL_MAX_LINE + 4096) /* stop reading above */
#define CONTROL_OUT_HIGH	(256 * 1024)	/* take no request while more is queued */
#define CONTROL_OUT_LOW		(64 * 1024)	/* resume once drained below */
#define CONTROL_WRITE_TIMEOUT	30		/* seconds a console may stall a reply */
#define CONTROL_BACKLOG		16
#define CONTROL_PUB_MAX		(512 * 1024) /* queued output that drops a subscription */

/*
 * Notification topics and the least role that receives each.  Escalations
 * are meant for supervisors, but an operator works the same queue and may
 * watch them too; nothing in them is beyond what alarm.show tells him.
 */
static const struct {
	const char	*name;
	enum role	 role;
} control_topics[] = {
	{ "alarm", ROLE_OPERATOR },
	{ "escalation", ROLE_OPERATOR },
	/* pcod's own trouble (the database refusing writes), told at once. */
	{ "system", ROLE_OPERATOR },
};
#define CONTROL_NTOPICS	(sizeof control_topics / sizeof control_topics[0])

/* The core commands; each other domain brings a NULL-terminated table (cmd.h). */
static const struct cmd_entry *const control_core_cmds[] = {
	&cmd_status_entry,
	&cmd_account_add_entry,
	&cmd_account_list_entry,
	&cmd_account_show_entry,
	&cmd_account_remove_entry,
	&cmd_event_list_entry,
	NULL
};

/* Lookup and argument checks are generic over these tables, see cmd.h. */
static const struct cmd_entry *const *const control_tables[] = {
	control_core_cmds,
	cmd_account_table,
	cmd_site_table,
	cmd_alarm_table,
	cmd_protocol_table,
	cmd_operator_table,
	cmd_supervise_table,
	cmd_stats_table,
	cmd_risk_table,
	cmd_patrol_table,
	cmd_backup_table,
};

enum console_state {
	CONSOLE_READY,		/* taking requests */
	CONSOLE_BUSY,		/* a reply is pending (kept in order) */
	CONSOLE_DRAINING,	/* flushing the last output, then closing */
	CONSOLE_DEAD		/* peer gone, a deferred reply still holds it */
};

struct console {
	TAILQ_ENTRY(console)	 entry;
	struct control		*ctl;		/* NULL once detached */
	struct bufferevent	*bev;		/* owned; NULL once closed */
	struct event		*resume;	/* owned; re-runs the input after a reply */
	struct event		*authto;	/* owned; closes it if nobody logs in */
	unsigned		 id;
	uid_t			 uid;
	pid_t			 pid;
	int			 trusted;	/* root or pcod's user: admin by credentials */
	struct actor		 actor;		/* who the requests are from */
	int			 logged_in;	/* actor comes from auth.login */
	int			 auth_fails;	/* failed auth.login on this console */
	unsigned		 topics;	/* subscribed: bit i = control_topics[i] */
	const char		*close_reason;	/* static; close once the reply is out */
	enum console_state	 state;
	int			 pending;	/* requests awaiting control_reply/error */
	int			 in_dispatch;	/* inside a handler call */
	int			 throttled;	/* output over CONTROL_OUT_HIGH */
	int			 eof;		/* peer shut its write side */
	/*
	 * Transport: NULL for a socket console (lines on bev).  A request
	 * console (control_run: the HTTP API) has no bev; its one reply goes
	 * to out (NULL once cancelled: dropped) and it goes away after it.
	 */
	control_out_fn		 out;
	void			*out_arg;
	int			 oneshot;	/* a request console */
};

/* A notification stream that is not a socket (Server-Sent Events). */
struct control_stream {
	TAILQ_ENTRY(control_stream)	 entry;
	struct control			*ctl;
	struct actor			 actor;
	unsigned			 topics;	/* bit i = control_topics[i] */
	const struct control_stream_ops	*ops;
	void				*arg;
};

struct cmd_req {
	struct console		*c;		/* holds one c->pending */
	json_t			*id;		/* owned reference */
	const struct cmd_entry	*ent;
};

struct control {
	struct event_base	*base;
	struct evconnlistener	*lst;		/* owned */
	struct event		*retry;		/* owned; re-enables accept */
	char			*path;		/* owned */
	struct control_ctx	*ctx;		/* not owned */
	struct operator_worker	*hasher;	/* owned */
	TAILQ_HEAD(, console)	 consoles;
	TAILQ_HEAD(, control_stream) streams;	/* owned entries */
	size_t			 nconsoles;
	unsigned		 next_id;
};

static void	console_process(struct console *);
static void	console_peer_actor(struct console *);
static void	console_auth_arm(struct console *);

/*
 * 1 if a line about console c may be logged now: lines about strangers
 * (refusals, consoles of nobody coming and going) share the log limiter of
 * every connection line (log.h), which reports what it left out.
 */
static int
console_log_ok(struct console *c)
{
	return c->trusted || c->logged_in || log_limit_allow(LOG_LIMIT_CONN);
}

/* Free what is left of a console once nothing refers to it. */
static void
console_destroy(struct console *c)
{
	if (c->authto != NULL)
		event_free(c->authto);
	if (c->resume != NULL)
		event_free(c->resume);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c);
}

/* Close a console for reason; kept (detached) while a reply is still pending. */
static void
console_close(struct console *c, const char *reason)
{
	struct control	*ctl = c->ctl;

	if (console_log_ok(c))
		log_info("control conn=%u uid=%u closed: %s", c->id,
		    (unsigned)c->uid, reason);
	if (ctl != NULL) {
		TAILQ_REMOVE(&ctl->consoles, c, entry);
		ctl->nconsoles--;
		c->ctl = NULL;
	}
	if (c->authto != NULL) {
		event_free(c->authto);
		c->authto = NULL;
	}
	if (c->pending > 0) {
		c->state = CONSOLE_DEAD;
		bufferevent_free(c->bev);
		c->bev = NULL;
		event_free(c->resume);
		c->resume = NULL;
		return;
	}
	console_destroy(c);
}

/* Queue one encoded line (without its newline). */
static void
console_send_line(struct console *c, const char *s)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	if (evbuffer_get_length(out) > CONTROL_OUT_HIGH)
		c->throttled = 1;
}

/* Queue one JSON object as a line; takes the reference to obj. */
static void
console_send(struct console *c, json_t *obj)
{
	char		*s;
	control_out_fn	 out;

	if (c->oneshot) {
		/* One reply: the first is it, anything after is dropped. */
		if ((out = c->out) != NULL) {
			c->out = NULL;
			out(obj, c->out_arg);
		}
		json_decref(obj);
		return;
	}
	if (c->state == CONSOLE_DEAD || c->bev == NULL) {
		json_decref(obj);
		return;
	}
	s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(obj);
	if (s == NULL) {
		log_warnx("control conn=%u: cannot encode a reply", c->id);
		return;
	}
	console_send_line(c, s);
	free(s);
}

/* Queue an error reply for request id (borrowed; NULL for null). */
static void
console_send_error(struct console *c, json_t *id, const char *code,
    const char *msg)
{
	json_t	*o, *e;

	pcod_stats.control_errors++;
	e = json_object();
	json_object_set_new(e, "code", json_string(code));
	/* msg may quote peer bytes (a JSON parse error): never let that fail */
	json_object_set_new(e, "message", control_json_string(msg));
	o = json_object();
	json_object_set_new(o, "id", id != NULL ? json_incref(id) : json_null());
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "error", e);
	console_send(c, o);
}

/* A request is answered: release the console and let it take the next one. */
static void
req_done(struct cmd_req *req)
{
	struct console	*c = req->c;

	json_decref(req->id);
	free(req);
	c->pending--;
	if (c->oneshot) {
		/* control_run() frees it if the reply came within dispatch. */
		if (c->pending == 0 && !c->in_dispatch)
			console_destroy(c);
		return;
	}
	if (c->state == CONSOLE_DEAD) {
		if (c->pending == 0)
			console_destroy(c);
		return;
	}
	if (c->state == CONSOLE_BUSY && c->pending == 0 &&
	    c->close_reason != NULL) {
		/* Closed by console_write_cb once the reply is out. */
		bufferevent_disable(c->bev, EV_READ);
		c->state = CONSOLE_DRAINING;
		return;
	}
	if (c->state == CONSOLE_BUSY && c->pending == 0) {
		c->state = CONSOLE_READY;
		/* Deferred replies come from the batch; re-enter from the loop. */
		if (!c->in_dispatch)
			event_active(c->resume, EV_TIMEOUT, 0);
	}
}

void
control_reply(struct cmd_req *req, json_t *result)
{
	json_t	*o;

	if (result == NULL)
		result = json_null();
	o = json_pack("{s:O?,s:b,s:o}", "id", req->id, "ok", 1, "result", result);
	if (o == NULL)
		console_send_error(req->c, req->id, "internal",
		    "cannot encode the result");
	else
		console_send(req->c, o);
	req_done(req);
}

void
control_error(struct cmd_req *req, const char *code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_debug("control conn=%u cmd=%s error %s: %s", req->c->id,
	    req->ent->name, code, msg);
	console_send_error(req->c, req->id, code, msg);
	req_done(req);
}

/* The index of a topic, or -1. */
static int
topic_find(const char *topic)
{
	size_t	i;

	for (i = 0; i < CONTROL_NTOPICS; i++)
		if (strcmp(control_topics[i].name, topic) == 0)
			return (int)i;
	return -1;
}

/* A console that does not read loses its subscriptions, not our memory. */
static void
console_drop_topics(struct console *c)
{
	static const char notice[] = "{\"notify\":\"subscription\",\"data\":"
	    "{\"dropped\":true,\"reason\":\"console not reading\"}}";

	log_warnx("control conn=%u actor=%s: output backed up, subscriptions "
	    "dropped", c->id, c->actor.name);
	c->topics = 0;
	console_send_line(c, notice);
}

/* 1 if console c is to receive topic t now. */
static int
console_wants(const struct console *c, int t)
{
	return (c->topics & (1U << t)) != 0 && c->bev != NULL &&
	    (c->state == CONSOLE_READY || c->state == CONSOLE_BUSY) &&
	    c->actor.role >= control_topics[t].role;
}

/* 1 if stream s is to receive topic t now. */
static int
stream_wants(const struct control_stream *s, int t)
{
	return (s->topics & (1U << t)) != 0 &&
	    s->actor.role >= control_topics[t].role;
}

/* End stream s: its owner is told (ops->gone) and it is freed. */
static void
stream_end(struct control_stream *s, const char *why)
{
	const struct control_stream_ops	*ops = s->ops;
	void				*arg = s->arg;

	TAILQ_REMOVE(&s->ctl->streams, s, entry);
	free(s);
	ops->gone(why, arg);
}

/* The data of topic t to every stream that wants it; a backed-up one ends. */
static void
control_publish_streams(struct control *ctl, int t, json_t *obj)
{
	struct control_stream	*s, *next;
	char			*data = NULL;

	for (s = TAILQ_FIRST(&ctl->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!stream_wants(s, t))
			continue;
		if (s->ops->queued(s->arg) > CONTROL_PUB_MAX) {
			log_warnx("control stream actor=%s: output backed up, "
			    "closed", s->actor.name);
			stream_end(s, "console not reading");
			continue;
		}
		if (data == NULL && (data = json_dumps(obj != NULL ? obj :
		    json_null(), JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(15))) == NULL)
			return;
		s->ops->line(control_topics[t].name, data, s->arg);
	}
	free(data);
}

/*
 * A stream of the notifications of topics (comma-separated names) for
 * who.  NULL with msg if a topic is unknown or above who's role.
 */
struct control_stream *
control_stream_new(struct control *ctl, const struct actor *who,
    const char *topics, const struct control_stream_ops *ops, void *arg,
    char *msg, size_t msgsz)
{
	struct control_stream	*s;
	char			 name[32];
	const char		*p = topics;
	unsigned		 mask = 0;
	size_t			 n;
	int			 t;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, ",");
		if (n == 0 || n >= sizeof name) {
			snprintf(msg, msgsz, "bad topic list");
			return NULL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if ((t = topic_find(name)) < 0) {
			snprintf(msg, msgsz, "no topic '%s'", name);
			return NULL;
		}
		if (who->role < control_topics[t].role) {
			snprintf(msg, msgsz, "topic %s needs the %s role", name,
			    actor_role_name(control_topics[t].role));
			return NULL;
		}
		mask |= 1U << t;
		p += n;
		if (*p == ',')
			p++;
	}
	if (mask == 0) {
		snprintf(msg, msgsz, "no topic given");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->ctl = ctl;
	s->actor = *who;
	s->topics = mask;
	s->ops = ops;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&ctl->streams, s, entry);
	log_info("control stream actor=%s topics=%s opened", who->name, topics);
	return s;
}

/* The owner ends its stream (its client went); ops->gone is not called. */
void
control_stream_free(struct control_stream *s)
{
	if (s == NULL)
		return;
	log_info("control stream actor=%s closed", s->actor.name);
	TAILQ_REMOVE(&s->ctl->streams, s, entry);
	free(s);
}

/* Push {"notify": topic, "data": obj} to the consoles subscribed to it. */
void
control_publish(struct control *ctl, const char *topic, json_t *obj)
{
	struct console	*c;
	json_t		*msg;
	char		*s;
	int		 t;

	if (ctl == NULL || (t = topic_find(topic)) < 0 ||
	    !control_listening(ctl, topic))
		return;
	msg = json_pack("{s:s,s:O?}", "notify", topic, "data", obj);
	s = msg != NULL ? json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(msg);
	if (s == NULL) {
		log_warnx("control: cannot encode a %s notification", topic);
		return;
	}
	TAILQ_FOREACH(c, &ctl->consoles, entry) {
		if (!console_wants(c, t))
			continue;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
		    CONTROL_PUB_MAX)
			console_drop_topics(c);
		else
			console_send_line(c, s);
	}
	free(s);
	control_publish_streams(ctl, t, obj);
}

/* 1 if some console is subscribed to topic (NULL: to anything). */
int
control_listening(struct control *ctl, const char *topic)
{
	struct console	*c;
	int		 t = topic != NULL ? topic_find(topic) : -1, i;

	const struct control_stream	*st;

	if (ctl == NULL || (topic != NULL && t < 0))
		return 0;
	TAILQ_FOREACH(st, &ctl->streams, entry)
		for (i = 0; i < (int)CONTROL_NTOPICS; i++)
			if ((t < 0 || t == i) && stream_wants(st, i))
				return 1;
	TAILQ_FOREACH(c, &ctl->consoles, entry)
		for (i = 0; i < (int)CONTROL_NTOPICS; i++)
			if ((t < 0 || t == i) && console_wants(c, i))
				return 1;
	return 0;
}

/* Consoles connected, and those logged in with auth.login. */
void
control_consoles(const struct control *ctl, size_t *open, size_t *logged_in)
{
	const struct console	*c;

	*open = *logged_in = 0;
	if (ctl == NULL)
		return;
	*open = ctl->nconsoles;
	TAILQ_FOREACH(c, &ctl->consoles, entry)
		if (c->logged_in)
			(*logged_in)++;
}

/* The event loop the control socket runs on. */
struct event_base *
control_base(struct control *ctl)
{
	return ctl->base;
}

/* The actor a request comes from. */
const struct actor *
control_actor(const struct cmd_req *req)
{
	return &req->c->actor;
}

/* The console of req now acts as who. */
void
control_login(struct cmd_req *req, const struct actor *who)
{
	struct console	*c = req->c;

	log_info("control conn=%u uid=%ld login %s role=%s (was %s)", c->id,
	    control_peer_uid(req), who->name, actor_role_name(who->role),
	    c->actor.name);
	c->actor = *who;
	c->logged_in = 1;
	c->auth_fails = 0;
	console_auth_arm(c);
}

/* Back to the console's own identity. */
void
control_logout(struct cmd_req *req)
{
	struct console	*c = req->c;

	if (c->logged_in)
		log_info("control conn=%u uid=%ld logout %s", c->id,
		    control_peer_uid(req), c->actor.name);
	c->logged_in = 0;
	console_peer_actor(c);
	console_auth_arm(c);
}

/* Count a failed login; the console closes after this reply at the limit. */
int
control_auth_failed(struct cmd_req *req)
{
	struct console	*c = req->c;

	if (++c->auth_fails >= CONTROL_AUTH_FAILS_MAX)
		c->close_reason = "too many failed logins";
	return c->auth_fails;
}

/* 1 if req's peer is root or pcod's user (admin by its credentials). */
int
control_peer_trusted(const struct cmd_req *req)
{
	return req->c->trusted;
}

/* The peer's uid (-1 unknown). */
long
control_peer_uid(const struct cmd_req *req)
{
	return req->c->uid == (uid_t)-1 ? -1L : (long)req->c->uid;
}

/* The console's number in log lines. */
unsigned
control_conn_id(const struct cmd_req *req)
{
	return req->c->id;
}

/* 1 if topic is known. */
int
control_topic_valid(const char *topic)
{
	return topic_find(topic) >= 0;
}

/* Every topic. */
json_t *
control_topics_all(void)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < CONTROL_NTOPICS; i++)
		json_array_append_new(a, json_string(control_topics[i].name));
	return a;
}

/* (Un)subscribe req's console to topic. */
int
control_subscribe(struct cmd_req *req, const char *topic, int on)
{
	int	t = topic_find(topic);

	if (t < 0)
		return -1;
	if (on)
		req->c->topics |= 1U << t;
	else
		req->c->topics &= ~(1U << t);
	return 0;
}

/* The topics req's console is subscribed to. */
json_t *
control_subscriptions(const struct cmd_req *req)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < CONTROL_NTOPICS; i++)
		if (req->c->topics & (1U << i))
			json_array_append_new(a,
			    json_string(control_topics[i].name));
	return a;
}

/* The password-hashing worker. */
struct operator_worker *
control_hasher(struct control *ctl)
{
	return ctl != NULL ? ctl->hasher : NULL;
}

/* Consoles logged in as login take its new role (ROLE_NONE: logged out). */
void
control_operator_changed(struct control *ctl, const char *login, int role)
{
	struct console		*c;
	struct control_stream	*s, *next;

	if (ctl == NULL)
		return;
	for (s = TAILQ_FIRST(&ctl->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (strcmp(s->actor.name, login) != 0)
			continue;
		if (role == ROLE_NONE)
			stream_end(s, "logged out");
		else
			s->actor.role = (enum role)role;
	}
	TAILQ_FOREACH(c, &ctl->consoles, entry) {
		if (!c->logged_in || strcmp(c->actor.name, login) != 0)
			continue;
		log_info("control conn=%u actor=%s: role now %s", c->id,
		    login, actor_role_name((enum role)role));
		if (role == ROLE_NONE) {
			c->logged_in = 0;
			console_peer_actor(c);
			console_auth_arm(c);
		} else
			c->actor.role = (enum role)role;
	}
}

void
control_time_format(int64_t ms, int with_ms, char *buf, size_t bufsz)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		base[32];

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, bufsz, "?");
		return;
	}
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms)
		snprintf(buf, bufsz, "%s.%03dZ", base, (int)(ms % 1000));
	else
		snprintf(buf, bufsz, "%sZ", base);
}

json_t *
control_json_string(const char *s)
{
	json_t	*j;
	char	*esc;
	size_t	 len, sz;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	len = strlen(s);
	sz = len * 4 + 4;
	esc = xmalloc(sz);
	log_escape(esc, sz, s, len);
	j = json_string(esc);
	free(esc);
	return j;
}

/* Check one account argument; stores the upper-case form. */
static int
arg_account(json_t *args, const char *name, const char *s)
{
	char	buf[17];
	size_t	i, len = strlen(s);

	if (len < 3 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		buf[i] = (char)toupper((unsigned char)s[i]);
	}
	buf[len] = '\0';
	json_object_set_new(args, name, json_string(buf));
	return 0;
}

/* Check one time argument; stores it as integer epoch milliseconds. */
static int
arg_time(json_t *args, const char *name, json_t *v)
{
	int64_t	ms;
	char	err[128];

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 ||
		    json_integer_value(v) > INT64_MAX / 1000)
			return -1;
		ms = json_integer_value(v) * 1000;
	} else if (!json_is_string(v) || clock_parse(json_string_value(v), 0,
	    &ms, err, sizeof err) != 0)
		return -1;
	json_object_set_new(args, name, json_integer(ms));
	return 0;
}

/* 1 if present argument v satisfies spec a (normalising it in args). */
static int
arg_ok(json_t *args, const struct cmd_arg *a, json_t *v)
{
	json_int_t	n;

	switch (a->type) {
	case CMD_ARG_STRING:
		n = json_is_string(v) ? (json_int_t)json_string_length(v) : -1;
		return json_is_string(v) && n >= a->min && n <= a->max;
	case CMD_ARG_INT:
		n = json_integer_value(v);
		return json_is_integer(v) && n >= a->min && n <= a->max;
	case CMD_ARG_BOOL:
		return json_is_boolean(v);
	case CMD_ARG_ACCOUNT:
		return json_is_string(v) &&
		    arg_account(args, a->name, json_string_value(v)) == 0;
	case CMD_ARG_TIME:
		return arg_time(args, a->name, v) == 0;
	case CMD_ARG_OBJECT:
		return json_is_object(v);
	case CMD_ARG_ARRAY:
		n = json_is_array(v) ? (json_int_t)json_array_size(v) : -1;
		return json_is_array(v) && n >= a->min && n <= a->max;
	}
	return 0;
}

/* Describe what spec a accepts, for a bad_args message. */
static void
arg_want(const struct cmd_arg *a, char *buf, size_t bufsz)
{
	switch (a->type) {
	case CMD_ARG_STRING:
		snprintf(buf, bufsz, "a string of %lld to %lld bytes", a->min,
		    a->max);
		break;
	case CMD_ARG_INT:
		snprintf(buf, bufsz, "an integer from %lld to %lld", a->min, a->max);
		break;
	case CMD_ARG_BOOL:
		snprintf(buf, bufsz, "true or false");
		break;
	case CMD_ARG_ACCOUNT:
		snprintf(buf, bufsz, "3 to 16 hex digits");
		break;
	case CMD_ARG_TIME:
		snprintf(buf, bufsz, "an ISO-8601 time with Z or an offset "
		    "(2026-11-26T10:00:00Z, 2026-11-26T11:00+01:00) or epoch "
		    "seconds");
		break;
	case CMD_ARG_OBJECT:
		snprintf(buf, bufsz, "a JSON object");
		break;
	case CMD_ARG_ARRAY:
		snprintf(buf, bufsz, "a JSON array of %lld to %lld items", a->min,
		    a->max);
		break;
	}
}

/* Check one present argument against its spec; message in msg on failure. */
static int
arg_check(json_t *args, const struct cmd_arg *a, json_t *v, char *msg,
    size_t msgsz)
{
	char	want[128] = "valid";
	char	num[32];

	/*
	 * A whole number where a string is wanted ("--account 1234" from a
	 * shell, an all-digit name) is taken as its decimal text.
	 */
	if (json_is_integer(v) && (a->type == CMD_ARG_STRING ||
	    a->type == CMD_ARG_ACCOUNT)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		json_object_set_new(args, a->name, v = json_string(num));
	}
	if (arg_ok(args, a, v))
		return 0;
	arg_want(a, want, sizeof want);
	snprintf(msg, msgsz, "argument '%s' must be %s", a->name, want);
	return -1;
}

/* Find the spec of argument name, or NULL. */
static const struct cmd_arg *
arg_find(const struct cmd_entry *ent, const char *name)
{
	const struct cmd_arg	*a;

	for (a = ent->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Validate args against the entry's spec: no unknown, none missing, all typed. */
int
control_args_check(const struct cmd_entry *ent, json_t *args, char *msg,
    size_t msgsz)
{
	const struct cmd_arg	*a;
	const char		*key;
	json_t			*v;
	void			*tmp;

	json_object_foreach_safe(args, tmp, key, v) {
		if (arg_find(ent, key) == NULL) {
			snprintf(msg, msgsz, "unknown argument '%.64s'", key);
			return -1;
		}
		if (json_is_null(v))
			json_object_del(args, key);
	}
	for (a = ent->args; a->name != NULL; a++) {
		v = json_object_get(args, a->name);
		if (v == NULL && a->required) {
			snprintf(msg, msgsz, "missing argument '%s'", a->name);
			return -1;
		}
		if (v != NULL && arg_check(args, a, v, msg, msgsz) != 0)
			return -1;
	}
	return 0;
}

/* Every command has a behaviour: exec, or a write for control_write(). */
static void
control_check_tables(void)
{
	const struct cmd_entry *const	*t;
	size_t				 i;

	for (i = 0; i < sizeof control_tables / sizeof control_tables[0]; i++)
		for (t = control_tables[i]; *t != NULL; t++)
			if (((*t)->exec == NULL) == ((*t)->write == NULL))
				fatalx("command %s: exactly one of exec and "
				    "write must be set", (*t)->name);
}

/* The table entry named name, or NULL. */
static const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *const	*t;
	size_t				 i;

	for (i = 0; i < sizeof control_tables / sizeof control_tables[0]; i++)
		for (t = control_tables[i]; *t != NULL; t++)
			if (strcmp((*t)->name, name) == 0)
				return *t;
	return NULL;
}

/* Run a validated request through its handler. */
static void
console_dispatch(struct console *c, const struct cmd_entry *ent, json_t *id,
    json_t *args)
{
	struct cmd_req	*req;

	log_debug("control conn=%u uid=%u actor=%s cmd=%s pid=%ld", c->id,
	    (unsigned)c->uid, c->actor.name, ent->name, (long)c->pid);
	req = xcalloc(1, sizeof *req);
	req->c = c;
	req->id = json_incref(id);
	req->ent = ent;
	c->pending++;
	c->state = CONSOLE_BUSY;
	c->in_dispatch = 1;
	if (ent->exec != NULL)
		ent->exec(req, c->ctl->ctx, args);
	else
		control_write(req, c->ctl->ctx, args, ent->write, ent->committed);
	c->in_dispatch = 0;
}

/* The command a request names, "args" made an object; NULL with code and msg. */
const struct cmd_entry *
control_request_find(json_t *root, const char **code, char *msg, size_t msgsz)
{
	const struct cmd_entry	*ent;
	json_t			*cmd, *args;

	cmd = json_object_get(root, "cmd");
	args = json_object_get(root, "args");
	if (!json_is_string(cmd)) {
		*code = "bad_request";
		snprintf(msg, msgsz, "a request needs a string \"cmd\"");
		return NULL;
	}
	if ((ent = cmd_find(json_string_value(cmd))) == NULL) {
		*code = "unknown_command";
		snprintf(msg, msgsz, "no command '%.64s'", json_string_value(cmd));
		return NULL;
	}
	if (args == NULL || json_is_null(args))
		json_object_set_new(root, "args", args = json_object());
	if (!json_is_object(args)) {
		*code = "bad_args";
		snprintf(msg, msgsz, "\"args\" must be an object");
		return NULL;
	}
	return ent;
}

/*
 * What a standby answers (lease.h): reads served from the store alone.  The
 * rest needs the engine's memory or writes, and a standby has neither: it is
 * answered "standby" with the active's name, for the console to go there.
 */
static const char *const control_standby_cmds[] = {
	"status", "auth.whoami", "event.list", "alarm.list", "alarm.count",
	"alarm.show", "account.list", "account.show", "site.list", "site.show",
	"audit.list", "audit.verify", "operator.list", "protocol.list",
	"protocol.show", "stats.handling", "guard.list", "guard.show",
	"patrol.route.list", "patrol.route.show", "patrol.checkins",
	"patrol.observations", "patrol.holiday.list", "patrol.terminal.list",
};

/* NULL, or why a standby does not run ent (msg filled). */
const char *
control_standby_refusal(const struct control_ctx *ctx,
    const struct cmd_entry *ent, char *msg, size_t msgsz)
{
	const char	*holder;
	int64_t		 epoch;
	size_t		 i;

	if (ctx->lease == NULL || lease_role(ctx->lease) == LEASE_ACTIVE)
		return NULL;
	for (i = 0; i < sizeof(control_standby_cmds) /
	    sizeof(control_standby_cmds[0]); i++)
		if (strcmp(ent->name, control_standby_cmds[i]) == 0)
			return NULL;
	holder = lease_holder(ctx->lease, &epoch);
	snprintf(msg, msgsz, "this pcod (%.64s) is a standby: %.64s runs on"
	    " the active receiver%s%.64s%s", lease_node(ctx->lease), ent->name,
	    holder[0] != '\0' ? " (" : "", holder, holder[0] != '\0' ? ")" :
	    ", which is being taken over");
	return CMD_STANDBY;
}

/* Check the shape of a parsed request and dispatch it or answer the error. */
static void
console_request(struct console *c, json_t *root)
{
	const struct cmd_entry	*ent;
	const char		*code;
	json_t			*id, *args;
	char			 msg[256];

	id = json_object_get(root, "id");
	if ((ent = control_request_find(root, &code, msg, sizeof msg)) == NULL) {
		console_send_error(c, id, code, msg);
		return;
	}
	args = json_object_get(root, "args");
	if (c->actor.role < ent->role) {
		snprintf(msg, sizeof msg, "%.64s needs the %s role; %.64s is %s",
		    ent->name, actor_role_name(ent->role), c->actor.name,
		    c->actor.role == ROLE_NONE ? "not logged in" :
		    actor_role_name(c->actor.role));
		log_info("control conn=%u actor=%s refused %s: role", c->id,
		    c->actor.name, ent->name);
		console_send_error(c, id, "forbidden", msg);
		return;
	}
	if (control_args_check(ent, args, msg, sizeof msg) != 0) {
		console_send_error(c, id, "bad_args", msg);
		return;
	}
	if ((code = control_standby_refusal(c->ctl->ctx, ent, msg,
	    sizeof msg)) != NULL) {
		console_send_error(c, id, code, msg);
		return;
	}
	console_dispatch(c, ent, id, args);
}

/* Parse one request line and answer it. */
static void
console_line(struct console *c, const char *line, size_t len)
{
	json_error_t	 jerr;
	json_t		*root;
	char		 msg[256];

	pcod_stats.control_requests++;
	if ((root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(msg, sizeof msg, "line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		console_send_error(c, NULL, "bad_json", msg);
		return;
	}
	if (!json_is_object(root))
		console_send_error(c, NULL, "bad_request",
		    "a request must be a JSON object");
	else
		console_request(c, root);
	json_decref(root);
}

/* Answer an over-long line and close once the answer is out. */
static void
console_too_long(struct console *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	char		 msg[64];

	snprintf(msg, sizeof msg, "request line longer than %d bytes",
	    CONTROL_MAX_LINE);
	log_warnx("control conn=%u uid=%u: %s", c->id, (unsigned)c->uid, msg);
	console_send_error(c, NULL, "too_long", msg);
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_disable(c->bev, EV_READ);
	c->state = CONSOLE_DRAINING;
}

/*
 * Run one parsed request object (borrowed; "args" may be normalised) for a
 * console that is not a socket, as who; out gets the reply object once.
 */
struct console *
control_run(struct control *ctl, const struct actor *who, json_t *root,
    control_out_fn out, void *arg)
{
	struct console	*c;

	c = xcalloc(1, sizeof *c);
	c->ctl = ctl;
	c->id = ++ctl->next_id;
	c->uid = (uid_t)-1;
	c->pid = -1;
	c->actor = *who;
	c->logged_in = who->role != ROLE_NONE;
	c->oneshot = 1;
	c->out = out;
	c->out_arg = arg;
	c->state = CONSOLE_READY;
	pcod_stats.control_requests++;
	c->in_dispatch = 1;
	console_request(c, root);
	c->in_dispatch = 0;
	if (c->pending == 0) {
		/* Answered already (or refused before dispatch). */
		console_destroy(c);
		return NULL;
	}
	return c;
}

/* The asker of a pending control_run() went away: its reply is dropped. */
void
control_run_cancel(struct console *c)
{
	if (c != NULL)
		c->out = NULL;
}

/* After input is used up: close at EOF once every reply is out. */
static void
console_check_eof(struct console *c)
{
	if (!c->eof || c->state != CONSOLE_READY)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		console_close(c, "end of input");
	else
		c->state = CONSOLE_DRAINING;
}

/* Take complete lines while the console is ready and its output is not backed up. */
static void
console_process(struct console *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	char		*line;
	size_t		 len;

	while (c->state == CONSOLE_READY && !c->throttled) {
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > CONTROL_MAX_LINE)
				console_too_long(c);
			else
				console_check_eof(c);
			return;
		}
		if (len > CONTROL_MAX_LINE)
			console_too_long(c);
		else if (len > 0 && strspn(line, " \t\r") != len)
			console_line(c, line, len);
		free(line);
	}
}

/* Input arrived. */
static void
console_read_cb(struct bufferevent *bev, void *arg)
{
	console_process(arg);
}

/* Output drained below the low mark (or to empty). */
static void
console_write_cb(struct bufferevent *bev, void *arg)
{
	struct console	*c = arg;

	if (c->state == CONSOLE_DRAINING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			console_close(c, c->close_reason != NULL ?
			    c->close_reason : c->eof ? "end of input" :
			    "request too long");
		return;
	}
	if (c->throttled) {
		c->throttled = 0;
		console_process(c);
	}
}

/* End of input, errors and write timeouts. */
static void
console_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct console	*c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		console_close(c, "write timeout");
	else if (what & BEV_EVENT_ERROR)
		console_close(c, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
	else if (what & BEV_EVENT_EOF) {
		c->eof = 1;
		if (c->state == CONSOLE_READY)
			console_process(c);
	}
}

/* Run the input again after a deferred reply freed the console. */
static void
console_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console	*c = arg;

	console_process(c);
}

/* Tell a peer why, without blocking: {"id":null,"ok":false,"error":{code,msg}}. */
static void
control_tell(evutil_socket_t fd, const char *code, const char *msg)
{
	char	line[256];
	int	n;

	n = snprintf(line, sizeof line, "{\"id\":null,\"ok\":false,\"error\":"
	    "{\"code\":\"%s\",\"message\":\"%s\"}}\n", code, msg);
	if (n > 0 && (size_t)n < sizeof line &&
	    send(fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("control: tell %s: %s", code, strerror(errno));
}

/* Log a refusal within the rate limit. */
static void
control_log_refusal(unsigned uid, const char *why)
{
	if (log_limit_allow(LOG_LIMIT_CONN))
		log_warnx("control: refused a console uid=%u: %s", uid, why);
}

/* Refuse a console over a limit: count, log, tell it why and close. */
static void
control_refuse(struct control *ctl, evutil_socket_t fd, uid_t uid,
    const char *why)
{
	pcod_stats.control_refused++;
	control_log_refusal((unsigned)uid, why);
	control_tell(fd, "busy", why);
	evutil_closesocket(fd);
}

/* 1 if uid is root or the user pcod runs as (who can read the database anyway). */
static int
control_uid_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * Who a console is before any login: local root, and the user pcod runs as,
 * are admins for set-up; anyone else must log in.
 */
static void
console_peer_actor(struct console *c)
{
	snprintf(c->actor.name, sizeof c->actor.name, "uid:%ld",
	    c->uid == (uid_t)-1 ? -1L : (long)c->uid);
	c->actor.role = c->trusted ? ROLE_ADMIN : ROLE_NONE;
}

/* Not logged in in time: say so and close (a pending reply keeps it, detached). */
static void
console_authto_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console	*c = arg;
	char		 msg[64];

	pcod_stats.control_auth_timeouts++;
	snprintf(msg, sizeof msg, "not logged in within %d s",
	    c->ctl->ctx->cfg->control_auth_timeout);
	if (c->bev != NULL && evbuffer_get_length(
	    bufferevent_get_output(c->bev)) == 0)
		control_tell(bufferevent_getfd(c->bev), "auth_timeout", msg);
	console_close(c, msg);
}

/* A console that is nobody must log in within control-auth-timeout. */
static void
console_auth_arm(struct console *c)
{
	struct timeval	tv = { 0, 0 };

	if (c->authto == NULL || c->ctl == NULL)
		return;
	if (c->trusted || c->logged_in) {
		evtimer_del(c->authto);
		return;
	}
	tv.tv_sec = c->ctl->ctx->cfg->control_auth_timeout;
	evtimer_add(c->authto, &tv);
}

/* The peer's credentials (uid -1, pid -1 when unknown). */
static void
control_peer(evutil_socket_t fd, uid_t *uid, pid_t *pid)
{
	struct ucred	cred;
	socklen_t	clen = sizeof cred;

	*uid = (uid_t)-1;
	*pid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		*uid = cred.uid;
		*pid = cred.pid;
	}
}

/* Set up the session of an accepted console. */
static struct console *
console_new(struct control *ctl, evutil_socket_t fd, uid_t uid, pid_t pid)
{
	struct console	*c;
	struct timeval	 wtv = { CONTROL_WRITE_TIMEOUT, 0 };

	c = xcalloc(1, sizeof *c);
	c->ctl = ctl;
	c->id = ++ctl->next_id;
	c->uid = uid;
	c->pid = pid;
	c->trusted = control_uid_trusted(uid);
	console_peer_actor(c);
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->resume = event_new(ctl->base, -1, 0, console_resume_cb, c);
	c->authto = evtimer_new(ctl->base, console_authto_cb, c);
	if (c->bev == NULL || c->resume == NULL || c->authto == NULL) {
		if (c->bev == NULL)
			evutil_closesocket(fd);
		console_destroy(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, console_read_cb, console_write_cb,
	    console_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONTROL_IN_HIGH);
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_OUT_LOW, 0);
	bufferevent_set_timeouts(c->bev, NULL, &wtv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	console_auth_arm(c);
	return c;
}

/* Consoles of uid open now. */
static int
control_count_uid(const struct control *ctl, uid_t uid)
{
	const struct console	*c;
	int			 n = 0;

	TAILQ_FOREACH(c, &ctl->consoles, entry)
		if (c->uid == uid)
			n++;
	return n;
}

/*
 * NULL if a console of uid may come in, else why not: the last
 * control-reserved slots are kept for root and pcod's user, and other users
 * have control-max-per-uid each.
 */
static const char *
control_admit(const struct control *ctl, uid_t uid, char *why, size_t whysz)
{
	const struct config	*cfg = ctl->ctx->cfg;
	size_t			 max = (size_t)cfg->control_max_consoles;

	if (ctl->nconsoles >= max)
		return "too many console connections";
	if (control_uid_trusted(uid))
		return NULL;
	if (ctl->nconsoles >= max - (size_t)cfg->control_reserved)
		return "too many console connections (the rest are reserved "
		    "for root)";
	if (control_count_uid(ctl, uid) >= cfg->control_max_per_uid) {
		snprintf(why, whysz, "too many console connections from uid %u "
		    "(at most %d)", (unsigned)uid, cfg->control_max_per_uid);
		return why;
	}
	return NULL;
}

/* A console connected. */
static void
control_accept_cb(struct evconnlistener *lst, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control	*ctl = arg;
	struct console	*c;
	const char	*refused;
	char		 why[128];
	uid_t		 uid;
	pid_t		 pid;

	control_peer(fd, &uid, &pid);
	if ((refused = control_admit(ctl, uid, why, sizeof why)) != NULL) {
		control_refuse(ctl, fd, uid, refused);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	if ((c = console_new(ctl, fd, uid, pid)) == NULL) {
		log_warnx("control: cannot set up a console");
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->consoles, c, entry);
	ctl->nconsoles++;
	if (console_log_ok(c))
		log_info("control conn=%u uid=%u pid=%ld connected", c->id,
		    (unsigned)c->uid, (long)c->pid);
}

/* accept() failed (EMFILE...): pause accepting for a second instead of spinning. */
static void
control_accept_error_cb(struct evconnlistener *lst, void *arg)
{
	struct control	*ctl = arg;
	struct timeval	 tv = { 1, 0 };

	log_warn("control: accept");
	evconnlistener_disable(lst);
	evtimer_add(ctl->retry, &tv);
}

/* Accept again after a pause. */
static void
control_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control	*ctl = arg;

	evconnlistener_enable(ctl->lst);
}

/* Remove a stale socket at path; fails if a live server answers there. */
static int
control_unlink_stale(const char *path, const struct sockaddr_un *sun,
    char *err, size_t errsz)
{
	struct stat	st;
	int		fd, live;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errsz, "%s: exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0;
	close(fd);
	if (live) {
		snprintf(err, errsz, "%s: another server is listening", path);
		return -1;
	}
	if (unlink(path) != 0) {
		snprintf(err, errsz, "unlink %s: %s", path, strerror(errno));
		return -1;
	}
	log_info("control: removed stale socket %s", path);
	return 0;
}

/* Create, bind and chmod the listening socket; -1 with err set. */
static int
control_bind(const char *path, int mode, char *err, size_t errsz)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errsz, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (control_unlink_stale(path, &sun, err, errsz) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		snprintf(err, errsz, "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, (mode_t)mode) != 0) {
		snprintf(err, errsz, "chmod %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

struct control *
control_new(struct event_base *base, const char *path, int mode,
    struct control_ctx *ctx, char *err, size_t errsz)
{
	struct control	*ctl;
	int		 fd;

	control_check_tables();
	if ((fd = control_bind(path, mode, err, errsz)) < 0)
		return NULL;
	ctl = xcalloc(1, sizeof *ctl);
	ctl->base = base;
	ctl->ctx = ctx;
	ctl->path = xstrdup(path);
	TAILQ_INIT(&ctl->consoles);
	TAILQ_INIT(&ctl->streams);
	ctl->retry = evtimer_new(base, control_retry_cb, ctl);
	ctl->hasher = operator_worker_new(base);
	ctl->lst = evconnlistener_new(base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, CONTROL_BACKLOG, fd);
	if (ctl->retry == NULL || ctl->hasher == NULL || ctl->lst == NULL) {
		snprintf(err, errsz, "listen %s: %s", path, strerror(errno));
		if (ctl->lst == NULL) {
			close(fd);
			unlink(path);
		}
		control_free(ctl);
		return NULL;
	}
	evconnlistener_set_error_cb(ctl->lst, control_accept_error_cb);
	log_info("control: listening on %s mode %04o", path, (unsigned)mode);
	return ctl;
}

void
control_free(struct control *ctl)
{
	struct console	*c;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->consoles)) != NULL)
		console_close(c, "shutdown");
	while (!TAILQ_EMPTY(&ctl->streams))
		stream_end(TAILQ_FIRST(&ctl->streams), "shutdown");
	/* Cancelled jobs answer their (now detached) consoles. */
	operator_worker_free(ctl->hasher);
	if (ctl->lst != NULL) {
		evconnlistener_free(ctl->lst);
		unlink(ctl->path);
	}
	if (ctl->retry != NULL)
		event_free(ctl->retry);
	free(ctl->path);
	free(ctl);
}
