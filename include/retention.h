/*
 * retention.h - how long pcod keeps what it stored (pcod.conf(5)
 * "retention"): the purge that runs on the loop in small steps of the
 * normal batches (src/retention.c), its SQL (src/store_retention.c), and
 * the archive and backup copies made on a thread with connections of their
 * own (src/store_retention.c, run by src/backup.c).
 */
#ifndef PCOD_RETENTION_H
#define PCOD_RETENTION_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct store;
struct batch;
struct config;

/* Rows examined at most per kind and step: a step stays well under a few ms. */
#define RETENTION_STEP_ROWS	256
/* A step aims at this much of the loop's time; its row budget follows. */
#define RETENTION_TARGET_US	2000
#define RETENTION_MIN_ROWS	8

/*
 * The next step's row budget after a step of budget rows took us; the
 * round's quickest step so far in *floor_us (0 at the round's start),
 * updated.  Only the time beyond that floor counts against the target.
 */
int	retention_budget_next(int budget, int64_t us, int64_t *floor_us);

/*
 * Where each kind's purge stops: rows older than these (UTC ms) may go;
 * 0 keeps the kind forever.  frames_ms is never inside the duplicate
 * window (retention.c sees to it).
 */
struct retention_cut {
	int64_t	events_ms;	/* events not linked to any alarm */
	int64_t	frames_ms;	/* frames none of whose events are left */
	int64_t	alarms_ms;	/* closed alarms, by closing time, with their parts */
	int64_t	patrol_ms;	/* patrol check-ins and old shifts' findings */
	int64_t	audit_ms;	/* audit rows, a prefix of the chain */
};

/* Rows purged (or, for an archive, copied), per kind. */
struct retention_counts {
	int64_t	frames, events, alarms, alarm_links, alarm_parts;
	int64_t	checkins, findings, audit;
};

/*
 * Where a purge round has got to, so rows kept (linked to an alarm still
 * kept) are examined once per round, not once per step.  Zero: a new round.
 */
struct retention_cursor {
	int64_t	event_id;		/* last event examined */
	int64_t	frame_id;		/* last frame examined */
	int64_t	checkin_id;		/* last check-in examined */
	unsigned done;			/* kinds with nothing left this round */
};

/*
 * One step of a purge round in the open batch (the caller holds a
 * savepoint): for each kind with a cut, up to max rows examined, in the
 * order the foreign keys need (alarms and their links, then events, then
 * frames).  Never touches an open alarm or anything it refers to.  Adds
 * what it purged to *n.  1 more to do, 0 the round is done, -1 error.
 */
int	store_retention_step(struct store *, const struct retention_cut *,
	    struct retention_cursor *, int max, struct retention_counts *n);

/*
 * On a thread, with connections of its own (never the loop's store):
 * write into the new file dest (created 0600, refused if it exists) every
 * row a purge with all cuts at until_ms would take, and the audit chain's
 * anchor before and after them (pcod-control(7), "archive").  The summary
 * in *result (a new object).  0, or -1 with err (dest removed).
 */
int	store_retention_archive(const char *db, const char *dest,
	    int64_t until_ms, json_t **result, char *err, size_t errsz);

/*
 * On a thread: an online copy of db into the new file dest (created 0600,
 * refused if it exists), under one read transaction so it is one
 * consistent moment, step_pages pages at a time with pause_ms between
 * steps, until *cancel becomes non-zero.  The summary in *result.  0, or
 * -1 with err (dest removed).
 */
int	store_backup_copy(const char *db, const char *dest, int step_pages,
	    int pause_ms, const atomic_int *cancel, json_t **result, char *err,
	    size_t errsz);

/* The purge on the loop. */
struct retention;

struct retention	*retention_new(struct event_base *, struct store *,
			    struct batch *, const struct config *);
void			 retention_free(struct retention *);
/* A new configuration (SIGHUP): new periods take effect at the next step. */
void			 retention_set_config(struct retention *,
			    const struct config *);
/* The cuts the configuration gives at now_ms (for archive's default). */
void			 retention_cuts(const struct config *, int64_t now_ms,
			    struct retention_cut *out);
/* For status: {periods, running, rounds, steps, purged {...}, errors, ...}. */
json_t			*retention_status(const struct retention *);
/* The per-kind counts as a new object. */
json_t			*retention_counts_json(const struct retention_counts *);

#endif
