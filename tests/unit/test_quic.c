/*
 * test_quic.c - the QUIC packet layer against the published Initial packets
 * of RFC 9001 Appendix A (v1) and RFC 9369 Appendix A (v2): keys, header
 * protection, decryption, the frame walk and the hellos it hands on; the
 * ChaCha20-Poly1305 packet of RFC 9001 A.5 through the handshake-secret
 * seam; and what it must refuse (tampered, cut, lying lengths, unknown
 * versions, suites and secret lengths the seam does not take).
 */
#include <stdlib.h>

#include "check.h"
#include "quic.h"
#include "quic_seal.h"
#include "tls_handshake.h"

/* RFC 9001 A.2: the protected client Initial (1200 bytes) */
static const char V1_CLIENT_INITIAL[] = "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
                                        "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
                                        "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
                                        "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
                                        "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
                                        "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
                                        "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
                                        "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
                                        "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
                                        "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
                                        "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
                                        "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
                                        "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
                                        "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
                                        "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
                                        "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
                                        "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
                                        "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
                                        "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
                                        "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
                                        "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
                                        "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
                                        "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
                                        "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
                                        "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
                                        "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
                                        "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
                                        "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
                                        "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
                                        "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
                                        "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
                                        "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
                                        "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
                                        "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
                                        "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
                                        "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
                                        "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
                                        "e221af44860018ab0856972e194cd934";

/* RFC 9001 A.3: the protected server Initial (135 bytes) */
static const char V1_SERVER_INITIAL[] = "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
                                        "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
                                        "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
                                        "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
                                        "2158407dd074ee";

/* RFC 9369 A.2: the protected client Initial (v2) (1200 bytes) */
static const char V2_CLIENT_INITIAL[] = "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
                                        "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
                                        "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
                                        "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
                                        "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
                                        "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
                                        "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
                                        "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
                                        "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
                                        "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
                                        "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
                                        "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
                                        "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
                                        "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
                                        "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
                                        "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
                                        "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
                                        "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
                                        "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
                                        "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
                                        "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
                                        "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
                                        "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
                                        "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
                                        "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
                                        "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
                                        "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
                                        "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
                                        "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
                                        "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
                                        "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
                                        "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
                                        "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
                                        "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
                                        "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
                                        "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
                                        "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
                                        "a18b2faa745b6fe189cf772a9f84cbfc";

/* RFC 9369 A.3: the protected server Initial (v2) (135 bytes) */
static const char V2_SERVER_INITIAL[] = "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"
                                        "baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"
                                        "f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"
                                        "c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"
                                        "4bed8521e2e140";

/* RFC 9001 A.2 and RFC 9369 A.2: the CRYPTO frame (the ClientHello), then 917 bytes of PADDING (245 bytes) */
static const char CLIENT_PAYLOAD[] = "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
                                     "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
                                     "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
                                     "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
                                     "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
                                     "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
                                     "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
                                     "75300901100f088394c8f03e51570806048000ffff";

/* RFC 9001 A.3 and RFC 9369 A.3: ACK and CRYPTO (the ServerHello) (99 bytes) */
static const char SERVER_PAYLOAD[] = "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
                                     "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
                                     "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
                                     "020304";

/* RFC 9369 A.1: the v2 client Initial keys from DCID 8394c8f03e515708. */
#define V2_CLIENT_KEY "8b1a0bc121284290a29e0971b5cd045d"
#define V2_CLIENT_IV "91f73e2351d8fa91660e909f"
#define V2_CLIENT_HP "45b95e15235d6f45a6b19cbcb0294ba9"

