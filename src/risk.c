/*
 * risk.c - the risk assessment methods of a security plan, as numbers in
 * and bands out, and the pcod.conf mapping from bands to what an alarm
 * gets.  Pure: no I/O, no JSON; unit-tested in tests/unit/check_risk.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk.h"
#include "xmalloc.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define RISK_PRIORITY_MAX	8
#define RISK_BANDS_MAX		5

static const char *const matrix_names[] = { "least", "medium", "most" };
static const char *const matrix_texts[] = { "least significant", "medium",
    "most significant" };
static const char *const pnh_names[] = { "I", "II", "III", "IV", "V" };
static const char *const pnh_texts[] = { "unacceptable", "undesirable",
    "moderate", "acceptable", "negligible" };
static const char *const points_names[] = { "low", "medium", "high" };
static const char *const stage_names[] = { "perimeter", "attack", "opening",
    "space", "object" };
static const char *const method_names[] = { "matrix", "pnh", "points" };
static const char *const method_titles[] = { "matrix", "PNH", "points" };

/* The bands of each method, in its own numbering (pnh counts from 1). */
static const struct {
	const char *const	*names;
	int			 n;
	int			 first;
} method_bands[RISK_M_COUNT] = {
	[RISK_M_MATRIX] = { matrix_names, RISK_MATRIX_NBANDS, 0 },
	[RISK_M_PNH] = { pnh_names, RISK_PNH_NBANDS, 1 },
	[RISK_M_POINTS] = { points_names, RISK_POINTS_NBANDS, 0 },
};

/* One rule per method and band; lineno says where the file set it. */
struct risk_map {
	struct risk_rule	rule[RISK_M_COUNT][RISK_BANDS_MAX];
};

/* The default mapping, documented in pcod.conf(5). */
static const struct risk_rule risk_defaults[RISK_M_COUNT][RISK_BANDS_MAX] = {
	[RISK_M_MATRIX] = {
		[RISK_MATRIX_LEAST] = { 0, 100, 100, 1, 0 },
		[RISK_MATRIX_MEDIUM] = { 0, 100, 100, 2, 0 },
		[RISK_MATRIX_MOST] = { 1, 50, 100, 3, 0 },
	},
	[RISK_M_PNH] = {
		{ 2, 50, 50, 4, 0 }, { 1, 50, 100, 3, 0 }, { 0, 100, 100, 2, 0 },
		{ 0, 100, 100, 1, 0 }, { 0, 100, 100, 1, 0 },
	},
	[RISK_M_POINTS] = {
		[RISK_POINTS_LOW] = { 0, 100, 100, 1, 0 },
		[RISK_POINTS_MEDIUM] = { 0, 100, 100, 2, 0 },
		[RISK_POINTS_HIGH] = { 1, 50, 100, 3, 0 },
	},
};

/* --- the methods ---------------------------------------------------------- */

/* The lowest grade of the components; 0 for none or a bad one. */
int
risk_grade_system(const int *grades, size_t n)
{
	size_t	i;
	int	g = RISK_GRADE_MAX;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (grades[i] < RISK_GRADE_MIN || grades[i] > RISK_GRADE_MAX)
			return 0;
		if (grades[i] < g)
			g = grades[i];
	}
	return g;
}

/* P x I on the linear and the doubling scale. */
int
risk_matrix_score(int probability, int impact)
{
	if (probability < 1 || probability > 5)
		return -1;
	if (impact != 1 && impact != 2 && impact != 4 && impact != 8 &&
	    impact != 16)
		return -1;
	return probability * impact;
}

/* The band of the mean total / n, without rounding: > 30 most, >= 10 medium. */
int
risk_matrix_band(long total, long n)
{
	if (n <= 0)
		return RISK_MATRIX_LEAST;
	if (total > 30 * n)
		return RISK_MATRIX_MOST;
	if (total >= 10 * n)
		return RISK_MATRIX_MEDIUM;
	return RISK_MATRIX_LEAST;
}

