/*
 * patrolbench.c - cost of the patrol compliance engine: 10,000 routes, each
 * with a shift on duty and the scans of a night so far (one round walked,
 * the next one half-way, a few patrol scans), each evaluated once per run.
 * Prints evaluations/s and microseconds per evaluation, the median of 3 runs.
 *
 *   tests/bench/patrolbench [routes] [runs]
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "patrol.h"
#include "xmalloc.h"

#define BENCH_ROUTES	10000
#define BENCH_RUNS	3
#define BENCH_CPS	8		/* checkpoints of a route */
#define BENCH_SCANS	64
#define MIN_MS		60000LL

/* One route on duty: its shift and the scans so far. */
struct bench_route {
	struct patrol_route	*route;
	struct patrol_shift	 sh;
	struct patrol_scan	 scans[BENCH_SCANS];
	size_t			 nscans;
};

/* A route document with BENCH_CPS checkpoints, tags made unique by i. */
static json_t *
bench_doc(int i)
{
	json_t	*cps = json_array(), *doc;
	char	 tag[32], name[32];
	int	 j;

	for (j = 0; j < BENCH_CPS; j++) {
		snprintf(tag, sizeof(tag), "%08X", i * BENCH_CPS + j);
		snprintf(name, sizeof(name), "Checkpoint %d", j + 1);
		json_array_append_new(cps, json_pack("{s:s,s:s,s:i,s:i,s:[s]}",
		    "tag", tag, "name", name, "min_gap", 30, "max_gap", 900,
		    "tasks", "look around"));
	}
	doc = json_pack("{s:s,s:i,s:s,s:i,s:i,s:o,s:[{s:s,s:s,s:s,s:i}]}",
	    "name", "night", "site", i + 1, "order", "strict", "min_round", 900,
	    "silent", 3600, "checkpoints", cps, "schedule", "days", "mon-sun",
	    "from", "18:00", "to", "06:00", "rounds", 4);
	return doc;
}

/* Add a scan of cp at t. */
static void
bench_scan(struct bench_route *b, int64_t t, int cp)
{
	struct patrol_scan	*s = &b->scans[b->nscans];

	s->id = (int64_t)b->nscans + 1;
	s->scan_ms = s->recv_ms = t;
	s->cp = cp;
	s->guard_id = 7;
	b->nscans++;
}

/* Route i, its shift starting on 15 January 2027, and its scans until now. */
static void
bench_setup(struct bench_route *b, int i, const struct tz_rule *tz)
{
	json_t	*doc = bench_doc(i);
	char	 err[256];
	int64_t	 t;
	int	 j;

	if ((b->route = patrol_route_parse(doc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "patrolbench: route: %s\n", err);
		exit(1);
	}
	json_decref(doc);
	if (patrol_shifts(b->route, tz, NULL, tz_from_local(tz, 2027, 1, 15,
	    19 * 3600), tz_from_local(tz, 2027, 1, 15, 19 * 3600) + 1, &b->sh,
	    1) != 1) {
		fprintf(stderr, "patrolbench: no shift\n");
		exit(1);
	}
	t = b->sh.start_ms + 20 * MIN_MS + (i % 37) * MIN_MS;
	for (j = 0; j < BENCH_CPS; j++)
		bench_scan(b, t + j * 4 * MIN_MS, j);
	bench_scan(b, t + 50 * MIN_MS, -1);
	bench_scan(b, t + 70 * MIN_MS, 3);
	t = b->sh.start_ms + 3 * 60 * MIN_MS + 5 * MIN_MS;
	for (j = 0; j < BENCH_CPS / 2 + i % 3; j++)
		bench_scan(b, t + j * 5 * MIN_MS, j);
	bench_scan(b, t + 2 * MIN_MS, 1);		/* a duplicate read */
}

/* Seconds on the monotonic clock. */
static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One run: evaluate every route once at now; the seconds it took. */
static double
bench_run(struct bench_route *b, int n, int64_t now, long *findings)
{
	struct patrol_result	res;
	double			t0 = bench_now();
	int			i;

	*findings = 0;
	for (i = 0; i < n; i++) {
		if (patrol_evaluate(b[i].route, &b[i].sh, b[i].scans,
		    b[i].nscans, now, &res) != 0) {
			fprintf(stderr, "patrolbench: evaluate failed\n");
			exit(1);
		}
		*findings += res.nfindings;
		patrol_result_free(&res);
	}
	return bench_now() - t0;
}

/* qsort: doubles ascending. */
static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct bench_route	*b;
	struct tz_rule		*tz;
	double			 secs[16], med;
	long long		 n = BENCH_ROUTES, runs = BENCH_RUNS;
	long			 findings = 0;
	const char		*errstr;
	int64_t			 now;
	int			 i;

	if ((argc > 1 && xstrtonum(argv[1], 10, 1, 1000000, &n, &errstr)) ||
	    (argc > 2 && xstrtonum(argv[2], 10, 1, 16, &runs, &errstr))) {
		fprintf(stderr, "usage: patrolbench [routes 1-1000000] [runs 1-16]\n");
		return 2;
	}
	tz = tz_parse("CET-1CEST,M3.5.0,M10.5.0/3", NULL, 0);
	b = xcalloc((size_t)n, sizeof(*b));
	for (i = 0; i < n; i++)
		bench_setup(&b[i], i, tz);
	now = b[0].sh.start_ms + 4 * 60 * MIN_MS;
	for (i = 0; i < runs; i++)
		secs[i] = bench_run(b, n, now, &findings);
	qsort(secs, (size_t)runs, sizeof(secs[0]), bench_cmp);
	med = secs[runs / 2];
	printf("patrol: %lld routes on duty, %d checkpoints, %zu scans each, "
	    "%ld findings per run\n", n, BENCH_CPS, b[0].nscans, findings);
	printf("patrol: %.0f evaluations/s, %.2f us per evaluation (median of "
	    "%lld runs)\n", n / med, med * 1e6 / n, runs);
	for (i = 0; i < n; i++)
		patrol_route_free(b[i].route);
	free(b);
	tz_free(tz);
	return 0;
}
