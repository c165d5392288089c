/*
 * fuzz_dc09.c - libFuzzer harness for the DC-09 path a frame takes in pcod:
 * dc09_scan, dc09_parse, dc09_open (no key, two fixed AES-128 keys), the
 * SIA and Contact ID decoders on the opened data, and dc09_build_answer.
 * The input's first bytes also go through dc09_build and back as a data field.
 * Each frame is tried as sent and again with its CRC and length field
 * recomputed, so that mutations reach the code behind the CRC check.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cid.h"
#include "dc09.h"
#include "event.h"
#include "fuzz.h"
#include "sia.h"

#define ERRSZ		128
#define MAX_EVENTS	16
/* Scanner limit for the second, tight pass. */
#define SMALL_MAX	64
/* LF, CRC (4), length (4). */
#define HDR_LEN		9
/* A fixed "now" for answers: 2026-09-25 14:12:05 UTC. */
#define NOW		((time_t)1790345525)

/* The AES-128 keys of tests/vectors/dc09.txt (hex and text: forms). */
static const struct dc09_key keys[] = {
	{ { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
	    0xbb, 0xcc, 0xdd, 0xee, 0xff }, 16 },
	{ "AAAAAAAAAAAAAAAA", 16 },
};

/* Check a dc09_scan() result against the buffer it was given. */
static void
check_scan(const char *buf, size_t len, size_t max, enum dc09_scan r,
    size_t start, size_t flen, size_t skipped)
{
	FUZZ_CHECK(start == skipped && start <= len);
	if (r != DC09_SCAN_FRAME) {
		FUZZ_CHECK(r == DC09_SCAN_NEED || r == DC09_SCAN_TOOLONG);
		FUZZ_CHECK(flen == 0);
		FUZZ_CHECK(start == len || buf[start] == '\n');
		FUZZ_CHECK(r == DC09_SCAN_TOOLONG || len - start < max ||
		    start == len);
		return;
	}
	FUZZ_CHECK(flen >= 2 && flen <= max && flen <= len - start);
	FUZZ_CHECK(buf[start] == '\n' && buf[start + flen - 1] == '\r');
	FUZZ_CHECK(memchr(buf + start + 1, '\n', flen - 1) == NULL);
	FUZZ_CHECK(memchr(buf + start, '\r', flen - 1) == NULL);
}

/* Check a parsed message (rc OK or ETOKEN) against its frame. */
static void
check_msg(const char *f, size_t len, const struct dc09_msg *m, int rc)
{
	size_t	i, acct_min = m->id == DC09_ID_NAK ? 1 : 3;

	FUZZ_CHECK((m->id == DC09_ID_UNKNOWN) == (rc == DC09_ETOKEN));
	FUZZ_CHECK(fuzz_terminated(m->token, sizeof(m->token)));
	FUZZ_CHECK(fuzz_terminated(m->seq, sizeof(m->seq)) &&
	    strlen(m->seq) == 4);
	for (i = 0; i < 4; i++)
		FUZZ_CHECK(m->seq[i] >= '0' && m->seq[i] <= '9');
	FUZZ_CHECK(fuzz_terminated(m->rcvr, sizeof(m->rcvr)));
	FUZZ_CHECK(m->has_rcvr ? m->rcvr[0] != '\0' : m->rcvr[0] == '\0');
	FUZZ_CHECK(fuzz_terminated(m->line, sizeof(m->line)));
	FUZZ_CHECK(fuzz_terminated(m->acct, sizeof(m->acct)));
	FUZZ_CHECK(strlen(m->acct) >= acct_min);
	FUZZ_CHECK(m->crc == dc09_crc(f + HDR_LEN, len - HDR_LEN - 1));
	FUZZ_CHECK(m->body > f && m->body + m->body_len == f + len - 1);
	FUZZ_CHECK(m->body_len > 0 && m->body[0] == '[');
}

