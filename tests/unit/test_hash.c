/*
 * test_hash.c - SipHash-2-4 against the vectors of the paper (Appendix A
 * and the reference implementation's table: key 00 01 .. 0f, message
 * 00 01 .. len-1) and the run's key.
 */
#include <stdlib.h>

#include "check.h"
#include "ts_hash.h"

int main(void)
{
	uint8_t msg[64];
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	struct ts_hash_key key = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	CHECK(ts_siphash24(&key, msg, 0) == 0x726fdb47dd0e0e31ull);
	CHECK(ts_siphash24(&key, msg, 15) == 0xa129ca6149be45e5ull); /* Appendix A */
	/* Every length ends in a different final word: no two prefixes hash alike. */
	for (int n = 1; n < 64; n++)
		CHECK(ts_siphash24(&key, msg, (size_t)n) != ts_siphash24(&key, msg, (size_t)n - 1));
	struct ts_hash_key other = {key.k0 ^ 1, key.k1};
	CHECK(ts_siphash24(&other, msg, 15) != ts_siphash24(&key, msg, 15));
	/* The run's key: fixed by TLSSCOPE_HASH_KEY (read once, on first use). */
	setenv("TLSSCOPE_HASH_KEY", "000102030405060708090a0b0c0d0e0f", 1);
	CHECK(ts_hash(msg, 15) == 0xa129ca6149be45e5ull);
	CHECK(ts_hash(msg, 15) == ts_hash(msg, 15));
	return check_report("test_hash");
}
