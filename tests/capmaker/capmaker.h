/*
 * capmaker.h - what the capture maker's files share: the fixed clock, the
 * deterministic randomness (cm_rand.c), the test PKI (cm_pki.c), the capture
 * writer and simulated TCP endpoints (cm_wire.c), the OpenSSL client/server
 * pair that produces the bytes (cm_conn.c) and the scenario table
 * (cm_scen.c).  capmaker is a test tool, not part of libtlsscope: on any
 * failure it prints why and exits (cm_die), since a half-written sample
 * capture is worse than none.
 */
#ifndef CAPMAKER_H
#define CAPMAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

/* 2026-03-01 00:00:00 UTC: every capture starts here, every certificate
 * validity is relative to it, and verifying clients judge at this time. */
#define CM_EPOCH 1772323200LL
#define CM_DAY 86400LL

/* Ethernet-sized segments; scenarios that want the certificate spread over
 * many segments use the IPv4 minimum of 536 (RFC 879). */
#define CM_MSS_ETHERNET 1460u
#define CM_MSS_ETHERNET_V6 1440u
#define CM_MSS_SMALL 536u

__attribute__((noreturn, format(printf, 1, 2))) void cm_die(const char *fmt, ...);

/* ------------------------------------------------------------ cm_rand.c */

void cm_rand_install(void);
void cm_rand_reseed(const char *label);
uint64_t cm_label_seed(const char *label);
uint64_t cm_next(uint64_t *state);

/* ------------------------------------------------------------- cm_pki.c */

/* Every certificate any scenario sends.  CM_CERT_NONE ends chain lists and,
 * as an issuer, means self-signed. */
enum cm_cert_id {
	CM_CERT_NONE = 0,
	CM_ROOT,     /* tlsscope Test Root CA: the trust anchor, ca/root.pem */
	CM_ISSUING,  /* tlsscope Test Issuing CA (RSA-2048): ca/intermediate.pem */
	CM_LEAF_WWW, /* www.example.test, example.test */
	CM_LEAF_API,
	CM_LEAF_CDN,
	CM_POLICY_CA, /* first of the two intermediates of the long chain */
	CM_ISSUING2,  /* second one */
	CM_LEAF_LONG, /* RSA-4096 leaf under CM_ISSUING2 */
	CM_LEAF_SELFSIGNED,
	CM_LEAF_WILDCARD, /* *.example.test */
	CM_LEAF_IPSAN,    /* DNS www.example.test + IP 10.0.0.2 */
	CM_LEAF_CNONLY,   /* no subjectAltName at all */
	CM_OTHER_ROOT,    /* self-signed root nobody trusts */
	CM_UNKNOWN_ROOT,  /* root of a hierarchy not in ca/ (never sent) */
	CM_UNKNOWN_ISSUING,
	CM_LEAF_UNKNOWN, /* www.example.test under CM_UNKNOWN_ISSUING */
	CM_LEAF_EXPIRED,
	CM_LEAF_NOTYET,
	CM_LEAF_UNRELATED, /* unrelated.example.test under CM_OTHER_ROOT */
	CM_LEAF_SHA1,      /* sha1WithRSAEncryption */
	CM_LEAF_RSA1024,
	CM_LEAF_CLIENTAUTH, /* EKU clientAuth only */
	CM_LEAF_CA,         /* basicConstraints CA:TRUE used as a server cert */
	CM_LEAF_RSA2048,    /* RSA key exchange (the "3DES" case) */
	CM_CERT_COUNT
};

struct cm_pki {
	X509 *cert[CM_CERT_COUNT];
	EVP_PKEY *key[CM_CERT_COUNT];
};

void cm_pki_make(struct cm_pki *pki);
void cm_pki_free(struct cm_pki *pki);
void cm_pki_write_pem(const struct cm_pki *pki, enum cm_cert_id id, const char *path);

/* ------------------------------------------------------------ cm_wire.c */

enum { CM_CLIENT = 0, CM_SERVER = 1 };

#define CM_LINKTYPE_ETHERNET 1u
#define CM_LINKTYPE_LINUX_SLL 113u

struct cm_pcap {
	FILE *f;
	const char *path;
	uint32_t linktype;
	uint16_t vlan;         /* 802.1Q VLAN id; 0 = untagged */
	uint64_t t_us;         /* time of the last packet since CM_EPOCH */
	const void *last_flow; /* to tell a burst from a turn of the conversation */
	int last_side;
	unsigned long packets;
};

void cm_pcap_open(struct cm_pcap *w, const char *path, uint32_t linktype, uint16_t vlan);
void cm_pcap_close(struct cm_pcap *w);

/* One TCP connection as both endpoints would emit it.  Sides are CM_CLIENT
 * and CM_SERVER; addresses are 4 or 16 bytes in network order. */
struct cm_flow {
	struct cm_pcap *w;
	bool v6;
	uint8_t addr[2][16];
	uint16_t port[2];
	uint32_t seq[2]; /* next sequence number the side sends */
	uint32_t rcv[2]; /* next sequence number the side expects: its ACK */
	uint16_t ipid[2];
	unsigned unacked[2]; /* segments the side received and has not ACKed */
	unsigned mss;
};

