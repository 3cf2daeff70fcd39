/*
 * fuzz_x509_cert.c - libFuzzer harness for x509_cert_parse.
 *
 * The input is the DER of one certificate, as a Certificate message entry
 * would carry it. Beyond AddressSanitizer's checks, the parsed record must
 * hold together: every list as long as its count says, no string NULL, an
 * IP address 0, 4 or 16 bytes, a reason whenever it did not parse, and
 * nothing left on the thread's OpenSSL error queue. Seeds: the certificates
 * in tests/unit/data/x509/.
 */
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "x509_cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_strings(const struct x509_strings *l)
{
	if (l->count && !l->v)
		abort();
	for (size_t i = 0; i < l->count; i++)
		if (!l->v[i])
			abort();
}

static void check_cert(const struct x509_cert *c, size_t size)
{
	char buf[32];

	if (c->der_len != size || c->parsed != (c->x509 != NULL))
		abort();
	if (memchr(c->parse_error, 0, sizeof(c->parse_error)) == NULL)
		abort();
	if (!c->parsed) {
		if (!c->parse_error[0] || c->subject || c->serial || c->san_dns.count)
			abort();
		return;
	}
	if (c->parse_error[0] || !c->subject || !c->issuer || !c->serial)
		abort();
	if (c->version < 0 || c->path_len < -1 || c->key_usage >> 9)
		abort();
	check_strings(&c->subject_cn);
	check_strings(&c->san_dns);
	check_strings(&c->san_email);
	check_strings(&c->san_uri);
	check_strings(&c->eku);
	check_strings(&c->aia_ca_issuers);
	check_strings(&c->aia_ocsp);
	if (c->san_ip_count && !c->san_ip)
		abort();
	for (size_t i = 0; i < c->san_ip_count; i++) {
		const struct x509_ip *ip = &c->san_ip[i];

		if ((ip->len != 0 && ip->len != 4 && ip->len != 16) || (ip->len == 0) != (ip->text[0] == 0))
			abort();
	}
	if (!c->self_issued && c->self_signed)
		abort();
	if (!c->has_san && (c->san_dns.count || c->san_ip_count || c->san_email.count || c->san_uri.count))
		abort();
	if (strlen(x509_time_format(c->not_before, buf, sizeof(buf))) != 20 ||
	    strlen(x509_time_format(c->not_after, buf, sizeof(buf))) != 20)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_cert c;

	if (x509_cert_parse(data, size, &c) != TS_OK)
		abort(); /* TS_NOMEM: libFuzzer's -rss_limit_mb catches real exhaustion first */
	if (ERR_peek_error() != 0)
		abort();
	check_cert(&c, size);
	x509_cert_free(&c);
	return 0;
}
