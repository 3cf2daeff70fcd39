/*
 * cm_scen.c - the sample captures: one entry per file, each a change to the
 * default connection (TLS 1.2, SNI www.example.test, leaf + Issuing CA,
 * ALPN h2/http1.1 offered, one request and response, close_notify + FIN,
 * 10.0.0.1 -> 10.0.0.2:443 over Ethernet), plus the manifest line that says
 * in plain words what the capture shows.  Randomness is reseeded from the
 * file name before each capture, so a capture is the same whether it is
 * written alone or with all the others.
 */
#include "capmaker.h"

#include <stdlib.h>
#include <string.h>

#define SNI_WWW "www.example.test"

/* ---------------------------------------------------------- core cases */

static void s_tls12_good(struct cm_conn_spec *sp)
{
	(void)sp; /* the default connection */
}

static void s_tls13(struct cm_conn_spec *sp)
{
	sp->s_max = TLS1_3_VERSION;
	sp->expect_version = TLS1_3_VERSION;
}

static void s_no_sni(struct cm_conn_spec *sp)
{
	sp->sni = NULL;
}

static void s_long_chain(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_LONG;
	sp->chain[0] = CM_ISSUING2;
	sp->chain[1] = CM_POLICY_CA;
	sp->mss = CM_MSS_SMALL;
}

static void s_alert(struct cm_conn_spec *sp)
{
	/* An old client with a single CBC suite against a server that only
	 * does AEAD suites: no shared cipher. */
	sp->c_max = TLS1_2_VERSION;
	sp->c_ciphers = "ECDHE-ECDSA-AES128-SHA";
	sp->s_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
	                "ECDHE-ECDSA-CHACHA20-POLY1305";
	sp->expect = CM_OUT_SERVER_ALERT;
	sp->expect_alert = SSL_AD_HANDSHAKE_FAILURE;
}

static void s_reset(struct cm_conn_spec *sp)
{
	sp->sni = "unknown.example.test";
	sp->rst_after_hello = true;
	sp->expect = CM_OUT_RESET;
}

static void s_reordered(struct cm_conn_spec *sp)
{
	sp->reorder_server = true;
	sp->mss = CM_MSS_SMALL; /* enough segments per flight to shuffle */
	sp->response_len = 2500;
}

static void s_truncated(struct cm_conn_spec *sp)
{
	sp->cut_in_certificate = true;
	sp->expect = CM_OUT_CUT;
}

static void s_ipv6(struct cm_conn_spec *sp)
{
	static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

	sp->v6 = true;
	memcpy(sp->caddr, c6, 16);
	memcpy(sp->saddr, s6, 16);
	sp->mss = CM_MSS_ETHERNET_V6;
}

static void s_hrr(struct cm_conn_spec *sp)
{
	/* The client's only key share is X25519; the server takes P-256 only
	 * and asks again. */
	s_tls13(sp);
	sp->c_groups = "X25519:P-256";
	sp->s_groups = "P-256";
}

static void s_client_alert(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_SELFSIGNED;
	sp->chain[0] = CM_CERT_NONE;
	sp->c_verify = true;
	sp->expect = CM_OUT_CLIENT_ALERT;
	sp->expect_alert = SSL_AD_UNKNOWN_CA;
}

/* Several interleaved connections to three names on one address (virtual
 * hosts chosen by SNI), alternately TLS 1.3 and 1.2, some without ALPN,
 * every fifth aborted by the client with RST.  Up to WINDOW are open at
 * once; each turn one of them, picked at random, moves by one flight. */
enum { MANY_CONNS = 20, MANY_WINDOW = 5 };

static void many_start(struct cm_conn *k, size_t i, uint16_t port0, struct cm_pcap *w,
                       const struct cm_pki *pki, uint64_t *rng)
{
	static const char *const names[3] = {"www.example.test", "api.example.test", "cdn.example.test"};
	static const enum cm_cert_id leaves[3] = {CM_LEAF_WWW, CM_LEAF_API, CM_LEAF_CDN};
	struct cm_conn_spec sp;

	cm_spec_default(&sp);
	sp.cport = (uint16_t)(port0 + 3 * i);
	sp.sni = names[i % 3];
	sp.leaf = leaves[i % 3];
	if (i % 2 == 0)
		s_tls13(&sp);
	sp.c_alpn = i % 4 != 3;
	sp.close = i % 5 == 4 ? CM_CLOSE_CLIENT_RST : CM_CLOSE_NOTIFY_FIN;
	sp.response_len = 300 + 250 * (i % 7);
	cm_conn_init(k, &sp, w, pki, rng);
}

