/* check_store_patrol.c - guard patrols in the store: guards, routes, check-ins, findings. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "site.h"
#include "store.h"
#include "store_patrol.h"
#include "tmpstore.h"

#define T0	1767225600000LL		/* 2026-01-01T00:00:00Z */

static struct tmpstore	 ts;
static struct store	*st;
static int64_t		 site1, site2;

/* A store with two sites, inside an open transaction. */
static void
setup(void)
{
	json_t	*f;

	st = tmpstore_open(&ts, "check_store_patrol");
	ck_assert_int_eq(store_begin(st), 0);
	f = json_pack("{s:s}", "name", "Warehouse");
	ck_assert_int_gt(site1 = store_site_add(st, f), 0);
	json_decref(f);
	f = json_pack("{s:s}", "name", "Depot");
	ck_assert_int_gt(site2 = store_site_add(st, f), 0);
	json_decref(f);
}

/* Roll back and remove the store. */
static void
teardown(void)
{
	store_rollback(st);
	tmpstore_remove(&ts, st);
}

/* A guard named name; its id. */
static int64_t
guard(const char *name)
{
	json_t	*f = json_pack("{s:s}", "name", name);
	int64_t	 id = store_patrol_guard_add(st, f, T0);

	json_decref(f);
	ck_assert_int_gt(id, 0);
	return id;
}

START_TEST(test_guard_ids)
{
	int64_t	 a = guard("Ann"), b = guard("Bob"), bad = 0;
	json_t	*ids = json_pack("[s,s]", "PHONE-1", "Tag-9"), *g, *sites;
	char	*taken = NULL;

	ck_assert_int_eq(store_patrol_guard_ids(st, a, "device", ids, &taken), 0);
	ck_assert_int_eq(store_patrol_guard_find(st, "phone-1"), a);
	ck_assert_int_eq(store_patrol_guard_find(st, "TAG-9"), a);
	ck_assert_int_eq(store_patrol_guard_find(st, "nobody"), 0);
	/* Bob cannot take Ann's device, in any case; nothing of his changes. */
	json_decref(ids);
	ids = json_pack("[s,s]", "BOB-1", "tag-9");
	ck_assert_int_eq(store_patrol_guard_ids(st, b, "device", ids, &taken), 1);
	ck_assert_str_eq(taken, "tag-9");
	free(taken);
	ck_assert_int_eq(store_patrol_guard_find(st, "BOB-1"), 0);
	/* Replacing Ann's own list is fine. */
	json_decref(ids);
	ids = json_pack("[s]", "PHONE-2");
	ck_assert_int_eq(store_patrol_guard_ids(st, a, "device", ids, &taken), 0);
	ck_assert_int_eq(store_patrol_guard_find(st, "PHONE-1"), 0);
	json_decref(ids);
	sites = json_pack("[I,I,I]", (json_int_t)site1, (json_int_t)site1,
	    (json_int_t)site2);
	ck_assert_int_eq(store_patrol_guard_sites(st, a, sites, &bad), 0);
	json_decref(sites);
	sites = json_pack("[I]", (json_int_t)999);
	ck_assert_int_eq(store_patrol_guard_sites(st, a, sites, &bad), 1);
	ck_assert_int_eq(bad, 999);
	json_decref(sites);
	g = store_patrol_guard_brief(st, a, site2);
	ck_assert_int_eq(json_integer_value(json_object_get(g, "may")), 0);
	json_decref(g);
	ck_assert_int_eq(store_patrol_guard_remove(st, a), 0);
	ck_assert_int_eq(store_patrol_guard_remove(st, a), 1);
	ck_assert_int_eq(store_patrol_guard_find(st, "PHONE-2"), 0);
}
END_TEST

