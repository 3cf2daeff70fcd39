/*
 * tls_handshake.c - parsers for the handshake messages a passive observer
 * sees in clear (RFC 5246, RFC 8446).
 *
 * Every byte is read through the bounded reader (rd.h), and every
 * length-prefixed vector through its own child reader: the parent skips the
 * whole vector whatever the child finds inside, so a damaged extension is
 * contained and the next one is still read. A hello is used as far as it
 * parsed; what went wrong is kept as TLS_HELLO_* notes rather than failing
 * the message, the way Zeek raises a "weird" and carries on.
 */
#include "tls_handshake.h"

#include <string.h>

#include "rd.h"
#include "tls_names.h"
#include "ts_hash.h"

/* RFC 8446 4.1.3: SHA-256("HelloRetryRequest"), the random of every HelloRetryRequest. */
/* clang-format off */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};
/* clang-format on */

/* ---- small helpers ------------------------------------------------------ */

static uint16_t count_up16(uint16_t n)
{
	return n < UINT16_MAX ? (uint16_t)(n + 1) : n;
}

static uint8_t count_up8(uint8_t n)
{
	return n < UINT8_MAX ? (uint8_t)(n + 1) : n;
}

/* Keep a code point if the list has room; its wire count is kept whole either way. */
static void list_push(struct tls_u16_list *l, uint16_t v, unsigned *notes)
{
	l->total = count_up16(l->total);
	if (l->count < TLS_MAX_LIST_ITEMS)
		l->v[l->count++] = v;
	else
		*notes |= TLS_HELLO_LIST_CUT;
}

/* The rest of `r` as a list of 16-bit code points; false on an odd byte or an empty list. */
static bool u16_list_read(struct rd *r, struct tls_u16_list *l, unsigned *notes)
{
	bool empty = rd_left(r) == 0;

	while (rd_left(r) >= 2)
		list_push(l, rd_u16(r), notes);
	return !empty && rd_done(r);
}

/* Copy a name from the wire, cut at the cap, remembering its wire length. */
static void name_set(struct tls_name *n, struct rd *bytes, unsigned *notes)
{
	size_t len = rd_left(bytes);
	const uint8_t *p = rd_bytes(bytes, len);

	/* Every caller hands a reader from rd_vec8/rd_vec16: len <= UINT16_MAX. */
	n->wire_len = (uint16_t)len;
	n->len = (uint16_t)(len < TLS_MAX_NAME_LEN ? len : TLS_MAX_NAME_LEN);
	if (p && n->len)
		memcpy(n->bytes, p, n->len);
	if (len > TLS_MAX_NAME_LEN)
		*notes |= TLS_HELLO_LIST_CUT;
}

/* A session id (both hellos): opaque legacy_session_id<0..32>. */
static bool session_id_copy(struct rd *sid, uint8_t out[32], uint8_t *out_len)
{
	size_t len = rd_left(sid);
	const uint8_t *p;

	if (len > 32)
		return false;
	p = rd_bytes(sid, len);
	if (p && len)
		memcpy(out, p, len);
	*out_len = (uint8_t)len;
	return true;
}

/* Extensions that carry no data (RFC 7627, RFC 7366, RFC 8446 4.2.6, ...). */
static bool empty_body(const struct rd *e)
{
	return rd_done(e);
}

/* ---- the extension block ------------------------------------------------ */

/*
 * Extension block (RFC 8446 4.2, RFC 5246 7.4.1.4):
 *
 *   struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
 *   Extension extensions<0..2^16-1>;
 *
 * An iterator over the block: each extension comes out as its type and a
 * child reader over its body. `cut` says the message ended inside the block,
 * which makes a short last extension a truncation rather than a bad one.
 */
struct ext_iter {
	struct rd block;
	bool cut;
	unsigned *notes;
	uint8_t seen[65536 / 8]; /* types met so far, for RFC 8446 4.2's "no duplicates" */
};

static void ext_iter_init(struct ext_iter *it, struct rd *r, unsigned *notes)
{
	uint16_t block_len = rd_u16(r);

	memset(it->seen, 0, sizeof(it->seen));
	it->notes = notes;
	it->cut = false;
	if (r->err) {
		/* No room for the block length. */
		*notes |= TLS_HELLO_TRUNCATED;
		it->block = rd_init(NULL, 0);
		return;
	}
	if (block_len > rd_left(r)) {
		*notes |= TLS_HELLO_TRUNCATED;
		it->cut = true;
		block_len = (uint16_t)rd_left(r);
	}
	it->block = rd_sub(r, block_len);
}

/*
 * The next extension, or false at the end of the block. A header or body
 * that overruns the block ends the walk: nothing after it can be found.
 */
static bool ext_iter_next(struct ext_iter *it, uint16_t *type, uint16_t *len, bool *first, struct rd *body)
{
	size_t left = rd_left(&it->block);

	if (left == 0)
		return false;
	if (left < 4) {
		*it->notes |= it->cut ? TLS_HELLO_TRUNCATED : TLS_HELLO_BAD_EXTENSION;
		(void)rd_skip(&it->block, left);
		return false;
	}
	*type = rd_u16(&it->block);
	*len = rd_u16(&it->block);
	*first = !(it->seen[*type / 8] & (1u << (*type % 8)));
	it->seen[*type / 8] |= (uint8_t)(1u << (*type % 8));
	if (*len > rd_left(&it->block)) {
		/* Still reported (its type was on the wire), with a failed body the caller skips. */
		*it->notes |= it->cut ? TLS_HELLO_TRUNCATED : TLS_HELLO_BAD_EXTENSION;
		(void)rd_skip(&it->block, rd_left(&it->block));
		*body = (struct rd){NULL, 0, 0, true};
		return true;
	}
	*body = rd_sub(&it->block, *len);
	return true;
}

