/* dc09.c - SIA DC-09 framing: find, parse, validate and build frames. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "dc09.h"
#include "dc09_crypt.h"
#include "xmalloc.h"

/* LF + CRC (4) + length (4) before the span, CR after it. */
#define HDR_LEN		9
/* Pad is 1..16 bytes (one AES block at most). */
#define PAD_MAX		16
/* Largest plaintext an encrypted body can carry ("[" + hex in the span). */
#define PLAIN_MAX	((DC09_MAX_SPAN - 1) / 2)
#define TIME_LEN	20

/* Parsing cursor over the span of a frame, end is the CR. */
struct cur {
	const char	*p;
	const char	*end;
};

/* Output buffer that remembers when it overflowed. */
struct wbuf {
	char	*buf;
	size_t	 cap;
	size_t	 len;
	int	 full;
};

static const struct {
	enum dc09_id	 id;
	const char	*name;
} tokens[] = {
	{ DC09_ID_SIA_DCS,	"SIA-DCS" },
	{ DC09_ID_ADM_CID,	"ADM-CID" },
	{ DC09_ID_NULL,		"NULL" },
	{ DC09_ID_ACK,		"ACK" },
	{ DC09_ID_NAK,		"NAK" },
	{ DC09_ID_DUH,		"DUH" },
	{ DC09_ID_RSP,		"RSP" },
};

/* CRC-16/ARC (reflected 0x8005, init 0), one entry per byte value. */
static const unsigned short crctab[256] = {
	0x0000, 0xc0c1, 0xc181, 0x0140, 0xc301, 0x03c0, 0x0280, 0xc241,
	0xc601, 0x06c0, 0x0780, 0xc741, 0x0500, 0xc5c1, 0xc481, 0x0440,
	0xcc01, 0x0cc0, 0x0d80, 0xcd41, 0x0f00, 0xcfc1, 0xce81, 0x0e40,
	0x0a00, 0xcac1, 0xcb81, 0x0b40, 0xc901, 0x09c0, 0x0880, 0xc841,
	0xd801, 0x18c0, 0x1980, 0xd941, 0x1b00, 0xdbc1, 0xda81, 0x1a40,
	0x1e00, 0xdec1, 0xdf81, 0x1f40, 0xdd01, 0x1dc0, 0x1c80, 0xdc41,
	0x1400, 0xd4c1, 0xd581, 0x1540, 0xd701, 0x17c0, 0x1680, 0xd641,
	0xd201, 0x12c0, 0x1380, 0xd341, 0x1100, 0xd1c1, 0xd081, 0x1040,
	0xf001, 0x30c0, 0x3180, 0xf141, 0x3300, 0xf3c1, 0xf281, 0x3240,
	0x3600, 0xf6c1, 0xf781, 0x3740, 0xf501, 0x35c0, 0x3480, 0xf441,
	0x3c00, 0xfcc1, 0xfd81, 0x3d40, 0xff01, 0x3fc0, 0x3e80, 0xfe41,
	0xfa01, 0x3ac0, 0x3b80, 0xfb41, 0x3900, 0xf9c1, 0xf881, 0x3840,
	0x2800, 0xe8c1, 0xe981, 0x2940, 0xeb01, 0x2bc0, 0x2a80, 0xea41,
	0xee01, 0x2ec0, 0x2f80, 0xef41, 0x2d00, 0xedc1, 0xec81, 0x2c40,
	0xe401, 0x24c0, 0x2580, 0xe541, 0x2700, 0xe7c1, 0xe681, 0x2640,
	0x2200, 0xe2c1, 0xe381, 0x2340, 0xe101, 0x21c0, 0x2080, 0xe041,
	0xa001, 0x60c0, 0x6180, 0xa141, 0x6300, 0xa3c1, 0xa281, 0x6240,
	0x6600, 0xa6c1, 0xa781, 0x6740, 0xa501, 0x65c0, 0x6480, 0xa441,
	0x6c00, 0xacc1, 0xad81, 0x6d40, 0xaf01, 0x6fc0, 0x6e80, 0xae41,
	0xaa01, 0x6ac0, 0x6b80, 0xab41, 0x6900, 0xa9c1, 0xa881, 0x6840,
	0x7800, 0xb8c1, 0xb981, 0x7940, 0xbb01, 0x7bc0, 0x7a80, 0xba41,
	0xbe01, 0x7ec0, 0x7f80, 0xbf41, 0x7d00, 0xbdc1, 0xbc81, 0x7c40,
	0xb401, 0x74c0, 0x7580, 0xb541, 0x7700, 0xb7c1, 0xb681, 0x7640,
	0x7200, 0xb2c1, 0xb381, 0x7340, 0xb101, 0x71c0, 0x7080, 0xb041,
	0x5000, 0x90c1, 0x9181, 0x5140, 0x9301, 0x53c0, 0x5280, 0x9241,
	0x9601, 0x56c0, 0x5780, 0x9741, 0x5500, 0x95c1, 0x9481, 0x5440,
	0x9c01, 0x5cc0, 0x5d80, 0x9d41, 0x5f00, 0x9fc1, 0x9e81, 0x5e40,
	0x5a00, 0x9ac1, 0x9b81, 0x5b40, 0x9901, 0x59c0, 0x5880, 0x9841,
	0x8801, 0x48c0, 0x4980, 0x8941, 0x4b00, 0x8bc1, 0x8a81, 0x4a40,
	0x4e00, 0x8ec1, 0x8f81, 0x4f40, 0x8d01, 0x4dc0, 0x4c80, 0x8c41,
	0x4400, 0x84c1, 0x8581, 0x4540, 0x8701, 0x47c0, 0x4680, 0x8641,
	0x8201, 0x42c0, 0x4380, 0x8341, 0x4100, 0x81c1, 0x8081, 0x4040,
};

