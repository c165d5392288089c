/* check_seen.c - unit tests for the retransmission keys in memory and their start-up load. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "event.h"
#include "seen.h"
#include "store.h"
#include "store_seen.h"
#include "tmpstore.h"

/* A hit, a miss on each part of the key, and the window's edge. */
START_TEST(test_seen_basic)
{
	struct seen	*s = seen_new(1000);

	seen_add(s, "1234", 7, 0xabcdefULL, 5000);
	ck_assert_int_eq(seen_lookup(s, "1234", 7, 0xabcdefULL, 0), 1);
	ck_assert_int_eq(seen_lookup(s, "1234", 7, 0xabcdefULL, 5000), 1);
	ck_assert_int_eq(seen_lookup(s, "1234", 7, 0xabcdefULL, 5001), 0);
	ck_assert_int_eq(seen_lookup(s, "1234", 8, 0xabcdefULL, 0), 0);
	ck_assert_int_eq(seen_lookup(s, "1235", 7, 0xabcdefULL, 0), 0);
	ck_assert_int_eq(seen_lookup(s, "123", 7, 0xabcdefULL, 0), 0);
	ck_assert_int_eq(seen_lookup(s, "12345", 7, 0xabcdefULL, 0), 0);
	ck_assert_int_eq(seen_lookup(s, "1234", 7, 0xabcdeeULL, 0), 0);
	ck_assert_uint_eq(seen_count(s), 1);
	seen_free(s);
	seen_free(NULL);
}
END_TEST

/* What the set cannot know it says so (-1), never a wrong "new". */
START_TEST(test_seen_expire_and_unknown)
{
	struct seen	*s = seen_new(1000);

	seen_add(s, "1234", 1, 1, 1000);
	seen_add(s, "1234", 2, 2, 2000);
	seen_add(s, "1234", 3, 3, 3000);
	seen_expire(s, 2500);
	ck_assert_uint_eq(seen_count(s), 1);
	ck_assert_int_eq(seen_lookup(s, "1234", 3, 3, 2500), 1);
	/* the window moved on: the expired keys were older than it anyway */
	ck_assert_int_eq(seen_lookup(s, "1234", 2, 2, 2500), 0);
	/* the clock stepped back: the window ends where keys expired */
	ck_assert_int_eq(seen_lookup(s, "1234", 2, 2, 1500), 0);
	ck_assert_int_eq(seen_lookup(s, "1234", 3, 3, 1500), 1);
	/* start-up: only what was read back is known */
	seen_forget_before(s, 10000);
	ck_assert_int_eq(seen_lookup(s, "1234", 9, 9, 9999), -1);
	ck_assert_int_eq(seen_lookup(s, "1234", 9, 9, 10000), 0);
	ck_assert_int_eq(seen_lookup(s, "1234", 3, 3, 0), 1);
	/* a read-back starting: what expired may be read back, not known */
	ck_assert_int_eq(seen_lookup(s, "1234", 2, 2, 1500), -1);
	ck_assert_int_eq(seen_load(s, "1234", 2, 2, 2000), 0);
	ck_assert_int_eq(seen_lookup(s, "1234", 2, 2, 1500), 1);
	/* read back from 1200 on: known from there */
	seen_known_from(s, 1200);
	ck_assert_int_eq(seen_lookup(s, "1234", 9, 9, 1200), 0);
	ck_assert_int_eq(seen_lookup(s, "1234", 9, 9, 1199), -1);
	/* keys that do not fit are not held, and say so */
	ck_assert_int_eq(seen_add(s, "12345678901234567", 1, 1, 30000), -1);
	ck_assert_int_eq(seen_add(s, "1234", 70000, 1, 30000), -1);
	ck_assert_int_eq(seen_add(s, "1234", -1, 1, 30000), -1);
	ck_assert_int_eq(seen_load(s, "12345678901234567", 1, 1, 30000), -1);
	ck_assert_int_eq(seen_lookup(s, "12345678901234567", 1, 1, 20000), 0);
	ck_assert_uint_eq(seen_count(s), 2);
	seen_free(s);
}
END_TEST

