/*
 * pcoctl_session.c - pcoctl's connection to pcod and its login: a session
 * token kept per socket and login in the user's runtime directory (0600),
 * reused until pcod refuses it, else the password (PCOCTL_PASSWORD, or asked
 * on a terminal; never read from a closed or redirected standard input).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pcoctl.h"
#include "xmalloc.h"

#define PCOCTL_MAX_LINE		(64 * 1024 * 1024)	/* longest reply line */
#define PCOCTL_TIMEOUT_MS	60000			/* a reply within this */
#define PCOCTL_TOKEN_MAX	128			/* bytes of a kept token */

/* One connection to the control socket, with its buffered input. */
struct pcoctl_conn {
	int	 fd;
	char	*buf;		/* owned */
	size_t	 len, cap;
};

/* "pcoctl: " and the message on stderr, a line of its own. */
void
pcoctl_vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "pcoctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

/* A warning on stderr; pcoctl goes on. */
void
pcoctl_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	pcoctl_vwarn(fmt, ap);
	va_end(ap);
}

/* Report a failure and exit 1. */
void
pcoctl_die(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	va_start(ap, fmt);
	pcoctl_vwarn(fmt, ap);
	va_end(ap);
	exit(1);
}

/* --- the connection ------------------------------------------------------- */

/* Connect to the control socket at path. */
struct pcoctl_conn *
pcoctl_conn_open(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un	 sun;
	struct pcoctl_conn	*c;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errsz, "%s: socket path too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		snprintf(err, errsz, "connect %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->cap = 65536;
	c->buf = xmalloc(c->cap);
	return c;
}

/* Close and free; NULL is harmless. */
void
pcoctl_conn_close(struct pcoctl_conn *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

/* The socket, for poll(). */
int
pcoctl_conn_fd(const struct pcoctl_conn *c)
{
	return c->fd;
}

/* 1 if a whole line is buffered. */
int
pcoctl_conn_pending(const struct pcoctl_conn *c)
{
	return memchr(c->buf, '\n', c->len) != NULL;
}

/* Write all of buf. */
static int
conn_write(struct pcoctl_conn *c, const char *buf, size_t len, char *err,
    size_t errsz)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = send(c->fd, buf, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "write: %s", strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send {id, cmd, args} as one line. */
int
pcoctl_conn_send(struct pcoctl_conn *c, int id, const char *cmd, json_t *args,
    char *err, size_t errsz)
{
	json_t	*req;
	char	*s;
	int	 rc;

	req = json_pack("{s:i,s:s,s:O}", "id", id, "cmd", cmd, "args", args);
	if (req == NULL || (s = json_dumps(req, JSON_COMPACT)) == NULL) {
		json_decref(req);
		snprintf(err, errsz, "cannot encode the request");
		return -1;
	}
	json_decref(req);
	rc = conn_write(c, s, strlen(s), err, errsz);
	if (rc == 0)
		rc = conn_write(c, "\n", 1, err, errsz);
	OPENSSL_cleanse(s, strlen(s));
	free(s);
	return rc;
}

/* Read what is there into the buffer, waiting up to ms.  1 read, 0 timeout, -1. */
static int
conn_fill(struct pcoctl_conn *c, int ms, char *err, size_t errsz)
{
	struct pollfd	pfd = { c->fd, POLLIN, 0 };
	ssize_t		n;
	int		rc;

	if (c->len == c->cap) {
		if (c->cap >= PCOCTL_MAX_LINE) {
			snprintf(err, errsz, "reply too long");
			return -1;
		}
		c->buf = xreallocarray(c->buf, 2, c->cap);
		c->cap *= 2;
	}
	if ((rc = poll(&pfd, 1, ms)) < 0 && errno != EINTR) {
		snprintf(err, errsz, "poll: %s", strerror(errno));
		return -1;
	}
	if (rc <= 0)
		return 0;
	n = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		snprintf(err, errsz, "%s", n == 0 ? "connection closed by pcod" :
		    strerror(errno));
		return -1;
	}
	c->len += (size_t)n;
	return 1;
}

/* Milliseconds of the monotonic clock. */
long long
pcoctl_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next message within ms (-1: no limit): NULL with err, or "" on timeout. */
json_t *
pcoctl_conn_next(struct pcoctl_conn *c, int ms, char *err, size_t errsz)
{
	long long	 end = pcoctl_now_ms() + ms, left = ms;
	char		*nl;
	json_t		*m;
	json_error_t	 jerr;
	size_t		 n;
	int		 rc;

	err[0] = '\0';
	while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (ms >= 0 && (left = end - pcoctl_now_ms()) < 0)
			left = 0;
		if ((rc = conn_fill(c, ms < 0 ? -1 : (int)left, err, errsz)) < 0)
			return NULL;
		if (rc == 0 && ms >= 0 && pcoctl_now_ms() >= end)
			return NULL;
	}
	*nl = '\0';
	n = (size_t)(nl - c->buf) + 1;
	m = json_loads(c->buf, 0, &jerr);
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	if (m == NULL || !json_is_object(m)) {
		json_decref(m);
		snprintf(err, errsz, "bad reply from pcod: %s", m == NULL ?
		    jerr.text : "not an object");
		return NULL;
	}
	return m;
}

