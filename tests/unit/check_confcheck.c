/*
 * check_confcheck.c - unit tests for the checks of pcod -n beyond the
 * grammar (src/confcheck.c): listeners that cannot all bind, the control
 * socket's mode; and the pure parts of systemd's side (src/sdnotify.c,
 * the JOURNAL_STREAM match of src/log.c).  TLS files are tested through
 * the real pcod -n in tests/integration/test_confcheck.py.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "confcheck.h"
#include "log.h"
#include "sdnotify.h"

/* What the checks reported: one line per finding, "E file:N: msg" or "W ...". */
struct found {
	char	text[4096];
	int	errors, warnings;
};

static void
collect(enum confcheck_level lvl, const char *where, const char *what, void *arg)
{
	struct found	*f = arg;
	const char	*slash = strrchr(where, '/');
	size_t		 n = strlen(f->text);

	/* Keep "pcod.conf:N" of the temporary path. */
	snprintf(f->text + n, sizeof(f->text) - n, "%c %s: %s\n",
	    lvl == CONFCHECK_ERROR ? 'E' : 'W', slash ? slash + 1 : where, what);
	if (lvl == CONFCHECK_ERROR)
		f->errors++;
	else
		f->warnings++;
}

/* Write head plus body to a temporary pcod.conf, load it, run the checks. */
static int
run_checks(const char *body, struct found *f)
{
	char		 dir[] = "/tmp/check_confcheck.XXXXXX", path[64], err[512];
	struct config	*c;
	FILE		*fp;
	int		 n;

	memset(f, 0, sizeof(*f));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pcod.conf", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "database db\ncontrol sock mode 0660\n%s", body);
	fclose(fp);
	c = config_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "config_load: %s", err);
	n = confcheck_run(c, collect, f);
	config_free(c);
	unlink(path);
	rmdir(dir);
	ck_assert_int_eq(n, f->errors);
	return n;
}

/* A configuration and whether (and where) its listeners clash. */
struct conflict_case {
	const char	*body;		/* from line 3 */
	const char	*want;		/* a substring of the findings; NULL: none */
};

