/* trouble.h - pcod's own storage trouble: told once per change of state, summarised, recorded (src/trouble.c). */
#ifndef PCOD_TROUBLE_H
#define PCOD_TROUBLE_H

#include <jansson.h>

struct event_base;
struct batch;
struct store;
struct alarm_engine;
struct control;
struct trouble;

/*
 * Take batch's fail and ok hooks: the first failed batch logs one line and
 * pushes one "system" notice; while failing, a summary at most every 5 s;
 * the first commit after logs and notifies the end, and the episode is
 * recorded as the "storage" system alarm of alarms.  control may be NULL.
 */
struct trouble	*trouble_new(struct event_base *, struct batch *, struct store *,
		    struct alarm_engine *, struct control *);
void		 trouble_free(struct trouble *);
/* What the hooks call (tests call them directly). */
void		 trouble_storage_failed(struct trouble *, const char *why);
void		 trouble_storage_slow(struct trouble *, const char *why);
void		 trouble_storage_ok(struct trouble *);
/* 1 while the last batch failed. */
int		 trouble_storage_failing(const struct trouble *);
/*
 * The state for status: {"state": "ok"|"slow"|"failing", since, failures,
 * naks, message, unrecorded}; "slow" has since and message, no counts.
 */
json_t		*trouble_storage_json(const struct trouble *);

#endif
