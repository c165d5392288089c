/* dc09_crypt.h - AES-CBC (zero IV, no padding) for DC-09 blocks via OpenSSL EVP. */
#ifndef PCOD_DC09_CRYPT_H
#define PCOD_DC09_CRYPT_H

#include <stddef.h>

struct dc09_key;

/* len must be a multiple of 16; in and out may be the same.  0 or -1. */
int	dc09_crypt_decrypt(const struct dc09_key *k, const unsigned char *in,
	    size_t len, unsigned char *out);
int	dc09_crypt_encrypt(const struct dc09_key *k, const unsigned char *in,
	    size_t len, unsigned char *out);

#endif