/* The reply to request id, notifications skipped; NULL with err. */
static json_t *
conn_reply(struct pcoctl_conn *c, int id, char *err, size_t errsz)
{
	json_t	*m;

	for (;;) {
		if ((m = pcoctl_conn_next(c, PCOCTL_TIMEOUT_MS, err, errsz)) ==
		    NULL) {
			if (err[0] == '\0')
				snprintf(err, errsz, "read: timed out");
			return NULL;
		}
		if (json_object_get(m, "notify") == NULL &&
		    json_integer_value(json_object_get(m, "id")) == id)
			return m;
		json_decref(m);
	}
}

/* A reply's error as "code: message", made safe for a terminal. */
void
pcoctl_reply_error_text(json_t *rep, char *buf, size_t bufsz)
{
	json_t		*e = json_object_get(rep, "error");
	const char	*code, *msg;
	char		 cbuf[64], mbuf[1024];

	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	pcoctl_text_sanitize(code != NULL ? code : "error", cbuf, sizeof cbuf);
	pcoctl_text_sanitize(msg != NULL ? msg : "?", mbuf, sizeof mbuf);
	snprintf(buf, bufsz, "%s: %s", cbuf, mbuf);
}

/* The error code of a reply, "" for none. */
static const char *
reply_code(json_t *rep)
{
	const char	*s = json_string_value(json_object_get(json_object_get(rep,
			    "error"), "code"));

	return s != NULL ? s : "";
}

/* Send a request and wait for its reply; NULL with err. */
json_t *
pcoctl_conn_call(struct pcoctl_conn *c, int id, const char *cmd, json_t *args,
    char *err, size_t errsz)
{
	if (pcoctl_conn_send(c, id, cmd, args, err, errsz) != 0)
		return NULL;
	return conn_reply(c, id, err, errsz);
}

/* --- the kept session ----------------------------------------------------- */

/* dir exists as a directory of ours that nobody else may enter; else -1. */
static int
dir_private(const char *dir, int create)
{
	struct stat	sb;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return -1;
	if (sb.st_uid != getuid() || (sb.st_mode & 077) != 0) {
		pcoctl_warn("%s: not private to you: sessions are not kept", dir);
		return -1;
	}
	return 0;
}