static const char hexdigits[] = "0123456789ABCDEF";

/* Write a formatted reason to err (when given) and return code. */
static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errsz, int code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	xverr(err, errsz, fmt, ap);
	va_end(ap);
	return code;
}

/* Value of hex digit c (either case), or -1. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse exactly n hex digits at p into *out; 0 or -1. */
static int
hexnum(const char *p, size_t n, unsigned *out)
{
	unsigned	v = 0;
	int		d;
	size_t		i;

	for (i = 0; i < n; i++) {
		if ((d = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

/* Parse exactly n decimal digits at p into *out; 0 or -1. */
static int
decnum(const char *p, size_t n, int *out)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Number of hex digits at the cursor (not consumed). */
static size_t
hexrun(const struct cur *c)
{
	const char	*q = c->p;

	while (q < c->end && hexval((unsigned char)*q) >= 0)
		q++;
	return (size_t)(q - c->p);
}

/* Copy n bytes to a NUL-terminated field. */
static void
setfield(char *dst, const char *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* CRC-16/ARC over buf. */
unsigned
dc09_crc(const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	unsigned		 crc = 0;

	while (len-- > 0)
		crc = (crc >> 8) ^ crctab[(crc ^ *p++) & 0xff];
	return crc;
}

/*
 * Find the next frame: LF .. CR, at most max bytes inclusive.  The frame
 * starts at the last LF before its CR, so junk that itself contains an LF is
 * skipped too.  Bytes before *start (*skipped of them) may be dropped.
 */
enum dc09_scan
dc09_scan(const char *buf, size_t len, size_t max, size_t *start,
    size_t *flen, size_t *skipped)
{
	const char	*lf, *cr, *last;
	size_t		 avail;

	*flen = 0;
	if ((lf = memchr(buf, '\n', len)) == NULL) {
		*start = *skipped = len;
		return DC09_SCAN_NEED;
	}
	avail = len - (size_t)(lf - buf);
	if ((cr = memchr(lf, '\r', avail)) != NULL) {
		last = memrchr(lf, '\n', (size_t)(cr - lf));
		*start = *skipped = (size_t)(last - buf);
		*flen = (size_t)(cr - last) + 1;
		if (*flen > max) {
			*flen = 0;
			return DC09_SCAN_TOOLONG;
		}
		return DC09_SCAN_FRAME;
	}
	last = memrchr(lf, '\n', avail);
	*start = *skipped = (size_t)(last - buf);
	return len - *start >= max ? DC09_SCAN_TOOLONG : DC09_SCAN_NEED;
}

/* The id of a token name, DC09_ID_UNKNOWN if not one of ours. */
static enum dc09_id
token_id(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (strcmp(tokens[i].name, name) == 0)
			return tokens[i].id;
	return DC09_ID_UNKNOWN;
}

/* The token name of an id, or NULL. */
static const char *
token_name(enum dc09_id id)
{
	size_t	i;

	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (tokens[i].id == id)
			return tokens[i].name;
	return NULL;
}

/* Check LF, CR, the length field and the CRC of a frame. */
static int
parse_header(const char *f, size_t len, struct dc09_msg *m, char *err,
    size_t errsz)
{
	unsigned	flen, crc;
	size_t		span;

	if (len > DC09_MAX_FRAME)
		return fail(err, errsz, DC09_ETOOLONG, "frame too long (%zu)",
		    len);
	if (len < HDR_LEN + 1 || f[0] != '\n' || f[len - 1] != '\r')
		return fail(err, errsz, DC09_EFORMAT, "no LF ... CR frame");
	if (hexnum(f + 1, 4, &m->crc) == -1)
		return fail(err, errsz, DC09_EFORMAT, "bad CRC field");
	if (f[5] != '0' || hexnum(f + 6, 3, &flen) == -1)
		return fail(err, errsz, DC09_EFORMAT, "bad length field");
	span = len - HDR_LEN - 1;
	if (span != flen)
		return fail(err, errsz, DC09_ELENGTH,
		    "length %03X but %zu bytes", flen, span);
	if ((crc = dc09_crc(f + HDR_LEN, span)) != m->crc)
		return fail(err, errsz, DC09_ECRC, "CRC %04X expected %04X",
		    m->crc, crc);
	return 0;
}

/* Parse the quoted ID token and the sequence number. */
static int
parse_token(struct cur *c, struct dc09_msg *m, char *err, size_t errsz)
{
	const char	*q;

	if (c->p >= c->end || *c->p++ != '"')
		return fail(err, errsz, DC09_EFORMAT, "no quoted ID");
	if (c->p < c->end && *c->p == '*') {
		m->encrypted = 1;
		c->p++;
	}
	for (q = c->p; q < c->end && *q != '"'; q++)
		if (!(*q >= 'A' && *q <= 'Z') && !(*q >= '0' && *q <= '9') &&
		    *q != '-')
			return fail(err, errsz, DC09_EFORMAT, "bad ID token");
	if (q == c->end || q == c->p ||
	    (size_t)(q - c->p) >= sizeof(m->token))
		return fail(err, errsz, DC09_EFORMAT, "bad ID token");
	setfield(m->token, c->p, (size_t)(q - c->p));
	m->id = token_id(m->token);
	c->p = q + 1;
	if (c->end - c->p < 4 || decnum(c->p, 4, &(int){ 0 }) == -1)
		return fail(err, errsz, DC09_EFORMAT, "bad sequence number");
	setfield(m->seq, c->p, 4);
	c->p += 4;
	return 0;
}

/*
 * Parse the optional receiver and the optional line prefix (up to '#' or
 * 'A').  Diallers leave both out unless configured; a bare "L" is line 0.
 */
static int
parse_route(struct cur *c, struct dc09_msg *m, char *err, size_t errsz)
{
	const char	*a;
	size_t		 n;

	if (c->p < c->end && *c->p == 'R') {
		c->p++;
		if ((n = hexrun(c)) < 1 || n > 6)
			return fail(err, errsz, DC09_EFORMAT, "bad receiver");
		m->has_rcvr = 1;
		setfield(m->rcvr, c->p, n);
		c->p += n;
	}
	if (c->p < c->end && *c->p == '#')
		return 0;
	if (c->p >= c->end || *c->p++ != 'L')
		return fail(err, errsz, DC09_EFORMAT, "no line prefix or account");
	m->has_line = 1;
	n = hexrun(c);
	/* NAK's "L0A0": the account letter is itself a hex digit. */
	if (m->id == DC09_ID_NAK && (c->p + n == c->end || c->p[n] != '#') &&
	    (a = memchr(c->p, 'A', n)) != NULL)
		n = (size_t)(a - c->p);
	if (n > 6)
		return fail(err, errsz, DC09_EFORMAT, "bad line prefix");
	setfield(m->line, c->p, n);
	c->p += n;
	return 0;
}

/* Parse the account: '#' and 3-16 hex digits, or NAK's 'A' form. */
static int
parse_acct(struct cur *c, struct dc09_msg *m, char *err, size_t errsz)
{
	size_t	n, min = 3;

	if (c->p < c->end && *c->p == 'A' && m->id == DC09_ID_NAK)
		min = 1;
	else if (c->p >= c->end || *c->p != '#')
		return fail(err, errsz, DC09_EFORMAT, "no account");
	c->p++;
	n = hexrun(c);
	if (n < min || n > 16)
		return fail(err, errsz, DC09_EFORMAT,
		    "account must be %zu-16 hex digits", min);
	setfield(m->acct, c->p, n);
	c->p += n;
	if (c->p >= c->end || *c->p != '[')
		return fail(err, errsz, DC09_EFORMAT, "no data after account");
	return 0;
}

/* Parse and validate one frame (LF..CR inclusive). */
int
dc09_parse(const char *frame, size_t len, struct dc09_msg *m, char *err,
    size_t errsz)
{
	struct cur	c;
	int		rc;

	memset(m, 0, sizeof(*m));
	if ((rc = parse_header(frame, len, m, err, errsz)) != 0)
		return rc;
	c.p = frame + HDR_LEN;
	c.end = frame + len - 1;
	if ((rc = parse_token(&c, m, err, errsz)) != 0 ||
	    (rc = parse_route(&c, m, err, errsz)) != 0 ||
	    (rc = parse_acct(&c, m, err, errsz)) != 0)
		return rc;
	m->body = c.p;
	m->body_len = (size_t)(c.end - c.p);
	if (m->id == DC09_ID_UNKNOWN)
		return fail(err, errsz, DC09_ETOKEN, "unknown token \"%s\"",
		    m->token);
	return 0;
}

/* Check "_HH:MM:SS,MM-DD-YYYY" punctuation and digits (not the ranges). */
static int
time_shape(const char *s, size_t len)
{
	static const char	shape[] = "_99:99:99,99-99-9999";
	size_t			i;

	if (len != TIME_LEN)
		return -1;
	for (i = 0; i < TIME_LEN; i++) {
		if (shape[i] == '9' ? (s[i] < '0' || s[i] > '9') :
		    s[i] != shape[i])
			return -1;
	}
	return 0;
}

/* Days in month mon (1-12) of year. */
static int
mdays(int mon, int year)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };

	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[mon - 1];
}

/*
 * Days from 1970-01-01 to year-mon-day (proleptic Gregorian, year >= 0):
 * counted in 400-year eras from a year that starts in March, so that
 * February's leap day ends the year.  What timegm() answers, without
 * its normalising and time-zone machinery (a thousand instructions a
 * frame on the loop).
 */
static int64_t
civil_days(int year, int mon, int day)
{
	int64_t	y = year - (mon <= 2), era = y / 400, yoe, doy;

	yoe = y - era * 400;				/* 0..399 */
	doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + day - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy -
	    719468;				/* 0000-03-01 to 1970-01-01 */
}

/* Parse "_HH:MM:SS,MM-DD-YYYY" (UTC); 0 or -1. */
int
dc09_parse_time(const char *s, size_t len, time_t *t)
{
	int		h = 0, mi = 0, sec = 0, mon = 0, day = 0, year = 0;

	if (time_shape(s, len) == -1)
		return -1;
	decnum(s + 1, 2, &h);
	decnum(s + 4, 2, &mi);
	decnum(s + 7, 2, &sec);
	decnum(s + 10, 2, &mon);
	decnum(s + 13, 2, &day);
	decnum(s + 16, 4, &year);
	if (h > 23 || mi > 59 || sec > 59 || mon < 1 || mon > 12 ||
	    year < 1970 || day < 1 || day > mdays(mon, year))
		return -1;
	*t = (time_t)(civil_days(year, mon, day) * 86400 + h * 3600 +
	    mi * 60 + sec);
	return 0;
}

/*
 * Format t as "_HH:MM:SS,MM-DD-YYYY" (UTC) into buf (21 bytes).  The
 * answers of one second share their time: the last one is kept (per
 * thread), and only a new second is formatted.
 */
void
dc09_format_time(time_t t, char *buf)
{
	static _Thread_local time_t	last_t;
	static _Thread_local char	last[TIME_LEN + 1];
	struct tm			tm;
	unsigned			year;

	if (last[0] != '\0' && t == last_t) {
		memcpy(buf, last, TIME_LEN + 1);
		return;
	}
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	year = (unsigned)tm.tm_year + 1900;
	if (year > 9999)
		year = 0;
	/* The moduli only tell the compiler the fields fit. */
	snprintf(buf, TIME_LEN + 1, "_%02u:%02u:%02u,%02u-%02u-%04u",
	    (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
	    (unsigned)tm.tm_sec % 100, (unsigned)(tm.tm_mon + 1) % 100,
	    (unsigned)tm.tm_mday % 100, year);
	memcpy(last, buf, TIME_LEN + 1);
	last_t = t;
}

/* Reset the opened content to empty. */
static void
content_clear(struct dc09_content *c)
{
	c->data[0] = c->xdata[0] = c->timestamp[0] = '\0';
	c->data_len = c->xdata_len = 0;
	c->has_time = 0;
	c->time = 0;
}

/*
 * Split what follows the data's ']': bracketed xdata fields, then an
 * optional timestamp.  DC09_EFORMAT when the layout is wrong, DC09_EDATA
 * when the timestamp has the right shape but impossible values.
 */
static int
split_tail(const char *p, size_t n, struct dc09_content *c)
{
	const char	*end = p + n, *x = p, *rb;

	while (p < end && *p == '[') {
		if ((rb = memchr(p, ']', (size_t)(end - p))) == NULL)
			return DC09_EFORMAT;
		p = rb + 1;
	}
	c->xdata_len = (size_t)(p - x);
	setfield(c->xdata, x, c->xdata_len);
	if (p == end)
		return 0;
	if (time_shape(p, (size_t)(end - p)) == -1)
		return DC09_EFORMAT;
	if (dc09_parse_time(p, TIME_LEN, &c->time) == -1)
		return DC09_EDATA;
	c->has_time = 1;
	setfield(c->timestamp, p, TIME_LEN);
	return 0;
}

/* Open a plain body "[data]" + xdata + optional timestamp. */
static int
open_plain(const struct dc09_msg *m, struct dc09_content *c, char *err,
    size_t errsz)
{
	const char	*rb;
	int		 rc;

	if (m->body_len < 2 || m->body[0] != '[' ||
	    (rb = memchr(m->body, ']', m->body_len)) == NULL)
		return fail(err, errsz, DC09_EDATA, "no [data] field");
	c->data_len = (size_t)(rb - m->body - 1);
	setfield(c->data, m->body + 1, c->data_len);
	rb++;
	rc = split_tail(rb, m->body_len - (size_t)(rb - m->body), c);
	if (rc != 0)
		return fail(err, errsz, DC09_EDATA, rc == DC09_EDATA ?
		    "bad timestamp" : "bad data after [data]");
	return 0;
}

/* Decode the "[HEX" body of an encrypted frame into pt; its length or -1. */
static int
unhex_body(const struct dc09_msg *m, unsigned char *pt)
{
	size_t	n = m->body_len - 1, i;
	int	hi, lo;

	/* Some panels close the hex with ']'; that is unambiguous. */
	if (n > 0 && m->body[m->body_len - 1] == ']')
		n--;
	if (m->body[0] != '[' || n == 0 || n % 32 != 0 || n / 2 > PLAIN_MAX)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hexval((unsigned char)m->body[1 + 2 * i]);
		lo = hexval((unsigned char)m->body[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -1;
		pt[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/*
 * Is pt..bar a pad of at most 16 bytes followed by "#acct"?  Only a bound
 * on what may precede the data: it does not decide where the data starts.
 */
static int
pad_and_account(const char *pt, const char *bar)
{
	const char	*q = bar;

	while (q > pt && hexval((unsigned char)q[-1]) >= 0)
		q--;
	return q > pt && q[-1] == '#' && bar - q >= 3 &&
	    bar - q <= DC09_ACCT_MAX && q - 1 - pt <= PAD_MAX;
}

/*
 * Where the data starts in a decrypted block of which rb bytes precede the
 * ']'.  The pad never holds '|', so the first '|' ends it, or ends the
 * "#acct|" that may follow it: either way the data starts right after that
 * '|', and nothing in a random pad can move it.  With no '|' there is no
 * data and all of it is pad.  -1 when what stands before the data is longer
 * than a pad and an account can be (a wrong key, most likely).
 */
static int
data_start(const char *pt, size_t rb)
{
	const char	*bar;

	if ((bar = memchr(pt, '|', rb)) == NULL)
		return rb <= PAD_MAX ? (int)rb : -1;
	if ((size_t)(bar - pt) > PAD_MAX && !pad_and_account(pt, bar))
		return -1;
	return (int)(bar - pt + 1);
}

/* Decrypt and split an encrypted body "[HEX". */
static int
open_encrypted(const struct dc09_msg *m, const struct dc09_key *key,
    struct dc09_content *c, char *err, size_t errsz)
{
	unsigned char	 pt[PLAIN_MAX + 1];
	const char	*s = (const char *)pt, *rb;
	int		 n, start, rc;

	pt[0] = '\0';
	if (key == NULL || key->len == 0)
		return fail(err, errsz, DC09_EDECRYPT, "no key for account");
	if ((n = unhex_body(m, pt)) == -1)
		return fail(err, errsz, DC09_EDECRYPT, "bad encrypted hex");
	if (dc09_crypt_decrypt(key, pt, (size_t)n, pt) == -1)
		return fail(err, errsz, DC09_EDECRYPT, "cannot decrypt");
	if ((rb = memchr(s, ']', (size_t)n)) == NULL ||
	    (start = data_start(s, (size_t)(rb - s))) == -1)
		return fail(err, errsz, DC09_EDECRYPT, "wrong key or bad pad");
	rc = split_tail(rb + 1, (size_t)(n - (rb + 1 - s)), c);
	if (rc == DC09_EFORMAT)
		return fail(err, errsz, DC09_EDECRYPT, "wrong key");
	if (rc == DC09_EDATA)
		return fail(err, errsz, DC09_EDATA, "bad timestamp");
	if (!c->has_time)
		return fail(err, errsz, DC09_ENOTIME,
		    "encrypted message without timestamp");
	c->data_len = (size_t)(rb - s - start);
	setfield(c->data, s + start, c->data_len);
	return 0;
}

/* Decrypt (if m->encrypted; key required then) and split the body. */
int
dc09_open(const struct dc09_msg *m, const struct dc09_key *key,
    struct dc09_content *c, char *err, size_t errsz)
{
	int	rc;

	content_clear(c);
	if (m->body == NULL || m->body_len == 0)
		return fail(err, errsz, DC09_EDATA, "no body");
	if (m->encrypted)
		rc = open_encrypted(m, key, c, err, errsz);
	else
		rc = open_plain(m, c, err, errsz);
	if (rc != 0)
		content_clear(c);
	return rc;
}

/* Parse a hex key of 32/48/64 digits, or "text:" and 16/24/32 bytes. */
int
dc09_key_parse(const char *s, struct dc09_key *k, char *err, size_t errsz)
{
	size_t	n, i;

	memset(k, 0, sizeof(*k));
	if (strncmp(s, "text:", 5) == 0) {
		n = strlen(s + 5);
		if (n != 16 && n != 24 && n != 32)
			return fail(err, errsz, -1, "text key must be 16, 24 "
			    "or 32 characters, not %zu", n);
		memcpy(k->bytes, s + 5, n);
		k->len = n;
		return 0;
	}
	n = strlen(s);
	if (n != 32 && n != 48 && n != 64)
		return fail(err, errsz, -1, "key must be 32, 48 or 64 hex "
		    "digits (or text:...), not %zu characters", n);
	for (i = 0; i < n; i++) {
		if (hexval((unsigned char)s[i]) < 0) {
			memset(k, 0, sizeof(*k));
			return fail(err, errsz, -1, "key has a non-hex "
			    "character at position %zu", i + 1);
		}
		if (i % 2 == 1)
			k->bytes[i / 2] = (unsigned char)
			    (hexval((unsigned char)s[i - 1]) << 4 |
			    hexval((unsigned char)s[i]));
	}
	k->len = n / 2;
	return 0;
}

/* Append n bytes to w, noting an overflow instead of writing past cap. */
static void
put(struct wbuf *w, const void *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Append a NUL-terminated string to w. */
static void
puts_w(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Is s a string of 0..max hex digits (min..max)? */
static int
is_hexfield(const char *s, size_t min, size_t max)
{
	size_t	n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

/* Validate what the caller asked to build. */
static int
out_valid(const struct dc09_out *o)
{
	int	seq;

	if (o->token == NULL || o->seq == NULL || o->acct == NULL || o->data == NULL)
		return 0;
	if (strlen(o->token) == 0 || strlen(o->token) > 11 ||
	    strlen(o->seq) != 4 || decnum(o->seq, 4, &seq) == -1)
		return 0;
	if (o->rcvr != NULL && !is_hexfield(o->rcvr, 1, 6))
		return 0;
	if ((o->line != NULL && !is_hexfield(o->line, 0, 6)) ||
	    !is_hexfield(o->acct, o->nak_acct ? 1 : 3, 16))
		return 0;
	if (strchr(o->data, ']') != NULL || o->pad == '|' || o->pad == '[' ||
	    o->pad == ']')
		return 0;
	return 1;
}

/* Write the span's routing part: "token"seqRrcvrLline#acct. */
static void
put_route(struct wbuf *w, const struct dc09_out *o, int enc)
{
	puts_w(w, enc ? "\"*" : "\"");
	puts_w(w, o->token);
	puts_w(w, "\"");
	puts_w(w, o->seq);
	if (o->rcvr != NULL) {
		puts_w(w, "R");
		puts_w(w, o->rcvr);
	}
	if (o->line != NULL) {
		puts_w(w, "L");
		puts_w(w, o->line);
	}
	puts_w(w, o->nak_acct ? "A" : "#");
	puts_w(w, o->acct);
}

/* Fill pad with n bytes of o->pad, or random letters and digits. */
static int
make_pad(const struct dc09_out *o, unsigned char *pad, size_t n)
{
	static const char	alnum[] = "0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t			i;

	if (o->pad != 0) {
		memset(pad, (unsigned char)o->pad, n);
		return 0;
	}
	if (RAND_bytes(pad, (int)n) != 1)
		return -1;
	for (i = 0; i < n; i++)
		pad[i] = (unsigned char)alnum[pad[i] % (sizeof(alnum) - 1)];
	return 0;
}

/* Write the encrypted body: "[" + hex(AES(pad [+ "|" data] "]" xdata ts)). */
static int
put_encrypted(struct wbuf *w, const struct dc09_out *o, const char *ts)
{
	unsigned char	pt[PLAIN_MAX + PAD_MAX];
	struct wbuf	pw = { (char *)pt, sizeof(pt), 0, 0 };
	size_t		base, pad, i;
	char		hx[2];

	base = (*o->data != '\0' ? 1 + strlen(o->data) : 0) + 1 +
	    (o->xdata != NULL ? strlen(o->xdata) : 0) + TIME_LEN;
	pad = PAD_MAX - base % PAD_MAX;
	if (base + pad > PLAIN_MAX)
		return -1;
	if (make_pad(o, pt, pad) == -1)
		return -1;
	pw.len = pad;
	if (*o->data != '\0') {
		puts_w(&pw, "|");
		puts_w(&pw, o->data);
	}
	puts_w(&pw, "]");
	if (o->xdata != NULL)
		puts_w(&pw, o->xdata);
	puts_w(&pw, ts);
	if (pw.full || dc09_crypt_encrypt(o->key, pt, pw.len, pt) == -1)
		return -1;
	puts_w(w, "[");
	for (i = 0; i < pw.len; i++) {
		hx[0] = hexdigits[pt[i] >> 4];
		hx[1] = hexdigits[pt[i] & 0xf];
		put(w, hx, 2);
	}
	return 0;
}

/*
 * Write the header "\nCCCC0LLL": the CRC and the span's length in upper-case
 * hex (by hand: snprintf was a third of an ACK's cost).
 */
static void
put_header(char *buf, unsigned crc, size_t span)
{
	buf[0] = '\n';
	buf[1] = hexdigits[crc >> 12 & 0xf];
	buf[2] = hexdigits[crc >> 8 & 0xf];
	buf[3] = hexdigits[crc >> 4 & 0xf];
	buf[4] = hexdigits[crc & 0xf];
	buf[5] = '0';
	buf[6] = hexdigits[span >> 8 & 0xf];
	buf[7] = hexdigits[span >> 4 & 0xf];
	buf[8] = hexdigits[span & 0xf];
}

/* Build a frame (LF..CR), NUL-terminated when there is room; length or -1. */
int
dc09_build(const struct dc09_out *o, char *buf, size_t cap)
{
	struct wbuf	w = { buf, cap, HDR_LEN, cap < HDR_LEN };
	char		ts[TIME_LEN + 1];
	int		enc;
	size_t		span;

	if (!out_valid(o))
		return -1;
	enc = o->key != NULL && o->key->len > 0;
	/* A plain ACK or DUH carries no time: most answers skip the formatting. */
	if (enc || o->with_time)
		dc09_format_time(o->time, ts);
	else
		ts[0] = '\0';
	put_route(&w, o, enc);
	if (enc) {
		if (put_encrypted(&w, o, ts) == -1)
			return -1;
	} else {
		puts_w(&w, "[");
		puts_w(&w, o->data);
		puts_w(&w, "]");
		if (o->xdata != NULL)
			puts_w(&w, o->xdata);
		if (o->with_time)
			puts_w(&w, ts);
	}
	span = w.len - HDR_LEN;
	put(&w, "\r", 1);
	if (w.full || span > DC09_MAX_SPAN)
		return -1;
	put_header(buf, dc09_crc(buf + HDR_LEN, span), span);
	if (w.len < cap)
		buf[w.len] = '\0';
	return (int)w.len;
}

/* Build the receiver's answer (ACK, DUH, RSP or NAK) to request m. */
int
dc09_build_answer(enum dc09_id answer, const struct dc09_msg *m,
    const struct dc09_key *key, time_t now, char *buf, size_t cap)
{
	struct dc09_out	o;

	if (answer == DC09_ID_NAK)
		return dc09_build_nak(now, buf, cap);
	memset(&o, 0, sizeof(o));
	if ((o.token = token_name(answer)) == NULL)
		return -1;
	o.seq = m->seq;
	o.rcvr = m->has_rcvr ? m->rcvr : NULL;
	o.line = m->has_line ? m->line : NULL;
	o.acct = m->acct;
	o.data = "";
	o.time = now;
	if (m->encrypted && key != NULL && key->len > 0)
		o.key = key;
	return dc09_build(&o, buf, cap);
}

/* "NAK"0000R0L0A0[]_now: returns the length or -1. */
int
dc09_build_nak(time_t now, char *buf, size_t cap)
{
	struct dc09_out	o;

	memset(&o, 0, sizeof(o));
	o.token = "NAK";
	o.seq = "0000";
	o.rcvr = "0";
	o.line = "0";
	o.acct = "0";
	o.nak_acct = 1;
	o.data = "";
	o.with_time = 1;
	o.time = now;
	return dc09_build(&o, buf, cap);
}

/* A short description of a dc09_parse()/dc09_open() result. */
const char *
dc09_strerror(int err)
{
	switch (err) {
	case DC09_OK:
		return "ok";
	case DC09_EFORMAT:
		return "malformed frame";
	case DC09_ECRC:
		return "CRC mismatch";
	case DC09_ELENGTH:
		return "length mismatch";
	case DC09_ETOKEN:
		return "unknown ID token";
	case DC09_EDECRYPT:
		return "cannot decrypt";
	case DC09_EDATA:
		return "malformed data";
	case DC09_ETOOLONG:
		return "frame too long";
	case DC09_ENOTIME:
		return "no timestamp";
	default:
		return "unknown error";
	}
}
