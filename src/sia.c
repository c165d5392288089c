/* sia.c - SIA DC-03 payload decoder (pure): "#acct|Nri1/BA01^Hall^|Atext|NRP" -> events. */
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
#define SIA_NUM_DIGITS	6	/* digits of a zone, user, area or device number */
#define SIA_NUM_MAX	999999	/* largest zone, user, area or device number */
#define SIA_QUOTE_MAX	24	/* bytes of the offending input quoted in a reason */
#define SIA_QUOTE_BUF	(SIA_QUOTE_MAX * 4 + 4)

/* The modifiers that take a number and may carry a ^name^. */
enum sia_slot { SLOT_AREA, SLOT_USER, SLOT_DEVICE, SLOT_COUNT };

/* Modifiers in force: each applies to the events after it in its block. */
struct sia_mods {
	int	num[SLOT_COUNT];		/* ri, id, pi; -1 none */
	char	name[SLOT_COUNT][EVENT_NAME_MAX];	/* their ^name^, "" none */
	int	have_time, hour, min, sec;	/* ti */
	int	have_date, year, mon, day;	/* da */
};

/* What a following ^name^ or *"name"NM belongs to. */
enum sia_last {
	LAST_NONE,		/* nothing: a name here is a problem */
	LAST_EVENT,		/* ev[n - 1] */
	LAST_DROPPED,		/* an item that was not decoded: ignore it */
	LAST_MOD		/* the modifier in slot last_slot */
};

/* The decoder's state over one data field. */
struct sia_parse {
	const char	*data;		/* start, for offsets in reasons */
	const char	*p, *end;	/* cursor and end */
	struct event	*ev;		/* caller's array of max */
	size_t		 max, n;
	size_t		 first;		/* first event of the latest event block */
	int		 blocks;	/* event blocks seen */
	struct sia_mods	 m;
	enum sia_last	 last;
	enum sia_slot	 last_slot;
	char		*err;		/* the first problem; may be NULL */
	size_t		 errsz;
	int		 problems;
};

/* A run of bytes inside the data. */
struct sia_span {
	const char	*p;
	size_t		 n;
};

/* Count a problem; the first one becomes the reason in err. */
static void __attribute__((format(printf, 2, 3)))
problem(struct sia_parse *ps, const char *fmt, ...)
{
	va_list	ap;

	if (ps->problems++ > 0 || ps->err == NULL || ps->errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errsz, fmt, ap);
	va_end(ap);
}

/* ASCII classes, independent of the locale. */
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_print(char c) { return c >= 0x20 && c <= 0x7e; }

/* Up to SIA_QUOTE_MAX bytes of p[0..n) for a reason, others as \xNN, into buf. */
static const char *
quote(const char *p, size_t n, char *buf)
{
	size_t	i, o = 0;

	for (i = 0; i < n && i < SIA_QUOTE_MAX; i++) {
		if (is_print(p[i]) && p[i] != '"' && p[i] != '\\')
			buf[o++] = p[i];
		else
			o += (size_t)snprintf(buf + o, 5, "\\x%02x",
			    (unsigned char)p[i]);
	}
	if (n > SIA_QUOTE_MAX)
		buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
	buf[o] = '\0';
	return buf;
}

/* The bytes from p up to (not including) the first of the delimiters, or the end. */
static size_t
run_until(const char *p, const char *end, const char *delims)
{
	size_t	n = 0;

	/* memchr, not strchr: a NUL in the data is no delimiter. */
	while (p + n < end && memchr(delims, p[n], strlen(delims)) == NULL)
		n++;
	return n;
}

/* The first byte below 0x20 in p[0..n), or -1: names and texts take any other. */
static int
control_byte(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20)
			return (unsigned char)p[i];
	return -1;
}

