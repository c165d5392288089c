/* audit.h - the append-only audit log: who did what, when and why (src/store_audit.c). */
#ifndef PCOD_AUDIT_H
#define PCOD_AUDIT_H

#include <stdint.h>

#include <jansson.h>

struct store;
struct actor;

struct audit_filter {
	const char	*actor;		/* NULL: any */
	const char	*action;	/* NULL: any; "alarm." matches a prefix when it ends in '.' */
	const char	*object;	/* NULL: any, e.g. "alarm" */
	const char	*object_id;	/* NULL: any */
	int64_t		 since_ms;	/* 0: no bound */
	int64_t		 until_ms;	/* 0: no bound (exclusive) */
	int		 limit;		/* > 0 */
};

/*
 * Append one record in the open batch, at clock_now_ms(): action like
 * "alarm.take", object "alarm" and its id, the reason given (may be NULL)
 * and details (borrowed; may be NULL).  0 or -1.
 */
int	store_audit_add(struct store *, const struct actor *who, const char *action,
	    const char *object, const char *object_id, const char *reason,
	    json_t *details);
/* The same with the time it happened (a row kept in memory while writes failed). */
int	store_audit_add_at(struct store *, int64_t at_ms, const struct actor *who,
	    const char *action, const char *object, const char *object_id,
	    const char *reason, json_t *details);
/* Committed records, newest first: [{id, at, actor, action, object, object_id, reason, details}]. */
json_t	*store_audit_list(struct store *, const struct audit_filter *);

#endif
