/*
 * replay_main.c - a main() for a libFuzzer harness without libFuzzer: each
 * file named on the command line is read whole and handed to the harness's
 * LLVMFuzzerTestOneInput once. Linked with every fuzz_*.c as replay_fuzz_*
 * in the normal and sanitizer builds, so the inputs kept from fuzzing
 * (tests/regress/<harness>/, fuzz/crashes/<harness>/) are replayed by every
 * ctest run, not only by the fuzz build. Exit 0 when every input ran; a
 * crash is the harness's (or a sanitizer's) abort.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* As run_fuzzer.sh's -max_len is for generated inputs; a kept input is never larger. */
#define REPLAY_MAX_INPUT (16u << 20)

static int replay(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return 1;
	}
	uint8_t *buf = malloc(REPLAY_MAX_INPUT + 1);
	size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT + 1, fp) : 0;
	int bad = !buf || ferror(fp) || n > REPLAY_MAX_INPUT;
	fclose(fp);
	if (bad) {
		fprintf(stderr, "replay: cannot read %s whole (at most %u bytes)\n", path, REPLAY_MAX_INPUT);
		free(buf);
		return 1;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 1; i < argc; i++)
		failed |= replay(argv[i]);
	return failed;
}
