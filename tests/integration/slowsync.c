/*
 * slowsync.c - a test-only LD_PRELOAD shim (never linked into pcod): a
 * disk whose WAL syncs are slow, fail, or are logged.
 *
 * SLOWSYNC_CTL names a control file, read at every fsync/fdatasync of a
 * file whose name ends in "-wal":
 *   "<ms>"   sleep that long before syncing (a slow disk)
 *   "eio"    fail with EIO, syncing nothing (a dying disk)
 *   missing  sync as usual
 * SLOWSYNC_LOG names a file that, after each sync of the database's WAL
 * that succeeded, holds how far the WAL had been written when that sync
 * began ("<bytes>\n"): what the disk surely keeps, for a test that cuts the
 * power (truncates the WAL to it).  pcod fills its WAL with zeros at start
 * (store.c, store_wal_prealloc()), so that is not the file's size: the shim
 * follows the writes (pwrite), taking a write of zeros alone for that
 * filling (a WAL frame is never all zeros), and the truncations.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int	(*sync_fn)(int);

/* 1 if fd is a WAL ("...-wal"); 2 if it is the database's (not "-keys-wal"). */
static int
is_wal(int fd)
{
	char	link[64], path[4096];
	ssize_t	n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 4)
		return 0;
	path[n] = '\0';
	if (strcmp(path + n - 4, "-wal") != 0)
		return 0;
	return n > 9 && strcmp(path + n - 9, "-keys-wal") == 0 ? 1 : 2;
}

/* How far the database's WAL has been written (its inode; -1: not seen yet). */
static pthread_mutex_t	endmu = PTHREAD_MUTEX_INITIALIZER;
static dev_t		end_dev;
static ino_t		end_ino;
static off_t		wal_end = -1;

/*
 * The written end of the WAL fd is, moved by a write that ended at upto
 * (-1: none) or a truncation to upto (cut); first seen, its size (a WAL an
 * earlier run left filled counts as written to its end: a cut then keeps
 * it all, weaker, never wrong).  The end before the move.
 */
static off_t
wal_end_move(int fd, off_t upto, int cut)
{
	struct stat	st;
	off_t		before;

	if (fstat(fd, &st) != 0)
		return -1;
	pthread_mutex_lock(&endmu);
	if (wal_end < 0 || st.st_dev != end_dev || st.st_ino != end_ino) {
		end_dev = st.st_dev;
		end_ino = st.st_ino;
		wal_end = st.st_size;
	}
	before = wal_end;
	if (cut && upto < wal_end)
		wal_end = upto;
	else if (!cut && upto > wal_end)
		wal_end = upto;
	pthread_mutex_unlock(&endmu);
	return before;
}

/* 1 if buf holds zeros only. */
static int
all_zero(const void *buf, size_t n)
{
	const unsigned char	*p = buf;
	size_t			 i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

typedef ssize_t	(*pwrite_fn)(int, const void *, size_t, off_t);
typedef int	(*trunc_fn)(int, off_t);

/* A write: the WAL's written end moves past it, unless it wrote zeros. */
static ssize_t
shim_pwrite(const char *name, int fd, const void *buf, size_t n, off_t off)
{
	pwrite_fn	real = (pwrite_fn)dlsym(RTLD_NEXT, name);
	ssize_t		rc = real(fd, buf, n, off);

	if (rc > 0 && is_wal(fd) == 2 && !all_zero(buf, (size_t)rc))
		(void)wal_end_move(fd, off + rc, 0);
	return rc;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return shim_pwrite("pwrite", fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return shim_pwrite("pwrite64", fd, buf, n, off);
}

/* A truncation: nothing past it is written any more. */
static int
shim_truncate(const char *name, int fd, off_t len)
{
	trunc_fn	real = (trunc_fn)dlsym(RTLD_NEXT, name);
	int		rc = real(fd, len);

	if (rc == 0 && is_wal(fd) == 2)
		(void)wal_end_move(fd, len, 1);
	return rc;
}

int
ftruncate(int fd, off_t len)
{
	return shim_truncate("ftruncate", fd, len);
}

int
ftruncate64(int fd, off_t len)
{
	return shim_truncate("ftruncate64", fd, len);
}

/* The control file's word: -1 none, -2 "eio", else milliseconds. */
static long
control(void)
{
	const char	*p = getenv("SLOWSYNC_CTL");
	char		 buf[32];
	FILE		*f;
	long		 v = -1;

	if (p == NULL || (f = fopen(p, "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL)
		v = strncmp(buf, "eio", 3) == 0 ? -2 : strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

static pthread_mutex_t	logmu = PTHREAD_MUTEX_INITIALIZER;
static off_t		logged = -1;	/* the most any sync surely covered */

/* Note the WAL's size as it was when a sync that succeeded began (the most). */
static void
log_size(off_t size)
{
	const char	*p = getenv("SLOWSYNC_LOG");
	char		 buf[32];
	int		 lfd, n;

	if (p == NULL || size < 0)
		return;
	pthread_mutex_lock(&logmu);
	if (size > logged) {
		logged = size;
		n = snprintf(buf, sizeof(buf), "%020lld\n", (long long)size);
		lfd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (lfd != -1) {
			if (pwrite(lfd, buf, (size_t)n, 0) != n)
				logged = -1;
			close(lfd);
		}
	}
	pthread_mutex_unlock(&logmu);
}

/* The shared path of fsync and fdatasync. */
static int
shim(int fd, const char *name)
{
	sync_fn		 real = (sync_fn)dlsym(RTLD_NEXT, name);
	struct timespec	 ts;
	off_t		 size = -1;
	long		 v;
	int		 rc, wal = is_wal(fd);

	if (wal && (v = control()) != -1) {
		if (v == -2) {
			errno = EIO;
			return -1;
		}
		ts.tv_sec = v / 1000;
		ts.tv_nsec = (v % 1000) * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	/* Only what was written before the sync began is surely covered. */
	if (wal == 2)
		size = wal_end_move(fd, -1, 0);
	rc = real(fd);
	if (rc == 0 && wal == 2)
		log_size(size);
	return rc;
}

int
fsync(int fd)
{
	return shim(fd, "fsync");
}

int
fdatasync(int fd)
{
	return shim(fd, "fdatasync");
}
