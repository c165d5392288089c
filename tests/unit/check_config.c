/* check_config.c - unit tests for pcod.conf(5) parsing (src/config.c). */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "dc09.h"
#include "log.h"
#include "text.h"

#ifndef TESTDATA_DIR
#error "compile with -DTESTDATA_DIR='\"/path/to/tests\"'"
#endif

#define CONFDIR		TESTDATA_DIR "/unit/config"
#define ETCDIR		TESTDATA_DIR "/../etc"

/* One bad file and the message after its path. */
struct bad_case {
	const char	*file;
	const char	*msg;
};

static const struct bad_case bad_cases[] = {
	{ "bad-unknown.conf", ":5: unknown directive \"lisen\"" },
	{ "bad-port.conf", ":3: listen: port 70000 out of range 1-65535" },
	{ "bad-dup-database.conf", ":5: duplicate directive \"database\"" },
	{ "bad-no-listen.conf", ": no listen directive" },
	{ "bad-no-database.conf", ": missing database directive" },
	{ "bad-no-control.conf", ": missing control directive" },
	{ "bad-unterminated.conf", ":1: unterminated quoted string" },
	{ "bad-stray.conf", ":1: database: unexpected \"/tmp/second.db\"" },
	{ "bad-number.conf", ":4: batch-max: \"12abc\" is not a number" },
	{ "bad-batch-range.conf", ":4: batch-max: 0 out of range 1-100000" },
	{ "bad-mode-octal.conf",
	    ":2: control: mode \"660\" is not four octal digits like 0660" },
	{ "bad-mode-range.conf", ":2: control: mode 0400 out of range 0600-0777" },
	{ "bad-mode-missing.conf", ":1: control: mode needs a value" },
	{ "bad-tls-nocert.conf", ":4: listen: tls needs both cert and key" },
	{ "bad-cert-tcp.conf", ":1: listen: cert is only for tls" },
	{ "bad-dup-listen.conf",
	    ":5: listen: tls 127.0.0.1:7000 is already used on line 3" },
	{ "bad-addr.conf", ":1: listen: \"1.2.3\" is not a numeric IPv4 address,"
	    " [IPv6] address or *" },
	{ "bad-hostname.conf", ":1: listen: \"localhost\" is not a numeric IPv4"
	    " address, [IPv6] address or *" },
	{ "bad-ipv6-nobrackets.conf", ":1: listen: \"::1\" is not a numeric IPv4"
	    " address, [IPv6] address or *" },
	{ "bad-noport.conf", ":1: listen: \"127.0.0.1\" is not ADDR:PORT" },
	{ "bad-proto.conf", ":1: listen: expected tcp, udp or tls, not \"sctp\"" },
	{ "bad-option.conf", ":1: listen: unknown option \"max-conn\"" },
	{ "bad-option-novalue.conf",
	    ":1: listen: option \"idle-timeout\" needs a value" },
	{ "bad-option-dup.conf", ":1: listen: duplicate option \"max-frame\"" },
	{ "bad-max-frame.conf", ":1: listen: max-frame 4106 out of range 64-4105" },
	{ "bad-frame-timeout.conf",
	    ":1: listen: frame-timeout 0 out of range 1-86400" },
	{ "bad-receiver.conf", ":1: receiver: \"1234567\" is not 1-6 hex digits" },
	{ "bad-line.conf", ":1: line: \"12G\" is not 1-6 hex digits" },
	{ "bad-window.conf", ":1: timestamp-window: missing argument, expected"
	    " \"timestamp-window AHEAD BEHIND\"" },
	{ "bad-window-range.conf",
	    ":1: timestamp-window: behind 86401 out of range 0-86400" },
	{ "bad-policy.conf",
	    ":1: unknown-accounts: expected accept or reject, not \"maybe\"" },
	{ "bad-unknown-priority.conf",
	    ":1: unknown-accounts-priority: 0 out of range 1-9" },
	{ "bad-log-level.conf",
	    ":1: log-level: expected warn, info or debug, not \"verbose\"" },
	{ "bad-audit-syslog.conf",
	    ":4: audit-syslog: expected yes or no, not \"maybe\"" },
	{ "bad-escape.conf",
	    ":1: bad escape \"\\p\" in quoted string (only \\\" and \\\\)" },
	{ "bad-after-quote.conf", ":1: text after closing quote" },
	{ "bad-quote-in-word.conf", ":1: unexpected quote inside a word" },
	{ "bad-empty-path.conf", ":1: database: empty path" },
	{ "bad-dup-receiver.conf", ":2: duplicate directive \"receiver\"" },
	{ "bad-negative.conf", ":1: duplicate-window: -1 out of range 0-86400" },
	{ "bad-charset.conf",
	    ":1: panel-charset: must be cp1252 or cp1250, not \"latin1\"" },
	{ "bad-nul.conf", ":1: NUL byte in line" },
	{ "bad-reserved.conf", ":2: control-reserved: 8 reserved of 8 consoles "
	    "leaves none for operators" },
	{ "bad-backoff.conf", ":2: login-backoff: max 5 is less than first 10" },
	{ "bad-lockout.conf",
	    ":1: login-lockout: failures 0 out of range 1-100000" },
	{ "bad-auth-timeout.conf",
	    ":1: control-auth-timeout: 3601 out of range 1-3600" },
	{ "bad-login-audit.conf", ":1: login-audit: missing argument, expected"
	    " \"login-audit FAILURES SECONDS\"" },
	{ "nonexistent.conf", ": No such file or directory" },
	{ "bad-pg-password.conf", ":1: database: the database URI holds a "
	    "password: put it in a passfile (passfile=PATH in the URI, or "
	    "PGPASSFILE) or in PGPASSWORD, never in this file" },
	{ "bad-pg-password-param.conf", ":2: database: the database URI holds"
	    " a password: put it in a passfile (passfile=PATH in the URI, or "
	    "PGPASSFILE) or in PGPASSWORD, never in this file" },
	{ "bad-pg-nodb.conf", ":1: database: the database URI names no "
	    "database: postgresql://USER@HOST[:PORT]/DBNAME" },
	{ "bad-node-name.conf", ":4: node-name: \"rx-1;rm\" is not 1-63 "
	    "letters, digits, '.', '_' or '-'" },
	{ "bad-lease-time.conf", ":4: lease-time: 1 out of range 2-60" },
};

