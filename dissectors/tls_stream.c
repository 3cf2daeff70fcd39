/*
 * tls_stream.c - TLS record layer and handshake message reassembly for one
 * direction of a stream (see tls_stream.h).
 */
#include "tls_stream.h"

#include <stdlib.h>
#include <string.h>

#include "tls_handshake.h"
#include "ts_limits.h"

#define SSLV2_RECORD 0x80 /* rec_type for an SSLv2-format record */

void tls_stream_init(struct tls_stream *s, uint8_t dir)
{
	memset(s, 0, sizeof(*s));
	s->dir = dir;
}

static bool version_ok(uint8_t major, uint8_t minor)
{
	return major == 3 && minor <= 4;
}

/*
 * SSLv2 CLIENT-HELLO (RFC 6101 E.1, RFC 5246 E.2):
 *   uint8 len_hi | 0x80; uint8 len_lo; uint8 msg_type = 1; uint16 version; ...
 */
static bool looks_like_sslv2_hello(const uint8_t *p, size_t len)
{
	if (len < 5 || !(p[0] & 0x80) || p[2] != 1)
		return false;
	uint16_t rec_len = (uint16_t)(((p[0] & 0x7f) << 8) | p[1]);
	uint16_t version = (uint16_t)((p[3] << 8) | p[4]);
	return rec_len >= 9 && (version == 0x0002 || (version >= 0x0300 && version <= 0x0303));
}

bool tls_stream_looks_like_tls(const uint8_t *p, size_t len, bool any_type)
{
	if (len < 3)
		return false;
	if (looks_like_sslv2_hello(p, len))
		return true;
	if (!version_ok(p[1], p[2]))
		return false;
	bool hello = false;
	if (p[0] == TLS_CT_HANDSHAKE) {
		hello = len >= 6 && (p[5] == TLS_HS_CLIENT_HELLO || p[5] == TLS_HS_SERVER_HELLO);
		if (len >= 6 && !hello && !any_type)
			return false;
	} else if (!any_type || p[0] < TLS_CT_CHANGE_CIPHER_SPEC || p[0] > TLS_CT_APPLICATION_DATA) {
		return false;
	}
	if (len >= 5) {
		/* A hello header is evidence enough: an oversized one is TLS gone
		 * wrong (and reported as such), not some other protocol. */
		uint16_t rec_len = (uint16_t)((p[3] << 8) | p[4]);
		if (rec_len == 0 || (rec_len > TLS_MAX_RECORD_LEN && !hello))
			return false;
	}
	return true;
}

static void hs_reset(struct tls_stream *s)
{
	s->hs_hdr_have = 0;
	s->hs_len = 0;
	s->hs_have = 0;
}

#define TLS_STREAM_HS_GROW 4096u /* handshake buffer growth step: what is held is what is charged */

/* Make room for `need` kept bytes; the buffer only grows, up to the cap. */
static bool hs_reserve(struct tls_stream *s, uint32_t need, size_t *mem)
{
	if (need <= s->hs_cap)
		return true;
	uint8_t *b = realloc(s->hs_buf, need);
	if (!b)
		return false;
	*mem += need - s->hs_cap;
	s->hs_buf = b;
	s->hs_cap = need;
	return true;
}

static void hs_deliver(struct tls_stream *s, const uint8_t *body, const struct tls_stream_sink *sink)
{
	uint32_t kept = s->hs_len < TLS_MAX_HANDSHAKE_MSG ? s->hs_len : TLS_MAX_HANDSHAKE_MSG;
	sink->handshake(sink->ctx, s->dir, s->hs_hdr[0], body, kept, s->hs_len);
	hs_reset(s);
}

