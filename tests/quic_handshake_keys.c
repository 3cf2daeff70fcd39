/*
 * quic_handshake_keys.c - the seam for a key log, on a real capture: QUIC v2
 * Handshake packets opened with the handshake traffic secrets of an NSS key
 * log (quic_conn_set_handshake_secrets()), and the server's certificate
 * read from them.
 *
 * Usage: quic_handshake_keys CORPUS_DIR
 * Reads CORPUS_DIR/nDPI__quic-v2.pcapng, its .keys file, and the
 * tshark-made TRUTH_keylog.tsv (the oracle: number of certificates and the
 * leaf's CN once decrypted). This drives the packet layer alone, below the
 * flow table and the connection record: the path `analyze --keylog` takes
 * (src/session/tls_session_decrypt.c) is checked end to end by quic_keylog_cli.py
 * and corpus_keylog_compare.py. Exits 77 when the corpus is missing.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "decode.h"
#include "keylog.h"
#include "quic.h"
#include "tls_handshake.h"

#define CAPTURE "nDPI__quic-v2.pcapng"

struct state {
	struct quic_conn q;
	const struct keylog *keys;
	uint8_t client_random[32];
	bool have_random;
	int secrets_set;
	int finished[2];
	int encrypted_extensions;
	size_t certs;
	char leaf_cn[256];
};

static void on_handshake(void *ctx, uint8_t dir, enum quic_space space, uint8_t type, const uint8_t *body,
                         uint32_t len)
{
	struct state *st = ctx;
	if (type == 1 && len >= 34) { /* ClientHello: legacy_version (2), random (32) */
		memcpy(st->client_random, body + 2, 32);
		st->have_random = true;
	} else if (type == 2 && st->have_random) {
		/* The ServerHello names the suite: now the key log gives the handshake secrets. */
		struct tls_server_hello *sh = calloc(1, sizeof(*sh));
		const struct keylog_entry *e = keylog_find(st->keys, st->client_random);
		if (sh && e && tls_server_hello_parse(body, len, sh) == TS_OK) {
			const struct keylog_secret *cs = &e->secret[KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET];
			const struct keylog_secret *ss = &e->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET];
			enum ts_status set = TS_MALFORMED;
			if (cs->len && cs->len == ss->len)
				set = quic_conn_set_handshake_secrets(&st->q, sh->cipher_suite, cs->v, ss->v,
				                                      cs->len);
			if (set == TS_OK)
				st->secrets_set++;
		}
		free(sh);
	} else if (type == 8 && space == QUIC_SPACE_HANDSHAKE) {
		st->encrypted_extensions++;
	} else if (type == 11 && space == QUIC_SPACE_HANDSHAKE && !st->certs) {
		struct tls_cert_view v[8];
		size_t count = 0, total = 0;
		if (tls_certificate_parse(body, len, true, v, 8, &count, &total) == TS_OK && count) {
			st->certs = total;
			const uint8_t *p = v[0].der;
			X509 *x = d2i_X509(NULL, &p, v[0].len);
			if (x)
				X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
				                          st->leaf_cn, sizeof(st->leaf_cn));
			X509_free(x);
		}
	} else if (type == 20 && space == QUIC_SPACE_HANDSHAKE) {
		st->finished[dir]++;
	}
}

/* The oracle's row for the capture: n_certs and leaf_cn by column name. */
static bool truth(const char *dir, char *n_certs, char *leaf_cn, size_t n)
{
	char path[4096], line[8192];
	snprintf(path, sizeof(path), "%s/TRUTH_keylog.tsv", dir);
	FILE *fp = fopen(path, "r");
	int col_n = -1, col_cn = -1;
	bool found = false;
	while (fp && fgets(line, sizeof(line), fp) && !found) {
		line[strcspn(line, "\n")] = 0;
		char *save = NULL, *f = strtok_r(line, "\t", &save);
		bool header = col_n < 0, ours = f && !strcmp(f, CAPTURE);
		for (int i = 0; f; i++, f = strtok_r(NULL, "\t", &save)) {
			if (header && !strcmp(f, "n_certs"))
				col_n = i;
			if (header && !strcmp(f, "leaf_cn"))
				col_cn = i;
			if (!header && ours && i == col_n)
				snprintf(n_certs, n, "%s", f);
			if (!header && ours && i == col_cn) {
				snprintf(leaf_cn, n, "%s", f);
				found = true;
			}
		}
	}
	if (fp)
		fclose(fp);
	return found;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/corpus/public";
	char path[4096], keys[4096], errbuf[PCAP_ERRBUF_SIZE], want_n[64] = "", want_cn[256] = "";
	snprintf(path, sizeof(path), "%s/%s", dir, CAPTURE);
	snprintf(keys, sizeof(keys), "%s/%s.keys", dir, CAPTURE);
	pcap_t *pc = pcap_open_offline(path, errbuf);
	if (!pc || !truth(dir, want_n, want_cn, sizeof(want_n))) {
		printf("SKIP: %s or its TRUTH_keylog.tsv row not found\n", path);
		return 77;
	}
	static uint8_t scratch[QUIC_SCRATCH_LEN];
	struct state st;
	memset(&st, 0, sizeof(st));
	struct keylog *kl = keylog_new();
	if (!kl || keylog_load_file(kl, keys, errbuf, sizeof(errbuf)) != TS_OK) {
		printf("FAIL: key log %s: %s\n", keys, errbuf);
		keylog_free(kl);
		pcap_close(pc);
		return 1;
	}
	st.keys = kl;
	quic_conn_init(&st.q);
	struct quic_sink sink = {&st, NULL, NULL, on_handshake, NULL, NULL};
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t mem = 0;
	struct ts_addr first = {{0}, 0};
	uint16_t first_port = 0;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		struct packet p;
		if (decode_frame(pcap_datalink(pc), data, h->caplen, &p) != DECODE_SKIP_NONE ||
		    p.ip_proto != 17)
			continue;
		if (!first_port) {
			first = p.src;
			first_port = p.sport;
		}
		uint8_t d = (!memcmp(&p.src, &first, sizeof(first)) && p.sport == first_port) ? 0 : 1;
		quic_conn_datagram(&st.q, d, p.payload, p.payload_len, scratch, &sink, &mem);
	}
	pcap_close(pc);
	quic_conn_free(&st.q, &mem);
	keylog_free(kl);

	int bad = 0;
#define EXPECT(cond, ...)                                                                                    \
	do {                                                                                                 \
		bool ok_ = (cond);                                                                           \
		printf("%s ", ok_ ? "ok  " : "FAIL");                                                        \
		printf(__VA_ARGS__);                                                                         \
		printf("\n");                                                                                \
		bad += !ok_;                                                                                 \
	} while (0)
	EXPECT(st.secrets_set == 1, "handshake secrets found in the key log and set once (%d)",
	       st.secrets_set);
	EXPECT(st.encrypted_extensions == 1, "EncryptedExtensions read from the server's Handshake packets");
	EXPECT(st.certs == strtoul(want_n, NULL, 10), "%zu certificates, tshark with the key log says %s",
	       st.certs, want_n);
	EXPECT(!strcmp(st.leaf_cn, want_cn), "leaf CN '%s', tshark says '%s'", st.leaf_cn, want_cn);
	EXPECT(st.finished[0] == 1 && st.finished[1] == 1, "a Finished from each side (%d, %d)",
	       st.finished[0], st.finished[1]);
	EXPECT(mem == 0, "all CRYPTO buffers given back");
	return bad ? 1 : 0;
}
