/* check_dc09.c - unit tests for dc09.c: framing, parsing, opening, building. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "dc09.h"
#include "dc09_crypt.h"
#include "vectors.h"

#define T_0412		((time_t)1790345524)	/* 14:12:04,09-25-2026 */
#define T_0405		((time_t)1790345525)	/* 14:12:05,09-25-2026 */
#define T_0430		((time_t)1790345550)	/* 14:12:30,09-25-2026 */
#define TS_0412		"_14:12:04,09-25-2026"

/* What each vector opens to. */
static const struct {
	const char	*name;
	const char	*data;
	const char	*timestamp;	/* NULL: none */
	time_t		 time;
	const char	*xdata;		/* NULL: none */
} opened[] = {
	{ "sia-plain", "#1234|Nri1/BA01", TS_0412, T_0412, NULL },
	{ "sia-multi", "#1234|Nri1/BA01/BA02/TA03", TS_0412, T_0412, NULL },
	{ "sia-no-receiver", "#AAA|Nri1/CL501", TS_0412, T_0412, NULL },
	{ "cid-plain", "#1234|1130 01 015", TS_0412, T_0412, NULL },
	{ "cid-restore", "#1234|3130 01 015", TS_0412, T_0412, NULL },
	{ "null-plain", "", TS_0412, T_0412, NULL },
	{ "pysia-published", "Nri1/WA000", "_08:40:47,07-08-2020", 1594197647,
	    NULL },
	{ "sia-aes128", "Nri2/FA02", TS_0412, T_0412, NULL },
	{ "sia-aes256", "Nri2/FA02", TS_0412, T_0412, NULL },
	{ "cid-aes128", "1110 01 007", TS_0412, T_0412, NULL },
	{ "null-aes-text-key", "", TS_0412, T_0412, NULL },
	{ "pysia-null-published", "", "_18:24:52,07-05-2020", 1593973492, NULL },
	{ "ack-plain", "", NULL, 0, NULL },
	{ "nak", "", "_14:12:30,09-25-2026", T_0430, NULL },
	{ "duh", "", NULL, 0, NULL },
	{ "ack-aes128", "", "_14:12:05,09-25-2026", T_0405, NULL },
	{ "dialler-no-rl", "#0123|NRR|AStart of dialler", NULL, 0, NULL },
	{ "rcvr-line-padded", "#1234|Nri1/BA01", TS_0412, T_0412, NULL },
	{ "sia-modifier-code", "#1234|Nri2BA3", TS_0412, T_0412, NULL },
	{ "sia-names", "#1234|Nri1/BA01^Front door^|Nri2BA3*\"Hall PIR\"NM"
	    "|AZones open", TS_0412, T_0412, NULL },
	{ "sia-xdata-verify", "#1234|Nri1/BA01", TS_0412, T_0412,
	    "[Vhttps://cam.example/clip/1.mp4][X14.4378][Y50.0755][RKitchen]" },
	{ "sia-aes128-hash-pad", "Nri2/FA02/BA03", TS_0412, T_0412, NULL },
};
#define NOPENED		(sizeof(opened) / sizeof(opened[0]))

static const char *keys[] = {
	"00112233445566778899AABBCCDDEEFF",
	"000102030405060708090a0b0c0d0e0f1011121314151617",
	"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
	"text:AAAAAAAAAAAAAAAA",
	"text:abcdefghijklmnopqrstuvwx",
	"text:0123456789abcdef0123456789ABCDEF",
};
#define NKEYS		(sizeof(keys) / sizeof(keys[0]))

/* Load the vectors before each test. */
static void
setup(void)
{
	ck_assert_int_gt(vectors_load(), 0);
}

/* The named vector, failing the test when it is missing. */
static const struct vector *
vec(const char *name)
{
	const struct vector	*v = vectors_find(name);

	ck_assert_msg(v != NULL, "no vector %s", name);
	return v;
}

/* Parse a key string, failing the test when it is bad. */
static struct dc09_key
key(const char *s)
{
	struct dc09_key	k;

	ck_assert_int_eq(dc09_key_parse(s, &k, NULL, 0), 0);
	return k;
}

/* Wrap span in LF, a correct CRC and length, and CR; the frame length. */
static size_t
mkframe(const char *span, char *out, size_t cap)
{
	size_t	n = strlen(span);
	int	r;

	r = snprintf(out, cap, "\n%04X0%03X%s\r", dc09_crc(span, n),
	    (unsigned)n, span);
	ck_assert(r > 0 && (size_t)r < cap);
	return (size_t)r;
}

/* Parse a span wrapped as a correct frame; the result code. */
static int
parse_span(const char *span, struct dc09_msg *m, char *err, size_t errsz)
{
	static char	buf[DC09_MAX_FRAME * 2];
	size_t		n = mkframe(span, buf, sizeof(buf));

	return dc09_parse(buf, n, m, err, errsz);
}

/* Parse and open a span as a plain frame; the first failing code. */
static int
open_span(const char *span, struct dc09_content *c)
{
	struct dc09_msg	m;
	int		rc;

	if ((rc = parse_span(span, &m, NULL, 0)) != 0)
		return rc;
	return dc09_open(&m, NULL, c, NULL, 0);
}

/* CRC-16/ARC of the check string, and of nothing. */
START_TEST(test_crc)
{
	ck_assert_uint_eq(dc09_crc("123456789", 9), 0xBB3D);
	ck_assert_uint_eq(dc09_crc("", 0), 0);
	ck_assert_uint_eq(dc09_crc("\"SIA-DCS\"5268L0#AAA[Nri1/WA000]"
	    "_08:40:47,07-08-2020", 51), 0xE9A4);
}
END_TEST

/* Every vector parses, and its CRC and length are verified. */
START_TEST(test_vectors_parse)
{
	const struct vector	*v = vec(opened[_i].name);
	struct dc09_msg		 m;
	char			 err[128] = "";
	unsigned		 crc;

	ck_assert_msg(dc09_parse(v->frame, v->frame_len, &m, err,
	    sizeof(err)) == 0, "%s: %s", v->name, err);
	ck_assert_int_eq(sscanf(v->frame + 1, "%4X", &crc), 1);
	ck_assert_uint_eq(m.crc, crc);
	ck_assert_uint_eq(m.crc, dc09_crc(v->frame + 9, v->frame_len - 10));
	ck_assert_int_ne(m.id, DC09_ID_UNKNOWN);
	ck_assert_int_eq(m.encrypted, strcmp(v->key, "-") != 0);
	ck_assert_ptr_eq(m.body, memchr(v->frame, '[', v->frame_len));
	ck_assert_uint_eq(m.body_len, (size_t)(v->frame + v->frame_len - 1 -
	    m.body));
}
END_TEST

/* Every vector opens (decrypting with its key) to the expected content. */
START_TEST(test_vectors_open)
{
	const struct vector	*v = vec(opened[_i].name);
	struct dc09_msg		 m;
	struct dc09_content	 c;
	struct dc09_key		 k = { .len = 0 };
	char			 err[128] = "";

	if (strcmp(v->key, "-") != 0)
		k = key(v->key);
	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL, 0), 0);
	ck_assert_msg(dc09_open(&m, &k, &c, err, sizeof(err)) == 0, "%s: %s",
	    v->name, err);
	ck_assert_str_eq(c.data, opened[_i].data);
	ck_assert_uint_eq(c.data_len, strlen(opened[_i].data));
	ck_assert_str_eq(c.xdata, opened[_i].xdata != NULL ? opened[_i].xdata :
	    "");
	ck_assert_int_eq(c.has_time, opened[_i].timestamp != NULL);
	if (opened[_i].timestamp != NULL) {
		ck_assert_str_eq(c.timestamp, opened[_i].timestamp);
		ck_assert_int_eq(c.time, opened[_i].time);
	}
}
END_TEST

