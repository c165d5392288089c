/* auditq.h - console audit rows kept in memory while the database refuses writes (src/auditq.c). */
#ifndef PCOD_AUDITQ_H
#define PCOD_AUDITQ_H

#include <stddef.h>

#include <jansson.h>

struct batch;
struct store;
struct actor;
struct auditq;

/* Rows kept at most; failed logins take at most half of them. */
#define AUDITQ_MAX	256

/*
 * Takes batch's open hook: the kept rows are written, all in one savepoint,
 * first into every batch that opens, and dropped once that batch commits.
 */
struct auditq	*auditq_new(struct batch *, struct store *);
/* Rows never stored are logged (one line each) as the last record of them. */
void		 auditq_free(struct auditq *);
/*
 * Keep a row to write later, stamped now (details borrowed).  failure: a
 * failed login, which may only use half the room and is otherwise counted.
 * 0, or -1 when there is no room.
 */
int		 auditq_add(struct auditq *, const struct actor *who,
		    const char *action, const char *object, const char *object_id,
		    const char *reason, json_t *details, int failure);
/* Rows kept and not yet stored. */
size_t		 auditq_count(const struct auditq *);
/* Write the kept rows into the open batch, or open one for them.  0 or -1. */
int		 auditq_flush(struct auditq *);

#endif