static void ext_keep(struct tls_extension *list, uint16_t *count, uint16_t *total, uint16_t type,
                     uint16_t len, unsigned *notes)
{
	*total = count_up16(*total);
	if (*count < TLS_MAX_EXTENSIONS) {
		list[*count].type = type;
		list[*count].len = len;
		(*count)++;
	} else {
		*notes |= TLS_HELLO_LIST_CUT;
	}
}

/* ---- ClientHello extensions --------------------------------------------- */

/*
 * server_name (RFC 6066 3):
 *
 *   struct {
 *       NameType name_type;                       host_name(0)
 *       select (name_type) { case host_name: HostName; } name;
 *   } ServerName;
 *   opaque HostName<1..2^16-1>;
 *   struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
 *
 * RFC 6066 defines no other name type; unknown ones are skipped as the same
 * opaque<1..2^16-1> (as RFC 3546 laid them out), and only host names kept.
 */
static bool sni_parse(struct rd *e, struct tls_client_hello *ch, unsigned *notes)
{
	struct rd list = rd_vec16(e);
	bool ok = rd_done(e) && rd_left(&list) > 0;

	while (rd_left(&list) > 0) {
		uint8_t name_type = rd_u8(&list);
		struct rd name = rd_vec16(&list);

		if (list.err)
			return false;
		if (rd_left(&name) == 0)
			ok = false;
		if (name_type != 0)
			continue;
		ch->sni_total = count_up8(ch->sni_total);
		if (ch->sni_count < TLS_MAX_SNI_NAMES)
			name_set(&ch->sni[ch->sni_count++], &name, notes);
		else
			*notes |= TLS_HELLO_LIST_CUT;
	}
	return ok;
}

/*
 * application_layer_protocol_negotiation (RFC 7301 3.1):
 *
 *   opaque ProtocolName<1..2^8-1>;
 *   struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
 */
static bool alpn_parse(struct rd *e, struct tls_name *names, size_t max, uint8_t *count, uint8_t *total,
                       unsigned *notes)
{
	struct rd list = rd_vec16(e);
	bool ok = rd_done(e) && rd_left(&list) > 0;

	while (rd_left(&list) > 0) {
		struct rd name = rd_vec8(&list);

		if (list.err)
			return false;
		if (rd_left(&name) == 0)
			ok = false;
		*total = count_up8(*total);
		if (*count < max)
			name_set(&names[(*count)++], &name, notes);
		else
			*notes |= TLS_HELLO_LIST_CUT;
	}
	return ok;
}

/*
 * key_share in a ClientHello (RFC 8446 4.2.8); only the groups are kept:
 *
 *   struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
 *   struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;
 */
static bool client_key_share_parse(struct rd *e, struct tls_u16_list *groups, unsigned *notes)
{
	struct rd shares = rd_vec16(e);
	bool ok = rd_done(e);

	while (rd_left(&shares) > 0) {
		uint16_t group = rd_u16(&shares);
		struct rd key = rd_vec16(&shares);

		if (shares.err)
			return false;
		if (rd_left(&key) == 0)
			ok = false;
		list_push(groups, group, notes);
	}
	return ok;
}

/*
 * pre_shared_key in a ClientHello (RFC 8446 4.2.11); the identities are
 * counted, the binders only checked for shape:
 *
 *   struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 *   opaque PskBinderEntry<32..255>;
 *   struct {
 *       PskIdentity identities<7..2^16-1>;
 *       PskBinderEntry binders<33..2^16-1>;
 *   } OfferedPsks;
 */
static bool client_psk_parse(struct rd *e, uint16_t *identities, uint64_t *first_identity_hash)
{
	struct rd ids = rd_vec16(e);
	struct rd binders = rd_vec16(e);
	bool ok = rd_done(e) && rd_left(&ids) > 0 && rd_left(&binders) > 0;

	while (rd_left(&ids) > 0) {
		struct rd identity = rd_vec16(&ids);

		(void)rd_u32(&ids); /* obfuscated_ticket_age */
		if (ids.err)
			return false;
		if (rd_left(&identity) == 0)
			ok = false;
		else if (*identities == 0)
			*first_identity_hash = tls_ticket_hash(identity.p + identity.off, rd_left(&identity));
		*identities = count_up16(*identities);
	}
	while (rd_left(&binders) > 0) {
		struct rd binder = rd_vec8(&binders);

		if (binders.err)
			return false;
		if (rd_left(&binder) < 32)
			ok = false;
	}
	return ok;
}

/*
 * status_request in a ClientHello (RFC 6066 8):
 *
 *   struct {
 *       CertificateStatusType status_type;       ocsp(1)
 *       select (status_type) { case ocsp: OCSPStatusRequest; } request;
 *   } CertificateStatusRequest;
 *   struct {
 *       ResponderID responder_id_list<0..2^16-1>;
 *       Extensions  request_extensions;          opaque Extensions<0..2^16-1>
 *   } OCSPStatusRequest;
 *
 * Other status types have no layout to check.
 */
static bool status_request_parse(struct rd *e)
{
	uint8_t status_type = rd_u8(e);

	if (e->err)
		return false;
	if (status_type != 1)
		return true;
	(void)rd_vec16(e);
	(void)rd_vec16(e);
	return rd_done(e);
}

/*
 * encrypted_client_hello (draft-ietf-tls-esni-13+ 5):
 *
 *   enum { outer(0), inner(1) } ECHClientHelloType;
 *   struct {
 *       ECHClientHelloType type;
 *       select (type) {
 *           case outer: HpkeSymmetricCipherSuite cipher_suite;   uint16 kdf_id, uint16 aead_id
 *                       uint8 config_id; opaque enc<0..2^16-1>; opaque payload<1..2^16-1>;
 *           case inner: Empty;
 *       };
 *   } ECHClientHello;
 */