/* Cleartext handshake bytes, in order, from one record body. */
static void feed_handshake(struct tls_stream *s, const uint8_t *p, size_t n,
                           const struct tls_stream_sink *sink, size_t *mem)
{
	while (n > 0) {
		if (s->hs_hdr_have < 4) {
			/* A whole message in front of us: hand it on without copying. */
			if (s->hs_hdr_have == 0 && n >= 4) {
				uint32_t len = ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
				if (len <= n - 4) {
					memcpy(s->hs_hdr, p, 4);
					s->hs_len = len;
					hs_deliver(s, p + 4, sink);
					p += 4 + len;
					n -= 4 + len;
					continue;
				}
			}
			size_t take = 4u - s->hs_hdr_have;
			if (take > n)
				take = n;
			memcpy(s->hs_hdr + s->hs_hdr_have, p, take);
			s->hs_hdr_have = (uint8_t)(s->hs_hdr_have + take);
			p += take;
			n -= take;
			if (s->hs_hdr_have < 4)
				return;
			s->hs_len =
			    ((uint32_t)s->hs_hdr[1] << 16) | ((uint32_t)s->hs_hdr[2] << 8) | s->hs_hdr[3];
			s->hs_have = 0;
			if (s->hs_len > TLS_MAX_HANDSHAKE_MSG)
				sink->anomaly(sink->ctx, s->dir, TLS_ANOM_HANDSHAKE_TOO_LONG);
			if (s->hs_len == 0) {
				hs_deliver(s, s->hs_buf, sink);
				continue;
			}
		}
		size_t take = s->hs_len - s->hs_have;
		if (take > n)
			take = n;
		if (s->hs_have < TLS_MAX_HANDSHAKE_MSG) {
			/* The buffer grows as bytes arrive, never to what the length
			 * field claims: a 100-byte segment announcing 16 MiB holds (and
			 * is charged) 4 KiB, not the whole cap. */
			uint32_t keep = s->hs_len < TLS_MAX_HANDSHAKE_MSG ? s->hs_len : TLS_MAX_HANDSHAKE_MSG;
			// cppcheck-suppress knownConditionTrueFalse -- cppcheck 2.10 takes keep for 0
			size_t copy = take < keep - s->hs_have ? take : keep - s->hs_have;
			uint32_t want = (uint32_t)(s->hs_have + copy + TLS_STREAM_HS_GROW - 1) &
			                ~(TLS_STREAM_HS_GROW - 1);
			// cppcheck-suppress knownConditionTrueFalse -- the same misreading of keep
			if (!hs_reserve(s, want < keep ? want : keep, mem)) {
				sink->anomaly(sink->ctx, s->dir, TLS_ANOM_NOMEM);
				s->state = TLS_STREAM_RESYNC;
				hs_reset(s);
				return;
			}
			if (copy) /* nothing held yet may mean no buffer at all */
				memcpy(s->hs_buf + s->hs_have, p, copy);
		}
		s->hs_have += (uint32_t)take;
		p += take;
		n -= take;
		if (s->hs_have == s->hs_len)
			hs_deliver(s, s->hs_buf, sink);
	}
}

void tls_stream_feed_decrypted_handshake(struct tls_stream *s, const uint8_t *p, size_t n,
                                         const struct tls_stream_sink *sink, size_t *mem)
{
	feed_handshake(s, p, n, sink, mem);
}

static void feed_alert(struct tls_stream *s, const uint8_t *p, size_t n, const struct tls_stream_sink *sink)
{
	for (size_t i = 0; i < n; i++) {
		s->alert[s->alert_have++] = p[i];
		if (s->alert_have == 2) {
			sink->alert(sink->ctx, s->dir, s->alert[0], s->alert[1]);
			s->alert_have = 0;
		}
	}
}

/* Start a record from the 5 header bytes in s->hdr. False if it is not TLS. */
static bool begin_record(struct tls_stream *s, const struct tls_stream_sink *sink)
{
	const uint8_t *h = s->hdr;
	uint8_t type = h[0];
	uint16_t length = (uint16_t)((h[3] << 8) | h[4]);

	if (type < TLS_CT_CHANGE_CIPHER_SPEC || type > TLS_CT_HEARTBEAT || !version_ok(h[1], h[2]))
		return false;
	if (length > TLS_MAX_RECORD_LEN)
		sink->anomaly(sink->ctx, s->dir, TLS_ANOM_RECORD_TOO_LONG);
	s->rec_type = type;
	s->rec_version = (uint16_t)((h[1] << 8) | h[2]);
	s->rec_left = length;
	s->in_record = true;
	s->records++;
	s->collect = false;
	s->rec_have = 0;

	bool encrypted;
	switch (type) {
	case TLS_CT_ALERT:
		/* A cleartext alert is 2 bytes (a few may share a record); anything else is ciphertext. */
		encrypted = s->encrypted || length == 0 || length % 2 != 0 || length > 8;
		s->alert_have = encrypted ? 0xff : 0;
		break;
	case TLS_CT_HANDSHAKE:
		encrypted = s->encrypted;
		break;
	case TLS_CT_APPLICATION_DATA:
		encrypted = true;
		break;
	default:
		encrypted = false;
		break;
	}
	sink->record(sink->ctx, s->dir, type, s->rec_version, length, encrypted);
	if (s->collect && (length > TLS_MAX_RECORD_LEN || !sink->record_body))
		s->collect = false;
	return true;
}

void tls_stream_peer_is_tls(struct tls_stream *s)
{
	s->peer_is_tls = true;
}

void tls_stream_collect_record(struct tls_stream *s)
{
	s->collect = true;
}