static void run_many(struct cm_pcap *w, const struct cm_pki *pki, uint64_t *rng)
{
	struct cm_conn *conns = calloc(MANY_CONNS, sizeof *conns);
	size_t active[MANY_WINDOW], nact = 0, next = 0;
	uint16_t port0 = (uint16_t)(49152 + cm_next(rng) % 8192);

	if (!conns)
		cm_die("out of memory");
	for (;;) {
		size_t pick;
		while (nact < MANY_WINDOW && next < MANY_CONNS) {
			many_start(&conns[next], next, port0, w, pki, rng);
			active[nact++] = next++;
		}
		if (!nact)
			break;
		pick = (size_t)(cm_next(rng) % nact);
		if (cm_conn_step(&conns[active[pick]])) {
			cm_conn_finish(&conns[active[pick]], "13-many-connections");
			active[pick] = active[--nact];
		}
	}
	free(conns);
}

/* ---------------------------------------------------------- diagnosis cases */

static void s_hostname_mismatch(struct cm_conn_spec *sp)
{
	sp->sni = "shop.example.test";
}

static void s_wildcard_mismatch(struct cm_conn_spec *sp)
{
	sp->sni = "a.b.example.test";
	sp->leaf = CM_LEAF_WILDCARD;
}

static void s_ip_not_in_san(struct cm_conn_spec *sp)
{
	sp->sni = NULL;
}

static void s_ip_in_san(struct cm_conn_spec *sp)
{
	sp->sni = NULL;
	sp->leaf = CM_LEAF_IPSAN;
}

static void s_cn_only(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_CNONLY;
}

static void s_self_signed(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_SELFSIGNED;
	sp->chain[0] = CM_CERT_NONE;
}

static void s_root_in_chain(struct cm_conn_spec *sp)
{
	sp->chain[1] = CM_OTHER_ROOT;
}

static void s_unknown_issuer(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_UNKNOWN;
	sp->chain[0] = CM_UNKNOWN_ISSUING;
}

static void s_missing_intermediate(struct cm_conn_spec *sp)
{
	sp->chain[0] = CM_CERT_NONE;
}

static void s_expired(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_EXPIRED;
}

static void s_not_yet_valid(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_NOTYET;
}

static void s_expiring_leaf(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_EXPIRING;
}

static void s_expiring_intermediate(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_UNDER_SHORT;
	sp->chain[0] = CM_ISSUING_SHORT;
}

static void s_chain_order(struct cm_conn_spec *sp)
{
	sp->chain[0] = CM_LEAF_UNRELATED;
	sp->chain[1] = CM_ISSUING;
}

static void s_sha1(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_SHA1;
	sp->seclevel = 0; /* OpenSSL refuses SHA-1 certificates above 0 */
}

static void s_rsa1024(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_RSA1024;
	sp->seclevel = 0;
}

static void s_eku_client(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_CLIENTAUTH;
}

static void s_ca_as_leaf(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_CA;
}

static void s_sni_ip(struct cm_conn_spec *sp)
{
	sp->sni = "10.0.0.2"; /* RFC 6066 3: literal addresses are not permitted */
	sp->leaf = CM_LEAF_IPSAN;
}

static void s_tls10(struct cm_conn_spec *sp)
{
	/* A server stuck at TLS 1.0 and a client lenient enough to accept it. */
	sp->seclevel = 0;
	sp->c_min = TLS1_VERSION;
	sp->s_min = TLS1_VERSION;
	sp->s_max = TLS1_VERSION;
	sp->expect_version = TLS1_VERSION;
}

static void s_null_cipher(struct cm_conn_spec *sp)
{
	/* Debian's libssl has no 3DES, RC4 or EXPORT suites; a NULL-encryption
	 * suite is the weak cipher it still speaks (at security level 0). */
	sp->seclevel = 0;
	sp->c_max = TLS1_2_VERSION;
	sp->c_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-NULL-SHA";
	sp->s_ciphers = "ECDHE-RSA-NULL-SHA";
	sp->leaf = CM_LEAF_RSA2048;
}