/* The canonical test data directory, as the parser resolves against it. */
static const char *
confdir(void)
{
	static char	dir[PATH_MAX];

	if (dir[0] == '\0')
		ck_assert_ptr_nonnull(realpath(CONFDIR, dir));
	return dir;
}

/* Load CONFDIR/name, failing the test with the message if it is refused. */
static struct config *
load_good(const char *path)
{
	struct config	*c;
	char		 err[512] = "";

	c = config_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s refused: %s", path, err);
	return c;
}

/* Check a listener's address family, numeric address and port. */
static void
check_addr(const struct listen_conf *l, int family, const char *addr, int port)
{
	char	buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(l->ss.ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&l->ss;

		ck_assert_int_eq(l->sslen, sizeof(*sin));
		ck_assert_int_eq(ntohs(sin->sin_port), port);
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&l->ss;

		ck_assert_int_eq(l->sslen, sizeof(*sin6));
		ck_assert_int_eq(ntohs(sin6->sin6_port), port);
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
	}
	ck_assert_str_eq(buf, addr);
}

/* Check a listener's limits. */
static void
check_limits(const struct listen_conf *l, int conn, int per, int idle,
    int frame)
{
	ck_assert_int_eq(l->max_conn, conn);
	ck_assert_int_eq(l->max_per_addr, per);
	ck_assert_int_eq(l->idle_timeout, idle);
	ck_assert_int_eq(l->max_frame, frame);
}

/* Assert that s equals the test data directory followed by rel. */
static void
check_under_confdir(const char *s, const char *rel)
{
	char	want[PATH_MAX + 64];

	snprintf(want, sizeof(want), "%s%s", confdir(), rel);
	ck_assert_str_eq(s, want);
}

