/*
 * fuzz_payload.c - libFuzzer harness for the payload decoders: the raw
 * input is a SIA-DCS or ADM-CID data field, given to sia_decode (with room
 * for many events and for one: the same first event), cid_decode and
 * sia_account_len.
 */
#include "config.h"

#include <string.h>

#include "cid.h"
#include "event.h"
#include "fuzz.h"
#include "sia.h"

#define ERRSZ		128
#define MAX_EVENTS	32

/* A decoder's reason: printable ASCII, since it becomes an event's text. */
static void
check_reason(const char *err, size_t errsz)
{
	const char	*s;

	fuzz_check_err(err, errsz);
	for (s = err; *s != '\0'; s++)
		FUZZ_CHECK(*s >= 0x20 && *s <= 0x7e);
}

/* Decode as SIA with room for max events; check them, return rc, count in *n. */
static int
sia_with(const char *data, size_t len, struct event *ev, size_t max,
    size_t *n)
{
	char	err[ERRSZ];
	size_t	i;
	int	rc;

	memset(err, 0x55, sizeof(err));
	*n = (size_t)-1;
	rc = sia_decode(data, len, ev, max, n, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(*n <= max && (rc == -1 || *n >= 1));
	if (rc == -1)
		check_reason(err, sizeof(err));
	for (i = 0; i < *n; i++)
		fuzz_check_event(&ev[i], "SIA");
	return rc;
}

/* Do two events say the same thing? */
static int
same_event(const struct event *a, const struct event *b)
{
	return strcmp(a->code, b->code) == 0 && strcmp(a->text, b->text) == 0 &&
	    a->zone == b->zone && a->user == b->user &&
	    a->partition == b->partition && a->peripheral == b->peripheral &&
	    a->event_time == b->event_time && strcmp(a->name, b->name) == 0 &&
	    strcmp(a->note, b->note) == 0;
}

/* With room for one event, the first event is the same as with room for many. */
static void
check_sia(const char *data, size_t len)
{
	static struct event	ev[MAX_EVENTS];
	struct event		one;
	size_t			n, n1;
	int			rc, rc1;

	rc = sia_with(data, len, ev, MAX_EVENTS, &n);
	rc1 = sia_with(data, len, &one, 1, &n1);
	FUZZ_CHECK(n1 == (n > 0 ? 1 : 0));
	if (n > 0)
		FUZZ_CHECK(same_event(&one, &ev[0]));
	/* Less room can only add the "more than 1 events" problem. */
	FUZZ_CHECK(rc1 == (rc == 0 && n == 1 ? 0 : -1));
}

/* Contact ID: at most one event, and a reason when not all was understood. */
static void
check_cid(const char *data, size_t len)
{
	struct event	ev;
	char		err[ERRSZ];
	size_t		n = (size_t)-1;
	int		rc;

	memset(err, 0x55, sizeof(err));
	rc = cid_decode(data, len, &ev, &n, err, sizeof(err));
	FUZZ_CHECK((rc == 0 && n == 1) || (rc == -1 && n <= 1));
	if (rc == -1)
		check_reason(err, sizeof(err));
	if (n == 0)
		return;
	fuzz_check_event(&ev, "CID");
	FUZZ_CHECK(ev.partition >= 0 && ev.partition <= 99);
	FUZZ_CHECK(ev.zone <= 999 && ev.user <= 999);
}

/* libFuzzer entry point: the input is one data field. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data;
	int		 a;

	a = sia_account_len(p, size);
	FUZZ_CHECK(a >= -1 && (a == -1 || (size_t)a <= size));
	FUZZ_CHECK(a <= 0 || p[a - 1] == '|');
	check_sia(p, size);
	check_cid(p, size);
	return 0;
}
