/*
 * fuzz_expect.c - libFuzzer harness for the --expect rules: parsing and
 * looking one up, then matching the names it gives against certificates.
 *
 * Input: up to the first newline, one --expect argument (cut at a NUL, as
 * argv would be); the rest an --expect-file, read from a memory stream.
 * The rules of both then must hold together (1 to EXPECT_MAX_NAMES names
 * each, lower case, at most 253 characters), every rule for an address
 * must be found for that address with a rule at least as specific, and
 * the names of every rule found are matched, for every client, against a
 * certificate with many DNS names and one with IP addresses.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "fuzz_read.h"
#include "hostname.h"
#include "x509_cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const cert_files[] = {"tests/unit/data/x509/04-tls12-long-chain.0.der",
                                         "tests/unit/data/x509/18-ip-in-san.0.der"};
static struct x509_cert certs[2];

static void load_certs(void)
{
	for (size_t i = 0; i < 2; i++) {
		size_t len;
		uint8_t *der = fuzz_load_file(cert_files[i], &len);
		if (x509_cert_parse(der, len, &certs[i]) != TS_OK || !certs[i].parsed)
			abort();
		free(der);
	}
}

static void check_rule(const struct expect_rule *x)
{
	if (x->name_count == 0 || x->name_count > EXPECT_MAX_NAMES)
		abort();
	for (size_t i = 0; i < x->name_count; i++) {
		size_t n = strlen(x->names[i]);
		if (n == 0 || n > 253)
			abort();
		for (size_t k = 0; k < n; k++)
			if (isupper((unsigned char)x->names[i][k]))
				abort();
	}
}

static void match_names(const struct expect_rule *x)
{
	for (size_t i = 0; i < x->name_count; i++) {
		uint8_t ip[16], ip_len;
		(void)hostname_parse_ip(x->names[i], ip, &ip_len);
		for (int client = 0; client < CLIENT_COUNT; client++)
			for (size_t k = 0; k < 2; k++) {
				struct host_match m =
				    hostname_match((enum tls_client)client, &certs[k], x->names[i]);
				if (m.ok && m.result != HOST_MATCH && m.result != HOST_MATCH_CN)
					abort();
			}
	}
}

/* Rank as expect.h orders them: for the address and port, for the address, for every server. */
static int specificity(const struct expect_rule *x)
{
	return !x->has_addr ? 0 : x->port ? 2 : 1;
}

static void lookup(const struct expect_rules *rules, const struct ts_addr *addr, uint16_t port)
{
	const struct expect_rule *x = expect_lookup(rules, addr, port);
	if (x) {
		if (x->has_addr && memcmp(x->addr.bytes, addr->bytes, 16) != 0)
			abort();
		if (x->port && x->port != port)
			abort();
		match_names(x);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!certs[0].parsed)
		load_certs();
	struct expect_rules rules = {0};
	char err[4096];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t arg_len = nl ? (size_t)(nl - data) : size;
	char *arg = strndup((const char *)data, arg_len);
	if (!arg)
		return 0;
	err[0] = 0;
	if (!expect_add(&rules, arg, err, sizeof(err)) && !err[0])
		abort(); /* a refused rule says why */
	free(arg);
	if (nl && (size_t)(nl - data) + 1 < size) {
		size_t file_len = size - arg_len - 1;
		FILE *fp = fmemopen((void *)(nl + 1), file_len, "r");
		if (fp) {
			if (!expect_add_stream(&rules, fp, "rules.txt", err, sizeof(err)) &&
			    strncmp(err, "rules.txt", 9) != 0)
				abort(); /* a file's error names it */
			fclose(fp);
		}
	}
	if (rules.count > EXPECT_MAX_RULES)
		abort();
	bool global = false;
	for (size_t i = 0; i < rules.count; i++) {
		const struct expect_rule *x = &rules.v[i];
		check_rule(x);
		global |= !x->has_addr;
		if (!x->has_addr)
			continue;
		uint16_t port = x->port ? x->port : 443;
		const struct expect_rule *found = expect_lookup(&rules, &x->addr, port);
		if (!found || specificity(found) < specificity(x))
			abort();
		lookup(&rules, &x->addr, port);
	}
	struct ts_addr v4 = {.bytes = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 2}, .family = 4};
	struct ts_addr v6 = {.bytes = {[15] = 1}, .family = 6};
	if (global && (!expect_lookup(&rules, &v4, 443) || !expect_lookup(&rules, &v6, 8443)))
		abort(); /* a rule for every server applies to any */
	lookup(&rules, &v4, 443);
	lookup(&rules, &v6, 8443);
	expect_free(&rules);
	return 0;
}