START_TEST(test_full_globals)
{
	struct config	*c = load_good(CONFDIR "/good-full.conf");

	ck_assert_str_eq(c->path, CONFDIR "/good-full.conf");
	check_under_confdir(c->database, "/data dir/pcod \"main\".db");
	check_under_confdir(c->control, "/run/pcod.sock");
	ck_assert_int_eq(c->control_mode, 0640);
	ck_assert_str_eq(c->receiver, "0AB12F");
	ck_assert_str_eq(c->line, "7");
	ck_assert_int_eq(c->time_ahead, 0);
	ck_assert_int_eq(c->time_behind, 86400);
	ck_assert_int_eq(c->unknown_accounts, UNKNOWN_REJECT);
	ck_assert_int_eq(c->unknown_priority, 3);
	ck_assert_int_eq(c->duplicate_window, 0);
	ck_assert_int_eq(c->panel_charset, TEXT_CP1250);
	ck_assert_int_eq(c->batch_max, 100000);
	ck_assert_int_eq(c->log_level, LOG_LVL_DEBUG);
	ck_assert_int_eq(c->control_max_consoles, 100);
	ck_assert_int_eq(c->control_reserved, 10);
	ck_assert_int_eq(c->control_max_per_uid, 3);
	ck_assert_int_eq(c->control_auth_timeout, 5);
	ck_assert_int_eq(c->login_after, 2);
	ck_assert_int_eq(c->login_first, 4);
	ck_assert_int_eq(c->login_max, 60);
	ck_assert_int_eq(c->login_lock_failures, 6);
	ck_assert_int_eq(c->login_lock_time, 120);
	ck_assert_int_eq(c->login_audit_burst, 0);
	ck_assert_int_eq(c->login_audit_interval, 10);
	ck_assert_int_eq(c->audit_syslog, 1);
	config_free(c);
}
END_TEST

START_TEST(test_full_listeners)
{
	struct config		*c = load_good(CONFDIR "/good-full.conf");
	const struct listen_conf *l = c->listeners;

	ck_assert_uint_eq(c->nlisteners, 4);
	ck_assert_int_eq(l[0].proto, LISTEN_TCP);
	ck_assert_str_eq(l[0].addr, "*:7000");
	check_addr(&l[0], AF_INET, "0.0.0.0", 7000);
	check_limits(&l[0], 10, 2, 30, 2048);
	ck_assert_int_eq(l[0].frame_timeout, 5);
	ck_assert_ptr_null(l[0].cert);
	ck_assert_int_eq(l[0].lineno, 4);
	ck_assert_int_eq(l[1].proto, LISTEN_UDP);
	check_addr(&l[1], AF_INET, "127.0.0.1", 7001);
	check_limits(&l[1], 1000, 64, 120, 64);
	ck_assert_int_eq(l[2].proto, LISTEN_TLS);
	ck_assert_str_eq(l[2].addr, "[::1]:7443");
	check_addr(&l[2], AF_INET6, "::1", 7443);
	/* The default max-frame takes any frame the length field can describe. */
	check_limits(&l[2], 1000, 64, 86400, DC09_MAX_FRAME);
	ck_assert_int_eq(l[2].frame_timeout, 10);
	check_under_confdir(l[2].cert, "/tls/cert.pem");
	ck_assert_str_eq(l[2].key, "/etc/pcod/key#1.pem");
	ck_assert_int_eq(l[3].proto, LISTEN_TCP);
	check_addr(&l[3], AF_INET6, "::", 7000);
	ck_assert_int_eq(l[3].lineno, 7);
	config_free(c);
}
END_TEST

