/* evkeys.h - event.list's account and class keys, beside the database (src/evkeys.c). */
#ifndef PCOD_EVKEYS_H
#define PCOD_EVKEYS_H

#include <stdint.h>

struct evkeys;

/* Said when the keys cannot be kept: lists stay complete, only slower. */
#define EVKEYS_WITHOUT	"event.list's account and class filters read the" \
	" events table alone"

/*
 * Open (creating or rebuilding it when it is missing, damaged or not this
 * database's) the keys database "<db>-keys" of the SQLite database db, with
 * db attached for reading.  NULL with err set: event.list then reads the
 * events table alone.
 */
struct evkeys	*evkeys_open(const char *db, char *err, size_t errsz);
/* Stop the thread if it runs, close the connection, free. */
void		 evkeys_close(struct evkeys *);
/* The keys database's path ("<db>-keys"). */
const char	*evkeys_path(const struct evkeys *);
/*
 * Key the next events committed above upto, max at most, in one
 * transaction (on the calling thread: only before evkeys_start()).
 * The events keyed (0: caught up), or -1 with the reason in err.
 */
int		 evkeys_step(struct evkeys *, int max, char *err, size_t errsz);
/* Drop the keys of events deleted below the oldest one left; 0 or -1. */
int		 evkeys_purge(struct evkeys *, char *err, size_t errsz);
/* Write keys on a thread of its own from now on.  0 or -1 with err set. */
int		 evkeys_start(struct evkeys *, char *err, size_t errsz);
/*
 * Whether the keys database can be read (not found damaged since it was
 * opened); its upto and the events keyed since opened, for status.
 */
int		 evkeys_usable(struct evkeys *, int64_t *upto, uint64_t *keyed);

#endif
