/*
 * confcheck.c - the checks of a parsed pcod.conf that need more than its
 * grammar: listeners that cannot all be bound, TLS files that will not
 * load, a control socket open to everybody.  pcod -n, start-up and SIGHUP
 * run the same checks and report each finding as "file:line: message".
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf.h"
#include "confcheck.h"

/* capability(7)'s number of CAP_NET_BIND_SERVICE (CapEff bit). */
#define CONFCHECK_CAP_NET_BIND_SERVICE	10

/* The widest control socket mode not warned about. */
#define CONFCHECK_CONTROL_MODE	0660

/* A listener's address reduced to what decides whether two can bind. */
struct endpoint {
	int		udp;		/* else the TCP ports (tcp and tls) */
	int		port;
	int		v4;		/* IPv4, or IPv4-mapped IPv6 */
	int		any;		/* 0.0.0.0 or [::] */
	unsigned char	addr[16];	/* 4 bytes when v4 */
	uint32_t	scope;		/* IPv6 scope id */
	char		text[INET6_ADDRSTRLEN];	/* the address as a panel sees it */
};

/* Reduce l to its endpoint. */
static void
endpoint_of(const struct listen_conf *l, struct endpoint *e)
{
	const struct sockaddr_in	*sin = (const void *)&l->ss;
	const struct sockaddr_in6	*sin6 = (const void *)&l->ss;

	memset(e, 0, sizeof(*e));
	e->udp = l->proto == LISTEN_UDP;
	if (l->ss.ss_family == AF_INET) {
		e->v4 = 1;
		e->port = ntohs(sin->sin_port);
		memcpy(e->addr, &sin->sin_addr, 4);
	} else {
		e->port = ntohs(sin6->sin6_port);
		e->scope = sin6->sin6_scope_id;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			e->v4 = 1;
			memcpy(e->addr, &sin6->sin6_addr.s6_addr[12], 4);
		} else
			memcpy(e->addr, &sin6->sin6_addr, 16);
	}
	e->any = e->v4 ? memcmp(e->addr, "\0\0\0\0", 4) == 0 :
	    IN6_IS_ADDR_UNSPECIFIED((const struct in6_addr *)e->addr);
	inet_ntop(e->v4 ? AF_INET : AF_INET6, e->addr, e->text, sizeof(e->text));
}

/* Why two endpoints of the same family and port clash, or NULL. */
static const char *
conflict_same_family(const struct endpoint *a, const struct endpoint *b,
    char *why, size_t whysz)
{
	const struct endpoint	*w = a->any ? a : b;
	size_t			 n = a->v4 ? 4 : 16;

	if (a->any != b->any)
		snprintf(why, whysz, "%s%s%s already takes port %d on every %s "
		    "address", w->v4 ? "" : "[", w->text, w->v4 ? "" : "]",
		    w->port, w->v4 ? "IPv4" : "IPv6");
	else if (memcmp(a->addr, b->addr, n) == 0 && a->scope == b->scope)
		snprintf(why, whysz, "the same address and port (%s%s%s:%d)",
		    a->v4 ? "" : "[", a->text, a->v4 ? "" : "]", a->port);
	else
		return NULL;
	return why;
}

/* Why b cannot be bound beside a, or NULL. */
const char *
confcheck_listen_conflict(const struct listen_conf *a,
    const struct listen_conf *b, char *why, size_t whysz)
{
	struct endpoint	ea, eb;
	const struct endpoint	*v6;

	endpoint_of(a, &ea);
	endpoint_of(b, &eb);
	if (ea.udp != eb.udp || ea.port != eb.port)
		return NULL;
	if (ea.v4 == eb.v4)
		return conflict_same_family(&ea, &eb, why, whysz);
	v6 = ea.v4 ? &eb : &ea;
	if (!v6->any)
		return NULL;
	/* pcod never sets IPV6_V6ONLY: [::] is dual-stack (bindv6only=0). */
	snprintf(why, whysz, "[::] takes port %d on every IPv4 address too "
	    "(pcod binds it dual-stack, without IPV6_V6ONLY)", v6->port);
	return why;
}

/* "file:line" of a directive. */
static void
confcheck_where(const struct config *c, int lineno, char *where, size_t sz)
{
	snprintf(where, sz, "%s:%d", c->path, lineno);
}

/* Report every pair of listeners that cannot both bind; the number. */
static int
confcheck_listeners(const struct config *c, confcheck_report_fn fn, void *arg)
{
	const struct listen_conf	*a, *b;
	char				 why[192], where[512], msg[512];
	size_t				 i, j;
	int				 n = 0;

	for (j = 1; j < c->nlisteners; j++) {
		b = &c->listeners[j];
		for (i = 0; i < j; i++) {
			a = &c->listeners[i];
			if (confcheck_listen_conflict(a, b, why, sizeof(why)) == NULL)
				continue;
			confcheck_where(c, b->lineno, where, sizeof(where));
			snprintf(msg, sizeof(msg), "listen: %s %s conflicts with %s "
			    "%s on line %d: %s", config_proto_name(b->proto),
			    b->addr, config_proto_name(a->proto), a->addr,
			    a->lineno, why);
			fn(CONFCHECK_ERROR, where, msg, arg);
			n++;
			break;
		}
	}
	return n;
}