static const uint8_t DCID[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* Both examples put the packet number 18 bytes in: first byte, version,
 * DCID (1 + 8 or 1 + 0), SCID (1 + 0 or 1 + 8), token length, 2-byte Length. */
#define PN_OFFSET 18
#define CLIENT_PAYLOAD_LEN 1162 /* 245 bytes of CRYPTO + 917 of PADDING */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;
	if (n > cap)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static uint8_t scratch[QUIC_SCRATCH_LEN];

/* What the sink saw. */
struct seen {
	int packets[QUIC_PKT_TYPE_COUNT];
	int decrypted;
	int role_dir;
	enum quic_role role;
	int handshakes;
	uint8_t msg_type;
	uint8_t body[512];
	uint32_t body_len;
	int anomalies[QUIC_ANOM_NOMEM + 1];
	int closes;
	uint64_t close_code;
};

static void on_packet(void *ctx, uint8_t dir, const struct quic_packet_info *pi)
{
	struct seen *s = ctx;
	s->packets[pi->type]++;
	s->decrypted += pi->decrypted;
}

static void on_role(void *ctx, uint8_t dir, enum quic_role role)
{
	struct seen *s = ctx;
	s->role_dir = dir;
	s->role = role;
}

static void on_handshake(void *ctx, uint8_t dir, enum quic_space space, uint8_t type, const uint8_t *body,
                         uint32_t len)
{
	struct seen *s = ctx;
	s->handshakes++;
	s->msg_type = type;
	s->body_len = len < sizeof(s->body) ? len : (uint32_t)sizeof(s->body);
	memcpy(s->body, body, s->body_len);
}

static void on_close(void *ctx, uint8_t dir, bool app, uint64_t code, uint64_t ftype, const uint8_t *r,
                     size_t n)
{
	struct seen *s = ctx;
	s->closes++;
	s->close_code = code;
}

static void on_anomaly(void *ctx, uint8_t dir, enum quic_anomaly a)
{
	struct seen *s = ctx;
	s->anomalies[a]++;
}

static void feed(struct quic_conn *q, struct seen *s, uint8_t dir, const uint8_t *p, size_t n, size_t *mem)
{
	struct quic_sink sink = {s, on_packet, on_role, on_handshake, on_close, on_anomaly};
	quic_conn_datagram(q, dir, p, n, scratch, &sink, mem);
}

/* Open one published packet with the Initial keys of `role` and compare the plaintext. */
static void open_vector(uint32_t version, enum quic_role role, const char *packet_hex,
                        const char *payload_hex, size_t payload_len, uint64_t want_pn)
{
	static uint8_t pkt[1500], want[1500];
	size_t n = unhex(packet_hex, pkt, sizeof(pkt));
	memset(want, 0, sizeof(want));
	unhex(payload_hex, want, sizeof(want));
	struct quic_packet_keys k;
	CHECK(quic_initial_keys(version, DCID, sizeof(DCID), role, &k));
	const uint8_t *pl = NULL;
	size_t pl_len = 0;
	uint64_t pn = 0;
	CHECK_EQ(quic_packet_open(&k, pkt, n, PN_OFFSET, -1, scratch, sizeof(scratch), &pl, &pl_len, &pn),
	         TS_OK);
	CHECK_EQ(pn, want_pn);
	CHECK_EQ(pl_len, payload_len);
	CHECK(pl && memcmp(pl, want, payload_len) == 0);

	/* One bit flipped in the ciphertext, or in the protected header: the tag fails. */
	pkt[n - 40] ^= 0x01;
	CHECK_EQ(quic_packet_open(&k, pkt, n, PN_OFFSET, -1, scratch, sizeof(scratch), &pl, &pl_len, &pn),
	         TS_MALFORMED);
	pkt[n - 40] ^= 0x01;
	pkt[5] ^= 0x01; /* DCID length byte is part of the AAD */
	CHECK_EQ(quic_packet_open(&k, pkt, n, PN_OFFSET, -1, scratch, sizeof(scratch), &pl, &pl_len, &pn),
	         TS_MALFORMED);
	pkt[5] ^= 0x01;
	/* Too short to hold the header protection sample, or the tag. */
	CHECK_EQ(quic_packet_open(&k, pkt, PN_OFFSET + 19, PN_OFFSET, -1, scratch, sizeof(scratch), &pl,
	                          &pl_len, &pn),
	         TS_MALFORMED);
	CHECK_EQ(quic_packet_open(&k, pkt, n, n + 1, -1, scratch, sizeof(scratch), &pl, &pl_len, &pn),
	         TS_MALFORMED);
	/* Keys of the other version do not open it. */
	CHECK(quic_initial_keys(version == QUIC_VERSION_1 ? QUIC_VERSION_2 : QUIC_VERSION_1, DCID,
	                        sizeof(DCID), role, &k));
	CHECK_EQ(quic_packet_open(&k, pkt, n, PN_OFFSET, -1, scratch, sizeof(scratch), &pl, &pl_len, &pn),
	         TS_MALFORMED);
}

/* Client then server Initial through the whole packet layer: roles, hellos. */
static void conversation(const char *client_hex, const char *server_hex)
{
	static uint8_t c[1500], s[200];
	size_t cn = unhex(client_hex, c, sizeof(c)), sn = unhex(server_hex, s, sizeof(s));
	struct quic_conn q;
	struct seen seen;
	size_t mem = 0;
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	seen.role_dir = -1;

	CHECK(quic_may_start(c, cn));
	feed(&q, &seen, 1, c, cn, &mem);
	CHECK_EQ(seen.packets[QUIC_PKT_INITIAL], 1);
	CHECK_EQ(seen.decrypted, 1);
	CHECK_EQ(seen.role_dir, 1);
	CHECK_EQ(seen.role, QUIC_ROLE_CLIENT);
	CHECK_EQ(seen.handshakes, 1);
	CHECK_EQ(seen.msg_type, 1); /* ClientHello */
	CHECK_EQ(seen.body_len, 0xed);
	struct tls_client_hello *ch = calloc(1, sizeof(*ch));
	CHECK_EQ(tls_client_hello_parse(seen.body, seen.body_len, ch), TS_OK);
	CHECK_EQ(ch->sni_count, 1);
	CHECK(ch->sni[0].len == 11 && memcmp(ch->sni[0].bytes, "example.com", 11) == 0);
	CHECK(ch->alpn_count == 1 && ch->alpn[0].len == 4 && memcmp(ch->alpn[0].bytes, "alpn", 4) == 0);
	free(ch);

	feed(&q, &seen, 0, s, sn, &mem);
	CHECK_EQ(seen.packets[QUIC_PKT_INITIAL], 2);
	CHECK_EQ(seen.decrypted, 2);
	CHECK_EQ(seen.handshakes, 2);
	CHECK_EQ(seen.msg_type, 2); /* ServerHello */
	struct tls_server_hello *sh = calloc(1, sizeof(*sh));
	CHECK_EQ(tls_server_hello_parse(seen.body, seen.body_len, sh), TS_OK);
	CHECK_EQ(sh->cipher_suite, 0x1301);
	CHECK_EQ(sh->selected_version, 0x0304);
	free(sh);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_UNDECRYPTABLE], 0);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_MALFORMED_PACKET], 0);

	/* The same client Initial again: a retransmission hands on nothing new. */
	feed(&q, &seen, 1, c, cn, &mem);
	CHECK_EQ(seen.handshakes, 2);
	quic_conn_free(&q, &mem);
	CHECK_EQ(mem, 0);
}

