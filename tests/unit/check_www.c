/* check_www.c - the console's file manifest: lookup, refused paths, types, installed copies, ETags. */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "log.h"
#include "www.h"

static char	tmpdir[64];

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_www.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write text to tmpdir/name. */
static void
put(const char *name, const char *text, size_t len)
{
	char	path[256];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_manifest)
{
	const struct www_file	*m;
	size_t			 n, i;
	int			 index = 0, app = 0;

	m = www_manifest(&n);
	ck_assert_uint_ge(n, 8);
	for (i = 0; i < n; i++) {
		/* Plain relative names: nothing to walk out with. */
		ck_assert_msg(m[i].name[0] != '/' && strstr(m[i].name, "..") == NULL &&
		    strstr(m[i].name, "//") == NULL, "bad name %s", m[i].name);
		ck_assert_msg(m[i].len > 0, "%s is empty", m[i].name);
		/* The embedded copy ends in a NUL the length leaves out. */
		ck_assert_int_eq(m[i].data[m[i].len], 0);
		index += strcmp(m[i].name, "index.html") == 0;
		app += strcmp(m[i].name, "js/app.js") == 0;
		ck_assert_ptr_eq(www_lookup(m[i].name), NULL);
	}
	ck_assert_int_eq(index, 1);
	ck_assert_int_eq(app, 1);
}
END_TEST

START_TEST(test_lookup)
{
	const struct www_file	*f;

	ck_assert_ptr_nonnull(f = www_lookup("/"));
	ck_assert_str_eq(f->name, "index.html");
	ck_assert(strstr((const char *)f->data, "<!doctype html>") != NULL);
	ck_assert_ptr_nonnull(f = www_lookup("/www/js/app.js"));
	ck_assert_str_eq(f->name, "js/app.js");
	ck_assert_ptr_nonnull(f = www_lookup("/www/js/screens/queue.js"));
	ck_assert_str_eq(f->name, "js/screens/queue.js");
	ck_assert_ptr_nonnull(www_lookup("/www/style.css"));
	ck_assert_ptr_nonnull(www_lookup("/www/index.html"));
}
END_TEST

START_TEST(test_refused)
{
	static const char *const bad[] = {
		"", "www/js/app.js", "/www", "/www/", "/www/js", "/www/js/",
		"/www/js/app.js/", "/www//js/app.js", "/www/./js/app.js",
		"/www/js/../js/app.js", "/www/../www/js/app.js", "/www/..",
		"/www/%2e%2e/pcod.conf", "/www/js%2fapp.js", "/www/js/app.js?x=1",
		"/www/js/app.js%00", "/www/JS/APP.JS", "/index.html", "//",
		"/js/app.js", "/www/js/app.jsx", "/www/js/app.j", "/www/embed.sh",
		"/www/PLAN.md", "/www/../../etc/passwd", "/www/js/screens",
		"/www/js/screens/", "/.", "/..", "/www/\\js\\app.js",
	};
	size_t	i;

	ck_assert_ptr_eq(www_lookup(NULL), NULL);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(www_lookup(bad[i]) == NULL, "%s was served", bad[i]);
}
END_TEST

