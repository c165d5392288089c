/*
 * pcoctl_watch.c - pcoctl alarm watch (issue 12).  On a terminal: a view
 * the size of the window, the most urgent and oldest alarms first, with the
 * true number open and how many are not shown, redrawn on every change and
 * on SIGWINCH.  In a pipe: one line per change.  A lost connection or a
 * subscription pcod dropped is shown at once (a reverse-video banner and the
 * bell; a line in a pipe) and the watch reconnects and subscribes again by
 * itself, backing off from 0.2 s to 5 s, also across a restart of pcod.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "pcoctl.h"
#include "xmalloc.h"

#define WATCH_BACKOFF_MIN_MS	200	/* first retry after a loss */
#define WATCH_BACKOFF_MAX_MS	5000	/* retries at least this often */
#define WATCH_RELOAD_MIN_MS	250	/* a busy queue is re-read this often at most */
#define WATCH_REFRESH_MS	5000	/* and at least this often (a liveness check) */
#define WATCH_REPLY_MS		10000	/* a reply later than this: the link is dead */
#define WATCH_PING_MS		15000	/* in a pipe: is pcod still answering? */
#define WATCH_TICK_MS		1000	/* the clock in the header */
#define WATCH_LIST_MAX		10000	/* alarm.list's largest limit */
#define WATCH_CHROME		3	/* lines that are not alarms: head, columns, foot */

/* The watch's whole state. */
struct watch {
	struct pcoctl_auth	 auth;		/* sock, user, token in use */
	int			 json;		/* --json: JSON lines in a pipe */
	int			 tty;		/* the screen view */
	json_int_t		 left;		/* --count: changes still to show */
	int			 limited;	/* --count given */
	int			 done;		/* --count reached */
	char			 why[200];	/* why the last loss happened */
	char			 since[32];	/* when the view stopped being live */
	struct pcoctl_conn	*c;		/* owned; NULL: not connected */
	int			 next_id;
	long long		 retry_at;	/* next connection attempt */
	int			 backoff_ms;
	char			 banner[1400];	/* "" all is well */
	int			 bell;		/* ring at the next redraw */
	int			 was_lost;	/* a loss since the last connection */
	int			 started;	/* connected once: losses are reported */
	char			 last[160];	/* the latest change, for the header */
	json_t			*rows;		/* the top of the queue; owned */
	json_int_t		 total;		/* alarms open in all; -1 unknown */
	int			 stale;		/* the queue changed since it was read */
	long long		 loaded_at, drawn_at;
	long long		 authed_at;	/* the session was last used */
	int			 dirty;
	int			 height, width;	/* the window */
};

static volatile sig_atomic_t	watch_winch = 1;

static void	watch_draw(struct watch *);

/* SIGWINCH: the window changed size. */
static void
watch_winch_handler(int sig)
{
	(void)sig;
	watch_winch = 1;
}

/* The window's size (24x80 if unknown). */
static void
watch_winsize(struct watch *w)
{
	struct winsize	ws;

	w->height = 24;
	w->width = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		w->height = ws.ws_row;
		w->width = ws.ws_col;
	}
}