/* Cut, tampered and lying datagrams: counted, never read past. */
static void hostile(void)
{
	static uint8_t c[1500];
	size_t cn = unhex(V1_CLIENT_INITIAL, c, sizeof(c));
	struct quic_conn q;
	struct seen seen;
	size_t mem = 0;

	/* Cut anywhere: the Length field then claims more than there is. */
	for (size_t cut = 0; cut < cn; cut += 7) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, c, cut);
		quic_conn_init(&q);
		memset(&seen, 0, sizeof(seen));
		feed(&q, &seen, 0, copy, cut, &mem);
		CHECK_EQ(seen.handshakes, 0);
		CHECK_EQ(seen.decrypted, 0);
		if (cut > 0)
			CHECK_EQ(seen.anomalies[QUIC_ANOM_MALFORMED_PACKET], 1);
		quic_conn_free(&q, &mem);
		free(copy);
	}

	/* A tampered byte: undecryptable, nothing handed on. */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	c[600] ^= 0x80;
	feed(&q, &seen, 0, c, cn, &mem);
	c[600] ^= 0x80;
	CHECK_EQ(seen.anomalies[QUIC_ANOM_UNDECRYPTABLE], 1);
	CHECK_EQ(seen.packets[QUIC_PKT_INITIAL], 1);
	CHECK_EQ(seen.handshakes, 0);
	quic_conn_free(&q, &mem);

	/* A DCID length over 20 (RFC 9000 §17.2: v1 endpoints treat it as malformed). */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	c[5] = 21;
	feed(&q, &seen, 0, c, cn, &mem);
	c[5] = 8;
	CHECK_EQ(seen.anomalies[QUIC_ANOM_MALFORMED_PACKET], 1);
	quic_conn_free(&q, &mem);

	/* Versions: unknown ones never start a flow, Version Negotiation does. */
	uint8_t unknown[] = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t vn[] = {0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
	uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	CHECK(!quic_may_start(unknown, sizeof(unknown)));
	CHECK(quic_may_start(vn, sizeof(vn)));
	CHECK(!quic_may_start(dns, sizeof(dns)));
	CHECK(!quic_may_start(c, 6));
	CHECK(quic_version_supported(0xff00001d));  /* draft-29 */
	CHECK(!quic_version_supported(0xff000016)); /* draft-22: another key schedule */
	CHECK_STR(quic_version_name(QUIC_VERSION_2), "quicv2");
	CHECK_STR(quic_version_name(0xff00001c), "draft-28");
	CHECK(quic_version_name(0x51303530) == NULL); /* gQUIC Q050 */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	feed(&q, &seen, 0, vn, sizeof(vn), &mem);
	CHECK_EQ(seen.packets[QUIC_PKT_VERSION_NEGOTIATION], 1);
	CHECK_EQ(seen.role, QUIC_ROLE_SERVER);
	feed(&q, &seen, 0, unknown, sizeof(unknown), &mem);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_UNKNOWN_VERSION], 1);
	quic_conn_free(&q, &mem);

	/* Handshake secrets: the three TLS 1.3 AEAD suites, nothing else (CCM is not used by QUIC stacks). */
	uint8_t secret[48] = {0};
	quic_conn_init(&q);
	CHECK_EQ(quic_conn_set_handshake_secrets(&q, 0x1304, secret, secret, 32), TS_UNSUPPORTED);
	CHECK_EQ(quic_conn_set_handshake_secrets(&q, 0x1301, secret, secret, 48), TS_MALFORMED);
	CHECK_EQ(quic_conn_set_handshake_secrets(&q, 0x1302, secret, secret, 48), TS_OK);
	quic_conn_free(&q, &mem);
	CHECK_EQ(mem, 0);
}

