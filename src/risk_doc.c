/*
 * risk_doc.c - an assessment document (site.assess) checked member by
 * member and evaluated with the methods of risk.c and the risk tables
 * (factor tables of the point method, Z category -> detection stage).
 * Pure: JSON in, JSON out, no I/O.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "risk.h"
#include "xmalloc.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* A member path for messages, "matrix.threats[2]". */
struct dpath {
	char	s[96];
};

/* What one evaluation keeps while it runs. */
struct eval {
	const json_t		*tables;	/* borrowed */
	const json_t		*units;		/* borrowed; may be NULL */
	const struct risk_map	*map;		/* borrowed */
	json_t			*result;	/* owned until returned */
	struct risk_bands	 bands;
	char			*err;
	size_t			 errsz;
};

/* Write "path: message" into err; -1. */
static int __attribute__((format(printf, 4, 5)))
derr(char *err, size_t errsz, const char *path, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(err, errsz, "%s: ", path);
	if (n < 0 || (size_t)n >= errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errsz - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* base + "." + name, or base + "[i]" (name NULL); base may be out's own. */
static void
dpath_sub(struct dpath *out, const char *base, const char *name, size_t i)
{
	char	tmp[sizeof(out->s)];
	int	n;

	if (name != NULL)
		n = snprintf(tmp, sizeof(tmp), "%s%s%s", base,
		    base[0] != '\0' ? "." : "", name);
	else
		n = snprintf(tmp, sizeof(tmp), "%s[%zu]", base, i);
	if (n < 0)
		tmp[0] = '\0';
	memcpy(out->s, tmp, sizeof(out->s));
}

/* Refuse members of o not in allowed (NULL-terminated). */
static int
doc_members(const json_t *o, const char *path, const char *const *allowed,
    char *err, size_t errsz)
{
	const char	*k;
	json_t		*v;
	struct dpath	 p;
	size_t		 i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			dpath_sub(&p, path, k, 0);
			return derr(err, errsz, p.s, "unknown member");
		}
	}
	return 0;
}

/* Member name of o as an object (required or not): 1 present, 0 absent, -1. */
static int
doc_object(const json_t *o, const char *path, const char *name, int required,
    const json_t **out, char *err, size_t errsz)
{
	struct dpath	p;

	*out = json_object_get(o, name);
	dpath_sub(&p, path, name, 0);
	if (*out == NULL || json_is_null(*out)) {
		*out = NULL;
		return required ? derr(err, errsz, p.s, "missing") : 0;
	}
	if (!json_is_object(*out))
		return derr(err, errsz, p.s, "must be an object");
	return 1;
}

/* Member name of o as an array of 1..max items: 0 or -1. */
static int
doc_array(const json_t *o, const char *path, const char *name, size_t max,
    const json_t **out, char *err, size_t errsz)
{
	struct dpath	p;

	*out = json_object_get(o, name);
	dpath_sub(&p, path, name, 0);
	if (*out == NULL)
		return derr(err, errsz, p.s, "missing");
	if (!json_is_array(*out) || json_array_size(*out) == 0 ||
	    json_array_size(*out) > max)
		return derr(err, errsz, p.s, "must be an array of 1 to %zu items",
		    max);
	return 0;
}

/* Integer member name in [min, max]: 0 with *v, or -1. */
static int
doc_int(const json_t *o, const char *path, const char *name, long min,
    long max, long *v, char *err, size_t errsz)
{
	const json_t	*j = json_object_get(o, name);
	struct dpath	 p;

	dpath_sub(&p, path, name, 0);
	if (j == NULL)
		return derr(err, errsz, p.s, "missing");
	if (!json_is_integer(j) || json_integer_value(j) < min ||
	    json_integer_value(j) > max)
		return derr(err, errsz, p.s, "must be an integer %ld-%ld", min,
		    max);
	*v = (long)json_integer_value(j);
	return 0;
}

/* String member name of 1..max bytes (optional: NULL when absent); 0 or -1. */
static int
doc_str(const json_t *o, const char *path, const char *name, int required,
    size_t max, const char **v, char *err, size_t errsz)
{
	const json_t	*j = json_object_get(o, name);
	struct dpath	 p;

	dpath_sub(&p, path, name, 0);
	*v = NULL;
	if (j == NULL || (!required && json_is_null(j)))
		return required ? derr(err, errsz, p.s, "missing") : 0;
	if (!json_is_string(j) || json_string_length(j) == 0 ||
	    json_string_length(j) > max || strlen(json_string_value(j)) !=
	    json_string_length(j))
		return derr(err, errsz, p.s, "must be a string of 1 to %zu bytes",
		    max);
	*v = json_string_value(j);
	return 0;
}

