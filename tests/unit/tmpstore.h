/* tmpstore.h - a store on a temporary database for unit tests. */
#ifndef PCOD_TMPSTORE_H
#define PCOD_TMPSTORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* The folder and database path of a temporary store. */
struct tmpstore {
	char	dir[64];
	char	path[128];
};

/* Make a folder under /tmp named after test and open a store in it (fails the test otherwise). */
struct store	*tmpstore_open(struct tmpstore *, const char *test);
/* Close the store (may be NULL) and remove the database, its WAL files and the folder. */
void		 tmpstore_remove(struct tmpstore *, struct store *);
/* The one integer sql returns from the committed database (-1 no row). */
int64_t		 tmpstore_int(const struct tmpstore *, const char *sql);

#endif
