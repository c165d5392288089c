/* xmalloc.h - allocation helpers that abort on out-of-memory and overflow. */
#ifndef PCOD_XMALLOC_H
#define PCOD_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Strict number parsing: the whole of s must be a base-10 (or base-8 when
 * base is 8, base-16 when 16) integer within [min, max].  Returns 0 and sets
 * *out, or -1 with a static message in *errstr ("not a number", "too small",
 * "too large").  Never accepts "12abc" or an empty string.
 */
int	 xstrtonum(const char *s, int base, long long min, long long max,
	    long long *out, const char **errstr);

/*
 * The parsers' one error path: write a formatted message into err (when it
 * is given and has room) and return -1.  xverr is the va_list form.
 */
int	 xerr(char *err, size_t errsz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 xverr(char *err, size_t errsz, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

#endif
