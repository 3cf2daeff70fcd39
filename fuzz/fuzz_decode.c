/*
 * fuzz_decode.c - libFuzzer harness for decode_frame().
 *
 * The first input byte picks one of the supported link types, the rest is
 * the frame. libFuzzer's buffer is exactly that long, so AddressSanitizer
 * catches any read past caplen; the payload must also lie inside the frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libpcap DLT_* values (Linux numbering); 14 is BSD/OS's raw IP, 104 Cisco HDLC. */
static const int link_types[] = {0, 1, 9, 12, 14, 50, 51, 104, 108, 113, 228, 229, 276};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int dlt = link_types[data[0] % (sizeof(link_types) / sizeof(link_types[0]))];
	const uint8_t *frame = data + 1;
	size_t caplen = size - 1;

	struct packet p;
	enum decode_skip s = decode_frame(dlt, frame, caplen, &p);
	if (s >= DECODE_SKIP_COUNT || s == DECODE_SKIP_LINK_TYPE)
		abort();
	if (s != DECODE_SKIP_NONE)
		return 0;
	uintptr_t lo = (uintptr_t)frame, pl = (uintptr_t)p.payload;
	if (pl < lo || p.payload_len > caplen || pl - lo > caplen - p.payload_len)
		abort();
	if (p.payload_len > p.payload_wire_len || (p.ip_proto != 6 && p.ip_proto != 17))
		abort();
	if (p.src.family != p.dst.family || (p.src.family != 4 && p.src.family != 6))
		abort();
	char a[64], b[64];
	ts_addr_format(&p.src, a, sizeof(a));
	ts_addr_format(&p.dst, b, sizeof(b));
	return 0;
}
