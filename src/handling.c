/* handling.c - handling protocols, the pure part: checking a protocol document. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "codes.h"
#include "event.h"
#include "handling.h"
#include "risk.h"
#include "xmalloc.h"

static const char *const handling_actions[] = {
	"call", "dispatch", "notify", "verify", "text", NULL
};

static const char *const handling_unit_kinds[] = {
	"guard", "police", "fire", "medical", "technician", "other", NULL
};

/* Members a protocol document and a step may hold. */
static const char *const doc_members[] = {
	"name", "site", "class", "approved_by", "approved_at", "steps", "reason",
	"band", NULL
};
static const char *const step_members[] = {
	"action", "target", "text", "deadline", NULL
};

/* The index of s in the NULL-terminated list, or -1. */
static int
hv_lookup(const char *const *list, const char *s)
{
	int	i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/* 1 if the action is one a step may have. */
int
handling_action_valid(const char *action)
{
	return hv_lookup(handling_actions, action) >= 0;
}

/* The first member of o not in allowed, or NULL. */
static const char *
hv_unknown_member(const json_t *o, const char *const *allowed)
{
	const char	*key;
	json_t		*v;

	json_object_foreach((json_t *)o, key, v)
		if (hv_lookup(allowed, key) < 0)
			return key;
	return NULL;
}

/* 1 if s has a byte that is a control character. */
static int
hv_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* 1 if s is blank (empty or only spaces). */
static int
hv_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* 1 if s is 1-3 digits naming a contact position 1-999. */
static int
hv_position(const char *s)
{
	size_t	len = strlen(s), i;

	if (len == 0 || len > 3 || strcmp(s, "0") == 0 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* 1 if s looks like a phone number: "+", digits, spaces, "-()/"; 4+ digits. */
static int
hv_phone(const char *s)
{
	size_t	i, digits = 0, len = strlen(s);

	if (len < 4 || len > HANDLING_PHONE_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (s[i] == '+' && i == 0)
			continue;
		else if (strchr(" -()/", s[i]) == NULL)
			return 0;
	}
	return digits >= 4;
}

/* 1 if s is a unit id (a positive integer) or a unit kind. */
static int
hv_unit(const char *s)
{
	size_t	i, len = strlen(s);

	if (hv_lookup(handling_unit_kinds, s) >= 0)
		return 1;
	if (len == 0 || len > 18 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * The target of step i as text in buf ("" when absent); integers become
 * their decimal form.  -1 with err when it is neither string nor integer.
 */
static int
hv_target_text(const json_t *t, size_t i, char *buf, size_t bufsz,
    char *err, size_t errsz)
{
	buf[0] = '\0';
	if (t == NULL || json_is_null(t))
		return 0;
	if (json_is_integer(t)) {
		snprintf(buf, bufsz, "%lld", (long long)json_integer_value(t));
		return 0;
	}
	if (!json_is_string(t) || json_string_length(t) > HANDLING_TARGET_MAX ||
	    hv_has_control(json_string_value(t)))
		return xerr(err, errsz, "steps[%zu].target: must be a string "
		    "of at most %d characters", i, HANDLING_TARGET_MAX);
	snprintf(buf, bufsz, "%s", json_string_value(t));
	return 0;
}

/* Check the target of step i against its action. */
static int
hv_step_target(const char *action, const json_t *t, size_t i, char *err,
    size_t errsz)
{
	char	buf[HANDLING_TARGET_MAX + 1];

	if (hv_target_text(t, i, buf, sizeof buf, err, errsz) != 0)
		return -1;
	/* A number is a position; phone numbers come as strings. */
	if (strcmp(action, "call") == 0 && !hv_position(buf) &&
	    (json_is_integer(t) || !hv_phone(buf)))
		return xerr(err, errsz, "steps[%zu].target: a call needs a "
		    "contact position (1-999) or a phone number", i);
	if (strcmp(action, "dispatch") == 0 && !hv_unit(buf))
		return xerr(err, errsz, "steps[%zu].target: a dispatch needs "
		    "a unit id or a unit kind (guard, police, fire, medical, "
		    "technician, other)", i);
	return 0;
}

/* Check the text and deadline of step i. */
static int
hv_step_text_deadline(const char *action, const json_t *step, size_t i,
    char *err, size_t errsz)
{
	const json_t	*text = json_object_get(step, "text");
	const json_t	*dl = json_object_get(step, "deadline");

	if (text != NULL && !json_is_null(text) && (!json_is_string(text) ||
	    json_string_length(text) > HANDLING_TEXT_MAX))
		return xerr(err, errsz, "steps[%zu].text: must be a string of "
		    "at most %d characters", i, HANDLING_TEXT_MAX);
	if (strcmp(action, "text") == 0 && (!json_is_string(text) ||
	    hv_blank(json_string_value(text))))
		return xerr(err, errsz, "steps[%zu].text: a text step needs "
		    "its text", i);
	if (!json_is_integer(dl) || json_integer_value(dl) < 1 ||
	    json_integer_value(dl) > HANDLING_DEADLINE_MAX)
		return xerr(err, errsz, "steps[%zu].deadline: must be 1-%d "
		    "seconds", i, HANDLING_DEADLINE_MAX);
	return 0;
}

/* Check step i of the document. */
static int
hv_step(const json_t *step, size_t i, char *err, size_t errsz)
{
	const char	*action, *unknown;

	if (!json_is_object(step))
		return xerr(err, errsz, "steps[%zu]: must be an object", i);
	if ((unknown = hv_unknown_member(step, step_members)) != NULL)
		return xerr(err, errsz, "steps[%zu].%.64s: unknown member "
		    "(a step has action, target, text, deadline)", i, unknown);
	action = json_string_value(json_object_get(step, "action"));
	if (!handling_action_valid(action))
		return xerr(err, errsz, "steps[%zu].action: must be one of "
		    HANDLING_ACTIONS, i);
	if (hv_step_target(action, json_object_get(step, "target"), i, err,
	    errsz) != 0)
		return -1;
	return hv_step_text_deadline(action, step, i, err, errsz);
}

/* Check the list of steps. */
static int
hv_steps(const json_t *steps, char *err, size_t errsz)
{
	size_t	 i;
	json_t	*step;

	if (!json_is_array(steps) || json_array_size(steps) < 1 ||
	    json_array_size(steps) > HANDLING_STEPS_MAX)
		return xerr(err, errsz, "steps: must be a list of 1-%d steps",
		    HANDLING_STEPS_MAX);
	json_array_foreach(steps, i, step)
		if (hv_step(step, i, err, errsz) != 0)
			return -1;
	return 0;
}

/* 1 if name is a usable protocol name. */
int
handling_name_valid(const char *name)
{
	size_t	len;

	if (name == NULL || (len = strlen(name)) == 0 ||
	    len > HANDLING_NAME_MAX)
		return 0;
	if (isspace((unsigned char)name[0]) ||
	    isspace((unsigned char)name[len - 1]))
		return 0;
	return !hv_has_control(name) && strchr(name, '@') == NULL;
}

/* The event classes as "other, burglary, ..." in buf. */
static void
hv_class_list(char *buf, size_t bufsz)
{
	size_t	len = 0;
	int	i;

	buf[0] = '\0';
	for (i = 0; i < EVC_COUNT && len < bufsz; i++)
		len += (size_t)snprintf(buf + len, bufsz - len, "%s%s",
		    i > 0 ? ", " : "", codes_class_name((enum event_class)i));
}

/* A protocol by risk band (risk.h): centre-wide, "METHOD:BAND". */
static int
hv_band(const json_t *doc, char *err, size_t errsz)
{
	const json_t	*v = json_object_get(doc, "band");
	const json_t	*site = json_object_get(doc, "site");

	if (v == NULL || json_is_null(v))
		return 0;
	if (!risk_band_key_valid(json_string_value(v)))
		return xerr(err, errsz, "band: must be a risk band as "
		    "METHOD:BAND (matrix:least|medium|most, pnh:I..V, "
		    "points:low|medium|high) or null");
	if (site != NULL && !json_is_null(site))
		return xerr(err, errsz, "band: a protocol for a risk band "
		    "applies to every site of the band: give site or band, "
		    "not both");
	return 0;
}

/* Check the name, and where the protocol applies: site and class. */
static int
hv_where(const json_t *doc, char *err, size_t errsz)
{
	const json_t	*v;
	char		 classes[160];

	if (!handling_name_valid(json_string_value(json_object_get(doc, "name"))))
		return xerr(err, errsz, "name: must be 1-%d characters, without "
		    "'@', control characters or blanks at either end",
		    HANDLING_NAME_MAX);
	v = json_object_get(doc, "site");
	if (v != NULL && !json_is_null(v) &&
	    (!json_is_integer(v) || json_integer_value(v) < 1))
		return xerr(err, errsz, "site: must be a site id or null "
		    "(centre-wide)");
	v = json_object_get(doc, "class");
	if (v != NULL && !json_is_null(v) &&
	    codes_class_parse(json_string_value(v)) < 0) {
		hv_class_list(classes, sizeof classes);
		return xerr(err, errsz, "class: must be an event class (%s) "
		    "or null (every class)", classes);
	}
	return hv_band(doc, err, errsz);
}

/* Check the approval: who agreed the protocol, and when. */
static int
hv_approval(const json_t *doc, char *err, size_t errsz)
{
	const json_t	*v = json_object_get(doc, "approved_by");

	if (!json_is_string(v) || hv_blank(json_string_value(v)) ||
	    json_string_length(v) > HANDLING_APPROVER_MAX ||
	    hv_has_control(json_string_value(v)))
		return xerr(err, errsz, "approved_by: required: who on the "
		    "client's side agreed the protocol (1-%d characters)",
		    HANDLING_APPROVER_MAX);
	v = json_object_get(doc, "approved_at");
	if (v != NULL && !json_is_null(v) &&
	    (!json_is_integer(v) || json_integer_value(v) < 0))
		return xerr(err, errsz, "approved_at: must be a time");
	v = json_object_get(doc, "reason");
	if (v != NULL && !json_is_null(v) && !json_is_string(v))
		return xerr(err, errsz, "reason: must be a string");
	return 0;
}

/* Check a protocol document as protocol.put takes it. */
int
handling_validate(const json_t *doc, char *err, size_t errsz)
{
	const char	*unknown;

	if (!json_is_object(doc))
		return xerr(err, errsz, "protocol: must be an object");
	if ((unknown = hv_unknown_member(doc, doc_members)) != NULL)
		return xerr(err, errsz, "%.64s: unknown member", unknown);
	if (hv_where(doc, err, errsz) != 0 || hv_approval(doc, err, errsz) != 0)
		return -1;
	return hv_steps(json_object_get(doc, "steps"), err, errsz);
}

/* The target of a step as stored: integers in decimal, absent as "". */
void
handling_target_text(const json_t *step, char *buf, size_t bufsz)
{
	char	err[8];

	if (hv_target_text(json_object_get(step, "target"), 0, buf, bufsz, err,
	    sizeof err) != 0)
		buf[0] = '\0';
}

/* A row of store_protocol_gaps as a sentence naming the step and the site. */
void
handling_gap_text(const json_t *gap, char *buf, size_t bufsz)
{
	const char	*name = json_string_value(json_object_get(gap, "protocol"));
	const char	*site = json_string_value(json_object_get(gap, "site_name"));
	json_int_t	 n = json_integer_value(json_object_get(gap, "contacts"));

	char		 has[32];

	if (n == 0)
		snprintf(has, sizeof has, "no contacts");
	else
		snprintf(has, sizeof has, "only %lld contact%s", (long long)n,
		    n == 1 ? "" : "s");
	snprintf(buf, bufsz, "protocol '%s' step %lld calls contact %lld, but "
	    "site %lld (%s) has %s", name != NULL ? name : "?",
	    (long long)json_integer_value(json_object_get(gap, "step")),
	    (long long)json_integer_value(json_object_get(gap, "contact")),
	    (long long)json_integer_value(json_object_get(gap, "site")),
	    site != NULL ? site : "?", has);
}

/*
 * The rows of store_protocol_gaps as warnings: each with its message, the
 * protocol's name and version left out when one protocol is meant.
 */
json_t *
handling_gap_warnings(json_t *gaps, int one_protocol)
{
	json_t	*out = json_array(), *g, *w;
	size_t	 i;
	char	 msg[320];

	json_array_foreach(gaps, i, g) {
		w = json_deep_copy(g);
		handling_gap_text(g, msg, sizeof msg);
		json_object_set_new(w, "message", json_string(msg));
		json_object_del(w, "shared");
		if (one_protocol) {
			json_object_del(w, "protocol");
			json_object_del(w, "version");
		}
		json_array_append_new(out, w);
	}
	return out;
}
