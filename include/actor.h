/* actor.h - who does something: an operator, local root, or pcod itself; roles. */
#ifndef PCOD_ACTOR_H
#define PCOD_ACTOR_H

/* Ordered: a role may do everything the roles below it may. */
enum role {
	ROLE_NONE = 0,		/* not logged in: only auth.login and the like */
	ROLE_OPERATOR,		/* works the alarm queue */
	ROLE_SUPERVISOR,	/* also sites, protocols, audit, statistics */
	ROLE_ADMIN		/* also accounts, operators, keys */
};

struct actor {
	char		name[64];	/* operator login, "uid:0", or "pcod" */
	enum role	role;
};

/* "operator", "supervisor", "admin", "none"; and back (-1 unknown). */
const char	*actor_role_name(enum role);
int		 actor_role_parse(const char *);
/* pcod itself, for changes the engine makes (escalations, supervision). */
extern const struct actor actor_pcod;

#endif