/*
 * At the ceiling a new key is refused, not made room for: every key held
 * stays exact, the oldest included; expiry and rollback make room again,
 * and the read-back (seen_load) may go past the ceiling.
 */
START_TEST(test_seen_ceiling)
{
	struct seen	*s = seen_new(20);
	uint32_t	 mark;
	int		 i;

	for (i = 0; i < 20; i++)
		ck_assert_int_eq(seen_add(s, "ABC", i, (uint64_t)i * 77,
		    1000 + i), 0);
	for (i = 20; i < 100; i++)
		ck_assert_int_eq(seen_add(s, "ABC", i, (uint64_t)i * 77,
		    1000 + i), -1);
	ck_assert_uint_eq(seen_count(s), 20);
	/* the oldest were not dropped: exact answers for every one held */
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(seen_lookup(s, "ABC", i, (uint64_t)i * 77, 0), 1);
	/* the refused are not claimed: the caller asks the store for them */
	ck_assert_int_eq(seen_lookup(s, "ABC", 20, 20 * 77, 0), 0);
	ck_assert_int_eq(seen_lookup(s, "ABC", 99, 99 * 77, 0), 0);
	/* expiry makes room */
	seen_expire(s, 1005);
	ck_assert_uint_eq(seen_count(s), 15);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(seen_add(s, "ABD", i, i, 2000 + i), 0);
	ck_assert_int_eq(seen_add(s, "ABD", 5, 5, 2005), -1);
	/* a rollback too */
	mark = seen_mark(s) - 2;
	seen_rollback(s, mark);
	ck_assert_int_eq(seen_lookup(s, "ABD", 4, 4, 0), 0);
	ck_assert_int_eq(seen_add(s, "ABD", 6, 6, 2006), 0);
	ck_assert_int_eq(seen_add(s, "ABD", 7, 7, 2007), 0);
	ck_assert_int_eq(seen_add(s, "ABD", 8, 8, 2008), -1);
	/* read back: past the ceiling, all exact */
	for (i = 0; i < 50; i++)
		ck_assert_int_eq(seen_load(s, "XYZ", i, i, 3000), 0);
	ck_assert_uint_eq(seen_count(s), 70);
	for (i = 0; i < 50; i++)
		ck_assert_int_eq(seen_lookup(s, "XYZ", i, i, 3000), 1);
	ck_assert_int_eq(seen_lookup(s, "ABC", 19, 19 * 77, 0), 1);
	ck_assert_int_eq(seen_add(s, "ABD", 9, 9, 2009), -1);
	seen_free(s);
}
END_TEST

/* A failed batch's keys are forgotten; the committed ones stay, colliding or not. */
START_TEST(test_seen_rollback)
{
	struct seen	*s = seen_new(1 << 16);
	uint32_t	 mark;
	int		 i;

	for (i = 0; i < 3000; i++)
		seen_add(s, "1234", i % 10, (uint64_t)i, 1000);
	mark = seen_mark(s);
	/* same account and seq as committed keys: the same buckets' chains */
	for (i = 3000; i < 6000; i++)
		seen_add(s, "1234", i % 10, (uint64_t)i, 1000);
	ck_assert_int_eq(seen_lookup(s, "1234", 5, 5005, 0), 1);
	seen_rollback(s, mark);
	ck_assert_uint_eq(seen_count(s), 3000);
	for (i = 0; i < 3000; i++)
		ck_assert_int_eq(seen_lookup(s, "1234", i % 10, (uint64_t)i, 0), 1);
	for (i = 3000; i < 6000; i++)
		ck_assert_int_eq(seen_lookup(s, "1234", i % 10, (uint64_t)i, 0), 0);
	/* the positions are reused cleanly */
	seen_add(s, "1234", 1, 123456, 2000);
	ck_assert_int_eq(seen_lookup(s, "1234", 1, 123456, 0), 1);
	ck_assert_int_eq(seen_lookup(s, "1234", 1, 3001, 0), 0);
	/* rolling back past what expired stops at the oldest held */
	seen_expire(s, 1500);
	seen_rollback(s, mark - 5000);
	ck_assert_uint_eq(seen_count(s), 0);
	ck_assert_int_eq(seen_lookup(s, "1234", 1, 1, 0), 0);
	seen_free(s);
}
END_TEST