/* Check opened content; plain bodies must split without losing a byte. */
static void
check_content(const struct dc09_msg *m, const struct dc09_content *c)
{
	char	ts[21];

	FUZZ_CHECK(c->data_len <= DC09_MAX_SPAN && c->data[c->data_len] == '\0');
	FUZZ_CHECK(c->xdata_len <= DC09_MAX_SPAN &&
	    c->xdata[c->xdata_len] == '\0');
	FUZZ_CHECK(c->xdata_len == 0 || c->xdata[0] == '[');
	FUZZ_CHECK(memchr(c->data, ']', c->data_len) == NULL);
	if (c->has_time) {
		FUZZ_CHECK(fuzz_terminated(c->timestamp, sizeof(c->timestamp)));
		dc09_format_time(c->time, ts);
		FUZZ_CHECK(strcmp(ts, c->timestamp) == 0);
	} else
		FUZZ_CHECK(c->timestamp[0] == '\0' && c->time == 0);
	if (!m->encrypted) {
		FUZZ_CHECK(2 + c->data_len + c->xdata_len +
		    (c->has_time ? 20 : 0) == m->body_len);
		FUZZ_CHECK(memcmp(c->data, m->body + 1, c->data_len) == 0);
	} else
		FUZZ_CHECK(c->has_time);
}

/* Run both payload decoders over the opened data. */
static void
decode_payload(const struct dc09_content *c)
{
	struct event	ev[MAX_EVENTS];
	char		err[ERRSZ];
	size_t		n, i;
	int		rc;

	memset(err, 0x55, sizeof(err));
	rc = sia_decode(c->data, c->data_len, ev, MAX_EVENTS, &n, err,
	    sizeof(err));
	FUZZ_CHECK((rc == 0 && n >= 1 && n <= MAX_EVENTS) ||
	    (rc == -1 && n <= MAX_EVENTS));
	if (rc == -1)
		fuzz_check_err(err, sizeof(err));
	for (i = 0; i < n; i++)
		fuzz_check_event(&ev[i], "SIA");
	memset(err, 0x55, sizeof(err));
	rc = cid_decode(c->data, c->data_len, ev, &n, err, sizeof(err));
	FUZZ_CHECK((rc == 0 && n == 1) || (rc == -1 && n <= 1));
	if (rc == -1)
		fuzz_check_err(err, sizeof(err));
	if (n == 1)
		fuzz_check_event(&ev[0], "CID");
}

/* Open m with key; on success check the content and decode it.  rc. */
static int
open_with(const struct dc09_msg *m, const struct dc09_key *key)
{
	static struct dc09_content	c;
	char				err[ERRSZ];
	int				rc;

	memset(err, 0x55, sizeof(err));
	rc = dc09_open(m, key, &c, err, sizeof(err));
	FUZZ_CHECK(rc == DC09_OK || rc == DC09_EDATA || rc == DC09_EDECRYPT ||
	    rc == DC09_ENOTIME);
	if (rc != DC09_OK) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(c.data_len == 0 && c.xdata_len == 0 && !c.has_time);
		return rc;
	}
	check_content(m, &c);
	decode_payload(&c);
	return rc;
}

/* An answer to m must parse and echo m's routing; encrypted ones open. */
static void
check_answer(enum dc09_id id, const struct dc09_msg *m,
    const struct dc09_key *key)
{
	static struct dc09_content	c;
	char				buf[DC09_MAX_FRAME + 1], err[ERRSZ];
	struct dc09_msg			a;
	int				n;

	n = dc09_build_answer(id, m, key, NOW, buf, sizeof(buf));
	if (n == -1)
		return;
	FUZZ_CHECK(n > HDR_LEN && (size_t)n < sizeof(buf) && buf[n] == '\0');
	FUZZ_CHECK(dc09_parse(buf, (size_t)n, &a, err, sizeof(err)) == DC09_OK);
	FUZZ_CHECK(a.id == id);
	FUZZ_CHECK(dc09_open(&a, key, &c, err, sizeof(err)) == DC09_OK);
	FUZZ_CHECK(c.data_len == 0);
	if (id == DC09_ID_NAK)
		return;
	FUZZ_CHECK(strcmp(a.seq, m->seq) == 0 && strcmp(a.acct, m->acct) == 0);
	FUZZ_CHECK(strcmp(a.line, m->line) == 0 && a.has_rcvr == m->has_rcvr &&
	    strcmp(a.rcvr, m->rcvr) == 0);
	FUZZ_CHECK(a.encrypted == (m->encrypted && key != NULL));
}

