/* cmdspec.c - test helper: pcod's own spec of each command named on stdin, as JSON. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

static const char *const type_names[] = {
	"?", "STRING", "INT", "BOOL", "ACCOUNT", "TIME", "OBJECT", "ARRAY"
};

/*
 * One line a name in, one JSON object out: {name: [[arg, type, required],
 * ...]} for each command pcod has (control_request_find, the lookup pcod
 * and pcoctl use); names pcod lacks are left out.
 */
int
main(void)
{
	const struct cmd_entry	*ent;
	const struct cmd_arg	*a;
	const char		*code;
	json_t			*out = json_object(), *root, *spec;
	char			 line[256], msg[128];

	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		root = json_pack("{s:s}", "cmd", line);
		ent = control_request_find(root, &code, msg, sizeof msg);
		json_decref(root);
		if (ent == NULL)
			continue;
		spec = json_array();
		for (a = ent->args; a->name != NULL; a++)
			json_array_append_new(spec, json_pack("[s,s,b]", a->name,
			    type_names[a->type], a->required));
		json_object_set_new(out, ent->name, spec);
	}
	json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(out);
	return 0;
}
