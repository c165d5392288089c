/*
 * walbuf.c - the writer's VFS: a WAL commit reaches the file as one write.
 *
 * SQLite appends a commit to the WAL frame by frame, each frame as two
 * xWrite calls (its 24-byte header, then the page), so a batch that dirties
 * 150 pages costs 300 pwrite() system calls on the loop; on a virtual
 * machine each is several microseconds, a fifth of pcod's time per event.
 * This VFS passes everything to the default VFS, except that the writes of
 * a WAL file that follow one another are gathered in a buffer and written
 * with one call.
 *
 * When the buffer must be in the file.  Other connections (the reader,
 * the checkpoint thread, another process) read the WAL only up to the last
 * commit that the wal-index header publishes, and SQLite publishes a commit
 * (walIndexWriteHdr) only after sqlite3WalFrames has written all its
 * frames: so every frame must be in the file before the xWrite of the
 * commit's last frame returns.  A frame header carries, in bytes 4..7, the
 * database size after the commit for a commit frame and 0 for any other;
 * from a commit frame's header on, every write goes to the file before
 * xWrite returns (the commit's page, the checksums SQLite may rewrite, the
 * padding frames of a synchronous commit), until the next transaction
 * starts: a frame header appended at the end of the WAL, or the WAL header
 * written anew at offset 0.  A failed write is then the commit's error, as
 * without the buffer.  Besides, the buffer goes to the file before a read
 * that overlaps it (frames a large transaction spilled and reads back),
 * before xSync, xTruncate, xFileSize and xClose, and when it is full.
 *
 * A crash (even kill -9 between a write and the commit's end) loses only
 * what SQLite had not yet committed: what a COMMIT that returned wrote is
 * in the kernel, and syncer.c's fdatasync() makes it durable exactly as
 * before.  Files that are not WAL files pass straight through.
 *
 * Threads: a WAL file of this VFS belongs to the connection that opened
 * it (the loop's writer); the counters are that thread's.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "walbuf.h"

/*
 * Bytes gathered at most: the default VFS writes at most 128 KiB - 1 in one
 * call (its seekAndWrite masks the length with 0x1ffff, a larger write
 * fails as SQLITE_FULL), so a large commit goes out in 124 KiB pieces.
 */
#define WALBUF_CAP		(124 * 1024)
#define WALBUF_WAL_HDR		32		/* the WAL header at offset 0 */
#define WALBUF_FRAME_HDR	24		/* a frame's header */

struct walbuf_file {
	sqlite3_file	 base;		/* our methods */
	sqlite3_file	*real;		/* the default VFS's file, after us */
	int		 wal;		/* a WAL file: writes are gathered */
	int		 through;	/* a commit is being written: no gathering */
	unsigned char	*buf;		/* owned; WALBUF_CAP bytes once used */
	size_t		 len;		/* bytes waiting */
	sqlite3_int64	 off;		/* where they go */
	sqlite3_int64	 end;		/* the end of what was ever written */
};

static sqlite3_vfs		*walbuf_real;	/* the default VFS */
static struct walbuf_stats	 walbuf_st;

/* Write what waits.  SQLite's result code. */
static int
walbuf_flush(struct walbuf_file *f)
{
	int	rc;

	if (f->len == 0)
		return SQLITE_OK;
	rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
	if (rc == SQLITE_OK) {
		walbuf_st.flushes++;
		walbuf_st.bytes += f->len;
	}
	/* Failed: SQLite sees the error and rolls the transaction back. */
	f->len = 0;
	return rc;
}