/* It grows under load and gives the memory back when the window empties. */
START_TEST(test_seen_grow_shrink)
{
	struct seen	*s = seen_new(1 << 20);
	size_t		 small = seen_bytes(s);
	char		 acct[17];
	int		 i;

	for (i = 0; i < 200000; i++) {
		snprintf(acct, sizeof(acct), "%X", 0x1000 + i % 500);
		seen_add(s, acct, i % 9999 + 1, (uint64_t)i * 2654435761ULL, i);
	}
	ck_assert_uint_eq(seen_count(s), 200000);
	ck_assert_uint_gt(seen_bytes(s), 200000 * 40);
	for (i = 0; i < 200000; i += 997) {
		snprintf(acct, sizeof(acct), "%X", 0x1000 + i % 500);
		ck_assert_int_eq(seen_lookup(s, acct, i % 9999 + 1,
		    (uint64_t)i * 2654435761ULL, 0), 1);
	}
	for (i = 0; i < 40; i++)
		seen_expire(s, 199990);
	ck_assert_uint_eq(seen_count(s), 10);
	ck_assert_uint_eq(seen_bytes(s), small);
	snprintf(acct, sizeof(acct), "%X", 0x1000 + 199995 % 500);
	ck_assert_int_eq(seen_lookup(s, acct, 199995 % 9999 + 1,
	    199995ULL * 2654435761ULL, 199990), 1);
	seen_free(s);
}
END_TEST

/* The naive model: the keys held are m[lo..n), in the order added. */
struct model {
	char		acct[4];
	int		seq;
	uint64_t	digest;
	int64_t		ms;
};

/* Random adds, lookups, expiries and rollbacks against the naive model. */
START_TEST(test_seen_model)
{
	enum { OPS = 100000, MAX = 24 };
	struct model	*m = calloc(OPS, sizeof(*m));
	struct seen	*s = seen_new(MAX);
	int64_t		 now = 0, since = 0, dropped = INT64_MIN, q;
	size_t		 n = 0, lo = 0, mark_n = 0, i;
	uint32_t	 mark = seen_mark(s);
	int		 op, got, want, asked = 0, refused = 0;

	srand(11);
	for (op = 0; op < OPS; op++) {
		int		 r = rand() % 100;
		char		 acct[4];
		int		 seq = rand() % 8;
		uint64_t	 dg = (uint64_t)(rand() % 8);

		snprintf(acct, sizeof(acct), "%c%c%c", 'A' + rand() % 2, 'B', 'C');
		now += rand() % 3;
		if (r < 45) {
			/* full: refused, nothing dropped */
			want = n - lo == MAX ? -1 : 0;
			ck_assert_int_eq(seen_add(s, acct, seq, dg, now), want);
			refused += want == -1;
			if (want == -1)
				continue;
			memcpy(m[n].acct, acct, 4);
			m[n].seq = seq;
			m[n].digest = dg;
			m[n].ms = now;
			n++;
		} else if (r < 90) {
			q = since + rand() % 50 - 10;
			got = seen_lookup(s, acct, seq, dg, q);
			/* a window reaching past what expired ends at it */
			if (q <= dropped)
				q = dropped + 1;
			want = 0;
			for (i = lo; i < n; i++)
				if (m[i].seq == seq && m[i].digest == dg &&
				    m[i].ms >= q && strcmp(m[i].acct, acct) == 0)
					want = 1;
			ck_assert_int_eq(got, want);
			asked++;
		} else if (r < 95) {
			since = now - (rand() % 2 ? 40 : 1000);
			seen_expire(s, since);
			while (lo < n && m[lo].ms < since) {
				if (m[lo].ms > dropped)
					dropped = m[lo].ms;
				lo++;
			}
		} else if (r < 98) {
			mark = seen_mark(s);
			mark_n = n;
		} else {
			seen_rollback(s, mark);
			n = mark_n > lo ? mark_n : lo;
		}
		ck_assert_uint_eq(seen_count(s), n - lo);
	}
	/* lookups, and adds refused at the ceiling, were exercised */
	ck_assert_int_gt(asked, 1000);
	ck_assert_int_gt(refused, 10);
	seen_free(s);
	free(m);
}
END_TEST