/* Body bytes of a record being collected; the sink gets it when whole. */
static void collect_body(struct tls_stream *s, const uint8_t *p, size_t take,
                         const struct tls_stream_sink *sink, size_t *mem)
{
	if (s->rec_have == 0 && take == s->rec_left) {
		/* The whole body in front of us: no copy. */
		sink->record_body(sink->ctx, s->dir, s->hdr, p, (uint32_t)take);
		return;
	}
	uint32_t need = s->rec_have + s->rec_left;
	if (need > s->rec_cap) {
		uint8_t *b = realloc(s->rec_buf, need);
		if (!b) {
			sink->anomaly(sink->ctx, s->dir, TLS_ANOM_NOMEM);
			s->collect = false;
			return;
		}
		*mem += need - s->rec_cap;
		s->rec_buf = b;
		s->rec_cap = need;
	}
	memcpy(s->rec_buf + s->rec_have, p, take);
	s->rec_have += (uint32_t)take;
	if (take == s->rec_left)
		sink->record_body(sink->ctx, s->dir, s->hdr, s->rec_buf, s->rec_have);
}

static void free_rec_buf(struct tls_stream *s, size_t *mem)
{
	*mem -= s->rec_cap;
	free(s->rec_buf);
	s->rec_buf = NULL;
	s->rec_cap = 0;
	s->rec_have = 0;
	s->collect = false;
}

static void begin_sslv2(struct tls_stream *s, const uint8_t *p, size_t *mem,
                        const struct tls_stream_sink *sink)
{
	uint16_t length = (uint16_t)(((p[0] & 0x7f) << 8) | p[1]);
	s->rec_type = SSLV2_RECORD;
	s->rec_version = 0x0002;
	s->rec_left = length;
	s->in_record = true;
	s->records++;
	s->hs_len = length;
	s->hs_have = 0;
	if (!hs_reserve(s, length, mem)) {
		sink->anomaly(sink->ctx, s->dir, TLS_ANOM_NOMEM);
		s->state = TLS_STREAM_RESYNC;
		s->in_record = false;
	}
}

/* Consume up to n bytes of the current record body; returns bytes used. */
static size_t feed_body(struct tls_stream *s, const uint8_t *p, size_t n, const struct tls_stream_sink *sink,
                        size_t *mem)
{
	size_t take = s->rec_left < n ? s->rec_left : n;
	if (s->collect) {
		/* Encrypted: the sink decrypts it once whole (hdr is the current header until then). */
		collect_body(s, p, take, sink, mem);
		s->rec_left -= (uint32_t)take;
		if (s->rec_left == 0)
			s->in_record = false;
		return take;
	}
	switch (s->rec_type) {
	case TLS_CT_HANDSHAKE:
		if (!s->encrypted && !s->headers_only)
			feed_handshake(s, p, take, sink, mem);
		break;
	case TLS_CT_ALERT:
		if (s->alert_have != 0xff)
			feed_alert(s, p, take, sink);
		break;
	case SSLV2_RECORD:
		memcpy(s->hs_buf + s->hs_have, p, take);
		s->hs_have += (uint32_t)take;
		if (s->hs_have == s->hs_len) {
			sink->sslv2_client_hello(sink->ctx, s->dir, s->hs_buf, s->hs_len);
			hs_reset(s);
		}
		break;
	default:
		break; /* ChangeCipherSpec, application data, heartbeat: the header said enough */
	}
	s->rec_left -= (uint32_t)take;
	if (s->rec_left == 0)
		s->in_record = false;
	return take;
}

/* In DETECT or RESYNC: does TLS (re)start at this segment? */
static bool try_start(struct tls_stream *s, const uint8_t *p, size_t len, bool segment_start)
{
	if (!segment_start)
		return false;
	bool first_bytes = s->state == TLS_STREAM_DETECT && s->scanned == 0;
	bool any_type = s->peer_is_tls || s->state == TLS_STREAM_RESYNC || first_bytes;
	if (!tls_stream_looks_like_tls(p, len, any_type))
		return false;
	s->state = TLS_STREAM_RECORDS;
	s->hdr_have = 0;
	s->in_record = false;
	hs_reset(s);
	return true;
}

/* Parse bytes known to be in sync with the record layer. */
static void feed_records(struct tls_stream *s, const uint8_t *p, size_t n, const struct tls_stream_sink *sink,
                         size_t *mem)
{
	while (n > 0 && s->state == TLS_STREAM_RECORDS) {
		if (s->in_record) {
			size_t used = feed_body(s, p, n, sink, mem);
			p += used;
			n -= used;
			continue;
		}
		/* Collect a record header, which may span deliveries. */
		if (s->hdr_have == 0 && s->records == 0 && looks_like_sslv2_hello(p, n)) {
			begin_sslv2(s, p, mem, sink);
			p += 2;
			n -= 2;
			continue;
		}
		size_t take = 5u - s->hdr_have;
		if (take > n)
			take = n;
		memcpy(s->hdr + s->hdr_have, p, take);
		s->hdr_have = (uint8_t)(s->hdr_have + take);
		p += take;
		n -= take;
		if (s->hdr_have < 5)
			break;
		s->hdr_have = 0;
		if (!begin_record(s, sink)) {
			sink->anomaly(sink->ctx, s->dir, TLS_ANOM_BAD_RECORD_HEADER);
			s->state = TLS_STREAM_RESYNC;
			hs_reset(s);
			break;
		}
	}
}

