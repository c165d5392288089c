/*
 * fuzz_payload.c - libFuzzer harness for the payload decoders: the raw
 * input is a SIA-DCS or ADM-CID data field, given to sia_decode (with room
 * for many events and for one), cid_decode and sia_account_len.
 */
#include "config.h"

#include <string.h>

#include "cid.h"
#include "event.h"
#include "fuzz.h"
#include "sia.h"

#define ERRSZ		128
#define MAX_EVENTS	32

/* Decode as SIA with room for max events; check and return the count. */
static int
sia_with(const char *data, size_t len, struct event *ev, size_t max)
{
	char	err[ERRSZ];
	int	n, i;

	memset(err, 0x55, sizeof(err));
	n = sia_decode(data, len, ev, max, err, sizeof(err));
	FUZZ_CHECK(n == -1 || (n >= 1 && (size_t)n <= max));
	if (n == -1)
		fuzz_check_err(err, sizeof(err));
	for (i = 0; i < n; i++)
		fuzz_check_event(&ev[i], "SIA");
	return n;
}

/* With room for one event, the result agrees with the roomy decode. */
static void
check_sia(const char *data, size_t len)
{
	static struct event	ev[MAX_EVENTS];
	struct event		one;
	int			n, n1;

	n = sia_with(data, len, ev, MAX_EVENTS);
	n1 = sia_with(data, len, &one, 1);
	if (n == 1) {
		FUZZ_CHECK(n1 == 1);
		FUZZ_CHECK(strcmp(one.code, ev[0].code) == 0 &&
		    strcmp(one.text, ev[0].text) == 0 && one.zone == ev[0].zone &&
		    one.user == ev[0].user && one.partition == ev[0].partition &&
		    one.event_time == ev[0].event_time);
	} else
		FUZZ_CHECK(n1 == -1);
}

/* Contact ID: one event or an error with a reason. */
static void
check_cid(const char *data, size_t len)
{
	struct event	ev;
	char		err[ERRSZ];
	int		n;

	memset(err, 0x55, sizeof(err));
	n = cid_decode(data, len, &ev, err, sizeof(err));
	FUZZ_CHECK(n == -1 || n == 1);
	if (n == -1) {
		fuzz_check_err(err, sizeof(err));
		return;
	}
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
