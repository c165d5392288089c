/*
 * walbuf.h - an SQLite VFS (src/walbuf.c) over the default one that turns
 * the many small writes of a WAL commit into one: SQLite writes every page
 * of a commit to the WAL as two pwrite()s (frame header, page), 4.5 system
 * calls per event in pcod's ingest; the writer connection opens its
 * database through this VFS and a commit costs one.
 */
#ifndef PCOD_WALBUF_H
#define PCOD_WALBUF_H

#include <stdint.h>

/* The VFS's name, for sqlite3_open_v2(). */
#define WALBUF_VFS	"pcod-walbuf"

/* What the WAL files of the VFS have done since start (all of them). */
struct walbuf_stats {
	uint64_t	writes;		/* xWrite calls SQLite made on WAL files */
	uint64_t	flushes;	/* writes that reached the file (coalesced) */
	uint64_t	bytes;		/* bytes that reached the file */
};

/* Register the VFS (once; later calls do nothing).  0, or -1 (SQLite's error). */
int	walbuf_register(void);
/* The counters (the loop's: the VFS is used by the writer connection only). */
void	walbuf_get_stats(struct walbuf_stats *);

#endif