/* The routing fields of a few vectors. */
START_TEST(test_vector_fields)
{
	struct dc09_msg	m;

	ck_assert_int_eq(dc09_parse(vec("sia-plain")->frame,
	    vec("sia-plain")->frame_len, &m, NULL, 0), 0);
	ck_assert_int_eq(m.id, DC09_ID_SIA_DCS);
	ck_assert_str_eq(m.token, "SIA-DCS");
	ck_assert_str_eq(m.seq, "0002");
	ck_assert_int_eq(m.has_rcvr, 1);
	ck_assert_str_eq(m.rcvr, "1");
	ck_assert_str_eq(m.line, "1");
	ck_assert_str_eq(m.acct, "1234");
	ck_assert_int_eq(dc09_parse(vec("sia-no-receiver")->frame,
	    vec("sia-no-receiver")->frame_len, &m, NULL, 0), 0);
	ck_assert_int_eq(m.has_rcvr, 0);
	ck_assert_str_eq(m.rcvr, "");
	ck_assert_str_eq(m.line, "0");
	ck_assert_str_eq(m.acct, "AAA");
	ck_assert_int_eq(dc09_parse(vec("nak")->frame, vec("nak")->frame_len,
	    &m, NULL, 0), 0);
	ck_assert_int_eq(m.id, DC09_ID_NAK);
	ck_assert_str_eq(m.seq, "0000");
	ck_assert_str_eq(m.rcvr, "0");
	ck_assert_str_eq(m.line, "0");
	ck_assert_str_eq(m.acct, "0");
	ck_assert_int_eq(dc09_parse(vec("cid-aes128")->frame,
	    vec("cid-aes128")->frame_len, &m, NULL, 0), 0);
	ck_assert_int_eq(m.id, DC09_ID_ADM_CID);
	ck_assert_int_eq(m.encrypted, 1);
	ck_assert_str_eq(m.token, "ADM-CID");
	ck_assert_str_eq(m.acct, "5678");
}
END_TEST

/* Plain ACK, DUH and NAK are built exactly as the vectors show them. */
START_TEST(test_answers_plain)
{
	const struct vector	*v = vec("sia-plain");
	struct dc09_msg		 m;
	char			 buf[256];
	int			 n;

	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL, 0), 0);
	n = dc09_build_answer(DC09_ID_ACK, &m, NULL, T_0430, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)vec("ack-plain")->frame_len);
	ck_assert_str_eq(buf, vec("ack-plain")->frame);
	n = dc09_build_answer(DC09_ID_DUH, &m, NULL, T_0430, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)vec("duh")->frame_len);
	ck_assert_str_eq(buf, vec("duh")->frame);
	n = dc09_build_nak(T_0430, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)vec("nak")->frame_len);
	ck_assert_str_eq(buf, vec("nak")->frame);
	n = dc09_build_answer(DC09_ID_NAK, &m, NULL, T_0430, buf, sizeof(buf));
	ck_assert_str_eq(buf, vec("nak")->frame);
	ck_assert_int_eq(dc09_build_answer(DC09_ID_UNKNOWN, &m, NULL, T_0430,
	    buf, sizeof(buf)), -1);
	/* No R in the request, none in the answer. */
	v = vec("sia-no-receiver");
	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL, 0), 0);
	n = dc09_build_answer(DC09_ID_ACK, &m, NULL, T_0430, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"ACK\"0004L0#AAA[]\r"));
}
END_TEST

/*
 * The timestamp an answer carries, formatted here independently of
 * dc09_format_time(): "_HH:MM:SS,MM-DD-YYYY" in UTC.
 */
static void
ref_time(time_t t, char *buf, size_t cap)
{
	struct tm	tm;

	ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
	ck_assert_uint_gt(strftime(buf, cap, "_%H:%M:%S,%m-%d-%Y", &tm), 0);
}

/*
 * Every answer kind, to plain and encrypted requests, with and without the
 * account's key, at times across the years, is what it was before the time
 * was formatted only for answers that carry one: a plain ACK/DUH/RSP is
 * exactly "<token>seq[R][L]#acct[]" with no time, a NAK (always timed) and
 * every encrypted answer carry the time, byte for byte where the pad is not
 * random, and by content where it is.
 */
START_TEST(test_answers_identical)
{
	static const enum dc09_id	 kinds[] = { DC09_ID_ACK, DC09_ID_DUH,
	    DC09_ID_RSP, DC09_ID_NAK };
	static const char		*const names[] = { "ACK", "DUH", "RSP",
	    "NAK" };
	static const time_t		 times[] = { 0, 86399, 951782400,
	    T_0430, 1798761599, 4102444800, 253402300799 };
	static const char		*const reqs[] = { "sia-plain",
	    "sia-no-receiver", "sia-aes128", "sia-aes256", "cid-aes128" };
	const struct vector		*v;
	struct dc09_key			 k;
	struct dc09_msg			 m, a;
	struct dc09_content		 c;
	struct dc09_out			 o;
	char				 buf[256], ref[256], span[160], ts[32];
	size_t				 ki, ti, ri;
	int				 n, enc, withkey;

	for (ri = 0; ri < sizeof(reqs) / sizeof(reqs[0]); ri++)
	for (withkey = 0; withkey < 2; withkey++)
	for (ki = 0; ki < sizeof(kinds) / sizeof(kinds[0]); ki++)
	for (ti = 0; ti < sizeof(times) / sizeof(times[0]); ti++) {
		v = vec(reqs[ri]);
		ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL,
		    0), 0);
		k = key(strcmp(v->key, "-") != 0 ? v->key : keys[0]);
		n = dc09_build_answer(kinds[ki], &m, withkey ? &k : NULL,
		    times[ti], buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		ref_time(times[ti], ts, sizeof ts);
		if (kinds[ki] == DC09_ID_NAK) {
			snprintf(span, sizeof span, "\"NAK\"0000R0L0A0[]%s", ts);
			mkframe(span, ref, sizeof ref);
			ck_assert_str_eq(buf, ref);
			continue;
		}
		enc = withkey && m.encrypted;
		if (!enc) {
			snprintf(span, sizeof span, "\"%s\"%s%s%s%s%s#%s[]",
			    names[ki], m.seq, m.has_rcvr ? "R" : "", m.has_rcvr ?
			    m.rcvr : "", m.has_line ? "L" : "", m.has_line ?
			    m.line : "", m.acct);
			mkframe(span, ref, sizeof ref);
			ck_assert_msg(strcmp(buf, ref) == 0, "%s to %s at %lld: "
			    "%s, want %s", names[ki], reqs[ri],
			    (long long)times[ti], buf, ref);
			continue;
		}
		/* Encrypted: the pad is random; the content carries the time. */
		ck_assert_int_eq(dc09_parse(buf, (size_t)n, &a, NULL, 0), 0);
		ck_assert_int_eq(a.id, kinds[ki]);
		ck_assert_int_eq(a.encrypted, 1);
		ck_assert_int_eq(dc09_open(&a, &k, &c, NULL, 0), 0);
		ck_assert_str_eq(c.data, "");
		ck_assert_str_eq(c.timestamp, ts);
		/* And with a fixed pad, as dc09_build writes it, the same length. */
		memset(&o, 0, sizeof(o));
		o.token = names[ki];
		o.seq = m.seq;
		o.rcvr = m.has_rcvr ? m.rcvr : NULL;
		o.line = m.has_line ? m.line : NULL;
		o.acct = m.acct;
		o.data = "";
		o.time = times[ti];
		o.key = &k;
		o.pad = '0';
		ck_assert_int_eq(dc09_build(&o, ref, sizeof ref), n);
	}
}
END_TEST

