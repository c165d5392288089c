/*
 * risk.h - site risk assessment (issue 10): the methods a security plan
 * uses, pure (src/risk.c); the assessment document, checked and evaluated,
 * pure (src/risk_doc.c); assessments and tables in SQLite
 * (src/store_risk.c); the commands (src/cmd_risk.c).
 */
#ifndef PCOD_RISK_H
#define PCOD_RISK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;
struct store_alarm_new;

/* --- the methods (src/risk.c, pure) ------------------------------------- */

/* 1. EN 50131 security grade: a system has the lowest grade of its parts. */
#define RISK_GRADE_MIN		1
#define RISK_GRADE_MAX		4
/* The grade of a system of n components (each 1-4); 0 when n is 0 or one is out of range. */
int	risk_grade_system(const int *grades, size_t n);

/* 2. Semi-quantitative matrix: score = P (1-5) x I (1, 2, 4, 8, 16), 1-80. */
enum risk_matrix_band {
	RISK_MATRIX_LEAST = 0,		/* below 10 */
	RISK_MATRIX_MEDIUM,		/* 10-30 */
	RISK_MATRIX_MOST,		/* above 30 */
	RISK_MATRIX_NBANDS
};
/* P x I, or -1 when P or I is not on its scale. */
int	risk_matrix_score(int probability, int impact);
/* The band of total / n (the mean, compared exactly); of one score with n 1. */
int	risk_matrix_band(long total, long n);
/* "least", "medium", "most"; the long names "least significant", ... */
const char *risk_matrix_band_name(int band);
const char *risk_matrix_band_text(int band);
/*
 * Whole percentages of count[0..nb-1] out of their sum that add up to 100:
 * each rounded down, the points left go by largest remainder, a tie to the
 * smaller count (so the 1 of 8 threats shows as 13 %, the 7 as 87 %).
 */
void	risk_percent(const int *count, int nb, int *pct);

/* 3. PNH: R = P x N x H, each 1-5; bands I (worst) to V. */
#define RISK_PNH_NBANDS		5
/* R, or -1 when a factor is out of 1-5. */
int	risk_pnh_score(int p, int n, int h);
/* 1 (I, R > 100), 2 (II, 51-100), 3 (III, 11-50), 4 (IV, 3-10), 5 (V, < 3). */
int	risk_pnh_band(int r);
/* "I".."V"; "unacceptable", "undesirable", "moderate", "acceptable", "negligible". */
const char *risk_pnh_band_name(int band);
const char *risk_pnh_band_text(int band);

/* 4. Point method, exponential: level k of a factor weighs weight << k. */
#define RISK_POINTS_LEVELS_MAX	8
/* Points of level (0-based) at weight; -1 when out of range. */
long	risk_points_level(int weight, int level);
/* "low", "medium", "high" by thresholds: >= high_min high, >= medium_min medium. */
enum risk_points_band { RISK_POINTS_LOW = 0, RISK_POINTS_MEDIUM, RISK_POINTS_HIGH,
	RISK_POINTS_NBANDS };
int	risk_points_band(long total, long medium_min, long high_min);
const char *risk_points_band_name(int band);

/*
 * 5. Where detection happens, earliest first: at the perimeter, while a
 * mechanical barrier is attacked, when it is opened (overcome), in the
 * space inside, at the protected object.
 */
enum risk_stage { RISK_STAGE_PERIMETER = 1, RISK_STAGE_ATTACK, RISK_STAGE_OPENING,
	RISK_STAGE_SPACE, RISK_STAGE_OBJECT };
int	risk_stage_parse(const char *);		/* -1 unknown */
const char *risk_stage_name(int stage);
/* "Z-1".."Z-4" -> 1..4, -1 otherwise. */
int	risk_category_parse(const char *);
/* The default latest stage a category allows (Z-1 object .. Z-4 attack). */
int	risk_category_default_stage(int category);

