/* alarm.c - STUB until the alarm engine lands: accepts everything, raises nothing. */
#include "config.h"

#include <stdlib.h>

#include "alarm.h"
#include "cmd.h"
#include "xmalloc.h"

struct alarm_engine {
	int	unused;
};

struct alarm_engine *
alarm_engine_new(struct event_base *base, struct store *store,
    struct batch *batch, const struct config *cfg)
{
	return xcalloc(1, sizeof(struct alarm_engine));
}

void alarm_engine_free(struct alarm_engine *e) { free(e); }
void alarm_engine_set_config(struct alarm_engine *e, const struct config *c) { }
void alarm_engine_set_notify(struct alarm_engine *e, alarm_notify_fn fn, void *arg) { }
int alarm_engine_start(struct alarm_engine *e) { return 0; }
int alarm_on_event(struct alarm_engine *e, const struct alarm_input *in) { return 0; }
int alarm_comm_fail(struct alarm_engine *e, const char *a, int64_t s, int64_t l) { return 0; }
int alarm_comm_restore(struct alarm_engine *e, const char *a) { return 0; }
void alarm_engine_tick(struct alarm_engine *e) { }
