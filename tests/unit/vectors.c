/* vectors.c - loader for the DC-09 test vectors file (tests only). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vectors.h"

#ifndef VECTORS_FILE
#error "define VECTORS_FILE as the path of tests/vectors/dc09.txt"
#endif

#define VECTORS_MAX	64

static struct vector	vectors[VECTORS_MAX];
static size_t		nvectors;
static int		loaded;

/* Copy at most n bytes of s to a dst of dstsz, trimming blanks; 0 or -1. */
static int
field_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n >= dstsz)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Decode \n, \r and \\ in v->frame in place, setting frame_len. */
static void
unescape(struct vector *v)
{
	char	*r = v->frame, *w = v->frame;

	while (*r != '\0') {
		if (r[0] == '\\' && (r[1] == 'n' || r[1] == 'r' ||
		    r[1] == '\\')) {
			*w++ = r[1] == 'n' ? '\n' : r[1] == 'r' ? '\r' : '\\';
			r += 2;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	v->frame_len = (size_t)(w - v->frame);
}

/*
 * Split one line on " | " (the frames contain '|' but never " | ") into a
 * vector; 0, 1 for a comment or blank line, -1 when malformed.
 */
static int
parse_line(const char *line, struct vector *v)
{
	const char	*f[4], *sep;
	size_t		 i;

	if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
		return 1;
	f[0] = line;
	for (i = 1; i < 4; i++) {
		if ((sep = strstr(f[i - 1], " | ")) == NULL)
			return -1;
		f[i] = sep + 3;
	}
	if (field_copy(v->name, sizeof(v->name), f[0],
	    (size_t)(f[1] - 3 - f[0])) == -1 ||
	    field_copy(v->key, sizeof(v->key), f[1],
	    (size_t)(f[2] - 3 - f[1])) == -1 ||
	    field_copy(v->frame, sizeof(v->frame), f[2],
	    (size_t)(f[3] - 3 - f[2])) == -1 ||
	    field_copy(v->notes, sizeof(v->notes), f[3], strlen(f[3])) == -1)
		return -1;
	unescape(v);
	return 0;
}

/* Load the file named by VECTORS_FILE (once); the count or -1. */
int
vectors_load(void)
{
	FILE	*fp;
	char	 line[2 * DC09_MAX_FRAME + 1024];
	int	 rc = 0;

	if (loaded)
		return (int)nvectors;
	if ((fp = fopen(VECTORS_FILE, "r")) == NULL)
		return -1;
	while (rc != -1 && fgets(line, sizeof(line), fp) != NULL) {
		if (nvectors == VECTORS_MAX)
			rc = -1;
		else if ((rc = parse_line(line, &vectors[nvectors])) == 0)
			nvectors++;
	}
	fclose(fp);
	if (rc == -1) {
		nvectors = 0;
		return -1;
	}
	loaded = 1;
	return (int)nvectors;
}

/* The i-th vector, or NULL past the end. */
const struct vector *
vectors_get(size_t i)
{
	return i < nvectors ? &vectors[i] : NULL;
}

/* The vector called name, or NULL. */
const struct vector *
vectors_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nvectors; i++)
		if (strcmp(vectors[i].name, name) == 0)
			return &vectors[i];
	return NULL;
}

/* Copy the first '...'-quoted text of the notes to out; 0 or -1. */
int
vectors_quoted(const struct vector *v, char *out, size_t outsz)
{
	const char	*a, *b;

	if ((a = strchr(v->notes, '\'')) == NULL ||
	    (b = strchr(a + 1, '\'')) == NULL || (size_t)(b - a - 1) >= outsz)
		return -1;
	memcpy(out, a + 1, (size_t)(b - a - 1));
	out[b - a - 1] = '\0';
	return 0;
}
