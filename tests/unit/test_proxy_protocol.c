/*
 * test_proxy_protocol.c - PROXY protocol headers (HAProxy's proxy-protocol.txt
 * 2.1 and 2.2): the examples of the text, and every prefix and corruption of
 * them answered without a read past the bytes given (the sanitizer build runs
 * this with each input in a buffer of its exact size).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proxy_protocol.h"

static enum proxy_result parse_exact(const uint8_t *p, size_t n, struct proxy_header *h)
{
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, p, n);
	enum proxy_result r = proxy_protocol_parse(copy, n, h);
	free(copy);
	return r;
}

static const uint8_t V2_SIG[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

int main(void)
{
	struct proxy_header h;
	const char *v1 = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n\x16\x03\x01";
	size_t v1_len = strlen(v1);
	CHECK(parse_exact((const uint8_t *)v1, v1_len, &h) == PROXY_OK);
	CHECK(h.version == 1 && h.has_address && h.family == 4 && h.length == v1_len - 3);
	CHECK(h.src[0] == 192 && h.src[3] == 1 && h.dst[3] == 11 && h.src_port == 56324 && h.dst_port == 443);
	for (size_t n = 0; n < v1_len - 3; n++)
		CHECK(parse_exact((const uint8_t *)v1, n, &h) == (n ? PROXY_PARTIAL : PROXY_NOT));

	const char *v6 = "PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n";
	CHECK(parse_exact((const uint8_t *)v6, strlen(v6), &h) == PROXY_OK);
	CHECK(h.family == 6 && h.src[15] == 1 && h.src_port == 1 && h.dst_port == 65535);
	const char *unknown = "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n";
	CHECK(parse_exact((const uint8_t *)unknown, strlen(unknown), &h) == PROXY_OK && !h.has_address);
	const char *bad[] = {"PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 01 1\r\n",
	                     "PROXY TCP4 1.2.3 5.6.7.8 1 1\r\n",       "PROXY TCP5 1.2.3.4 5.6.7.8 1 1\r\n",
	                     "PROXY TCP4 1.2.3.4 5.6.7.8 1 1 9\r\n",   "PROXY TCP4 ::1 5.6.7.8 1 1\r\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse_exact((const uint8_t *)bad[i], strlen(bad[i]), &h) == PROXY_MALFORMED);
	/* No CRLF within the 107 bytes a line may have. */
	uint8_t longline[200];
	memcpy(longline, "PROXY ", 6);
	memset(longline + 6, 'A', sizeof(longline) - 6);
	CHECK(parse_exact(longline, sizeof(longline), &h) == PROXY_MALFORMED);
	CHECK(parse_exact((const uint8_t *)"\x16\x03\x01\x02\x00", 5, &h) == PROXY_NOT);

	/* v2, PROXY command, TCP over IPv4, one TLV (ALPN "h2"). */
	uint8_t v2[16 + 12 + 5 + 3] = {0};
	memcpy(v2, V2_SIG, 12);
	v2[12] = 0x21;
	v2[13] = 0x11;
	v2[15] = 12 + 5;
	const uint8_t addr[12] = {203, 0, 113, 9, 192, 0, 2, 10, 0x9c, 0x41, 0x01, 0xbb};
	memcpy(v2 + 16, addr, 12);
	memcpy(v2 + 28, "\x01\x00\x02h2", 5);
	memcpy(v2 + 33, "\x16\x03\x01", 3);
	CHECK(parse_exact(v2, sizeof(v2), &h) == PROXY_OK);
	CHECK(h.version == 2 && h.has_address && h.family == 4 && h.length == 33);
	CHECK(h.src[0] == 203 && h.src_port == 40001 && h.dst_port == 443);
	for (size_t n = 1; n < 33; n++)
		CHECK(parse_exact(v2, n, &h) == PROXY_PARTIAL);
	/* LOCAL: no client, the header still stripped whole. */
	v2[12] = 0x20;
	CHECK(parse_exact(v2, sizeof(v2), &h) == PROXY_OK && !h.has_address && h.length == 33);
	/* A length too short for the family it names; a version other than 2; a command past PROXY. */
	v2[12] = 0x21;
	v2[15] = 4;
	CHECK(parse_exact(v2, sizeof(v2), &h) == PROXY_MALFORMED);
	v2[15] = 17;
	v2[12] = 0x31;
	CHECK(parse_exact(v2, sizeof(v2), &h) == PROXY_MALFORMED);
	v2[12] = 0x22;
	CHECK(parse_exact(v2, sizeof(v2), &h) == PROXY_MALFORMED);
	/* A length claim past the bytes: partial, never read. */
	v2[12] = 0x21;
	v2[14] = 0xff;
	v2[15] = 0xff;
	CHECK(parse_exact(v2, sizeof(v2), &h) == PROXY_PARTIAL);
	/* Every single-byte corruption of the v2 header is answered. */
	v2[14] = 0;
	v2[15] = 17;
	for (size_t i = 0; i < 33; i++) {
		uint8_t c[sizeof(v2)];
		memcpy(c, v2, sizeof(c));
		c[i] ^= 0xa5;
		enum proxy_result r = parse_exact(c, sizeof(c), &h);
		CHECK(r == PROXY_OK || r == PROXY_NOT || r == PROXY_MALFORMED || r == PROXY_PARTIAL);
		if (r == PROXY_OK)
			CHECK(h.length <= 16 + 65535);
	}
	return check_report("test_proxy_protocol");
}