static int
walbuf_close(sqlite3_file *fp)
{
	struct walbuf_file	*f = (struct walbuf_file *)fp;
	int			 rc = walbuf_flush(f), rc2;

	rc2 = f->real->pMethods->xClose(f->real);
	free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
walbuf_read(sqlite3_file *fp, void *p, int amt, sqlite3_int64 off)
{
	struct walbuf_file	*f = (struct walbuf_file *)fp;
	int			 rc;

	if (f->len > 0 && off < f->off + (sqlite3_int64)f->len &&
	    off + amt > f->off && (rc = walbuf_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xRead(f->real, p, amt, off);
}

/*
 * Whether a write of amt bytes at off starts a transaction (the gathering
 * goes on) or is a commit frame's header: 1, and what follows it goes to
 * the file at once.
 */
static int
walbuf_watch(struct walbuf_file *f, const void *p, int amt,
    sqlite3_int64 off)
{
	const unsigned char	*h = p;

	if (amt == WALBUF_WAL_HDR && off == 0) {
		/* The WAL starts over: frames follow from here. */
		f->through = 0;
		f->end = 0;
		return 0;
	}
	if (amt != WALBUF_FRAME_HDR || off < WALBUF_WAL_HDR)
		return 0;
	if (off >= f->end)
		f->through = 0;
	return (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int
walbuf_write(sqlite3_file *fp, const void *p, int amt, sqlite3_int64 off)
{
	struct walbuf_file	*f = (struct walbuf_file *)fp;
	int			 rc, commit;

	if (!f->wal)
		return f->real->pMethods->xWrite(f->real, p, amt, off);
	walbuf_st.writes++;
	commit = walbuf_watch(f, p, amt, off);
	if (f->len > 0 && (off != f->off + (sqlite3_int64)f->len ||
	    f->len + (size_t)amt > WALBUF_CAP) &&
	    (rc = walbuf_flush(f)) != SQLITE_OK)
		return rc;
	if (off + amt > f->end)
		f->end = off + amt;
	if ((size_t)amt > WALBUF_CAP || (f->buf == NULL &&
	    (f->buf = malloc(WALBUF_CAP)) == NULL)) {
		rc = f->real->pMethods->xWrite(f->real, p, amt, off);
		if (rc == SQLITE_OK) {
			walbuf_st.flushes++;
			walbuf_st.bytes += (uint64_t)amt;
		}
		if (commit)
			f->through = 1;
		return rc;
	}
	if (f->len == 0)
		f->off = off;
	memcpy(f->buf + f->len, p, (size_t)amt);
	f->len += (size_t)amt;
	if (commit) {
		/* Its page comes next, with everything before it. */
		f->through = 1;
		return SQLITE_OK;
	}
	return f->through ? walbuf_flush(f) : SQLITE_OK;
}

static int
walbuf_truncate(sqlite3_file *fp, sqlite3_int64 size)
{
	struct walbuf_file	*f = (struct walbuf_file *)fp;
	int			 rc;

	if ((rc = walbuf_flush(f)) != SQLITE_OK)
		return rc;
	if (f->end > size)
		f->end = size;
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
walbuf_sync(sqlite3_file *fp, int flags)
{
	struct walbuf_file	*f = (struct walbuf_file *)fp;
	int			 rc;

	if ((rc = walbuf_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xSync(f->real, flags);
}

static int
walbuf_size(sqlite3_file *fp, sqlite3_int64 *size)
{
	struct walbuf_file	*f = (struct walbuf_file *)fp;
	int			 rc;

	if ((rc = walbuf_flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileSize(f->real, size);
}

/* The rest goes straight to the default VFS's file. */
#define REAL(fp)	(((struct walbuf_file *)(fp))->real)

static int
walbuf_lock(sqlite3_file *fp, int l)
{
	return REAL(fp)->pMethods->xLock(REAL(fp), l);
}

static int
walbuf_unlock(sqlite3_file *fp, int l)
{
	return REAL(fp)->pMethods->xUnlock(REAL(fp), l);
}

static int
walbuf_check_lock(sqlite3_file *fp, int *out)
{
	return REAL(fp)->pMethods->xCheckReservedLock(REAL(fp), out);
}

static int
walbuf_fcntl(sqlite3_file *fp, int op, void *arg)
{
	return REAL(fp)->pMethods->xFileControl(REAL(fp), op, arg);
}

static int
walbuf_sector(sqlite3_file *fp)
{
	return REAL(fp)->pMethods->xSectorSize(REAL(fp));
}

static int
walbuf_devchar(sqlite3_file *fp)
{
	return REAL(fp)->pMethods->xDeviceCharacteristics(REAL(fp));
}

static int
walbuf_shm_map(sqlite3_file *fp, int pg, int pgsz, int extend,
    void volatile **pp)
{
	return REAL(fp)->pMethods->xShmMap(REAL(fp), pg, pgsz, extend, pp);
}

static int
walbuf_shm_lock(sqlite3_file *fp, int offset, int n, int flags)
{
	return REAL(fp)->pMethods->xShmLock(REAL(fp), offset, n, flags);
}

static void
walbuf_shm_barrier(sqlite3_file *fp)
{
	REAL(fp)->pMethods->xShmBarrier(REAL(fp));
}

static int
walbuf_shm_unmap(sqlite3_file *fp, int del)
{
	return REAL(fp)->pMethods->xShmUnmap(REAL(fp), del);
}

static int
walbuf_fetch(sqlite3_file *fp, sqlite3_int64 off, int amt, void **pp)
{
	return REAL(fp)->pMethods->xFetch(REAL(fp), off, amt, pp);
}

static int
walbuf_unfetch(sqlite3_file *fp, sqlite3_int64 off, void *p)
{
	return REAL(fp)->pMethods->xUnfetch(REAL(fp), off, p);
}

static const sqlite3_io_methods walbuf_io = {
	3,
	walbuf_close, walbuf_read, walbuf_write, walbuf_truncate, walbuf_sync,
	walbuf_size, walbuf_lock, walbuf_unlock, walbuf_check_lock,
	walbuf_fcntl, walbuf_sector, walbuf_devchar,
	walbuf_shm_map, walbuf_shm_lock, walbuf_shm_barrier, walbuf_shm_unmap,
	walbuf_fetch, walbuf_unfetch
};

/* Where the default VFS's file goes in ours (aligned). */
#define WALBUF_HEAD	((sizeof(struct walbuf_file) + 15) & ~(size_t)15)

static int
walbuf_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *fp,
    int flags, int *outflags)
{
	struct walbuf_file	*f = (struct walbuf_file *)fp;
	int			 rc;

	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)((char *)fp + WALBUF_HEAD);
	rc = walbuf_real->xOpen(walbuf_real, name, f->real, flags, outflags);
	if (rc != SQLITE_OK) {
		/* SQLite calls xClose only on a file whose pMethods is set. */
		if (f->real->pMethods != NULL)
			f->real->pMethods->xClose(f->real);
		return rc;
	}
	/* The default VFS is version 3 on Unix; anything less is not ours. */
	if (f->real->pMethods->iVersion < 3) {
		f->real->pMethods->xClose(f->real);
		return SQLITE_CANTOPEN;
	}
	f->wal = (flags & SQLITE_OPEN_WAL) != 0;
	fp->pMethods = &walbuf_io;
	return SQLITE_OK;
}

static int
walbuf_delete(sqlite3_vfs *vfs, const char *name, int dirsync)
{
	return walbuf_real->xDelete(walbuf_real, name, dirsync);
}

static int
walbuf_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return walbuf_real->xAccess(walbuf_real, name, flags, out);
}

static int
walbuf_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return walbuf_real->xFullPathname(walbuf_real, name, n, out);
}

static void *
walbuf_dlopen(sqlite3_vfs *vfs, const char *name)
{
	return walbuf_real->xDlOpen(walbuf_real, name);
}

static void
walbuf_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	walbuf_real->xDlError(walbuf_real, n, msg);
}

static void
(*walbuf_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return walbuf_real->xDlSym(walbuf_real, h, sym);
}

static void
walbuf_dlclose(sqlite3_vfs *vfs, void *h)
{
	walbuf_real->xDlClose(walbuf_real, h);
}

static int
walbuf_random(sqlite3_vfs *vfs, int n, char *out)
{
	return walbuf_real->xRandomness(walbuf_real, n, out);
}

static int
walbuf_sleep(sqlite3_vfs *vfs, int us)
{
	return walbuf_real->xSleep(walbuf_real, us);
}

static int
walbuf_time(sqlite3_vfs *vfs, double *t)
{
	return walbuf_real->xCurrentTime(walbuf_real, t);
}

static int
walbuf_lasterr(sqlite3_vfs *vfs, int n, char *msg)
{
	return walbuf_real->xGetLastError(walbuf_real, n, msg);
}

static int
walbuf_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	return walbuf_real->xCurrentTimeInt64(walbuf_real, t);
}

static sqlite3_vfs	walbuf_vfs = {
	2, 0, 0, NULL, WALBUF_VFS, NULL,
	walbuf_open, walbuf_delete, walbuf_access, walbuf_fullpath,
	walbuf_dlopen, walbuf_dlerror, walbuf_dlsym, walbuf_dlclose,
	walbuf_random, walbuf_sleep, walbuf_time, walbuf_lasterr,
	walbuf_time64, NULL, NULL, NULL
};

int
walbuf_register(void)
{
	if (walbuf_real != NULL)
		return 0;
	if ((walbuf_real = sqlite3_vfs_find(NULL)) == NULL ||
	    walbuf_real->iVersion < 2)
		return -1;
	walbuf_vfs.szOsFile = (int)WALBUF_HEAD + walbuf_real->szOsFile;
	walbuf_vfs.mxPathname = walbuf_real->mxPathname;
	if (sqlite3_vfs_register(&walbuf_vfs, 0) != SQLITE_OK) {
		walbuf_real = NULL;
		return -1;
	}
	return 0;
}

void
walbuf_get_stats(struct walbuf_stats *st)
{
	*st = walbuf_st;
}