static const struct conflict_case conflict_cases[] = {
	/* wildcard and a specific address of the same family */
	{ "listen tcp 0.0.0.0:7000\nlisten tcp 127.0.0.1:7000\n",
	    "E pcod.conf:4: listen: tcp 127.0.0.1:7000 conflicts with tcp 0.0.0.0:7000 "
	    "on line 3: 0.0.0.0 already takes port 7000 on every IPv4 address" },
	{ "listen udp 127.0.0.1:7000\nlisten udp *:7000\n",
	    "E pcod.conf:4: listen: udp *:7000 conflicts with udp 127.0.0.1:7000 on "
	    "line 3: 0.0.0.0 already takes port 7000" },
	{ "listen tcp [::1]:7000\nlisten tcp [::]:7000\n",
	    "E pcod.conf:4: listen: tcp [::]:7000 conflicts with tcp [::1]:7000 on line 3: "
	    "[::] already takes port 7000 on every IPv6 address" },
	/* [::] is dual-stack: pcod does not set IPV6_V6ONLY */
	{ "listen tcp 0.0.0.0:7000\nlisten tcp [::]:7000\n",
	    "E pcod.conf:4: listen: tcp [::]:7000 conflicts with tcp 0.0.0.0:7000 on "
	    "line 3: [::] takes port 7000 on every IPv4 address too" },
	{ "listen udp [::]:7000\nlisten udp 10.1.2.3:7000\n",
	    "E pcod.conf:4: listen: udp 10.1.2.3:7000 conflicts with udp [::]:7000" },
	/* an IPv4-mapped IPv6 address is the IPv4 address */
	{ "listen tcp [::ffff:127.0.0.1]:7000\nlisten tcp 127.0.0.1:7000\n",
	    "E pcod.conf:4: listen: tcp 127.0.0.1:7000 conflicts with tcp "
	    "[::ffff:127.0.0.1]:7000 on line 3: the same address and port "
	    "(127.0.0.1:7000)" },
	{ "listen tcp 0.0.0.0:7000\nlisten tcp [::ffff:10.0.0.1]:7000\n",
	    "E pcod.conf:4: listen: tcp [::ffff:10.0.0.1]:7000 conflicts with tcp "
	    "0.0.0.0:7000" },
	/* the console's and the metrics' HTTP listeners take TCP ports too */
	{ "listen tcp 0.0.0.0:8080\nhttp 127.0.0.1:8080\n",
	    "E pcod.conf:4: http 127.0.0.1:8080 conflicts with listen tcp "
	    "0.0.0.0:8080 on line 3: 0.0.0.0 already takes port 8080" },
	{ "listen tcp [::]:9477\nmetrics 127.0.0.1:9477\n",
	    "E pcod.conf:4: metrics 127.0.0.1:9477 conflicts with listen tcp "
	    "[::]:9477 on line 3: [::] takes port 9477 on every IPv4 address" },
	{ "metrics [::]:9000 allow-remote yes\nhttp 127.0.0.1:9000\n"
	    "listen tcp 127.0.0.1:7000\n",
	    "E pcod.conf:4: http 127.0.0.1:9000 conflicts with metrics [::]:9000 "
	    "on line 3" },
	/* not conflicts */
	{ "listen udp 0.0.0.0:8080\nhttp 127.0.0.1:8080\n", NULL },
	{ "listen tcp 127.0.0.2:8080\nhttp 127.0.0.1:8080\nmetrics 127.0.0.1:8081\n",
	    NULL },
	{ "listen tcp 0.0.0.0:7000\nlisten udp 0.0.0.0:7000\n", NULL },
	{ "listen tcp [::]:7000\nlisten udp 127.0.0.1:7000\n", NULL },
	{ "listen tcp 127.0.0.1:7000\nlisten tcp 127.0.0.2:7000\n", NULL },
	{ "listen tcp 0.0.0.0:7000\nlisten tcp 0.0.0.0:7001\n", NULL },
	{ "listen tcp 0.0.0.0:7000\nlisten tcp [::1]:7000\n", NULL },
	{ "listen tcp [::1]:7000\nlisten tcp [fe80::1%1]:7000\n", NULL },
	{ "listen tcp [::ffff:127.0.0.1]:7000\nlisten tcp [::1]:7000\n", NULL },
};

START_TEST(test_conflict)
{
	const struct conflict_case	*cc = &conflict_cases[_i];
	struct found			 f;
	int				 n = run_checks(cc->body, &f);

	if (cc->want == NULL) {
		ck_assert_msg(n == 0 && f.text[0] == '\0', "case %d: %s", _i, f.text);
		return;
	}
	ck_assert_msg(n == 1, "case %d: %d errors: %s", _i, n, f.text);
	ck_assert_msg(strstr(f.text, cc->want) != NULL, "case %d: want \"%s\" in \"%s\"",
	    _i, cc->want, f.text);
}
END_TEST

/* Every clash is reported, each at its own line; the first listener is not blamed. */
START_TEST(test_conflicts_all_reported)
{
	struct found	f;

	ck_assert_int_eq(run_checks("listen tcp 0.0.0.0:7000\n"
	    "listen udp 0.0.0.0:7000\n"
	    "listen tcp [::]:7000\n"
	    "listen udp [::ffff:0.0.0.0]:7000\n"
	    "listen tcp 127.0.0.1:7001\n"
	    "listen tcp [::ffff:127.0.0.1]:7001\n", &f), 3);
	ck_assert_ptr_nonnull(strstr(f.text, "pcod.conf:5: listen: tcp [::]:7000"));
	ck_assert_ptr_nonnull(strstr(f.text, "pcod.conf:6: listen: udp "
	    "[::ffff:0.0.0.0]:7000 conflicts with udp 0.0.0.0:7000 on line 4"));
	ck_assert_ptr_nonnull(strstr(f.text, "pcod.conf:8: listen: tcp "
	    "[::ffff:127.0.0.1]:7001"));
	ck_assert_ptr_null(strstr(f.text, "pcod.conf:3:"));
}
END_TEST