static bool ech_parse(struct rd *e)
{
	uint8_t type = rd_u8(e);

	if (type == 0) {
		struct rd payload;

		(void)rd_u16(e);   /* kdf_id */
		(void)rd_u16(e);   /* aead_id */
		(void)rd_u8(e);    /* config_id */
		(void)rd_vec16(e); /* enc */
		payload = rd_vec16(e);
		return rd_done(e) && rd_left(&payload) > 0;
	}
	return type == 1 && rd_done(e);
}

/* One ClientHello extension body, decoded into `ch`; false when it does not parse. */
static bool client_extension_parse(struct tls_client_hello *ch, uint16_t type, struct rd *e, unsigned *notes)
{
	switch (type) {
	case TLS_EXT_SERVER_NAME:
		return sni_parse(e, ch, notes);
	case TLS_EXT_STATUS_REQUEST:
		ch->has_status_request = true;
		return status_request_parse(e);
	case TLS_EXT_SUPPORTED_GROUPS: {
		/* RFC 8422 5.1.1: NamedCurve named_curve_list<2..2^16-1>; */
		struct rd list = rd_vec16(e);
		return u16_list_read(&list, &ch->supported_groups, notes) && rd_done(e);
	}
	case TLS_EXT_EC_POINT_FORMATS: {
		/* RFC 8422 5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>; */
		struct rd list = rd_vec8(e);
		bool ok = rd_done(e) && rd_left(&list) > 0;

		while (rd_left(&list) > 0) {
			uint8_t format = rd_u8(&list);

			ch->ec_point_format_total = count_up8(ch->ec_point_format_total);
			if (ch->ec_point_format_count < sizeof(ch->ec_point_formats))
				ch->ec_point_formats[ch->ec_point_format_count++] = format;
			else
				*notes |= TLS_HELLO_LIST_CUT;
		}
		return ok;
	}
	case TLS_EXT_SIGNATURE_ALGORITHMS: {
		/* RFC 8446 4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2>; */
		struct rd list = rd_vec16(e);
		return u16_list_read(&list, &ch->signature_algorithms, notes) && rd_done(e);
	}
	case TLS_EXT_ALPN:
		return alpn_parse(e, ch->alpn, sizeof(ch->alpn) / sizeof(ch->alpn[0]), &ch->alpn_count,
		                  &ch->alpn_total, notes);
	case TLS_EXT_ENCRYPT_THEN_MAC:
		ch->has_encrypt_then_mac = true;
		return empty_body(e);
	case TLS_EXT_EXTENDED_MASTER_SECRET:
		ch->has_extended_master_secret = true;
		return empty_body(e);
	case TLS_EXT_SESSION_TICKET:
		/* RFC 5077 3.2: the body is the ticket itself (empty: "send me one"). */
		ch->has_session_ticket = true;
		ch->session_ticket_len = (uint16_t)rd_left(e);
		if (ch->session_ticket_len)
			ch->session_ticket_hash = tls_ticket_hash(e->p + e->off, rd_left(e));
		return true;
	case TLS_EXT_PRE_SHARED_KEY:
		ch->has_pre_shared_key = true;
		return client_psk_parse(e, &ch->psk_identity_count, &ch->psk_identity_hash);
	case TLS_EXT_EARLY_DATA:
		ch->has_early_data = true;
		return empty_body(e);
	case TLS_EXT_SUPPORTED_VERSIONS: {
		/* RFC 8446 4.2.1: ProtocolVersion versions<2..254>; */
		struct rd list = rd_vec8(e);
		return u16_list_read(&list, &ch->supported_versions, notes) && rd_done(e);
	}
	case TLS_EXT_PSK_KEY_EXCHANGE_MODES: {
		/* RFC 8446 4.2.9: PskKeyExchangeMode ke_modes<1..255>; (one byte each) */
		struct rd list = rd_vec8(e);
		bool ok = rd_done(e) && rd_left(&list) > 0;

		while (rd_left(&list) > 0)
			list_push(&ch->psk_key_exchange_modes, rd_u8(&list), notes);
		return ok;
	}
	case TLS_EXT_POST_HANDSHAKE_AUTH:
		ch->has_post_handshake_auth = true;
		return empty_body(e);
	case TLS_EXT_KEY_SHARE:
		return client_key_share_parse(e, &ch->key_share_groups, notes);
	case TLS_EXT_ENCRYPTED_CLIENT_HELLO:
		ch->has_encrypted_client_hello = true;
		return ech_parse(e);
	case TLS_EXT_RENEGOTIATION_INFO:
		/* RFC 5746 3.2: opaque renegotiated_connection<0..255>; */
		ch->has_renegotiation_info = true;
		(void)rd_vec8(e);
		return rd_done(e);
	default:
		return true;
	}
}

/* ---- ClientHello -------------------------------------------------------- */

static void client_suite_add(struct tls_client_hello *ch, uint16_t suite)
{
	ch->cipher_suite_total = count_up16(ch->cipher_suite_total);
	if (ch->cipher_suite_count < TLS_MAX_CIPHER_SUITES)
		ch->cipher_suites[ch->cipher_suite_count++] = suite;
	else
		ch->malformed |= TLS_HELLO_LIST_CUT;
	if (suite == 0x00ff)
		ch->has_scsv_renegotiation = true; /* RFC 5746 3.3 */
	if (suite == 0x5600)
		ch->has_scsv_fallback = true; /* RFC 7507 */
}

