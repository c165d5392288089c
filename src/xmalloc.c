/* xmalloc.c - allocation helpers that abort on failure, and strict number parsing. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/* malloc that never returns NULL. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		fatalx("xmalloc: zero size");
	if ((p = malloc(size)) == NULL)
		fatal("xmalloc: allocating %zu bytes", size);
	return p;
}

/* calloc that never returns NULL and checks the multiplication. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		fatalx("xcalloc: zero size");
	if ((p = calloc(n, size)) == NULL)
		fatal("xcalloc: allocating %zu * %zu bytes", n, size);
	return p;
}

/* realloc of n elements of size, checking the multiplication. */
void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		fatalx("xreallocarray: zero size");
	if (SIZE_MAX / n < size)
		fatalx("xreallocarray: %zu * %zu overflows", n, size);
	if ((p = realloc(ptr, n * size)) == NULL)
		fatal("xreallocarray: allocating %zu * %zu bytes", n, size);
	return p;
}

/* strdup that never returns NULL. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("xstrdup");
	return p;
}

/* strndup that never returns NULL. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		fatal("xstrndup");
	return p;
}

/* asprintf that never fails. */
char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("xasprintf");
	return s;
}

/* Parse all of s as an integer in [min, max]; never accepts trailing junk. */
int
xstrtonum(const char *s, int base, long long min, long long max,
    long long *out, const char **errstr)
{
	char		*end;
	long long	 v;

	*errstr = NULL;
	if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t' || *s == '+') {
		*errstr = "not a number";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, base);
	if (*end != '\0' || end == s) {
		*errstr = "not a number";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

/* Format a message into err when there is one. */
void
xverr(char *err, size_t errsz, const char *fmt, va_list ap)
{
	if (err != NULL && errsz > 0)
		vsnprintf(err, errsz, fmt, ap);
}

/* Format a message into err when there is one; -1. */
int
xerr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	xverr(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}