/* The directory of kept sessions into buf; -1 if there is none to use. */
static int
session_dir(char *buf, size_t bufsz, int create)
{
	const char	*env = getenv("XDG_RUNTIME_DIR"), *home;
	struct stat	 sb;
	char		 run[64];

	snprintf(run, sizeof run, "/run/user/%u", (unsigned)getuid());
	if (env != NULL && env[0] == '/')
		snprintf(buf, bufsz, "%s/pcoctl", env);
	else if (stat(run, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    sb.st_uid == getuid())
		snprintf(buf, bufsz, "%s/pcoctl", run);
	else if ((home = getenv("HOME")) != NULL && home[0] == '/') {
		snprintf(buf, bufsz, "%s/.cache", home);
		if (create && mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		snprintf(buf, bufsz, "%s/.cache/pcoctl", home);
	} else
		return -1;
	return dir_private(buf, create);
}

/* 0 with PCOCTL_SESSION=no: no session is asked for, kept or used. */
static int
session_wanted(void)
{
	const char	*env = getenv("PCOCTL_SESSION");

	return env == NULL || strcmp(env, "no") != 0;
}

/* The file of the session of login on socket sock: "LOGIN-<sha256(sock)>". */
static int
session_path(const char *sock, const char *user, char *buf, size_t bufsz,
    int create)
{
	char		dir[PATH_MAX], cwd[PATH_MAX], full[2 * PATH_MAX + 2];
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;
	char		hex[17];

	if (!session_wanted())
		return -1;
	if (session_dir(dir, sizeof dir, create) != 0)
		return -1;
	/* The same socket named relative to another directory is the same. */
	if (sock[0] != '/' && getcwd(cwd, sizeof cwd) != NULL)
		snprintf(full, sizeof full, "%s/%s", cwd, sock);
	else
		snprintf(full, sizeof full, "%s", sock);
	if (EVP_Digest(full, strlen(full), md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if ((size_t)snprintf(buf, bufsz, "%s/%s-%s", dir, user, hex) >= bufsz)
		return -1;
	return 0;
}

/* The kept token of user on sock into tok; -1 if none. */
static int
session_load(const char *sock, const char *user, char *tok, size_t toksz)
{
	char		path[PATH_MAX];
	struct stat	sb;
	ssize_t		n;
	int		fd;

	if (session_path(sock, user, path, sizeof path, 0) != 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || sb.st_uid != getuid() ||
	    (sb.st_mode & 077) != 0 || (n = read(fd, tok, toksz - 1)) <= 0) {
		close(fd);
		return -1;
	}
	close(fd);
	tok[n] = '\0';
	tok[strcspn(tok, "\r\n")] = '\0';
	return tok[0] != '\0' ? 0 : -1;
}

/* Forget the kept token of user on sock. */
static void
session_forget(const char *sock, const char *user)
{
	char	path[PATH_MAX];

	if (session_path(sock, user, path, sizeof path, 0) == 0)
		unlink(path);
}

/* Keep tok as the session of user on sock: a new 0600 file put in place. */
static void
session_store(const char *sock, const char *user, const char *tok)
{
	char	path[PATH_MAX], tmp[PATH_MAX + 16];
	int	fd, ok;

	if (session_path(sock, user, path, sizeof path, 1) != 0)
		return;
	snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		pcoctl_warn("%s: %s: the session is not kept", tmp, strerror(errno));
		return;
	}
	ok = write(fd, tok, strlen(tok)) == (ssize_t)strlen(tok) &&
	    write(fd, "\n", 1) == 1;
	ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
	if (!ok) {
		pcoctl_warn("%s: %s: the session is not kept", path, strerror(errno));
		unlink(tmp);
	}
}

/* --- logging in ----------------------------------------------------------- */

/* The password: PCOCTL_PASSWORD, or asked on a terminal; NULL with err. */
static const char *
password_get(const char *user, int interactive, char *err, size_t errsz)
{
	const char	*pw = getenv("PCOCTL_PASSWORD");

	if (pw != NULL)
		return pw;
	if (!interactive) {
		snprintf(err, errsz, "cannot log in again as %s: no session to "
		    "resume and no PCOCTL_PASSWORD", user);
		return NULL;
	}
	/* getpass() falls back to stdin: a closed or redirected one gives "". */
	if (!isatty(STDIN_FILENO)) {
		snprintf(err, errsz, "cannot log in as %s: no session is kept "
		    "and standard input is not a terminal to ask for the "
		    "password (set PCOCTL_PASSWORD)", user);
		return NULL;
	}
	if ((pw = getpass("password: ")) == NULL || pw[0] == '\0') {
		snprintf(err, errsz, "no password given");
		return NULL;
	}
	return pw;
}

/* The session's idle timeout from a login's or resume's reply. */
static void
auth_timeout(struct pcoctl_auth *a, json_t *rep)
{
	json_t	*t = json_object_get(json_object_get(json_object_get(rep,
		    "result"), "session"), "timeout");

	a->timeout_s = json_is_integer(t) ? (int)json_integer_value(t) : 0;
}

/* Log in with the password, asking for a session; keep its token.  0 or -1. */
static int
auth_password(struct pcoctl_conn *c, struct pcoctl_auth *a, char *err,
    size_t errsz)
{
	const char	*pw, *tok;
	json_t		*args, *rep;
	int		 rc = -1;

	if ((pw = password_get(a->user, a->interactive, err, errsz)) == NULL)
		return -1;
	args = json_pack("{s:s,s:s,s:b}", "login", a->user, "password", pw,
	    "session", session_wanted());
	rep = pcoctl_conn_call(c, 0, "auth.login", args, err, errsz);
	json_decref(args);
	if (rep == NULL)
		return -1;
	if (!json_is_true(json_object_get(rep, "ok")))
		pcoctl_reply_error_text(rep, err, errsz);
	else {
		tok = json_string_value(json_object_get(json_object_get(
		    json_object_get(rep, "result"), "session"), "token"));
		if (tok != NULL && strlen(tok) < sizeof a->token) {
			snprintf(a->token, sizeof a->token, "%s", tok);
			session_store(a->sock, a->user, tok);
		}
		auth_timeout(a, rep);
		rc = 0;
	}
	json_decref(rep);
	return rc;
}

/* Resume the session a->token: 0, 1 refused (log in again), -1 other error. */
static int
auth_resume(struct pcoctl_conn *c, struct pcoctl_auth *a, char *err,
    size_t errsz)
{
	json_t	*args, *rep;
	int	 rc;

	args = json_pack("{s:s}", "token", a->token);
	rep = pcoctl_conn_call(c, 0, "auth.resume", args, err, errsz);
	json_decref(args);
	if (rep == NULL)
		return -1;
	if (json_is_true(json_object_get(rep, "ok"))) {
		auth_timeout(a, rep);
		rc = 0;
	} else {
		pcoctl_reply_error_text(rep, err, errsz);
		rc = strcmp(reply_code(rep), "auth_failed") == 0 ? 1 : -1;
	}
	json_decref(rep);
	return rc;
}

/* Log in on c as a->user: the session, else the password.  0 or -1 with err. */
int
pcoctl_auth(struct pcoctl_conn *c, struct pcoctl_auth *a, char *err,
    size_t errsz)
{
	int	rc;

	if (a->user == NULL)
		return 0;
	if (a->token[0] == '\0' &&
	    session_load(a->sock, a->user, a->token, sizeof a->token) != 0)
		a->token[0] = '\0';
	if (a->token[0] != '\0') {
		if ((rc = auth_resume(c, a, err, errsz)) <= 0)
			return rc;
		/* Expired or revoked: forget it and log in again. */
		session_forget(a->sock, a->user);
		OPENSSL_cleanse(a->token, sizeof a->token);
		a->token[0] = '\0';
	}
	return auth_password(c, a, err, errsz);
}

/* One request (after logging in with -u); its reply.  Exits on failure. */
json_t *
pcoctl_request(const char *sock, const char *user, const char *cmd,
    json_t *args)
{
	struct pcoctl_auth	 a;
	struct pcoctl_conn	*c;
	json_t			*rep;
	char			 err[1200];

	memset(&a, 0, sizeof a);
	a.sock = sock;
	a.user = user;
	a.interactive = 1;
	if ((c = pcoctl_conn_open(sock, err, sizeof err)) == NULL)
		pcoctl_die("%s", err);
	if (pcoctl_auth(c, &a, err, sizeof err) != 0)
		pcoctl_die("%s", err);
	OPENSSL_cleanse(a.token, sizeof a.token);
	if ((rep = pcoctl_conn_call(c, 1, cmd, args, err, sizeof err)) == NULL)
		pcoctl_die("%s", err);
	pcoctl_conn_close(c);
	return rep;
}

/* pcoctl -u LOGIN logout: end the kept session on pcod and forget it. */
int
pcoctl_logout(const char *sock, const char *user)
{
	struct pcoctl_conn	*c;
	json_t			*args, *rep;
	char			 tok[PCOCTL_TOKEN_MAX + 1], err[1200];
	int			 rc = 1;

	if (user == NULL)
		pcoctl_die("logout: give the login with -u LOGIN");
	if (session_load(sock, user, tok, sizeof tok) != 0) {
		printf("no session of %s is kept for %s\n", user, sock);
		return 0;
	}
	session_forget(sock, user);
	if ((c = pcoctl_conn_open(sock, err, sizeof err)) == NULL)
		pcoctl_die("%s (the session was forgotten here, not ended "
		    "on pcod)", err);
	args = json_pack("{s:s}", "token", tok);
	OPENSSL_cleanse(tok, sizeof tok);
	rep = pcoctl_conn_call(c, 1, "auth.logout", args, err, sizeof err);
	json_decref(args);
	pcoctl_conn_close(c);
	if (rep == NULL)
		pcoctl_die("%s", err);
	if (!json_is_true(json_object_get(rep, "ok"))) {
		pcoctl_reply_error_text(rep, err, sizeof err);
		fprintf(stderr, "pcoctl: %s\n", err);
	} else {
		printf("%s\n", json_is_true(json_object_get(json_object_get(rep,
		    "result"), "revoked")) ? "logged out: session ended" :
		    "logged out: the session had already ended");
		rc = 0;
	}
	json_decref(rep);
	return rc;
}