/*
 * ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2):
 *
 *   ProtocolVersion legacy_version;                        2
 *   Random random;                                         32
 *   opaque legacy_session_id<0..32>;                       1 + n
 *   CipherSuite cipher_suites<2..2^16-2>;                  2 + 2n
 *   opaque legacy_compression_methods<1..2^8-1>;           1 + n
 *   Extension extensions<8..2^16-1>;                       2 + n, absent from SSL 3.0-era hellos
 *
 * Everything up to the cipher suites must be there and well formed (a
 * session id of at most 32 bytes, whole suites), or the result is
 * TS_MALFORMED; after that, a short message keeps what it had
 * (TLS_HELLO_TRUNCATED).
 */
enum ts_status tls_client_hello_parse(const uint8_t *body, size_t len, struct tls_client_hello *out)
{
	struct rd r = rd_init(body, len);
	const uint8_t *random;
	struct rd sid, suites, comp;
	struct ext_iter it;
	uint16_t type, ext_len;
	bool first;
	struct rd e;

	memset(out, 0, sizeof(*out));
	out->legacy_version = rd_u16(&r);
	random = rd_bytes(&r, 32);
	if (random)
		memcpy(out->random, random, 32);
	sid = rd_vec8(&r);
	if (!r.err && !session_id_copy(&sid, out->session_id, &out->session_id_len))
		return TS_MALFORMED;
	suites = rd_vec16(&r);
	if (r.err) {
		out->malformed |= TLS_HELLO_TRUNCATED;
		return TS_MALFORMED;
	}
	while (rd_left(&suites) >= 2)
		client_suite_add(out, rd_u16(&suites));
	if (!rd_done(&suites))
		return TS_MALFORMED; /* odd length: the suites cannot be told apart */

	if (rd_left(&r) == 0) {
		out->malformed |= TLS_HELLO_TRUNCATED;
		return TS_OK;
	}
	comp = rd_vec8(&r);
	if (r.err) {
		out->malformed |= TLS_HELLO_TRUNCATED;
		return TS_OK;
	}
	while (rd_left(&comp) > 0) {
		uint8_t method = rd_u8(&comp);

		if (out->compression_count < sizeof(out->compression_methods))
			out->compression_methods[out->compression_count++] = method;
		else
			out->malformed |= TLS_HELLO_LIST_CUT;
	}

	if (rd_left(&r) == 0)
		return TS_OK; /* no extensions: valid before TLS 1.3 (RFC 5246 7.4.1.2) */
	ext_iter_init(&it, &r, &out->malformed);
	while (ext_iter_next(&it, &type, &ext_len, &first, &e)) {
		ext_keep(out->extensions, &out->extension_count, &out->extension_total, type, ext_len,
		         &out->malformed);
		/* A duplicate is listed but not decoded again: the first copy is what a server reads. */
		if (!first)
			out->duplicate_extension = true;
		else if (!e.err && !client_extension_parse(out, type, &e, &out->malformed))
			out->malformed |= TLS_HELLO_BAD_EXTENSION;
	}
	if (rd_left(&r) > 0)
		out->malformed |= TLS_HELLO_TRAILING;
	return TS_OK;
}

/*
 * SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2; the SSL 2.0 specification,
 * draft-hickman-netscape-ssl-00), after the 2-byte record length:
 *
 *   uint8 msg_type;                                   1 = CLIENT-HELLO
 *   Version version;                                  2
 *   uint16 cipher_spec_length;                        a multiple of 3
 *   uint16 session_id_length;                         0 or 16 (up to 32 accepted)
 *   uint16 challenge_length;                          16..32
 *   V2CipherSpec cipher_specs[cipher_spec_length];    3 bytes each
 *   opaque session_id[session_id_length];
 *   opaque challenge[challenge_length];
 *
 * A spec whose first byte is 0 is a TLS suite; the rest are SSL 2.0 kinds,
 * counted but not kept. The challenge becomes the random right-aligned
 * behind zero bytes, as RFC 5246 E.2 turns it into ClientHello.random.
 */
enum ts_status tls_client_hello_parse_sslv2(const uint8_t *body, size_t len, struct tls_client_hello *out)
{
	struct rd r = rd_init(body, len);
	uint8_t msg_type;
	uint16_t spec_len, sid_len, challenge_len;
	struct rd specs, sid;
	const uint8_t *challenge;

	memset(out, 0, sizeof(*out));
	out->sslv2_format = true;
	msg_type = rd_u8(&r);
	out->legacy_version = rd_u16(&r);
	spec_len = rd_u16(&r);
	sid_len = rd_u16(&r);
	challenge_len = rd_u16(&r);
	if (r.err) {
		out->malformed |= TLS_HELLO_TRUNCATED;
		return TS_MALFORMED;
	}
	if (msg_type != 1 || spec_len % 3 != 0 || sid_len > 32 || challenge_len < 16 || challenge_len > 32)
		return TS_MALFORMED;

	specs = rd_sub(&r, spec_len);
	if (r.err) {
		out->malformed |= TLS_HELLO_TRUNCATED;
		return TS_MALFORMED;
	}
	while (rd_left(&specs) >= 3) {
		uint8_t kind_hi = rd_u8(&specs);
		uint16_t kind_lo = rd_u16(&specs);

		if (kind_hi == 0)
			client_suite_add(out, kind_lo);
		else
			out->cipher_suite_total = count_up16(out->cipher_suite_total);
	}

	sid = rd_sub(&r, sid_len);
	if (!r.err)
		(void)session_id_copy(&sid, out->session_id, &out->session_id_len);
	challenge = rd_bytes(&r, challenge_len);
	if (r.err) {
		out->malformed |= TLS_HELLO_TRUNCATED;
		return TS_OK;
	}
	memcpy(out->random + (32 - challenge_len), challenge, challenge_len);
	if (rd_left(&r) > 0)
		out->malformed |= TLS_HELLO_TRAILING;
	return TS_OK;
}