static void s_renegotiation(struct cm_conn_spec *sp)
{
	sp->renegotiate = true;
	sp->s_allow_reneg = true; /* OpenSSL 3 refuses client renegotiation by default */
}

static void s_close_no_data12(struct cm_conn_spec *sp)
{
	sp->leaf = CM_LEAF_SELFSIGNED;
	sp->chain[0] = CM_CERT_NONE;
	sp->close = CM_CLOSE_CLIENT_FIN_EARLY;
}

static void s_close_no_data13(struct cm_conn_spec *sp)
{
	s_close_no_data12(sp);
	s_tls13(sp);
}

/* Node.js with its bundled roots against a chain under a private root: it completes the
 * handshake, then leaves without a word (the root is in the machine's store, not in Node's). */
static void s_private_root_node_closes(struct cm_conn_spec *sp)
{
	sp->close = CM_CLOSE_CLIENT_FIN_EARLY;
}

static void s_warning_112(struct cm_conn_spec *sp)
{
	sp->sni = "old.example.test";
	sp->s_only_name = SNI_WWW;
	sp->expect_alert = SSL_AD_UNRECOGNIZED_NAME;
}

/* ---------------------------------------------------------- the table */

#define ETH CM_LINKTYPE_ETHERNET, 0
#define ONE(fn) fn, NULL, 1, NULL, NULL

static void s_rst_race(struct cm_conn_spec *sp)
{
	sp->close = CM_CLOSE_RST_RACE;
}

