/* supervise.c - STUB until supervision lands. */
#include "config.h"

#include <stdlib.h>

#include "supervise.h"
#include "xmalloc.h"

struct supervisor {
	int	unused;
};

struct supervisor *
supervise_new(struct event_base *base, struct store *store, struct batch *batch,
    struct alarm_engine *e, const struct config *cfg)
{
	return xcalloc(1, sizeof(struct supervisor));
}

void supervise_free(struct supervisor *s) { free(s); }
void supervise_set_config(struct supervisor *s, const struct config *c) { }
int supervise_start(struct supervisor *s) { return 0; }
void supervise_seen(struct supervisor *s, const char *a, int64_t now) { }
void supervise_account(struct supervisor *s, const char *a, int64_t site, int iv) { }
void supervise_forget(struct supervisor *s, const char *a) { }
void supervise_tick(struct supervisor *s) { }
json_t *supervise_status(struct supervisor *s, const char *a) { return json_null(); }