/* ---- ServerHello -------------------------------------------------------- */

/*
 * One ServerHello / HelloRetryRequest extension body (RFC 8446 4.2, RFC
 * 5246 7.4.1.4); false when it does not parse:
 *
 *   supported_versions  ProtocolVersion selected_version;                   RFC 8446 4.2.1
 *   key_share           KeyShareEntry server_share;                         RFC 8446 4.2.8
 *                       (HelloRetryRequest: NamedGroup selected_group;)
 *   pre_shared_key      uint16 selected_identity;                           RFC 8446 4.2.11
 *   ALPN                ProtocolNameList with exactly one name              RFC 7301 3.1
 *   renegotiation_info  opaque renegotiated_connection<0..255>;             RFC 5746 3.2
 *   signed_certificate_timestamp  SignedCertificateTimestampList<1..2^16-1>  RFC 6962 3.3.1
 *   server_name, status_request, session_ticket, extended_master_secret,
 *   encrypt_then_mac: empty
 */
static bool server_extension_parse(struct tls_server_hello *sh, uint16_t type, struct rd *e)
{
	switch (type) {
	case TLS_EXT_SERVER_NAME:
		return empty_body(e);
	case TLS_EXT_STATUS_REQUEST:
		sh->has_status_request = true;
		return empty_body(e);
	case TLS_EXT_EC_POINT_FORMATS: {
		struct rd list = rd_vec8(e);
		return rd_done(e) && rd_left(&list) > 0;
	}
	case TLS_EXT_ALPN: {
		/* More than one name is a bad extension here, not a list cut at a cap. */
		uint8_t count = 0, total = 0;
		unsigned cut = 0;
		bool ok = alpn_parse(e, &sh->alpn, 1, &count, &total, &cut);

		sh->has_alpn = true;
		return ok && total == 1;
	}
	case TLS_EXT_SCT: {
		struct rd list = rd_vec16(e);

		sh->has_sct = true;
		return rd_done(e) && rd_left(&list) > 0;
	}
	case TLS_EXT_ENCRYPT_THEN_MAC:
		sh->has_encrypt_then_mac = true;
		return empty_body(e);
	case TLS_EXT_EXTENDED_MASTER_SECRET:
		sh->has_extended_master_secret = true;
		return empty_body(e);
	case TLS_EXT_SESSION_TICKET:
		sh->has_session_ticket = true;
		return empty_body(e);
	case TLS_EXT_PRE_SHARED_KEY:
		sh->has_pre_shared_key = true;
		sh->selected_psk_identity = rd_u16(e);
		return rd_done(e);
	case TLS_EXT_SUPPORTED_VERSIONS:
		sh->selected_version = rd_u16(e);
		return rd_done(e);
	case TLS_EXT_KEY_SHARE:
		sh->key_share_group = rd_u16(e);
		if (!sh->is_hello_retry_request) {
			struct rd key = rd_vec16(e);

			if (!e->err && rd_left(&key) == 0)
				return false;
		}
		return rd_done(e);
	case TLS_EXT_RENEGOTIATION_INFO:
		sh->has_renegotiation_info = true;
		(void)rd_vec8(e);
		return rd_done(e);
	default:
		return true;
	}
}

/* draft-ietf-tls-tls13-NN announced itself as 0x7fNN; the final ServerHello
 * layout (session id echo, compression byte) came with draft 22. */
#define TLS13_DRAFT_FINAL_LAYOUT 22
#define TLS_EXT_KEY_SHARE_OLD 40 /* key_share until draft 22; 51 from draft 23 */

static bool tls13_draft_before(uint16_t version, unsigned draft)
{
	unsigned n = tls13_draft_number(version);
	return n && n < draft;
}

/*
 * ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3); a HelloRetryRequest is a
 * ServerHello whose random is hrr_random:
 *
 *   ProtocolVersion legacy_version;                        2
 *   Random random;                                         32
 *   opaque legacy_session_id_echo<0..32>;                  1 + n
 *   CipherSuite cipher_suite;                              2
 *   uint8 legacy_compression_method;                       1
 *   Extension extensions<6..2^16-1>;                       2 + n, absent from SSL 3.0-era hellos
 *
 * TLS 1.3 drafts before 22 (draft-ietf-tls-tls13-21 4.1.3) had neither the
 * session id echo nor the compression byte, and put the draft version
 * (0x7fNN) in the version field:
 *
 *   ProtocolVersion version;  Random random;  CipherSuite cipher_suite;
 *   Extension extensions<0..2^16-1>;
 *
 * Until draft 23 key_share was extension 40, read here like 51.
 */
enum ts_status tls_server_hello_parse(const uint8_t *body, size_t len, struct tls_server_hello *out)
{
	struct rd r = rd_init(body, len);
	const uint8_t *random;
	struct rd sid;
	struct ext_iter it;
	uint16_t type, ext_len;
	bool first;
	struct rd e, old_key_share = rd_init(NULL, 0);
	bool has_old_key_share = false;

	memset(out, 0, sizeof(*out));
	out->legacy_version = rd_u16(&r);
	random = rd_bytes(&r, 32);
	if (random) {
		memcpy(out->random, random, 32);
		out->is_hello_retry_request = memcmp(random, hrr_random, 32) == 0;
	}
	bool draft_layout = tls13_draft_before(out->legacy_version, TLS13_DRAFT_FINAL_LAYOUT);
	if (!draft_layout) {
		sid = rd_vec8(&r);
		if (!r.err && !session_id_copy(&sid, out->session_id, &out->session_id_len))
			return TS_MALFORMED;
	}
	out->cipher_suite = rd_u16(&r);
	if (!draft_layout)
		out->compression_method = rd_u8(&r);
	if (r.err) {
		out->malformed |= TLS_HELLO_TRUNCATED;
		return TS_MALFORMED;
	}