/* Copy p[0..n) into dst of dstsz as a string, cut to fit. */
static void
copy_bytes(char *dst, size_t dstsz, const char *p, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* Append p[0..n) to an event's note, a space between texts, cut to fit. */
static void
note_add(struct event *ev, const char *p, size_t n)
{
	size_t	used = strlen(ev->note);

	if (used > 0 && used + 1 < sizeof(ev->note))
		ev->note[used++] = ' ';
	copy_bytes(ev->note + used, sizeof(ev->note) - used, p, n);
}

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

/* Parse "HH:MM" or "HH:MM:SS" into m; m is left alone when it is bad. */
static int
parse_time(const struct sia_span *v, struct sia_mods *m)
{
	const char	*p = v->p;
	int		 h, min, sec = 0;

	if (v->n != 5 && v->n != 8)
		return -1;
	if (p[2] != ':' || (v->n == 8 && p[5] != ':'))
		return -1;
	if (parse_num(p, 2, 2, 23, &h) == -1 ||
	    parse_num(p + 3, 2, 2, 59, &min) == -1)
		return -1;
	if (v->n == 8 && parse_num(p + 6, 2, 2, 59, &sec) == -1)
		return -1;
	m->hour = h;
	m->min = min;
	m->sec = sec;
	m->have_time = 1;
	return 0;
}

/* Parse "MM-DD-YY" or "MM-DD-YYYY" into m; m is left alone when it is bad. */
static int
parse_date(const struct sia_span *v, struct sia_mods *m)
{
	const char	*p = v->p;
	int		 mon, day, year;

	if ((v->n != 8 && v->n != 10) || p[2] != '-' || p[5] != '-')
		return -1;
	if (parse_num(p, 2, 2, 12, &mon) == -1 || mon == 0 ||
	    parse_num(p + 3, 2, 2, 31, &day) == -1 || day == 0 ||
	    parse_num(p + 6, v->n - 6, 4, 9999, &year) == -1)
		return -1;
	if (v->n == 8)
		year += 2000;
	if (year < 1970)
		return -1;
	m->mon = mon;
	m->day = day;
	m->year = year;
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

/*
 * Copy src into dst of size n, truncated and NUL-terminated as snprintf's
 * "%s" would (by hand: formatting was half of decoding an event).
 */
static size_t
copy_str(char *dst, size_t n, const char *src)
{
	size_t	len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return len;
}

/* Append label and the decimal n (>= 0) to the event's text, truncating safely. */
static void
text_add(struct event *ev, const char *label, int n)
{
	char		 num[12], *p = num + sizeof(num);
	size_t		 used = strlen(ev->text);
	unsigned	 u = (unsigned)n;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	used += copy_str(ev->text + used, sizeof(ev->text) - used, label);
	copy_str(ev->text + used, sizeof(ev->text) - used, p);
}

/* Build the readable text: "Burglary alarm, zone 1" / "Closing by user 501". */
static void
event_text(struct event *ev, const struct code_info *ci)
{
	if (ci != NULL)
		copy_str(ev->text, sizeof(ev->text), ci->text);
	else
		snprintf(ev->text, sizeof(ev->text), "Unknown SIA code %s",
		    ev->code);
	if (ev->zone > 0)
		text_add(ev, ", zone ", ev->zone);
	if (ev->user > 0)
		text_add(ev, ev->cls == EVC_OPENCLOSE ? " by user " :
		    ", user ", ev->user);
	if (ev->partition > 0)
		text_add(ev, ", partition ", ev->partition);
	if (ev->peripheral > 0)
		text_add(ev, ", device ", ev->peripheral);
}

/* The name an event without its own takes: its user's, device's, then area's. */
static const char *
mods_name(const struct sia_mods *m, const struct event *ev)
{
	if (ev->user != -1 && ev->user == m->num[SLOT_USER] &&
	    m->name[SLOT_USER][0] != '\0')
		return m->name[SLOT_USER];
	if (m->name[SLOT_DEVICE][0] != '\0')
		return m->name[SLOT_DEVICE];
	if (ev->partition != -1 && ev->partition == m->num[SLOT_AREA])
		return m->name[SLOT_AREA];
	return "";
}

/* Fill ev from the code, its number (-1 none) and the modifiers in force. */
static void
fill_event(struct event *ev, const char *code, int num, const struct sia_mods *m)
{
	const struct code_info	*ci;

	memset(ev, 0, sizeof(*ev));
	memcpy(ev->format, "SIA", 4);
	memcpy(ev->code, code, 2);
	ci = codes_sia(ev->code);
	ev->known = ci != NULL;
	ev->cls = ci != NULL ? ci->cls : EVC_OTHER;
	ev->qual = ci != NULL ? ci->qual : EVQ_NEW;
	ev->zone = ev->user = -1;
	ev->partition = m->num[SLOT_AREA];
	ev->peripheral = m->num[SLOT_DEVICE];
	if (ci != NULL && ci->unit == CODE_UNIT_USER)
		ev->user = num;
	else if (ci != NULL && ci->unit == CODE_UNIT_AREA && num != -1)
		ev->partition = num;
	else if (ci == NULL || ci->unit == CODE_UNIT_ZONE)
		ev->zone = num;
	if (ev->user == -1)
		ev->user = m->num[SLOT_USER];
	ev->event_time = mods_time(m);
	copy_str(ev->name, sizeof(ev->name), mods_name(m, ev));
	event_text(ev, ci);
}

/* What the number after a code (two letters in the data) counts, for reasons. */
static const char *
unit_word(const char *code)
{
	char			 c[3] = { code[0], code[1], '\0' };
	const struct code_info	*ci = codes_sia(c);

	if (ci == NULL || ci->unit == CODE_UNIT_ZONE)
		return "zone";
	return ci->unit == CODE_UNIT_USER ? "user" : "area";
}

/* Decode an event item "BA01" (code, up to 6 digits) at ps->p into ev[n]. */
static void
event_item(struct sia_parse *ps)
{
	const char	*code = ps->p;
	char		 q[SIA_QUOTE_BUF];
	size_t		 nd;
	int		 num = -1;

	ps->p += 2;
	nd = 0;
	while (ps->p + nd < ps->end && is_digit(ps->p[nd]))
		nd++;
	ps->last = LAST_DROPPED;
	if (nd > SIA_NUM_DIGITS)
		problem(ps, "%s number \"%s\" longer than %d digits",
		    unit_word(code), quote(ps->p, nd, q), SIA_NUM_DIGITS);
	else if (ps->n >= ps->max)
		problem(ps, "more than %zu events", ps->max);
	else {
		if (nd > 0)
			(void)parse_num(ps->p, nd, SIA_NUM_DIGITS, SIA_NUM_MAX,
			    &num);
		fill_event(&ps->ev[ps->n++], code, num, &ps->m);
		ps->last = LAST_EVENT;
	}
	ps->p += nd;
}

/* Set a numeric modifier (ri, id, pi): 0, -1 bad value, -2 reason given. */
static int
set_number(struct sia_parse *ps, enum sia_slot slot, const struct sia_span *v)
{
	static const char *const	 word[SLOT_COUNT] = { "area", "user",
					    "device" };
	char				 q[SIA_QUOTE_BUF];

	if (v->n > SIA_NUM_DIGITS && run_until(v->p, v->p + v->n, ":-.") ==
	    v->n) {
		problem(ps, "%s number \"%s\" longer than %d digits", word[slot],
		    quote(v->p, v->n, q), SIA_NUM_DIGITS);
		return -2;
	}
	if (parse_num(v->p, v->n, SIA_NUM_DIGITS, SIA_NUM_MAX,
	    &ps->m.num[slot]) == -1)
		return -1;
	ps->m.name[slot][0] = '\0';
	ps->last = LAST_MOD;
	ps->last_slot = slot;
	return 0;
}

/* Apply a known modifier's value: 0, -1 bad value, -2 reason given. */
static int
apply_modifier(struct sia_parse *ps, const char *mod, const struct sia_span *v)
{
	if (memcmp(mod, "ri", 2) == 0)
		return set_number(ps, SLOT_AREA, v);
	if (memcmp(mod, "id", 2) == 0)
		return set_number(ps, SLOT_USER, v);
	if (memcmp(mod, "pi", 2) == 0)
		return set_number(ps, SLOT_DEVICE, v);
	if (memcmp(mod, "ti", 2) == 0)
		return parse_time(v, &ps->m);
	return parse_date(v, &ps->m);
}

/* Decode a modifier ("ri2", "id501", "pi3", "ti12:00", "da09-25-26"; others skipped). */
static void
modifier(struct sia_parse *ps)
{
	static const char	 known[] = "ri id pi ti da";
	const char		*mod = ps->p;
	struct sia_span		 v;
	char			 name[3] = { mod[0], mod[1], '\0' }, q[SIA_QUOTE_BUF];
	int			 is_known = strstr(known, name) != NULL;

	v.p = mod + 2;
	v.n = 0;
	while (v.p + v.n < ps->end && (is_digit(v.p[v.n]) || v.p[v.n] == ':' ||
	    v.p[v.n] == '-' || v.p[v.n] == '.'))
		v.n++;
	/* An unknown modifier without a numeric value owns its whole item. */
	if (!is_known && v.n == 0)
		v.n = run_until(v.p, ps->end, "/|");
	ps->p = v.p + v.n;
	ps->last = LAST_DROPPED;
	if (is_known && apply_modifier(ps, mod, &v) == -1)
		problem(ps, "bad value for modifier %s: \"%s\"", name,
		    quote(v.p, v.n, q));
}

/* Give a name to what came just before it: the event, or a modifier's number. */
static void
give_name(struct sia_parse *ps, const char *p, size_t n, const char *what)
{
	char	q[SIA_QUOTE_BUF];

	if (ps->last == LAST_EVENT)
		copy_bytes(ps->ev[ps->n - 1].name, EVENT_NAME_MAX, p, n);
	else if (ps->last == LAST_MOD)
		copy_bytes(ps->m.name[ps->last_slot], EVENT_NAME_MAX, p, n);
	else if (ps->last == LAST_NONE)
		problem(ps, "%s \"%s\" without an event or a number", what,
		    quote(p, n, q));
}

/* Check the bytes of a name or text; 0, or -1 with the reason given. */
static int
text_ok(struct sia_parse *ps, const char *p, size_t n, const char *what)
{
	int	c = control_byte(p, n);

	if (c == -1)
		return 0;
	problem(ps, "bad byte 0x%02x in %s at offset %zu", c, what,
	    (size_t)((const char *)memchr(p, c, n) - ps->data));
	return -1;
}

/* Decode a "^name^" item after an event or a modifier. */
static void
caret_name(struct sia_parse *ps)
{
	const char	*s = ps->p + 1, *close;
	char		 q[SIA_QUOTE_BUF];

	close = memchr(s, '^', (size_t)(ps->end - s));
	if (close == NULL) {
		problem(ps, "unterminated ^name^ \"%s\"",
		    quote(s, (size_t)(ps->end - s), q));
		/* Its end is unknown: go on at the next block. */
		ps->p = s + run_until(s, ps->end, "|");
		return;
	}
	ps->p = close + 1;
	if (text_ok(ps, s, (size_t)(close - s), "a ^name^") == 0)
		give_name(ps, s, (size_t)(close - s), "^name^");
	else
		ps->last = LAST_DROPPED;
}

/* Decode an extended-SIA block '*"text"XX': NM a name, other types a note. */
static void
extended(struct sia_parse *ps)
{
	const char	*s = ps->p + 2, *close, *t;
	char		 q[SIA_QUOTE_BUF];

	close = memchr(s, '"', (size_t)(ps->end - s));
	if (close == NULL) {
		problem(ps, "unterminated *\"...\" block \"%s\"",
		    quote(s, (size_t)(ps->end - s), q));
		/* Its end is unknown: go on at the next block. */
		ps->p = s + run_until(s, ps->end, "|");
		return;
	}
	t = close + 1;
	ps->p = t;
	if (ps->end - t < 2 || !is_upper(t[0]) || !is_upper(t[1])) {
		problem(ps, "*\"%s\" block without its two-letter type",
		    quote(s, (size_t)(close - s), q));
		return;
	}
	ps->p = t + 2;
	if (text_ok(ps, s, (size_t)(close - s), "a *\"...\" block") == -1)
		ps->last = LAST_DROPPED;
	else if (memcmp(t, "NM", 2) == 0)
		give_name(ps, s, (size_t)(close - s), "*\"name\"NM");
	else if (ps->last == LAST_EVENT)
		note_add(&ps->ev[ps->n - 1], s, (size_t)(close - s));
	else if (ps->last != LAST_DROPPED)
		problem(ps, "*\"%s\"%.2s without an event",
		    quote(s, (size_t)(close - s), q), t);
}

/* Report an item that is not understood and skip to the next '/' or '|'. */
static void
bad_item(struct sia_parse *ps)
{
	size_t	n = run_until(ps->p, ps->end, "/|");
	char	q[SIA_QUOTE_BUF];

	if (n == 0)
		problem(ps, "empty item at offset %zu", (size_t)(ps->p - ps->data));
	else if (!is_print(*ps->p))
		problem(ps, "bad byte 0x%02x at offset %zu",
		    (unsigned char)*ps->p, (size_t)(ps->p - ps->data));
	else
		problem(ps, "bad item \"%s\"", quote(ps->p, n, q));
	ps->p += n;
	ps->last = LAST_DROPPED;
}

/* Decode the item at ps->p: a modifier, an event, a name or a bad one. */
static void
item(struct sia_parse *ps)
{
	const char	*p = ps->p;
	size_t		 left = (size_t)(ps->end - p);

	if (left >= 2 && is_lower(p[0]) && is_lower(p[1]))
		modifier(ps);
	else if (left >= 2 && is_upper(p[0]) && is_upper(p[1]))
		event_item(ps);
	else if (p[0] == '^')
		caret_name(ps);
	else if (left >= 2 && p[0] == '*' && p[1] == '"')
		extended(ps);
	else
		bad_item(ps);
}

/* Length of a leading 'N' or 'O' block marker: "NBA01" 1, "NL01" 0 (code NL). */
static size_t
skip_new(const char *p, size_t n)
{
	if (n == 0 || (p[0] != 'N' && p[0] != 'O'))
		return 0;
	if (n > 1 && p[1] == '/')
		return 2;
	/* The marker then one capital and no second one: the letter begins the code. */
	if (n > 1 && is_upper(p[1]) && (n == 2 || !is_upper(p[2])))
		return 0;
	return 1;
}

/* Decode an event block ("N" or "O", then items with or without '/') up to its '|'. */
static void
event_block(struct sia_parse *ps)
{
	int	i;

	ps->p += skip_new(ps->p, (size_t)(ps->end - ps->p));
	memset(&ps->m, 0, sizeof(ps->m));
	for (i = 0; i < SLOT_COUNT; i++)
		ps->m.num[i] = -1;
	ps->last = LAST_NONE;
	ps->first = ps->n;
	ps->blocks++;
	while (ps->p < ps->end && *ps->p != '|') {
		if (*ps->p != '/') {
			item(ps);
			continue;
		}
		ps->p++;
		/* "BA01/" before the end or '|' is harmless, "//" is not. */
		if (ps->p < ps->end && *ps->p == '/')
			bad_item(ps);
	}
}

/* Decode an "A" block: its text is the note of the latest event block's events. */
static void
text_block(struct sia_parse *ps)
{
	const char	*s = ps->p + 1;
	size_t		 n = run_until(s, ps->end, "|"), i;
	char		 q[SIA_QUOTE_BUF];

	ps->p = s + n;
	if (n == 0 || text_ok(ps, s, n, "an A block") == -1)
		return;
	if (ps->first == ps->n)
		problem(ps, "text block \"%s\" without an event", quote(s, n, q));
	for (i = ps->first; i < ps->n; i++)
		note_add(&ps->ev[i], s, n);
}

/* Skip a block of digits only ("#0001|0|NRP"); anything else there is unknown. */
static void
other_block(struct sia_parse *ps)
{
	size_t	n = run_until(ps->p, ps->end, "|"), d = 0;
	char	q[SIA_QUOTE_BUF];

	while (d < n && is_digit(ps->p[d]))
		d++;
	if (d < n)
		problem(ps, "unknown block \"%s\"", quote(ps->p, n, q));
	ps->p += n;
}

/* Decode the '|'-separated blocks from ps->p to the end. */
static void
blocks(struct sia_parse *ps)
{
	const char	*p;
	size_t		 left;

	while (ps->p < ps->end) {
		p = ps->p;
		left = (size_t)(ps->end - p);
		if (p[0] == '|')
			ps->p++;
		else if (p[0] == 'A' && (ps->blocks > 0 || left < 2 ||
		    !is_upper(p[1])))
			text_block(ps);
		else if (p[0] == 'N' || p[0] == 'O' || (left >= 2 &&
		    ((is_upper(p[0]) && is_upper(p[1])) ||
		    (is_lower(p[0]) && is_lower(p[1])))))
			event_block(ps);
		else
			other_block(ps);
	}
}

/* The result: 0, or -1 with the first reason and how many more there were. */
static int
finish(struct sia_parse *ps)
{
	size_t	used;

	if (ps->n == 0 && ps->problems == 0)
		problem(ps, "no event in data");
	if (ps->problems == 0)
		return 0;
	if (ps->problems > 1 && ps->err != NULL && ps->errsz > 0) {
		used = strlen(ps->err);
		snprintf(ps->err + used, ps->errsz - used, " (and %d more)",
		    ps->problems - 1);
	}
	return -1;
}

/* Decode a SIA-DCS data field into up to max events. */
int
sia_decode(const char *data, size_t len, struct event *ev, size_t max,
    size_t *nev, char *err, size_t errsz)
{
	struct sia_parse	ps;
	int			acct;

	if (nev != NULL)
		*nev = 0;
	if (data == NULL || len == 0)
		return xerr(err, errsz, "empty data");
	if (ev == NULL || max == 0 || nev == NULL)
		return xerr(err, errsz, "no room for events");
	memset(&ps, 0, sizeof(ps));
	ps.data = ps.p = data;
	ps.end = data + len;
	ps.ev = ev;
	ps.max = max;
	ps.err = err;
	ps.errsz = errsz;
	if ((acct = sia_account_len(data, len)) == -1) {
		problem(&ps, "bad account prefix");
		/* What follows the first '|' may still be events. */
		ps.p += run_until(data, ps.end, "|");
	} else
		ps.p += acct;
	blocks(&ps);
	*nev = ps.n;
	return finish(&ps);
}
