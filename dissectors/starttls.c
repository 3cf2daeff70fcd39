/*
 * starttls.c - recognising the protocol that upgraded a connection to TLS
 * (see starttls.h). Each rule names the document the bytes come from.
 */
#include "starttls.h"

#include <stdbool.h>
#include <string.h>

#include "rd.h"

void starttls_feed(struct starttls_dir *d, const uint8_t *p, size_t n)
{
	if (d->head_len < STARTTLS_HEAD_BYTES) {
		size_t take = STARTTLS_HEAD_BYTES - d->head_len;
		take = take < n ? take : n;
		memcpy(d->head + d->head_len, p, take);
		d->head_len = (uint16_t)(d->head_len + take);
	}
	if (n >= STARTTLS_TAIL_BYTES) {
		memcpy(d->tail, p + n - STARTTLS_TAIL_BYTES, STARTTLS_TAIL_BYTES);
		d->tail_len = STARTTLS_TAIL_BYTES;
		return;
	}
	if (d->tail_len + n > STARTTLS_TAIL_BYTES) {
		size_t drop = d->tail_len + n - STARTTLS_TAIL_BYTES;
		memmove(d->tail, d->tail + drop, d->tail_len - drop);
		d->tail_len = (uint16_t)(d->tail_len - drop);
	}
	memcpy(d->tail + d->tail_len, p, n);
	d->tail_len = (uint16_t)(d->tail_len + n);
}

/* Offset just past the first `needle` (m > 0 bytes) in `hay`, or 0 when it is not there. */
static size_t find_end(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return i + m;
	return 0;
}

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	return find_end(hay, n, needle, m) != 0;
}

/* The last complete line of the kept tail, without its CR LF (a command's last line is its last). */
static struct rd last_line(const struct starttls_dir *d)
{
	size_t end = d->tail_len;
	while (end > 0 && d->tail[end - 1] != '\n')
		end--; /* bytes after the last newline: an unfinished line */
	if (end == 0)
		return rd_init(d->tail, 0); /* empty, but never over NULL: NULL + 0 is undefined */
	end--;
	if (end > 0 && d->tail[end - 1] == '\r')
		end--;
	size_t start = end;
	while (start > 0 && d->tail[start - 1] != '\n')
		start--;
	return rd_init(d->tail + start, end - start);
}

static bool word_ci(struct rd r, const char *word)
{
	size_t n = strlen(word);
	if (rd_left(&r) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = r.p[r.off + i];
		if ((c >= 'a' && c <= 'z' ? c - 32 : c) != (uint8_t)word[i])
			return false;
	}
	return true;
}

/* Split off the text before the first space; `rest` gets what follows the space. */
static struct rd first_word(struct rd line, struct rd *rest)
{
	size_t n = rd_left(&line), i = 0;
	while (i < n && line.p[line.off + i] != ' ')
		i++;
	struct rd w = rd_init(line.p + line.off, i);
	*rest = i < n ? rd_init(line.p + line.off + i + 1, n - i - 1) : rd_init(line.p + line.off + n, 0);
	return w;
}

static bool starts_with(struct rd r, const char *prefix)
{
	size_t n = strlen(prefix);
	return rd_left(&r) >= n && memcmp(r.p + r.off, prefix, n) == 0;
}