/*
 * The ACK is the same bytes whether the request carried a timestamp or not
 * (a plain ACK carries none): ack-plain for sia-plain, and for the same
 * frame sent without its "_14:12:04,09-25-2026".
 */
START_TEST(test_ack_with_and_without_time)
{
	static const char	 notime[] = "\n4CD80027\"SIA-DCS\"0002R1L1#1234"
	    "[#1234|Nri1/BA01]\r";
	const struct vector	*v = vec("sia-plain");
	struct dc09_msg		 m;
	struct dc09_content	 c;
	char			 buf[256];
	int			 n;

	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL, 0), 0);
	ck_assert_int_eq(dc09_open(&m, NULL, &c, NULL, 0), 0);
	ck_assert_int_eq(c.has_time, 1);
	n = dc09_build_answer(DC09_ID_ACK, &m, NULL, T_0430, buf, sizeof(buf));
	ck_assert_int_eq(n, 30);
	ck_assert_str_eq(buf, "\nD6730014\"ACK\"0002R1L1#1234[]\r");
	ck_assert_int_eq(dc09_parse(notime, sizeof(notime) - 1, &m, NULL, 0), 0);
	ck_assert_int_eq(dc09_open(&m, NULL, &c, NULL, 0), 0);
	ck_assert_int_eq(c.has_time, 0);
	memset(buf, 'Z', sizeof(buf));
	n = dc09_build_answer(DC09_ID_ACK, &m, NULL, T_0430, buf, sizeof(buf));
	ck_assert_int_eq(n, 30);
	ck_assert_str_eq(buf, "\nD6730014\"ACK\"0002R1L1#1234[]\r");
	n = dc09_build_answer(DC09_ID_DUH, &m, NULL, T_0430, buf, sizeof(buf));
	ck_assert_str_eq(buf, vec("duh")->frame);
}
END_TEST

/*
 * The header of every span length the format allows is "\n", the CRC in
 * four and the length in three upper-case hex digits after a '0', as
 * formatted independently here.
 */
START_TEST(test_build_header_every_span)
{
	static char	data[DC09_MAX_SPAN + 1], buf[DC09_MAX_FRAME + 64];
	struct dc09_out	o = { .token = "SIA-DCS", .seq = "0001", .line = "0",
	    .acct = "1234", .data = data };
	char		hdr[16];
	size_t		dlen, span;
	int		n;

	memset(data, 'A', sizeof(data) - 1);
	/* "SIA-DCS"0001L0#1234[] is 22 bytes before the data */
	for (dlen = 0; dlen + 22 <= DC09_MAX_SPAN; dlen += dlen < 300 ? 1 : 37) {
		data[dlen] = '\0';
		if (dlen > 0)
			data[dlen - 1] = "0123456789ABCDEFabc|/"[dlen % 21];
		n = dc09_build(&o, buf, sizeof(buf));
		ck_assert_int_eq(n, (int)(dlen + 22 + 10));
		span = (size_t)n - 10;
		snprintf(hdr, sizeof(hdr), "\n%04X0%03X",
		    dc09_crc(buf + 9, span), (unsigned)span);
		ck_assert_int_eq(memcmp(buf, hdr, 9), 0);
		data[dlen] = 'A';
	}
}
END_TEST

/* dc09_build with pad '0' gives ack-aes128 byte for byte. */
START_TEST(test_ack_aes128_exact)
{
	struct dc09_key	k = key(vec("ack-aes128")->key);
	struct dc09_out	o = { .token = "ACK", .seq = "0010", .rcvr = "1",
	    .line = "1", .acct = "5678", .data = "", .time = T_0405,
	    .key = &k, .pad = '0' };
	char		buf[256];

	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)),
	    (int)vec("ack-aes128")->frame_len);
	ck_assert_str_eq(buf, vec("ack-aes128")->frame);
}
END_TEST

/* The encrypted answer to sia-aes128 parses and opens back to an ACK. */
START_TEST(test_ack_aes128_answer)
{
	const struct vector	*v = vec("sia-aes128");
	struct dc09_key		 k = key(v->key);
	struct dc09_msg		 m, a;
	struct dc09_content	 c;
	char			 buf[256], buf2[256];
	int			 n;

	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL, 0), 0);
	n = dc09_build_answer(DC09_ID_ACK, &m, &k, T_0405, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)vec("ack-aes128")->frame_len);
	ck_assert_int_eq(dc09_parse(buf, (size_t)n, &a, NULL, 0), 0);
	ck_assert_int_eq(a.id, DC09_ID_ACK);
	ck_assert_int_eq(a.encrypted, 1);
	ck_assert_str_eq(a.seq, "0010");
	ck_assert_str_eq(a.rcvr, "1");
	ck_assert_str_eq(a.line, "1");
	ck_assert_str_eq(a.acct, "5678");
	ck_assert_int_eq(dc09_open(&a, &k, &c, NULL, 0), 0);
	ck_assert_str_eq(c.data, "");
	ck_assert_str_eq(c.timestamp, "_14:12:05,09-25-2026");
	/* The pad is random: two answers differ. */
	ck_assert_int_eq(dc09_build_answer(DC09_ID_ACK, &m, &k, T_0405, buf2,
	    sizeof(buf2)), n);
	ck_assert_str_ne(buf, buf2);
	/* Without a key the answer to an encrypted request is plain. */
	n = dc09_build_answer(DC09_ID_DUH, &m, NULL, T_0405, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\"DUH\"0010R1L1#5678[]\r"));
}
END_TEST

/* dc09_build reproduces the message vectors, plain and encrypted. */
START_TEST(test_build_vectors)
{
	static const struct {
		const char	*name, *token, *seq, *rcvr, *line, *acct;
		const char	*data;
		char		 pad;
		time_t		 time;
	} b[] = {
		{ "sia-plain", "SIA-DCS", "0002", "1", "1", "1234",
		    "#1234|Nri1/BA01", 0, T_0412 },
		{ "sia-no-receiver", "SIA-DCS", "0004", NULL, "0", "AAA",
		    "#AAA|Nri1/CL501", 0, T_0412 },
		{ "null-plain", "NULL", "0007", "1", "1", "1234", "", 0,
		    T_0412 },
		{ "sia-aes128", "SIA-DCS", "0010", "1", "1", "5678",
		    "Nri2/FA02", '0', T_0412 },
		{ "sia-aes256", "SIA-DCS", "0011", "1", "1", "5678",
		    "Nri2/FA02", '0', T_0412 },
		{ "cid-aes128", "ADM-CID", "0012", "1", "1", "5678",
		    "1110 01 007", '0', T_0412 },
		{ "null-aes-text-key", "NULL", "0013", "1", "1", "5678", "",
		    '0', T_0412 },
		{ "pysia-null-published", "NULL", "0000", "0", "0", "AAAB", "",
		    'p', 1593973492 },
	};
	const struct vector	*v = vec(b[_i].name);
	struct dc09_key		 k = { .len = 0 };
	struct dc09_out		 o = { .token = b[_i].token, .seq = b[_i].seq,
	    .rcvr = b[_i].rcvr, .line = b[_i].line, .acct = b[_i].acct,
	    .data = b[_i].data, .with_time = 1, .time = b[_i].time,
	    .key = &k, .pad = b[_i].pad };
	char			 buf[512];

	if (strcmp(v->key, "-") != 0)
		k = key(v->key);
	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)), (int)v->frame_len);
	ck_assert_str_eq(buf, v->frame);
}
END_TEST

