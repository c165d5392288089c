/* store_site.c - STUB until sites land. */
#include "config.h"

#include "site.h"
#include "store.h"

int store_site_boost(struct store *s, int64_t id, int *boost) { *boost = 0; return 1; }
int store_site_exists(struct store *s, int64_t id) { return 0; }
json_t *store_site_brief(struct store *s, int64_t id) { return json_null(); }
