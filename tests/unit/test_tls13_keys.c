/*
 * test_tls13_keys.c - HKDF-Expand-Label against published vectors: the
 * QUIC v1 Initial keys of RFC 9001 Appendix A.1, which run the TLS 1.3
 * label construction end to end (extract, "client in", "quic key/iv/hp").
 */
#include <stdlib.h>

#include "check.h"
#include "tls13_keys.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static bool same(const uint8_t *a, const char *hex, size_t n)
{
	uint8_t b[64];
	unhex(hex, b, n);
	return memcmp(a, b, n) == 0;
}

int main(void)
{
	const EVP_MD *md = EVP_sha256();
	uint8_t salt[20], dcid[8], initial[32], client[32], key[16], iv[12], hp[16], server[32];
	unhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a", salt, sizeof(salt));
	unhex("8394c8f03e515708", dcid, sizeof(dcid));

	CHECK(tls13_hkdf_extract(md, salt, sizeof(salt), dcid, sizeof(dcid), initial));
	CHECK(same(initial, "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44", 32));

	CHECK(tls13_hkdf_expand_label(md, initial, 32, "client in", NULL, 0, client, sizeof(client)));
	CHECK(same(client, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", 32));
	CHECK(tls13_hkdf_expand_label(md, client, 32, "quic key", NULL, 0, key, sizeof(key)));
	CHECK(same(key, "1f369613dd76d5467730efcbe3b1a22d", 16));
	CHECK(tls13_hkdf_expand_label(md, client, 32, "quic iv", NULL, 0, iv, sizeof(iv)));
	CHECK(same(iv, "fa044b2f42a3fd3b46fb255c", 12));
	CHECK(tls13_hkdf_expand_label(md, client, 32, "quic hp", NULL, 0, hp, sizeof(hp)));
	CHECK(same(hp, "9f50449e04a0e810283a1e9933adedd2", 16));

	CHECK(tls13_hkdf_expand_label(md, initial, 32, "server in", NULL, 0, server, sizeof(server)));
	CHECK(same(server, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", 32));

	/* A label too long for the one-byte length is refused, not cut. */
	char long_label[260];
	memset(long_label, 'a', sizeof(long_label) - 1);
	long_label[sizeof(long_label) - 1] = 0;
	CHECK(!tls13_hkdf_expand_label(md, initial, 32, long_label, NULL, 0, key, sizeof(key)));

	return check_report("test_tls13_keys");
}
