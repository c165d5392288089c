/* site.h - what other modules need of sites (src/store_site.c; commands in cmd_site.c). */
#ifndef PCOD_SITE_H
#define PCOD_SITE_H

#include <stdint.h>

#include <jansson.h>

struct store;

/* The site's priority boost: 0, 1 no such site, -1 error (writer: sees the batch). */
int	store_site_boost(struct store *, int64_t site_id, int *boost);
/* 1 the site exists, 0 not, -1 error (writer: sees the batch). */
int	store_site_exists(struct store *, int64_t site_id);
/*
 * The site as an operator needs it beside an alarm (committed data):
 * {id, name, address, timezone, notes, instructions, code_word,
 *  zones: [{number, name, location, type}], contacts: [{position, name,
 *  phone, role, keyholder}], units: [{id, kind, name, phone, response}]}
 * json_null() when there is none, NULL on error.
 */
json_t	*store_site_brief(struct store *, int64_t site_id);

#endif