/* Minutes (a number 0..RISK_MINUTES_MAX) as seconds; absent: def (-1: required). */
static int
doc_minutes(const json_t *o, const char *path, const char *name, int def,
    int *secs, char *err, size_t errsz)
{
	const json_t	*j = json_object_get(o, name);
	struct dpath	 p;
	double		 m;

	dpath_sub(&p, path, name, 0);
	if (j == NULL || json_is_null(j)) {
		if (def < 0)
			return derr(err, errsz, p.s, "missing");
		*secs = def;
		return 0;
	}
	if (!json_is_number(j) || (m = json_number_value(j)) < 0 ||
	    m > RISK_MINUTES_MAX || m != m)
		return derr(err, errsz, p.s, "must be minutes, a number 0-%d",
		    RISK_MINUTES_MAX);
	*secs = (int)(m * 60 + 0.5);
	return 0;
}

/* Seconds as minutes: an integer when whole, else a real. */
static json_t *
min_json(long secs)
{
	if (secs % 60 == 0)
		return json_integer(secs / 60);
	return json_real((double)secs / 60.0);
}

/* --- the tables --------------------------------------------------------------- */

/* The default factor tables: seven factors, four levels each (1, 2, 4, 8 points). */
static const struct {
	const char	*name, *title, *levels[4];
} default_factors[] = {
	{ "value", "value of the contents",
	    { "low", "medium", "high", "very-high" } },
	{ "attractiveness", "attractiveness of the loot",
	    { "low", "medium", "high", "very-high" } },
	{ "crime", "crime in the area", { "low", "medium", "high", "very-high" } },
	{ "location", "location", { "central", "residential", "outskirts",
	    "isolated" } },
	{ "lighting", "lighting", { "good", "fair", "poor", "none" } },
	{ "activity", "activity of the surroundings",
	    { "busy", "moderate", "quiet", "deserted" } },
	{ "access", "access supervision",
	    { "guarded", "controlled", "occasional", "none" } },
};

#define DEFAULT_MEDIUM	16
#define DEFAULT_HIGH	32

/* The built-in tables. */
json_t *
risk_tables_default(void)
{
	json_t	*f = json_array(), *lv, *cats = json_object();
	size_t	 i, j;
	char	 z[4];

	for (i = 0; i < nitems(default_factors); i++) {
		lv = json_array();
		for (j = 0; j < 4; j++)
			json_array_append_new(lv,
			    json_string(default_factors[i].levels[j]));
		json_array_append_new(f, json_pack("{s:s,s:s,s:i,s:o}", "name",
		    default_factors[i].name, "title", default_factors[i].title,
		    "weight", 1, "levels", lv));
	}
	for (i = 1; i <= 4; i++) {
		snprintf(z, sizeof(z), "Z-%zu", i);
		json_object_set_new(cats, z, json_string(risk_stage_name(
		    risk_category_default_stage((int)i))));
	}
	return json_pack("{s:s,s:o,s:{s:i,s:i},s:o}", "format",
	    RISK_TABLES_FORMAT, "factors", f, "bands", "medium", DEFAULT_MEDIUM,
	    "high", DEFAULT_HIGH, "categories", cats);
}

/* The levels of factor i of the tables: unique names. */
static int
tables_levels(const json_t *fac, const char *path, char *err, size_t errsz)
{
	const json_t	*levels, *l;
	struct dpath	 p;
	size_t		 i, j;

	if (doc_array(fac, path, "levels", RISK_POINTS_LEVELS_MAX, &levels, err,
	    errsz) != 0)
		return -1;
	json_array_foreach(levels, i, l) {
		dpath_sub(&p, path, "levels", 0);
		dpath_sub(&p, p.s, NULL, i);
		if (!json_is_string(l) || json_string_length(l) == 0 ||
		    json_string_length(l) > 32)
			return derr(err, errsz, p.s, "must be a string of 1 to "
			    "32 bytes");
		for (j = 0; j < i; j++)
			if (json_equal(l, json_array_get(levels, j)))
				return derr(err, errsz, p.s, "the same as "
				    "level %zu", j);
	}
	return 0;
}

