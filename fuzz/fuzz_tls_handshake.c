/*
 * fuzz_tls_handshake.c - libFuzzer harness for the handshake message parsers.
 *
 * The first input byte picks the parser (low three bits; 7 runs them all)
 * and the TLS 1.3 layout (bit 3); for ServerKeyExchange the next two bytes
 * are the cipher suite. The rest is the message body. libFuzzer's buffer is
 * exactly that long, so AddressSanitizer catches any read past the body; on
 * top of that, every count must stay within its cap and every certificate
 * view inside the body.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <string.h>

#include "tls_fingerprint.h"
#include "tls_handshake.h"
#include "tls_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_u16_list(const struct tls_u16_list *l)
{
	if (l->count > TLS_MAX_LIST_ITEMS || l->count > l->total)
		abort();
}

static void check_name(const struct tls_name *n)
{
	if (n->len > TLS_MAX_NAME_LEN || n->len > n->wire_len)
		abort();
}

static void check_client_hello(const struct tls_client_hello *ch)
{
	if (ch->cipher_suite_count > TLS_MAX_CIPHER_SUITES || ch->cipher_suite_count > ch->cipher_suite_total)
		abort();
	if (ch->extension_count > TLS_MAX_EXTENSIONS || ch->extension_count > ch->extension_total)
		abort();
	if (ch->sni_count > TLS_MAX_SNI_NAMES || ch->sni_count > ch->sni_total)
		abort();
	if (ch->alpn_count > sizeof(ch->alpn) / sizeof(ch->alpn[0]) || ch->alpn_count > ch->alpn_total)
		abort();
	if (ch->session_id_len > 32 || ch->compression_count > sizeof(ch->compression_methods) ||
	    ch->ec_point_format_count > sizeof(ch->ec_point_formats))
		abort();
	for (size_t i = 0; i < ch->sni_count; i++)
		check_name(&ch->sni[i]);
	for (size_t i = 0; i < ch->alpn_count; i++)
		check_name(&ch->alpn[i]);
	check_u16_list(&ch->supported_versions);
	check_u16_list(&ch->supported_groups);
	check_u16_list(&ch->signature_algorithms);
	check_u16_list(&ch->key_share_groups);
	check_u16_list(&ch->psk_key_exchange_modes);
}

/* Fingerprints of whatever parsed: a whole JA4 of the fixed length, or nothing; texts that fit. */
static void check_fingerprints(const struct tls_client_hello *ch)
{
	static char text[TLS_FP_STRING_MAX];
	char ja4[TLS_FP_JA4_LEN];
	if (tls_ja4(ch, TLS_FP_TCP, ja4) ? strlen(ja4) != TLS_FP_JA4_LEN - 1 || ja4[10] != '_'
	                                 : ja4[0] != '\0')
		abort();
	if (tls_ja4_r(ch, TLS_FP_QUIC, text, sizeof(text)) && text[0] != 'q')
		abort();
	if (tls_ja3_string(ch, text, sizeof(text))) {
		char md5[TLS_FP_MD5_HEX];
		tls_fp_md5_hex(text, md5);
		if (strlen(md5) != TLS_FP_MD5_HEX - 1)
			abort();
	} else if (text[0] != '\0') {
		abort();
	}
}

static void fuzz_client_hello(const uint8_t *p, size_t n)
{
	struct tls_client_hello ch;
	enum ts_status st = tls_client_hello_parse(p, n, &ch);

	if (st != TS_OK && st != TS_MALFORMED)
		abort();
	check_client_hello(&ch);
	check_fingerprints(&ch);
}

static void fuzz_client_hello_sslv2(const uint8_t *p, size_t n)
{
	struct tls_client_hello ch;
	enum ts_status st = tls_client_hello_parse_sslv2(p, n, &ch);

	if (st != TS_OK && st != TS_MALFORMED)
		abort();
	if (!ch.sslv2_format || ch.extension_count != 0)
		abort();
	check_client_hello(&ch);
}

