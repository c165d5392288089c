/* dc09_crypt.c - AES-CBC (zero IV, no padding) for DC-09 via OpenSSL EVP. */
#include "config.h"

#include <limits.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "dc09.h"
#include "dc09_crypt.h"

/* The cipher for a key length, or NULL for an unsupported length. */
static const EVP_CIPHER *
crypt_cipher(size_t keylen)
{
	switch (keylen) {
	case 16:
		return EVP_aes_128_cbc();
	case 24:
		return EVP_aes_192_cbc();
	case 32:
		return EVP_aes_256_cbc();
	default:
		return NULL;
	}
}

/*
 * Run AES-CBC with an all-zero IV over whole blocks; enc is 1 to encrypt,
 * 0 to decrypt.  One context per call: cheap next to the cipher work and
 * keeps the module free of hidden state.
 */
static int
crypt_run(const struct dc09_key *k, const unsigned char *in, size_t len,
    unsigned char *out, int enc)
{
	static const unsigned char iv[16];
	const EVP_CIPHER	*cipher;
	EVP_CIPHER_CTX		*ctx;
	int			 outl, finl, rc = -1;

	if (k == NULL || (cipher = crypt_cipher(k->len)) == NULL)
		return -1;
	if (len % 16 != 0 || len > INT_MAX)
		return -1;
	if (len == 0)
		return 0;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_CipherInit_ex(ctx, cipher, NULL, k->bytes, iv, enc) != 1)
		goto fail;
	if (EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto fail;
	if (EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1)
		goto fail;
	if (EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1)
		goto fail;
	if ((size_t)outl + (size_t)finl == len)
		rc = 0;
fail:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Decrypt len bytes (a multiple of 16) from in to out. */
int
dc09_crypt_decrypt(const struct dc09_key *k, const unsigned char *in,
    size_t len, unsigned char *out)
{
	return crypt_run(k, in, len, out, 0);
}

/* Encrypt len bytes (a multiple of 16) from in to out. */
int
dc09_crypt_encrypt(const struct dc09_key *k, const unsigned char *in,
    size_t len, unsigned char *out)
{
	return crypt_run(k, in, len, out, 1);
}
