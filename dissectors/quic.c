/*
 * quic.c - QUIC long headers, Initial keys, packet protection, frames and
 * CRYPTO reassembly (see quic.h for what this module owns).
 */
#include "quic.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "rd.h"
#include "tls13_keys.h"
#include "ts_limits.h"

#define QUIC_AEAD_TAG_LEN 16
#define QUIC_MIN_INITIAL_DATAGRAM 1200 /* RFC 9000 §14.1 */
#define QUIC_HP_SAMPLE_LEN 16

/* Initial salts: RFC 9001 §5.2 (v1, also drafts 33-34), RFC 9369 §3.3.1 (v2),
 * draft-ietf-quic-tls-29 §5.2 (drafts 29-32) and -23 §5.2 (drafts 23-28). */
static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
static const uint8_t salt_draft29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                         0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
static const uint8_t salt_draft23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                         0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};

#define QUIC_DRAFT(n) (0xff000000u | (n))

static const uint8_t *version_salt(uint32_t v)
{
	if (v == QUIC_VERSION_1 || v == QUIC_DRAFT(33) || v == QUIC_DRAFT(34))
		return salt_v1;
	if (v == QUIC_VERSION_2)
		return salt_v2;
	if (v >= QUIC_DRAFT(29) && v <= QUIC_DRAFT(32))
		return salt_draft29;
	if (v >= QUIC_DRAFT(23) && v <= QUIC_DRAFT(28))
		return salt_draft23;
	return NULL;
}

bool quic_version_supported(uint32_t version)
{
	return version_salt(version) != NULL;
}

bool quic_version_is_greased(uint32_t version)
{
	return (version & 0x0f0f0f0fu) == 0x0a0a0a0au;
}

const char *quic_version_name(uint32_t version)
{
	static const char *const drafts[] = {"draft-23", "draft-24", "draft-25", "draft-26",
	                                     "draft-27", "draft-28", "draft-29", "draft-30",
	                                     "draft-31", "draft-32", "draft-33", "draft-34"};
	if (version == QUIC_VERSION_1)
		return "1";
	if (version == QUIC_VERSION_2)
		return "quicv2";
	if (version >= QUIC_DRAFT(23) && version <= QUIC_DRAFT(34))
		return drafts[version - QUIC_DRAFT(23)];
	return NULL;
}

const char *quic_packet_type_name(enum quic_packet_type t)
{
	static const char *const names[QUIC_PKT_TYPE_COUNT] = {
	    [QUIC_PKT_INITIAL] = "initial",
	    [QUIC_PKT_ZERO_RTT] = "zero_rtt",
	    [QUIC_PKT_HANDSHAKE] = "handshake",
	    [QUIC_PKT_RETRY] = "retry",
	    [QUIC_PKT_VERSION_NEGOTIATION] = "version_negotiation",
	    [QUIC_PKT_ONE_RTT] = "one_rtt",
	};
	return (unsigned)t < QUIC_PKT_TYPE_COUNT ? names[t] : "unknown";
}

/* RFC 9369 §3.2 moved the long packet types around. */
static enum quic_packet_type long_type(uint32_t version, uint8_t first)
{
	static const enum quic_packet_type v1[4] = {QUIC_PKT_INITIAL, QUIC_PKT_ZERO_RTT, QUIC_PKT_HANDSHAKE,
	                                            QUIC_PKT_RETRY};
	static const enum quic_packet_type v2[4] = {QUIC_PKT_RETRY, QUIC_PKT_INITIAL, QUIC_PKT_ZERO_RTT,
	                                            QUIC_PKT_HANDSHAKE};
	unsigned bits = (first >> 4) & 3;
	return version == QUIC_VERSION_2 ? v2[bits] : v1[bits];
}

