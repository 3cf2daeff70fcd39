/*
 * fuzz_keylog.c - libFuzzer harness for the NSS key log reader: the input is
 * key log text, cut into lines at '\n' as keylog_load_file() does; every
 * client random that parsed is then looked up.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keylog *kl = keylog_new();
	if (!kl)
		return 0;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		keylog_add_line(kl, p, len);
		p += len + (nl != NULL);
	}
	/* Look up every 32-byte window of the input: hits and misses both walk the table. */
	for (size_t i = 0; i + KEYLOG_RANDOM_LEN <= size && i < 4096; i += 7)
		(void)keylog_find(kl, data + i);
	keylog_free(kl);
	return 0;
}