/* 6. Time balance, in seconds. */
struct risk_tb {
	int	detection;
	int	transmission;
	int	handling;
	int	travel;
};
struct risk_tb_result {
	int	intervention;	/* detection + transmission + handling + travel */
	int	margin;		/* delay - intervention (negative: too late) */
	int	late;		/* missing seconds, 0 in time */
	int	dispatch;	/* seconds after the alarm arrives the unit must leave */
};
void	risk_time_balance(const struct risk_tb *, int delay, struct risk_tb_result *);

/* --- the band mapping of pcod.conf: risk-band (src/risk.c, pure) -------- */

enum risk_method { RISK_M_MATRIX = 0, RISK_M_PNH, RISK_M_POINTS, RISK_M_COUNT };

/* What a band does to the alarms of its sites. */
struct risk_rule {
	int	priority;	/* levels raised, 0-8 */
	int	take_pct;	/* take-deadline x pct / 100 */
	int	step_pct;	/* each step's deadline x pct / 100 */
	int	grade;		/* the least EN 50131 grade a site of the band needs; 0 none */
	int	lineno;		/* 0: the default */
};

#define RISK_PCT_MIN	5
#define RISK_PCT_MAX	400

struct risk_map;
/* The default mapping (pcod.conf(5)); risk_map_free(NULL) is harmless. */
struct risk_map	*risk_map_new(void);
void		 risk_map_free(struct risk_map *);
struct risk_map	*risk_map_copy(const struct risk_map *);
/*
 * One "risk-band METHOD BAND [priority N] [take-deadline F] [step-deadline
 * F] [grade G]" line's words after the directive: 0, or -1 with a message.
 */
int	risk_map_set(struct risk_map *, char **av, int ac, int lineno,
	    char *err, size_t errsz);
/* The rule of band (a band number of method's scale); NULL for a bad pair. */
const struct risk_rule *risk_map_rule(const struct risk_map *, int method,
	    int band);
/* Parse METHOD and BAND words ("pnh" "II"): 0 with both, -1. */
int	risk_method_parse(const char *);
const char *risk_method_name(int method);
int	risk_band_parse(int method, const char *);
const char *risk_band_name(int method, int band);
/* 1 if s names a band as "METHOD:BAND" ("pnh:II"): protocols by band. */
int	risk_band_key_valid(const char *s);

/* --- what an assessment does to a new alarm ------------------------------ */

/* The bands of a site's current assessment (-1: the method was not used). */
struct risk_bands {
	int	band[RISK_M_COUNT];
};

#define RISK_NO_DISPATCH	INT64_MIN

/* Filled at raise time from the site's current assessment. */
struct risk_alarm {
	int64_t	 assessment_id;	/* 0: none */
	int	 version;
	int	 priority;	/* levels raised */
	int	 take_pct;	/* 100: unchanged */
	int	 step_pct;
	int64_t	 dispatch_s;	/* RISK_NO_DISPATCH; else seconds from the raise */
	char	 band_key[3][24];	/* "pnh:II"...; "" none (protocol by band) */
	char	 reason[256];	/* "" none */
};

/*
 * The rules of the bands that apply, combined: the most levels raised and
 * the shortest deadlines; reason names each band that changed something
 * ("priority raised 1: PNH band II; take-deadline x0.5: PNH band II").
 */
void	risk_apply_bands(const struct risk_map *, const struct risk_bands *,
	    struct risk_alarm *);
/* The least grade the bands need (0: none). */
int	risk_needed_grade(const struct risk_map *, const struct risk_bands *);
/* ms scaled by pct / 100, at least 1 s. */
int64_t	risk_scale_ms(int64_t ms, int pct);
/* The dispatch deadline of an alarm raised at now (0: none; now when already late). */
int64_t	risk_dispatch_ms(const struct risk_alarm *, int64_t now);
/* The take deadline: take_s scaled, and never after the dispatch deadline. */
int64_t	risk_take_ms(const struct risk_alarm *, int take_s, int64_t now);

/* --- the document (src/risk_doc.c, pure) --------------------------------- */