bool quic_may_start(const uint8_t *p, size_t len)
{
	/* first byte, version (4), DCID length, SCID length at least */
	if (len < 7 || !(p[0] & 0x80))
		return false;
	uint32_t v = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
	if (v == QUIC_VERSION_NEGOTIATION)
		return len >= 11; /* plus at least one supported version */
	if (quic_version_is_greased(v)) {
		/* Only what can elicit Version Negotiation: a datagram of at least
		 * 1200 bytes (RFC 9000 §14.1) whose connection ID lengths fit. */
		size_t scid_at = 6u + p[5];
		return len >= QUIC_MIN_INITIAL_DATAGRAM && p[5] <= QUIC_MAX_CID_LEN && scid_at < len &&
		       p[scid_at] <= QUIC_MAX_CID_LEN;
	}
	/* The fixed bit is not tested: peers may grease it (RFC 9287). */
	return quic_version_supported(v);
}

/* RFC 9000 §16: a variable-length integer, 1, 2, 4 or 8 bytes. */
static uint64_t rd_varint(struct rd *r)
{
	const uint8_t *b = rd_bytes(r, 1);
	if (!b)
		return 0;
	size_t n = (size_t)1 << (b[0] >> 6);
	uint64_t v = b[0] & 0x3f;
	const uint8_t *rest = rd_bytes(r, n - 1);
	if (!rest)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		v = (v << 8) | rest[i];
	return v;
}

static bool read_cid(struct rd *r, struct quic_cid *cid)
{
	uint8_t n = rd_u8(r);
	const uint8_t *b = rd_bytes(r, n);
	if (!b || n > QUIC_MAX_CID_LEN)
		return false;
	cid->len = n;
	memcpy(cid->b, b, n);
	return true;
}

/* ---- keys ---- */

static bool keys_from_secret(const EVP_MD *md, uint32_t version, const uint8_t *secret, size_t secret_len,
                             size_t key_len, struct quic_packet_keys *out)
{
	bool v2 = version == QUIC_VERSION_2;
	memset(out, 0, sizeof(*out));
	out->key_len = (uint8_t)key_len;
	out->version = version;
	if (!tls13_hkdf_expand_label(md, secret, secret_len, v2 ? "quicv2 key" : "quic key", NULL, 0,
	                             out->key, key_len) ||
	    !tls13_hkdf_expand_label(md, secret, secret_len, v2 ? "quicv2 iv" : "quic iv", NULL, 0, out->iv,
	                             sizeof(out->iv)) ||
	    !tls13_hkdf_expand_label(md, secret, secret_len, v2 ? "quicv2 hp" : "quic hp", NULL, 0, out->hp,
	                             key_len))
		return false;
	out->valid = true;
	return true;
}

bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, enum quic_role role,
                       struct quic_packet_keys *out)
{
	const uint8_t *salt = version_salt(version);
	const EVP_MD *md = EVP_sha256();
	uint8_t initial[32], secret[32];
	memset(out, 0, sizeof(*out));
	if (!salt)
		return false;
	bool ok = tls13_hkdf_extract(md, salt, 20, dcid, dcid_len, initial) &&
	          tls13_hkdf_expand_label(md, initial, sizeof(initial),
	                                  role == QUIC_ROLE_CLIENT ? "client in" : "server in", NULL, 0,
	                                  secret, sizeof(secret)) &&
	          keys_from_secret(md, version, secret, sizeof(secret), 16, out);
	OPENSSL_cleanse(initial, sizeof(initial));
	OPENSSL_cleanse(secret, sizeof(secret));
	return ok;
}