/* Short band name. */
const char *
risk_matrix_band_name(int band)
{
	return band >= 0 && band < RISK_MATRIX_NBANDS ? matrix_names[band] : "?";
}

/* Band name as the method writes it. */
const char *
risk_matrix_band_text(int band)
{
	return band >= 0 && band < RISK_MATRIX_NBANDS ? matrix_texts[band] : "?";
}

/* Percentages adding up to 100: floors, then largest remainder, ties to the smaller count. */
void
risk_percent(const int *count, int nb, int *pct)
{
	long	sum = 0, left = 100, rem, best_rem;
	int	i, best, bumped[8] = { 0 };

	for (i = 0; i < nb; i++)
		sum += count[i];
	for (i = 0; i < nb; i++) {
		pct[i] = sum > 0 ? (int)(count[i] * 100L / sum) : 0;
		left -= pct[i];
	}
	for (; sum > 0 && left > 0; left--) {
		best = -1;
		best_rem = 0;
		for (i = 0; i < nb && i < (int)nitems(bumped); i++) {
			rem = count[i] * 100L % sum;
			if (bumped[i] || rem == 0)
				continue;
			if (best < 0 || rem > best_rem || (rem == best_rem &&
			    count[i] < count[best])) {
				best = i;
				best_rem = rem;
			}
		}
		if (best < 0)
			break;
		bumped[best] = 1;
		pct[best]++;
	}
}

/* P x N x H. */
int
risk_pnh_score(int p, int n, int h)
{
	if (p < 1 || p > 5 || n < 1 || n > 5 || h < 1 || h > 5)
		return -1;
	return p * n * h;
}

/*
 * The band of R.  The source table gives III as 11-51 and II as 51-100;
 * 51 goes to II, whose own range starts there: bands must not overlap, and
 * the doubt is resolved to the stricter band.  (51 = 3 x 17 is no product
 * of three factors 1-5, so no real assessment reaches it.)
 */
int
risk_pnh_band(int r)
{
	if (r > 100)
		return 1;
	if (r >= 51)
		return 2;
	if (r >= 11)
		return 3;
	if (r >= 3)
		return 4;
	return 5;
}

/* "I".."V". */
const char *
risk_pnh_band_name(int band)
{
	return band >= 1 && band <= RISK_PNH_NBANDS ? pnh_names[band - 1] : "?";
}

/* "unacceptable".."negligible". */
const char *
risk_pnh_band_text(int band)
{
	return band >= 1 && band <= RISK_PNH_NBANDS ? pnh_texts[band - 1] : "?";
}

/* weight << level: each level of difficulty doubles the points. */
long
risk_points_level(int weight, int level)
{
	if (weight < 1 || weight > 100 || level < 0 ||
	    level >= RISK_POINTS_LEVELS_MAX)
		return -1;
	return (long)weight << level;
}

/* The band of a point total. */
int
risk_points_band(long total, long medium_min, long high_min)
{
	if (total >= high_min)
		return RISK_POINTS_HIGH;
	if (total >= medium_min)
		return RISK_POINTS_MEDIUM;
	return RISK_POINTS_LOW;
}

/* "low", "medium", "high". */
const char *
risk_points_band_name(int band)
{
	return band >= 0 && band < RISK_POINTS_NBANDS ? points_names[band] : "?";
}

/* A detection stage by name, -1 unknown. */
int
risk_stage_parse(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < nitems(stage_names); i++)
		if (strcmp(s, stage_names[i]) == 0)
			return (int)i + RISK_STAGE_PERIMETER;
	return -1;
}

/* The name of a detection stage. */
const char *
risk_stage_name(int stage)
{
	if (stage < RISK_STAGE_PERIMETER || stage > RISK_STAGE_OBJECT)
		return "?";
	return stage_names[stage - RISK_STAGE_PERIMETER];
}