START_TEST(test_ctype)
{
	ck_assert_str_eq(www_ctype("index.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(www_ctype("js/app.js"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(www_ctype("style.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(www_ctype("icon.svg"), "image/svg+xml");
	ck_assert_str_eq(www_ctype("x.bin"), "application/octet-stream");
	ck_assert_str_eq(www_ctype(".js"), "application/octet-stream");
	ck_assert_str_eq(www_ctype("js"), "application/octet-stream");
}
END_TEST

START_TEST(test_installed_preferred)
{
	const struct www_file	*f = www_lookup("/");
	struct www_content	 c, d;
	char			 sub[128];

	/* No directory given, or none there: the built-in copy. */
	ck_assert_int_eq(www_content(NULL, f, &c), 0);
	ck_assert_ptr_eq(c.data, f->data);
	ck_assert_uint_eq(c.len, f->len);
	ck_assert_int_eq(www_content("/nonexistent/www", f, &d), 0);
	ck_assert_str_eq(c.etag, d.etag);
	www_content_free(&d);
	ck_assert_int_eq(www_content(tmpdir, f, &d), 0);
	www_content_free(&d);
	/* An installed copy wins, with its own ETag. */
	put("index.html", "<p>installed</p>", 16);
	ck_assert_int_eq(www_content(tmpdir, f, &d), 1);
	ck_assert_uint_eq(d.len, 16);
	ck_assert(memcmp(d.data, "<p>installed</p>", 16) == 0);
	ck_assert_str_ne(c.etag, d.etag);
	ck_assert_uint_eq(strlen(d.etag), WWW_ETAG_SIZE - 1);
	ck_assert(d.etag[0] == '"' && d.etag[WWW_ETAG_SIZE - 2] == '"');
	www_content_free(&d);
	www_content_free(&c);
	/* A file in a subdirectory. */
	snprintf(sub, sizeof sub, "%s/js", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	put("js/app.js", "", 0);
	ck_assert_int_eq(www_content(tmpdir, www_lookup("/www/js/app.js"), &d), 1);
	ck_assert_uint_eq(d.len, 0);
	www_content_free(&d);
}
END_TEST

START_TEST(test_installed_refused)
{
	const struct www_file	*f = www_lookup("/www/style.css");
	struct www_content	 c;
	char			 path[256];
	char			*big;

	/* A directory, a FIFO (must not hang open()), an oversized file:
	 * each leaves the built-in copy. */
	snprintf(path, sizeof path, "%s/style.css", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(www_content(tmpdir, f, &c), 0);
	ck_assert_ptr_eq(c.data, f->data);
	www_content_free(&c);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(www_content(tmpdir, f, &c), 0);
	www_content_free(&c);
	ck_assert_int_eq(unlink(path), 0);
	big = calloc(1, WWW_MAX_FILE + 1);
	ck_assert_ptr_nonnull(big);
	put("style.css", big, WWW_MAX_FILE + 1);
	ck_assert_int_eq(www_content(tmpdir, f, &c), 0);
	ck_assert_uint_eq(c.len, f->len);
	www_content_free(&c);
	/* Exactly the cap is served. */
	put("style.css", big, WWW_MAX_FILE);
	ck_assert_int_eq(www_content(tmpdir, f, &c), 1);
	ck_assert_uint_eq(c.len, WWW_MAX_FILE);
	www_content_free(&c);
	free(big);
	/* Unreadable: built in. */
	put("style.css", "x", 1);
	ck_assert_int_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		ck_assert_int_eq(www_content(tmpdir, f, &c), 0);
		www_content_free(&c);
	}
	www_content_free(NULL);
}
END_TEST

START_TEST(test_etag_match)
{
	const char	*e = "\"0123456789abcdef0123456789abcdef\"";

	ck_assert(www_etag_match(e, e));
	ck_assert(www_etag_match("W/\"0123456789abcdef0123456789abcdef\"", e));
	ck_assert(www_etag_match("\"x\", \"0123456789abcdef0123456789abcdef\"", e));
	ck_assert(www_etag_match("\"x\",\"0123456789abcdef0123456789abcdef\" ", e));
	ck_assert(www_etag_match("*", e));
	ck_assert(!www_etag_match(NULL, e));
	ck_assert(!www_etag_match("", e));
	ck_assert(!www_etag_match("\"0123456789abcdef0123456789abcde\"", e));
	ck_assert(!www_etag_match("\"0123456789abcdef0123456789abcdef\"x", e));
	ck_assert(!www_etag_match("0123456789abcdef0123456789abcdef", e));
	ck_assert(!www_etag_match(",,, ,", e));
}
END_TEST

static Suite *
www_suite(void)
{
	Suite	*s = suite_create("www");
	TCase	*tc = tcase_create("manifest");
	TCase	*td = tcase_create("installed");

	tcase_add_test(tc, test_manifest);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_ctype);
	tcase_add_test(tc, test_etag_match);
	tcase_add_checked_fixture(td, setup, teardown);
	tcase_add_test(td, test_installed_preferred);
	tcase_add_test(td, test_installed_refused);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, td);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(www_suite());
	int	 failed;

	log_init(1, LOG_LVL_WARN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
