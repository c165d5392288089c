/*
 * nosync.c - for make bench only (run.sh's nosync scenario): fsync() and
 * fdatasync() return at once, nothing reaches the disk.  Loaded into pcod
 * with LD_PRELOAD, it shows what durability costs on this machine: the
 * same pcod, the same work, without the syncs.  A pcod run with it loses
 * ACKed events at a power cut: never use it outside the bench.
 */
int	fsync(int);
int	fdatasync(int);

int
fsync(int fd)
{
	(void)fd;
	return 0;
}

int
fdatasync(int fd)
{
	(void)fd;
	return 0;
}