/* n with thousands separators: 20101 -> "20,101". */
static void
watch_thousands(json_int_t n, char *buf, size_t bufsz)
{
	char	raw[32];
	size_t	len, i, o = 0;

	snprintf(raw, sizeof raw, "%lld", (long long)(n < 0 ? -n : n));
	len = strlen(raw);
	if (n < 0 && o + 1 < bufsz)
		buf[o++] = '-';
	for (i = 0; i < len && o + 2 < bufsz; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
}

/* Now as local "YYYY-mm-dd HH:MM:SS". */
static void
watch_clock(char *buf, size_t bufsz)
{
	time_t		now = time(NULL);
	struct tm	tm;

	localtime_r(&now, &tm);
	strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

/* --- losing and finding the connection ------------------------------------ */

/* A line for a pipe about the connection: text, or a JSON notice with --json. */
static void
watch_conn_line(struct watch *w, int connected, const char *text)
{
	char	 ts[32];
	json_t	*o;
	char	*s;

	watch_clock(ts, sizeof ts);
	if (!w->json) {
		printf("watch %s %s: %s\n", connected ? "back" : "lost", ts, text);
	} else {
		o = json_pack("{s:s,s:{s:b,s:s,s:s}}", "notify", "watch", "data",
		    "connected", connected, "at", ts, "message", text);
		s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		printf("%s\n", s != NULL ? s : "{}");
		free(s);
		json_decref(o);
	}
	fflush(stdout);
}

/* The connection is gone (or unusable): say so loudly, retry with back-off. */
static void
watch_lost(struct watch *w, const char *what, const char *why)
{
	char	safe[200], ts[32];

	pcoctl_text_sanitize(why, safe, sizeof safe);
	snprintf(w->why, sizeof w->why, "%s", safe);
	pcoctl_conn_close(w->c);
	w->c = NULL;
	if (!w->was_lost && w->started) {
		watch_clock(ts, sizeof ts);
		snprintf(w->since, sizeof w->since, "%s", ts + 11);
		w->bell = 1;
		if (!w->tty)
			watch_conn_line(w, 0, safe);
	}
	w->was_lost = w->started;
	snprintf(w->banner, sizeof w->banner, "NOT LIVE since %s, retry in "
	    "%.1f s - %s: %s", w->since, w->backoff_ms / 1000.0, what, safe);
	w->retry_at = pcoctl_now_ms() + w->backoff_ms;
	w->backoff_ms = w->backoff_ms * 2 > WATCH_BACKOFF_MAX_MS ?
	    WATCH_BACKOFF_MAX_MS : w->backoff_ms * 2;
	w->dirty = 1;
	/* At once, even if the next attempt succeeds before the next redraw. */
	if (w->tty && w->started)
		watch_draw(w);
}

/* One change as a line for a pipe: "alarm ..." or its JSON with --json. */
static void
watch_line(struct watch *w, const char *topic, json_t *data)
{
	json_t	*o;
	char	*s;

	if (w->json) {
		o = json_pack("{s:s,s:O}", "notify", topic, "data", data);
		s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		printf("%s\n", s != NULL ? s : "{}");
		free(s);
		json_decref(o);
	} else
		pcoctl_show_alarm_line(topic, data);
	fflush(stdout);
}

/* The header's words for a change; pcod's own trouble stands out. */
static void
watch_status(const char *topic, json_t *data, char *buf, size_t bufsz)
{
	const char	*msg = json_string_value(json_object_get(data, "message"));
	const char	*kind = json_string_value(json_object_get(data, "kind"));
	json_t		*bulk = json_object_get(data, "bulk_close");

	if (bulk != NULL)
		snprintf(buf, bufsz, "%s: %lld alarms closed by filter", topic,
		    (long long)json_integer_value(json_object_get(bulk,
		    "closed")));
	else if (strcmp(topic, "system") == 0)
		snprintf(buf, bufsz, "PCOD TROUBLE: %s: %s", kind != NULL ?
		    kind : "?", msg != NULL ? msg : "");
	else
		snprintf(buf, bufsz, "%s: alarm %lld", topic,
		    (long long)json_integer_value(json_object_get(data, "id")));
}

/*
 * A notification.  pcod drops the subscriptions of a console whose output
 * backs up and says so with {"notify": "subscription", "data": {"dropped":
 * true}}: from then on nothing would come, so that is a loss like any other.
 */
static void
watch_notify(struct watch *w, json_t *m)
{
	const char	*topic = json_string_value(json_object_get(m, "notify"));
	json_t		*data = json_object_get(m, "data");
	const char	*why;

	if (topic == NULL || !json_is_object(data))
		return;
	if (strcmp(topic, "subscription") == 0) {
		if (!json_is_true(json_object_get(data, "dropped")))
			return;
		why = json_string_value(json_object_get(data, "reason"));
		watch_lost(w, "SUBSCRIPTION DROPPED", why != NULL ? why :
		    "by pcod");
		/* pcod is there: resubscribe at once. */
		w->retry_at = pcoctl_now_ms();
		return;
	}
	watch_status(topic, data, w->last, sizeof w->last);
	w->stale = 1;
	w->dirty = 1;
	if (!w->tty)
		watch_line(w, topic, data);
	if (w->limited && --w->left <= 0)
		w->done = 1;
}

/* A request on the live connection, its notifications handled; the reply or NULL (lost). */
static json_t *
watch_call(struct watch *w, const char *cmd, json_t *args)
{
	long long	 end = pcoctl_now_ms() + WATCH_REPLY_MS;
	int		 id = ++w->next_id, ms;
	json_t		*m;
	char		 err[300];

	if (pcoctl_conn_send(w->c, id, cmd, args, err, sizeof err) != 0) {
		watch_lost(w, "CONNECTION LOST", err);
		return NULL;
	}
	while (w->c != NULL) {
		ms = (int)(end - pcoctl_now_ms());
		if ((m = pcoctl_conn_next(w->c, ms < 0 ? 0 : ms, err,
		    sizeof err)) == NULL) {
			watch_lost(w, "CONNECTION LOST", err[0] != '\0' ? err :
			    "pcod does not answer");
			return NULL;
		}
		if (json_object_get(m, "notify") != NULL)
			watch_notify(w, m);
		else if (json_integer_value(json_object_get(m, "id")) == id)
			return m;
		json_decref(m);
	}
	return NULL;
}

/* A request whose failure is shown in the banner; its result (borrowed from *rep). */
static json_t *
watch_query(struct watch *w, const char *cmd, json_t *args, json_t **rep)
{
	char	err[1200];

	*rep = watch_call(w, cmd, args);
	json_decref(args);
	if (*rep == NULL)
		return NULL;
	if (!json_is_true(json_object_get(*rep, "ok"))) {
		pcoctl_reply_error_text(*rep, err, sizeof err);
		snprintf(w->banner, sizeof w->banner, "%s: %s", cmd, err);
		w->dirty = 1;
		json_decref(*rep);
		*rep = NULL;
		return NULL;
	}
	return json_object_get(*rep, "result");
}

/* Read the top of the queue (as many as the window shows) and the true count. */
static void
watch_reload(struct watch *w)
{
	json_t	*lrep, *crep, *rows, *count;
	int	 n = w->height - WATCH_CHROME;

	n = n < 1 ? 1 : n > WATCH_LIST_MAX ? WATCH_LIST_MAX : n;
	w->stale = 0;
	w->loaded_at = pcoctl_now_ms();
	rows = watch_query(w, "alarm.list", json_pack("{s:i}", "limit", n),
	    &lrep);
	if (rows == NULL)
		return;
	count = watch_query(w, "alarm.count", json_object(), &crep);
	if (count != NULL) {
		json_decref(w->rows);
		w->rows = json_incref(rows);
		w->total = json_integer_value(json_object_get(count, "count"));
		/* The banner of a query that failed before goes with its success. */
		if (w->c != NULL && !w->was_lost)
			w->banner[0] = '\0';
	}
	json_decref(lrep);
	json_decref(crep);
	w->dirty = 1;
}

/*
 * A watch on one connection all shift does not use its session: resume it
 * on the live connection at half its idle timeout so that a reconnect after
 * a long quiet spell still finds it.  Refused: the next reconnect will say so.
 */
static void
watch_session_keep(struct watch *w)
{
	json_t	*rep, *args = json_pack("{s:s}", "token", w->auth.token);

	w->authed_at = pcoctl_now_ms();
	rep = watch_call(w, "auth.resume", args);
	json_decref(args);
	if (rep != NULL && !json_is_true(json_object_get(rep, "ok")))
		w->auth.token[0] = '\0';
	json_decref(rep);
}

/* In a pipe: a request that must be answered within WATCH_REPLY_MS. */
static void
watch_ping(struct watch *w)
{
	json_t	*args = json_object(), *rep;

	w->loaded_at = pcoctl_now_ms();
	rep = watch_call(w, "auth.whoami", args);
	json_decref(args);
	json_decref(rep);
}

/* Connect, log in and subscribe; a failure is a loss to retry. */
static void
watch_connect(struct watch *w)
{
	json_t	*args, *rep, *r;
	char	 err[1200], n[32], text[200];

	if ((w->c = pcoctl_conn_open(w->auth.sock, err, sizeof err)) == NULL ||
	    pcoctl_auth(w->c, &w->auth, err, sizeof err) != 0) {
		watch_lost(w, "CONNECTION LOST", err);
		return;
	}
	args = json_pack("{s:[sss]}", "topics", "alarm", "escalation", "system");
	if ((r = watch_query(w, "subscribe", args, &rep)) == NULL) {
		if (w->c != NULL)
			watch_lost(w, "NOT SUBSCRIBED", w->banner);
		return;
	}
	json_decref(rep);
	w->started = 1;
	w->authed_at = w->loaded_at = pcoctl_now_ms();
	w->backoff_ms = WATCH_BACKOFF_MIN_MS;
	if (w->tty) {
		/* The header keeps a trace of the loss once the banner is gone. */
		if (w->was_lost) {
			watch_clock(n, sizeof n);
			snprintf(w->last, sizeof w->last, "back %s after: %.100s",
			    n + 11, w->why);
		}
		w->was_lost = 0;
		w->banner[0] = '\0';
		watch_reload(w);
		return;
	}
	if (!w->was_lost)
		return;
	w->was_lost = 0;
	w->banner[0] = '\0';
	r = watch_query(w, "alarm.count", json_object(), &rep);
	watch_thousands(json_integer_value(json_object_get(r, "count")), n,
	    sizeof n);
	snprintf(text, sizeof text, "%s open alarms (changes while lost are "
	    "not listed)", r != NULL ? n : "?");
	json_decref(rep);
	if (w->c != NULL)
		watch_conn_line(w, 1, text);
}

/* --- the screen ----------------------------------------------------------- */

/* Append s to line, cut at width columns (UTF-8 aware: continuation bytes are free). */
static void
watch_put(char *line, size_t linesz, int *cols, int width, const char *s)
{
	size_t	len = strlen(line);

	for (; *s != '\0' && len + 1 < linesz; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80) {
			if (*cols >= width)
				break;
			(*cols)++;
		}
		line[len++] = *s;
	}
	/* never leave half a character behind */
	while (len > 0 && ((unsigned char)line[len - 1] & 0xc0) == 0xc0)
		len--;
	line[len] = '\0';
}

/* How long ago an ISO-8601 UTC time was: "45s", "12m", "3h05", "2d04". */
static void
watch_age(const char *iso, char *buf, size_t bufsz)
{
	struct tm	tm;
	long long	s;

	memset(&tm, 0, sizeof tm);
	if (iso == NULL || sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		snprintf(buf, bufsz, "-");
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	s = (long long)(time(NULL) - timegm(&tm));
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, bufsz, "%llds", s);
	else if (s < 3600)
		snprintf(buf, bufsz, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, bufsz, "%lldh%02lld", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, bufsz, "%lldd%02lld", s / 86400, s % 86400 / 3600);
}

/* Append s cut and padded to width columns, then a space (a cell of a row). */
static void
watch_cell(char *txt, size_t txtsz, const char *s, int width)
{
	int	cols = 0;
	size_t	len;

	watch_put(txt, txtsz, &cols, cols + width, s);
	len = strlen(txt);
	for (; cols <= width && len + 1 < txtsz; cols++)
		txt[len++] = ' ';
	txt[len] = '\0';
}

/* One alarm as a screen line. */
static void
watch_row(struct watch *w, json_t *a, char *line, size_t linesz)
{
	char	cell[256], txt[1024];
	int	cols = 0;
	size_t	i;
	static const char *const keys[] = { "id", "priority", "state",
	    "created", "site_name", "account", "class", "text" };
	static const int widths[] = { 7, 2, 6, 5, 16, 8, 10, 0 };

	txt[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == 3)
			watch_age(json_string_value(json_object_get(a, keys[i])),
			    cell, sizeof cell);
		else
			pcoctl_show_value(json_object_get(a, keys[i]), cell,
			    sizeof cell);
		if (widths[i] > 0)
			watch_cell(txt, sizeof txt, cell, widths[i]);
		else
			snprintf(txt + strlen(txt), sizeof txt - strlen(txt),
			    "%s x%lld", cell, (long long)json_integer_value(
			    json_object_get(a, "count")));
	}
	line[0] = '\0';
	watch_put(line, linesz, &cols, w->width - 1, txt);
}

