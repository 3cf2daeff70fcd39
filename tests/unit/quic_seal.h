/*
 * quic_seal.h - the sender's side of QUIC Initial protection (RFC 9001
 * §5.3-5.4), for tests and the fuzz harness only: it builds v1 Initial
 * packets around chosen frames so the receiver's code can be driven past
 * the AEAD. tlsscope itself never seals anything.
 */
#ifndef TLSSCOPE_QUIC_SEAL_H
#define TLSSCOPE_QUIC_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "quic.h"

/*
 * A v1 Initial from the holder of `k`: DCID `dcid`, empty SCID and token,
 * a 4-byte packet number `pn`, the frames `plain` (n bytes). Returns the
 * packet's length in `out`, 0 if it does not fit in `cap`.
 */
static inline size_t quic_seal_initial(const struct quic_packet_keys *k, const uint8_t *dcid,
                                       uint8_t dcid_len, uint32_t pn, const uint8_t *plain, size_t n,
                                       uint8_t *out, size_t cap)
{
	/* first byte (4-byte packet number), version, DCID, SCID, token length, Length (2-byte varint) */
	size_t hdr = 1 + 4 + 1 + (size_t)dcid_len + 1 + 1 + 2, total = hdr + 4 + n + 16;
	if (total > cap || 4 + n + 16 > 0x3fff)
		return 0;
	uint8_t *p = out;
	*p++ = 0xc3;
	*p++ = 0, *p++ = 0, *p++ = 0, *p++ = 1;
	*p++ = dcid_len;
	memcpy(p, dcid, dcid_len);
	p += dcid_len;
	*p++ = 0;
	*p++ = 0;
	*p++ = (uint8_t)(0x40 | ((4 + n + 16) >> 8));
	*p++ = (uint8_t)(4 + n + 16);
	for (int i = 3; i >= 0; i--)
		*p++ = (uint8_t)(pn >> (8 * i));
	uint8_t nonce[12];
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0;
	bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce) == 1 &&
	          EVP_EncryptUpdate(c, NULL, &len, out, (int)(hdr + 4)) == 1 &&
	          EVP_EncryptUpdate(c, out + hdr + 4, &len, plain, (int)n) == 1 &&
	          EVP_EncryptFinal_ex(c, out + hdr + 4 + n, &len) == 1 &&
	          EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + hdr + 4 + n) == 1;
	EVP_CIPHER_CTX_free(c);
	uint8_t mask[16];
	c = EVP_CIPHER_CTX_new();
	ok = ok && c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL) == 1 &&
	     EVP_EncryptUpdate(c, mask, &len, out + hdr + 4, 16) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return 0;
	out[0] ^= mask[0] & 0x0f;
	for (size_t i = 0; i < 4; i++)
		out[hdr + i] ^= mask[1 + i];
	return total;
}

#endif