/* A wrong CRC digit is ECRC with both values in the reason; lowercase is ok. */
START_TEST(test_bad_crc)
{
	struct dc09_msg	m;
	char		f[256], err[128] = "";
	size_t		n = vec("ack-plain")->frame_len;

	memcpy(f, vec("ack-plain")->frame, n + 1);
	f[4] = f[4] == '3' ? '4' : '3';
	ck_assert_int_eq(dc09_parse(f, n, &m, err, sizeof(err)), DC09_ECRC);
	ck_assert_ptr_nonnull(strstr(err, "CRC"));
	ck_assert_ptr_nonnull(strstr(err, "D673"));
	memcpy(f, vec("ack-plain")->frame, n + 1);
	f[1] = 'd';
	ck_assert_int_eq(dc09_parse(f, n, &m, err, sizeof(err)), 0);
	f[11] = 'B';	/* "ACK" -> "ABK": CRC no longer matches */
	ck_assert_int_eq(dc09_parse(f, n, &m, NULL, 0), DC09_ECRC);
	f[1] = 'X';
	ck_assert_int_eq(dc09_parse(f, n, &m, NULL, 0), DC09_EFORMAT);
}
END_TEST

/* Length field disagreements are ELENGTH, checked before the CRC. */
START_TEST(test_bad_length)
{
	const struct vector	*v = vec("sia-plain");
	struct dc09_msg		 m;
	char			 f[512], err[128] = "";

	memcpy(f, v->frame, v->frame_len + 1);
	f[8] = 'C';	/* 003B -> 003C */
	ck_assert_int_eq(dc09_parse(f, v->frame_len, &m, err, sizeof(err)),
	    DC09_ELENGTH);
	ck_assert_str_ne(err, "");
	/* One byte more than the length says. */
	memcpy(f, v->frame, v->frame_len - 1);
	memcpy(f + v->frame_len - 1, "X\r", 3);
	ck_assert_int_eq(dc09_parse(f, v->frame_len + 1, &m, NULL, 0),
	    DC09_ELENGTH);
	/* Truncated, CR kept. */
	memcpy(f, v->frame, 30);
	f[30] = '\r';
	ck_assert_int_eq(dc09_parse(f, 31, &m, NULL, 0), DC09_ELENGTH);
	/* First length digit must be 0. */
	memcpy(f, v->frame, v->frame_len + 1);
	f[5] = '1';
	ck_assert_int_eq(dc09_parse(f, v->frame_len, &m, NULL, 0),
	    DC09_EFORMAT);
}
END_TEST

/* Frames without LF or CR, truncated or too long are refused. */
START_TEST(test_truncated)
{
	const struct vector	*v = vec("sia-plain");
	struct dc09_msg		 m;
	static char		 big[DC09_MAX_FRAME + 2];
	size_t			 i;

	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len - 1, &m, NULL, 0),
	    DC09_EFORMAT);
	ck_assert_int_eq(dc09_parse(v->frame + 1, v->frame_len - 1, &m, NULL,
	    0), DC09_EFORMAT);
	for (i = 0; i < 10; i++)
		ck_assert_int_ne(dc09_parse(v->frame, i, &m, NULL, 0), 0);
	ck_assert_int_eq(dc09_parse("\n00000000\r", 10, &m, NULL, 0),
	    DC09_EFORMAT);
	memset(big, 'A', sizeof(big));
	big[0] = '\n';
	big[sizeof(big) - 1] = '\r';
	ck_assert_int_eq(dc09_parse(big, sizeof(big), &m, NULL, 0),
	    DC09_ETOOLONG);
}
END_TEST

/* Missing or malformed routing fields in frames with a correct CRC. */
START_TEST(test_bad_fields)
{
	static const char	*bad[] = {
		"SIA-DCS\"0002R1L1#1234[]",	/* no opening quote */
		"\"SIA-DCS0002R1L1#1234[]",	/* no closing quote */
		"\"\"0002R1L1#1234[]",		/* empty token */
		"\"sia-dcs\"0002R1L1#1234[]",	/* lowercase token */
		"\"SIA DCS\"0002R1L1#1234[]",
		"\"SIA-DCS-LONG\"0002L1#1234[]",	/* 12 characters */
		"\"SIA-DCS\"R1L1#1234[]",	/* no sequence */
		"\"SIA-DCS\"002R1L1#1234[]",
		"\"SIA-DCS\"00a2R1L1#1234[]",
		"\"SIA-DCS\"0002RL1#1234[]",	/* empty receiver */
		"\"SIA-DCS\"0002R1234567L1#1234[]",
		"\"SIA-DCS\"0002R1L1234567#1234[]",
		"\"SIA-DCS\"0002R1L1[]",	/* no account */
		"\"SIA-DCS\"0002R1L1#12[]",	/* 2 digits */
		"\"SIA-DCS\"0002R1L1#12G4[]",	/* non-hex */
		"\"SIA-DCS\"0002R1L1#12345678901234567[]",	/* 17 digits */
		"\"SIA-DCS\"0002R1L1A1234[]",	/* A form only in NAK */
		"\"SIA-DCS\"0002R1L1#1234",	/* no body */
		"\"SIA-DCS\"0002R1L1#1234_14:12:04,09-25-2026",
	};
	struct dc09_msg		 m;
	char			 err[128];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(parse_span(bad[i], &m, err, sizeof(err)) ==
		    DC09_EFORMAT, "accepted %s", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for %s", bad[i]);
	}
}
END_TEST

/* Edge cases that are valid: 16-digit account, bare L, lowercase hex. */
START_TEST(test_good_fields)
{
	struct dc09_msg	m;

	ck_assert_int_eq(parse_span("\"SIA-DCS\"0002R1L1#1234567890ABCDEF[]",
	    &m, NULL, 0), 0);
	ck_assert_str_eq(m.acct, "1234567890ABCDEF");
	ck_assert_int_eq(parse_span("\"NULL\"9999L#abc[]", &m, NULL, 0), 0);
	ck_assert_str_eq(m.line, "");
	ck_assert_str_eq(m.acct, "abc");
	ck_assert_int_eq(m.has_rcvr, 0);
	ck_assert_int_eq(parse_span("\"ADM-CID\"0001RABCDEFLFFFFFF#123[x]",
	    &m, NULL, 0), 0);
	ck_assert_str_eq(m.rcvr, "ABCDEF");
	ck_assert_str_eq(m.line, "FFFFFF");
	ck_assert_int_eq(parse_span("\"NAK\"0000R0L0A0[]", &m, NULL, 0), 0);
	ck_assert_str_eq(m.line, "0");
	ck_assert_str_eq(m.acct, "0");
	ck_assert_int_eq(parse_span("\"NAK\"0000L0#1234[]", &m, NULL, 0), 0);
	ck_assert_str_eq(m.acct, "1234");
}
END_TEST

/* A well-formed frame with an unknown token is ETOKEN (answered DUH). */
START_TEST(test_unknown_token)
{
	struct dc09_msg	m;
	char		err[128] = "";

	ck_assert_int_eq(parse_span("\"SIA-DCX\"0002R1L1#1234[#1234|Nri1/BA01]",
	    &m, err, sizeof(err)), DC09_ETOKEN);
	ck_assert_ptr_nonnull(strstr(err, "SIA-DCX"));
	ck_assert_str_eq(m.token, "SIA-DCX");
	ck_assert_str_eq(m.seq, "0002");
	ck_assert_str_eq(m.acct, "1234");
	ck_assert_int_eq(parse_span("\"*FOO\"0002R1L1#1234[AB]", &m, NULL, 0),
	    DC09_ETOKEN);
	ck_assert_int_eq(m.encrypted, 1);
	/* Unknown and malformed: the format error wins. */
	ck_assert_int_eq(parse_span("\"FOO\"0002R1L1#12[]", &m, NULL, 0),
	    DC09_EFORMAT);
}
END_TEST

