/* text.h - text from panels (names, text blocks, extended data) into valid UTF-8 (pure). */
#ifndef PCOD_TEXT_H
#define PCOD_TEXT_H

#include <stddef.h>

/* What bytes that are not UTF-8 are taken to be (pcod.conf panel-charset). */
enum text_charset {
	TEXT_CP1252 = 0,	/* Western Europe; the default */
	TEXT_CP1250		/* Central Europe (Czech, Polish, ...) */
};

/* 1 if in[0..n) is valid UTF-8. */
int	text_is_utf8(const char *in, size_t n);
/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none. */
size_t	text_utf8_seq(const unsigned char *p, size_t n);
/*
 * A NUL-terminated copy (xmalloc) of in[0..n) as valid UTF-8: each byte of
 * an invalid sequence, and each NUL, becomes U+FFFD; the copy's length in
 * *outlen (may be NULL).  For a store that holds only UTF-8 text.
 */
char	*text_utf8_fix(const char *in, size_t n, size_t *outlen);
/*
 * in[0..n) into NUL-terminated UTF-8 (cap bytes, cap > 0): valid UTF-8 is
 * kept, anything else is read in cs; control characters become spaces.
 * Returns the length written (cut at a character boundary).
 */
size_t	text_to_utf8(const char *in, size_t n, enum text_charset cs, char *out,
	    size_t cap);
/* "cp1252" or "cp1250" -> the charset; -1 when unknown. */
int	text_charset_parse(const char *name);

#endif
