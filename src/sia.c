/* sia.c - SIA DC-03 payload decoder (pure): "#acct|Nri1/BA01/BA02" -> events. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "codes.h"
#include "event.h"
#include "sia.h"
#include "xmalloc.h"

#define SIA_ACCT_MAX	16	/* account digits inside the data */
#define SIA_NUM_DIGITS	6	/* digits after a code or in ri/id (leading zeros) */
#define SIA_NUM_MAX	9999	/* largest zone, user or area number */

/* Modifiers in force: each applies to the events after it until changed. */
struct sia_mods {
	int	partition;		/* ri; -1 none */
	int	user;			/* id; -1 none */
	int	have_time, hour, min, sec;	/* ti */
	int	have_date, year, mon, day;	/* da */
};

/* One '/'-separated block of the data. */
struct sia_span {
	const char	*p;
	size_t		 n;
};

/* Set err (when given) from a format and return -1. */
static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ASCII classes, independent of the locale. */
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }

/* Parse 1..maxdig decimal digits at p[0..n) as a number in [0, max]. */
static int
parse_num(const char *p, size_t n, size_t maxdig, long long max, int *out)
{
	char		 buf[16];
	const char	*errstr;
	long long	 v;
	size_t		 i;

	if (n == 0 || n > maxdig || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (xstrtonum(buf, 10, 0, max, &v, &errstr) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

/* Length of a leading "#acct|" or "|": 0 none, -1 malformed. */
int
sia_account_len(const char *data, size_t len)
{
	size_t	i;

	if (len == 0 || (data[0] != '#' && data[0] != '|'))
		return 0;
	if (data[0] == '|')
		return 1;
	for (i = 1; i < len && i <= SIA_ACCT_MAX + 1; i++) {
		if (data[i] == '|')
			return i > 1 ? (int)i + 1 : -1;
		if (!is_digit(data[i]) && !is_upper(data[i]) &&
		    !is_lower(data[i]))
			return -1;
	}
	return -1;
}

/* Parse "HH:MM" or "HH:MM:SS" into m. */
static int
parse_time(const struct sia_span *v, struct sia_mods *m)
{
	const char	*p = v->p;

	if (v->n != 5 && v->n != 8)
		return -1;
	if (p[2] != ':' || (v->n == 8 && p[5] != ':'))
		return -1;
	if (parse_num(p, 2, 2, 23, &m->hour) == -1 ||
	    parse_num(p + 3, 2, 2, 59, &m->min) == -1)
		return -1;
	m->sec = 0;
	if (v->n == 8 && parse_num(p + 6, 2, 2, 59, &m->sec) == -1)
		return -1;
	m->have_time = 1;
	return 0;
}

/* Parse "MM-DD-YY" or "MM-DD-YYYY" into m. */
static int
parse_date(const struct sia_span *v, struct sia_mods *m)
{
	const char	*p = v->p;

	if ((v->n != 8 && v->n != 10) || p[2] != '-' || p[5] != '-')
		return -1;
	if (parse_num(p, 2, 2, 12, &m->mon) == -1 || m->mon == 0 ||
	    parse_num(p + 3, 2, 2, 31, &m->day) == -1 || m->day == 0 ||
	    parse_num(p + 6, v->n - 6, 4, 9999, &m->year) == -1)
		return -1;
	if (v->n == 8)
		m->year += 2000;
	if (m->year < 1970)
		return -1;
	m->have_date = 1;
	return 0;
}

/* The panel's own time from ti and da (UTC), 0 unless both are present and valid. */
static time_t
mods_time(const struct sia_mods *m)
{
	struct tm	tm;
	time_t		t;

	if (!m->have_time || !m->have_date)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = m->year - 1900;
	tm.tm_mon = m->mon - 1;
	tm.tm_mday = m->day;
	tm.tm_hour = m->hour;
	tm.tm_min = m->min;
	tm.tm_sec = m->sec;
	t = timegm(&tm);
	/* timegm normalises 02-30 to 03-02: refuse instead. */
	if (t == (time_t)-1 || tm.tm_mday != m->day || tm.tm_mon != m->mon - 1)
		return 0;
	return t;
}

/* Apply a modifier block ("ri1", "id501", "ti12:00", "da09-25-26", others ignored). */
static int
apply_modifier(const struct sia_span *b, struct sia_mods *m, char *err,
    size_t errsz)
{
	struct sia_span	v = { b->p + 2, b->n - 2 };
	int		r = 0;

	if (memcmp(b->p, "ri", 2) == 0)
		r = parse_num(v.p, v.n, SIA_NUM_DIGITS, SIA_NUM_MAX, &m->partition);
	else if (memcmp(b->p, "id", 2) == 0)
		r = parse_num(v.p, v.n, SIA_NUM_DIGITS, SIA_NUM_MAX, &m->user);
	else if (memcmp(b->p, "ti", 2) == 0)
		r = parse_time(&v, m);
	else if (memcmp(b->p, "da", 2) == 0)
		r = parse_date(&v, m);
	if (r == -1)
		return fail(err, errsz, "bad value for modifier %.2s: \"%.*s\"",
		    b->p, (int)(v.n > 20 ? 20 : v.n), v.p);
	return 0;
}

/* Append formatted text to the event's text, truncating safely. */
static void __attribute__((format(printf, 2, 3)))
text_add(struct event *ev, const char *fmt, ...)
{
	size_t	used = strlen(ev->text);
	va_list	ap;

	if (used + 1 >= sizeof(ev->text))
		return;
	va_start(ap, fmt);
	vsnprintf(ev->text + used, sizeof(ev->text) - used, fmt, ap);
	va_end(ap);
}

/* Build the readable text: "Burglary alarm, zone 1" / "Closing by user 501". */
static void
event_text(struct event *ev, const struct code_info *ci)
{
	if (ci != NULL)
		snprintf(ev->text, sizeof(ev->text), "%s", ci->text);
	else
		snprintf(ev->text, sizeof(ev->text), "Unknown SIA code %s",
		    ev->code);
	if (ev->zone > 0)
		text_add(ev, ", zone %d", ev->zone);
	if (ev->user > 0)
		text_add(ev, ev->cls == EVC_OPENCLOSE ? " by user %d" :
		    ", user %d", ev->user);
	if (ev->partition > 0)
		text_add(ev, ", partition %d", ev->partition);
}

/* Decode an event block "BA01" (code, optional number) into ev. */
static int
decode_event(const struct sia_span *b, const struct sia_mods *m,
    struct event *ev, char *err, size_t errsz)
{
	const struct code_info	*ci;
	int			 num = -1;

	memset(ev, 0, sizeof(*ev));
	memcpy(ev->format, "SIA", 4);
	memcpy(ev->code, b->p, 2);
	if (b->n > 2 && parse_num(b->p + 2, b->n - 2, SIA_NUM_DIGITS,
	    SIA_NUM_MAX, &num) == -1)
		return fail(err, errsz, "code %.2s followed by junk: \"%.*s\"",
		    b->p, (int)(b->n > 20 ? 18 : b->n - 2), b->p + 2);
	ci = codes_sia(ev->code);
	ev->known = ci != NULL;
	ev->cls = ci != NULL ? ci->cls : EVC_OTHER;
	ev->qual = ci != NULL ? ci->qual : EVQ_NEW;
	ev->zone = ev->user = ev->peripheral = -1;
	if (ci != NULL && ci->unit_is_user)
		ev->user = num;
	else
		ev->zone = num;
	if (ev->user == -1)
		ev->user = m->user;
	ev->partition = m->partition;
	ev->event_time = mods_time(m);
	event_text(ev, ci);
	return 0;
}

/* Skip the leading 'N' (new event) when it is one: "NBA01" yes, "NL01" is code NL. */
static size_t
skip_new(const char *p, size_t n)
{
	if (n == 0 || p[0] != 'N')
		return 0;
	if (n > 1 && p[1] == '/')
		return 2;
	/* 'N' then one capital and no second one: the N begins the code. */
	if (n > 1 && is_upper(p[1]) && (n == 2 || !is_upper(p[2])))
		return 0;
	return 1;
}

/* Check that every byte is printable ASCII. */
static int
check_bytes(const char *data, size_t len, char *err, size_t errsz)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)data[i] < 0x21 ||
		    (unsigned char)data[i] > 0x7e)
			return fail(err, errsz, "bad byte 0x%02x at offset %zu",
			    (unsigned char)data[i], i);
	return 0;
}