static struct tmpstore	 ts;

/* A frame of account acct, seq and digest received at ms. */
static void
mkframe(struct store_frame *f, const char *acct, int seq, const char *digest,
    int64_t ms)
{
	memset(f, 0, sizeof(*f));
	f->received_ms = ms;
	f->transport = "tcp";
	f->peer = "127.0.0.1:5555";
	f->account = acct;
	f->token = "SIA-DCS";
	f->seq = seq;
	f->rcvr = "";
	f->line = "0";
	f->raw = "x";
	f->raw_len = 1;
	f->digest = digest;
}

/* Store such a frame with a row of its own. */
static void
addframe(struct store *st, const char *acct, int seq, const char *digest,
    int64_t ms)
{
	struct store_frame	f;

	mkframe(&f, acct, seq, digest, ms);
	ck_assert_int_gt(store_frame_add(st, &f), 0);
}

struct got {
	int	n;
	int	first_seq;
	int	nodigest;
	int	retx;
	int	events;		/* rows read from the events table */
	int	last_seq;	/* of the last keyed row */
	int64_t	last_id[2];	/* frames, events */
};

static void
collect(void *arg, const char *table, int64_t id, const char *account,
    int seq, const char *digest, int64_t ms, int retx)
{
	struct got	*g = arg;
	int		 t = strcmp(table, "events") == 0;

	(void)account;
	(void)ms;
	ck_assert(t || strcmp(table, "frames") == 0);
	g->retx += retx;
	g->events += t;
	if (g->n++ == 0)
		g->first_seq = seq;
	ck_assert_int_gt(id, g->last_id[t]);
	/* frames first, then events */
	ck_assert(t || g->last_id[1] == 0);
	g->last_id[t] = id;
	if (digest == NULL)
		g->nodigest++;
	else
		g->last_seq = seq;
}

/* Read the window from from_ms back in chunks of chunk, as ingest does. */
static void
readback(struct store *st, int64_t from_ms, int chunk, struct got *g)
{
	struct store_window	w;
	int			n, steps = 0;

	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(store_frame_window(st, from_ms, &w), 0);
	while (!store_window_done(&w)) {
		n = store_frame_keys(st, &w, chunk, collect, g);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(n, chunk);
		ck_assert_int_lt(++steps, 100000);
	}
}

