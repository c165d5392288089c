/* actor.c - role names and pcod's own actor. */
#include "config.h"

#include <string.h>

#include "actor.h"

const struct actor actor_pcod = { "pcod", ROLE_ADMIN };

static const char *const role_names[] = {
	[ROLE_NONE] = "none",
	[ROLE_OPERATOR] = "operator",
	[ROLE_SUPERVISOR] = "supervisor",
	[ROLE_ADMIN] = "admin",
};

/* The name of a role. */
const char *
actor_role_name(enum role r)
{
	if ((unsigned)r >= sizeof(role_names) / sizeof(role_names[0]))
		return "none";
	return role_names[r];
}

/* The role named s, or -1. */
int
actor_role_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(s, role_names[i]) == 0)
			return (int)i;
	return -1;
}