enum ts_status quic_conn_set_handshake_secrets(struct quic_conn *q, uint16_t cipher_suite,
                                               const uint8_t *client_secret, const uint8_t *server_secret,
                                               size_t secret_len)
{
	const EVP_MD *md;
	size_t key_len;
	bool chacha = false;
	switch (cipher_suite) {
	case 0x1301:
		md = EVP_sha256();
		key_len = 16;
		break; /* TLS_AES_128_GCM_SHA256 */
	case 0x1302:
		md = EVP_sha384();
		key_len = 32;
		break; /* TLS_AES_256_GCM_SHA384 */
	case 0x1303:
		md = EVP_sha256();
		key_len = 32;
		chacha = true;
		break; /* TLS_CHACHA20_POLY1305_SHA256 */
	default:
		return TS_UNSUPPORTED;
	}
	if (secret_len != (size_t)EVP_MD_get_size(md))
		return TS_MALFORMED;
	struct quic_packet_keys k[2];
	memset(k, 0, sizeof(k));
	const uint8_t *secret[2] = {[QUIC_ROLE_CLIENT] = client_secret, [QUIC_ROLE_SERVER] = server_secret};
	enum ts_status st = TS_OK;
	for (int i = 0; i < 2 && st == TS_OK; i++) {
		if (secret[i] && !keys_from_secret(md, q->version, secret[i], secret_len, key_len, &k[i]))
			st = TS_MALFORMED;
		k[i].chacha = chacha && k[i].valid;
	}
	if (st == TS_OK)
		memcpy(q->keys[QUIC_SPACE_HANDSHAKE], k, sizeof(k));
	OPENSSL_cleanse(k, sizeof(k));
	return st;
}

/* ---- packet protection ---- */

/*
 * RFC 9001 §5.4.3: AES-ECB of the sample under the header protection key;
 * §5.4.4: for ChaCha20, the sample is the block counter (4 bytes, little
 * endian) and nonce (12), exactly OpenSSL's 16-byte ChaCha20 IV, and the
 * mask is the key stream, i.e. the encryption of zeros.
 */