/* PostgreSQL protocol 3, "SSLRequest": Int32 length = 8, Int32 code = 80877103 (0x04d2162f). */
static bool postgres_ssl_request(const struct starttls_dir *c)
{
	static const uint8_t req[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
	return c->head_len >= sizeof(req) && memcmp(c->head, req, sizeof(req)) == 0;
}

#define MYSQL_CLIENT_SSL 0x0800u

/* MySQL's capability flags are little-endian. */
static unsigned mysql_le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/*
 * MySQL client/server protocol, connection phase: the server's
 * Protocol::HandshakeV10 (3-byte length, sequence 0, protocol 10, version
 * string NUL-terminated, 4-byte thread id, 8 bytes of auth data, a filler,
 * the low 16 capability bits) offers CLIENT_SSL, and the client answers with
 * Protocol::SSLRequest (32 bytes, sequence 1, capabilities with CLIENT_SSL).
 */
static bool mysql_ssl_request(const struct starttls_dir *c, const struct starttls_dir *s)
{
	struct rd g = rd_init(s->head, s->head_len);
	rd_skip(&g, 3);
	if (rd_u8(&g) != 0 || rd_u8(&g) != 10)
		return false;
	while (rd_left(&g) && rd_u8(&g) != 0)
		; /* server version */
	rd_skip(&g, 4 + 8 + 1);
	const uint8_t *caps = rd_bytes(&g, 2);
	if (!caps || !(mysql_le16(caps) & MYSQL_CLIENT_SSL))
		return false;

	struct rd r = rd_init(c->head, c->head_len);
	const uint8_t *h = rd_bytes(&r, 4);
	const uint8_t *flags = rd_bytes(&r, 4);
	return h && flags && h[0] == 32 && h[1] == 0 && h[2] == 0 && h[3] == 1 &&
	       (mysql_le16(flags) & MYSQL_CLIENT_SSL);
}

/* RFC 4511 4.14.1: an ExtendedRequest whose requestName [0] (tag 0x80, 22 bytes) is the StartTLS OID. */
static bool ldap_start_tls(const struct starttls_dir *c)
{
	static const char oid[] = "\x80\x16"
	                          "1.3.6.1.4.1.1466.20037";
	return contains(c->tail, c->tail_len, oid, sizeof(oid) - 1);
}

/* RFC 6120 5.4.2.3: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>. */
static bool xmpp_starttls(const struct starttls_dir *c)
{
	static const char ns[] = "urn:ietf:params:xml:ns:xmpp-tls";
	return contains(c->tail, c->tail_len, "<starttls", 9) &&
	       contains(c->tail, c->tail_len, ns, sizeof(ns) - 1);
}

/* Text protocols: the client's last command, and for a bare STARTTLS the server's answer to it. */
static enum starttls_proto line_command(const struct starttls_dir *c, const struct starttls_dir *s)
{
	struct rd line = last_line(c), rest;
	struct rd cmd = first_word(line, &rest);

	if (word_ci(line, "STLS"))
		return STARTTLS_POP3; /* RFC 2595 4 */
	if (word_ci(cmd, "AUTH") && rd_left(&rest) >= 3) {
		struct rd mech =
		    rd_init(rest.p + rest.off, 3); /* RFC 4217 6: AUTH TLS; AUTH SSL, TLS-C, TLS-P */
		if (word_ci(mech, "TLS") || word_ci(mech, "SSL"))
			return STARTTLS_FTP;
	}
	if (rd_left(&cmd) > 0 && word_ci(rest, "STARTTLS"))
		return STARTTLS_IMAP; /* RFC 3501 6.2.1: tag SP "STARTTLS" */
	if (!word_ci(line, "STARTTLS"))
		return STARTTLS_NONE;
	struct rd answer = last_line(s), after;
	if (starts_with(answer, "220"))
		return STARTTLS_SMTP; /* RFC 3207 4: 220 Ready to start TLS */
	/* IRCv3 STARTTLS: ":server 670 nick :STARTTLS successful" (RPL_STARTTLS). */
	struct rd prefix = first_word(answer, &after);
	struct rd numeric = first_word(after, &after);
	if (starts_with(prefix, ":") && word_ci(numeric, "670"))
		return STARTTLS_IRC;
	return STARTTLS_NONE; /* NNTP (382), ManageSieve (OK) and others also say STARTTLS */
}

static enum starttls_proto detect_as(const struct starttls_dir *client, const struct starttls_dir *server)
{
	if (postgres_ssl_request(client))
		return STARTTLS_POSTGRESQL;
	if (mysql_ssl_request(client, server))
		return STARTTLS_MYSQL;
	if (ldap_start_tls(client))
		return STARTTLS_LDAP;
	if (xmpp_starttls(client))
		return STARTTLS_XMPP;
	return line_command(client, server);
}

enum starttls_proto starttls_detect(const struct starttls_dir *a, const struct starttls_dir *b)
{
	enum starttls_proto p = detect_as(a, b);
	return p != STARTTLS_NONE ? p : detect_as(b, a);
}

/* "host:port" or "[v6]:port" up to the space before the version: the host part and the port. */
static bool connect_authority(struct rd t, struct rd *host, uint16_t *port)
{
	size_t n = rd_left(&t), colon = n;
	const uint8_t *p = t.p + t.off;
	while (colon > 0 && p[colon - 1] != ':')
		colon--;
	if (colon < 2 || colon == n || n - colon > 5)
		return false; /* no host, or no port: RFC 9112 3.2.3 needs both */
	uint32_t v = 0;
	for (size_t i = colon; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	size_t start = 0, end = colon - 1;
	if (p[0] == '[') {
		if (end < 3 || p[end - 1] != ']')
			return false; /* "[]" names no host */
		start = 1;
		end--;
	}
	for (size_t i = start; i < end; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '/' || p[i] == '@')
			return false; /* not a host: a URL, user info, or bytes no host name has */
	*host = rd_init(p + start, end - start);
	*port = (uint16_t)v;
	return true;
}

static bool http_connect_as(const struct starttls_dir *c, const struct starttls_dir *s, struct rd *host,
                            uint16_t *port)
{
	struct rd line = rd_init(c->head, c->head_len), rest, version;
	struct rd method = first_word(line, &rest);
	if (!word_ci(method, "CONNECT"))
		return false;
	struct rd target = first_word(rest, &version);
	if (!starts_with(version, "HTTP/1.") || !connect_authority(target, host, port))
		return false;
	/* "HTTP/1.1 200 Connection established": any 2xx opens the tunnel (RFC 9110 15.3). */
	struct rd status = rd_init(s->head, s->head_len), code;
	struct rd proto = first_word(status, &code);
	return starts_with(proto, "HTTP/1.") && rd_left(&code) >= 3 && code.p[code.off] == '2';
}

bool starttls_http_connect(const struct starttls_dir *a, const struct starttls_dir *b, uint8_t *host,
                           size_t cap, size_t *host_len, uint16_t *port)
{
	struct rd h;
	if (!http_connect_as(a, b, &h, port) && !http_connect_as(b, a, &h, port))
		return false;
	if (rd_left(&h) > cap)
		return false;
	memcpy(host, h.p + h.off, rd_left(&h));
	*host_len = rd_left(&h);
	return true;
}

/* The value of the `to` attribute of the client's <stream:stream ...> start tag. */
static bool xmpp_stream_to(const struct starttls_dir *c, struct rd *value)
{
	static const char tag[] = "<stream:stream";
	size_t at = find_end(c->head, c->head_len, tag, sizeof(tag) - 1);
	if (!at)
		return false;
	const uint8_t *p = c->head;
	size_t end = at;
	while (end < c->head_len && p[end] != '>')
		end++; /* the start tag's attributes; a tag cut by the head still has its first ones */
	for (size_t i = at; i + 4 < end; i++) {
		if (!(p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') ||
		    memcmp(p + i + 1, "to=", 3))
			continue;
		uint8_t quote = p[i + 4];
		if (quote != '\'' && quote != '"')
			return false;
		size_t start = i + 5, stop = start;
		while (stop < end && p[stop] != quote)
			stop++;
		if (stop == end || stop == start)
			return false; /* unterminated in what is kept, or empty */
		for (size_t k = start; k < stop; k++)
			if (p[k] <= 0x20 || p[k] >= 0x7f || p[k] == '/' || p[k] == '@' || p[k] == '<' ||
			    p[k] == '&')
				return false; /* a domainpart, not a full JID, and no entity references */
		*value = rd_init(p + start, stop - start);
		return true;
	}
	return false;
}

bool starttls_xmpp_to(const struct starttls_dir *a, const struct starttls_dir *b, uint8_t *host, size_t cap,
                      size_t *host_len)
{
	const struct starttls_dir *client = xmpp_starttls(a) ? a : xmpp_starttls(b) ? b : NULL;
	struct rd v;
	if (!client || !xmpp_stream_to(client, &v) || rd_left(&v) > cap)
		return false;
	memcpy(host, v.p + v.off, rd_left(&v));
	*host_len = rd_left(&v);
	return true;
}

const char *starttls_name(enum starttls_proto p)
{
	static const char *const names[STARTTLS_PROTO_COUNT] = {
	    [STARTTLS_SMTP] = "smtp",
	    [STARTTLS_IMAP] = "imap",
	    [STARTTLS_POP3] = "pop3",
	    [STARTTLS_FTP] = "ftp",
	    [STARTTLS_XMPP] = "xmpp",
	    [STARTTLS_LDAP] = "ldap",
	    [STARTTLS_POSTGRESQL] = "postgresql",
	    [STARTTLS_MYSQL] = "mysql",
	    [STARTTLS_IRC] = "irc",
	};
	return (unsigned)p < STARTTLS_PROTO_COUNT ? names[p] : NULL;
}
