/*
 * replay.c - run a fuzz harness without libFuzzer: every file in the
 * directories (or the files) named on the command line, or in CORPUS_DIR
 * when none are, goes once through LLVMFuzzerTestOneInput.  This is how the
 * stored corpus replays under make check; an input that breaks an invariant
 * aborts the program.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Counts over the whole run. */
struct tally {
	size_t	passed;
	size_t	failed;
};

/* Read a whole file into a buffer of exactly its size; NULL on error. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*buf = NULL;
	struct stat	 st;
	FILE		*f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1)
		goto fail;
	*len = (size_t)st.st_size;
	/* One byte more so that an empty input is still a distinct pointer. */
	if ((buf = malloc(*len + 1)) == NULL ||
	    fread(buf, 1, *len, f) != *len)
		goto fail;
	fclose(f);
	return buf;
fail:
	perror(path);
	free(buf);
	if (f != NULL)
		fclose(f);
	return NULL;
}

/* Run one input file. */
static void
run_file(const char *path, struct tally *t)
{
	unsigned char	*buf;
	size_t		 len;

	if ((buf = slurp(path, &len)) == NULL) {
		t->failed++;
		return;
	}
	if (LLVMFuzzerTestOneInput(buf, len) == 0)
		t->passed++;
	else {
		fprintf(stderr, "%s: harness returned non-zero\n", path);
		t->failed++;
	}
	free(buf);
}

/* Skip dot files (editor leftovers, .gitignore) in a corpus directory. */
static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Run every visible file in dir, in name order; -1 if dir cannot be read. */
static int
run_dir(const char *dir, struct tally *t)
{
	struct dirent	**names;
	char		 *path;
	size_t		  plen;
	int		  n, i;

	if ((n = scandir(dir, &names, visible, alphasort)) == -1) {
		perror(dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		plen = strlen(dir) + strlen(names[i]->d_name) + 2;
		if ((path = malloc(plen)) == NULL) {
			perror("malloc");
			exit(2);
		}
		snprintf(path, plen, "%s/%s", dir, names[i]->d_name);
		run_file(path, t);
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Run a directory or a single file. */
static int
run_arg(const char *arg, struct tally *t)
{
	struct stat	st;

	if (stat(arg, &st) == -1) {
		perror(arg);
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return run_dir(arg, t);
	run_file(arg, t);
	return 0;
}

/* Replay the named inputs or CORPUS_DIR; 1 on a failure or no input. */
int
main(int argc, char *argv[])
{
	struct tally	t = { 0, 0 };
	int		i, bad = 0;

	if (argc < 2)
		bad = run_arg(CORPUS_DIR, &t) == -1;
	for (i = 1; i < argc; i++)
		if (run_arg(argv[i], &t) == -1)
			bad = 1;
	printf("%zu passed, %zu failed\n", t.passed, t.failed);
	if (t.passed + t.failed == 0) {
		fprintf(stderr, "no inputs found\n");
		bad = 1;
	}
	return bad || t.failed > 0 ? 1 : 0;
}
