/* xdata.c - DC-09 extended data fields as what an operator needs (pure). */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "text.h"
#include "xdata.h"

/* A field's value is at most the whole frame's span. */
#define XDATA_VALUE_MAX	4096

/* Where a field's letter puts its value: a key, or a key inside a group. */
static const struct {
	char		 letter;
	const char	*group;		/* NULL: top level */
	const char	*key;		/* NULL: never copied */
	int		 list;		/* may repeat: a list */
} xdata_fields[] = {
	{ 'V', NULL, "verification", 1 },
	{ 'X', "location", "longitude", 0 },
	{ 'Y', "location", "latitude", 0 },
	{ 'Z', "location", "altitude", 0 },
	{ 'R', NULL, "room", 0 },
	{ 'I', NULL, "user_name", 0 },
	{ 'S', NULL, "site_name", 0 },
	{ 'M', NULL, "mac", 0 },
	{ 'H', NULL, "panel_time", 0 },
	{ 'K', NULL, NULL, 0 },		/* a key change: a secret */
};

/* The object member key of o, created empty when missing. */
static json_t *
xdata_group(json_t *o, const char *key)
{
	json_t	*g = json_object_get(o, key);

	if (g == NULL) {
		g = json_object();
		json_object_set_new(o, key, g);
	}
	return g;
}

/* Put one field (letter, value) into o. */
static void
xdata_put(json_t *o, char letter, const char *v, size_t n,
    enum text_charset cs)
{
	char	buf[XDATA_VALUE_MAX * 3 + 1], key[2] = { letter, '\0' };
	json_t	*dst = o, *s, *l;
	size_t	i;

	text_to_utf8(v, n, cs, buf, sizeof(buf));
	s = json_string(buf);
	for (i = 0; i < sizeof(xdata_fields) / sizeof(xdata_fields[0]); i++)
		if (xdata_fields[i].letter == letter)
			break;
	if (i == sizeof(xdata_fields) / sizeof(xdata_fields[0])) {
		json_object_set_new(xdata_group(o, "other"), key, s);
		return;
	}
	if (xdata_fields[i].key == NULL) {
		json_decref(s);
		return;
	}
	if (xdata_fields[i].group != NULL)
		dst = xdata_group(o, xdata_fields[i].group);
	if (!xdata_fields[i].list) {
		json_object_set_new(dst, xdata_fields[i].key, s);
		return;
	}
	if ((l = json_object_get(dst, xdata_fields[i].key)) == NULL) {
		l = json_array();
		json_object_set_new(dst, xdata_fields[i].key, l);
	}
	json_array_append_new(l, s);
}

/* The extended data fields as a JSON object, NULL when there are none. */
json_t *
xdata_json(const char *xdata, size_t n, enum text_charset cs)
{
	const char	*p = xdata, *end = xdata + n, *rb;
	json_t		*o = json_object();
	size_t		 len;

	while (p < end && *p == '[') {
		if ((rb = memchr(p, ']', (size_t)(end - p))) == NULL)
			break;
		len = (size_t)(rb - p - 1);
		if (len > 0 && len - 1 <= XDATA_VALUE_MAX)
			xdata_put(o, p[1], p + 2, len - 1, cs);
		p = rb + 1;
	}
	if (json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
