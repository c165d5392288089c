/* cid.c - Contact ID (ADM-CID) payload decoder (pure): "#acct|1130 01 015|Atext" -> event. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cid.h"
#include "codes.h"
#include "event.h"
#include "sia.h"
#include "xmalloc.h"

/* The fields of "Q EEE PP UUU", as numbers. */
struct cid_fields {
	int	qual;		/* 1, 3 or 6 (E is 1, R is 3) */
	int	code;		/* 000-999 */
	int	partition;	/* 00-99 */
	int	unit;		/* 000-999, zone or user */
};

/* Read exactly n digits (the field called what) at *p into *out. */
static int
take(const char **p, const char *end, size_t n, const char *what, int *out,
    char *err, size_t errsz)
{
	char		 buf[4];
	const char	*errstr;
	long long	 v;
	size_t		 i;

	if ((size_t)(end - *p) < n)
		return xerr(err, errsz, "too short: %s needs %zu digits", what, n);
	for (i = 0; i < n; i++)
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return xerr(err, errsz, "non-digit '%c' in %s", (*p)[i],
			    what);
	memcpy(buf, *p, n);
	buf[n] = '\0';
	if (xstrtonum(buf, 10, 0, 999, &v, &errstr) == -1)
		return xerr(err, errsz, "%s: %s", what, errstr);
	*out = (int)v;
	*p += n;
	return 0;
}

/* Check that every byte is printable ASCII (space included). */
static int
check_bytes(const char *data, size_t len, char *err, size_t errsz)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)data[i] < 0x20 ||
		    (unsigned char)data[i] > 0x7e)
			return xerr(err, errsz, "bad byte 0x%02x at offset %zu",
			    (unsigned char)data[i], i);
	return 0;
}

/* Read the qualifier: 1, 3, 6, or the letters E (new) and R (restore) some tools write. */
static int
take_qual(const char **p, const char *end, int *qual, char *err, size_t errsz)
{
	if (*p < end && (**p == 'E' || **p == 'R')) {
		*qual = **p == 'E' ? 1 : 3;
		(*p)++;
		return 0;
	}
	if (take(p, end, 1, "qualifier", qual, err, errsz) == -1)
		return -1;
	if (*qual != 1 && *qual != 3 && *qual != 6)
		return xerr(err, errsz, "bad qualifier %d (not 1, 3, 6, E or R)",
		    *qual);
	return 0;
}

/* Parse "QEEE PP UUU" (each single space optional) from p to end. */
static int
parse_fields(const char *p, const char *end, struct cid_fields *f, char *err,
    size_t errsz)
{
	if (take_qual(&p, end, &f->qual, err, errsz) == -1)
		return -1;
	if (take(&p, end, 3, "event code", &f->code, err, errsz) == -1)
		return -1;
	if (p < end && *p == ' ')
		p++;
	if (take(&p, end, 2, "partition", &f->partition, err, errsz) == -1)
		return -1;
	if (p < end && *p == ' ')
		p++;
	if (take(&p, end, 3, "zone/user", &f->unit, err, errsz) == -1)
		return -1;
	if (p != end)
		return xerr(err, errsz, "%zu bytes of trailing data after zone/user",
		    (size_t)(end - p));
	return 0;
}

/* The words before the code's text: "Restore: ", "Closing: ", ... */
static const char *
qual_prefix(enum event_qual q, enum event_class cls)
{
	if (q == EVQ_STATUS)
		return "Status: ";
	if (cls == EVC_OPENCLOSE)
		return q == EVQ_NEW ? "Opening: " : "Closing: ";
	return q == EVQ_RESTORE ? "Restore: " : "";
}

/* Build the readable text: "Restore: Fire, zone 7, partition 1". */
static void
event_text(struct event *ev, const struct code_info *ci)
{
	char	num[32];
	int	unit = ev->zone > 0 ? ev->zone : ev->user;

	num[0] = '\0';
	if (unit > 0)
		snprintf(num, sizeof(num), ", %s %d",
		    ev->zone > 0 ? "zone" : "user", unit);
	if (ci != NULL)
		snprintf(ev->text, sizeof(ev->text), "%s%s%s",
		    qual_prefix(ev->qual, ev->cls), ci->text, num);
	else
		snprintf(ev->text, sizeof(ev->text),
		    "%sUnknown Contact ID code %s%s",
		    qual_prefix(ev->qual, ev->cls), ev->code, num);
	if (ev->partition > 0) {
		snprintf(num, sizeof(num), ", partition %d", ev->partition);
		strncat(ev->text, num, sizeof(ev->text) - strlen(ev->text) - 1);
	}
}

/* Fill ev from the parsed fields and the table. */
static void
fill_event(const struct cid_fields *f, struct event *ev)
{
	const struct code_info	*ci = codes_cid(f->code);

	memset(ev, 0, sizeof(*ev));
	memcpy(ev->format, "CID", 4);
	snprintf(ev->code, sizeof(ev->code), "%03d", f->code);
	ev->qual = f->qual == 1 ? EVQ_NEW :
	    f->qual == 3 ? EVQ_RESTORE : EVQ_STATUS;
	ev->known = ci != NULL;
	ev->cls = ci != NULL ? ci->cls : EVC_OTHER;
	ev->partition = f->partition;
	ev->zone = ev->user = ev->peripheral = -1;
	if (ci != NULL && ci->unit == CODE_UNIT_USER)
		ev->user = f->unit;
	else
		ev->zone = f->unit;
	ev->event_time = 0;
	event_text(ev, ci);
}

/* Put a trailing "A" text block (p[0..n), after the '|') into the note; 0 or -1. */
static int
text_block(const char *p, size_t n, struct event *ev, char *err, size_t errsz)
{
	size_t	i;

	if (n == 0 || p[0] != 'A')
		return xerr(err, errsz, "unknown block after the event (not |A)");
	for (i = 1; i < n; i++)
		if ((unsigned char)p[i] < 0x20)
			return xerr(err, errsz, "bad byte 0x%02x in the text block",
			    (unsigned char)p[i]);
	if (n - 1 >= sizeof(ev->note))
		n = sizeof(ev->note);
	memcpy(ev->note, p + 1, n - 1);
	ev->note[n - 1] = '\0';
	return 0;
}

/* Decode an ADM-CID data field into one event. */
int
cid_decode(const char *data, size_t len, struct event *ev, size_t *nev,
    char *err, size_t errsz)
{
	struct cid_fields	 f;
	const char		*bar;
	size_t			 body;
	int			 acct;

	if (nev != NULL)
		*nev = 0;
	if (data == NULL || len == 0)
		return xerr(err, errsz, "empty data");
	if (ev == NULL || nev == NULL)
		return xerr(err, errsz, "no room for the event");
	if ((acct = sia_account_len(data, len)) == -1)
		return xerr(err, errsz, "bad account prefix");
	data += acct;
	len -= (size_t)acct;
	if (len == 0)
		return xerr(err, errsz, "no event after the account");
	bar = memchr(data, '|', len);
	body = bar != NULL ? (size_t)(bar - data) : len;
	if (check_bytes(data, body, err, errsz) == -1 ||
	    parse_fields(data, data + body, &f, err, errsz) == -1)
		return -1;
	fill_event(&f, ev);
	*nev = 1;
	if (bar != NULL)
		return text_block(bar + 1, len - body - 1, ev, err, errsz);
	return 0;
}