/* The header: time, the true count, the latest change. */
static void
watch_head(struct watch *w, char *line, size_t linesz)
{
	char	ts[32], n[32], txt[512];
	int	cols = 0;

	watch_clock(ts, sizeof ts);
	if (w->total >= 0)
		watch_thousands(w->total, n, sizeof n);
	else
		snprintf(n, sizeof n, "?");
	snprintf(txt, sizeof txt, "pcod alarm watch  %s  %s open%s%s", ts, n,
	    w->last[0] != '\0' ? "  | last: " : "", w->last);
	line[0] = '\0';
	watch_put(line, linesz, &cols, w->width - 1, txt);
}

/* Write one screen line, clearing the rest of it; "\n" between lines. */
static void
watch_emit(const char *line, int *nlines, int reverse)
{
	if (*nlines > 0)
		fputs("\n", stdout);
	printf("%s%s\033[K%s", reverse ? "\033[7m" : "", line, reverse ?
	    "\033[0m" : "");
	(*nlines)++;
}

/* Redraw the view: never more lines than the window has. */
static void
watch_draw(struct watch *w)
{
	char	line[2048], n[32];
	int	nl = 0, room, shown = 0, cols = 0;
	size_t	i, nrows = json_array_size(w->rows);

	room = w->height - WATCH_CHROME - (w->banner[0] != '\0');
	fputs("\033[H", stdout);
	if (w->bell)
		fputs("\a", stdout);
	w->bell = 0;
	watch_head(w, line, sizeof line);
	watch_emit(line, &nl, 0);
	if (w->banner[0] != '\0' && nl < w->height) {
		line[0] = '\0';
		watch_put(line, sizeof line, &cols, w->width - 1, w->banner);
		watch_emit(line, &nl, 1);
	}
	if (nl < w->height) {
		line[0] = '\0';
		cols = 0;
		watch_put(line, sizeof line, &cols, w->width - 1, "ID      P  "
		    "STATE  AGE   SITE             ACCOUNT  CLASS      TEXT");
		watch_emit(line, &nl, 0);
	}
	for (i = 0; i < nrows && shown < room && nl < w->height; i++, shown++) {
		watch_row(w, json_array_get(w->rows, i), line, sizeof line);
		watch_emit(line, &nl, 0);
	}
	if (nl < w->height) {
		line[0] = '\0';
		if (w->total > shown) {
			watch_thousands(w->total - shown, n, sizeof n);
			snprintf(line, sizeof line, "+%s more", n);
		} else if (w->total == 0)
			snprintf(line, sizeof line, "no open alarms");
		watch_emit(line, &nl, 0);
	}
	fputs("\033[J", stdout);
	fflush(stdout);
	w->dirty = 0;
	w->drawn_at = pcoctl_now_ms();
}