	if (rd_left(&r) == 0)
		return TS_OK;
	ext_iter_init(&it, &r, &out->malformed);
	while (ext_iter_next(&it, &type, &ext_len, &first, &e)) {
		ext_keep(out->extensions, &out->extension_count, &out->extension_total, type, ext_len,
		         &out->malformed);
		/* tls_server_hello has no duplicate flag; a second copy is listed but not decoded. */
		if (first && !e.err && type == TLS_EXT_KEY_SHARE_OLD) {
			old_key_share = e;
			has_old_key_share = true;
		} else if (first && !e.err && !server_extension_parse(out, type, &e))
			out->malformed |= TLS_HELLO_BAD_EXTENSION;
	}
	/* The version may come after the key share: only now is 40 known to be one. */
	if (has_old_key_share &&
	    tls13_draft_before(tls_server_hello_version(out), TLS13_DRAFT_FINAL_LAYOUT + 1) &&
	    !out->key_share_group && !server_extension_parse(out, TLS_EXT_KEY_SHARE, &old_key_share))
		out->malformed |= TLS_HELLO_BAD_EXTENSION;
	if (rd_left(&r) > 0)
		out->malformed |= TLS_HELLO_TRAILING;
	return TS_OK;
}

/* ---- Certificate -------------------------------------------------------- */

/*
 * Certificate, TLS 1.0-1.2 (RFC 5246 7.4.2):
 *
 *   opaque ASN.1Cert<1..2^24-1>;
 *   struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;
 *
 * Certificate, TLS 1.3 (RFC 8446 4.4.2):
 *
 *   struct {
 *       opaque cert_data<1..2^24-1>;
 *       Extension extensions<0..2^16-1>;
 *   } CertificateEntry;
 *   struct {
 *       opaque certificate_request_context<0..2^8-1>;
 *       CertificateEntry certificate_list<0..2^24-1>;
 *   } Certificate;
 *
 * A list that claims more than the message holds is read as far as it goes:
 * the certificates before the damage are whole and kept, and the result is
 * TS_MALFORMED. An empty list (a client without a certificate) is TS_OK.
 */
enum ts_status tls_certificate_parse(const uint8_t *body, size_t len, bool tls13, struct tls_cert_view *out,
                                     size_t max, size_t *count, size_t *total)
{
	struct rd r = rd_init(body, len);
	struct rd list;
	uint32_t list_len;
	size_t kept = 0, seen = 0;
	enum ts_status st = TS_OK;

	if (tls13)
		(void)rd_vec8(&r); /* certificate_request_context */
	list_len = rd_u24(&r);
	if (r.err) {
		st = TS_MALFORMED;
		goto out;
	}
	if (list_len > rd_left(&r)) {
		st = TS_MALFORMED;
		list_len = (uint32_t)rd_left(&r);
	}
	list = rd_sub(&r, list_len);
	while (rd_left(&list) > 0) {
		struct rd der = rd_vec24(&list), ext = {NULL, 0, 0, false};

		if (tls13)
			ext = rd_vec16(&list); /* per-certificate extensions */
		if (list.err || rd_left(&der) == 0) {
			st = TS_MALFORMED;
			break;
		}
		seen++;
		if (out && kept < max) {
			out[kept].len = (uint32_t)rd_left(&der);
			out[kept].der = rd_bytes(&der, rd_left(&der));
			out[kept].ext_len = (uint16_t)rd_left(&ext);
			out[kept].ext = tls13 ? rd_bytes(&ext, rd_left(&ext)) : NULL;
			kept++;
		}
	}
	if (rd_left(&r) > 0)
		st = TS_MALFORMED; /* bytes after the list */
out:
	if (count)
		*count = kept;
	if (total)
		*total = seen;
	return st;
}

/*
 * CertificateEntry extensions (RFC 8446 4.4.2.1):
 *
 *   Extension extensions<0..2^16-1>;   (the block given is its body)
 *   status_request (5):                CertificateStatus (RFC 6066 8): status_type, OCSPResponse<1..2^24-1>
 *   signed_certificate_timestamp (18): SerializedSCT sct_list<1..2^16-1>, each opaque<1..2^16-1> (RFC
 * 6962 3.3)
 */
enum ts_status tls_cert_entry_extensions_parse(const uint8_t *ext, size_t len, struct tls_cert_entry_ext *out)
{
	struct rd r = rd_init(ext, len);
	enum ts_status st = TS_OK;

	memset(out, 0, sizeof(*out));
	while (rd_left(&r) > 0) {
		uint16_t type = rd_u16(&r);
		struct rd body = rd_vec16(&r);

		if (r.err)
			return TS_MALFORMED;
		if (type == TLS_EXT_STATUS_REQUEST) {
			uint8_t status_type;
			size_t n = rd_left(&body);
			if (tls_certificate_status_parse(rd_bytes(&body, n), n, &status_type,
			                                 &out->ocsp_len) == TS_OK)
				out->ocsp = true;
			else
				st = TS_MALFORMED;
		} else if (type == TLS_EXT_SCT) {
			struct rd list = rd_vec16(&body);
			while (rd_left(&list) > 0) {
				struct rd sct = rd_vec16(&list);
				if (list.err || rd_left(&sct) == 0) {
					st = TS_MALFORMED;
					break;
				}
				out->sct_count = count_up16(out->sct_count);
			}
			if (body.err || rd_left(&body) > 0)
				st = TS_MALFORMED;
		}
	}
	return st;
}

/* ---- CertificateRequest ------------------------------------------------- */