/* One factor of the tables. */
static int
tables_factor(const json_t *fac, const json_t *all, size_t i, char *err,
    size_t errsz)
{
	static const char *const members[] = { "name", "title", "weight",
	    "levels", NULL };
	struct dpath	 p;
	const char	*name, *title;
	long		 w;
	size_t		 j;

	dpath_sub(&p, "factors", NULL, i);
	if (!json_is_object(fac))
		return derr(err, errsz, p.s, "must be an object");
	if (doc_members(fac, p.s, members, err, errsz) != 0 ||
	    doc_str(fac, p.s, "name", 1, 32, &name, err, errsz) != 0 ||
	    doc_str(fac, p.s, "title", 0, RISK_NAME_MAX, &title, err, errsz) ||
	    doc_int(fac, p.s, "weight", 1, 100, &w, err, errsz) != 0 ||
	    tables_levels(fac, p.s, err, errsz) != 0)
		return -1;
	for (j = 0; j < i; j++)
		if (strcmp(name, json_string_value(json_object_get(
		    json_array_get(all, j), "name"))) == 0)
			return derr(err, errsz, p.s, "name: the same as "
			    "factors[%zu]", j);
	return 0;
}

/* The category -> stage mapping: every Z-1..Z-4, non-decreasing strictness. */
static int
tables_categories(const json_t *doc, char *err, size_t errsz)
{
	static const char *const zs[] = { "Z-1", "Z-2", "Z-3", "Z-4", NULL };
	const json_t	*cats;
	const char	*s;
	struct dpath	 p;
	int		 i, st, prev = RISK_STAGE_OBJECT + 1;

	if (doc_object(doc, "", "categories", 1, &cats, err, errsz) < 0 ||
	    doc_members(cats, "categories", zs, err, errsz) != 0)
		return -1;
	for (i = 0; zs[i] != NULL; i++) {
		dpath_sub(&p, "categories", zs[i], 0);
		if (doc_str(cats, "categories", zs[i], 1, 16, &s, err, errsz) != 0)
			return -1;
		if ((st = risk_stage_parse(s)) < 0)
			return derr(err, errsz, p.s, "one of perimeter, attack, "
			    "opening, space, object");
		if (st > prev)
			return derr(err, errsz, p.s, "a higher category may not "
			    "allow a later detection than a lower one");
		prev = st;
	}
	return 0;
}

/* Check a tables document. */
int
risk_tables_validate(const json_t *doc, char *err, size_t errsz)
{
	static const char *const members[] = { "format", "factors", "bands",
	    "categories", "note", NULL };
	static const char *const bandm[] = { "medium", "high", NULL };
	const json_t	*factors, *bands, *f;
	const char	*fmt;
	long		 med, high;
	size_t		 i;

	if (!json_is_object(doc))
		return derr(err, errsz, "tables", "must be an object");
	if (doc_members(doc, "", members, err, errsz) != 0 ||
	    doc_str(doc, "", "format", 1, 64, &fmt, err, errsz) != 0)
		return -1;
	if (strcmp(fmt, RISK_TABLES_FORMAT) != 0)
		return derr(err, errsz, "format", "must be \"%s\"",
		    RISK_TABLES_FORMAT);
	if (doc_array(doc, "", "factors", RISK_FACTORS_MAX, &factors, err,
	    errsz) != 0)
		return -1;
	json_array_foreach(factors, i, f)
		if (tables_factor(f, factors, i, err, errsz) != 0)
			return -1;
	if (doc_object(doc, "", "bands", 1, &bands, err, errsz) < 0 ||
	    doc_members(bands, "bands", bandm, err, errsz) != 0 ||
	    doc_int(bands, "bands", "medium", 1, 1000000, &med, err, errsz) ||
	    doc_int(bands, "bands", "high", 1, 1000000, &high, err, errsz))
		return -1;
	if (high <= med)
		return derr(err, errsz, "bands.high", "must be above "
		    "bands.medium (%ld)", med);
	if (json_object_get(doc, "note") != NULL &&
	    doc_str(doc, "", "note", 0, RISK_NOTE_MAX, &fmt, err, errsz) != 0)
		return -1;
	return tables_categories(doc, err, errsz);
}

/* --- the methods of one assessment ------------------------------------------- */