/* Parse one frame and take it as far as pcod would. */
static void
try_frame(const char *f, size_t len)
{
	struct dc09_msg	m;
	char		err[ERRSZ];
	size_t		i;
	int		rc;

	memset(err, 0x55, sizeof(err));
	rc = dc09_parse(f, len, &m, err, sizeof(err));
	FUZZ_CHECK(rc <= DC09_OK && rc >= DC09_ETOOLONG);
	FUZZ_CHECK(rc != DC09_EDECRYPT && rc != DC09_EDATA);
	if (rc != DC09_OK && rc != DC09_ETOKEN) {
		fuzz_check_err(err, sizeof(err));
		return;
	}
	check_msg(f, len, &m, rc);	/* ETOKEN: fields filled too */
	if (rc == DC09_ETOKEN)
		return;
	if (m.encrypted)
		FUZZ_CHECK(open_with(&m, NULL) == DC09_EDECRYPT);
	else
		open_with(&m, NULL);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (open_with(&m, &keys[i]) == DC09_OK && m.encrypted)
			check_answer(DC09_ID_ACK, &m, &keys[i]);
	check_answer(DC09_ID_ACK, &m, NULL);
	check_answer(DC09_ID_DUH, &m, NULL);
	check_answer(DC09_ID_NAK, &m, NULL);
}

/* Try the frame as sent, then with a correct CRC and length field. */
static void
try_fixed(const char *f, size_t len)
{
	static char	copy[DC09_MAX_FRAME];
	char		hdr[HDR_LEN + 1];
	size_t		span;

	try_frame(f, len);
	if (len < HDR_LEN + 1 || len > sizeof(copy))
		return;
	span = len - HDR_LEN - 1;
	memcpy(copy, f, len);
	snprintf(hdr, sizeof(hdr), "\n%04X0%03X", dc09_crc(copy + HDR_LEN, span),
	    (unsigned)span);
	memcpy(copy, hdr, HDR_LEN);
	copy[len - 1] = '\r';
	if (memcmp(copy, f, len) != 0)
		try_frame(copy, len);
}

/* Scan buf as a stream with limit max; frames go to try_fixed if asked. */
static void
scan_all(const char *buf, size_t len, size_t max, int open)
{
	size_t		pos = 0, start, flen, skipped;
	enum dc09_scan	r;

	while (pos < len) {
		r = dc09_scan(buf + pos, len - pos, max, &start, &flen,
		    &skipped);
		check_scan(buf + pos, len - pos, max, r, start, flen, skipped);
		if (r == DC09_SCAN_NEED)
			break;
		if (r == DC09_SCAN_TOOLONG) {
			pos += start + 1;	/* drop that LF, as a reset would */
			continue;
		}
		if (open)
			try_fixed(buf + pos + start, flen);
		pos += start + flen;
	}
}

/* Build a frame around text (plain, then with each key), open it again. */
static void
check_roundtrip(const char *text)
{
	static struct dc09_content	c;
	static char			buf[DC09_MAX_FRAME + 1];
	struct dc09_out			o;
	struct dc09_msg			m;
	char				err[ERRSZ];
	size_t				i;
	int				n;

	for (i = 0; i <= sizeof(keys) / sizeof(keys[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.token = "SIA-DCS";
		o.seq = "0001";
		o.rcvr = "1";
		o.line = "1";
		o.acct = "1234";
		o.data = text;
		o.with_time = 1;
		o.time = NOW;
		o.key = i == 0 ? NULL : &keys[i - 1];
		o.pad = i == 1 ? '0' : 'x';
		n = dc09_build(&o, buf, sizeof(buf));
		FUZZ_CHECK(n > HDR_LEN && buf[n] == '\0');
		FUZZ_CHECK(dc09_parse(buf, (size_t)n, &m, err, sizeof(err)) == 0);
		FUZZ_CHECK(m.encrypted == (i > 0));
		FUZZ_CHECK(dc09_open(&m, o.key, &c, err, sizeof(err)) == 0);
		FUZZ_CHECK(strcmp(c.data, text) == 0 && c.data_len == strlen(text));
		FUZZ_CHECK(c.has_time && c.time == NOW && c.xdata_len == 0);
	}
}

/* The input up to a NUL or ']' (at most 255 bytes) as a data field. */
static void
roundtrip_prefix(const char *buf, size_t size)
{
	char	text[256];
	size_t	n = 0;

	while (n < size && n < sizeof(text) - 1 && buf[n] != '\0' &&
	    buf[n] != ']') {
		text[n] = buf[n];
		n++;
	}
	text[n] = '\0';
	check_roundtrip(text);
}

/* libFuzzer entry point: the input is a stream of bytes from a panel. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;

	scan_all(buf, size, DC09_MAX_FRAME, 1);
	scan_all(buf, size, SMALL_MAX, 0);
	/* The whole input as one datagram, interior LF and CR included. */
	if (size > 0 && size <= DC09_MAX_FRAME + 1)
		try_fixed(buf, size);
	roundtrip_prefix(buf, size);
	return 0;
}
