/*
 * slowsync.c - a test-only LD_PRELOAD shim (never linked into pcod): a
 * disk whose WAL syncs are slow, fail, or are logged.
 *
 * SLOWSYNC_CTL names a control file, read at every fsync/fdatasync of a
 * file whose name ends in "-wal":
 *   "<ms>"   sleep that long before syncing (a slow disk)
 *   "eio"    fail with EIO, syncing nothing (a dying disk)
 *   missing  sync as usual
 * SLOWSYNC_LOG names a file that, after each sync of a WAL that succeeded,
 * holds the WAL's size when that sync began ("<bytes>\n"): what the disk
 * surely keeps, for a test that cuts the power (truncates the WAL to it).
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

/* 1 if fd is a WAL ("...-wal"). */
static int
is_wal(int fd)
{
	char	link[64], path[4096];
	ssize_t	n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 4)
		return 0;
	path[n] = '\0';
	return strcmp(path + n - 4, "-wal") == 0;
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
	struct stat	 st;
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
	if (wal && fstat(fd, &st) == 0)
		size = st.st_size;
	rc = real(fd);
	if (rc == 0 && wal)
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