/* --- the loop ------------------------------------------------------------- */

/* How long to wait for input before something is due. */
static int
watch_timeout(struct watch *w, long long now)
{
	long long	t = 1000;

	if (w->c == NULL && w->retry_at - now < t)
		t = w->retry_at - now;
	if (w->tty && w->stale && w->c != NULL)
		t = WATCH_RELOAD_MIN_MS - (now - w->loaded_at);
	return t < 0 ? 0 : (int)t;
}

/* Wait for input and handle what came. */
static void
watch_input(struct watch *w, int ms)
{
	struct pollfd	 pfd;
	json_t		*m;
	char		 err[300];

	if (w->c == NULL) {
		poll(NULL, 0, ms);
		return;
	}
	if (!pcoctl_conn_pending(w->c)) {
		pfd.fd = pcoctl_conn_fd(w->c);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) <= 0)
			return;
	}
	while (w->c != NULL && !w->done) {
		if ((m = pcoctl_conn_next(w->c, 0, err, sizeof err)) == NULL) {
			if (err[0] != '\0')
				watch_lost(w, "CONNECTION LOST", err);
			return;
		}
		if (json_object_get(m, "notify") != NULL)
			watch_notify(w, m);
		json_decref(m);
	}
}

/* What is due now: a connection attempt, a re-read, a redraw. */
static void
watch_due(struct watch *w)
{
	long long	now = pcoctl_now_ms();

	if (w->c == NULL && now >= w->retry_at)
		watch_connect(w);
	if (w->tty && watch_winch) {
		watch_winch = 0;
		watch_winsize(w);
		w->stale = 1;
		w->dirty = 1;
	}
	now = pcoctl_now_ms();
	if (w->c != NULL && w->auth.token[0] != '\0' && w->auth.timeout_s > 0 &&
	    now - w->authed_at >= (long long)w->auth.timeout_s * 500)
		watch_session_keep(w);
	now = pcoctl_now_ms();
	/* A pcod that hangs keeps the socket open: ask it something now and then. */
	if (!w->tty && w->c != NULL && now - w->loaded_at >= WATCH_PING_MS)
		watch_ping(w);
	if (w->tty && w->c != NULL && ((w->stale && now - w->loaded_at >=
	    WATCH_RELOAD_MIN_MS) || now - w->loaded_at >= WATCH_REFRESH_MS))
		watch_reload(w);
	if (w->tty && (w->dirty || pcoctl_now_ms() - w->drawn_at >=
	    WATCH_TICK_MS))
		watch_draw(w);
}