#define RISK_NAME_MAX		128	/* bytes of a name or assessor */
#define RISK_NOTE_MAX		2048
#define RISK_ITEMS_MAX		64	/* components, threats, points, measures */
#define RISK_MINUTES_MAX	1440
#define RISK_FACTORS_MAX	16
#define RISK_TABLES_FORMAT	"pcod-risk-tables"

/*
 * Check a risk table document (factor tables of the point method, its band
 * thresholds, the Z category -> stage mapping); 0 or -1 with err naming the
 * member.  risk_tables_default(): the built-in set (a new reference).
 */
int	 risk_tables_validate(const json_t *doc, char *err, size_t errsz);
json_t	*risk_tables_default(void);

/* What the evaluation needs of the site beside the document. */
struct risk_site_units {
	const json_t	*units;		/* [{id, kind, response_time}] of the site */
};

/*
 * Check an assessment document (see pcod-control(7), site.assess) and
 * compute its result with the tables: a new object
 * {grade?, matrix?, pnh?, points?, zone?, time_balance?, bands, flags} or
 * NULL with err naming the member ("matrix.threats[2].impact: ...").
 */
json_t	*risk_evaluate(const json_t *doc, const json_t *tables,
	    const json_t *units, const struct risk_map *, char *err,
	    size_t errsz);
/* The bands recorded in a result (from risk_evaluate). */
void	 risk_result_bands(const json_t *result, struct risk_bands *);
/* The dispatch budget for an alarm of zone (-1 none) from a result; RISK_NO_DISPATCH. */
int64_t	 risk_result_dispatch(const json_t *result, int zone);

/* --- storage (src/store_risk.c) ------------------------------------------ */

/*
 * Store an evaluated assessment as the site's next version (the older stay,
 * not current), in the open batch: 0 with *id, *version; -1.
 */
int	store_risk_put(struct store *, int64_t site_id, const json_t *doc,
	    const json_t *result, int64_t assessed_ms, int64_t valid_ms,
	    const char *created_by, int64_t created_ms, int64_t *id,
	    int *version);
/* The current assessment (version 0) or that version; all: every version, newest first. */
json_t	*store_risk_get(struct store *, int committed, int64_t site_id,
	    int version);
json_t	*store_risk_history(struct store *, int committed, int64_t site_id);
/* Every current assessment, for the report (committed). */
json_t	*store_risk_current_all(struct store *);
/* Tables: put the next version (0 with *version); the current one (json_null none). */
int	store_risk_tables_put(struct store *, const json_t *doc,
	    const char *created_by, int64_t created_ms, int *version);
json_t	*store_risk_tables_get(struct store *, int committed, int version);
/*
 * The site's current assessment applied to a new alarm (writer, in the
 * batch): fills rk (all neutral without one).  0 or -1.
 */
int	store_risk_alarm(struct store *, const struct risk_map *,
	    int64_t site_id, int zone, struct risk_alarm *rk);
/* After the alarm row is in: its assessment, reason, dispatch deadline.  0 or -1. */
int	store_risk_alarm_mark(struct store *, int64_t alarm_id,
	    const struct risk_alarm *, int64_t raised_ms);
/* Scale each step's deadline_s of a step list (risk_alarm.step_pct). */
void	risk_steps_scale(json_t *steps, int pct);

/* --- site export/import (src/cmd_risk.c) --------------------------------- */
struct control_ctx;
struct actor;
struct cmd_err;
/* The site's assessments, oldest first, as site.assess documents; NULL error. */
json_t	*cmd_risk_export(struct control_ctx *, int64_t site_id);
/* Check a document's "assessments" (before any write): 0 or -1 with err. */
int	cmd_risk_import_check(struct control_ctx *, const json_t *list,
	    struct cmd_err *err);
/* Store them as new versions of site id, audited.  0 or -1 with err. */
int	cmd_risk_import(struct control_ctx *, const struct actor *, int64_t id,
	    const json_t *list, struct cmd_err *err);

#endif