/* OpenSSL's passphrase callback: never ask; remember that it was needed. */
static int
confcheck_nopass(char *buf, int size, int rwflag, void *u)
{
	*(int *)u = 1;
	return -1;
}

/* Open a regular file for reading, or say why not (-1, msg). */
static FILE *
confcheck_open(const char *what, const char *path, char *msg, size_t msgsz)
{
	struct stat	 st;
	FILE		*f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(msg, msgsz, "%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "%s %s: not a regular file", what, path);
		fclose(f);
		return NULL;
	}
	return f;
}

/* The first PEM certificate of path, or NULL with msg. */
static X509 *
confcheck_cert(const char *path, char *msg, size_t msgsz)
{
	FILE	*f;
	X509	*x;

	if ((f = confcheck_open("cert", path, msg, msgsz)) == NULL)
		return NULL;
	if ((x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		snprintf(msg, msgsz, "cert %s: not a PEM certificate "
		    "(\"-----BEGIN CERTIFICATE-----\")", path);
	fclose(f);
	return x;
}

/* The PEM private key of path, or NULL with msg. */
static EVP_PKEY *
confcheck_key(const char *path, char *msg, size_t msgsz)
{
	FILE		*f;
	EVP_PKEY	*k;
	int		 asked = 0;

	if ((f = confcheck_open("key", path, msg, msgsz)) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, confcheck_nopass, &asked);
	if (k == NULL && asked)
		snprintf(msg, msgsz, "key %s: encrypted with a passphrase, which "
		    "pcod cannot ask for: store it unencrypted (mode 0600)", path);
	else if (k == NULL)
		snprintf(msg, msgsz, "key %s: not a PEM private key "
		    "(\"-----BEGIN PRIVATE KEY-----\")", path);
	fclose(f);
	return k;
}

/* Load cert and key of l, and see that they belong together. */
int
confcheck_tls(const struct listen_conf *l, int *expired, char *msg,
    size_t msgsz)
{
	X509		*x = NULL;
	EVP_PKEY	*k = NULL;
	int		 rc = -1;

	*expired = 0;
	if ((x = confcheck_cert(l->cert, msg, msgsz)) == NULL ||
	    (k = confcheck_key(l->key, msg, msgsz)) == NULL)
		goto fail;
	if (X509_check_private_key(x, k) != 1) {
		snprintf(msg, msgsz, "key %s does not match cert %s", l->key,
		    l->cert);
		goto fail;
	}
	*expired = X509_cmp_current_time(X509_get0_notAfter(x)) < 0 ||
	    X509_cmp_current_time(X509_get0_notBefore(x)) > 0;
	rc = 0;
fail:
	EVP_PKEY_free(k);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

/* Report every TLS listener whose files will not load; the number. */
static int
confcheck_tls_all(const struct config *c, confcheck_report_fn fn, void *arg)
{
	const struct listen_conf	*l;
	char				 where[512], msg[1024], full[1200];
	size_t				 i;
	int				 n = 0, expired;

	for (i = 0; i < c->nlisteners; i++) {
		l = &c->listeners[i];
		if (l->proto != LISTEN_TLS)
			continue;
		confcheck_where(c, l->lineno, where, sizeof(where));
		if (confcheck_tls(l, &expired, msg, sizeof(msg)) == -1) {
			snprintf(full, sizeof(full), "listen: tls %s: %s", l->addr,
			    msg);
			fn(CONFCHECK_ERROR, where, full, arg);
			n++;
		} else if (expired) {
			snprintf(full, sizeof(full), "listen: tls %s: cert %s is "
			    "expired or not yet valid: panels that check it will "
			    "refuse the connection", l->addr, l->cert);
			fn(CONFCHECK_WARNING, where, full, arg);
		}
	}
	return n;
}

/* Warn about a control socket mode wider than 0660. */
static void
confcheck_control(const struct config *c, confcheck_report_fn fn, void *arg)
{
	char	where[512], msg[256];

	if ((c->control_mode & ~CONFCHECK_CONTROL_MODE) == 0)
		return;
	confcheck_where(c, c->control_lineno, where, sizeof(where));
	snprintf(msg, sizeof(msg), "control: mode %04o is wider than %04o%s",
	    (unsigned)c->control_mode, CONFCHECK_CONTROL_MODE,
	    (c->control_mode & 0002) ? ": every local user can connect to the "
	    "control socket and try logins" : ": only owner and group need it");
	fn(CONFCHECK_WARNING, where, msg, arg);
}

/* Whether this process may bind a port below 1024 (root or the capability). */
static int
confcheck_may_bind_low(void)
{
	char			 line[256];
	unsigned long long	 eff;
	FILE			*f;
	int			 ok = 0;

	if (geteuid() == 0)
		return 1;
	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return 1;	/* cannot tell: say nothing */
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			ok = (eff >> CONFCHECK_CAP_NET_BIND_SERVICE) & 1;
			break;
		}
	fclose(f);
	return ok;
}

/* Warn about ports below 1024 this process could not bind (the unit grants none). */
static void
confcheck_low_ports(const struct config *c, confcheck_report_fn fn, void *arg)
{
	const struct listen_conf	*l;
	struct endpoint			 e;
	char				 where[512], msg[512];
	size_t				 i;
	int				 may = -1;

	for (i = 0; i < c->nlisteners; i++) {
		l = &c->listeners[i];
		endpoint_of(l, &e);
		if (e.port >= 1024)
			continue;
		if (may == -1)
			may = confcheck_may_bind_low();
		if (may)
			return;
		confcheck_where(c, l->lineno, where, sizeof(where));
		snprintf(msg, sizeof(msg), "listen: %s %s: a port below 1024 "
		    "needs CAP_NET_BIND_SERVICE, which this process lacks "
		    "(systemd: add it with a drop-in, see pcod(8))",
		    config_proto_name(l->proto), l->addr);
		fn(CONFCHECK_WARNING, where, msg, arg);
	}
}

/* The http listener's cert and key (the browser console); 1 if they will not load. */
static int
confcheck_http(const struct config *c, confcheck_report_fn fn, void *arg)
{
	const struct http_conf	*h = c->http;
	struct listen_conf	 l;
	char			 where[512], msg[1024], full[1200];
	int			 expired;

	if (h == NULL || h->cert == NULL)
		return 0;
	memset(&l, 0, sizeof(l));
	l.cert = h->cert;
	l.key = h->key;
	confcheck_where(c, h->lineno, where, sizeof(where));
	if (confcheck_tls(&l, &expired, msg, sizeof(msg)) == -1) {
		snprintf(full, sizeof(full), "http %s: %s", h->addr, msg);
		fn(CONFCHECK_ERROR, where, full, arg);
		return 1;
	}
	if (expired) {
		snprintf(full, sizeof(full), "http %s: cert %s is expired or "
		    "not yet valid: browsers will refuse it", h->addr, h->cert);
		fn(CONFCHECK_WARNING, where, full, arg);
	}
	return 0;
}

/* An HTTP listener (http, metrics) as a TCP listen_conf, for the conflict check. */
static void
confcheck_http_as_listen(const struct http_conf *h, struct listen_conf *l)
{
	memset(l, 0, sizeof(*l));
	l->proto = LISTEN_TCP;
	l->addr = h->addr;
	l->ss = h->ss;
	l->sslen = h->sslen;
	l->lineno = h->lineno;
}

/*
 * The http and metrics listeners against the panels' TCP listeners and
 * each other: config.c refuses the same address and port; a wildcard, [::]
 * or an IPv4-mapped address that takes the port is found here.  The number.
 */
static int
confcheck_http_ports(const struct config *c, confcheck_report_fn fn,
    void *arg)
{
	const struct http_conf	*hs[2] = { c->metrics, c->http };
	const char		*names[2] = { "metrics", "http" };
	struct listen_conf	 l, other;
	char			 why[192], where[512], msg[512];
	size_t			 i, k;
	int			 n = 0;

	for (k = 0; k < 2; k++) {
		if (hs[k] == NULL)
			continue;
		confcheck_http_as_listen(hs[k], &l);
		confcheck_where(c, l.lineno, where, sizeof(where));
		for (i = 0; i < c->nlisteners; i++) {
			if (c->listeners[i].proto == LISTEN_UDP ||
			    confcheck_listen_conflict(&c->listeners[i], &l, why,
			    sizeof(why)) == NULL)
				continue;
			snprintf(msg, sizeof(msg), "%s %s conflicts with listen %s "
			    "%s on line %d: %s", names[k], l.addr,
			    config_proto_name(c->listeners[i].proto),
			    c->listeners[i].addr, c->listeners[i].lineno, why);
			fn(CONFCHECK_ERROR, where, msg, arg);
			n++;
			break;
		}
	}
	if (hs[0] != NULL && hs[1] != NULL) {
		confcheck_http_as_listen(hs[0], &other);
		confcheck_http_as_listen(hs[1], &l);
		if (confcheck_listen_conflict(&other, &l, why, sizeof(why)) != NULL) {
			confcheck_where(c, l.lineno, where, sizeof(where));
			snprintf(msg, sizeof(msg), "http %s conflicts with metrics "
			    "%s on line %d: %s", l.addr, other.addr, other.lineno,
			    why);
			fn(CONFCHECK_ERROR, where, msg, arg);
			n++;
		}
	}
	return n;
}

/* Every check; the number of errors (warnings do not count). */
int
confcheck_run(const struct config *c, confcheck_report_fn fn, void *arg)
{
	int	n;

	confcheck_control(c, fn, arg);
	confcheck_low_ports(c, fn, arg);
	n = confcheck_listeners(c, fn, arg);
	n += confcheck_tls_all(c, fn, arg);
	n += confcheck_http(c, fn, arg);
	n += confcheck_http_ports(c, fn, arg);
	return n;
}