/* grade: {components: [{name, grade}]} -> the system's grade. */
static int
eval_grade(struct eval *ev, const json_t *g)
{
	static const char *const members[] = { "components", NULL };
	static const char *const cmembers[] = { "name", "grade", NULL };
	const json_t	*comps, *c;
	json_t		*out = json_array();
	struct dpath	 p;
	const char	*name;
	int		 grades[RISK_ITEMS_MAX];
	long		 v;
	size_t		 i;

	if (doc_members(g, "grade", members, ev->err, ev->errsz) != 0 ||
	    doc_array(g, "grade", "components", RISK_ITEMS_MAX, &comps,
	    ev->err, ev->errsz) != 0)
		goto fail;
	json_array_foreach(comps, i, c) {
		dpath_sub(&p, "grade.components", NULL, i);
		if (!json_is_object(c)) {
			derr(ev->err, ev->errsz, p.s, "must be an object");
			goto fail;
		}
		if (doc_members(c, p.s, cmembers, ev->err, ev->errsz) != 0 ||
		    doc_str(c, p.s, "name", 1, RISK_NAME_MAX, &name, ev->err,
		    ev->errsz) != 0 || doc_int(c, p.s, "grade", RISK_GRADE_MIN,
		    RISK_GRADE_MAX, &v, ev->err, ev->errsz) != 0)
			goto fail;
		grades[i] = (int)v;
		json_array_append_new(out, json_pack("{s:s,s:i}", "name", name,
		    "grade", (int)v));
	}
	json_object_set_new(ev->result, "grade", json_pack("{s:o,s:i}",
	    "components", out, "grade", risk_grade_system(grades,
	    json_array_size(comps))));
	return 0;
fail:
	json_decref(out);
	return -1;
}

/* One threat of the matrix: its score into *score, its row appended to out. */
static int
eval_threat(struct eval *ev, const json_t *t, size_t i, json_t *out,
    int *score)
{
	static const char *const members[] = { "name", "probability", "impact",
	    NULL };
	struct dpath	 p, q;
	const char	*name;
	long		 pr, im;

	dpath_sub(&p, "matrix.threats", NULL, i);
	if (!json_is_object(t))
		return derr(ev->err, ev->errsz, p.s, "must be an object");
	if (doc_members(t, p.s, members, ev->err, ev->errsz) != 0 ||
	    doc_str(t, p.s, "name", 1, RISK_NAME_MAX, &name, ev->err,
	    ev->errsz) != 0 || doc_int(t, p.s, "probability", 1, 5, &pr,
	    ev->err, ev->errsz) != 0 || doc_int(t, p.s, "impact", 1, 16, &im,
	    ev->err, ev->errsz) != 0)
		return -1;
	if ((*score = risk_matrix_score((int)pr, (int)im)) < 0) {
		dpath_sub(&q, p.s, "impact", 0);
		return derr(ev->err, ev->errsz, q.s, "must be 1, 2, 4, 8 or 16 "
		    "(the doubling scale)");
	}
	json_array_append_new(out, json_pack("{s:s,s:i,s:i,s:i,s:s}", "name",
	    name, "probability", (int)pr, "impact", (int)im, "score", *score,
	    "band", risk_matrix_band_name(risk_matrix_band(*score, 1))));
	return 0;
}

/* {least, medium, most} of three counts. */
static json_t *
matrix_bands_json(const int *v)
{
	return json_pack("{s:i,s:i,s:i}", "most", v[RISK_MATRIX_MOST],
	    "medium", v[RISK_MATRIX_MEDIUM], "least", v[RISK_MATRIX_LEAST]);
}

/* matrix: {threats: [{name, probability, impact}]} -> total, mean, band. */
static int
eval_matrix(struct eval *ev, const json_t *m)
{
	static const char *const members[] = { "threats", NULL };
	const json_t	*threats, *t;
	json_t		*out = json_array();
	int		 score = 0, band, count[RISK_MATRIX_NBANDS] = { 0 };
	int		 pct[RISK_MATRIX_NBANDS];
	long		 total = 0, n;
	size_t		 i;

	if (doc_members(m, "matrix", members, ev->err, ev->errsz) != 0 ||
	    doc_array(m, "matrix", "threats", RISK_ITEMS_MAX, &threats, ev->err,
	    ev->errsz) != 0)
		goto fail;
	json_array_foreach(threats, i, t) {
		if (eval_threat(ev, t, i, out, &score) != 0)
			goto fail;
		total += score;
		count[risk_matrix_band(score, 1)]++;
	}
	n = (long)json_array_size(threats);
	band = risk_matrix_band(total, n);
	risk_percent(count, RISK_MATRIX_NBANDS, pct);
	ev->bands.band[RISK_M_MATRIX] = band;
	json_object_set_new(ev->result, "matrix", json_pack(
	    "{s:o,s:I,s:f,s:s,s:s,s:o,s:o}", "threats", out, "total",
	    (json_int_t)total, "mean", (double)total / (double)n, "band",
	    risk_matrix_band_name(band), "band_text", risk_matrix_band_text(band),
	    "count", matrix_bands_json(count), "percent",
	    matrix_bands_json(pct)));
	return 0;
fail:
	json_decref(out);
	return -1;
}

