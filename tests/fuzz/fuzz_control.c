/*
 * fuzz_control.c - libFuzzer harness for control-request checking: the raw
 * input is one request line as a console sends it; it is parsed as
 * control.c parses it, its command looked up and its arguments checked
 * against that command's spec (control_request_find, control_args_check).
 * An accepted request must satisfy its spec after normalisation.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "fuzz.h"

#define MSGSZ	256

/* The spec of argument name in ent, or NULL. */
static const struct cmd_arg *
spec_of(const struct cmd_entry *ent, const char *name)
{
	const struct cmd_arg	*a;

	for (a = ent->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* 3-16 upper-case hex digits. */
static int
account_ok(const char *s)
{
	size_t	i, n = strlen(s);

	if (n < 3 || n > 16)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || islower((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A normalised value v satisfies spec a. */
static int
value_ok(const struct cmd_arg *a, json_t *v)
{
	switch (a->type) {
	case CMD_ARG_STRING:
		return json_is_string(v) &&
		    (long long)json_string_length(v) >= a->min &&
		    (long long)json_string_length(v) <= a->max;
	case CMD_ARG_INT:
		return json_is_integer(v) && json_integer_value(v) >= a->min &&
		    json_integer_value(v) <= a->max;
	case CMD_ARG_BOOL:
		return json_is_boolean(v);
	case CMD_ARG_ACCOUNT:
		return json_is_string(v) && account_ok(json_string_value(v));
	case CMD_ARG_TIME:
		return json_is_integer(v) && json_integer_value(v) >= 0;
	case CMD_ARG_OBJECT:
		return json_is_object(v);
	case CMD_ARG_ARRAY:
		return json_is_array(v) &&
		    (long long)json_array_size(v) >= a->min &&
		    (long long)json_array_size(v) <= a->max;
	}
	return 0;
}

/* Accepted arguments: none unknown, none missing, all within their spec. */
static void
check_accepted(const struct cmd_entry *ent, json_t *args)
{
	const struct cmd_arg	*a;
	const char		*key;
	json_t			*v;

	json_object_foreach(args, key, v) {
		FUZZ_CHECK((a = spec_of(ent, key)) != NULL);
		FUZZ_CHECK(value_ok(a, v));
	}
	for (a = ent->args; a->name != NULL; a++)
		FUZZ_CHECK(!a->required || json_object_get(args, a->name) != NULL);
}

/* libFuzzer entry point: the input is one request line. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cmd_entry	*ent;
	const char		*code = NULL;
	json_t			*root, *args;
	char			 msg[MSGSZ];
	int			 rc;

	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return 0;
	}
	memset(msg, 0x55, sizeof(msg));
	if ((ent = control_request_find(root, &code, msg, sizeof(msg))) == NULL) {
		FUZZ_CHECK(code != NULL);
		FUZZ_CHECK(strcmp(code, "bad_request") == 0 ||
		    strcmp(code, "unknown_command") == 0 ||
		    strcmp(code, "bad_args") == 0);
		fuzz_check_err(msg, sizeof(msg));
		json_decref(root);
		return 0;
	}
	FUZZ_CHECK(strcmp(ent->name, json_string_value(json_object_get(root,
	    "cmd"))) == 0);
	FUZZ_CHECK(json_is_object(args = json_object_get(root, "args")));
	memset(msg, 0x55, sizeof(msg));
	rc = control_args_check(ent, args, msg, sizeof(msg));
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1)
		fuzz_check_err(msg, sizeof(msg));
	else
		check_accepted(ent, args);
	json_decref(root);
	return 0;
}
