/*
 * fuzz_starttls.c - libFuzzer harness for the STARTTLS recogniser.
 *
 * The first input byte says where the rest splits into the two directions'
 * preludes (as a fraction of 255), the second how big the pieces fed are.
 * The kept head and tail must never exceed their caps, and the answer must
 * be a known protocol, the same whichever direction is passed first; a CONNECT
 * host or an XMPP `to` domain found must fit the room given and not be empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "starttls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(struct starttls_dir *d, const uint8_t *p, size_t n, size_t piece)
{
	for (size_t off = 0; off < n; off += piece)
		starttls_feed(d, p + off, n - off < piece ? n - off : piece);
	if (d->head_len > STARTTLS_HEAD_BYTES || d->tail_len > STARTTLS_TAIL_BYTES)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t n = size - 2, split = n * data[0] / 255, piece = (size_t)data[1] + 1;
	struct starttls_dir a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	feed(&a, data + 2, split, piece);
	feed(&b, data + 2 + split, n - split, piece);
	enum starttls_proto p = starttls_detect(&a, &b);
	if ((unsigned)p >= STARTTLS_PROTO_COUNT || (p != STARTTLS_NONE && !starttls_name(p)))
		abort();
	if (starttls_detect(&b, &a) == STARTTLS_NONE && p != STARTTLS_NONE)
		abort();
	uint8_t host[TLS_MAX_NAME_LEN];
	size_t len = 0;
	uint16_t port = 0;
	if (starttls_http_connect(&a, &b, host, sizeof(host), &len, &port) &&
	    (len == 0 || len > sizeof(host) || !port))
		abort();
	len = 0;
	if (starttls_xmpp_to(&a, &b, host, sizeof(host), &len) && (len == 0 || len > sizeof(host)))
		abort();
	return 0;
}