/* An optional array of strings (measures). */
static int
doc_strings(const json_t *o, const char *path, const char *name, json_t **out,
    char *err, size_t errsz)
{
	const json_t	*a = json_object_get(o, name), *s;
	struct dpath	 p, q;
	size_t		 i;

	*out = json_array();
	if (a == NULL)
		return 0;
	dpath_sub(&p, path, name, 0);
	if (!json_is_array(a) || json_array_size(a) > RISK_ITEMS_MAX)
		return derr(err, errsz, p.s, "must be an array of at most %d "
		    "strings", RISK_ITEMS_MAX);
	json_array_foreach(a, i, s) {
		dpath_sub(&q, p.s, NULL, i);
		if (!json_is_string(s) || json_string_length(s) == 0 ||
		    json_string_length(s) > RISK_NAME_MAX * 2)
			return derr(err, errsz, q.s, "must be a string of 1 to "
			    "%d bytes", RISK_NAME_MAX * 2);
		json_array_append(*out, (json_t *)s);
	}
	return 0;
}

/* pnh: {p, n, h, measures?} -> R and its band. */
static int
eval_pnh(struct eval *ev, const json_t *o)
{
	static const char *const members[] = { "p", "n", "h", "measures", NULL };
	json_t	*measures = NULL;
	long	 p, n, h;
	int	 r, band;

	if (doc_members(o, "pnh", members, ev->err, ev->errsz) != 0 ||
	    doc_int(o, "pnh", "p", 1, 5, &p, ev->err, ev->errsz) != 0 ||
	    doc_int(o, "pnh", "n", 1, 5, &n, ev->err, ev->errsz) != 0 ||
	    doc_int(o, "pnh", "h", 1, 5, &h, ev->err, ev->errsz) != 0 ||
	    doc_strings(o, "pnh", "measures", &measures, ev->err,
	    ev->errsz) != 0) {
		json_decref(measures);
		return -1;
	}
	r = risk_pnh_score((int)p, (int)n, (int)h);
	band = risk_pnh_band(r);
	ev->bands.band[RISK_M_PNH] = band;
	json_object_set_new(ev->result, "pnh", json_pack(
	    "{s:i,s:i,s:i,s:i,s:s,s:s,s:o}", "p", (int)p, "n", (int)n, "h",
	    (int)h, "r", r, "band", risk_pnh_band_name(band), "band_text",
	    risk_pnh_band_text(band), "measures", measures));
	return 0;
}

/* The index of level name in a factor's levels, -1. */
static int
factor_level(const json_t *fac, const char *name)
{
	const json_t	*l;
	size_t		 i;

	json_array_foreach(json_object_get(fac, "levels"), i, l)
		if (strcmp(json_string_value(l), name) == 0)
			return (int)i;
	return -1;
}

/* One factor of the tables scored from the document's levels; its points. */
static long
eval_factor(struct eval *ev, const json_t *given, const json_t *fac,
    json_t *out)
{
	const char	*name = json_string_value(json_object_get(fac, "name"));
	const char	*lv;
	struct dpath	 p;
	long		 pts;
	int		 level;

	dpath_sub(&p, "points.factors", name, 0);
	if (doc_str(given, "points.factors", name, 1, 32, &lv, ev->err,
	    ev->errsz) != 0)
		return -1;
	if ((level = factor_level(fac, lv)) < 0)
		return derr(ev->err, ev->errsz, p.s, "not a level of the "
		    "table (%s)", "see risk.tables.show");
	pts = risk_points_level((int)json_integer_value(json_object_get(fac,
	    "weight")), level);
	json_array_append_new(out, json_pack("{s:s,s:s,s:i,s:I}", "factor",
	    name, "level", lv, "rank", level + 1, "points", (json_int_t)pts));
	return pts;
}

/* points: {factors: {name: level}} -> total and band by the tables. */
static int
eval_points(struct eval *ev, const json_t *o)
{
	static const char *const members[] = { "factors", NULL };
	const json_t	*given, *fac, *bands = json_object_get(ev->tables, "bands");
	const char	*k;
	json_t		*out = json_array(), *v;
	long		 total = 0, pts;
	size_t		 i;
	int		 band;

	if (doc_members(o, "points", members, ev->err, ev->errsz) != 0 ||
	    doc_object(o, "points", "factors", 1, &given, ev->err,
	    ev->errsz) < 0)
		goto fail;
	json_object_foreach((json_t *)given, k, v) {
		json_array_foreach(json_object_get(ev->tables, "factors"), i, fac)
			if (strcmp(k, json_string_value(json_object_get(fac,
			    "name"))) == 0)
				break;
		if (i == json_array_size(json_object_get(ev->tables, "factors"))) {
			derr(ev->err, ev->errsz, "points.factors", "\"%.32s\" is "
			    "not a factor of the tables", k);
			goto fail;
		}
	}
	json_array_foreach(json_object_get(ev->tables, "factors"), i, fac) {
		if ((pts = eval_factor(ev, given, fac, out)) < 0)
			goto fail;
		total += pts;
	}
	band = risk_points_band(total, (long)json_integer_value(json_object_get(
	    bands, "medium")), (long)json_integer_value(json_object_get(bands,
	    "high")));
	ev->bands.band[RISK_M_POINTS] = band;
	json_object_set_new(ev->result, "points", json_pack("{s:o,s:I,s:s}",
	    "factors", out, "total", (json_int_t)total, "band",
	    risk_points_band_name(band)));
	return 0;
fail:
	json_decref(out);
	return -1;
}