/* Seal `frames` as a client (dir 0) or server (dir 1) Initial under the keys of `dcid`, and feed it. */
static void feed_sealed(struct quic_conn *q, struct seen *s, uint8_t dir, const uint8_t *dcid, uint32_t pn,
                        const uint8_t *frames, size_t n, size_t *mem)
{
	static uint8_t pkt[4096];
	struct quic_packet_keys k;
	CHECK(quic_initial_keys(QUIC_VERSION_1, dcid, 8, dir ? QUIC_ROLE_SERVER : QUIC_ROLE_CLIENT, &k));
	size_t len = quic_seal_initial(&k, dcid, 8, pn, frames, n, pkt, sizeof(pkt));
	CHECK(len > 0);
	feed(q, s, dir, pkt, len, mem);
}

/* A CRYPTO frame with 2-byte varints (RFC 9000 §19.6), appended at *n. */
static void put_crypto(uint8_t *buf, size_t *n, uint32_t offset, const uint8_t *data, size_t len)
{
	buf[(*n)++] = 0x06;
	buf[(*n)++] = (uint8_t)(0x40 | offset >> 8);
	buf[(*n)++] = (uint8_t)offset;
	buf[(*n)++] = (uint8_t)(0x40 | len >> 8);
	buf[(*n)++] = (uint8_t)len;
	memcpy(buf + *n, data, len);
	*n += len;
}