/* Bad timestamps are EDATA: shape, ranges, calendar. */
START_TEST(test_bad_timestamp)
{
	static const char	*bad[] = {
		"_25:00:00,09-25-2026", "_14:60:00,09-25-2026",
		"_14:12:60,09-25-2026", "_14:12:04,13-25-2026",
		"_14:12:04,00-25-2026", "_14:12:04,09-31-2026",
		"_14:12:04,02-29-2025", "_14:12:04,09-00-2026",
		"_14:12:04,09-25-1969", "_14:12:04 09-25-2026",
		"_14-12-04,09-25-2026", "_14:12:4,09-25-2026",
		"_14:12:04,09-25-20266", "14:12:04,09-25-2026",
		"_1a:12:04,09-25-2026", "_14:12:04,09-25-2026X",
	};
	struct dc09_content	 c;
	char			 span[128];
	time_t			 t;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(span, sizeof(span), "\"NULL\"0001L0#123[]%s", bad[i]);
		ck_assert_msg(open_span(span, &c) == DC09_EDATA, "%s", bad[i]);
		ck_assert_int_eq(dc09_parse_time(bad[i], strlen(bad[i]), &t),
		    -1);
	}
	ck_assert_int_eq(dc09_parse_time("_00:00:00,02-29-2024", 20, &t), 0);
	ck_assert_int_eq(t, 1709164800);
	ck_assert_int_eq(dc09_parse_time("_23:59:59,12-31-2099", 20, &t), 0);
	ck_assert_int_eq(dc09_parse_time(TS_0412, 19, &t), -1);
}
END_TEST

/* Time formatting is UTC and round-trips through parsing. */
START_TEST(test_time_roundtrip)
{
	char	buf[21];
	time_t	t, back;

	dc09_format_time(T_0412, buf);
	ck_assert_str_eq(buf, TS_0412);
	dc09_format_time(0, buf);
	ck_assert_str_eq(buf, "_00:00:00,01-01-1970");
	for (t = 946684799; t < 4102444800; t += 7777777) {
		dc09_format_time(t, buf);
		ck_assert_uint_eq(strlen(buf), 20);
		ck_assert_int_eq(dc09_parse_time(buf, 20, &back), 0);
		ck_assert_int_eq(back, t);
	}
}
END_TEST

/*
 * dc09_parse_time() counts days itself: it agrees with timegm() on every
 * day from 1970 to 2200 (leap years, centuries, 2000), at midnight and
 * at the day's last second.
 */