/* zone: {category: "Z-n", detection: stage} -> required stage, late. */
static int
eval_zone(struct eval *ev, const json_t *o)
{
	static const char *const members[] = { "category", "detection", NULL };
	const char	*cat, *det, *req;
	int		 c, d, r;

	if (doc_members(o, "zone", members, ev->err, ev->errsz) != 0 ||
	    doc_str(o, "zone", "category", 1, 8, &cat, ev->err, ev->errsz) ||
	    doc_str(o, "zone", "detection", 1, 16, &det, ev->err, ev->errsz))
		return -1;
	if ((c = risk_category_parse(cat)) < 0)
		return derr(ev->err, ev->errsz, "zone.category", "one of Z-1, "
		    "Z-2, Z-3, Z-4");
	if ((d = risk_stage_parse(det)) < 0)
		return derr(ev->err, ev->errsz, "zone.detection", "one of "
		    "perimeter, attack, opening, space, object");
	req = json_string_value(json_object_get(json_object_get(ev->tables,
	    "categories"), cat));
	if ((r = risk_stage_parse(req)) < 0)
		r = risk_category_default_stage(c);
	json_object_set_new(ev->result, "zone", json_pack(
	    "{s:s,s:s,s:s,s:b}", "category", cat, "detection", det, "required",
	    risk_stage_name(r), "late", d > r));
	return 0;
}

/* --- time balance --------------------------------------------------------------- */

/* A string member, "" when absent. */
static const char *
doc_sval(const json_t *o, const char *name)
{
	const char	*s = json_string_value(json_object_get(o, name));

	return s != NULL ? s : "";
}

/* The unit want_id, or the fastest of kind (response_time > 0): 1 found. */
static int
units_fastest(const json_t *units, const char *kind, int64_t want_id,
    const json_t **best)
{
	const json_t	*u;
	size_t		 i;
	json_int_t	 t;

	*best = NULL;
	json_array_foreach(units, i, u) {
		t = json_integer_value(json_object_get(u, "response_time"));
		if (want_id > 0) {
			if (json_integer_value(json_object_get(u, "id")) == want_id)
				*best = u;
		} else if (t > 0 && strcmp(kind, doc_sval(u, "kind")) == 0 &&
		    (*best == NULL || t < json_integer_value(json_object_get(
		    *best, "response_time"))))
			*best = u;
	}
	return *best != NULL;
}

/* The travel time: the document's, else its unit's, else the fastest unit of the kind. */
static int
tb_travel(struct eval *ev, const json_t *o, int *travel, json_t **from)
{
	const json_t	*u;
	const char	*kind = "guard";
	long		 id = 0;

	if (json_object_get(o, "travel") != NULL) {
		*from = json_string("assessment");
		return doc_minutes(o, "time_balance", "travel", -1, travel,
		    ev->err, ev->errsz);
	}
	if (json_object_get(o, "unit") != NULL && doc_int(o, "time_balance",
	    "unit", 1, INT32_MAX, &id, ev->err, ev->errsz) != 0)
		return -1;
	if (json_object_get(o, "unit_kind") != NULL && doc_str(o,
	    "time_balance", "unit_kind", 1, 32, &kind, ev->err, ev->errsz) != 0)
		return -1;
	if (!units_fastest(ev->units, kind, id, &u)) {
		if (id > 0)
			return derr(ev->err, ev->errsz, "time_balance.unit",
			    "the site has no unit %ld", id);
		return derr(ev->err, ev->errsz, "time_balance.travel", "missing, "
		    "and the site has no %s unit with a response time", kind);
	}
	*travel = (int)json_integer_value(json_object_get(u, "response_time"));
	*from = json_pack("{s:O,s:O,s:O}", "unit", json_object_get(u, "id"),
	    "kind", json_object_get(u, "kind"), "name", json_object_get(u,
	    "name"));
	return 0;
}

