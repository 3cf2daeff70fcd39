/*
 * proxy_protocol.c - PROXY protocol v1 and v2 headers (HAProxy's
 * proxy-protocol.txt), read through the bounded reader.
 */
#include "proxy_protocol.h"

#include <arpa/inet.h>
#include <string.h>

#include "rd.h"

/* proxy-protocol.txt 2.2: the twelve bytes that start a version 2 header. */
static const uint8_t V2_SIGNATURE[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                         0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

enum {
	V2_CMD_LOCAL = 0x0,
	V2_CMD_PROXY = 0x1,
	V2_AF_INET = 0x1,
	V2_AF_INET6 = 0x2,
	V2_PROTO_STREAM = 0x1,
};

/* A decimal port of 1-5 digits, at most 65535, with no leading zero (2.1). */
static bool parse_port(const char *s, uint16_t *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/*
 * Version 1, proxy-protocol.txt 2.1: one line of at most 107 bytes,
 *   "PROXY" SP ( "TCP4" | "TCP6" ) SP src SP dst SP sport SP dport CRLF
 *   "PROXY" SP "UNKNOWN" [anything] CRLF
 */
static enum proxy_result parse_v1(const uint8_t *p, size_t len, struct proxy_header *out)
{
	size_t max = len < PROXY_V1_MAX_LEN ? len : PROXY_V1_MAX_LEN;
	const uint8_t *cr = NULL;
	// cppcheck-suppress knownConditionTrueFalse -- cppcheck 2.10 misreads len as 0 here
	for (size_t i = 0; i + 1 < max; i++) {
		if (p[i] == '\r' && p[i + 1] == '\n') {
			cr = p + i;
			break;
		}
	}
	if (!cr)
		return len < PROXY_V1_MAX_LEN ? PROXY_PARTIAL : PROXY_MALFORMED;
	char line[PROXY_V1_MAX_LEN];
	size_t n = (size_t)(cr - p);
	memcpy(line, p, n);
	line[n] = '\0';
	out->version = 1;
	out->length = n + 2;
	char *save = NULL;
	char *word[6];
	size_t words = 0;
	char *t = strtok_r(line, " ", &save);
	for (; t && words < 6; t = strtok_r(NULL, " ", &save))
		word[words++] = t;
	if (words >= 2 && strcmp(word[1], "UNKNOWN") == 0)
		return PROXY_OK;
	if (words != 6 || t) /* t: a seventh word */
		return PROXY_MALFORMED;
	int af;
	if (strcmp(word[1], "TCP4") == 0) {
		af = AF_INET;
		out->family = 4;
	} else if (strcmp(word[1], "TCP6") == 0) {
		af = AF_INET6;
		out->family = 6;
	} else {
		return PROXY_MALFORMED;
	}
	if (inet_pton(af, word[2], out->src) != 1 || inet_pton(af, word[3], out->dst) != 1 ||
	    !parse_port(word[4], &out->src_port) || !parse_port(word[5], &out->dst_port))
		return PROXY_MALFORMED;
	out->has_address = true;
	return PROXY_OK;
}

/*
 * Version 2, proxy-protocol.txt 2.2:
 *   Signature(96) Version(4)=2 Command(4) Family(4) Protocol(4) Length(16)
 *   addresses: AF_INET src(32) dst(32) sport(16) dport(16);
 *              AF_INET6 src(128) dst(128) sport(16) dport(16); AF_UNIX 216 bytes
 *   TLVs up to Length (not read)
 * LOCAL (a health check by the proxy itself) carries no client.
 */
static enum proxy_result parse_v2(const uint8_t *p, size_t len, struct proxy_header *out)
{
	struct rd r = rd_init(p, len);
	rd_skip(&r, sizeof(V2_SIGNATURE));
	uint8_t ver_cmd = rd_u8(&r);
	uint8_t fam = rd_u8(&r);
	uint16_t body_len = rd_u16(&r);
	if (r.err)
		return PROXY_PARTIAL;
	if ((ver_cmd >> 4) != 2 || (ver_cmd & 0x0f) > V2_CMD_PROXY)
		return PROXY_MALFORMED;
	out->version = 2;
	out->length = 16 + (size_t)body_len;
	struct rd body = rd_sub(&r, body_len);
	if (r.err)
		return PROXY_PARTIAL;
	if ((ver_cmd & 0x0f) == V2_CMD_LOCAL || (fam & 0x0f) != V2_PROTO_STREAM)
		return PROXY_OK;
	size_t alen = (fam >> 4) == V2_AF_INET ? 4 : (fam >> 4) == V2_AF_INET6 ? 16 : 0;
	if (!alen)
		return PROXY_OK; /* AF_UNSPEC, AF_UNIX: no IP address */
	const uint8_t *src = rd_bytes(&body, alen);
	const uint8_t *dst = rd_bytes(&body, alen);
	uint16_t sport = rd_u16(&body);
	uint16_t dport = rd_u16(&body);
	if (body.err)
		return PROXY_MALFORMED; /* Length too short for its own family */
	memcpy(out->src, src, alen);
	memcpy(out->dst, dst, alen);
	out->src_port = sport;
	out->dst_port = dport;
	out->family = alen == 4 ? 4 : 6;
	out->has_address = true;
	return PROXY_OK;
}

enum proxy_result proxy_protocol_parse(const uint8_t *p, size_t len, struct proxy_header *out)
{
	memset(out, 0, sizeof(*out));
	static const char V1[] = "PROXY ";
	size_t v1n = sizeof(V1) - 1;
	if (len > 0 && memcmp(p, V1, len < v1n ? len : v1n) == 0)
		return len < v1n ? PROXY_PARTIAL : parse_v1(p, len, out);
	size_t sn = sizeof(V2_SIGNATURE);
	if (len > 0 && memcmp(p, V2_SIGNATURE, len < sn ? len : sn) == 0)
		return len < sn ? PROXY_PARTIAL : parse_v2(p, len, out);
	return PROXY_NOT;
}