START_TEST(test_route_versions)
{
	int64_t	 id1, id2, other = 0, id;
	int	 v;
	json_t	*r;

	ck_assert_int_eq(store_patrol_route_put(st, "Night", site1, "{\"a\":1}",
	    "sup", T0, &id1, &v, &other), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(store_patrol_route_put(st, "Night", site1, "{\"a\":2}",
	    "sup", T0 + 1, &id2, &v, &other), 0);
	ck_assert_int_eq(v, 2);
	/* In force on site 1: not on site 2 under the same name. */
	ck_assert_int_eq(store_patrol_route_put(st, "Night", site2, "{}", "sup",
	    T0, &id, &v, &other), 1);
	ck_assert_int_eq(other, site1);
	r = store_patrol_route_get(st, STORE_PATROL_BATCH, "Night", 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "current")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r,
	    "doc"), "a")), 1);
	json_decref(r);
	r = store_patrol_route_current(st);
	ck_assert_int_eq(json_array_size(r), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(r, 0),
	    "id")), id2);
	json_decref(r);
	ck_assert_int_eq(store_patrol_route_retire(st, "Night", T0 + 2, &id), 0);
	ck_assert_int_eq(id, id2);
	ck_assert_int_eq(store_patrol_route_retire(st, "Night", T0 + 3, &id), 1);
	/* Retired, the name may go to another site. */
	ck_assert_int_eq(store_patrol_route_put(st, "Night", site2, "{}", "sup",
	    T0, &id, &v, &other), 0);
	ck_assert_int_eq(v, 3);
}
END_TEST

/* Count the scans the callback sees. */
static int
count_scan(const struct store_patrol_scan *s, void *arg)
{
	(*(int *)arg)++;
	ck_assert_ptr_nonnull(s->tag);
	return 0;
}

START_TEST(test_checkin_dedup)
{
	struct store_patrol_checkin	c;
	int64_t				id, id2, dup = 0;
	int				n = 0;

	memset(&c, 0, sizeof(c));
	c.received_ms = T0 + 5000;
	c.scan_ms = T0 + 1000;
	c.source = "socket";
	c.kind = "scan";
	c.device = c.tag = c.guard_ref = "";
	c.tag = "CP-1";
	c.site_id = site1;
	c.checkpoint = -1;
	c.dedup = "scan||D1|CP-1|1000";
	ck_assert_int_gt(id = store_patrol_checkin_add(st, &c, &dup), 0);
	ck_assert_int_eq(store_patrol_checkin_add(st, &c, &dup), 0);
	ck_assert_int_eq(dup, id);
	c.dedup = "scan||D1|CP-1|2000";
	c.scan_ms = T0 + 2000;
	ck_assert_int_gt(id2 = store_patrol_checkin_add(st, &c, &dup), id);
	c.dedup = "panic||D1||2000";
	c.kind = "panic";
	ck_assert_int_gt(store_patrol_checkin_add(st, &c, &dup), id2);
	/* Scans only, in [from, to), of the site. */
	ck_assert_int_eq(store_patrol_scans(st, STORE_PATROL_BATCH, site1, T0,
	    T0 + 2000, count_scan, &n), 0);
	ck_assert_int_eq(n, 1);
	n = 0;
	ck_assert_int_eq(store_patrol_scans(st, STORE_PATROL_BATCH, site1, T0,
	    T0 + 3000, count_scan, &n), 0);
	ck_assert_int_eq(n, 2);
	n = 0;
	ck_assert_int_eq(store_patrol_scans(st, STORE_PATROL_BATCH, site2, T0,
	    T0 + 3000, count_scan, &n), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_findings)
{
	json_t	*row = json_pack("{s:s,s:I,s:s,s:I,s:s,s:s,s:n,s:i,s:i,s:i,"
		    "s:I,s:n}", "route", "Night", "shift_ms", (json_int_t)T0,
		    "fkey", "r1.cp2.late", "site_id", (json_int_t)site1,
		    "kind", "cp_late", "text", "late", "guard_id", "checkpoint", 2,
		    "round", 1, "alarm_id", 7, "raised_ms", (json_int_t)T0 + 10,
		    "restored_ms");
	json_t	*rows;

	ck_assert_int_eq(store_patrol_finding_put(st, row), 0);
	json_object_set_new(row, "restored_ms", json_integer(T0 + 20));
	ck_assert_int_eq(store_patrol_finding_put(st, row), 0);
	rows = store_patrol_findings(st, "Night", T0);
	ck_assert_int_eq(json_array_size(rows), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rows,
	    0), "restored_ms")), T0 + 20);
	json_decref(rows);
	rows = store_patrol_findings(st, "Night", T0 + 1);
	ck_assert_int_eq(json_array_size(rows), 0);
	json_decref(rows);
	json_decref(row);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("store_patrol");
	TCase	*tc = tcase_create("store_patrol");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_guard_ids);
	tcase_add_test(tc, test_route_versions);
	tcase_add_test(tc, test_checkin_dedup);
	tcase_add_test(tc, test_findings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
