/*
 * fuzz_diag.h - the diagnosis context the harnesses that diagnose records
 * share: an empty trust store (no system files) and a small certificate
 * cache, made once per process.
 */
#ifndef TLSSCOPE_FUZZ_DIAG_H
#define TLSSCOPE_FUZZ_DIAG_H

#include "cert_cache.h"
#include "diagnose.h"

static inline void fuzz_diag_init(struct diag_context *diag)
{
	if (diag->cache)
		return;
	struct trust_options to = {.no_system = true};
	char err[256];
	diag->cache = cert_cache_new(0);
	diag->trust = trust_store_new(&to, err, sizeof(err));
}

#endif
