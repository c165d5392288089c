/* text.c - text from panels into valid UTF-8 (pure). */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "xmalloc.h"

/*
 * Code points of bytes 0x80-0xFF in the Windows code pages panels use for
 * names and text (U+FFFD where the page has no character).
 */
static const unsigned short cp1252[128] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
	0x00a0, 0x00a1, 0x00a2, 0x00a3, 0x00a4, 0x00a5, 0x00a6, 0x00a7,
	0x00a8, 0x00a9, 0x00aa, 0x00ab, 0x00ac, 0x00ad, 0x00ae, 0x00af,
	0x00b0, 0x00b1, 0x00b2, 0x00b3, 0x00b4, 0x00b5, 0x00b6, 0x00b7,
	0x00b8, 0x00b9, 0x00ba, 0x00bb, 0x00bc, 0x00bd, 0x00be, 0x00bf,
	0x00c0, 0x00c1, 0x00c2, 0x00c3, 0x00c4, 0x00c5, 0x00c6, 0x00c7,
	0x00c8, 0x00c9, 0x00ca, 0x00cb, 0x00cc, 0x00cd, 0x00ce, 0x00cf,
	0x00d0, 0x00d1, 0x00d2, 0x00d3, 0x00d4, 0x00d5, 0x00d6, 0x00d7,
	0x00d8, 0x00d9, 0x00da, 0x00db, 0x00dc, 0x00dd, 0x00de, 0x00df,
	0x00e0, 0x00e1, 0x00e2, 0x00e3, 0x00e4, 0x00e5, 0x00e6, 0x00e7,
	0x00e8, 0x00e9, 0x00ea, 0x00eb, 0x00ec, 0x00ed, 0x00ee, 0x00ef,
	0x00f0, 0x00f1, 0x00f2, 0x00f3, 0x00f4, 0x00f5, 0x00f6, 0x00f7,
	0x00f8, 0x00f9, 0x00fa, 0x00fb, 0x00fc, 0x00fd, 0x00fe, 0x00ff,
};

static const unsigned short cp1250[128] = {
	0x20ac, 0xfffd, 0x201a, 0xfffd, 0x201e, 0x2026, 0x2020, 0x2021,
	0xfffd, 0x2030, 0x0160, 0x2039, 0x015a, 0x0164, 0x017d, 0x0179,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0xfffd, 0x2122, 0x0161, 0x203a, 0x015b, 0x0165, 0x017e, 0x017a,
	0x00a0, 0x02c7, 0x02d8, 0x0141, 0x00a4, 0x0104, 0x00a6, 0x00a7,
	0x00a8, 0x00a9, 0x015e, 0x00ab, 0x00ac, 0x00ad, 0x00ae, 0x017b,
	0x00b0, 0x00b1, 0x02db, 0x0142, 0x00b4, 0x00b5, 0x00b6, 0x00b7,
	0x00b8, 0x0105, 0x015f, 0x00bb, 0x013d, 0x02dd, 0x013e, 0x017c,
	0x0154, 0x00c1, 0x00c2, 0x0102, 0x00c4, 0x0139, 0x0106, 0x00c7,
	0x010c, 0x00c9, 0x0118, 0x00cb, 0x011a, 0x00cd, 0x00ce, 0x010e,
	0x0110, 0x0143, 0x0147, 0x00d3, 0x00d4, 0x0150, 0x00d6, 0x00d7,
	0x0158, 0x016e, 0x00da, 0x0170, 0x00dc, 0x00dd, 0x0162, 0x00df,
	0x0155, 0x00e1, 0x00e2, 0x0103, 0x00e4, 0x013a, 0x0107, 0x00e7,
	0x010d, 0x00e9, 0x0119, 0x00eb, 0x011b, 0x00ed, 0x00ee, 0x010f,
	0x0111, 0x0144, 0x0148, 0x00f3, 0x00f4, 0x0151, 0x00f6, 0x00f7,
	0x0159, 0x016f, 0x00fa, 0x0171, 0x00fc, 0x00fd, 0x0163, 0x02d9,
};

static const struct {
	enum text_charset	 cs;
	const char		*name;
	const unsigned short	*high;
} charsets[] = {
	{ TEXT_CP1252, "cp1252", cp1252 },
	{ TEXT_CP1250, "cp1250", cp1250 },
};

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
size_t
text_utf8_seq(const unsigned char *p, size_t n)
{
	size_t		len, i;
	unsigned	cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* in[0..n) as valid UTF-8, each bad byte U+FFFD; *outlen its length. */
char *
text_utf8_fix(const char *in, size_t n, size_t *outlen)
{
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *o;
	size_t			 i = 0, k;

	out = o = xmalloc(n * 3 + 1);
	while (i < n) {
		if (s[i] != 0 && (k = text_utf8_seq(s + i, n - i)) > 0) {
			memcpy(o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*o = '\0';
	if (outlen != NULL)
		*outlen = (size_t)(o - out);
	return out;
}

/* 1 if in[0..n) is valid UTF-8 throughout. */
int
text_is_utf8(const char *in, size_t n)
{
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 i = 0, k;

	while (i < n) {
		if ((k = text_utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Encode code point cp as UTF-8 into out; its length. */
static size_t
utf8_put(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | cp >> 12);
	out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/* The high half of charset cs. */
static const unsigned short *
text_high(enum text_charset cs)
{
	size_t	i;

	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		if (charsets[i].cs == cs)
			return charsets[i].high;
	return cp1252;
}

/*
 * in[0..n) as NUL-terminated UTF-8 in out (cap bytes): kept as it is when it
 * is valid UTF-8, else read byte by byte in charset cs.  Control characters
 * become spaces; what does not fit is cut at a character boundary.  Returns
 * the length written.
 */
size_t
text_to_utf8(const char *in, size_t n, enum text_charset cs, char *out,
    size_t cap)
{
	const unsigned char	*p = (const unsigned char *)in;
	const unsigned short	*high = text_high(cs);
	int			 utf8 = text_is_utf8(in, n);
	char			 ch[4];
	size_t			 i = 0, o = 0, k;

	if (cap == 0)
		return 0;
	while (i < n) {
		if (utf8 && p[i] >= 0x80) {
			k = text_utf8_seq(p + i, n - i);
			memcpy(ch, p + i, k);
			i += k;
		} else if (p[i] >= 0x80)
			k = utf8_put(high[p[i++] - 0x80], ch);
		else {
			ch[0] = p[i] < 0x20 || p[i] == 0x7f ? ' ' : (char)p[i];
			k = 1;
			i++;
		}
		if (o + k + 1 > cap)
			break;
		memcpy(out + o, ch, k);
		o += k;
	}
	out[o] = '\0';
	return o;
}

/* The charset named name ("cp1252", "cp1250"); -1 when unknown. */
int
text_charset_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		if (strcasecmp(charsets[i].name, name) == 0)
			return (int)charsets[i].cs;
	return -1;
}
