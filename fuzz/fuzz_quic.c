/*
 * fuzz_quic.c - libFuzzer harness for the QUIC packet layer of one flow.
 *
 * The input is a list of datagrams: flags (1 byte: bit 0 the direction,
 * bit 1 "protect"), length (2 bytes), bytes. An unprotected datagram goes in
 * as it is (headers, coalescing, versions, lengths). A protected one is
 * taken as the plaintext frames of an Initial packet, which the harness
 * seals with the real Initial keys of a fixed client DCID (direction 0 is the
 * client), so the fuzzer reaches the frame walk and CRYPTO reassembly behind
 * the AEAD. Every datagram is copied to a buffer of its exact size, so
 * AddressSanitizer sees any read past it; every handshake message handed on
 * must lie inside the stream's cap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/quic_seal.h"
#include "quic.h"
#include "ts_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t DCID[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static uint8_t scratch[QUIC_SCRATCH_LEN];

static void on_handshake(void *ctx, uint8_t dir, enum quic_space space, uint8_t type, const uint8_t *body,
                         uint32_t len)
{
	if (len > QUIC_MAX_CRYPTO_BYTES || dir > 1 || space >= QUIC_SPACE_COUNT)
		abort();
	volatile uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++) /* the whole body must be readable */
		sum ^= body[i];
	(void)sum;
}

static void on_close(void *ctx, uint8_t dir, bool app, uint64_t code, uint64_t ftype, const uint8_t *reason,
                     size_t n)
{
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum ^= reason[i];
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct quic_packet_keys keys[2];
	static bool have_keys;
	if (!have_keys) {
		if (!quic_initial_keys(QUIC_VERSION_1, DCID, sizeof(DCID), QUIC_ROLE_CLIENT, &keys[0]) ||
		    !quic_initial_keys(QUIC_VERSION_1, DCID, sizeof(DCID), QUIC_ROLE_SERVER, &keys[1]))
			abort();
		have_keys = true;
	}
	struct quic_conn q;
	struct quic_sink sink = {NULL, NULL, NULL, on_handshake, on_close, NULL};
	size_t mem = 0;
	uint32_t pn = 0;
	quic_conn_init(&q);
	while (size >= 3) {
		uint8_t flags = data[0];
		size_t n = (size_t)data[1] << 8 | data[2];
		data += 3, size -= 3;
		if (n > size)
			n = size;
		uint8_t dir = flags & 1;
		uint8_t *dgram;
		size_t len = n;
		if (flags & 2) {
			static uint8_t sealed[2048];
			len = quic_seal_initial(&keys[dir], DCID, sizeof(DCID), pn++, data, n, sealed,
			                        sizeof(sealed));
			dgram = malloc(len ? len : 1);
			if (dgram)
				memcpy(dgram, sealed, len);
		} else {
			dgram = malloc(n ? n : 1);
			if (dgram)
				memcpy(dgram, data, n);
		}
		if (dgram)
			quic_conn_datagram(&q, dir, dgram, len, scratch, &sink, &mem);
		free(dgram);
		data += n, size -= n;
	}
	quic_conn_free(&q, &mem);
	if (mem != 0)
		abort(); /* every byte accounted for was given back */
	return 0;
}