START_TEST(test_defaults)
{
	struct config	*c = load_good(CONFDIR "/good-min.conf");

	check_under_confdir(c->database, "/var/pcod.db");
	check_under_confdir(c->control, "/var/pcod.sock");
	ck_assert_int_eq(c->control_mode, 0660);
	ck_assert_uint_eq(c->nlisteners, 1);
	ck_assert_str_eq(c->listeners[0].addr, "0.0.0.0:7000");
	check_addr(&c->listeners[0], AF_INET, "0.0.0.0", 7000);
	check_limits(&c->listeners[0], 1000, 64, 120, DC09_MAX_FRAME);
	ck_assert_ptr_null(c->listeners[0].key);
	ck_assert_ptr_null(c->receiver);
	ck_assert_ptr_null(c->line);
	ck_assert_int_eq(c->time_ahead, 20);
	ck_assert_int_eq(c->time_behind, 40);
	ck_assert_int_eq(c->unknown_accounts, UNKNOWN_ACCEPT);
	ck_assert_int_eq(c->unknown_priority, 5);
	ck_assert_int_eq(c->duplicate_window, 600);
	ck_assert_int_eq(c->batch_max, 4096);
	ck_assert_int_eq(c->log_level, LOG_LVL_INFO);
	ck_assert_int_eq(c->control_max_consoles, 64);
	ck_assert_int_eq(c->control_reserved, 4);
	ck_assert_int_eq(c->control_max_per_uid, 8);
	ck_assert_int_eq(c->control_auth_timeout, 15);
	ck_assert_int_eq(c->login_after, 3);
	ck_assert_int_eq(c->login_first, 1);
	ck_assert_int_eq(c->login_max, 300);
	ck_assert_int_eq(c->login_lock_failures, 10);
	ck_assert_int_eq(c->login_lock_time, 900);
	ck_assert_int_eq(c->login_audit_burst, 5);
	ck_assert_int_eq(c->login_audit_interval, 60);
	ck_assert_int_eq(c->audit_syslog, 0);
	config_free(c);
}
END_TEST

START_TEST(test_crlf_and_absolute)
{
	struct config	*c = load_good(CONFDIR "/good-crlf.conf");

	ck_assert_str_eq(c->database, "/abs/pcod.db");
	ck_assert_str_eq(c->control, "/abs/pcod.sock");
	ck_assert_int_eq(c->control_mode, 0600);
	ck_assert_int_eq(c->listeners[0].proto, LISTEN_UDP);
	check_addr(&c->listeners[0], AF_INET, "10.0.0.1", 65535);
	config_free(c);
}
END_TEST