static void fuzz_server_hello(const uint8_t *p, size_t n)
{
	struct tls_server_hello sh;
	enum ts_status st = tls_server_hello_parse(p, n, &sh);

	if (st != TS_OK && st != TS_MALFORMED)
		abort();
	if (sh.extension_count > TLS_MAX_EXTENSIONS || sh.extension_count > sh.extension_total ||
	    sh.session_id_len > 32)
		abort();
	check_name(&sh.alpn);
	static char text[TLS_FP_STRING_MAX];
	if (!tls_ja3s_string(&sh, text, sizeof(text)) && text[0] != '\0')
		abort();
}

static void fuzz_certificate(const uint8_t *p, size_t n, bool tls13)
{
	struct tls_cert_view v[TLS_MAX_CERTS_PER_MSG];
	size_t count = 0, total = 0;
	enum ts_status st = tls_certificate_parse(p, n, tls13, v, TLS_MAX_CERTS_PER_MSG, &count, &total);

	if ((st != TS_OK && st != TS_MALFORMED) || count > TLS_MAX_CERTS_PER_MSG || count > total)
		abort();
	for (size_t i = 0; i < count; i++) {
		uintptr_t lo = (uintptr_t)p, d = (uintptr_t)v[i].der;

		if (v[i].len == 0 || d < lo || v[i].len > n || d - lo > n - v[i].len)
			abort();
	}
}

static void fuzz_certificate_request(const uint8_t *p, size_t n, bool tls13)
{
	struct tls_certificate_request cr;
	enum ts_status st = tls_certificate_request_parse(p, n, tls13, &cr);

	if (st != TS_OK && st != TS_MALFORMED)
		abort();
	check_u16_list(&cr.signature_algorithms);
	if (cr.cert_type_count > sizeof(cr.cert_types))
		abort();
}

static void fuzz_certificate_status(const uint8_t *p, size_t n)
{
	uint8_t type;
	uint32_t len;
	enum ts_status st = tls_certificate_status_parse(p, n, &type, &len);

	if (st == TS_OK && (len == 0 || len > n))
		abort();
	if (st != TS_OK && st != TS_MALFORMED && st != TS_UNSUPPORTED)
		abort();
}

static void fuzz_server_key_exchange(const uint8_t *p, size_t n, uint16_t suite)
{
	uint16_t group, bits;
	enum ts_status st = tls_server_key_exchange_parse(p, n, suite, &group, &bits);
	enum tls_kex kex = tls_cipher_suite_kex(suite);

	if (st != TS_OK && st != TS_MALFORMED)
		abort();
	if (kex != TLS_KEX_ECDHE && kex != TLS_KEX_DHE && (st != TS_OK || group != 0 || bits != 0))
		abort();
	if (kex == TLS_KEX_ECDHE && bits != 0)
		abort();
	if (kex == TLS_KEX_DHE && group != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sel;
	bool tls13;
	uint16_t suite = 0;

	if (size < 1)
		return 0;
	sel = data[0];
	tls13 = (sel & 0x08) != 0;
	data++;
	size--;

	switch (sel & 0x07) {
	case 0:
		fuzz_client_hello(data, size);
		break;
	case 1:
		fuzz_client_hello_sslv2(data, size);
		break;
	case 2:
		fuzz_server_hello(data, size);
		break;
	case 3:
		fuzz_certificate(data, size, tls13);
		break;
	case 4:
		fuzz_certificate_request(data, size, tls13);
		break;
	case 5:
		fuzz_certificate_status(data, size);
		break;
	case 6:
		if (size < 2)
			return 0;
		suite = (uint16_t)(data[0] << 8 | data[1]);
		fuzz_server_key_exchange(data + 2, size - 2, suite);
		break;
	default:
		fuzz_client_hello(data, size);
		fuzz_client_hello_sslv2(data, size);
		fuzz_server_hello(data, size);
		fuzz_certificate(data, size, tls13);
		fuzz_certificate_request(data, size, tls13);
		fuzz_certificate_status(data, size);
		fuzz_server_key_exchange(data, size, tls13 ? 0x009e : 0xc02f);
		break;
	}
	return 0;
}