const struct cm_scenario cm_scenarios[] = {
    {"01-tls12-good", ETH, ONE(s_tls12_good),
     "complete TLS 1.2 handshake with SNI, leaf + intermediate in clear, ALPN h2/http1.1 "
     "offered (http/1.1 chosen), one request and response, close_notify and FIN close"},
    {"02-tls13-good", ETH, ONE(s_tls13),
     "complete TLS 1.3 handshake; the certificate is encrypted, only SNI, ALPN offer and "
     "the hellos are readable; two NewSessionTickets"},
    {"03-tls12-no-sni", ETH, ONE(s_no_sni),
     "TLS 1.2 where the client sends no server_name extension (it dialled the address); "
     "the certificate is valid for www.example.test"},
    {"04-tls12-long-chain", ETH, ONE(s_long_chain),
     "TLS 1.2 with an RSA-4096 leaf with many names and two intermediates, TCP MSS 536: "
     "the Certificate message spans many segments"},
    {"05-tls12-alert", ETH, ONE(s_alert),
     "client offers one cipher suite the server does not have; server answers the "
     "ClientHello with fatal alert handshake_failure(40) and FIN, no ServerHello"},
    {"06-reset-after-client-hello", ETH, ONE(s_reset),
     "server resets the TCP connection right after a ClientHello for unknown.example.test; "
     "no ServerHello"},
    {"07-tls12-reordered", ETH, ONE(s_reordered),
     "like 01 with MSS 536, but the server's segments arrive out of order, some twice "
     "(retransmissions), one retransmission overlapping two earlier segments with the same "
     "bytes; every byte is in the capture"},
    {"08-truncated-mid-handshake", ETH, ONE(s_truncated),
     "like 01 but the capture stops inside the Certificate: the last complete segment ends "
     "mid-record and the next packet is cut by snaplen (captured length < wire length)"},
    {"09-ipv6", ETH, ONE(s_ipv6), "TLS 1.2 over IPv6, 2001:db8::1 to [2001:db8::2]:443"},
    {"10-vlan", CM_LINKTYPE_ETHERNET, 100, ONE(s_tls13),
     "TLS 1.3 in Ethernet frames carrying an 802.1Q tag (VLAN 100)"},
    {"11-sll", CM_LINKTYPE_LINUX_SLL, 0, ONE(s_tls12_good),
     "TLS 1.2 in a Linux cooked capture (link type 113), as tcpdump -i any writes"},
    {"12-hrr", ETH, ONE(s_hrr),
     "TLS 1.3 with a HelloRetryRequest: the client's only key share is x25519, the server "
     "accepts only secp256r1 and asks again; two ClientHellos"},
    {"13-many-connections", ETH, NULL, run_many, 20, "www.example.test,api.example.test,cdn.example.test",
     "1.2+1.3",
     "20 interleaved connections from 10.0.0.1 to three virtual hosts on 10.0.0.2:443, "
     "TLS 1.3 and 1.2 alternating, some without ALPN, every fifth ended by a client RST"},
    {"14-client-alert-unknown-ca", ETH, ONE(s_client_alert),
     "a verifying client with an empty trust store gets a self-signed leaf and aborts "
     "with fatal alert unknown_ca(48), then FIN; TLS 1.2"},
    {"15-hostname-mismatch", ETH, ONE(s_hostname_mismatch),
     "SNI shop.example.test but the certificate is for www.example.test and example.test; "
     "the client does not verify, so the handshake completes"},
    {"16-wildcard-mismatch", ETH, ONE(s_wildcard_mismatch),
     "SNI a.b.example.test against a *.example.test certificate: a wildcard covers one "
     "label only"},
    {"17-ip-not-in-san", ETH, ONE(s_ip_not_in_san),
     "client connects to 10.0.0.2 without SNI; the certificate has DNS names only, no IP "
     "address"},
    {"18-ip-in-san", ETH, ONE(s_ip_in_san),
     "client connects to 10.0.0.2 without SNI; the certificate lists IP:10.0.0.2, so the "
     "name check passes (good case)"},
    {"19-cn-only", ETH, ONE(s_cn_only),
     "certificate without subjectAltName, the name only in CN=www.example.test (ignored by "
     "browsers)"},
    {"20-self-signed-leaf", ETH, ONE(s_self_signed),
     "server sends a single self-signed certificate for www.example.test"},
    {"21-self-signed-root-in-chain", ETH, ONE(s_root_in_chain),
     "leaf + intermediate + an unrelated self-signed root (tlsscope Other Root CA) that "
     "nobody trusts"},
    {"22-unknown-issuer", ETH, ONE(s_unknown_issuer),
     "leaf + intermediate chaining to tlsscope Unknown Root CA, which is not in ca/"},
    {"23-missing-intermediate", ETH, ONE(s_missing_intermediate),
     "server sends only the leaf; its AIA caIssuers URL "
     "(http://ca.example.test/issuing.crt) points to the missing intermediate"},
    {"24-expired-leaf", ETH, ONE(s_expired), "leaf expired 10 days before the capture (notAfter 2026-02-19)"},
    {"25-not-yet-valid-leaf", ETH, ONE(s_not_yet_valid),
     "leaf valid only from 5 days after the capture (notBefore 2026-03-06)"},
    {"26-chain-order-wrong", ETH, ONE(s_chain_order),
     "chain sent as leaf, an unrelated certificate (unrelated.example.test), then the "
     "intermediate"},
    {"27-sha1-signed-leaf", ETH, ONE(s_sha1),
     "leaf signed with sha1WithRSAEncryption by the Issuing CA (both ends at security "
     "level 0)"},
    {"28-rsa1024-leaf", ETH, ONE(s_rsa1024), "leaf with a 1024-bit RSA key (both ends at security level 0)"},
    {"29-eku-client-auth-only", ETH, ONE(s_eku_client),
     "leaf whose extended key usage is clientAuth only, no serverAuth"},
    {"30-ca-cert-as-leaf", ETH, ONE(s_ca_as_leaf),
     "server certificate has basicConstraints CA:TRUE and keyCertSign"},
    {"31-sni-ip-literal", ETH, ONE(s_sni_ip),
     "client puts the address 10.0.0.2 in SNI, which RFC 6066 forbids; the certificate "
     "has IP:10.0.0.2"},
    {"32-tls10-obsolete", ETH, ONE(s_tls10),
     "server speaks only TLS 1.0 and the client accepts it (security level 0)"},
    {"33-weak-cipher-null", ETH, ONE(s_null_cipher),
     "TLS_ECDHE_RSA_WITH_NULL_SHA (0xc010) chosen: records after ChangeCipherSpec are "
     "authenticated but not encrypted (security level 0); RSA leaf"},
    {"34-client-renegotiation", ETH, ONE(s_renegotiation),
     "TLS 1.2; after the first request the client renegotiates: a second full handshake "
     "inside the encrypted stream (handshake records after ChangeCipherSpec), then a "
     "second request"},
    {"35-client-close-no-data-tls12", ETH, ONE(s_close_no_data12),
     "TLS 1.2 handshake with a self-signed leaf completes, then the client closes with FIN "
     "without close_notify or any data, as Node.js does when its certificate check fails"},
    {"36-client-close-no-data-tls13", ETH, ONE(s_close_no_data13),
     "the same over TLS 1.3: client Finished, server tickets, then client FIN with no "
     "data; the certificate is encrypted"},
    {"37-warning-unrecognized-name", ETH, ONE(s_warning_112),
     "SNI old.example.test is unknown to the server: it sends warning alert "
     "unrecognized_name(112) before its ServerHello and continues with its "
     "www.example.test certificate"},
    {"38-late-data-after-reset", ETH, ONE(s_rst_race),
     "like 01, but the client ends with a RST after the response, and the server's "
     "close_notify and FIN, sent before the RST reached it, arrive after the RST: one "
     "connection, its last two segments late"},
    {"38-expiring-leaf", ETH, ONE(s_expiring_leaf),
     "TLS 1.2, leaf + intermediate, the leaf valid but expiring 12 days after the capture "
     "(notAfter 2026-03-13)"},
    {"39-expiring-intermediate", ETH, ONE(s_expiring_intermediate),
     "TLS 1.2, a leaf valid for 60 more days sent with an intermediate (tlsscope Test Issuing "
     "CA 2025) that expires 20 days after the capture (notAfter 2026-03-21)"},
    {"50-private-root-node-closes", ETH, ONE(s_private_root_node_closes),
     "TLS 1.2 with leaf + intermediate under the private root of ca/; the client closes "
     "with FIN right after the handshake, as Node.js does when the root is in the "
     "machine's store (--system-ca-add ca/root.pem) but not in its bundled roots"},
};