/* SIGWINCH interrupts poll (no SA_RESTART) so a resize redraws at once. */
static void
watch_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = watch_winch_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
}

/* pcoctl alarm watch [--count N]. */
int
pcoctl_watch(const char *sock, const char *user, int json, json_t *args)
{
	struct watch	w;
	json_int_t	count = json_integer_value(json_object_get(args, "count"));

	memset(&w, 0, sizeof w);
	w.auth.sock = sock;
	w.auth.user = user;
	w.auth.interactive = 1;
	w.json = json;
	w.tty = isatty(STDOUT_FILENO) && !json;
	w.left = count;
	w.limited = count > 0;
	w.total = -1;
	w.backoff_ms = WATCH_BACKOFF_MIN_MS;
	w.retry_at = pcoctl_now_ms();
	if (w.tty) {
		watch_winsize(&w);
		watch_winch = 0;
	}
	/*
	 * The first connection must work (a wrong socket, a refused login);
	 * only it may ask for a password: later ones use the session.
	 */
	watch_connect(&w);
	if (!w.started)
		pcoctl_die("%s", w.why);
	w.auth.interactive = 0;
	if (w.tty)
		watch_signals();
	while (!w.done) {
		watch_due(&w);
		if (w.done)
			break;
		watch_input(&w, watch_timeout(&w, pcoctl_now_ms()));
	}
	OPENSSL_cleanse(w.auth.token, sizeof w.auth.token);
	pcoctl_conn_close(w.c);
	json_decref(w.rows);
	return 0;
}
