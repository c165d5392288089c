/* store_protocol.c - STUB: no protocols yet. */
#include "config.h"

#include "handling.h"
#include "store.h"

int64_t store_protocol_select(struct store *s, int64_t site, const char *cls) { return 0; }
json_t *store_protocol_steps(struct store *s, int64_t id) { return json_array(); }
json_t *store_protocol_brief(struct store *s, int64_t id) { return json_null(); }
