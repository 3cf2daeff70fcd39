/*
 * capmaker.c - the command line of the capture maker:
 *
 *   capmaker -o DIR            every sample capture, DIR/ca/ (PEM), DIR/MANIFEST.tsv
 *   capmaker -o DIR NAME...    only the named captures (and DIR/ca/)
 *
 * A NAME is a capture's file name with or without ".pcap", its number
 * ("07") or its short name ("tls12-reordered").  Output is byte-for-byte
 * the same from run to run and does not depend on which captures are asked
 * for; see cm_rand.c for how OpenSSL's randomness is pinned and cm_scen.c
 * for what each capture shows.
 */
#include "capmaker.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

void cm_die(const char *fmt, ...)
{
	va_list ap;

	fputs("capmaker: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: capmaker -o DIR [NAME...]\n"
	           "  writes the sample TLS captures into DIR (all of them, the trust anchors in\n"
	           "  DIR/ca/ and DIR/MANIFEST.tsv), or only the captures named (NN, NN-name,\n"
	           "  name or NN-name.pcap; DIR/ca/ is always written)\n"
	           "captures:\n");
	for (size_t i = 0; i < cm_scenario_count; i++)
		fprintf(f, "  %s\n", cm_scenarios[i].name);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		cm_die("cannot create %s: %s", path, strerror(errno));
}

static bool name_matches(const char *want, const char *name)
{
	size_t n = strlen(name), wl = strlen(want);
	const char *dash = strchr(name, '-');

	if (!strcmp(want, name))
		return true;
	if (wl == n + 5 && !strncmp(want, name, n) && !strcmp(want + n, ".pcap"))
		return true;
	if (dash && !strcmp(want, dash + 1))
		return true;
	return dash && (size_t)(dash - name) == wl && !strncmp(want, name, wl);
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	bool *selected;
	bool all;
	int argi = 1;
	char path[4096];
	struct cm_pki pki;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "-o") != 0) {
		usage(stderr);
		return 2;
	}
	dir = argv[2];
	selected = calloc(cm_scenario_count, sizeof *selected);
	if (!selected)
		cm_die("out of memory");
	argi = 3;
	all = argi == argc;
	for (; argi < argc; argi++) {
		bool found = false;
		for (size_t i = 0; i < cm_scenario_count; i++)
			if (name_matches(argv[argi], cm_scenarios[i].name))
				selected[i] = found = true;
		if (!found) {
			fprintf(stderr, "capmaker: no capture called %s\n", argv[argi]);
			usage(stderr);
			free(selected);
			return 2;
		}
	}
	if (strlen(dir) > sizeof path - 64)
		cm_die("directory name too long");

	/* The machine's openssl.cnf must not change what the samples contain. */
	if (!OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) ||
	    !OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL))
		cm_die("OpenSSL initialisation failed");
	cm_rand_install();

	/* The whole PKI, always, so no capture depends on the selection. */
	cm_rand_reseed("capmaker pki v1");
	cm_pki_make(&pki);

	make_dir(dir);
	snprintf(path, sizeof path, "%s/ca", dir);
	make_dir(path);
	snprintf(path, sizeof path, "%s/ca/root.pem", dir);
	cm_pki_write_pem(&pki, CM_ROOT, path);
	snprintf(path, sizeof path, "%s/ca/intermediate.pem", dir);
	cm_pki_write_pem(&pki, CM_ISSUING, path);

	for (size_t i = 0; i < cm_scenario_count; i++)
		if (all || selected[i])
			cm_scenario_write(&cm_scenarios[i], dir, &pki);

	if (all) {
		FILE *m;
		snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
		m = fopen(path, "w");
		if (!m)
			cm_die("cannot create %s", path);
		fprintf(m, "# file\tlink_type\tconnections\tsni\ttls\twhat_it_shows\n");
		for (size_t i = 0; i < cm_scenario_count; i++)
			cm_scenario_manifest_line(&cm_scenarios[i], m);
		if (fclose(m) != 0)
			cm_die("write error on %s", path);
	}
	cm_pki_free(&pki);
	free(selected);
	return 0;
}