/* The control socket's mode: 0660 and narrower quiet, wider warned at its line. */
START_TEST(test_control_mode)
{
	struct found	f;
	char		 buf[128];
	static const struct { const char *mode; int warn; } modes[] = {
		{ "0600", 0 }, { "0660", 0 }, { "0640", 0 }, { "0666", 1 },
		{ "0670", 1 }, { "0662", 1 }, { "0700", 1 }, { "0777", 1 },
	};
	size_t		 i;
	char		 dir[] = "/tmp/check_confcheck.XXXXXX", path[64], err[512];
	struct config	*c;
	FILE		*fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pcod.conf", dir);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		memset(&f, 0, sizeof(f));
		ck_assert_ptr_nonnull(fp = fopen(path, "w"));
		fprintf(fp, "# c\ndatabase db\n\ncontrol sock mode %s\n"
		    "listen tcp 127.0.0.1:7000\n", modes[i].mode);
		fclose(fp);
		ck_assert_ptr_nonnull(c = config_load(path, err, sizeof(err)));
		ck_assert_int_eq(confcheck_run(c, collect, &f), 0);
		config_free(c);
		ck_assert_msg(f.warnings == modes[i].warn, "mode %s: %s",
		    modes[i].mode, f.text);
		if (!modes[i].warn)
			continue;
		snprintf(buf, sizeof(buf), "W pcod.conf:4: control: mode %s is wider "
		    "than 0660", modes[i].mode);
		ck_assert_msg(strstr(f.text, buf) != NULL, "%s", f.text);
	}
	ck_assert_ptr_nonnull(strstr(f.text, "every local user can connect"));
	unlink(path);
	rmdir(dir);
}
END_TEST

/* NOTIFY_SOCKET addresses: absolute paths and abstract names only. */
START_TEST(test_notify_addr)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	char			longp[sizeof(sun.sun_path) + 2];

	ck_assert_int_eq(sdnotify_addr("/run/systemd/notify", &sun, &len), 0);
	ck_assert_str_eq(sun.sun_path, "/run/systemd/notify");
	ck_assert_int_eq(len, offsetof(struct sockaddr_un, sun_path) + 20);
	ck_assert_int_eq(sdnotify_addr("@abs/name", &sun, &len), 0);
	ck_assert_int_eq(sun.sun_path[0], '\0');
	ck_assert_int_eq(memcmp(sun.sun_path + 1, "abs/name", 8), 0);
	ck_assert_int_eq(len, offsetof(struct sockaddr_un, sun_path) + 9);
	ck_assert_int_eq(sdnotify_addr(NULL, &sun, &len), -1);
	ck_assert_int_eq(sdnotify_addr("", &sun, &len), -1);
	ck_assert_int_eq(sdnotify_addr("@", &sun, &len), -1);
	ck_assert_int_eq(sdnotify_addr("/", &sun, &len), -1);
	ck_assert_int_eq(sdnotify_addr("run/notify", &sun, &len), -1);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	ck_assert_int_eq(sdnotify_addr(longp, &sun, &len), -1);
	/* a path of exactly sun_path's size has no room for its NUL */
	longp[sizeof(sun.sun_path)] = '\0';
	ck_assert_int_eq(sdnotify_addr(longp, &sun, &len), -1);
	longp[0] = '@';
	ck_assert_int_eq(sdnotify_addr(longp, &sun, &len), 0);
}
END_TEST