/*
 * certificate_authorities (RFC 5246 7.4.4, RFC 8446 4.2.4), counted:
 *
 *   opaque DistinguishedName<1..2^16-1>;
 *   DistinguishedName certificate_authorities<0..2^16-1>;
 */
static bool dn_list_read(struct rd *r, struct tls_certificate_request *out)
{
	struct rd list = rd_vec16(r);
	uint16_t n = 0;

	if (r->err)
		return false;
	out->ca_kept = out->ca_der_used = 0;
	out->ca_names_cut = false;
	while (rd_left(&list) > 0) {
		struct rd dn = rd_vec16(&list);
		size_t len = rd_left(&dn);

		if (list.err || len == 0)
			return false;
		n = count_up16(n);
		if (out->ca_kept == TLS_MAX_CA_NAMES || len > TLS_MAX_CA_NAME_LEN ||
		    len > sizeof(out->ca_der) - out->ca_der_used) {
			out->ca_names_cut = true;
			continue;
		}
		memcpy(out->ca_der + out->ca_der_used, rd_bytes(&dn, len), len);
		out->ca_off[out->ca_kept] = out->ca_der_used;
		out->ca_len[out->ca_kept++] = (uint16_t)len;
		out->ca_der_used = (uint16_t)(out->ca_der_used + len);
	}
	out->ca_name_count = n;
	return true;
}

/*
 * CertificateRequest, TLS 1.3 (RFC 8446 4.3.2):
 *
 *   opaque certificate_request_context<0..2^8-1>;
 *   Extension extensions<2..2^16-1>;
 *
 * signature_algorithms (4.2.3) and certificate_authorities (4.2.4) are read;
 * the rest (signature_algorithms_cert, oid_filters, ...) only skipped.
 */
static enum ts_status certificate_request_parse13(struct rd *r, struct tls_certificate_request *out)
{
	struct ext_iter it;
	unsigned notes = 0;
	uint16_t type, ext_len;
	bool first, ok = true;
	struct rd e;

	(void)rd_vec8(r); /* certificate_request_context */
	if (r->err)
		return TS_MALFORMED;
	ext_iter_init(&it, r, &notes);
	while (ext_iter_next(&it, &type, &ext_len, &first, &e)) {
		if (!first || e.err) {
			ok = false;
			continue;
		}
		if (type == TLS_EXT_SIGNATURE_ALGORITHMS) {
			struct rd list = rd_vec16(&e);

			if (!u16_list_read(&list, &out->signature_algorithms, &notes) || !rd_done(&e))
				ok = false;
		} else if (type == 47) { /* certificate_authorities */
			if (!dn_list_read(&e, out) || !rd_done(&e))
				ok = false;
		}
	}
	if (notes & (TLS_HELLO_TRUNCATED | TLS_HELLO_BAD_EXTENSION))
		ok = false;
	return ok && rd_done(r) ? TS_OK : TS_MALFORMED;
}

/*
 * CertificateRequest, TLS 1.2 (RFC 5246 7.4.4); TLS 1.0 and 1.1 (RFC 4346
 * 7.4.4) have no signature algorithm list:
 *
 *   ClientCertificateType certificate_types<1..2^8-1>;
 *   SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;   TLS 1.2 only
 *   DistinguishedName certificate_authorities<0..2^16-1>;
 *
 * The version is not known here, so both layouts are tried. They cannot both
 * fit the same bytes exactly: read as TLS 1.2, a TLS 1.0 body has no room for
 * the DN list length; read as TLS 1.0, a TLS 1.2 body leaves its DN list over.
 */
enum ts_status tls_certificate_request_parse(const uint8_t *body, size_t len, bool tls13,
                                             struct tls_certificate_request *out)
{
	struct rd r = rd_init(body, len);
	struct rd types, try12, try10, algs_vec;
	struct tls_u16_list algs;
	unsigned notes = 0;

	memset(out, 0, sizeof(*out));
	if (tls13)
		return certificate_request_parse13(&r, out);

	types = rd_vec8(&r);
	if (r.err || rd_left(&types) == 0)
		return TS_MALFORMED;
	while (rd_left(&types) > 0) {
		uint8_t t = rd_u8(&types);

		if (out->cert_type_count < sizeof(out->cert_types))
			out->cert_types[out->cert_type_count++] = t;
	}

	memset(&algs, 0, sizeof(algs));
	try12 = r;
	algs_vec = rd_vec16(&try12);
	if (!try12.err && u16_list_read(&algs_vec, &algs, &notes) && dn_list_read(&try12, out) &&
	    rd_done(&try12)) {
		out->signature_algorithms = algs;
		return TS_OK;
	}
	try10 = r;
	if (dn_list_read(&try10, out) && rd_done(&try10))
		return TS_OK;
	return TS_MALFORMED;
}

/* ---- NewSessionTicket --------------------------------------------------- */

uint64_t tls_ticket_hash(const uint8_t *ticket, size_t len)
{
	uint64_t h = ts_hash(ticket, len);
	return h ? h : 1; /* 0 means "none" */
}

/*
 * NewSessionTicket, TLS 1.2 (RFC 5077 3.3):
 *
 *   uint32 ticket_lifetime_hint;
 *   opaque ticket<0..2^16-1>;
 *
 * TLS 1.3 (RFC 8446 4.6.1):
 *
 *   uint32 ticket_lifetime;
 *   uint32 ticket_age_add;
 *   opaque ticket_nonce<0..255>;
 *   opaque ticket<1..2^16-1>;
 *   Extension extensions<0..2^16-2>;
 *
 * An empty TLS 1.2 ticket (the server changed its mind) gives a hash of 0.
 */
