/* check_migrate.c - migrate-store's tables and arguments (src/migrate.c). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sqlite3.h>

#include "migrate.h"
#include "sql_pg_schema.h"
#include "store.h"
#include "tmpstore.h"

static struct tmpstore	ts;

/* The classes the man page promises. */
START_TEST(test_classes)
{
	ck_assert_int_eq(migrate_table_class("events"), MIGRATE_APPEND);
	ck_assert_int_eq(migrate_table_class("frames"), MIGRATE_APPEND);
	ck_assert_int_eq(migrate_table_class("audit"), MIGRATE_APPEND);
	ck_assert_int_eq(migrate_table_class("alarm_events"), MIGRATE_APPEND);
	ck_assert_int_eq(migrate_table_class("patrol_checkins"), MIGRATE_APPEND);
	ck_assert_int_eq(migrate_table_class("accounts"), MIGRATE_SYNC);
	ck_assert_int_eq(migrate_table_class("alarms"), MIGRATE_SYNC);
	ck_assert_int_eq(migrate_table_class("audit_anchor"), MIGRATE_SYNC);
	ck_assert_int_eq(migrate_table_class("sessions"), MIGRATE_SYNC);
	ck_assert_int_eq(migrate_table_class("schema_version"), MIGRATE_SKIP);
	ck_assert_int_eq(migrate_table_class("lease"), MIGRATE_SKIP);
	ck_assert_int_eq(migrate_table_class("receivers"), MIGRATE_SKIP);
	ck_assert_int_eq(migrate_table_class("archive_info"), MIGRATE_UNKNOWN);
	ck_assert_int_eq(migrate_table_class(""), MIGRATE_UNKNOWN);
	ck_assert_int_eq(migrate_table_class("Events"), MIGRATE_UNKNOWN);
}
END_TEST

/*
 * Every table of a store at this pcod's SQLite schema is copied or skipped
 * by name: a migration that adds a table fails here until migrate.c
 * classifies it.
 */
START_TEST(test_sqlite_schema_known)
{
	struct store	*st = tmpstore_open(&ts, "check_migrate");
	sqlite3		*db;
	sqlite3_stmt	*q;
	int		 n = 0;
	const char	*name;

	ck_assert_int_eq(sqlite3_open_v2(ts.path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master"
	    " WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'",
	    -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(q, 0);
		ck_assert_msg(migrate_table_class(name) != MIGRATE_UNKNOWN,
		    "table %s is neither copied nor skipped by migrate-store",
		    name);
		n++;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	ck_assert_int_ge(n, 20);
	tmpstore_remove(&ts, st);
}
END_TEST

/* The same for every CREATE TABLE of the PostgreSQL schema (sql/pg/). */
START_TEST(test_pg_schema_known)
{
	const char	*p;
	char		 name[64];
	size_t		 i, k;
	int		 n = 0;

	for (i = 0; i < sizeof(sql_pg_migrations) /
	    sizeof(sql_pg_migrations[0]); i++) {
		for (p = sql_pg_migrations[i]; (p = strstr(p, "CREATE TABLE "))
		    != NULL;) {
			p += strlen("CREATE TABLE ");
			if (strncmp(p, "IF NOT EXISTS ", 14) == 0)
				p += 14;
			for (k = 0; k < sizeof(name) - 1 && (isalnum(
			    (unsigned char)p[k]) || p[k] == '_'); k++)
				name[k] = p[k];
			name[k] = '\0';
			ck_assert_msg(migrate_table_class(name) !=
			    MIGRATE_UNKNOWN, "sql/pg: table %s is neither copied"
			    " nor skipped by migrate-store", name);
			n++;
		}
	}
	ck_assert_int_ge(n, 20);
}
END_TEST

/* Wrong arguments are usage errors (2) before anything is opened. */
START_TEST(test_usage)
{
	char	*none[] = { "migrate-store", NULL };
	char	*swapped[] = { "migrate-store", "postgresql://u@h/db",
	    "/tmp/x.db", NULL };
	char	*notpg[] = { "migrate-store", "/tmp/x.db", "/tmp/y.db", NULL };
	char	*pw[] = { "migrate-store", "/tmp/x.db",
	    "postgresql://u:secret@h/db", NULL };
	char	*pw2[] = { "migrate-store", "/tmp/x.db",
	    "postgresql://u@h/db?password=secret", NULL };

	ck_assert_int_eq(migrate_store_main(1, none), 2);
	ck_assert_int_eq(migrate_store_main(3, swapped), 2);
	ck_assert_int_eq(migrate_store_main(3, notpg), 2);
	ck_assert_int_eq(migrate_store_main(3, pw), 2);
	ck_assert_int_eq(migrate_store_main(3, pw2), 2);
}
END_TEST

static Suite *
migrate_suite(void)
{
	Suite	*s = suite_create("migrate");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_sqlite_schema_known);
	tcase_add_test(tc, test_pg_schema_known);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(migrate_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