/* One detection point: its balance appended to out; late and dispatch kept. */
static int
tb_point(struct eval *ev, const json_t *pt, size_t i, const struct risk_tb *tb,
    json_t *out, int *late, int *dispatch)
{
	static const char *const members[] = { "name", "zone", "delay", NULL };
	struct risk_tb_result	 r;
	struct dpath		 p;
	const char		*name;
	long			 zone = -1;
	int			 delay;
	json_t			*row;

	dpath_sub(&p, "time_balance.points", NULL, i);
	if (!json_is_object(pt))
		return derr(ev->err, ev->errsz, p.s, "must be an object");
	if (doc_members(pt, p.s, members, ev->err, ev->errsz) != 0 ||
	    doc_str(pt, p.s, "name", 1, RISK_NAME_MAX, &name, ev->err,
	    ev->errsz) != 0 || (json_object_get(pt, "zone") != NULL &&
	    doc_int(pt, p.s, "zone", 0, 9999, &zone, ev->err, ev->errsz) != 0) ||
	    doc_minutes(pt, p.s, "delay", -1, &delay, ev->err, ev->errsz) != 0)
		return -1;
	risk_time_balance(tb, delay, &r);
	row = json_pack("{s:s,s:o,s:o,s:o,s:b,s:o,s:o}", "name", name,
	    "delay", min_json(delay), "intervention", min_json(r.intervention),
	    "margin", min_json(r.margin), "late", r.late > 0, "missing",
	    min_json(r.late), "dispatch", min_json(r.dispatch));
	json_object_set_new(row, "zone", zone >= 0 ? json_integer(zone) :
	    json_null());
	json_array_append_new(out, row);
	if (r.late > *late)
		*late = r.late;
	if (r.dispatch < *dispatch)
		*dispatch = r.dispatch;
	return 0;
}

/* time_balance: {points, detection?, transmission?, handling, travel?|unit?|unit_kind?}. */
static int
eval_time_balance(struct eval *ev, const json_t *o)
{
	static const char *const members[] = { "points", "detection",
	    "transmission", "handling", "travel", "unit", "unit_kind", NULL };
	const char	*path = "time_balance";
	const json_t	*points, *pt;
	json_t		*out = json_array(), *from = NULL;
	struct risk_tb	 tb;
	int		 late = 0, dispatch = INT32_MAX;
	size_t		 i;

	if (doc_members(o, path, members, ev->err, ev->errsz) != 0 ||
	    doc_minutes(o, path, "detection", 0, &tb.detection, ev->err,
	    ev->errsz) != 0 || doc_minutes(o, path, "transmission", 0,
	    &tb.transmission, ev->err, ev->errsz) != 0 || doc_minutes(o, path,
	    "handling", -1, &tb.handling, ev->err, ev->errsz) != 0 ||
	    tb_travel(ev, o, &tb.travel, &from) != 0 || doc_array(o, path,
	    "points", RISK_ITEMS_MAX, &points, ev->err, ev->errsz) != 0)
		goto fail;
	json_array_foreach(points, i, pt)
		if (tb_point(ev, pt, i, &tb, out, &late, &dispatch) != 0)
			goto fail;
	json_object_set_new(ev->result, path, json_pack(
	    "{s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o}", "detection",
	    min_json(tb.detection), "transmission", min_json(tb.transmission),
	    "handling", min_json(tb.handling), "travel", min_json(tb.travel),
	    "travel_from", from, "points", out, "late", late > 0, "missing",
	    min_json(late), "dispatch", min_json(dispatch)));
	return 0;
fail:
	json_decref(from);
	json_decref(out);
	return -1;
}

/* --- the whole document ------------------------------------------------------------ */

/* The bands as the result records them: {matrix, pnh, points}, null unused. */
static json_t *
bands_json(const struct risk_bands *b)
{
	json_t	*o = json_object();
	int	 i;

	for (i = 0; i < RISK_M_COUNT; i++)
		json_object_set_new(o, risk_method_name(i), b->band[i] < 0 ?
		    json_null() : json_string(risk_band_name(i, b->band[i])));
	return o;
}

/* The flags a result raises by itself (expiry is the reader's). */
static json_t *
flags_json(struct eval *ev)
{
	json_t	*f = json_array(), *g;
	int	 need = risk_needed_grade(ev->map, &ev->bands);

	g = json_object_get(json_object_get(ev->result, "grade"), "grade");
	if (g != NULL && need > 0 && json_integer_value(g) < need)
		json_array_append_new(f, json_string("grade_low"));
	if (json_is_true(json_object_get(json_object_get(ev->result, "zone"),
	    "late")))
		json_array_append_new(f, json_string("detection_late"));
	if (json_is_true(json_object_get(json_object_get(ev->result,
	    "time_balance"), "late")))
		json_array_append_new(f, json_string("intervention_late"));
	if (g != NULL)
		json_object_set_new(json_object_get(ev->result, "grade"),
		    "needed", json_integer(need));
	return f;
}

