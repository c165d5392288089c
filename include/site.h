/* site.h - what other modules need of sites (src/store_site.c; commands in cmd_site.c). */
#ifndef PCOD_SITE_H
#define PCOD_SITE_H

#include <stddef.h>
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
 *  phone, role, keyholder}], units: [{id, kind, name, phone, response_time}]}
 * json_null() when there is none, NULL on error.
 */
json_t	*store_site_brief(struct store *, int64_t site_id);

/* --- site storage for the site and account commands (cmd_site.c, cmd_account.c) ---
 * Fields travel as JSON objects keyed by their API names: a site {name,
 * address, timezone, notes, instructions, code_word, priority_boost}, a zone
 * {name, location, type}, a contact {name, phone, role, keyholder}, a unit
 * {kind, name, phone, response_time}.  An absent member means "unchanged" in
 * an update and "the default" in an insert.  Writes go into the open batch;
 * reads say whether they see the batch (SITE_BATCH) or committed data.
 */
struct store_account;
struct acct_table;
struct control_ctx;
struct config;

enum site_view { SITE_COMMITTED = 0, SITE_BATCH = 1 };

/* The id of the site called name: > 0, 0 none, -1 error (batch). */
int64_t	store_site_find(struct store *, const char *name);
/* Insert a site; its id or -1.  Update given fields: 0, 1 no such site, -1. */
int64_t	store_site_add(struct store *, json_t *fields);
int	store_site_update(struct store *, int64_t id, json_t *fields);
/* Set every field (absent ones to their defaults), drop zones, contacts, units. */
int	store_site_replace(struct store *, int64_t id, json_t *fields);
/* 0, 1 no such site, -1 (accounts and alarms keep their rows, site_id NULL). */
int	store_site_remove(struct store *, int64_t id);
/* {accounts, open_alarms, protocols} referring to the site (batch); NULL error. */
json_t	*store_site_usage(struct store *, int64_t id);
/*
 * The whole site: {id, name, ..., created_ms, updated_ms, zones, contacts
 * (call order), units: [{id, kind, name, phone, response_time}], accounts:
 * [{account, name, supervision}]}; json_null() none, NULL error.
 */
json_t	*store_site_get(struct store *, enum site_view, int64_t id);
/* [{id, name, address, timezone, zones, contacts, units, accounts}] by name. */
json_t	*store_site_list(struct store *);
/* {id, name} of a site (committed), json_null() none, NULL error. */
json_t	*store_site_ref(struct store *, int64_t id);

/* Zones: {number, name, location, type} or json_null() (batch). */
json_t	*store_site_zone_get(struct store *, int64_t site, int number);
int	store_site_zone_set(struct store *, int64_t site, int number, json_t *fields);
int	store_site_zone_remove(struct store *, int64_t site, int number);	/* 0, 1, -1 */

/* Contacts: {id, site_id, position, name, phone, role, keyholder} (batch). */
json_t	*store_site_contact_get(struct store *, int64_t id);
int	store_site_contact_count(struct store *, int64_t site);	/* -1 error */
/* Insert at position (1..count+1), moving the later ones down; id or -1. */
int64_t	store_site_contact_add(struct store *, int64_t site, int position,
	    json_t *fields);
int	store_site_contact_update(struct store *, int64_t id, json_t *fields);
/* Move contact id of site from position from to to, renumbering the others. */
int	store_site_contact_move(struct store *, int64_t site, int64_t id, int from,
	    int to);
/* Delete contact id at position pos and close the gap. */
int	store_site_contact_remove(struct store *, int64_t site, int64_t id, int pos);

/* Units: {id, site_id, kind, name, phone, response_time} (batch). */
json_t	*store_site_unit_get(struct store *, int64_t id);
int64_t	store_site_unit_add(struct store *, int64_t site, json_t *fields);
int	store_site_unit_update(struct store *, int64_t id, json_t *fields);
int	store_site_unit_remove(struct store *, int64_t id);	/* 0, 1, -1 */

/* An account as the open batch has it: 0, 1 not found, -1 error. */
int	store_site_account_get(struct store *, const char *account,
	    struct store_account *out);

/*
 * After a commit: copy account's stored key, site and supervision into the
 * receiver's table and the supervisor, or drop it there if it is gone
 * (cmd_account.c).
 */
void	cmd_account_sync(struct control_ctx *, const char *account);
/* Put a stored account into the receiver's table (logs an unusable key). */
void	cmd_account_mirror(struct acct_table *, const struct store_account *);
/*
 * A supervision interval given as a string ("SP4", "90s", "none") or as
 * integer seconds, checked by supervise_parse_interval().  0 or -1 with err
 * (cmd_account.c).
 */
int	cmd_account_interval(const struct config *, const json_t *v, int *seconds,
	    char *err, size_t errsz);

#endif
