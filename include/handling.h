/* handling.h - handling protocols: versioned, approved step lists chosen per site and class. */
#ifndef PCOD_HANDLING_H
#define PCOD_HANDLING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

/* Step actions a protocol may hold. */
#define HANDLING_ACTIONS	"call, dispatch, notify, verify, text"

/* Bounds of a protocol document. */
#define HANDLING_NAME_MAX	64	/* bytes */
#define HANDLING_APPROVER_MAX	128
#define HANDLING_STEPS_MAX	64
#define HANDLING_TARGET_MAX	128
#define HANDLING_TEXT_MAX	1024
#define HANDLING_PHONE_MAX	32
#define HANDLING_DEADLINE_MAX	86400	/* seconds */

/*
 * Check a protocol document as protocol.put takes it (pure):
 * {name, site?: id|null, class?: name|null, approved_by, approved_at?,
 *  steps: [{action, target?, text?, deadline: seconds}, ...]}
 * 0 or -1 with err naming the field ("steps[2].deadline: ...").
 */
int	handling_validate(const json_t *doc, char *err, size_t errsz);
/* 1 if action is one of HANDLING_ACTIONS; 1 if name may name a protocol. */
int	handling_action_valid(const char *action);
int	handling_name_valid(const char *name);
/* A valid step's target as stored: integers in decimal, none as "". */
void	handling_target_text(const json_t *step, char *buf, size_t bufsz);

/*
 * The protocol version in force for an alarm of class at site (0: none):
 * the most specific of site+class, site, centre+class, centre.  Its id, 0
 * when there is none, -1 on error.  Writer connection (sees the batch).
 */
int64_t	store_protocol_select(struct store *, int64_t site_id, const char *cls);
/* Its steps in order: [{position, action, target, text, deadline_s}] (writer); NULL on error. */
json_t	*store_protocol_steps(struct store *, int64_t protocol_id);
/* {id, name, version, current, site_id, class, approved_by, approved_ms} (committed data); json_null() none. */
json_t	*store_protocol_brief(struct store *, int64_t protocol_id);

/* --- for the protocol.* commands (src/cmd_protocol.c) --- */

/*
 * Store a validated document as a new version of its name, in the open
 * batch: version 1, or latest + 1 (the older versions stay, not current).
 * created_by/created_ms are who and when; approved_ms is used when the
 * document has no approved_at.  0 with *id and *version; 1 when another
 * name is current for the same site and class (its name in other); -1.
 */
int	store_protocol_put(struct store *, const json_t *doc,
	    const char *created_by, int64_t created_ms, int64_t *id,
	    int *version, char *other, size_t othersz);
/* End the current version of name (writer): 0 with *id, *version; 1 none; -1. */
int	store_protocol_retire(struct store *, const char *name, int64_t *id,
	    int *version);
/*
 * A protocol with its steps: version (0: the current one, or the latest
 * when retired) of name; or by id.  Columns: id, name, version, current,
 * site_id, class, approved_by, approved_ms, created_by, created_ms,
 * latest, steps [..].  json_null() none, NULL error.  committed: 1 reads
 * committed data (consoles), 0 sees the open batch (inside a change).
 */
json_t	*store_protocol_get(struct store *, int committed, const char *name,
	    int version);
json_t	*store_protocol_by_id(struct store *, int committed, int64_t id);
/*
 * Protocols (committed): site -1 any, 0 centre-wide only, else that site's
 * own; only current versions unless all_versions.  Each as
 * store_protocol_get without steps, with nsteps.  NULL on error.
 */
json_t	*store_protocol_list(struct store *, int64_t site, int all_versions);
/*
 * Call steps of current protocols that name a contact position beyond the
 * call list of a site they reach (protocol_id, site_id: 0 any), as the
 * open batch has them: [{protocol, version, shared (1: centre-wide or a
 * band), step (position), contact, site, site_name, contacts}], own-site
 * protocols first, at most limit; NULL on error.  A shared protocol reaches
 * every site (of its band) where no protocol ranked above it (the site's
 * own; a band protocol, above a centre-wide one) covers all its classes.
 */
json_t	*store_protocol_gaps(struct store *, int64_t protocol_id,
	    int64_t site_id, int limit);
/* A gap as a sentence: "protocol 'Night' step 2 calls contact 3, but site 4 (Shop) has only 2 contacts". */
void	handling_gap_text(const json_t *gap, char *buf, size_t bufsz);
/* The gaps as warnings (new array): each with a message; one_protocol drops its name. */
json_t	*handling_gap_warnings(json_t *gaps, int one_protocol);
/* Warnings a change returns at most (more: "warnings_more": true). */
#define HANDLING_GAPS_MAX	100
/* As store_protocol_select, on committed data (consoles). */
int64_t	store_protocol_match(struct store *, int64_t site_id, const char *cls);

#endif