enum ts_status tls_new_session_ticket_parse(const uint8_t *body, size_t len, bool tls13,
                                            uint64_t *ticket_hash)
{
	struct rd r = rd_init(body, len);
	struct rd ticket;

	*ticket_hash = 0;
	(void)rd_u32(&r); /* lifetime */
	if (tls13) {
		(void)rd_u32(&r);  /* age_add */
		(void)rd_vec8(&r); /* nonce */
	}
	ticket = rd_vec16(&r);
	if (tls13)
		(void)rd_vec16(&r); /* extensions (early_data's size): not needed */
	if (!rd_done(&r) || (tls13 && rd_left(&ticket) == 0))
		return TS_MALFORMED;
	if (rd_left(&ticket))
		*ticket_hash = tls_ticket_hash(ticket.p + ticket.off, rd_left(&ticket));
	return TS_OK;
}

/* ---- CertificateStatus -------------------------------------------------- */

/*
 * CertificateStatus (RFC 6066 8, RFC 6961 2.2):
 *
 *   struct {
 *       CertificateStatusType status_type;         ocsp(1), ocsp_multi(2)
 *       select (status_type) {
 *           case ocsp: OCSPResponse;               opaque OCSPResponse<1..2^24-1>
 *           case ocsp_multi: OCSPResponseList;     OCSPResponse ocsp_response_list<1..2^24-1>
 *       } response;
 *   } CertificateStatus;
 *
 * For ocsp_multi the length is that of the whole list. Other status types
 * are TS_UNSUPPORTED with a length of 0.
 */
enum ts_status tls_certificate_status_parse(const uint8_t *body, size_t len, uint8_t *status_type,
                                            uint32_t *response_len)
{
	struct rd r = rd_init(body, len);
	uint8_t type = rd_u8(&r);
	struct rd resp;
	enum ts_status st = TS_OK;

	*status_type = type;
	*response_len = 0;
	if (r.err)
		return TS_MALFORMED;
	if (type != 1 && type != 2)
		return TS_UNSUPPORTED;
	resp = rd_vec24(&r);
	if (r.err || rd_left(&resp) == 0)
		return TS_MALFORMED;
	*response_len = (uint32_t)rd_left(&resp);
	if (type == 2) {
		while (rd_left(&resp) > 0) {
			(void)rd_vec24(&resp); /* RFC 6961: an empty entry means "no response for this one" */
			if (resp.err)
				st = TS_MALFORMED;
		}
	}
	return rd_done(&r) ? st : TS_MALFORMED;
}

/* ---- ServerKeyExchange -------------------------------------------------- */

/* Bits in a big-endian unsigned integer, leading zero bytes not counted. */
static uint32_t bignum_bits(const uint8_t *p, size_t len)
{
	uint32_t bits;
	uint8_t top;

	while (len > 0 && p[0] == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	bits = (uint32_t)(len - 1) * 8;
	for (top = p[0]; top; top >>= 1)
		bits++;
	return bits;
}

/*
 * ServerKeyExchange parameters for ephemeral and anonymous (EC)DH suites;
 * the signature after them depends on the version and is not read:
 *
 *   (EC)DHE_PSK only (RFC 4279 2, RFC 5489 2):
 *     opaque psk_identity_hint<0..2^16-1>;
 *   ECDHE (RFC 8422 5.4):
 *     ECCurveType curve_type;                  explicit_prime(1), explicit_char2(2), named_curve(3)
 *     select (curve_type) { case named_curve: NamedCurve namedcurve; ... };
 *     opaque point<1..2^8-1>;
 *   DHE (RFC 5246 7.4.3):
 *     opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>;
 *
 * Explicit curves (deprecated by RFC 8422) are reported as the
 * arbitrary_explicit_*_curves code points (0xff01, 0xff02), their
 * parameters not read. A prime wider than 65535 bits reads as 65535.
 * Other suites (RSA_EXPORT, PSK, SRP, ...) send other layouts: TS_OK with
 * both outputs 0, since nothing was wrong with the message.
 */
enum ts_status tls_server_key_exchange_parse(const uint8_t *body, size_t len, uint16_t cipher_suite,
                                             uint16_t *named_group, uint16_t *dh_bits)
{
	struct rd r = rd_init(body, len);
	enum tls_kex kex = tls_cipher_suite_kex(cipher_suite);
	const char *name = tls_cipher_suite_name(cipher_suite);

	*named_group = 0;
	*dh_bits = 0;
	if (kex != TLS_KEX_ECDHE && kex != TLS_KEX_DHE)
		return TS_OK;
	if (name && strstr(name, "_PSK_"))
		(void)rd_vec16(&r); /* psk_identity_hint */

	if (kex == TLS_KEX_ECDHE) {
		uint8_t curve_type = rd_u8(&r);
		struct rd point;

		if (r.err)
			return TS_MALFORMED;
		if (curve_type == 1 || curve_type == 2) {
			*named_group = curve_type == 1 ? 0xff01 : 0xff02;
			return TS_OK;
		}
		if (curve_type != 3)
			return TS_MALFORMED;
		*named_group = rd_u16(&r);
		point = rd_vec8(&r);
		return !r.err && rd_left(&point) > 0 ? TS_OK : TS_MALFORMED;
	} else {
		struct rd p = rd_vec16(&r);
		struct rd g = rd_vec16(&r);
		struct rd ys = rd_vec16(&r);
		size_t p_len = rd_left(&p);
		const uint8_t *p_bytes = rd_bytes(&p, p_len);
		uint32_t bits = p_bytes ? bignum_bits(p_bytes, p_len) : 0;

		*dh_bits = (uint16_t)(bits > UINT16_MAX ? UINT16_MAX : bits);
		if (r.err || bits == 0 || rd_left(&g) == 0 || rd_left(&ys) == 0)
			return TS_MALFORMED;
		return TS_OK;
	}
}