static bool hp_mask(const struct quic_packet_keys *k, const uint8_t *sample, uint8_t mask[16])
{
	static const uint8_t zeros[QUIC_HP_SAMPLE_LEN];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *c = k->chacha          ? EVP_chacha20()
	                      : k->key_len == 32 ? EVP_aes_256_ecb()
	                                         : EVP_aes_128_ecb();
	int n = 0;
	bool ok = ctx && EVP_EncryptInit_ex(ctx, c, NULL, k->hp, k->chacha ? sample : NULL) == 1 &&
	          EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	          EVP_EncryptUpdate(ctx, mask, &n, k->chacha ? zeros : sample, QUIC_HP_SAMPLE_LEN) == 1 &&
	          n == QUIC_HP_SAMPLE_LEN;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static bool aead_open(const struct quic_packet_keys *k, const uint8_t nonce[12], const uint8_t *aad,
                      size_t aad_len, uint8_t *data, size_t len, const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *c = k->chacha          ? EVP_chacha20_poly1305()
	                      : k->key_len == 32 ? EVP_aes_256_gcm()
	                                         : EVP_aes_128_gcm();
	int n = 0, fin = 0;
	bool ok = ctx && EVP_DecryptInit_ex(ctx, c, NULL, NULL, NULL) == 1 &&
	          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
	          EVP_DecryptInit_ex(ctx, NULL, NULL, k->key, nonce) == 1 &&
	          EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
	          EVP_DecryptUpdate(ctx, data, &n, data, (int)len) == 1 &&
	          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, QUIC_AEAD_TAG_LEN, (void *)tag) == 1 &&
	          EVP_DecryptFinal_ex(ctx, data + n, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* RFC 9000 §A.3: the packet number closest to the next one expected. */
static uint64_t decode_pn(int64_t largest, uint64_t truncated, unsigned pn_bits)
{
	uint64_t expected = (uint64_t)(largest + 1);
	uint64_t win = (uint64_t)1 << pn_bits, hwin = win / 2, mask = win - 1;
	uint64_t candidate = (expected & ~mask) | truncated;
	if (candidate + hwin <= expected && candidate < ((uint64_t)1 << 62) - win)
		return candidate + win;
	if (candidate > expected + hwin && candidate >= win)
		return candidate - win;
	return candidate;
}

enum ts_status quic_packet_open(const struct quic_packet_keys *k, const uint8_t *pkt, size_t pkt_len,
                                size_t pn_offset, int64_t largest_pn, uint8_t *scratch, size_t scratch_len,
                                const uint8_t **payload, size_t *payload_len, uint64_t *pn)
{
	if (!k->valid)
		return TS_UNSUPPORTED;
	/* The sample starts 4 bytes after the packet number's start (§5.4.2). */
	if (pkt_len > scratch_len || pn_offset > pkt_len || pkt_len - pn_offset < 4 + QUIC_HP_SAMPLE_LEN)
		return TS_MALFORMED;
	memcpy(scratch, pkt, pkt_len);
	uint8_t mask[16];
	if (!hp_mask(k, scratch + pn_offset + 4, mask))
		return TS_MALFORMED;
	scratch[0] ^= mask[0] & ((scratch[0] & 0x80) ? 0x0f : 0x1f);
	unsigned pn_len = (scratch[0] & 3u) + 1;
	uint64_t truncated = 0;
	for (unsigned i = 0; i < pn_len; i++) {
		scratch[pn_offset + i] ^= mask[1 + i];
		truncated = (truncated << 8) | scratch[pn_offset + i];
	}
	size_t hdr_len = pn_offset + pn_len;
	if (pkt_len - hdr_len < QUIC_AEAD_TAG_LEN)
		return TS_MALFORMED;
	uint64_t full = decode_pn(largest_pn, truncated, pn_len * 8);
	uint8_t nonce[12];
	memcpy(nonce, k->iv, sizeof(nonce));
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(full >> (8 * i));
	size_t ct_len = pkt_len - hdr_len - QUIC_AEAD_TAG_LEN;
	if (!aead_open(k, nonce, scratch, hdr_len, scratch + hdr_len, ct_len, scratch + hdr_len + ct_len))
		return TS_MALFORMED;
	*payload = scratch + hdr_len;
	*payload_len = ct_len;
	*pn = full;
	return TS_OK;
}

/* ---- CRYPTO streams ---- */

static void crypto_free(struct quic_crypto_stream *s, size_t *mem)
{
	free(s->buf);
	*mem -= s->cap;
	memset(s, 0, sizeof(*s));
}

/* Room for stream bytes up to `end`, growing by doubling up to the cap. */
static bool crypto_reserve(struct quic_crypto_stream *s, uint32_t end, size_t *mem)
{
	if (end <= s->cap)
		return true;
	uint32_t cap = s->cap ? s->cap : 2048;
	while (cap < end)
		cap *= 2;
	if (cap > QUIC_MAX_CRYPTO_BYTES)
		cap = QUIC_MAX_CRYPTO_BYTES;
	uint8_t *b = realloc(s->buf, cap);
	if (!b)
		return false;
	*mem += cap - s->cap;
	s->buf = b;
	s->cap = cap;
	return true;
}

/* Merge [start, end) into the sorted range list; false if the list is full. */
static bool crypto_mark(struct quic_crypto_stream *s, uint32_t start, uint32_t end)
{
	struct quic_crypto_range *r = s->ranges;
	unsigned n = s->range_count, i = 0;
	while (i < n && r[i].end < start)
		i++;
	unsigned j = i;
	while (j < n && r[j].start <= end) {
		start = r[j].start < start ? r[j].start : start;
		end = r[j].end > end ? r[j].end : end;
		j++;
	}
	if (i == j) { /* no overlap: insert */
		if (n == QUIC_MAX_CRYPTO_RANGES)
			return false;
		memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
		s->range_count++;
	} else if (j > i + 1) {
		memmove(&r[i + 1], &r[j], (n - j) * sizeof(*r));
		s->range_count = (uint8_t)(n - (j - i - 1));
	}
	r[i].start = start;
	r[i].end = end;
	return true;
}

/* Hand on every whole handshake message the contiguous prefix now holds. */
static void crypto_deliver(struct quic_conn *q, struct quic_crypto_stream *s, uint8_t dir,
                           enum quic_space space, const struct quic_sink *sink)
{
	if (!s->range_count || s->ranges[0].start != 0)
		return;
	uint32_t have = s->ranges[0].end;
	/* Handshake message: type (1), length (3), body (RFC 8446 §4) */
	while (!s->dead && have - s->delivered >= 4) {
		const uint8_t *h = s->buf + s->delivered;
		uint32_t len = ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
		if (len > QUIC_MAX_CRYPTO_BYTES - 4 - s->delivered) {
			s->dead = true; /* can never fit: stop reading this stream */
			if (sink->anomaly)
				sink->anomaly(sink->ctx, dir, QUIC_ANOM_CRYPTO_LIMIT);
			return;
		}
		if (have - s->delivered - 4 < len)
			return;
		if (sink->handshake)
			sink->handshake(sink->ctx, dir, space, h[0], h + 4, len);
		s->delivered += 4 + len;
	}
}

static void crypto_frame(struct quic_conn *q, uint8_t dir, enum quic_space space, enum quic_role role,
                         uint64_t offset, const uint8_t *data, uint64_t len, const struct quic_sink *sink,
                         size_t *mem)
{
	struct quic_crypto_stream *s = &q->crypto[space][role];
	if (s->dead || len == 0)
		return;
	if (offset >= QUIC_MAX_CRYPTO_BYTES || len > QUIC_MAX_CRYPTO_BYTES - offset) {
		uint64_t keep = offset >= QUIC_MAX_CRYPTO_BYTES ? 0 : QUIC_MAX_CRYPTO_BYTES - offset;
		q->crypto_cut_bytes += len - keep;
		if (sink->anomaly)
			sink->anomaly(sink->ctx, dir, QUIC_ANOM_CRYPTO_LIMIT);
		len = keep;
		if (!len)
			return;
	}
	uint32_t start = (uint32_t)offset, end = (uint32_t)(offset + len);
	if (end <= s->delivered)
		return; /* a retransmission of bytes already handed on */
	if (!crypto_reserve(s, end, mem)) {
		if (sink->anomaly)
			sink->anomaly(sink->ctx, dir, QUIC_ANOM_NOMEM);
		return;
	}
	if (!crypto_mark(s, start, end)) {
		q->crypto_cut_bytes += len;
		if (sink->anomaly)
			sink->anomaly(sink->ctx, dir, QUIC_ANOM_CRYPTO_LIMIT);
		return;
	}
	memcpy(s->buf + start, data, (size_t)len);
	crypto_deliver(q, s, dir, space, sink);
}

/* ---- frames ---- */

/*
 * The frames an Initial or Handshake packet may carry (RFC 9000 §12.4,
 * §19): PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE. Anything else there
 * is a protocol violation: the walk stops.
 */
static bool walk_frames(struct quic_conn *q, uint8_t dir, enum quic_space space, enum quic_role role,
                        const uint8_t *payload, size_t len, const struct quic_sink *sink, size_t *mem)
{
	struct rd r = rd_init(payload, len);
	while (rd_left(&r)) {
		uint64_t type = rd_varint(&r);
		switch (type) {
		case 0x00: /* PADDING */
		case 0x01: /* PING */
			break;
		case 0x02:   /* ACK: Largest, Delay, Range Count, First Range, Ranges[] */
		case 0x03: { /* ... and ECN counts */
			rd_varint(&r);
			rd_varint(&r);
			uint64_t ranges = rd_varint(&r);
			rd_varint(&r);
			/* each range is at least 2 bytes, so a lying count ends at the packet's end */
			for (uint64_t i = 0; i < ranges && !r.err; i++) {
				rd_varint(&r);
				rd_varint(&r);
			}
			if (type == 0x03) {
				rd_varint(&r);
				rd_varint(&r);
				rd_varint(&r);
			}
			break;
		}
		case 0x06: { /* CRYPTO: Offset, Length, Data */
			uint64_t offset = rd_varint(&r);
			uint64_t n = rd_varint(&r);
			const uint8_t *data = n <= rd_left(&r) ? rd_bytes(&r, (size_t)n) : NULL;
			if (!data)
				return false;
			crypto_frame(q, dir, space, role, offset, data, n, sink, mem);
			break;
		}
		case 0x1c:   /* CONNECTION_CLOSE: Error Code, Frame Type, Reason Phrase Length, Reason */
		case 0x1d: { /* the application's: no Frame Type */
			uint64_t code = rd_varint(&r);
			uint64_t ftype = type == 0x1c ? rd_varint(&r) : 0;
			uint64_t n = rd_varint(&r);
			const uint8_t *reason = n <= rd_left(&r) ? rd_bytes(&r, (size_t)n) : NULL;
			if (!reason && n)
				return false;
			if (r.err)
				return false;
			if (sink->close)
				sink->close(sink->ctx, dir, type == 0x1d, code, ftype, reason, (size_t)n);
			break;
		}
		default:
			return false;
		}
		if (r.err)
			return false;
	}
	return true;
}

/* ---- packets ---- */

void quic_conn_init(struct quic_conn *q)
{
	memset(q, 0, sizeof(*q));
	for (int s = 0; s < QUIC_SPACE_COUNT; s++)
		q->largest_pn[s][0] = q->largest_pn[s][1] = -1;
}

void quic_conn_free(struct quic_conn *q, size_t *mem)
{
	for (int s = 0; s < QUIC_SPACE_COUNT; s++)
		for (int r = 0; r < 2; r++)
			crypto_free(&q->crypto[s][r], mem);
	OPENSSL_cleanse(q->keys, sizeof(q->keys));
}

void quic_conn_close_space(struct quic_conn *q, enum quic_space space, size_t *mem)
{
	for (int r = 0; r < 2; r++) {
		crypto_free(&q->crypto[space][r], mem);
		q->crypto[space][r].dead = true;
	}
}

static void set_role(struct quic_conn *q, uint8_t dir, enum quic_role role, const struct quic_sink *sink)
{
	if (q->role_known)
		return;
	q->role_known = true;
	q->client_dir = role == QUIC_ROLE_CLIENT ? dir : (uint8_t)(dir ^ 1);
	if (sink->role)
		sink->role(sink->ctx, dir, role);
}

/* Initial keys of `role` for this packet's version, from the client's Initial DCID. */
static const struct quic_packet_keys *initial_keys(struct quic_conn *q, uint32_t version, enum quic_role role)
{
	struct quic_packet_keys *k = &q->keys[QUIC_SPACE_INITIAL][role];
	if (!q->key_dcid_set)
		return NULL;
	if (!k->valid || k->version != version)
		quic_initial_keys(version, q->key_dcid.b, q->key_dcid.len, role, k);
	return k->valid ? k : NULL;
}

/* Try to open a client Initial with the keys its own DCID gives (the first
 * Initial, or the first after a Retry changed the DCID). */
static enum ts_status open_with_own_dcid(struct quic_conn *q, const struct quic_cid *dcid, uint32_t version,
                                         const uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                                         uint8_t *scratch, const uint8_t **pl, size_t *pl_len, uint64_t *pn)
{
	struct quic_packet_keys k;
	if (!quic_initial_keys(version, dcid->b, dcid->len, QUIC_ROLE_CLIENT, &k))
		return TS_UNSUPPORTED;
	enum ts_status st =
	    quic_packet_open(&k, pkt, pkt_len, pn_offset, -1, scratch, QUIC_SCRATCH_LEN, pl, pl_len, pn);
	if (st == TS_OK) {
		q->key_dcid = *dcid;
		q->key_dcid_set = true;
		q->keys[QUIC_SPACE_INITIAL][QUIC_ROLE_CLIENT] = k;
		q->keys[QUIC_SPACE_INITIAL][QUIC_ROLE_SERVER].valid = false; /* derived again on use */
		q->largest_pn[QUIC_SPACE_INITIAL][0] = q->largest_pn[QUIC_SPACE_INITIAL][1] = -1;
	}
	OPENSSL_cleanse(&k, sizeof(k));
	return st;
}

/* Decrypt one Initial or Handshake packet and walk its frames. */
static bool open_packet(struct quic_conn *q, uint8_t dir, struct quic_packet_info *pi, const uint8_t *pkt,
                        size_t pkt_len, size_t pn_offset, uint8_t *scratch, const struct quic_sink *sink,
                        size_t *mem)
{
	enum quic_space space = pi->type == QUIC_PKT_INITIAL ? QUIC_SPACE_INITIAL : QUIC_SPACE_HANDSHAKE;
	const uint8_t *pl = NULL;
	size_t pl_len = 0;
	uint64_t pn = 0;
	enum ts_status st = TS_UNSUPPORTED;
	enum quic_role role = QUIC_ROLE_CLIENT;

	if (q->role_known)
		role = dir == q->client_dir ? QUIC_ROLE_CLIENT : QUIC_ROLE_SERVER;
	if (space == QUIC_SPACE_INITIAL) {
		const struct quic_packet_keys *k = q->role_known ? initial_keys(q, pi->version, role) : NULL;
		if (k)
			st = quic_packet_open(k, pkt, pkt_len, pn_offset, q->largest_pn[space][role], scratch,
			                      QUIC_SCRATCH_LEN, &pl, &pl_len, &pn);
		if (st != TS_OK && role == QUIC_ROLE_CLIENT) {
			st = open_with_own_dcid(q, &pi->dcid, pi->version, pkt, pkt_len, pn_offset, scratch,
			                        &pl, &pl_len, &pn);
			if (st == TS_OK)
				set_role(q, dir, QUIC_ROLE_CLIENT, sink);
		}
	} else if (q->role_known) {
		st = quic_packet_open(&q->keys[space][role], pkt, pkt_len, pn_offset,
		                      q->largest_pn[space][role], scratch, QUIC_SCRATCH_LEN, &pl, &pl_len,
		                      &pn);
	}
	if (st != TS_OK) {
		/* Without a key log a Handshake packet is simply not ours to read; with
		 * one, a packet that stays closed says the key log is wrong or lacking. */
		bool have_keys =
		    q->keys[space][QUIC_ROLE_CLIENT].valid || q->keys[space][QUIC_ROLE_SERVER].valid;
		if (space == QUIC_SPACE_INITIAL && sink->anomaly)
			sink->anomaly(sink->ctx, dir, QUIC_ANOM_UNDECRYPTABLE);
		else if (have_keys && q->role_known && sink->anomaly)
			sink->anomaly(sink->ctx, dir, QUIC_ANOM_HANDSHAKE_UNDECRYPTABLE);
		return false;
	}
	if ((int64_t)pn > q->largest_pn[space][role])
		q->largest_pn[space][role] = (int64_t)pn;
	pi->decrypted = true;
	if (!walk_frames(q, dir, space, role, pl, pl_len, sink, mem) && sink->anomaly)
		sink->anomaly(sink->ctx, dir, QUIC_ANOM_MALFORMED_PACKET);
	return true;
}

static void report(const struct quic_sink *sink, uint8_t dir, const struct quic_packet_info *pi)
{
	if (sink->packet)
		sink->packet(sink->ctx, dir, pi);
}

static void anomaly(const struct quic_sink *sink, uint8_t dir, enum quic_anomaly a)
{
	if (sink->anomaly)
		sink->anomaly(sink->ctx, dir, a);
}

/*
 * Long Header Packet (RFC 9000 §17.2) {
 *   Header Form (1) = 1, Fixed Bit (1) = 1, Long Packet Type (2), Type-Specific Bits (4),
 *   Version (32), Destination Connection ID Length (8), Destination Connection ID (0..160),
 *   Source Connection ID Length (8), Source Connection ID (0..160),
 *   Type-Specific Payload (..),
 * }
 * Initial adds Token Length (i), Token (..); Initial, 0-RTT and Handshake
 * then have Length (i) covering Packet Number and Payload. Several may be
 * coalesced in one datagram (§12.2); a short header packet runs to its end.
 */
void quic_conn_datagram(struct quic_conn *q, uint8_t dir, const uint8_t *data, size_t len, uint8_t *scratch,
                        const struct quic_sink *sink, size_t *mem)
{
	struct rd r = rd_init(data, len);
	/* each round consumes at least one header: at most len rounds */
	while (rd_left(&r)) {
		size_t start = r.off;
		struct quic_packet_info pi;
		memset(&pi, 0, sizeof(pi));
		uint8_t first = rd_u8(&r);
		if (!(first & 0x80)) {
			if (!q->version || first == 0)
				return; /* zero padding after the last coalesced packet, or not QUIC yet */
			pi.type = QUIC_PKT_ONE_RTT;
			pi.length = len - start;
			report(sink, dir, &pi);
			return;
		}
		pi.version = rd_u32(&r);
		if (!read_cid(&r, &pi.dcid) || !read_cid(&r, &pi.scid)) {
			anomaly(sink, dir, QUIC_ANOM_MALFORMED_PACKET);
			return;
		}
		if (pi.version == QUIC_VERSION_NEGOTIATION) {
			/* Supported Version (32) ...: the rest of the datagram (RFC 9000 §17.2.1) */
			pi.type = QUIC_PKT_VERSION_NEGOTIATION;
			pi.length = len - start;
			pi.vn_count = rd_left(&r) / 4;
			pi.vn_versions = pi.vn_count ? rd_bytes(&r, pi.vn_count * 4) : NULL;
			set_role(q, dir, QUIC_ROLE_SERVER, sink);
			report(sink, dir, &pi);
			return;
		}
		if (!quic_version_supported(pi.version)) {
			/* A greased version is meant to be unknown: counted, not an anomaly. */
			anomaly(sink, dir,
			        quic_version_is_greased(pi.version) ? QUIC_ANOM_GREASED_VERSION
			                                            : QUIC_ANOM_UNKNOWN_VERSION);
			return;
		}
		if (!q->version)
			q->version = pi.version;
		pi.type = long_type(pi.version, first);
		if (pi.type == QUIC_PKT_RETRY) {
			/* Retry Token (..), Retry Integrity Tag (128): the rest of the datagram.
			 * The client's next Initial uses a new DCID; open_packet() follows it. */
			pi.length = len - start;
			set_role(q, dir, QUIC_ROLE_SERVER, sink);
			report(sink, dir, &pi);
			return;
		}
		if (pi.type == QUIC_PKT_INITIAL) {
			uint64_t token_len = rd_varint(&r);
			if (token_len > rd_left(&r) || !rd_skip(&r, (size_t)token_len)) {
				anomaly(sink, dir, QUIC_ANOM_MALFORMED_PACKET);
				return;
			}
		}
		uint64_t length = rd_varint(&r);
		if (r.err || length > rd_left(&r)) {
			anomaly(sink, dir, QUIC_ANOM_MALFORMED_PACKET);
			return;
		}
		size_t pn_offset = r.off - start;
		rd_skip(&r, (size_t)length);
		pi.length = r.off - start;
		if (pi.type == QUIC_PKT_ZERO_RTT)
			set_role(q, dir, QUIC_ROLE_CLIENT, sink); /* only a client sends 0-RTT */
		else
			open_packet(q, dir, &pi, data + start, pi.length, pn_offset, scratch, sink, mem);
		report(sink, dir, &pi);
	}
}