START_TEST(test_time_parse_every_day)
{
	struct tm	tm;
	char		buf[64];
	time_t		day, t, want;

	for (day = 0; day < 84000; day++) {
		t = day * 86400;
		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		if (tm.tm_year + 1900 > 2200)
			break;
		snprintf(buf, sizeof(buf), "_23:59:59,%02u-%02u-%04u",
		    (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100,
		    (unsigned)(tm.tm_year + 1900) % 10000);
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 59;
		want = timegm(&tm);
		ck_assert_int_eq(dc09_parse_time(buf, 20, &t), 0);
		ck_assert_msg(t == want, "%s: %lld, not %lld", buf,
		    (long long)t, (long long)want);
		buf[1] = buf[2] = buf[4] = buf[5] = buf[7] = buf[8] = '0';
		ck_assert_int_eq(dc09_parse_time(buf, 20, &t), 0);
		ck_assert_int_eq(t, want - 86399);
	}
	ck_assert_int_ge(day, 84000 - 200);
}
END_TEST

/* The time of the last answer is kept: the next second is not its. */
START_TEST(test_time_format_kept)
{
	char	a[21], b[21];

	dc09_format_time(T_0412, a);
	dc09_format_time(T_0412, b);
	ck_assert_str_eq(a, TS_0412);
	ck_assert_str_eq(b, TS_0412);
	dc09_format_time(T_0412 + 1, b);
	ck_assert_str_ne(b, TS_0412);
	ck_assert_str_eq(b + 9, TS_0412 + 9);
	dc09_format_time(T_0412, a);
	ck_assert_str_eq(a, TS_0412);
	dc09_format_time(0, a);
	ck_assert_str_eq(a, "_00:00:00,01-01-1970");
}
END_TEST

/* Bodies: xdata fields, missing ']', junk after the data or timestamp. */
START_TEST(test_plain_body)
{
	struct dc09_content	c;

	ck_assert_int_eq(open_span("\"SIA-DCS\"0002L1#1234[#1234|Nri1/BA01]"
	    "[X012E345][Y45N678][Mabc]" TS_0412, &c), 0);
	ck_assert_str_eq(c.data, "#1234|Nri1/BA01");
	ck_assert_str_eq(c.xdata, "[X012E345][Y45N678][Mabc]");
	ck_assert_uint_eq(c.xdata_len, 25);
	ck_assert_int_eq(c.time, T_0412);
	ck_assert_int_eq(open_span("\"SIA-DCS\"0002L1#1234[a[b|\x01\x7f]", &c),
	    0);
	ck_assert_str_eq(c.data, "a[b|\x01\x7f");
	ck_assert_int_eq(c.has_time, 0);
	ck_assert_str_eq(c.timestamp, "");
	ck_assert_int_eq(open_span("\"SIA-DCS\"0002L1#1234[#1234|Nri1",
	    &c), DC09_EDATA);
	ck_assert_int_eq(open_span("\"SIA-DCS\"0002L1#1234[x]junk", &c),
	    DC09_EDATA);
	ck_assert_int_eq(open_span("\"SIA-DCS\"0002L1#1234[x][X1", &c),
	    DC09_EDATA);
	ck_assert_int_eq(open_span("\"SIA-DCS\"0002L1#1234[x]" TS_0412 "[X1]",
	    &c), DC09_EDATA);
	ck_assert_int_eq(open_span("\"SIA-DCS\"0002L1#1234[x]" TS_0412 "_",
	    &c), DC09_EDATA);
}
END_TEST

/* Encrypt plaintext pt into a frame "*SIA-DCS"...[HEX; the frame length. */
static size_t
encrypted_frame(const struct dc09_key *k, const char *pt, char *out,
    size_t cap)
{
	unsigned char	ct[512];
	char		span[1200];
	size_t		n = strlen(pt), i, off;

	ck_assert_uint_eq(n % 16, 0);
	ck_assert_int_eq(dc09_crypt_encrypt(k, (const unsigned char *)pt, n,
	    ct), 0);
	off = (size_t)snprintf(span, sizeof(span), "\"*SIA-DCS\"0020R1L1#5678[");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(span + off, sizeof(span) - off, "%02X",
		    ct[i]);
	return mkframe(span, out, cap);
}

/* Parse and open an encrypted frame made from plaintext pt. */
static int
open_plaintext(const struct dc09_key *k, const char *pt,
    struct dc09_content *c)
{
	struct dc09_msg	m;
	char		f[1300];
	size_t		n = encrypted_frame(k, pt, f, sizeof(f));

	ck_assert_int_eq(dc09_parse(f, n, &m, NULL, 0), 0);
	return dc09_open(&m, k, c, NULL, 0);
}

/* The data starts after the first '|': "#acct|" and a bare '|' go alike. */
START_TEST(test_encrypted_pad)
{
	struct dc09_key		k = key(keys[0]);
	struct dc09_content	c;

	ck_assert_int_eq(open_plaintext(&k, "xyz0#5678|Nri2/FA02]" TS_0412
	    "abcdefgh", &c), DC09_EDECRYPT);
	ck_assert_int_eq(open_plaintext(&k, "xyz0#5678|Nri2/FA02][X12]"
	    TS_0412 "abc", &c), DC09_EDECRYPT);
	ck_assert_int_eq(open_plaintext(&k, "xyAB#5678|Nri2/FA02][X12345]"
	    TS_0412, &c), 0);
	ck_assert_str_eq(c.data, "Nri2/FA02");
	ck_assert_str_eq(c.xdata, "[X12345]");
	ck_assert_int_eq(c.time, T_0412);
	ck_assert_int_eq(open_plaintext(&k, "xyABCDEFGHIJ|Nri2/FA02/BA03]"
	    TS_0412, &c), 0);
	ck_assert_str_eq(c.data, "Nri2/FA02/BA03");
	ck_assert_int_eq(open_plaintext(&k, "xxxxxx|#5678|Nri2/FA02/BA03]"
	    TS_0412, &c), 0);
	ck_assert_str_eq(c.data, "#5678|Nri2/FA02/BA03");
	/* 17 bytes before the '|', or before a ']' alone, cannot be a pad. */
	ck_assert_int_eq(open_plaintext(&k, "ABCDEFGHIJKLMNOPQ|N][X12345]"
	    TS_0412, &c), DC09_EDECRYPT);
	ck_assert_int_eq(open_plaintext(&k, "ABCDEFGHIJKLMNOPQRSTUVWXYZa]"
	    TS_0412, &c), DC09_EDECRYPT);
	ck_assert_int_eq(open_plaintext(&k, "ABCDEFGHIJKLMNOPQRSTUVWXYZa|]"
	    "_14:12:04,09-25-202", &c), DC09_EDECRYPT);
}
END_TEST

/*
 * Random printable pads (anything but '|', '[' and ']', so '#' and hex
 * digits too), with and without "#acct|": the data is always found.  One
 * pad in every few has a tail that looks like "#ABC".
 */
START_TEST(test_encrypted_random_pads)
{
	static const char	 tails[][6] = { "#ABC", "#5678", "#12", "#", "" };
	struct dc09_key		 k = key(keys[0]);
	struct dc09_content	 c;
	char			 pt[160], body[96], want[64];
	size_t			 pad, i, t;
	int			 round, blocks;

	srandom(7);
	for (round = 0; round < 20000; round++) {
		/* Bodies of varied length, so pads of every size come up. */
		blocks = round / 2 % 6;
		snprintf(want, sizeof(want), "Nri2/FA02%.*s", blocks * 5,
		    "/BA03/BA04/BA05/BA06/BA07");
		snprintf(body, sizeof(body), "%s|%s]" TS_0412,
		    round % 2 ? "#5678" : "", want);
		pad = 16 - strlen(body) % 16;
		for (i = 0; i < pad; i++) {
			do
				pt[i] = (char)(0x21 + random() % 94);
			while (pt[i] == '|' || pt[i] == '[' || pt[i] == ']');
		}
		t = (size_t)round / 12 % 5;
		if (strlen(tails[t]) <= pad)
			memcpy(pt + pad - strlen(tails[t]), tails[t],
			    strlen(tails[t]));
		snprintf(pt + pad, sizeof(pt) - pad, "%s", body);
		ck_assert_msg(open_plaintext(&k, pt, &c) == 0, "refused %s", pt);
		ck_assert_str_eq(c.data, want);
	}
}
END_TEST

/* Frames without R, without L or without both (diallers), answered alike. */
START_TEST(test_no_receiver_no_line)
{
	struct dc09_msg	m;
	char		buf[256];

	ck_assert_int_eq(parse_span("\"SIA-DCS\"0001#0123[#0123|NRR|AStart of "
	    "dialler]", &m, NULL, 0), 0);
	ck_assert_int_eq(m.has_rcvr, 0);
	ck_assert_int_eq(m.has_line, 0);
	ck_assert_str_eq(m.acct, "0123");
	ck_assert_int_gt(dc09_build_answer(DC09_ID_ACK, &m, NULL, T_0430, buf,
	    sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"ACK\"0001#0123[]\r"));
	ck_assert_int_eq(parse_span("\"SIA-DCS\"0002R12#1234[]", &m, NULL, 0),
	    0);
	ck_assert_str_eq(m.rcvr, "12");
	ck_assert_int_eq(m.has_line, 0);
	ck_assert_int_gt(dc09_build_answer(DC09_ID_ACK, &m, NULL, T_0430, buf,
	    sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"ACK\"0002R12#1234[]\r"));
	ck_assert_int_eq(parse_span("\"NULL\"0003L000000#1234[]", &m, NULL, 0),
	    0);
	ck_assert_int_eq(m.has_line, 1);
	ck_assert_str_eq(m.line, "000000");
}
END_TEST

/* Missing key, wrong key, bad hex and missing timestamp. */
START_TEST(test_encrypted_errors)
{
	const struct vector	*v = vec("sia-aes128");
	struct dc09_key		 k = key(v->key), other = key(keys[1]);
	struct dc09_msg		 m;
	struct dc09_content	 c;
	char			 err[128] = "";

	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL, 0), 0);
	ck_assert_int_eq(dc09_open(&m, NULL, &c, err, sizeof(err)),
	    DC09_EDECRYPT);
	ck_assert_str_ne(err, "");
	ck_assert_int_eq(dc09_open(&m, &other, &c, NULL, 0), DC09_EDECRYPT);
	other = k;
	other.bytes[0] ^= 0x80;
	ck_assert_int_eq(dc09_open(&m, &other, &c, NULL, 0), DC09_EDECRYPT);
	ck_assert_str_eq(c.data, "");
	/* No timestamp: a NAK with ours lets the panel set its clock. */
	ck_assert_int_eq(open_plaintext(&k, "0000000000|Nri1]", &c),
	    DC09_ENOTIME);
	ck_assert_int_eq(open_plaintext(&k, "0000000000|Nri1][X123456789]"
	    "_25:12:04,09-25-2026", &c), DC09_EDATA);
}
END_TEST

/* The hex of an encrypted body must be whole blocks of hex digits. */
START_TEST(test_encrypted_hex)
{
	static const char	*bad[] = {
		"[", "[0", "[6C5A4F7A484CD535C3C07A812AE406C",
		"[6C5A4F7A484CD535C3C07A812AE406C4D4",
		"[6C5A4F7A484CD535C3C07A812AE406CG",
		"[6C5A4F7A484CD535C3C07A812AE406C4D43C23E79873FD3C6CB64535F2192F7 ",
	};
	struct dc09_key		 k = key(keys[0]);
	struct dc09_msg		 m;
	struct dc09_content	 c;
	char			 span[256];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(span, sizeof(span), "\"*SIA-DCS\"0010R1L1#5678%s",
		    bad[i]);
		ck_assert_int_eq(parse_span(span, &m, NULL, 0), 0);
		ck_assert_msg(dc09_open(&m, &k, &c, NULL, 0) == DC09_EDECRYPT,
		    "%s", bad[i]);
	}
	/* Lowercase hex and a closing ']' are accepted. */
	snprintf(span, sizeof(span), "\"*SIA-DCS\"0010R1L1#5678[%s]",
	    "6c5a4f7a484cd535c3c07a812ae406c4d43c23e79873fd3c6cb64535f2192f75");
	ck_assert_int_eq(parse_span(span, &m, NULL, 0), 0);
	ck_assert_int_eq(dc09_open(&m, &k, &c, NULL, 0), 0);
	ck_assert_str_eq(c.data, "Nri2/FA02");
}
END_TEST