/* Bytes that are not TLS before TLS started: counted, and shown to the sink. */
static void count_scanned(struct tls_stream *s, const uint8_t *p, size_t len,
                          const struct tls_stream_sink *sink)
{
	if (s->state != TLS_STREAM_DETECT)
		return;
	if (sink->prelude)
		sink->prelude(sink->ctx, s->dir, p, len);
	s->scanned += (uint32_t)(len < UINT32_MAX ? len : UINT32_MAX);
	if (s->scanned > TLS_STARTTLS_SCAN_BYTES)
		s->state = TLS_STREAM_NOT_TLS;
}

void tls_stream_feed(struct tls_stream *s, const uint8_t *data, size_t len, bool segment_start,
                     bool after_gap, const struct tls_stream_sink *sink, size_t *mem)
{
	if (len == 0 || s->state == TLS_STREAM_NOT_TLS)
		return;
	if (after_gap) {
		s->probe_have = 0;
		if (s->state == TLS_STREAM_RECORDS) {
			/* Bytes are missing: whatever record we were in is gone. */
			s->state = TLS_STREAM_RESYNC;
			s->in_record = false;
			s->hdr_have = 0;
			s->collect = false;
			hs_reset(s);
		}
	}
	if (s->state == TLS_STREAM_RECORDS) {
		feed_records(s, data, len, sink, mem);
		return;
	}

	/* Not in sync: TLS may start only where a segment starts. A segment too
	 * short to judge is kept until five bytes are there; if the bytes that
	 * complete it start a segment of their own, that segment is also judged
	 * alone (PostgreSQL answers its SSLRequest with the single byte 'S'). */
	if (s->probe_have) {
		uint8_t probe[5];
		size_t have = s->probe_have, take = 5u - have;
		if (take > len)
			take = len;
		memcpy(probe, s->probe, have);
		memcpy(probe + have, data, take);
		if (have + take < 5) {
			memcpy(s->probe, probe, have + take);
			s->probe_have = (uint8_t)(have + take);
			return;
		}
		s->probe_have = 0;
		if (try_start(s, probe, 5, true)) {
			feed_records(s, probe, have, sink, mem);
			feed_records(s, data, len, sink, mem);
			return;
		}
		count_scanned(s, probe, have, sink);
		if (s->state == TLS_STREAM_NOT_TLS)
			return;
		if (!segment_start) {
			count_scanned(s, data, len, sink);
			return;
		}
	}
	if (segment_start && len < 5) {
		memcpy(s->probe, data, len);
		s->probe_have = (uint8_t)len;
		return;
	}
	if (!try_start(s, data, len, segment_start)) {
		count_scanned(s, data, len, sink);
		return;
	}
	feed_records(s, data, len, sink, mem);
}

void tls_stream_bytes_lost(struct tls_stream *s)
{
	if (s->state == TLS_STREAM_RECORDS)
		s->state = TLS_STREAM_RESYNC;
}

void tls_stream_end(struct tls_stream *s, const struct tls_stream_sink *sink)
{
	/* hs_hdr_have == 4 only for a TLS handshake header (not an SSLv2 hello) */
	if (s->headers_only || s->hs_hdr_have < 4 || s->hs_have == 0 || s->hs_have >= s->hs_len || !s->hs_buf)
		return;
	uint32_t held = s->hs_have < TLS_MAX_HANDSHAKE_MSG ? s->hs_have : TLS_MAX_HANDSHAKE_MSG;
	if (sink->handshake_partial)
		sink->handshake_partial(sink->ctx, s->dir, s->hs_hdr[0], s->hs_buf, held, s->hs_len);
	hs_reset(s);
}

void tls_stream_set_encrypted(struct tls_stream *s)
{
	s->encrypted = true;
	hs_reset(s);
}

void tls_stream_headers_only(struct tls_stream *s, size_t *mem)
{
	s->headers_only = true;
	hs_reset(s);
	*mem -= s->hs_cap;
	free(s->hs_buf);
	s->hs_buf = NULL;
	s->hs_cap = 0;
	if (!s->collect)
		free_rec_buf(s,
		             mem); /* a record being collected keeps its bytes; later ones allocate again */
}

void tls_stream_free(struct tls_stream *s, size_t *mem)
{
	free_rec_buf(s, mem);
	*mem -= s->hs_cap;
	free(s->hs_buf);
	s->hs_buf = NULL;
	s->hs_cap = 0;
}
