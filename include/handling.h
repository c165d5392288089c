/* handling.h - handling protocols: versioned, approved step lists chosen per site and class. */
#ifndef PCOD_HANDLING_H
#define PCOD_HANDLING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

/* Step actions a protocol may hold. */
#define HANDLING_ACTIONS	"call, dispatch, notify, verify, text"

/*
 * Check a protocol document as protocol.put takes it (pure):
 * {name, site?: id|null, class?: name|null, approved_by, approved_at?,
 *  steps: [{action, target?, text?, deadline: seconds}, ...]}
 * 0 or -1 with err naming the field ("steps[2].deadline: ...").
 */
int	handling_validate(const json_t *doc, char *err, size_t errsz);

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

#endif