/* Handle one block: a modifier or an event (stored at ev[*n]). */
static int
decode_block(const struct sia_span *b, struct sia_mods *m, struct event *ev,
    size_t max, size_t *n, char *err, size_t errsz)
{
	if (b->n < 2)
		return fail(err, errsz, "bad block \"%.*s\"", (int)b->n, b->p);
	if (is_lower(b->p[0]) && is_lower(b->p[1]))
		return apply_modifier(b, m, err, errsz);
	if (!is_upper(b->p[0]) || !is_upper(b->p[1]))
		return fail(err, errsz, "bad block \"%.*s\"",
		    (int)(b->n > 20 ? 20 : b->n), b->p);
	if (*n >= max)
		return fail(err, errsz, "more than %zu events", max);
	if (decode_event(b, m, &ev[*n], err, errsz) == -1)
		return -1;
	(*n)++;
	return 0;
}

/* Decode a SIA-DCS data field into up to max events. */
int
sia_decode(const char *data, size_t len, struct event *ev, size_t max,
    char *err, size_t errsz)
{
	struct sia_mods	 m = { .partition = -1, .user = -1 };
	struct sia_span	 b;
	const char	*p, *end, *slash;
	size_t		 n = 0;
	int		 acct;

	if (data == NULL || len == 0)
		return fail(err, errsz, "empty data");
	if (ev == NULL || max == 0)
		return fail(err, errsz, "no room for events");
	if (check_bytes(data, len, err, errsz) == -1)
		return -1;
	if ((acct = sia_account_len(data, len)) == -1)
		return fail(err, errsz, "bad account prefix");
	p = data + acct;
	end = data + len;
	p += skip_new(p, (size_t)(end - p));
	if (p == end)
		return fail(err, errsz, "no event in data");
	for (;;) {
		slash = memchr(p, '/', (size_t)(end - p));
		b.p = p;
		b.n = (size_t)((slash != NULL ? slash : end) - p);
		if (decode_block(&b, &m, ev, max, &n, err, errsz) == -1)
			return -1;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (n == 0)
		return fail(err, errsz, "no event in data");
	return (int)n;
}