/* Build, parse and open, plain and with every key size and text keys. */
START_TEST(test_roundtrip)
{
	struct dc09_key		 k = key(keys[_i]);
	const char		*data[] = { "", "#1234|Nri1/BA01", "Nri1/BA01",
	    "1130 01 015", "#ABCDEF|Nri3/YK", "0123456789ABCDE",
	    "0123456789ABCD", "0123456789ABCDEF" };
	struct dc09_out		 o = { .token = "SIA-DCS", .seq = "0042",
	    .rcvr = "12AB", .line = "3", .acct = "ABCDEF", .xdata = "[X1][Y2]",
	    .time = T_0412, .key = &k };
	struct dc09_msg		 m;
	struct dc09_content	 c;
	char			 buf[1024], err[128] = "";
	size_t			 i;
	int			 n, enc;

	for (enc = 0; enc < 2; enc++) {
		o.key = enc ? &k : NULL;
		for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
			o.data = data[i];
			n = dc09_build(&o, buf, sizeof(buf));
			ck_assert_int_gt(n, 0);
			ck_assert_uint_eq(strlen(buf), (size_t)n);
			ck_assert_int_eq(dc09_parse(buf, (size_t)n, &m, err,
			    sizeof(err)), 0);
			ck_assert_int_eq(m.encrypted, enc);
			ck_assert_str_eq(m.rcvr, "12AB");
			ck_assert_int_eq(dc09_open(&m, &k, &c, err,
			    sizeof(err)), 0);
			ck_assert_str_eq(c.data, data[i]);
			ck_assert_str_eq(c.xdata, "[X1][Y2]");
			ck_assert_int_eq(c.has_time, enc);
		}
	}
}
END_TEST

/* Decrypt the body of built frame f into pt; the plaintext length. */
static size_t
built_plaintext(const struct dc09_key *k, const char *f, size_t n,
    unsigned char *pt)
{
	struct dc09_msg	m;
	size_t		i, len;
	unsigned	b;

	ck_assert_int_eq(dc09_parse(f, n, &m, NULL, 0), 0);
	len = (m.body_len - 1) / 2;
	for (i = 0; i < len; i++) {
		ck_assert_int_eq(sscanf(m.body + 1 + 2 * i, "%2X", &b), 1);
		pt[i] = (unsigned char)b;
	}
	ck_assert_int_eq(dc09_crypt_decrypt(k, pt, len, pt), 0);
	return len;
}

/* The pad is 1-16 bytes of the pad character, or random letters/digits. */
START_TEST(test_build_pad)
{
	static char	data[64];
	const char	*alnum = "0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	struct dc09_key	k = key(keys[0]);
	struct dc09_out	o = { .token = "SIA-DCS", .seq = "0001", .line = "0",
	    .acct = "1234", .data = data, .key = &k, .pad = 'Q' };
	unsigned char	pt[256];
	char		buf[512];
	size_t		i, len, pad;
	int		n;

	for (i = 0; i < 40; i++) {
		memset(data, 'd', i);
		data[i] = '\0';
		o.pad = i % 2 ? 'Q' : 0;
		n = dc09_build(&o, buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		len = built_plaintext(&k, buf, (size_t)n, pt);
		ck_assert_uint_eq(len % 16, 0);
		pad = strcspn((char *)pt, "|]");
		ck_assert_uint_ge(pad, 1);
		ck_assert_uint_le(pad, 16);
		ck_assert_uint_eq(len, pad + (i ? i + 1 : 0) + 1 + 20);
		while (pad-- > 0)
			ck_assert(o.pad ? pt[pad] == 'Q' : pt[pad] != '\0' &&
			    strchr(alnum, pt[pad]) != NULL);
	}
}
END_TEST

/* Builds that cannot be made return -1 and never overrun the buffer. */
START_TEST(test_build_limits)
{
	static char	big[DC09_MAX_SPAN + 1], buf[DC09_MAX_FRAME + 64];
	struct dc09_key	k = key(keys[2]);
	struct dc09_out	o = { .token = "SIA-DCS", .seq = "0001", .line = "0",
	    .acct = "1234", .data = "Nri1/BA01" };
	size_t		cap;
	int		n;

	n = dc09_build(&o, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	for (cap = 0; cap < (size_t)n; cap++) {
		memset(buf, 'Z', sizeof(buf));
		ck_assert_int_eq(dc09_build(&o, buf, cap), -1);
		ck_assert_int_eq(buf[cap], 'Z');
	}
	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(dc09_build(&o, buf, (size_t)n), n);
	ck_assert_int_eq(buf[n], 'Z');
	ck_assert_int_eq(dc09_build(&o, buf, (size_t)n + 1), n);
	ck_assert_int_eq(buf[n], '\0');
	o.data = "a]b";
	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)), -1);
	o.data = "x";
	o.seq = "12a4";
	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)), -1);
	o.seq = "1234";
	o.acct = "12";
	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)), -1);
	o.acct = "1234";
	o.pad = '|';
	o.key = &k;
	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)), -1);
	o.pad = 0;
	memset(big, 'a', sizeof(big) - 1);
	o.data = big + 2000;
	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)), -1);
	o.key = NULL;
	ck_assert_int_gt(dc09_build(&o, buf, sizeof(buf)), 0);
	o.data = big + 20;
	ck_assert_int_eq(dc09_build(&o, buf, sizeof(buf)), -1);
}
END_TEST

/* A buffer with junk, split frames and several frames in one read. */
START_TEST(test_scan)
{
	const struct vector	*v = vec("sia-plain");
	char			 buf[1024];
	size_t			 len, start, flen, skipped;

	len = (size_t)snprintf(buf, sizeof(buf), "junk\r%s\nab%s",
	    v->frame, vec("ack-plain")->frame);
	ck_assert_int_eq(dc09_scan(buf, len, DC09_MAX_FRAME, &start, &flen,
	    &skipped), DC09_SCAN_FRAME);
	ck_assert_uint_eq(start, 5);
	ck_assert_uint_eq(skipped, 5);
	ck_assert_uint_eq(flen, v->frame_len);
	ck_assert_mem_eq(buf + start, v->frame, flen);
	/* The next frame starts after junk that holds an LF. */
	ck_assert_int_eq(dc09_scan(buf + start + flen, len - start - flen,
	    DC09_MAX_FRAME, &start, &flen, &skipped), DC09_SCAN_FRAME);
	ck_assert_uint_eq(skipped, 3);
	ck_assert_uint_eq(flen, vec("ack-plain")->frame_len);
	/* Nothing but junk: all of it may go. */
	ck_assert_int_eq(dc09_scan("abc\rdef", 7, 100, &start, &flen,
	    &skipped), DC09_SCAN_NEED);
	ck_assert_uint_eq(skipped, 7);
	ck_assert_int_eq(dc09_scan("", 0, 100, &start, &flen, &skipped),
	    DC09_SCAN_NEED);
	ck_assert_uint_eq(skipped, 0);
}
END_TEST

/* A frame arriving one byte at a time is found exactly once, complete. */
START_TEST(test_scan_split)
{
	const struct vector	*v = vec("cid-aes128");
	char			 buf[1024];
	size_t			 len, start, flen, skipped, have = 0, found = 0;
	enum dc09_scan		 r;

	len = (size_t)snprintf(buf, sizeof(buf), "xx%s%s", v->frame, v->frame);
	for (size_t i = 1; i <= len; i++) {
		r = dc09_scan(buf + have, i - have, DC09_MAX_FRAME, &start,
		    &flen, &skipped);
		ck_assert_int_ne(r, DC09_SCAN_TOOLONG);
		if (r == DC09_SCAN_FRAME) {
			ck_assert_uint_eq(flen, v->frame_len);
			ck_assert_mem_eq(buf + have + start, v->frame, flen);
			ck_assert_uint_eq(have + start + flen, i);
			have += start + flen;
			found++;
		} else
			have += skipped;
	}
	ck_assert_uint_eq(found, 2);
}
END_TEST