/* CRYPTO reassembly by offset: pieces out of order, across packets; holes, caps, lies. */
static void reassembly(void)
{
	static uint8_t payload[300], frames[2048];
	size_t plen = unhex(CLIENT_PAYLOAD, payload, sizeof(payload));
	const uint8_t *hello = payload + 4; /* the RFC's CRYPTO frame: type, offset 0, 2-byte length 0x40f1 */
	size_t hello_len = plen - 4;
	struct quic_conn q;
	struct seen seen;
	size_t mem = 0, n;

	/* Three pieces, last first, one per packet: the message comes out whole, once. */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	n = 0;
	put_crypto(frames, &n, 200, hello + 200, hello_len - 200);
	feed_sealed(&q, &seen, 0, DCID, 0, frames, n, &mem);
	n = 0;
	put_crypto(frames, &n, 3, hello + 3, 197);
	feed_sealed(&q, &seen, 0, DCID, 1, frames, n, &mem);
	CHECK_EQ(seen.handshakes, 0);
	n = 0;
	put_crypto(frames, &n, 0, hello, 3);
	feed_sealed(&q, &seen, 0, DCID, 2, frames, n, &mem);
	CHECK_EQ(seen.decrypted, 3);
	CHECK_EQ(seen.handshakes, 1);
	CHECK_EQ(seen.body_len, hello_len - 4);
	CHECK(memcmp(seen.body, hello + 4, hello_len - 4) == 0);
	quic_conn_free(&q, &mem);

	/* More separate pieces than QUIC_MAX_CRYPTO_RANGES: the extra one is dropped and counted. */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	n = 0;
	for (uint32_t i = 0; i <= QUIC_MAX_CRYPTO_RANGES; i++)
		put_crypto(frames, &n, 10 + 4 * i, hello, 2);
	feed_sealed(&q, &seen, 0, DCID, 0, frames, n, &mem);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_CRYPTO_LIMIT], 1);
	CHECK_EQ(q.crypto_cut_bytes, 2);
	CHECK_EQ(seen.handshakes, 0);
	quic_conn_free(&q, &mem);

	/* Bytes past the cap: cut and counted, nothing allocated for them. */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	uint8_t far[] = {0x06, 0x80, 0x01, 0x00, 0x00, 0x04, 1, 2, 3, 4}; /* offset 65536, 4-byte varint */
	feed_sealed(&q, &seen, 0, DCID, 0, far, sizeof(far), &mem);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_CRYPTO_LIMIT], 1);
	CHECK_EQ(q.crypto_cut_bytes, 4);
	CHECK_EQ(mem, 0); /* nothing was allocated for them */
	quic_conn_free(&q, &mem);

	/* A message header claiming more than the stream can ever hold: the stream is given up. */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	uint8_t huge[] = {0x01, 0x01, 0x00, 0x00}; /* ClientHello of 65536 bytes */
	n = 0;
	put_crypto(frames, &n, 0, huge, sizeof(huge));
	feed_sealed(&q, &seen, 0, DCID, 0, frames, n, &mem);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_CRYPTO_LIMIT], 1);
	n = 0;
	put_crypto(frames, &n, 4, hello, 100);
	feed_sealed(&q, &seen, 0, DCID, 1, frames, n, &mem);
	CHECK_EQ(seen.handshakes, 0);
	quic_conn_free(&q, &mem);

	/* Frames an Initial may not carry stop the walk; CONNECTION_CLOSE is read. */
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	uint8_t stream[] = {0x08, 0x00, 0x01, 0x61};                /* STREAM */
	uint8_t close[] = {0x1c, 0x41, 0x28, 0x06, 0x02, 'n', 'o'}; /* CRYPTO_ERROR, alert 40 */
	uint8_t lie[] = {0x06, 0x00, 0x50, 0x00, 0x01};             /* CRYPTO longer than the packet */
	feed_sealed(&q, &seen, 0, DCID, 0, stream, sizeof(stream), &mem);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_MALFORMED_PACKET], 1);
	feed_sealed(&q, &seen, 1, DCID, 0, close, sizeof(close), &mem);
	CHECK_EQ(seen.closes, 1);
	CHECK_EQ(seen.close_code, 0x128);
	feed_sealed(&q, &seen, 0, DCID, 1, lie, sizeof(lie), &mem);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_MALFORMED_PACKET], 2);
	quic_conn_free(&q, &mem);
	CHECK_EQ(mem, 0);
}

