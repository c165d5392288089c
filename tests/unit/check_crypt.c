/* check_crypt.c - unit tests for dc09_crypt.c and dc09_key_parse(). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "dc09.h"
#include "dc09_crypt.h"
#include "vectors.h"

/* Value of one hex digit, or -1. */
static int
nibble(char c)
{
	const char	*digits = "0123456789abcdef", *p;

	if (c >= 'A' && c <= 'F')
		c = (char)(c - 'A' + 'a');
	if (c == '\0' || (p = strchr(digits, c)) == NULL)
		return -1;
	return (int)(p - digits);
}

/* Decode hex text into out; the byte count or -1. */
static int
unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t	n = strlen(s), i;
	int	hi, lo;

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if ((hi = nibble(s[2 * i])) < 0 || (lo = nibble(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/* The vector's key, failing the test when it does not parse. */
static void
vector_key(const struct vector *v, struct dc09_key *k)
{
	char	err[128];

	ck_assert_int_eq(dc09_key_parse(v->key, k, err, sizeof(err)), 0);
}

/* The ciphertext of an encrypted vector ("[HEX" after the account). */
static int
vector_cipher(const struct vector *v, unsigned char *out, size_t cap)
{
	struct dc09_msg	m;
	char		hex[DC09_MAX_FRAME];

	ck_assert_int_eq(dc09_parse(v->frame, v->frame_len, &m, NULL, 0), 0);
	ck_assert(m.encrypted);
	ck_assert_int_eq(m.body[0], '[');
	ck_assert_uint_lt(m.body_len, sizeof(hex));
	memcpy(hex, m.body + 1, m.body_len - 1);
	hex[m.body_len - 1] = '\0';
	return unhex(hex, out, cap);
}

static const char *encrypted[] = {
	"sia-aes128", "sia-aes256", "cid-aes128", "null-aes-text-key",
	"pysia-null-published", "ack-aes128",
};
#define NENCRYPTED	(sizeof(encrypted) / sizeof(encrypted[0]))

/* Load the vectors before each test. */
static void
setup(void)
{
	ck_assert_int_gt(vectors_load(), 0);
}

/* Every encrypted vector decrypts with its key to the plaintext in notes. */
START_TEST(test_vectors_decrypt)
{
	const struct vector	*v = vectors_find(encrypted[_i]);
	struct dc09_key		 k;
	unsigned char		 ct[2048], pt[2048];
	char			 want[512];
	int			 n;

	ck_assert_ptr_nonnull(v);
	vector_key(v, &k);
	n = vector_cipher(v, ct, sizeof(ct));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(n % 16, 0);
	ck_assert_int_eq(vectors_quoted(v, want, sizeof(want)), 0);
	ck_assert_int_eq(dc09_crypt_decrypt(&k, ct, (size_t)n, pt), 0);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_mem_eq(pt, want, (size_t)n);
}
END_TEST

/* Encrypting the plaintext gives the vector's ciphertext back, in place too. */
START_TEST(test_vectors_roundtrip)
{
	const struct vector	*v = vectors_find(encrypted[_i]);
	struct dc09_key		 k;
	unsigned char		 ct[2048], buf[2048];
	int			 n;

	vector_key(v, &k);
	n = vector_cipher(v, ct, sizeof(ct));
	memcpy(buf, ct, (size_t)n);
	ck_assert_int_eq(dc09_crypt_decrypt(&k, buf, (size_t)n, buf), 0);
	ck_assert(memcmp(buf, ct, (size_t)n) != 0);
	ck_assert_int_eq(dc09_crypt_encrypt(&k, buf, (size_t)n, buf), 0);
	ck_assert_mem_eq(buf, ct, (size_t)n);
}
END_TEST

/* FIPS-197 appendix C single-block answers for the three key sizes. */
START_TEST(test_fips197)
{
	static const char	*keys[] = {
		"000102030405060708090a0b0c0d0e0f",
		"000102030405060708090a0b0c0d0e0f1011121314151617",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	};
	static const char	*cts[] = {
		"69c4e0d86a7b0430d8cdb78070b4c55a",
		"dda97ca4864cdfe06eaf70a0ec0d7191",
		"8ea2b7ca516745bfeafc49904b496089",
	};
	struct dc09_key		 k;
	unsigned char		 pt[16], out[16], want[16];

	unhex("00112233445566778899aabbccddeeff", pt, sizeof(pt));
	ck_assert_int_eq(dc09_key_parse(keys[_i], &k, NULL, 0), 0);
	ck_assert_uint_eq(k.len, 16 + 8 * (size_t)_i);
	unhex(cts[_i], want, sizeof(want));
	ck_assert_int_eq(dc09_crypt_encrypt(&k, pt, 16, out), 0);
	ck_assert_mem_eq(out, want, 16);
	ck_assert_int_eq(dc09_crypt_decrypt(&k, out, 16, out), 0);
	ck_assert_mem_eq(out, pt, 16);
}
END_TEST

/* CBC chains blocks: equal plaintext blocks give different ciphertext. */
START_TEST(test_cbc_chaining)
{
	struct dc09_key	k;
	unsigned char	pt[64], ct[64], back[64];
	size_t		i;

	ck_assert_int_eq(dc09_key_parse("text:0123456789abcdefghijklmnopqrstuv",
	    &k, NULL, 0), 0);
	memset(pt, 'x', sizeof(pt));
	ck_assert_int_eq(dc09_crypt_encrypt(&k, pt, sizeof(pt), ct), 0);
	for (i = 16; i < sizeof(ct); i += 16)
		ck_assert(memcmp(ct, ct + i, 16) != 0);
	ck_assert_int_eq(dc09_crypt_decrypt(&k, ct, sizeof(ct), back), 0);
	ck_assert_mem_eq(back, pt, sizeof(pt));
}
END_TEST

/* A wrong key decrypts to something else. */
START_TEST(test_wrong_key)
{
	const struct vector	*v = vectors_find("sia-aes128");
	struct dc09_key		 good, bad;
	unsigned char		 ct[2048], a[2048], b[2048];
	int			 n;

	vector_key(v, &good);
	bad = good;
	bad.bytes[15] ^= 1;
	n = vector_cipher(v, ct, sizeof(ct));
	ck_assert_int_eq(dc09_crypt_decrypt(&good, ct, (size_t)n, a), 0);
	ck_assert_int_eq(dc09_crypt_decrypt(&bad, ct, (size_t)n, b), 0);
	ck_assert(memcmp(a, b, (size_t)n) != 0);
	ck_assert(memmem(b, (size_t)n, "Nri2/FA02", 9) == NULL);
	ck_assert_ptr_nonnull(memmem(a, (size_t)n, "Nri2/FA02", 9));
}
END_TEST

/* Lengths that are not whole blocks and unusable keys are refused. */
START_TEST(test_bad_args)
{
	struct dc09_key	k;
	unsigned char	buf[32] = { 0 };

	ck_assert_int_eq(dc09_key_parse("00112233445566778899AABBCCDDEEFF",
	    &k, NULL, 0), 0);
	ck_assert_int_eq(dc09_crypt_encrypt(&k, buf, 15, buf), -1);
	ck_assert_int_eq(dc09_crypt_decrypt(&k, buf, 17, buf), -1);
	ck_assert_int_eq(dc09_crypt_decrypt(NULL, buf, 16, buf), -1);
	k.len = 20;
	ck_assert_int_eq(dc09_crypt_encrypt(&k, buf, 16, buf), -1);
	k.len = 0;
	ck_assert_int_eq(dc09_crypt_decrypt(&k, buf, 16, buf), -1);
}
END_TEST

/* Hex and text keys of every size parse to the right bytes. */
START_TEST(test_key_parse_good)
{
	struct dc09_key	k;
	char		err[128] = "";

	ck_assert_int_eq(dc09_key_parse("00112233445566778899aabbccddeeFF",
	    &k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.len, 16);
	ck_assert_int_eq(k.bytes[0], 0x00);
	ck_assert_int_eq(k.bytes[1], 0x11);
	ck_assert_int_eq(k.bytes[10], 0xAA);
	ck_assert_int_eq(k.bytes[15], 0xFF);
	ck_assert_int_eq(dc09_key_parse("0102030405060708090A0B0C0D0E0F10"
	    "1112131415161718", &k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.len, 24);
	ck_assert_int_eq(k.bytes[23], 0x18);
	ck_assert_int_eq(dc09_key_parse("000102030405060708090A0B0C0D0E0F"
	    "101112131415161718191A1B1C1D1E1F", &k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.len, 32);
	ck_assert_int_eq(k.bytes[31], 0x1F);
	ck_assert_int_eq(dc09_key_parse("text:AAAAAAAAAAAAAAAA", &k, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(k.len, 16);
	ck_assert_mem_eq(k.bytes, "AAAAAAAAAAAAAAAA", 16);
	ck_assert_int_eq(dc09_key_parse("text:abcdefghijklmnopqrstuvwx", &k,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(k.len, 24);
	ck_assert_int_eq(dc09_key_parse("text:0011223344556677889900112233445|",
	    &k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.len, 32);
	ck_assert_int_eq(k.bytes[31], '|');
}
END_TEST

/* Wrong lengths, non-hex digits and bad text keys are refused with a reason. */
START_TEST(test_key_parse_bad)
{
	static const char	*bad[] = {
		"",
		"0011223344556677889900112233445",	/* 31 digits */
		"001122334455667788990011223344556",	/* 33 digits */
		"00112233445566778899AABBCCDDEEFG",	/* non-hex */
		"0011223344556677 8899AABBCCDDEEF",
		"text:AAAAAAAAAAAAAAA",			/* 15 chars */
		"text:AAAAAAAAAAAAAAAAA",		/* 17 chars */
		"text:",
		"TEXT:AAAAAAAAAAAAAAAA",
		"0x00112233445566778899AABBCCDDEE",
	};
	struct dc09_key		 k;
	char			 err[128];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(dc09_key_parse(bad[i], &k, err, sizeof(err)) == -1,
		    "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for \"%s\"", bad[i]);
		ck_assert_uint_eq(k.len, 0);
	}
}
END_TEST

/* The suite of this module. */
static Suite *
crypt_suite(void)
{
	Suite	*s = suite_create("dc09_crypt");
	TCase	*tc;

	tc = tcase_create("vectors");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_vectors_decrypt, 0, NENCRYPTED);
	tcase_add_loop_test(tc, test_vectors_roundtrip, 0, NENCRYPTED);
	tcase_add_test(tc, test_wrong_key);
	suite_add_tcase(s, tc);
	tc = tcase_create("cipher");
	tcase_add_loop_test(tc, test_fips197, 0, 3);
	tcase_add_test(tc, test_cbc_chaining);
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_add_test(tc, test_key_parse_good);
	tcase_add_test(tc, test_key_parse_bad);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; non-zero exit when a test failed. */
int
main(void)
{
	SRunner	*sr = srunner_create(crypt_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