/* WATCHDOG_USEC for us only: WATCHDOG_PID unset or ours, a positive number. */
START_TEST(test_watchdog_env)
{
	ck_assert_uint_eq(sdnotify_watchdog_usec("30000000", NULL, 42), 30000000);
	ck_assert_uint_eq(sdnotify_watchdog_usec("30000000", "42", 42), 30000000);
	ck_assert_uint_eq(sdnotify_watchdog_usec("30000000", "43", 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec("30000000", "", 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec("30000000", "42x", 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec(NULL, NULL, 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec("0", NULL, 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec("-5", NULL, 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec(" 5", NULL, 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec("5s", NULL, 42), 0);
	ck_assert_uint_eq(sdnotify_watchdog_usec("99999999999999999999999", NULL, 42),
	    0);
}
END_TEST

/* The STATUS= line: counts, events/s over the interval, storage trouble. */
START_TEST(test_status_line)
{
	struct sdnotify_figures	a = { 3, 1000, 7, 0, NULL };
	struct sdnotify_figures	b = { 1, 1500, 1, 0, NULL };
	char			buf[256];

	sdnotify_status_line(buf, sizeof(buf), &a, &b, 5000);
	ck_assert_str_eq(buf, "STATUS=1 panel connection, 100.0 events/s, "
	    "1 open alarm");
	sdnotify_status_line(buf, sizeof(buf), &b, &a, 5000);
	ck_assert_str_eq(buf, "STATUS=3 panel connections, 0.0 events/s, "
	    "7 open alarms");
	a.storage_failing = 1;
	sdnotify_status_line(buf, sizeof(buf), &a, &a, 0);
	ck_assert_str_eq(buf, "STATUS=3 panel connections, 0.0 events/s, "
	    "7 open alarms, STORAGE FAILING: nothing is acknowledged");
	a.standby_of = "rx-a";
	sdnotify_status_line(buf, sizeof(buf), &a, &a, 0);
	ck_assert_str_eq(buf, "STATUS=standby: rx-a is the active receiver");
}
END_TEST

/* JOURNAL_STREAM is "DEV:INODE" in decimal, naming stderr exactly. */
START_TEST(test_journal_match)
{
	ck_assert_int_eq(log_journal_match("8:12345", 8, 12345), 1);
	ck_assert_int_eq(log_journal_match("8:12345", 8, 12346), 0);
	ck_assert_int_eq(log_journal_match("9:12345", 8, 12345), 0);
	ck_assert_int_eq(log_journal_match(NULL, 8, 12345), 0);
	ck_assert_int_eq(log_journal_match("", 0, 0), 0);
	ck_assert_int_eq(log_journal_match("8:", 8, 0), 0);
	ck_assert_int_eq(log_journal_match(":5", 0, 5), 0);
	ck_assert_int_eq(log_journal_match("8:5x", 8, 5), 0);
	ck_assert_int_eq(log_journal_match("8:5:1", 8, 5), 0);
	ck_assert_int_eq(log_journal_match("-8:5", (uint64_t)-8, 5), 0);
	ck_assert_int_eq(log_journal_match("8:-5", 8, (uint64_t)-5), 0);
	ck_assert_int_eq(log_journal_match("18446744073709551615:1",
	    UINT64_MAX, 1), 1);
	ck_assert_int_eq(log_journal_match("18446744073709551616:1",
	    UINT64_MAX, 1), 0);
}
END_TEST

static Suite *
confcheck_suite(void)
{
	Suite	*s = suite_create("confcheck");
	TCase	*listen = tcase_create("listen");
	TCase	*misc = tcase_create("misc");

	tcase_add_loop_test(listen, test_conflict, 0,
	    sizeof(conflict_cases) / sizeof(conflict_cases[0]));
	tcase_add_test(listen, test_conflicts_all_reported);
	tcase_add_test(misc, test_control_mode);
	tcase_add_test(misc, test_notify_addr);
	tcase_add_test(misc, test_watchdog_env);
	tcase_add_test(misc, test_status_line);
	tcase_add_test(misc, test_journal_match);
	suite_add_tcase(s, listen);
	suite_add_tcase(s, misc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(confcheck_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