/* "Z-1".."Z-4". */
int
risk_category_parse(const char *s)
{
	if (s == NULL || strlen(s) != 3 || s[0] != 'Z' || s[1] != '-' ||
	    s[2] < '1' || s[2] > '4')
		return -1;
	return s[2] - '0';
}

/*
 * The latest stage each category allows by default: Z-1 may detect after
 * the intruder is inside (at the object, at the latest), Z-4 must detect
 * while the barriers are attacked; Z-2 in the space, Z-3 when a barrier
 * is opened lie between (the source fixes no rule for them: data).
 */
int
risk_category_default_stage(int category)
{
	static const int stage[] = { 0, RISK_STAGE_OBJECT, RISK_STAGE_SPACE,
	    RISK_STAGE_OPENING, RISK_STAGE_ATTACK };

	return category >= 1 && category <= 4 ? stage[category] : 0;
}

/* Delay of the barriers against the time to an effective intervention. */
void
risk_time_balance(const struct risk_tb *tb, int delay, struct risk_tb_result *r)
{
	r->intervention = tb->detection + tb->transmission + tb->handling +
	    tb->travel;
	r->margin = delay - r->intervention;
	r->late = r->margin < 0 ? -r->margin : 0;
	/* The alarm arrives after detection and transmission. */
	r->dispatch = delay - tb->detection - tb->transmission - tb->travel;
}

/* --- the mapping ------------------------------------------------------------ */

/* The method named s, -1. */
int
risk_method_parse(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < nitems(method_names); i++)
		if (strcmp(s, method_names[i]) == 0)
			return (int)i;
	return -1;
}

/* "matrix", "pnh", "points". */
const char *
risk_method_name(int method)
{
	return method >= 0 && method < RISK_M_COUNT ? method_names[method] : "?";
}

/* A band of method by name, in the method's numbering; -1. */
int
risk_band_parse(int method, const char *s)
{
	int	i;

	if (method < 0 || method >= RISK_M_COUNT || s == NULL)
		return -1;
	for (i = 0; i < method_bands[method].n; i++)
		if (strcmp(s, method_bands[method].names[i]) == 0)
			return i + method_bands[method].first;
	return -1;
}

/* The name of band of method. */
const char *
risk_band_name(int method, int band)
{
	int	i;

	if (method < 0 || method >= RISK_M_COUNT)
		return "?";
	i = band - method_bands[method].first;
	return i >= 0 && i < method_bands[method].n ?
	    method_bands[method].names[i] : "?";
}

/* A map holding the defaults. */
struct risk_map *
risk_map_new(void)
{
	struct risk_map	*m = xcalloc(1, sizeof(*m));

	memcpy(m->rule, risk_defaults, sizeof(m->rule));
	return m;
}

/* Free a map. */
void
risk_map_free(struct risk_map *m)
{
	free(m);
}

/* A copy of m. */
struct risk_map *
risk_map_copy(const struct risk_map *m)
{
	struct risk_map	*c = xcalloc(1, sizeof(*c));

	memcpy(c, m, sizeof(*c));
	return c;
}

/* The rule of method's band, NULL when there is no such band. */
const struct risk_rule *
risk_map_rule(const struct risk_map *m, int method, int band)
{
	int	i;

	if (m == NULL || method < 0 || method >= RISK_M_COUNT)
		return NULL;
	i = band - method_bands[method].first;
	if (i < 0 || i >= method_bands[method].n)
		return NULL;
	return &m->rule[method][i];
}

/* A factor "0.5", "1", "1.25" (at most two decimals) as a percentage; -1. */
static int
risk_factor_parse(const char *s)
{
	long	whole = 0, frac = 0;
	int	nd = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++)
		if ((whole = whole * 10 + (*s - '0')) > 100)
			return -1;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s) && nd < 2; s++, nd++)
			frac = frac * 10 + (*s - '0');
		if (nd == 0)
			return -1;
		if (nd == 1)
			frac *= 10;
	}
	if (*s != '\0')
		return -1;
	return (int)(whole * 100 + frac);
}