/* The window is found by id and read in the order stored, in chunks. */
START_TEST(test_store_recent)
{
	struct store	*st = tmpstore_open(&ts, "check_seen");
	struct got		 g;
	struct store_window	 w;
	int			 i;

	ck_assert_int_eq(store_frame_window(st, 0, &w), 0);
	ck_assert(store_window_done(&w));
	for (i = 1; i <= 1000; i++)
		addframe(st, "1234", i, i == 999 ? NULL : "00000000000000ab",
		    (int64_t)i * 10);
	readback(st, 9000, 7, &g);
	ck_assert_int_eq(g.n, 101);
	ck_assert_int_eq(g.first_seq, 900);
	ck_assert_int_eq(g.nodigest, 1);
	readback(st, 9001, 1000, &g);
	ck_assert_int_eq(g.first_seq, 901);
	readback(st, 0, 64, &g);
	ck_assert_int_eq(g.n, 1000);
	readback(st, 100000, 64, &g);
	ck_assert_int_eq(g.n, 0);
	/* frames stored after the window was found are not read back */
	ck_assert_int_eq(store_frame_window(st, 9995, &w), 0);
	addframe(st, "1234", 1001, "00000000000000ab", 10010);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(store_frame_keys(st, &w, 100, collect, &g), 1);
	ck_assert_int_eq(store_frame_keys(st, &w, 100, collect, &g), 0);
	ck_assert(store_window_done(&w));
	ck_assert_int_eq(g.first_seq, 1000);
	/* a frame stored past memory's ceiling is read back as such */
	ck_assert_int_eq(g.retx, 0);
	{
		struct store_frame	f;

		mkframe(&f, "1234", 1002, "00000000000000ab", 10020);
		f.retx = 1;
		ck_assert_int_gt(store_frame_add(st, &f), 0);
	}
	readback(st, 10015, 100, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(g.retx, 1);
	ck_assert_int_eq(g.first_seq, 1002);
	tmpstore_remove(&ts, st);
}
END_TEST

/* A frame of account acct with one event, sharing its row (schema 17). */
static int64_t
addinline(struct store *st, const char *acct, int seq, const char *digest,
    int64_t ms, int retx)
{
	struct store_frame	f;
	struct event		e;
	int64_t			id;

	mkframe(&f, acct, seq, digest, ms);
	f.retx = retx;
	memset(&e, 0, sizeof(e));
	strcpy(e.format, "SIA");
	strcpy(e.code, "BA");
	e.zone = e.user = e.partition = e.peripheral = -1;
	id = store_event_add(st, 0, &f, &e);
	ck_assert_msg(id > 0, "%s", store_errmsg(st));
	return id;
}

/*
 * The window spans both row shapes: frames with rows of their own (and
 * their events, which have no key), and frames sharing their event's row.
 */
START_TEST(test_store_recent_inline)
{
	struct store	*st = tmpstore_open(&ts, "check_seen_inline");
	struct store_frame f;
	struct event	 e;
	struct got	 g;
	int64_t		 fid;
	int		 i;

	/* before schema 17: a frame row and its event, 100 of them */
	for (i = 1; i <= 100; i++) {
		addframe(st, "1234", i, "00000000000000ab", (int64_t)i * 10);
		memset(&f, 0, sizeof(f));
		f.account = "1234";
		f.received_ms = (int64_t)i * 10;
		memset(&e, 0, sizeof(e));
		strcpy(e.format, "SIA");
		strcpy(e.code, "BA");
		e.zone = e.user = e.partition = e.peripheral = -1;
		ck_assert_int_gt(store_event_add(st, i, &f, &e), 0);
	}
	/* then one row a frame, one of them past memory's ceiling */
	for (i = 101; i <= 300; i++)
		addinline(st, "1234", i, "00000000000000ab", (int64_t)i * 10,
		    i == 250);
	readback(st, 0, 7, &g);
	ck_assert_int_eq(g.n, 400);		/* 100 frames, 300 events */
	ck_assert_int_eq(g.events, 300);
	ck_assert_int_eq(g.nodigest, 100);	/* the framed events */
	ck_assert_int_eq(g.retx, 1);
	ck_assert_int_eq(g.last_seq, 300);
	/* a window that starts among the inline rows: no frame row in it */
	readback(st, 2000, 64, &g);
	ck_assert_int_eq(g.n, 101);
	ck_assert_int_eq(g.events, 101);
	ck_assert_int_eq(g.first_seq, 200);
	/* and one that starts among the framed ones */
	readback(st, 950, 1000, &g);
	ck_assert_int_eq(g.n, 6 + 206);
	ck_assert_int_eq(g.first_seq, 95);
	/* the store answers for the inline frame past the ceiling */
	ck_assert_int_eq(store_frame_seen(st, "1234", 250, "00000000000000ab",
	    0), 1);
	ck_assert_int_eq(store_frame_seen(st, "1234", 250, "00000000000000ab",
	    2501), 0);
	ck_assert_int_eq(store_frame_seen(st, "1234", 249, "00000000000000ab",
	    0), 0);
	fid = addinline(st, "5678", 1, "00000000000000cd", 5000, 0);
	ck_assert_int_gt(fid, 300);
	tmpstore_remove(&ts, st);
}
END_TEST

static Suite *
seen_suite(void)
{
	Suite	*s = suite_create("seen");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_seen_basic);
	tcase_add_test(tc, test_seen_expire_and_unknown);
	tcase_add_test(tc, test_seen_ceiling);
	tcase_add_test(tc, test_seen_rollback);
	tcase_add_test(tc, test_seen_grow_shrink);
	tcase_add_test(tc, test_seen_model);
	tcase_add_test(tc, test_store_recent);
	tcase_add_test(tc, test_store_recent_inline);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(seen_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
