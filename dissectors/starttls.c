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

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
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
