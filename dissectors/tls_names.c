/*
 * tls_names.c - IANA names for TLS code points, in one set of tables.
 *
 * Owns the {value, "name"} tables behind tls_names.h. Every table is sorted
 * by value and ends in a {0, NULL} sentinel (so it can also be walked without
 * a length); lookups are a binary search over the entries before the
 * sentinel, since the hot path names every suite, extension and group of
 * every connection. The unit test checks that each table stays sorted and
 * free of duplicates.
 *
 * Names are spelled as the IANA registries spell them ("TLS Cipher Suites",
 * "TLS ExtensionType Values", "TLS Alerts", "TLS HandshakeType", "TLS
 * Supported Groups", "TLS SignatureScheme", "TLS EC Point Format",
 * "TLS ContentType"), which for cipher suites is also what tshark prints.
 * Values that were never registered but are seen on the wire are kept too,
 * each under a comment that says where it comes from. GREASE values (RFC
 * 8701) have no name: callers ask tls_is_grease().
 */
#include "tls_names.h"

#include <stdio.h>
#include <string.h>

struct tls_value_name {
	uint16_t value;
	const char *name;
};

#define NAMES_LEN(t) (sizeof(t) / sizeof((t)[0]) - 1) /* entries before the sentinel */

/* Binary search of a table sorted by value. */
static const char *names_find(const struct tls_value_name *t, size_t n, uint16_t value)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].value == value)
			return t[mid].name;
		if (t[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* clang-format off */
/*
 * IANA "TLS Cipher Suites" (every assigned value; GREASE and the reserved
 * ranges have no name), cross-checked against `tshark -G values` (the unit
 * test holds tshark's list and compares every entry).
 */
static const struct tls_value_name cipher_suites[] = {
	{ 0x0000, "TLS_NULL_WITH_NULL_NULL" },
	{ 0x0001, "TLS_RSA_WITH_NULL_MD5" },
	{ 0x0002, "TLS_RSA_WITH_NULL_SHA" },
	{ 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" },
	{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
	{ 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" },
	{ 0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA" },
	{ 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0009, "TLS_RSA_WITH_DES_CBC_SHA" },
	{ 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x000b, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x000c, "TLS_DH_DSS_WITH_DES_CBC_SHA" },
	{ 0x000d, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0x000e, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x000f, "TLS_DH_RSA_WITH_DES_CBC_SHA" },
	{ 0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA" },
	{ 0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA" },
	{ 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5" },
	{ 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5" },
	{ 0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x001a, "TLS_DH_anon_WITH_DES_CBC_SHA" },
	{ 0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
	/* Not in the IANA registry: SSL 3.0 FORTEZZA suites; IANA reserves the values to avoid
	 * conflicts with SSLv3. */
	{ 0x001c, "SSL_FORTEZZA_KEA_WITH_NULL_SHA" },
	{ 0x001d, "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA" },
	{ 0x001e, "TLS_KRB5_WITH_DES_CBC_SHA" },
	{ 0x001f, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0020, "TLS_KRB5_WITH_RC4_128_SHA" },
	{ 0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA" },
	{ 0x0022, "TLS_KRB5_WITH_DES_CBC_MD5" },
	{ 0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5" },
	{ 0x0024, "TLS_KRB5_WITH_RC4_128_MD5" },
	{ 0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5" },
	{ 0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA" },
	{ 0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA" },
	{ 0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA" },
	{ 0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5" },
	{ 0x002a, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5" },
	{ 0x002b, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5" },
	{ 0x002c, "TLS_PSK_WITH_NULL_SHA" },
	{ 0x002d, "TLS_DHE_PSK_WITH_NULL_SHA" },
	{ 0x002e, "TLS_RSA_PSK_WITH_NULL_SHA" },
	{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA" },
	{ 0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" },
	{ 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA" },
	{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA" },
	{ 0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" },
	{ 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA" },
	{ 0x003b, "TLS_RSA_WITH_NULL_SHA256" },
	{ 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x003e, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256" },
	{ 0x003f, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" },
	{ 0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" },
	/* Not in the IANA registry: 56-bit export suites of draft-ietf-tls-56-bit-ciphersuites (old
	 * OpenSSL, Windows); IANA: reserved. */
	{ 0x0060, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5" },
	{ 0x0061, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5" },
	{ 0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA" },
	{ 0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA" },
	{ 0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA" },
	{ 0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA" },
	{ 0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA" },
	{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256" },
	{ 0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" },
	{ 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256" },
	{ 0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256" },
	/* Not in the IANA registry: GOST 28147-89 suites of draft-chudov-cryptopro-cptls. */
	{ 0x0080, "TLS_GOSTR341094_WITH_28147_CNT_IMIT" },
	{ 0x0081, "TLS_GOSTR341001_WITH_28147_CNT_IMIT" },
	{ 0x0082, "TLS_GOSTR341094_WITH_NULL_GOSTR3411" },
	{ 0x0083, "TLS_GOSTR341001_WITH_NULL_GOSTR3411" },
	{ 0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x008a, "TLS_PSK_WITH_RC4_128_SHA" },
	{ 0x008b, "TLS_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x008e, "TLS_DHE_PSK_WITH_RC4_128_SHA" },
	{ 0x008f, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA" },
	{ 0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x0096, "TLS_RSA_WITH_SEED_CBC_SHA" },
	{ 0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA" },
	{ 0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA" },
	{ 0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA" },
	{ 0x009a, "TLS_DHE_RSA_WITH_SEED_CBC_SHA" },
	{ 0x009b, "TLS_DH_anon_WITH_SEED_CBC_SHA" },
	{ 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x00a0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x00a1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" },
	{ 0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" },
	{ 0x00a4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256" },
	{ 0x00a5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384" },
	{ 0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256" },
	{ 0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384" },
	{ 0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00aa, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00ab, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00ac, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00ad, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00ae, "TLS_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00af, "TLS_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00b0, "TLS_PSK_WITH_NULL_SHA256" },
	{ 0x00b1, "TLS_PSK_WITH_NULL_SHA384" },
	{ 0x00b2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00b3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00b4, "TLS_DHE_PSK_WITH_NULL_SHA256" },
	{ 0x00b5, "TLS_DHE_PSK_WITH_NULL_SHA384" },
	{ 0x00b6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00b7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00b8, "TLS_RSA_PSK_WITH_NULL_SHA256" },
	{ 0x00b9, "TLS_RSA_PSK_WITH_NULL_SHA384" },
	{ 0x00ba, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bb, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bc, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bd, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00be, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00bf, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00c0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" },
	{ 0x00c6, "TLS_SM4_GCM_SM3" },
	{ 0x00c7, "TLS_SM4_CCM_SM3" },
	{ 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	/* IANA first listed 0x1306 as TLS_AEGIS_256_SHA384 and corrected it to SHA512 (tshark 4.0
	 * predates both AEGIS entries). */
	{ 0x1306, "TLS_AEGIS_256_SHA512" },
	{ 0x1307, "TLS_AEGIS_128L_SHA256" },
	{ 0x5600, "TLS_FALLBACK_SCSV" },
	{ 0xc001, "TLS_ECDH_ECDSA_WITH_NULL_SHA" },
	{ 0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" },
	{ 0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA" },
	{ 0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" },
	{ 0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc00b, "TLS_ECDH_RSA_WITH_NULL_SHA" },
	{ 0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA" },
	{ 0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA" },
	{ 0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
	{ 0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc015, "TLS_ECDH_anon_WITH_NULL_SHA" },
	{ 0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA" },
	{ 0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" },
	{ 0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" },
	{ 0xc01a, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc01b, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc01c, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc01d, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA" },
	{ 0xc01e, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc01f, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA" },
	{ 0xc020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA" },
	{ 0xc021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA" },
	{ 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA" },
	{ 0xc034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" },
	{ 0xc036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA" },
	{ 0xc037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0xc038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0xc039, "TLS_ECDHE_PSK_WITH_NULL_SHA" },
	{ 0xc03a, "TLS_ECDHE_PSK_WITH_NULL_SHA256" },
	{ 0xc03b, "TLS_ECDHE_PSK_WITH_NULL_SHA384" },
	{ 0xc03c, "TLS_RSA_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc03d, "TLS_RSA_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc03e, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc03f, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc04a, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc04b, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc04c, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc04d, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc04e, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc04f, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc05a, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc05b, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc05c, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc05d, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc05e, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc05f, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc06a, "TLS_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc06b, "TLS_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc06c, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc06d, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc06e, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256" },
	{ 0xc06f, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384" },
	{ 0xc070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256" },
	{ 0xc071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384" },
	{ 0xc072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc07a, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc07b, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc07c, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc07d, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc07e, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc07f, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc08a, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc08b, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc08c, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc08d, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc08e, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc08f, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256" },
	{ 0xc093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384" },
	{ 0xc094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc09a, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0xc09b, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
	{ 0xc09c, "TLS_RSA_WITH_AES_128_CCM" },
	{ 0xc09d, "TLS_RSA_WITH_AES_256_CCM" },
	{ 0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM" },
	{ 0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM" },
	{ 0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8" },
	{ 0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8" },
	{ 0xc0a2, "TLS_DHE_RSA_WITH_AES_128_CCM_8" },
	{ 0xc0a3, "TLS_DHE_RSA_WITH_AES_256_CCM_8" },
	{ 0xc0a4, "TLS_PSK_WITH_AES_128_CCM" },
	{ 0xc0a5, "TLS_PSK_WITH_AES_256_CCM" },
	{ 0xc0a6, "TLS_DHE_PSK_WITH_AES_128_CCM" },
	{ 0xc0a7, "TLS_DHE_PSK_WITH_AES_256_CCM" },
	{ 0xc0a8, "TLS_PSK_WITH_AES_128_CCM_8" },
	{ 0xc0a9, "TLS_PSK_WITH_AES_256_CCM_8" },
	{ 0xc0aa, "TLS_PSK_DHE_WITH_AES_128_CCM_8" },
	{ 0xc0ab, "TLS_PSK_DHE_WITH_AES_256_CCM_8" },
	{ 0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
	{ 0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" },
	{ 0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" },
	{ 0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
	{ 0xc0b0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256" },
	{ 0xc0b1, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384" },
	{ 0xc0b2, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256" },
	{ 0xc0b3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384" },
	{ 0xc0b4, "TLS_SHA256_SHA256" },
	{ 0xc0b5, "TLS_SHA384_SHA384" },
	/* Not in the IANA registry: EC J-PAKE (draft-cragie-tls-ecjpake; mbed TLS, Thread). */
	{ 0xc0ff, "TLS_ECJPAKE_WITH_AES_128_CCM_8" },
	{ 0xc100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC" },
	{ 0xc101, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC" },
	{ 0xc102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT" },
	{ 0xc103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L" },
	{ 0xc104, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L" },
	{ 0xc105, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S" },
	{ 0xc106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S" },
	/* Not in the IANA registry: Chrome's ChaCha20-Poly1305 of draft-agl-tls-chacha20poly1305,
	 * before RFC 7905 moved it to 0xcca8..: same name as the RFC suite in tshark, "_OLD" here (as
	 * Zeek does) to tell them apart. */
	{ 0xcc13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD" },
	{ 0xcc14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD" },
	{ 0xcc15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD" },
	{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccab, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccac, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccad, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccae, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xd001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0xd002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0xd003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256" },
	{ 0xd005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256" },
	/* Not in the IANA registry: Chinese TLCP (GB/T 38636-2020) suites, as Wireshark names them. */
	{ 0xe001, "ECDHE_SM1_SM3" },
	{ 0xe003, "ECC_SM1_SM3" },
	{ 0xe005, "IBSDH_SM1_SM3" },
	{ 0xe007, "IBC_SM1_SM3" },
	{ 0xe009, "RSA_SM1_SM3" },
	{ 0xe00a, "RSA_SM1_SHA1" },
	{ 0xe011, "ECDHE_SM4_CBC_SM3" },
	{ 0xe013, "ECC_SM4_CBC_SM3" },
	{ 0xe015, "IBSDH_SM4_CBC_SM3" },
	{ 0xe017, "IBC_SM4_CBC_SM3" },
	{ 0xe019, "RSA_SM4_CBC_SM3" },
	{ 0xe01a, "RSA_SM4_CBC_SHA1" },
	{ 0xe01c, "RSA_SM4_CBC_SHA256" },
	{ 0xe051, "ECDHE_SM4_GCM_SM3" },
	{ 0xe053, "ECC_SM4_GCM_SM3" },
	{ 0xe055, "IBSDH_SM4_GCM_SM3" },
	{ 0xe057, "IBC_SM4_GCM_SM3" },
	{ 0xe059, "RSA_SM4_GCM_SM3" },
	{ 0xe05a, "RSA_SM4_GCM_SHA256" },
	/* Not in the IANA registry: Salsa20 suites of draft-josefsson-salsa20-tls. */
	{ 0xe410, "TLS_RSA_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe411, "TLS_RSA_WITH_SALSA20_SHA1" },
	{ 0xe412, "TLS_ECDHE_RSA_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe413, "TLS_ECDHE_RSA_WITH_SALSA20_SHA1" },
	{ 0xe414, "TLS_ECDHE_ECDSA_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe415, "TLS_ECDHE_ECDSA_WITH_SALSA20_SHA1" },
	{ 0xe416, "TLS_PSK_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe417, "TLS_PSK_WITH_SALSA20_SHA1" },
	{ 0xe418, "TLS_ECDHE_PSK_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe419, "TLS_ECDHE_PSK_WITH_SALSA20_SHA1" },
	{ 0xe41a, "TLS_RSA_PSK_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe41b, "TLS_RSA_PSK_WITH_SALSA20_SHA1" },
	{ 0xe41c, "TLS_DHE_PSK_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe41d, "TLS_DHE_PSK_WITH_SALSA20_SHA1" },
	{ 0xe41e, "TLS_DHE_RSA_WITH_ESTREAM_SALSA20_SHA1" },
	{ 0xe41f, "TLS_DHE_RSA_WITH_SALSA20_SHA1" },
	/* Not in the IANA registry: Netscape's SSL 3.0 FIPS suites (IANA: reserved, and 0xff00..
	 * private use). */
	{ 0xfefe, "SSL_RSA_FIPS_WITH_DES_CBC_SHA" },
	{ 0xfeff, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA" },
	{ 0xffe0, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA" },
	{ 0xffe1, "SSL_RSA_FIPS_WITH_DES_CBC_SHA" },
	{ 0, NULL }
};

/* IANA "TLS ExtensionType Values", plus deployed code points IANA never assigned. */
static const struct tls_value_name extensions[] = {
	{ 0, "server_name" },
	{ 1, "max_fragment_length" },
	{ 2, "client_certificate_url" },
	{ 3, "trusted_ca_keys" },
	{ 4, "truncated_hmac" },
	{ 5, "status_request" },
	{ 6, "user_mapping" },
	{ 7, "client_authz" },
	{ 8, "server_authz" },
	{ 9, "cert_type" },
	{ 10, "supported_groups" },
	{ 11, "ec_point_formats" },
	{ 12, "srp" },
	{ 13, "signature_algorithms" },
	{ 14, "use_srtp" },
	{ 15, "heartbeat" },
	{ 16, "application_layer_protocol_negotiation" },
	{ 17, "status_request_v2" },
	{ 18, "signed_certificate_timestamp" },
	{ 19, "client_certificate_type" },
	{ 20, "server_certificate_type" },
	{ 21, "padding" },
	{ 22, "encrypt_then_mac" },
	{ 23, "extended_master_secret" },
	{ 24, "token_binding" },
	{ 25, "cached_info" },
	{ 26, "tls_lts" },
	{ 27, "compress_certificate" },
	{ 28, "record_size_limit" },
	{ 29, "pwd_protect" },
	{ 30, "pwd_clear" },
	{ 31, "password_salt" },
	{ 32, "ticket_pinning" },
	{ 33, "tls_cert_with_extern_psk" },
	{ 34, "delegated_credential" },
	{ 35, "session_ticket" },
	{ 36, "TLMSP" },
	{ 37, "TLMSP_proxying" },
	{ 38, "TLMSP_delegate" },
	{ 39, "supported_ekt_ciphers" },
	/* 40 and 46 are reserved: key_share and ticket_early_data_info of TLS 1.3 drafts. */
	{ 41, "pre_shared_key" },
	{ 42, "early_data" },
	{ 43, "supported_versions" },
	{ 44, "cookie" },
	{ 45, "psk_key_exchange_modes" },
	{ 47, "certificate_authorities" },
	{ 48, "oid_filters" },
	{ 49, "post_handshake_auth" },
	{ 50, "signature_algorithms_cert" },
	{ 51, "key_share" },
	{ 52, "transparency_info" },
	{ 53, "connection_id (deprecated)" },
	{ 54, "connection_id" },
	{ 55, "external_id_hash" },
	{ 56, "external_session_id" },
	{ 57, "quic_transport_parameters" },
	{ 58, "ticket_request" },
	{ 59, "dnssec_chain" },
	{ 60, "sequence_number_encryption_algorithms" },
	{ 61, "rrc" },
	{ 62, "tls_flags" },
	/* Not in the IANA registry: NPN (draft-agl-tls-nextprotoneg). */
	{ 13172, "next_protocol_negotiation" },
	/* Not in the IANA registry: ALPS (draft-vvv-tls-alps), Chrome's first and second code points. */
	{ 17513, "application_settings" },
	{ 17613, "application_settings_new" },
	/* Not in the IANA registry: Channel ID (draft-balfanz-tls-channelid). */
	{ 30031, "channel_id_old" },
	{ 30032, "channel_id" },
	{ 0xfd00, "ech_outer_extensions" },
	{ 0xfe0d, "encrypted_client_hello" },
	{ 0xff01, "renegotiation_info" },
	/* Not in the IANA registry: QUIC transport parameters of QUIC drafts before -34. */
	{ 0xffa5, "quic_transport_parameters_draft" },
	/* Not in the IANA registry: ESNI (draft-ietf-tls-esni-00..-06). */
	{ 0xffce, "encrypted_server_name" },
	{ 0, NULL }
};

/* IANA "TLS Alerts" (RFC 8446 6, with the SSL 3.0 / TLS 1.0 ones that are reserved now). */
static const struct tls_value_name alerts[] = {
	{ 0, "close_notify" },
	{ 10, "unexpected_message" },
	{ 20, "bad_record_mac" },
	{ 21, "decryption_failed" },
	{ 22, "record_overflow" },
	{ 30, "decompression_failure" },
	{ 40, "handshake_failure" },
	{ 41, "no_certificate" },
	{ 42, "bad_certificate" },
	{ 43, "unsupported_certificate" },
	{ 44, "certificate_revoked" },
	{ 45, "certificate_expired" },
	{ 46, "certificate_unknown" },
	{ 47, "illegal_parameter" },
	{ 48, "unknown_ca" },
	{ 49, "access_denied" },
	{ 50, "decode_error" },
	{ 51, "decrypt_error" },
	{ 52, "too_many_cids_requested" },
	{ 60, "export_restriction" },
	{ 70, "protocol_version" },
	{ 71, "insufficient_security" },
	{ 80, "internal_error" },
	{ 86, "inappropriate_fallback" },
	{ 90, "user_canceled" },
	{ 100, "no_renegotiation" },
	{ 109, "missing_extension" },
	{ 110, "unsupported_extension" },
	{ 111, "certificate_unobtainable" },
	{ 112, "unrecognized_name" },
	{ 113, "bad_certificate_status_response" },
	{ 114, "bad_certificate_hash_value" },
	{ 115, "unknown_psk_identity" },
	{ 116, "certificate_required" },
	{ 120, "no_application_protocol" },
	{ 121, "ech_required" },
	{ 0, NULL }
};

static const struct tls_value_name alert_levels[] = {
	{ 1, "warning" },
	{ 2, "fatal" },
	{ 0, NULL }
};

/* IANA "TLS HandshakeType". */
static const struct tls_value_name handshake_types[] = {
	{ 0, "hello_request" },
	{ 1, "client_hello" },
	{ 2, "server_hello" },
	{ 3, "hello_verify_request" },
	{ 4, "new_session_ticket" },
	{ 5, "end_of_early_data" },
	{ 6, "hello_retry_request" }, /* TLS 1.3 drafts only; a ServerHello in RFC 8446 */
	{ 8, "encrypted_extensions" },
	{ 9, "request_connection_id" },
	{ 10, "new_connection_id" },
	{ 11, "certificate" },
	{ 12, "server_key_exchange" },
	{ 13, "certificate_request" },
	{ 14, "server_hello_done" },
	{ 15, "certificate_verify" },
	{ 16, "client_key_exchange" },
	{ 17, "client_certificate_request" },
	{ 20, "finished" },
	{ 21, "certificate_url" },
	{ 22, "certificate_status" },
	{ 23, "supplemental_data" },
	{ 24, "key_update" },
	{ 25, "compressed_certificate" },
	{ 26, "ekt_key" },
	/* Not in the IANA registry: NPN's NextProtocol message (draft-agl-tls-nextprotoneg). */
	{ 67, "next_protocol" },
	{ 254, "message_hash" },
	{ 0, NULL }
};

/*
 * IANA "TLS Supported Groups" (RFC 8422 5.1.1 curves, RFC 7919 FFDHE groups,
 * the ML-KEM and hybrid post-quantum groups), plus pre-standard PQ hybrids.
 */
static const struct tls_value_name groups[] = {
	{ 1, "sect163k1" },
	{ 2, "sect163r1" },
	{ 3, "sect163r2" },
	{ 4, "sect193r1" },
	{ 5, "sect193r2" },
	{ 6, "sect233k1" },
	{ 7, "sect233r1" },
	{ 8, "sect239k1" },
	{ 9, "sect283k1" },
	{ 10, "sect283r1" },
	{ 11, "sect409k1" },
	{ 12, "sect409r1" },
	{ 13, "sect571k1" },
	{ 14, "sect571r1" },
	{ 15, "secp160k1" },
	{ 16, "secp160r1" },
	{ 17, "secp160r2" },
	{ 18, "secp192k1" },
	{ 19, "secp192r1" },
	{ 20, "secp224k1" },
	{ 21, "secp224r1" },
	{ 22, "secp256k1" },
	{ 23, "secp256r1" },
	{ 24, "secp384r1" },
	{ 25, "secp521r1" },
	{ 26, "brainpoolP256r1" },
	{ 27, "brainpoolP384r1" },
	{ 28, "brainpoolP512r1" },
	{ 29, "x25519" },
	{ 30, "x448" },
	{ 31, "brainpoolP256r1tls13" },
	{ 32, "brainpoolP384r1tls13" },
	{ 33, "brainpoolP512r1tls13" },
	{ 34, "GC256A" },
	{ 35, "GC256B" },
	{ 36, "GC256C" },
	{ 37, "GC256D" },
	{ 38, "GC512A" },
	{ 39, "GC512B" },
	{ 40, "GC512C" },
	{ 41, "curveSM2" },
	{ 256, "ffdhe2048" },
	{ 257, "ffdhe3072" },
	{ 258, "ffdhe4096" },
	{ 259, "ffdhe6144" },
	{ 260, "ffdhe8192" },
	{ 0x0200, "MLKEM512" },
	{ 0x0201, "MLKEM768" },
	{ 0x0202, "MLKEM1024" },
	{ 0x11eb, "SecP256r1MLKEM768" },
	{ 0x11ec, "X25519MLKEM768" },
	{ 0x11ed, "SecP384r1MLKEM1024" },
	{ 0x6399, "X25519Kyber768Draft00" },
	{ 0x639a, "SecP256r1Kyber768Draft00" },
	/* Not in the IANA registry: Cloudflare's and Chrome's early Kyber experiments. */
	{ 0xfe30, "X25519Kyber512Draft00" },
	{ 0xfe31, "X25519Kyber768Draft00Old" },
	{ 0xff01, "arbitrary_explicit_prime_curves" },
	{ 0xff02, "arbitrary_explicit_char2_curves" },
	{ 0, NULL }
};

/*
 * IANA "TLS SignatureScheme" (RFC 8446 4.2.3). The TLS 1.2 hash/signature
 * pairs (RFC 5246 7.4.1.4.1) that RFC 8446 did not name are written
 * "<signature>_<hash>": 0x0101 "rsa_md5", 0x0402 "dsa_sha256".
 */
static const struct tls_value_name signature_schemes[] = {
	{ 0x0101, "rsa_md5" },
	{ 0x0102, "dsa_md5" },
	{ 0x0103, "ecdsa_md5" },
	{ 0x0201, "rsa_pkcs1_sha1" },
	{ 0x0202, "dsa_sha1" },
	{ 0x0203, "ecdsa_sha1" },
	{ 0x0301, "rsa_sha224" },
	{ 0x0302, "dsa_sha224" },
	{ 0x0303, "ecdsa_sha224" },
	{ 0x0401, "rsa_pkcs1_sha256" },
	{ 0x0402, "dsa_sha256" },
	{ 0x0403, "ecdsa_secp256r1_sha256" },
	{ 0x0420, "rsa_pkcs1_sha256_legacy" },
	{ 0x0501, "rsa_pkcs1_sha384" },
	{ 0x0502, "dsa_sha384" },
	{ 0x0503, "ecdsa_secp384r1_sha384" },
	{ 0x0520, "rsa_pkcs1_sha384_legacy" },
	{ 0x0601, "rsa_pkcs1_sha512" },
	{ 0x0602, "dsa_sha512" },
	{ 0x0603, "ecdsa_secp521r1_sha512" },
	{ 0x0620, "rsa_pkcs1_sha512_legacy" },
	{ 0x0704, "eccsi_sha256" },
	{ 0x0705, "iso_ibs1" },
	{ 0x0706, "iso_ibs2" },
	{ 0x0707, "iso_chinese_ibs" },
	{ 0x0708, "sm2sig_sm3" },
	{ 0x0709, "gostr34102012_256a" },
	{ 0x070a, "gostr34102012_256b" },
	{ 0x070b, "gostr34102012_256c" },
	{ 0x070c, "gostr34102012_256d" },
	{ 0x070d, "gostr34102012_512a" },
	{ 0x070e, "gostr34102012_512b" },
	{ 0x070f, "gostr34102012_512c" },
	{ 0x0804, "rsa_pss_rsae_sha256" },
	{ 0x0805, "rsa_pss_rsae_sha384" },
	{ 0x0806, "rsa_pss_rsae_sha512" },
	{ 0x0807, "ed25519" },
	{ 0x0808, "ed448" },
	{ 0x0809, "rsa_pss_pss_sha256" },
	{ 0x080a, "rsa_pss_pss_sha384" },
	{ 0x080b, "rsa_pss_pss_sha512" },
	{ 0x081a, "ecdsa_brainpoolP256r1tls13_sha256" },
	{ 0x081b, "ecdsa_brainpoolP384r1tls13_sha384" },
	{ 0x081c, "ecdsa_brainpoolP512r1tls13_sha512" },
	{ 0x0904, "mldsa44" },
	{ 0x0905, "mldsa65" },
	{ 0x0906, "mldsa87" },
	{ 0, NULL }
};

/* IANA "TLS EC Point Format" (RFC 8422 5.1.2). */
static const struct tls_value_name ec_point_formats[] = {
	{ 0, "uncompressed" },
	{ 1, "ansiX962_compressed_prime" },
	{ 2, "ansiX962_compressed_char2" },
	{ 0, NULL }
};

/* IANA "TLS ContentType" (RFC 8446 5.1, RFC 9146, RFC 9147). */
static const struct tls_value_name content_types[] = {
	{ 20, "change_cipher_spec" },
	{ 21, "alert" },
	{ 22, "handshake" },
	{ 23, "application_data" },
	{ 24, "heartbeat" },
	{ 25, "tls12_cid" },
	{ 26, "ack" },
	{ 0, NULL }
};
/* clang-format on */

/* draft-ietf-tls-tls13-NN put NN in the low byte of 0x7f00 (RFC 8446 never used it). */
unsigned tls13_draft_number(uint16_t version)
{
	return (version >> 8) == 0x7f ? (unsigned)(version & 0xff) : 0;
}

const char *tls_version_name(uint16_t version, char *buf, size_t buflen)
{
	int n;

	switch (version) {
	case 0x0002:
		return "SSLv2";
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1.0";
	case 0x0302:
		return "TLSv1.1";
	case 0x0303:
		return "TLSv1.2";
	case 0x0304:
		return "TLSv1.3";
	case 0xfeff:
		return "DTLSv1.0";
	case 0xfefd:
		return "DTLSv1.2";
	case 0xfefc:
		return "DTLSv1.3";
	}
	if (!buf || buflen == 0)
		return NULL;
	if (tls13_draft_number(version))
		n = snprintf(buf, buflen, "TLSv1.3-draft%u", tls13_draft_number(version));
	else
		n = snprintf(buf, buflen, "0x%04x", (unsigned)version);
	/* A cut name would be misleading; the caller has the number. */
	return n >= 0 && (size_t)n < buflen ? buf : NULL;
}

const char *tls_cipher_suite_name(uint16_t suite)
{
	return names_find(cipher_suites, NAMES_LEN(cipher_suites), suite);
}

const char *tls_extension_name(uint16_t type)
{
	return names_find(extensions, NAMES_LEN(extensions), type);
}

const char *tls_alert_name(uint8_t description)
{
	return names_find(alerts, NAMES_LEN(alerts), description);
}

const char *tls_alert_level_name(uint8_t level)
{
	return names_find(alert_levels, NAMES_LEN(alert_levels), level);
}

const char *tls_handshake_type_name(uint8_t type)
{
	return names_find(handshake_types, NAMES_LEN(handshake_types), type);
}

const char *tls_group_name(uint16_t group)
{
	return names_find(groups, NAMES_LEN(groups), group);
}

const char *tls_signature_scheme_name(uint16_t scheme)
{
	return names_find(signature_schemes, NAMES_LEN(signature_schemes), scheme);
}

const char *tls_ec_point_format_name(uint8_t format)
{
	return names_find(ec_point_formats, NAMES_LEN(ec_point_formats), format);
}

const char *tls_content_type_name(uint8_t type)
{
	return names_find(content_types, NAMES_LEN(content_types), type);
}

/* RFC 8701 2: 0x?a?a with both bytes equal. */
bool tls_is_grease(uint16_t value)
{
	return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Suites that exist only in TLS 1.3 (RFC 8446 B.4, RFC 8998, RFC 9150,
 * RFC 9367, the AEGIS draft): they name no key exchange at all.
 */
static bool cipher_suite_is_tls13(uint16_t suite)
{
	return (suite >= 0x1301 && suite <= 0x1307) || suite == 0x00c6 || suite == 0x00c7 ||
	       suite == 0xc0b4 || suite == 0xc0b5 || (suite >= 0xc103 && suite <= 0xc106);
}

/*
 * Classified by name, the way the IANA names spell the key exchange. The
 * anonymous suites send the same ServerKeyExchange parameters as their
 * ephemeral siblings (RFC 8422 5.4, RFC 5246 7.4.3), so ECDH_anon counts as
 * ECDHE and DH_anon as DHE; the (EC)DHE_PSK suites are ephemeral too (their
 * ServerKeyExchange puts a PSK identity hint before the same parameters).
 * Static (EC)DH, PSK, SRP, Kerberos and GOST suites are "other".
 */
enum tls_kex tls_cipher_suite_kex(uint16_t suite)
{
	const char *name;

	if (cipher_suite_is_tls13(suite))
		return TLS_KEX_TLS13;
	name = tls_cipher_suite_name(suite);
	if (!name)
		return TLS_KEX_OTHER;
	if (has_prefix(name, "TLS_ECDHE_") || has_prefix(name, "TLS_ECDH_anon_"))
		return TLS_KEX_ECDHE;
	if (has_prefix(name, "TLS_DHE_") || has_prefix(name, "TLS_DH_anon_") ||
	    has_prefix(name, "TLS_PSK_DHE_"))
		return TLS_KEX_DHE;
	if (has_prefix(name, "TLS_RSA_WITH_") || has_prefix(name, "TLS_RSA_EXPORT") ||
	    has_prefix(name, "SSL_RSA_FIPS_"))
		return TLS_KEX_RSA;
	return TLS_KEX_OTHER;
}
