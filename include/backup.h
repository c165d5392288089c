/*
 * backup.h - copies of the database made off the loop (src/backup.c): an
 * online backup or an archive of what retention is about to purge, one at
 * a time, each on a thread of its own with its own SQLite connections
 * (store_retention.c); the result comes back as an event on the loop.
 */
#ifndef PCOD_BACKUP_H
#define PCOD_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct backup;

enum backup_kind { BACKUP_COPY = 0, BACKUP_ARCHIVE };

/* Pages per backup step and the pause between steps (the loop's disk share). */
#define BACKUP_STEP_PAGES	256
#define BACKUP_PAUSE_MS		5

/*
 * On the loop, once a job is over: rc 0 with result (a new reference, the
 * callee's), or -1 with err (result NULL).
 */
typedef void	(*backup_done_fn)(int rc, json_t *result, const char *err,
		    void *arg);

struct backup	*backup_new(struct event_base *);
/*
 * Stop: a backup running is cancelled between steps (an archive runs to
 * its end), its thread joined and its done told -1; then free.
 */
void		 backup_free(struct backup *);
/*
 * Start a job copying db to the new file dest (until_ms: for an archive).
 * 0, or -1 with err set when one is already running or the thread cannot
 * start.
 */
int		 backup_start(struct backup *, enum backup_kind, const char *db,
		    const char *dest, int64_t until_ms, backup_done_fn done,
		    void *arg, char *err, size_t errsz);
/* 1 if a job is running. */
int		 backup_running(const struct backup *);
/* For status: {running, kind, path, done, failed, last_ms}. */
json_t		*backup_status(const struct backup *);

#endif
