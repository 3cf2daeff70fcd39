/*
 * fuzz_read.h - one capture held in memory read through a fresh engine (an
 * optional key log), each finished connection diagnosed with fuzz_diag.h's
 * context and handed to the harness: the harnesses that write reports
 * (HTML, diff) and the key log decryption harness share it, and the
 * source-tree files some harnesses load once.
 */
#ifndef TLSSCOPE_FUZZ_READ_H
#define TLSSCOPE_FUZZ_READ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "engine.h"
#include "fuzz_diag.h"

typedef void (*fuzz_conn_fn)(const struct conn *c, const struct diagnosis *dg, void *user);

struct fuzz_read {
	fuzz_conn_fn fn;
	void *user;
	struct diag_context *diag;
	struct diagnosis dg;
};

static void fuzz_read_conn(struct conn *c, void *user)
{
	struct fuzz_read *r = user;
	diagnose_conn(r->diag, c, &r->dg);
	r->fn(c, &r->dg, r->user);
}

/* Read data as input `file_index`; the run's counters into *stats. False: no engine (no memory). */
static inline bool fuzz_read_capture(const uint8_t *data, size_t size, uint32_t file_index,
                                     const struct keylog *kl, struct capture_info *info,
                                     struct ts_stats *stats, fuzz_conn_fn fn, void *user)
{
	static struct diag_context diag;
	fuzz_diag_init(&diag);
	struct fuzz_read *r = calloc(1, sizeof(*r)); /* a diagnosis is large: not on the stack */
	if (!r)
		return false;
	*r = (struct fuzz_read){.fn = fn, .user = user, .diag = &diag};
	struct engine_options o = {.memory_cap = 1u << 20, .keylog = kl};
	struct engine *e = engine_new(&o, fuzz_read_conn, r);
	if (!e) {
		free(r);
		return false;
	}
	engine_set_file(e, file_index);
	memset(info, 0, sizeof(*info));
	capture_read_memory(data, size, "fuzz", e, info);
	engine_flush(e);
	*stats = *engine_stats(e);
	engine_free(e);
	free(r);
	return true;
}

/* A file of the source tree (TLSSCOPE_SOURCE_DIR/rel) the harness cannot do
 * without: its bytes, or the process ends saying which file is missing. */
static inline uint8_t *fuzz_load_file(const char *rel, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", TLSSCOPE_SOURCE_DIR, rel);
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = malloc(1u << 20);
	size_t n = fp && buf ? fread(buf, 1, 1u << 20, fp) : 0;
	if (!fp || !buf || n == 0 || !feof(fp)) {
		fprintf(stderr, "fuzz: cannot read %s (missing, empty or over 1 MiB)\n", path);
		abort();
	}
	fclose(fp);
	*len = n;
	return buf;
}

/* A memory stream's text ends with `tail` (the writer got all the way through). */
static inline bool fuzz_ends_with(const char *buf, size_t len, const char *tail)
{
	size_t n = strlen(tail);
	return buf && len >= n && memcmp(buf + len - n, tail, n) == 0;
}

#endif