/* A small integer word in [min, max]; -1. */
static int
risk_int_parse(const char *s, int min, int max)
{
	long	v = 0;

	if (*s == '\0' || strlen(s) > 3)
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= min && v <= max ? (int)v : -1;
}

/* One "option value" pair of a risk-band line into r. */
static int
risk_map_opt(struct risk_rule *r, const char *name, const char *value,
    char *err, size_t errsz)
{
	int	v;

	if (value == NULL) {
		snprintf(err, errsz, "option \"%s\" needs a value", name);
		return -1;
	}
	if (strcmp(name, "priority") == 0) {
		if ((v = risk_int_parse(value, 0, RISK_PRIORITY_MAX)) < 0)
			goto range;
		r->priority = v;
	} else if (strcmp(name, "take-deadline") == 0 ||
	    strcmp(name, "step-deadline") == 0) {
		if ((v = risk_factor_parse(value)) < RISK_PCT_MIN ||
		    v > RISK_PCT_MAX) {
			snprintf(err, errsz, "%s \"%s\": a factor 0.05-4 with "
			    "at most two decimals", name, value);
			return -1;
		}
		*(name[0] == 't' ? &r->take_pct : &r->step_pct) = v;
	} else if (strcmp(name, "grade") == 0) {
		if ((v = risk_int_parse(value, 0, RISK_GRADE_MAX)) < 0)
			goto range;
		r->grade = v;
	} else {
		snprintf(err, errsz, "unknown option \"%s\" (priority, "
		    "take-deadline, step-deadline, grade)", name);
		return -1;
	}
	return 0;
range:
	snprintf(err, errsz, "%s \"%s\" out of range 0-%d", name, value,
	    name[0] == 'p' ? RISK_PRIORITY_MAX : RISK_GRADE_MAX);
	return -1;
}

/* "risk-band METHOD BAND [option value]...": replaces that band's rule. */
int
risk_map_set(struct risk_map *m, char **av, int ac, int lineno, char *err,
    size_t errsz)
{
	struct risk_rule	 r, *old;
	int			 method, band, i;

	if (ac < 2) {
		snprintf(err, errsz, "expected METHOD BAND [option value]...");
		return -1;
	}
	if ((method = risk_method_parse(av[0])) < 0) {
		snprintf(err, errsz, "unknown method \"%s\" (matrix, pnh, "
		    "points)", av[0]);
		return -1;
	}
	if ((band = risk_band_parse(method, av[1])) < 0) {
		snprintf(err, errsz, "unknown %s band \"%s\"", av[0], av[1]);
		return -1;
	}
	old = &m->rule[method][band - method_bands[method].first];
	if (old->lineno > 0) {
		snprintf(err, errsz, "%s %s is already set on line %d", av[0],
		    av[1], old->lineno);
		return -1;
	}
	r = *old;
	for (i = 2; i < ac; i += 2)
		if (risk_map_opt(&r, av[i], i + 1 < ac ? av[i + 1] : NULL, err,
		    errsz) != 0)
			return -1;
	r.lineno = lineno > 0 ? lineno : 1;
	*old = r;
	return 0;
}

/* Append "what: METHOD band B" to the reason. */
static void
risk_reason_add(struct risk_alarm *rk, const char *what, int method, int band)
{
	size_t	len = strlen(rk->reason);

	snprintf(rk->reason + len, sizeof(rk->reason) - len, "%s%s: %s band %s",
	    len > 0 ? "; " : "", what, method_titles[method],
	    method == RISK_M_MATRIX ? risk_matrix_band_text(band) :
	    risk_band_name(method, band));
}

/* The strongest of the rules of the bands given. */
static void
risk_strongest(const struct risk_map *m, const struct risk_bands *b,
    struct risk_alarm *rk, int *pm, int *tm, int *sm)
{
	const struct risk_rule	*r;
	int			 i;