/* An LF followed by max bytes without CR is too long; a long frame too. */
START_TEST(test_scan_toolong)
{
	static char	buf[3 * DC09_MAX_FRAME];
	size_t		start, flen, skipped;

	memset(buf, 'A', sizeof(buf));
	buf[10] = '\n';
	ck_assert_int_eq(dc09_scan(buf, 10 + DC09_MAX_FRAME - 1, DC09_MAX_FRAME,
	    &start, &flen, &skipped), DC09_SCAN_NEED);
	ck_assert_uint_eq(start, 10);
	ck_assert_uint_eq(skipped, 10);
	ck_assert_int_eq(dc09_scan(buf, 10 + DC09_MAX_FRAME, DC09_MAX_FRAME,
	    &start, &flen, &skipped), DC09_SCAN_TOOLONG);
	ck_assert_uint_eq(start, 10);
	buf[10 + DC09_MAX_FRAME] = '\r';
	ck_assert_int_eq(dc09_scan(buf, sizeof(buf), DC09_MAX_FRAME,
	    &start, &flen, &skipped), DC09_SCAN_TOOLONG);
	buf[10 + DC09_MAX_FRAME - 1] = '\r';
	ck_assert_int_eq(dc09_scan(buf, sizeof(buf), DC09_MAX_FRAME,
	    &start, &flen, &skipped), DC09_SCAN_FRAME);
	ck_assert_uint_eq(flen, DC09_MAX_FRAME);
}
END_TEST

/* Mutate a frame: flip, insert or delete a few random bytes. */
static size_t
mutate(char *f, size_t n, size_t cap)
{
	size_t	k, pos, rounds = 1 + (size_t)rand() % 4;

	for (k = 0; k < rounds && n > 0; k++) {
		pos = (size_t)rand() % n;
		switch (rand() % 3) {
		case 0:
			f[pos] = (char)(rand() % 256);
			break;
		case 1:
			if (n < cap) {
				memmove(f + pos + 1, f + pos, n - pos);
				f[pos] = "[]|#\"*_:,-0AZ\r\n"[rand() % 15];
				n++;
			}
			break;
		default:
			memmove(f + pos, f + pos + 1, n - pos - 1);
			n--;
		}
	}
	return n;
}

/* Re-frame the span of f with a correct CRC and length so parsing goes deep. */
static size_t
refix(char *f, size_t n, size_t cap)
{
	char	span[DC09_MAX_FRAME + 1];

	if (n < 10 || n - 10 > DC09_MAX_SPAN || f[0] != '\n')
		return n;
	memcpy(span, f + 9, n - 10);
	span[n - 10] = '\0';
	if (strlen(span) != n - 10)
		return n;
	return mkframe(span, f, cap);
}

/* Thousands of mutated and random frames never crash or misreport. */
START_TEST(test_fuzz)
{
	struct dc09_key		 k = key(keys[0]);
	struct dc09_msg		 m;
	struct dc09_content	 c;
	char			 f[DC09_MAX_FRAME + 64], err[64];
	size_t			 n, s, fl, sk;
	int			 i, rc;

	srand(1234);
	for (i = 0; i < 20000; i++) {
		const struct vector *v = vectors_get((size_t)i % NOPENED);

		memcpy(f, v->frame, v->frame_len);
		n = mutate(f, v->frame_len, sizeof(f) - 1);
		if (i % 2 == 0)
			n = refix(f, n, sizeof(f));
		if (i % 97 == 0) {
			n = (size_t)rand() % 300;
			for (s = 0; s < n; s++)
				f[s] = (char)rand();
		}
		rc = dc09_parse(f, n, &m, err, sizeof(err));
		ck_assert(rc <= 0 && rc >= DC09_ETOOLONG);
		if (rc == 0) {
			rc = dc09_open(&m, &k, &c, err, sizeof(err));
			ck_assert(rc <= 0 && rc >= DC09_ETOOLONG);
			ck_assert_uint_eq(strlen(c.timestamp), c.has_time ? 20 : 0);
			ck_assert_uint_le(c.data_len, DC09_MAX_SPAN);
		}
		dc09_scan(f, n, 64, &s, &fl, &sk);
		ck_assert_uint_le(s + fl, n);
		ck_assert_uint_le(sk, n);
	}
}
END_TEST

/* Every result code has a description. */
START_TEST(test_strerror)
{
	int	e;

	for (e = DC09_OK; e >= DC09_ETOOLONG; e--)
		ck_assert_str_ne(dc09_strerror(e), "unknown error");
	ck_assert_str_eq(dc09_strerror(-100), "unknown error");
}
END_TEST

/* A test case that loads the vectors before each test. */
static TCase *
tcase(Suite *s, const char *name)
{
	TCase	*tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, NULL);
	suite_add_tcase(s, tc);
	return tc;
}

/* The vector tests. */
static void
add_vector_tests(Suite *s)
{
	TCase	*tc = tcase(s, "vectors");

	tcase_add_test(tc, test_crc);
	tcase_add_loop_test(tc, test_vectors_parse, 0, NOPENED);
	tcase_add_loop_test(tc, test_vectors_open, 0, NOPENED);
	tcase_add_test(tc, test_vector_fields);
	tcase_add_test(tc, test_answers_plain);
	tcase_add_test(tc, test_answers_identical);
	tcase_add_test(tc, test_ack_with_and_without_time);
	tcase_add_test(tc, test_build_header_every_span);
	tcase_add_test(tc, test_ack_aes128_exact);
	tcase_add_test(tc, test_ack_aes128_answer);
	tcase_add_loop_test(tc, test_build_vectors, 0, 8);
}

/* The suite of this module. */
static Suite *
dc09_suite(void)
{
	Suite	*s = suite_create("dc09");
	TCase	*tc;

	add_vector_tests(s);
	tc = tcase(s, "errors");
	tcase_add_test(tc, test_bad_crc);
	tcase_add_test(tc, test_bad_length);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_good_fields);
	tcase_add_test(tc, test_no_receiver_no_line);
	tcase_add_test(tc, test_unknown_token);
	tcase_add_test(tc, test_bad_timestamp);
	tcase_add_test(tc, test_time_roundtrip);
	tcase_add_test(tc, test_time_parse_every_day);
	tcase_add_test(tc, test_time_format_kept);
	tcase_add_test(tc, test_plain_body);
	tcase_add_test(tc, test_strerror);
	tc = tcase(s, "encrypted");
	/* 20,000 decryptions: seconds under ASan on a busy machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_encrypted_pad);
	tcase_add_test(tc, test_encrypted_errors);
	tcase_add_test(tc, test_encrypted_random_pads);
	tcase_add_test(tc, test_encrypted_hex);
	tcase_add_loop_test(tc, test_roundtrip, 0, NKEYS);
	tcase_add_test(tc, test_build_limits);
	tcase_add_test(tc, test_build_pad);
	tc = tcase(s, "scan");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_scan);
	tcase_add_test(tc, test_scan_split);
	tcase_add_test(tc, test_scan_toolong);
	tcase_add_test(tc, test_fuzz);
	return s;
}

/* Run the suite; non-zero exit when a test failed. */
int
main(void)
{
	SRunner	*sr = srunner_create(dc09_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
