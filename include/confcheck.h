/*
 * confcheck.h - what pcod -n, start-up and SIGHUP check in a parsed
 * configuration beyond its grammar (src/confcheck.c): listeners that
 * cannot all bind, TLS certificate and key files, a control socket mode
 * wider than 0660, a port below 1024 this process could not bind.
 */
#ifndef PCOD_CONFCHECK_H
#define PCOD_CONFCHECK_H

#include <stddef.h>

struct config;
struct listen_conf;

enum confcheck_level { CONFCHECK_WARNING = 0, CONFCHECK_ERROR };

/* Told each finding: where is "file:line", what the message. */
typedef void	(*confcheck_report_fn)(enum confcheck_level, const char *where,
		    const char *what, void *arg);

/*
 * Pure: why listener b cannot bind beside a, into why (NULL when they can).
 * pcod binds [::] without IPV6_V6ONLY, so [::]:P also takes every IPv4
 * address's port P; [::ffff:a.b.c.d] is the IPv4 address a.b.c.d; tcp and
 * tls share the TCP ports, udp has its own.
 */
const char	*confcheck_listen_conflict(const struct listen_conf *a,
		    const struct listen_conf *b, char *why, size_t whysz);
/*
 * Load a TLS listener's certificate and key as start-up will (OpenSSL):
 * 0, or -1 with the message in msg (missing, unreadable, not a file, not
 * PEM, encrypted key, key not matching the certificate).  *expired is set
 * to 1 when the certificate is outside its validity period.
 */
int		 confcheck_tls(const struct listen_conf *, int *expired, char *msg,
		    size_t msgsz);
/* Check everything; report each finding; the number of errors. */
int		 confcheck_run(const struct config *, confcheck_report_fn, void *arg);

#endif