/* After a Retry the client's Initial carries a new DCID, and the keys follow it. */
static void retry(void)
{
	static const uint8_t NEW_DCID[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	static uint8_t payload[300], frames[600];
	size_t plen = unhex(CLIENT_PAYLOAD, payload, sizeof(payload)), n = 0;
	struct quic_conn q;
	struct seen seen;
	size_t mem = 0;
	quic_conn_init(&q);
	memset(&seen, 0, sizeof(seen));
	feed_sealed(&q, &seen, 0, DCID, 0, payload, plen, &mem);
	CHECK_EQ(seen.handshakes, 1);
	/* Retry (RFC 9000 §17.2.5): type 3, DCID = the client's SCID (empty), SCID = the new DCID, token, tag
	 */
	uint8_t retry_pkt[64] = {0xf0, 0, 0, 0, 1, 0, 8};
	memcpy(retry_pkt + 7, NEW_DCID, 8);
	memset(retry_pkt + 15, 0xab, 16 + 8);
	feed(&q, &seen, 1, retry_pkt, 15 + 24, &mem);
	CHECK_EQ(seen.packets[QUIC_PKT_RETRY], 1);
	/* The client starts over under keys from the new DCID; the server answers under them too. */
	feed_sealed(&q, &seen, 0, NEW_DCID, 1, payload, plen, &mem);
	CHECK_EQ(seen.decrypted, 2);
	CHECK_EQ(seen.handshakes, 1); /* the same ClientHello again: nothing new in the stream */
	uint8_t ack[] = {0x02, 0x01, 0x00, 0x00, 0x00};
	put_crypto(frames, &n, 0, ack, 0); /* an empty CRYPTO frame is nothing */
	memcpy(frames + n, ack, sizeof(ack));
	n += sizeof(ack);
	feed_sealed(&q, &seen, 1, NEW_DCID, 0, frames, n, &mem);
	CHECK_EQ(seen.decrypted, 3);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_UNDECRYPTABLE], 0);
	/* A server Initial under the old keys no longer opens. */
	feed_sealed(&q, &seen, 1, DCID, 1, frames, n, &mem);
	CHECK_EQ(seen.anomalies[QUIC_ANOM_UNDECRYPTABLE], 1);
	quic_conn_free(&q, &mem);
	CHECK_EQ(mem, 0);
}

/*
 * RFC 9001 A.5: a short header packet (PING, packet number 654360564) under
 * ChaCha20-Poly1305 from one secret; handed in as a client handshake traffic
 * secret, since the derivation (quic key/iv/hp) is the same.
 */
