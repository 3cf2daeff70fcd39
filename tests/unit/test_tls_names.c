/*
 * test_tls_names.c - the IANA name tables.
 *
 * tls_names.c is included rather than linked so the test can walk its
 * static tables: each must be sorted and free of duplicates for the binary
 * search to find every entry. (Build this test without tls_names.c on the
 * command line; against the library, its own copy satisfies every symbol.)
 *
 * The cipher suite names are compared with tshark's: `tshark -G values`
 * (Wireshark 4.0.17), field tls.handshake.ciphersuite, is pasted below,
 * GREASE values left out, with the deliberate differences listed.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_handshake.h"
#include "tls_names.c"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct expect {
	uint16_t value;
	const char *name;
};

/* clang-format off */
/* tshark -G values | awk -F'\t' '$2=="tls.handshake.ciphersuite"' (GREASE left out). */
static const struct expect tshark_suites[] = {
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
	{ 0xc0ff, "TLS_ECJPAKE_WITH_AES_128_CCM_8" },
	{ 0xc100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC" },
	{ 0xc101, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC" },
	{ 0xc102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT" },
	{ 0xc103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L" },
	{ 0xc104, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L" },
	{ 0xc105, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S" },
	{ 0xc106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S" },
	{ 0xcc13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcc14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcc15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
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
	{ 0xfefe, "SSL_RSA_FIPS_WITH_DES_CBC_SHA" },
	{ 0xfeff, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA" },
	{ 0xffe0, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA" },
	{ 0xffe1, "SSL_RSA_FIPS_WITH_DES_CBC_SHA" },
};

/* Where tls_names.c says something else than tshark 4.0, and why. */
static const struct expect not_tshark[] = {
	/* Pre-RFC 7905 ChaCha20 suites: tshark reuses the RFC names, which hides the difference. */
	{ 0xcc13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD" },
	{ 0xcc14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD" },
	{ 0xcc15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD" },
	/* Registered after tshark 4.0. */
	{ 0x1306, "TLS_AEGIS_256_SHA512" },
	{ 0x1307, "TLS_AEGIS_128L_SHA256" },
};
/* clang-format on */

static const char *expected_suite_name(uint16_t v)
{
	for (size_t i = 0; i < N(not_tshark); i++)
		if (not_tshark[i].value == v)
			return not_tshark[i].name;
	for (size_t i = 0; i < N(tshark_suites); i++)
		if (tshark_suites[i].value == v)
			return tshark_suites[i].name;
	return NULL;
}

static bool table_sorted(const struct tls_value_name *t, size_t n_with_sentinel, const char *what)
{
	size_t n = n_with_sentinel - 1;
	bool ok = t[n].value == 0 && t[n].name == NULL;

	for (size_t i = 0; i < n; i++) {
		if (!t[i].name || !t[i].name[0])
			ok = false;
		if (i > 0 && t[i - 1].value >= t[i].value) {
			fprintf(stderr, "  %s: 0x%04x then 0x%04x\n", what, t[i - 1].value, t[i].value);
			ok = false;
		}
	}
	return ok;
}

#define CHECK_SORTED(t) CHECK(table_sorted(t, N(t), #t))

static void test_tables_sorted(void)
{
	CHECK_SORTED(cipher_suites);
	CHECK_SORTED(extensions);
	CHECK_SORTED(alerts);
	CHECK_SORTED(alert_levels);
	CHECK_SORTED(handshake_types);
	CHECK_SORTED(groups);
	CHECK_SORTED(signature_schemes);
	CHECK_SORTED(ec_point_formats);
	CHECK_SORTED(content_types);
}

/* Every 16-bit value: named exactly when tshark (or the list above) names it, and by the same name. */
static void test_cipher_suites_vs_tshark(void)
{
	size_t named = 0, expected = 0, wrong = 0;

	for (uint32_t v = 0; v <= 0xffff; v++) {
		const char *got = tls_cipher_suite_name((uint16_t)v);
		const char *want = expected_suite_name((uint16_t)v);

		named += got != NULL;
		expected += want != NULL;
		if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0)) {
			fprintf(stderr, "  suite 0x%04x: \"%s\", want \"%s\"\n", (unsigned)v,
			        got ? got : "(null)", want ? want : "(null)");
			wrong++;
		}
	}
	CHECK_EQ(wrong, 0);
	CHECK_EQ(named, expected);
	CHECK_EQ(named, N(cipher_suites) - 1);
}

static void test_cipher_suite_spots(void)
{
	CHECK_STR(tls_cipher_suite_name(0x0000), "TLS_NULL_WITH_NULL_NULL");
	CHECK_STR(tls_cipher_suite_name(0x000a), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	CHECK_STR(tls_cipher_suite_name(0x0003), "TLS_RSA_EXPORT_WITH_RC4_40_MD5");
	CHECK_STR(tls_cipher_suite_name(0x0018), "TLS_DH_anon_WITH_RC4_128_MD5");
	CHECK_STR(tls_cipher_suite_name(0x008a), "TLS_PSK_WITH_RC4_128_SHA");
	CHECK_STR(tls_cipher_suite_name(0x00ff), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
	CHECK_STR(tls_cipher_suite_name(0x1301), "TLS_AES_128_GCM_SHA256");
	CHECK_STR(tls_cipher_suite_name(0x1302), "TLS_AES_256_GCM_SHA384");
	CHECK_STR(tls_cipher_suite_name(0x1303), "TLS_CHACHA20_POLY1305_SHA256");
	CHECK_STR(tls_cipher_suite_name(0x1304), "TLS_AES_128_CCM_SHA256");
	CHECK_STR(tls_cipher_suite_name(0x1305), "TLS_AES_128_CCM_8_SHA256");
	CHECK_STR(tls_cipher_suite_name(0x5600), "TLS_FALLBACK_SCSV");
	CHECK_STR(tls_cipher_suite_name(0xc02b), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
	CHECK_STR(tls_cipher_suite_name(0xc01a), "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA");
	CHECK_STR(tls_cipher_suite_name(0xc03c), "TLS_RSA_WITH_ARIA_128_CBC_SHA256");
	CHECK_STR(tls_cipher_suite_name(0xc0ac), "TLS_ECDHE_ECDSA_WITH_AES_128_CCM");
	CHECK_STR(tls_cipher_suite_name(0xcca8), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
	CHECK_STR(tls_cipher_suite_name(0xd005), "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256");
	CHECK(tls_cipher_suite_name(0xffff) == NULL);
	CHECK(tls_cipher_suite_name(0x0a0a) == NULL); /* GREASE */
	CHECK(tls_cipher_suite_name(0x0047) == NULL); /* reserved */
	CHECK(tls_cipher_suite_name(0xd004) == NULL); /* unassigned hole */
	CHECK(tls_cipher_suite_name(0x1308) == NULL);
}

static void test_kex(void)
{
	CHECK_EQ(tls_cipher_suite_kex(0xc02f), TLS_KEX_ECDHE);
	CHECK_EQ(tls_cipher_suite_kex(0xcca9), TLS_KEX_ECDHE);
	CHECK_EQ(tls_cipher_suite_kex(0xc037), TLS_KEX_ECDHE); /* ECDHE_PSK */
	CHECK_EQ(tls_cipher_suite_kex(0xc018), TLS_KEX_ECDHE); /* ECDH_anon */
	CHECK_EQ(tls_cipher_suite_kex(0x009e), TLS_KEX_DHE);
	CHECK_EQ(tls_cipher_suite_kex(0x0011), TLS_KEX_DHE); /* DHE_DSS_EXPORT */
	CHECK_EQ(tls_cipher_suite_kex(0x0034), TLS_KEX_DHE); /* DH_anon */
	CHECK_EQ(tls_cipher_suite_kex(0x0090), TLS_KEX_DHE); /* DHE_PSK */
	CHECK_EQ(tls_cipher_suite_kex(0xc0aa), TLS_KEX_DHE); /* PSK_DHE, RFC 6655's spelling */
	CHECK_EQ(tls_cipher_suite_kex(0x002f), TLS_KEX_RSA);
	CHECK_EQ(tls_cipher_suite_kex(0x0003), TLS_KEX_RSA);   /* RSA_EXPORT */
	CHECK_EQ(tls_cipher_suite_kex(0x0062), TLS_KEX_RSA);   /* RSA_EXPORT1024 */
	CHECK_EQ(tls_cipher_suite_kex(0x0092), TLS_KEX_OTHER); /* RSA_PSK */
	CHECK_EQ(tls_cipher_suite_kex(0xc004), TLS_KEX_OTHER); /* static ECDH */
	CHECK_EQ(tls_cipher_suite_kex(0x0030), TLS_KEX_OTHER); /* static DH */
	CHECK_EQ(tls_cipher_suite_kex(0x008c), TLS_KEX_OTHER); /* PSK */
	CHECK_EQ(tls_cipher_suite_kex(0xc01d), TLS_KEX_OTHER); /* SRP */
	CHECK_EQ(tls_cipher_suite_kex(0x001e), TLS_KEX_OTHER); /* KRB5 */
	CHECK_EQ(tls_cipher_suite_kex(0x00ff), TLS_KEX_OTHER);
	CHECK_EQ(tls_cipher_suite_kex(0x0a0a), TLS_KEX_OTHER);
	CHECK_EQ(tls_cipher_suite_kex(0xffff), TLS_KEX_OTHER);
	for (uint16_t s = 0x1301; s <= 0x1305; s++)
		CHECK_EQ(tls_cipher_suite_kex(s), TLS_KEX_TLS13);
	CHECK_EQ(tls_cipher_suite_kex(0xc0b4), TLS_KEX_TLS13); /* RFC 9150 */
	CHECK_EQ(tls_cipher_suite_kex(0x00c6), TLS_KEX_TLS13); /* RFC 8998 */

	/* Every named (EC)DHE or RSA suite really is one. */
	for (size_t i = 0; i + 1 < N(cipher_suites); i++) {
		enum tls_kex k = tls_cipher_suite_kex(cipher_suites[i].value);
		const char *n = cipher_suites[i].name;

		if (k == TLS_KEX_ECDHE)
			CHECK(strstr(n, "ECDHE_") || strstr(n, "ECDH_anon_"));
		if (k == TLS_KEX_DHE)
			CHECK(strstr(n, "DHE_") || strstr(n, "DH_anon_"));
		if (k == TLS_KEX_RSA)
			CHECK(strstr(n, "RSA_") && !strstr(n, "DH") && !strstr(n, "PSK"));
	}
}

static void test_versions(void)
{
	char buf[32];

	CHECK_STR(tls_version_name(0x0002, buf, sizeof(buf)), "SSLv2");
	CHECK_STR(tls_version_name(0x0300, buf, sizeof(buf)), "SSLv3");
	CHECK_STR(tls_version_name(0x0301, buf, sizeof(buf)), "TLSv1.0");
	CHECK_STR(tls_version_name(0x0302, buf, sizeof(buf)), "TLSv1.1");
	CHECK_STR(tls_version_name(0x0303, buf, sizeof(buf)), "TLSv1.2");
	CHECK_STR(tls_version_name(0x0304, NULL, 0), "TLSv1.3"); /* fixed names need no buffer */
	CHECK_STR(tls_version_name(0xfeff, buf, sizeof(buf)), "DTLSv1.0");
	CHECK_STR(tls_version_name(0xfefd, buf, sizeof(buf)), "DTLSv1.2");
	CHECK_STR(tls_version_name(0xfefc, buf, sizeof(buf)), "DTLSv1.3");
	CHECK_STR(tls_version_name(0x7f1c, buf, sizeof(buf)), "TLSv1.3-draft28");
	CHECK_STR(tls_version_name(0x7f12, buf, sizeof(buf)), "TLSv1.3-draft18");
	CHECK_STR(tls_version_name(0x7f02, buf, sizeof(buf)), "TLSv1.3-draft2");
	CHECK_STR(tls_version_name(0xfb1a, buf, sizeof(buf)), "0xfb1a"); /* Facebook's draft: a number */
	CHECK_STR(tls_version_name(0x0305, buf, sizeof(buf)), "0x0305");
	CHECK_STR(tls_version_name(0x0a0a, buf, sizeof(buf)), "0x0a0a");
	CHECK(tls_version_name(0x0305, NULL, 0) == NULL);
	CHECK(tls_version_name(0x0305, buf, 6) == NULL); /* "0x0305" needs 7 bytes */
	CHECK_STR(tls_version_name(0x0305, buf, 7), "0x0305");
	CHECK(tls_version_name(0x7f1c, buf, 10) == NULL);
}

static void test_extensions(void)
{
	static const struct expect want[] = {
	    {0, "server_name"},
	    {1, "max_fragment_length"},
	    {5, "status_request"},
	    {10, "supported_groups"},
	    {11, "ec_point_formats"},
	    {13, "signature_algorithms"},
	    {14, "use_srtp"},
	    {15, "heartbeat"},
	    {16, "application_layer_protocol_negotiation"},
	    {18, "signed_certificate_timestamp"},
	    {21, "padding"},
	    {22, "encrypt_then_mac"},
	    {23, "extended_master_secret"},
	    {27, "compress_certificate"},
	    {28, "record_size_limit"},
	    {35, "session_ticket"},
	    {41, "pre_shared_key"},
	    {42, "early_data"},
	    {43, "supported_versions"},
	    {44, "cookie"},
	    {45, "psk_key_exchange_modes"},
	    {47, "certificate_authorities"},
	    {48, "oid_filters"},
	    {49, "post_handshake_auth"},
	    {50, "signature_algorithms_cert"},
	    {51, "key_share"},
	    {57, "quic_transport_parameters"},
	    {17513, "application_settings"},
	    {0xfe0d, "encrypted_client_hello"},
	    {0xff01, "renegotiation_info"},
	};

	for (size_t i = 0; i < N(want); i++)
		CHECK_STR(tls_extension_name(want[i].value), want[i].name);
	CHECK(tls_extension_name(40) == NULL);
	CHECK(tls_extension_name(0x0a0a) == NULL);
	CHECK(tls_extension_name(0xfaaa) == NULL);
	CHECK(tls_extension_name(0xffff) == NULL);

	/* The constants tls_handshake.h uses carry the names they say. */
	CHECK_STR(tls_extension_name(TLS_EXT_SERVER_NAME), "server_name");
	CHECK_STR(tls_extension_name(TLS_EXT_STATUS_REQUEST), "status_request");
	CHECK_STR(tls_extension_name(TLS_EXT_SUPPORTED_GROUPS), "supported_groups");
	CHECK_STR(tls_extension_name(TLS_EXT_EC_POINT_FORMATS), "ec_point_formats");
	CHECK_STR(tls_extension_name(TLS_EXT_SIGNATURE_ALGORITHMS), "signature_algorithms");
	CHECK_STR(tls_extension_name(TLS_EXT_ALPN), "application_layer_protocol_negotiation");
	CHECK_STR(tls_extension_name(TLS_EXT_SCT), "signed_certificate_timestamp");
	CHECK_STR(tls_extension_name(TLS_EXT_ENCRYPT_THEN_MAC), "encrypt_then_mac");
	CHECK_STR(tls_extension_name(TLS_EXT_EXTENDED_MASTER_SECRET), "extended_master_secret");
	CHECK_STR(tls_extension_name(TLS_EXT_SESSION_TICKET), "session_ticket");
	CHECK_STR(tls_extension_name(TLS_EXT_PRE_SHARED_KEY), "pre_shared_key");
	CHECK_STR(tls_extension_name(TLS_EXT_EARLY_DATA), "early_data");
	CHECK_STR(tls_extension_name(TLS_EXT_SUPPORTED_VERSIONS), "supported_versions");
	CHECK_STR(tls_extension_name(TLS_EXT_COOKIE), "cookie");
	CHECK_STR(tls_extension_name(TLS_EXT_PSK_KEY_EXCHANGE_MODES), "psk_key_exchange_modes");
	CHECK_STR(tls_extension_name(TLS_EXT_POST_HANDSHAKE_AUTH), "post_handshake_auth");
	CHECK_STR(tls_extension_name(TLS_EXT_SIGNATURE_ALGORITHMS_CERT), "signature_algorithms_cert");
	CHECK_STR(tls_extension_name(TLS_EXT_KEY_SHARE), "key_share");
	CHECK_STR(tls_extension_name(TLS_EXT_ENCRYPTED_CLIENT_HELLO), "encrypted_client_hello");
	CHECK_STR(tls_extension_name(TLS_EXT_RENEGOTIATION_INFO), "renegotiation_info");
}

static void test_small_tables(void)
{
	CHECK_STR(tls_alert_name(0), "close_notify");
	CHECK_STR(tls_alert_name(10), "unexpected_message");
	CHECK_STR(tls_alert_name(21), "decryption_failed");
	CHECK_STR(tls_alert_name(40), "handshake_failure");
	CHECK_STR(tls_alert_name(41), "no_certificate");
	CHECK_STR(tls_alert_name(60), "export_restriction");
	CHECK_STR(tls_alert_name(86), "inappropriate_fallback");
	CHECK_STR(tls_alert_name(111), "certificate_unobtainable");
	CHECK_STR(tls_alert_name(112), "unrecognized_name");
	CHECK_STR(tls_alert_name(114), "bad_certificate_hash_value");
	CHECK_STR(tls_alert_name(116), "certificate_required");
	CHECK_STR(tls_alert_name(120), "no_application_protocol");
	CHECK_STR(tls_alert_name(121), "ech_required");
	CHECK(tls_alert_name(1) == NULL);
	CHECK(tls_alert_name(255) == NULL);
	CHECK_STR(tls_alert_level_name(1), "warning");
	CHECK_STR(tls_alert_level_name(2), "fatal");
	CHECK(tls_alert_level_name(0) == NULL);
	CHECK(tls_alert_level_name(3) == NULL);

	CHECK_STR(tls_handshake_type_name(TLS_HS_CLIENT_HELLO), "client_hello");
	CHECK_STR(tls_handshake_type_name(TLS_HS_SERVER_HELLO), "server_hello");
	CHECK_STR(tls_handshake_type_name(TLS_HS_NEW_SESSION_TICKET), "new_session_ticket");
	CHECK_STR(tls_handshake_type_name(TLS_HS_ENCRYPTED_EXTENSIONS), "encrypted_extensions");
	CHECK_STR(tls_handshake_type_name(TLS_HS_CERTIFICATE), "certificate");
	CHECK_STR(tls_handshake_type_name(TLS_HS_SERVER_KEY_EXCHANGE), "server_key_exchange");
	CHECK_STR(tls_handshake_type_name(TLS_HS_CERTIFICATE_REQUEST), "certificate_request");
	CHECK_STR(tls_handshake_type_name(TLS_HS_SERVER_HELLO_DONE), "server_hello_done");
	CHECK_STR(tls_handshake_type_name(TLS_HS_CERTIFICATE_VERIFY), "certificate_verify");
	CHECK_STR(tls_handshake_type_name(TLS_HS_CLIENT_KEY_EXCHANGE), "client_key_exchange");
	CHECK_STR(tls_handshake_type_name(TLS_HS_FINISHED), "finished");
	CHECK_STR(tls_handshake_type_name(TLS_HS_CERTIFICATE_STATUS), "certificate_status");
	CHECK_STR(tls_handshake_type_name(TLS_HS_KEY_UPDATE), "key_update");
	CHECK_STR(tls_handshake_type_name(TLS_HS_MESSAGE_HASH), "message_hash");
	CHECK_STR(tls_handshake_type_name(TLS_HS_HELLO_REQUEST), "hello_request");
	CHECK(tls_handshake_type_name(7) == NULL);
	CHECK(tls_handshake_type_name(255) == NULL);

	CHECK_STR(tls_content_type_name(TLS_CT_CHANGE_CIPHER_SPEC), "change_cipher_spec");
	CHECK_STR(tls_content_type_name(TLS_CT_ALERT), "alert");
	CHECK_STR(tls_content_type_name(TLS_CT_HANDSHAKE), "handshake");
	CHECK_STR(tls_content_type_name(TLS_CT_APPLICATION_DATA), "application_data");
	CHECK_STR(tls_content_type_name(TLS_CT_HEARTBEAT), "heartbeat");
	CHECK(tls_content_type_name(0) == NULL);
	CHECK(tls_content_type_name(0x80) == NULL);

	CHECK_STR(tls_ec_point_format_name(0), "uncompressed");
	CHECK_STR(tls_ec_point_format_name(1), "ansiX962_compressed_prime");
	CHECK_STR(tls_ec_point_format_name(2), "ansiX962_compressed_char2");
	CHECK(tls_ec_point_format_name(3) == NULL);

	CHECK_STR(tls_group_name(23), "secp256r1");
	CHECK_STR(tls_group_name(24), "secp384r1");
	CHECK_STR(tls_group_name(25), "secp521r1");
	CHECK_STR(tls_group_name(29), "x25519");
	CHECK_STR(tls_group_name(30), "x448");
	CHECK_STR(tls_group_name(26), "brainpoolP256r1");
	CHECK_STR(tls_group_name(256), "ffdhe2048");
	CHECK_STR(tls_group_name(260), "ffdhe8192");
	CHECK_STR(tls_group_name(0x11ec), "X25519MLKEM768");
	CHECK_STR(tls_group_name(0x11eb), "SecP256r1MLKEM768");
	CHECK_STR(tls_group_name(0x6399), "X25519Kyber768Draft00");
	CHECK_STR(tls_group_name(0x0201), "MLKEM768");
	CHECK(tls_group_name(0) == NULL);
	CHECK(tls_group_name(0x0a0a) == NULL);
	CHECK(tls_group_name(261) == NULL);

	CHECK_STR(tls_signature_scheme_name(0x0804), "rsa_pss_rsae_sha256");
	CHECK_STR(tls_signature_scheme_name(0x0403), "ecdsa_secp256r1_sha256");
	CHECK_STR(tls_signature_scheme_name(0x0807), "ed25519");
	CHECK_STR(tls_signature_scheme_name(0x0201), "rsa_pkcs1_sha1");
	CHECK_STR(tls_signature_scheme_name(0x0203), "ecdsa_sha1");
	CHECK_STR(tls_signature_scheme_name(0x0101), "rsa_md5");
	CHECK_STR(tls_signature_scheme_name(0x0402), "dsa_sha256");
	CHECK_STR(tls_signature_scheme_name(0x0303), "ecdsa_sha224");
	CHECK(tls_signature_scheme_name(0x0000) == NULL);
	CHECK(tls_signature_scheme_name(0x0a0a) == NULL);
}

static void test_grease(void)
{
	int n = 0;

	for (unsigned i = 0; i < 16; i++) {
		uint16_t v = (uint16_t)(((i << 4 | 0xa) << 8) | (i << 4 | 0xa));
		CHECK(tls_is_grease(v));
	}
	CHECK(tls_is_grease(0x0a0a) && tls_is_grease(0xfafa) && tls_is_grease(0x7a7a));
	CHECK(!tls_is_grease(0x0a1a));
	CHECK(!tls_is_grease(0x0a0b));
	CHECK(!tls_is_grease(0x0b0b));
	CHECK(!tls_is_grease(0xaaab));
	CHECK(!tls_is_grease(0x0000));
	CHECK(!tls_is_grease(0xffff));
	CHECK(!tls_is_grease(0xa0a0));
	CHECK(!tls_is_grease(0x1301));
	/* Exactly sixteen values in the whole space. */
	for (uint32_t v = 0; v <= 0xffff; v++)
		n += tls_is_grease((uint16_t)v);
	CHECK_EQ(n, 16);
}

int main(void)
{
	test_tables_sorted();
	test_cipher_suites_vs_tshark();
	test_cipher_suite_spots();
	test_kex();
	test_versions();
	test_extensions();
	test_small_tables();
	test_grease();
	return check_report("test_tls_names");
}