const size_t cm_scenario_count = sizeof cm_scenarios / sizeof cm_scenarios[0];

/* ---------------------------------------------------------- running */

static void single_spec(const struct cm_scenario *sc, struct cm_conn_spec *sp, uint64_t *rng)
{
	cm_spec_default(sp);
	sp->cport = (uint16_t)(49152 + cm_next(rng) % 16384);
	sc->setup(sp);
}

void cm_scenario_write(const struct cm_scenario *sc, const char *dir, const struct cm_pki *pki)
{
	char path[4096], label[128];
	struct cm_pcap w;
	uint64_t rng;

	snprintf(label, sizeof label, "capmaker scenario %s", sc->name);
	cm_rand_reseed(label);
	rng = cm_label_seed(label);
	if ((size_t)snprintf(path, sizeof path, "%s/%s.pcap", dir, sc->name) >= sizeof path)
		cm_die("path too long");
	cm_pcap_open(&w, path, sc->linktype, sc->vlan);
	if (sc->run) {
		sc->run(&w, pki, &rng);
	} else {
		struct cm_conn_spec sp;
		struct cm_conn k;
		single_spec(sc, &sp, &rng);
		cm_conn_init(&k, &sp, &w, pki, &rng);
		while (!cm_conn_step(&k)) {
		}
		cm_conn_finish(&k, sc->name);
	}
	cm_pcap_close(&w);
	printf("%s: %lu packets\n", path, w.packets);
}

static const char *version_name(int v)
{
	switch (v) {
	case TLS1_VERSION:
		return "1.0";
	case TLS1_1_VERSION:
		return "1.1";
	case TLS1_2_VERSION:
		return "1.2";
	case TLS1_3_VERSION:
		return "1.3";
	}
	return "?";
}

void cm_scenario_manifest_line(const struct cm_scenario *sc, FILE *out)
{
	const char *link = sc->linktype == CM_LINKTYPE_LINUX_SLL ? "113 (Linux cooked)"
	                   : sc->vlan                            ? "1 (Ethernet, 802.1Q)"
	                                                         : "1 (Ethernet)";
	const char *sni = sc->sni, *tls = sc->tls;

	if (!sc->run) {
		struct cm_conn_spec sp;
		uint64_t rng = 0;
		single_spec(sc, &sp, &rng);
		sni = sp.sni ? sp.sni : "-";
		/* no ServerHello was ever sent: no version */
		tls = sp.expect == CM_OUT_RESET || sp.expect == CM_OUT_SERVER_ALERT
		          ? "-"
		          : version_name(sp.expect_version);
	}
	fprintf(out, "%s.pcap\t%s\t%u\t%s\t%s\t%s\n", sc->name, link, sc->conns, sni, tls, sc->what);
}