static void chacha20(void)
{
	static const char SECRET[] = "9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b";
	static const char KEY[] = "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8";
	static const char HP[] = "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4";
	static const char PACKET[] = "4cfe4189655e5cd55c41f69080575d7999c25a5bfb";
	uint8_t secret[32], want[32], pkt[32];
	struct quic_conn q;
	quic_conn_init(&q);
	unhex(SECRET, secret, sizeof(secret));
	CHECK_EQ(quic_conn_set_handshake_secrets(&q, 0x1304, secret, NULL, 32), TS_UNSUPPORTED);
	CHECK_EQ(quic_conn_set_handshake_secrets(&q, 0x1303, secret, NULL, 48), TS_MALFORMED);
	CHECK(!q.keys[QUIC_SPACE_HANDSHAKE][QUIC_ROLE_CLIENT].valid);
	CHECK_EQ(quic_conn_set_handshake_secrets(&q, 0x1303, secret, NULL, 32), TS_OK);
	const struct quic_packet_keys *k = &q.keys[QUIC_SPACE_HANDSHAKE][QUIC_ROLE_CLIENT];
	CHECK(k->valid && k->chacha && k->key_len == 32);
	CHECK(!q.keys[QUIC_SPACE_HANDSHAKE][QUIC_ROLE_SERVER].valid); /* no server secret given */
	unhex(KEY, want, sizeof(want));
	CHECK(memcmp(k->key, want, 32) == 0);
	unhex(HP, want, sizeof(want));
	CHECK(memcmp(k->hp, want, 32) == 0);

	size_t n = unhex(PACKET, pkt, sizeof(pkt));
	const uint8_t *pl = NULL;
	size_t pl_len = 0;
	uint64_t pn = 0;
	int64_t largest = 654360563;
	CHECK_EQ(quic_packet_open(k, pkt, n, 1, largest, scratch, sizeof(scratch), &pl, &pl_len, &pn), TS_OK);
	CHECK(pn == 654360564);
	CHECK(pl_len == 1 && pl && pl[0] == 0x01); /* PING */
	pkt[n - 1] ^= 1;
	CHECK_EQ(quic_packet_open(k, pkt, n, 1, largest, scratch, sizeof(scratch), &pl, &pl_len, &pn),
	         TS_MALFORMED);
	size_t mem = 0;
	quic_conn_free(&q, &mem);
}

int main(void)
{
	struct quic_packet_keys k;
	uint8_t want[16];
	CHECK(quic_initial_keys(QUIC_VERSION_2, DCID, sizeof(DCID), QUIC_ROLE_CLIENT, &k));
	CHECK(k.valid && k.key_len == 16);
	unhex(V2_CLIENT_KEY, want, sizeof(want));
	CHECK(memcmp(k.key, want, 16) == 0);
	unhex(V2_CLIENT_IV, want, sizeof(want));
	CHECK(memcmp(k.iv, want, 12) == 0);
	unhex(V2_CLIENT_HP, want, sizeof(want));
	CHECK(memcmp(k.hp, want, 16) == 0);
	CHECK(!quic_initial_keys(0x51303530, DCID, sizeof(DCID), QUIC_ROLE_CLIENT, &k));

	open_vector(QUIC_VERSION_1, QUIC_ROLE_CLIENT, V1_CLIENT_INITIAL, CLIENT_PAYLOAD, CLIENT_PAYLOAD_LEN,
	            2);
	open_vector(QUIC_VERSION_1, QUIC_ROLE_SERVER, V1_SERVER_INITIAL, SERVER_PAYLOAD, 99, 1);
	open_vector(QUIC_VERSION_2, QUIC_ROLE_CLIENT, V2_CLIENT_INITIAL, CLIENT_PAYLOAD, CLIENT_PAYLOAD_LEN,
	            2);
	open_vector(QUIC_VERSION_2, QUIC_ROLE_SERVER, V2_SERVER_INITIAL, SERVER_PAYLOAD, 99, 1);
	conversation(V1_CLIENT_INITIAL, V1_SERVER_INITIAL);
	conversation(V2_CLIENT_INITIAL, V2_SERVER_INITIAL);
	hostile();
	reassembly();
	retry();
	chacha20();
	return check_report("test_quic");
}