START_TEST(test_relative_config_path)
{
	struct config	*c;
	char		 cwd[PATH_MAX];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(TESTDATA_DIR "/unit"), 0);
	c = load_good("config/good-min.conf");
	ck_assert_str_eq(c->path, "config/good-min.conf");
	check_under_confdir(c->database, "/var/pcod.db");
	config_free(c);
	ck_assert_int_eq(chdir("config"), 0);
	c = load_good("good-min.conf");
	check_under_confdir(c->control, "/var/pcod.sock");
	config_free(c);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_bad)
{
	const struct bad_case	*bc = &bad_cases[_i];
	struct config		*c;
	char			 path[PATH_MAX], want[PATH_MAX + 256];
	char			 err[512];

	snprintf(path, sizeof(path), "%s/%s", CONFDIR, bc->file);
	snprintf(want, sizeof(want), "%s%s", path, bc->msg);
	memset(err, 'x', sizeof(err));
	c = config_load(path, err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_directory_and_small_buffer)
{
	char	err[16];
	char	big[512];

	ck_assert_ptr_null(config_load(CONFDIR, big, sizeof(big)));
	ck_assert_str_eq(big, CONFDIR ": Is a directory");
	memset(err, 'x', sizeof(err));
	ck_assert_ptr_null(config_load(CONFDIR "/bad-port.conf", err,
	    sizeof(err)));
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert(strncmp(err, CONFDIR, sizeof(err) - 1) == 0);
}
END_TEST

START_TEST(test_etc_pcod_conf)
{
	struct config	*c = load_good(ETCDIR "/pcod.conf");

	ck_assert_str_eq(c->database, "/var/lib/pcod/pcod.db");
	ck_assert_str_eq(c->control, "/run/pcod/pcod.sock");
	ck_assert_int_eq(c->control_mode, 0660);
	ck_assert_uint_eq(c->nlisteners, 2);
	ck_assert_int_eq(c->listeners[0].proto, LISTEN_TCP);
	ck_assert_int_eq(c->listeners[1].proto, LISTEN_UDP);
	check_addr(&c->listeners[1], AF_INET, "0.0.0.0", 7000);
	check_limits(&c->listeners[0], 1000, 64, 120, DC09_MAX_FRAME);
	ck_assert_ptr_null(c->receiver);
	ck_assert_int_eq(c->time_ahead, 20);
	ck_assert_int_eq(c->time_behind, 40);
	ck_assert_int_eq(c->unknown_accounts, UNKNOWN_ACCEPT);
	ck_assert_int_eq(c->unknown_priority, 5);
	ck_assert_int_eq(c->duplicate_window, 600);
	ck_assert_int_eq(c->batch_max, 4096);
	ck_assert_int_eq(c->log_level, LOG_LVL_INFO);
	config_free(c);
}
END_TEST

START_TEST(test_etc_demo_conf)
{
	struct config	*c = load_good(ETCDIR "/pcod-demo.conf");
	char		 top[PATH_MAX], want[PATH_MAX + 32];

	ck_assert_ptr_nonnull(realpath(TESTDATA_DIR "/..", top));
	snprintf(want, sizeof(want), "%s/demo/pcod.db", top);
	ck_assert_str_eq(c->database, want);
	snprintf(want, sizeof(want), "%s/demo/pcod.sock", top);
	ck_assert_str_eq(c->control, want);
	ck_assert_int_eq(c->control_mode, 0600);
	ck_assert_uint_eq(c->nlisteners, 2);
	check_addr(&c->listeners[0], AF_INET, "127.0.0.1", 7000);
	ck_assert_int_eq(c->listeners[1].proto, LISTEN_UDP);
	config_free(c);
}
END_TEST

/* A PostgreSQL URI is kept as written, not resolved as a path. */
START_TEST(test_pg_uri)
{
	struct config	*c = load_good(CONFDIR "/good-pg.conf");

	ck_assert_str_eq(c->database, "postgresql://pcod@db1.example:5432/pcod"
	    "?passfile=/etc/pcod/pgpass&sslmode=verify-full");
	ck_assert_str_eq(c->node_name, "rx-2.prague");
	ck_assert_int_eq(c->lease_time, 5);
	config_free(c);
}
END_TEST

START_TEST(test_restart_needed)
{
	struct config	*min = load_good(CONFDIR "/good-min.conf");
	struct config	*reload = load_good(CONFDIR "/good-min-reload.conf");
	struct config	*ctl = load_good(CONFDIR "/good-min-control.conf");
	struct config	*full = load_good(CONFDIR "/good-full.conf");

	ck_assert_ptr_null(config_restart_needed(min, min));
	ck_assert_ptr_null(config_restart_needed(min, reload));
	ck_assert_str_eq(config_restart_needed(min, ctl), "control");
	ck_assert_str_eq(config_restart_needed(min, full), "database");
	config_free(min);
	config_free(reload);
	config_free(ctl);
	config_free(full);
	config_free(NULL);
}
END_TEST

START_TEST(test_proto_name)
{
	ck_assert_str_eq(config_proto_name(LISTEN_TCP), "tcp");
	ck_assert_str_eq(config_proto_name(LISTEN_UDP), "udp");
	ck_assert_str_eq(config_proto_name(LISTEN_TLS), "tls");
}
END_TEST

/* All config tests in one suite. */
static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*good = tcase_create("good");
	TCase	*bad = tcase_create("bad");
	TCase	*misc = tcase_create("misc");

	tcase_add_test(good, test_full_globals);
	tcase_add_test(good, test_full_listeners);
	tcase_add_test(good, test_defaults);
	tcase_add_test(good, test_crlf_and_absolute);
	tcase_add_test(good, test_relative_config_path);
	tcase_add_test(good, test_etc_pcod_conf);
	tcase_add_test(good, test_etc_demo_conf);
	tcase_add_test(good, test_pg_uri);
	tcase_add_loop_test(bad, test_bad, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(bad, test_directory_and_small_buffer);
	tcase_add_test(misc, test_restart_needed);
	tcase_add_test(misc, test_proto_name);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, misc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