void cm_flow_init(struct cm_flow *f, struct cm_pcap *w, bool v6, const uint8_t *caddr, const uint8_t *saddr,
                  uint16_t cport, uint16_t sport, unsigned mss, uint64_t *rng);
void cm_flow_syn(struct cm_flow *f);
void cm_flow_synack(struct cm_flow *f);
void cm_flow_ack(struct cm_flow *f, int side);
void cm_flow_fin(struct cm_flow *f, int side);
void cm_flow_rst(struct cm_flow *f, int side);
void cm_flow_send(struct cm_flow *f, int side, const uint8_t *p, size_t n);
void cm_flow_send_reordered(struct cm_flow *f, int side, const uint8_t *p, size_t n);
void cm_flow_send_cut(struct cm_flow *f, int side, const uint8_t *p, size_t n, size_t full, size_t snap);

/* ------------------------------------------------------------ cm_conn.c */

enum cm_outcome {
	CM_OUT_OK,           /* handshake completed */
	CM_OUT_SERVER_ALERT, /* server aborted the handshake with a fatal alert */
	CM_OUT_CLIENT_ALERT, /* client aborted the handshake with a fatal alert */
	CM_OUT_RESET,        /* server reset the connection after the ClientHello */
	CM_OUT_CUT           /* the capture ends inside the server's first flight */
};

enum cm_close {
	CM_CLOSE_NOTIFY_FIN,      /* close_notify both ways, FIN, FIN-ACK, ACK */
	CM_CLOSE_CLIENT_RST,      /* client aborts with RST after the response */
	CM_CLOSE_CLIENT_FIN_EARLY /* client FIN right after the handshake, no data */
};

struct cm_conn_spec {
	/* network */
	bool v6;
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	unsigned mss;
	/* client */
	const char *sni;       /* NULL: no server_name extension */
	int c_min, c_max;      /* protocol versions, e.g. TLS1_2_VERSION */
	const char *c_ciphers; /* TLS <= 1.2 cipher list; NULL = OpenSSL default */
	const char *c_groups;
	bool c_alpn;   /* offer h2, http/1.1 */
	bool c_verify; /* SSL_VERIFY_PEER against an empty trust store */
	int seclevel;  /* both ends */
	/* server */
	int s_min, s_max;
	const char *s_ciphers, *s_groups;
	enum cm_cert_id leaf;
	enum cm_cert_id chain[4]; /* sent after the leaf, in this order; CM_CERT_NONE ends */
	const char *s_only_name;  /* when set, other SNI values get warning 112 */
	bool s_allow_reneg;
	/* what happens */
	bool rst_after_hello; /* server answers the ClientHello with RST */
	bool renegotiate;     /* client renegotiates after the first exchange */
	size_t response_len;  /* body bytes of the HTTP response */
	enum cm_close close;
	/* deliberate damage on the wire */
	bool reorder_server;
	bool cut_in_certificate;
	/* checked when the connection ends */
	enum cm_outcome expect;
	int expect_version; /* negotiated version when the handshake completes */
	int expect_alert;   /* first plaintext alert description, -1 = none */
};

struct cm_conn {
	struct cm_conn_spec sp;
	struct cm_flow flow;
	SSL_CTX *ctx[2];
	SSL *ssl[2];
	BIO *rbio[2], *wbio[2]; /* owned by ssl[side] */
	int phase;
	int turn;
	int failed_side; /* -1 while nobody has failed */
	bool hs_done[2];
	unsigned idle; /* handshake turns in a row with no bytes written */
	unsigned server_flights;
	unsigned requests;
	bool reneg_started;
	int seen_alert; /* first plaintext alert description on the wire */
	enum cm_outcome got;
};

void cm_spec_default(struct cm_conn_spec *sp);
void cm_conn_init(struct cm_conn *k, const struct cm_conn_spec *sp, struct cm_pcap *w,
                  const struct cm_pki *pki, uint64_t *rng);
bool cm_conn_step(struct cm_conn *k);
void cm_conn_finish(struct cm_conn *k, const char *what);

/* ------------------------------------------------------------ cm_scen.c */

struct cm_scenario {
	const char *name; /* file name without .pcap: "NN-short-name" */
	uint32_t linktype;
	uint16_t vlan;
	void (*setup)(struct cm_conn_spec *sp); /* one connection from the default spec */
	void (*run)(struct cm_pcap *w, const struct cm_pki *pki, uint64_t *rng); /* or several */
	unsigned conns;
	const char *sni, *tls; /* manifest columns when run is used */
	const char *what;      /* manifest: what the capture shows, plain words */
};

extern const struct cm_scenario cm_scenarios[];
extern const size_t cm_scenario_count;

void cm_scenario_write(const struct cm_scenario *sc, const char *dir, const struct cm_pki *pki);
void cm_scenario_manifest_line(const struct cm_scenario *sc, FILE *out);

#endif