	*pm = *tm = *sm = -1;
	for (i = 0; i < RISK_M_COUNT; i++) {
		if (b->band[i] < 0 || (r = risk_map_rule(m, i, b->band[i])) == NULL)
			continue;
		if (r->priority > rk->priority) {
			rk->priority = r->priority;
			*pm = i;
		}
		if (r->take_pct < rk->take_pct) {
			rk->take_pct = r->take_pct;
			*tm = i;
		}
		if (r->step_pct < rk->step_pct) {
			rk->step_pct = r->step_pct;
			*sm = i;
		}
	}
}

/* Combine the rules of the bands: most levels, shortest deadlines, with the reason. */
void
risk_apply_bands(const struct risk_map *m, const struct risk_bands *b,
    struct risk_alarm *rk)
{
	char	what[64];
	int	pm, tm, sm;

	rk->priority = 0;
	rk->take_pct = rk->step_pct = 100;
	risk_strongest(m, b, rk, &pm, &tm, &sm);
	if (pm >= 0) {
		if (rk->priority == 1)
			snprintf(what, sizeof(what), "priority raised");
		else
			snprintf(what, sizeof(what), "priority raised by %d",
			    rk->priority);
		risk_reason_add(rk, what, pm, b->band[pm]);
	}
	if (tm >= 0) {
		snprintf(what, sizeof(what), "take-deadline x%d.%02d",
		    rk->take_pct / 100, rk->take_pct % 100);
		risk_reason_add(rk, what, tm, b->band[tm]);
	}
	if (sm >= 0) {
		snprintf(what, sizeof(what), "step deadlines x%d.%02d",
		    rk->step_pct / 100, rk->step_pct % 100);
		risk_reason_add(rk, what, sm, b->band[sm]);
	}
}

/* The highest grade any of the bands needs. */
int
risk_needed_grade(const struct risk_map *m, const struct risk_bands *b)
{
	const struct risk_rule	*r;
	int			 i, g = 0;

	for (i = 0; i < RISK_M_COUNT; i++)
		if (b->band[i] >= 0 &&
		    (r = risk_map_rule(m, i, b->band[i])) != NULL && r->grade > g)
			g = r->grade;
	return g;
}

/* ms x pct / 100, at least a second. */
int64_t
risk_scale_ms(int64_t ms, int pct)
{
	int64_t	v = ms / 100 * pct + ms % 100 * pct / 100;

	return v < 1000 ? 1000 : v;
}

/* The dispatch deadline from the raise: the time-balance budget, never before now. */
int64_t
risk_dispatch_ms(const struct risk_alarm *rk, int64_t now)
{
	if (rk->dispatch_s == RISK_NO_DISPATCH)
		return 0;
	return rk->dispatch_s > 0 ? now + rk->dispatch_s * 1000 : now;
}

/* The take deadline scaled by the band, capped by the dispatch deadline. */
int64_t
risk_take_ms(const struct risk_alarm *rk, int take_s, int64_t now)
{
	int64_t	take = now + risk_scale_ms((int64_t)take_s * 1000, rk->take_pct);
	int64_t	dispatch = risk_dispatch_ms(rk, now);

	return dispatch > 0 && dispatch < take ? dispatch : take;
}

/* "pnh:II", "matrix:most", "points:high": a band as protocols name it? */
int
risk_band_key_valid(const char *s)
{
	const char	*colon;
	char		 method[16];
	int		 m;

	if (s == NULL || (colon = strchr(s, ':')) == NULL ||
	    (size_t)(colon - s) >= sizeof(method))
		return 0;
	snprintf(method, sizeof(method), "%.*s", (int)(colon - s), s);
	return (m = risk_method_parse(method)) >= 0 &&
	    risk_band_parse(m, colon + 1) >= 0;
}