/* Run each method the document names. */
static int
eval_methods(struct eval *ev, const json_t *doc)
{
	static const struct {
		const char	*name;
		int		(*fn)(struct eval *, const json_t *);
	} methods[] = {
		{ "grade", eval_grade }, { "matrix", eval_matrix },
		{ "pnh", eval_pnh }, { "points", eval_points },
		{ "zone", eval_zone }, { "time_balance", eval_time_balance },
	};
	const json_t	*o;
	size_t		 i;
	int		 n = 0, rc;

	for (i = 0; i < nitems(methods); i++) {
		if ((rc = doc_object(doc, "", methods[i].name, 0, &o, ev->err,
		    ev->errsz)) < 0)
			return -1;
		if (rc == 1 && methods[i].fn(ev, o) != 0)
			return -1;
		n += rc;
	}
	if (n == 0)
		return derr(ev->err, ev->errsz, "assessment", "give at least one "
		    "of grade, matrix, pnh, points, zone, time_balance");
	return 0;
}

/* Check and evaluate an assessment document. */
json_t *
risk_evaluate(const json_t *doc, const json_t *tables, const json_t *units,
    const struct risk_map *map, char *err, size_t errsz)
{
	static const char *const members[] = { "assessed_by", "assessed_at",
	    "valid_until", "note", "grade", "matrix", "pnh", "points", "zone",
	    "time_balance", NULL };
	struct eval	 ev;
	const char	*s;
	int		 i;

	memset(&ev, 0, sizeof(ev));
	ev.tables = tables;
	ev.units = units;
	ev.map = map;
	ev.err = err;
	ev.errsz = errsz;
	for (i = 0; i < RISK_M_COUNT; i++)
		ev.bands.band[i] = -1;
	if (!json_is_object(doc))
		return derr(err, errsz, "assessment", "must be an object"), NULL;
	if (doc_members(doc, "", members, err, errsz) != 0 ||
	    doc_str(doc, "", "assessed_by", 1, RISK_NAME_MAX, &s, err, errsz) ||
	    doc_str(doc, "", "note", 0, RISK_NOTE_MAX, &s, err, errsz) != 0)
		return NULL;
	ev.result = json_object();
	if (eval_methods(&ev, doc) != 0) {
		json_decref(ev.result);
		return NULL;
	}
	json_object_set_new(ev.result, "bands", bands_json(&ev.bands));
	json_object_set_new(ev.result, "flags", flags_json(&ev));
	return ev.result;
}

/* The bands a result records. */
void
risk_result_bands(const json_t *result, struct risk_bands *b)
{
	const json_t	*bands = json_object_get(result, "bands");
	int		 i;

	for (i = 0; i < RISK_M_COUNT; i++)
		b->band[i] = risk_band_parse(i, json_string_value(
		    json_object_get(bands, risk_method_name(i))));
}

/* Minutes as a JSON number back to seconds. */
static int64_t
json_secs(const json_t *v)
{
	double	m = json_number_value(v);

	return (int64_t)(m * 60 + (m < 0 ? -0.5 : 0.5));
}

/* The dispatch budget for zone: its point's, else the shortest of all. */
int64_t
risk_result_dispatch(const json_t *result, int zone)
{
	const json_t	*tb = json_object_get(result, "time_balance"), *pt;
	size_t		 i;

	if (tb == NULL)
		return RISK_NO_DISPATCH;
	json_array_foreach(json_object_get(tb, "points"), i, pt)
		if (zone >= 0 && json_is_integer(json_object_get(pt, "zone")) &&
		    json_integer_value(json_object_get(pt, "zone")) == zone)
			return json_secs(json_object_get(pt, "dispatch"));
	return json_secs(json_object_get(tb, "dispatch"));
}

/* Each step's deadline_s x pct / 100 (at least a second). */
void
risk_steps_scale(json_t *steps, int pct)
{
	json_t		*step;
	json_int_t	 d;
	size_t		 i;

	if (pct == 100)
		return;
	json_array_foreach(steps, i, step) {
		d = json_integer_value(json_object_get(step, "deadline_s"));
		json_object_set_new(step, "deadline_s", json_integer(
		    risk_scale_ms(d * 1000, pct) / 1000));
	}
}
