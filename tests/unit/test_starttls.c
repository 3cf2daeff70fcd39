/*
 * test_starttls.c - recognising the upgrade protocol from plaintext preludes.
 *
 * The exchanges follow the examples of the protocols' RFCs (RFC 3207 5,
 * RFC 2595 4, RFC 3501 6.2.1, RFC 4217 15, RFC 6120 5.4.2) and the wire
 * formats of PostgreSQL's SSLRequest and MySQL's HandshakeV10/SSLRequest
 * (bytes as `openssl s_client -starttls postgres|mysql` and MariaDB send
 * them). Whole captures of real sessions are checked by the ctests
 * corpus.starttls and e2e.starttls (tests/starttls_test.py).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "starttls.h"

struct session {
	struct starttls_dir c, s;
};

static void say(struct starttls_dir *d, const char *text)
{
	starttls_feed(d, (const uint8_t *)text, strlen(text));
}

static enum starttls_proto text_session(const char *client, const char *server)
{
	static struct session x;
	memset(&x, 0, sizeof(x));
	say(&x.s, server);
	say(&x.c, client);
	/* Either order of the arguments: the roles come from the bytes. */
	enum starttls_proto a = starttls_detect(&x.c, &x.s), b = starttls_detect(&x.s, &x.c);
	CHECK_EQ(a, b);
	return a;
}

static void test_text_protocols(void)
{
	CHECK_EQ(text_session("EHLO mail.example.com\r\nSTARTTLS\r\n",
	                      "220 mail.example.org ESMTP\r\n250-mail.example.org\r\n250 STARTTLS\r\n"
	                      "220 2.0.0 Ready to start TLS\r\n"),
	         STARTTLS_SMTP);
	CHECK_EQ(text_session("ehlo x\r\nstarttls\r\n", "220 x\r\n250 ok\r\n220 go ahead\r\n"),
	         STARTTLS_SMTP);
	CHECK_EQ(text_session("a001 CAPABILITY\r\na002 STARTTLS\r\n",
	                      "* OK IMAP4rev1 Service Ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\n"
	                      "a001 OK CAPABILITY completed\r\na002 OK Begin TLS negotiation now\r\n"),
	         STARTTLS_IMAP);
	CHECK_EQ(text_session("CAPA\r\nSTLS\r\n",
	                      "+OK POP3 server ready\r\n+OK\r\nSTLS\r\n.\r\n+OK Begin TLS\r\n"),
	         STARTTLS_POP3);
	CHECK_EQ(text_session("AUTH TLS\r\n", "220 FTP ready\r\n234 AUTH TLS OK.\r\n"), STARTTLS_FTP);
	CHECK_EQ(text_session("auth ssl\r\n", "220 FTP ready\r\n334 ok\r\n"), STARTTLS_FTP);
	CHECK_EQ(text_session("CAP LS\r\nSTARTTLS\r\n", ":irc.example.net 670 * :STARTTLS successful\r\n"),
	         STARTTLS_IRC);
	CHECK_EQ(
	    text_session("<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' "
	                 "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
	                 "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
	                 "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
	                 "</starttls></stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
	    STARTTLS_XMPP);
}

static void test_not_an_upgrade(void)
{
	/* NNTP (RFC 4642) and ManageSieve use the same word, answered otherwise. */
	CHECK_EQ(text_session("STARTTLS\r\n", "200 news ready\r\n382 Continue with TLS negotiation\r\n"),
	         STARTTLS_NONE);
	CHECK_EQ(text_session("STARTTLS\r\n", "\"IMPLEMENTATION\" \"x\"\r\nOK\r\n"), STARTTLS_NONE);
	/* The upgrade command must be the client's last complete line. */
	CHECK_EQ(text_session("STARTTLS\r\nQUIT\r\n", "220 ok\r\n"), STARTTLS_NONE);
	CHECK_EQ(text_session("EHLO x\r\nSTARTTLS", "220 x\r\n"), STARTTLS_NONE);
	/* HTTP CONNECT and SOCKS preludes are not upgrades. */
	CHECK_EQ(text_session("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
	                      "HTTP/1.1 200 Connection established\r\n\r\n"),
	         STARTTLS_NONE);
	CHECK_EQ(text_session("", ""), STARTTLS_NONE);
	CHECK_EQ(text_session("AUTH\r\n", "220 x\r\n"), STARTTLS_NONE);
	CHECK_EQ(text_session("AUTH TL\r\n", "220 x\r\n"), STARTTLS_NONE);
}

/* The command after more than STARTTLS_TAIL_BYTES of chatter, fed in pieces of every size. */
static void test_long_prelude(void)
{
	static char client[4096];
	size_t n = 0;
	while (n < 3000)
		n += (size_t)snprintf(client + n, sizeof(client) - n, "NOOP %zu\r\n", n);
	n += (size_t)snprintf(client + n, sizeof(client) - n, "STARTTLS\r\n");
	for (size_t piece = 1; piece <= 300; piece += 37) {
		static struct session x;
		memset(&x, 0, sizeof(x));
		say(&x.s, "220 hi\r\n250 ok\r\n220 Ready\r\n");
		for (size_t off = 0; off < n; off += piece)
			starttls_feed(&x.c, (const uint8_t *)client + off, off + piece < n ? piece : n - off);
		CHECK_EQ(x.c.head_len, STARTTLS_HEAD_BYTES);
		CHECK_EQ(x.c.tail_len, STARTTLS_TAIL_BYTES);
		CHECK(memcmp(x.c.tail, client + n - STARTTLS_TAIL_BYTES, STARTTLS_TAIL_BYTES) == 0);
		CHECK(memcmp(x.c.head, client, STARTTLS_HEAD_BYTES) == 0);
		CHECK_EQ(starttls_detect(&x.c, &x.s), STARTTLS_SMTP);
	}
}

static enum starttls_proto binary_session(const uint8_t *c, size_t cn, const uint8_t *s, size_t sn)
{
	static struct session x;
	memset(&x, 0, sizeof(x));
	starttls_feed(&x.s, s, sn);
	starttls_feed(&x.c, c, cn);
	enum starttls_proto a = starttls_detect(&x.c, &x.s);
	CHECK_EQ(a, starttls_detect(&x.s, &x.c));
	return a;
}

static void test_postgresql(void)
{
	static const uint8_t ssl_request[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
	static const uint8_t gss_request[] = {0,    0,    0,    8,
	                                      0x04, 0xd2, 0x16, 0x30}; /* GSSENCRequest: not TLS */
	CHECK_EQ(binary_session(ssl_request, 8, (const uint8_t *)"S", 1), STARTTLS_POSTGRESQL);
	CHECK_EQ(binary_session(gss_request, 8, (const uint8_t *)"G", 1), STARTTLS_NONE);
	CHECK_EQ(binary_session(ssl_request, 7, (const uint8_t *)"S", 1), STARTTLS_NONE);
}

static void test_mysql(void)
{
	/* HandshakeV10: length 74, seq 0, protocol 10, "8.0.36\0", thread id, 8 bytes of salt, filler,
	 * capabilities 0xffff (CLIENT_SSL among them), then the rest. */
	static uint8_t greeting[78] = {74, 0, 0,   0,   10,  '8', '.', '0', '.', '3', '6', 0,    1,    0,
	                               0,  0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0,   0xff, 0xff, 0xff};
	/* SSLRequest: length 32, seq 1, capabilities 0x000aa200 | CLIENT_SSL, max packet, charset, zeros. */
	static uint8_t ssl_request[36] = {32, 0, 0, 1, 0x00, 0xaa, 0x0a, 0x00, 0, 0, 0, 1, 0x21};
	CHECK_EQ(binary_session(ssl_request, sizeof(ssl_request), greeting, sizeof(greeting)),
	         STARTTLS_MYSQL);

	/* A server without CLIENT_SSL cannot be asked for TLS. */
	greeting[26] = 0xf7;
	CHECK_EQ(binary_session(ssl_request, sizeof(ssl_request), greeting, sizeof(greeting)), STARTTLS_NONE);
	greeting[26] = 0xff;
	/* A full HandshakeResponse (not 32 bytes) is a login in clear, not an upgrade. */
	ssl_request[0] = 80;
	CHECK_EQ(binary_session(ssl_request, sizeof(ssl_request), greeting, sizeof(greeting)), STARTTLS_NONE);
	ssl_request[0] = 32;
	/* A greeting whose version string never ends inside the kept head. */
	static uint8_t long_version[STARTTLS_HEAD_BYTES] = {200, 0, 0, 0, 10};
	memset(long_version + 5, 'x', sizeof(long_version) - 5);
	CHECK_EQ(binary_session(ssl_request, sizeof(ssl_request), long_version, sizeof(long_version)),
	         STARTTLS_NONE);
	CHECK_EQ(binary_session(ssl_request, 4, greeting, 20), STARTTLS_NONE);
}

static void test_ldap(void)
{
	/* RFC 4511 4.14.1 ExtendedRequest, messageID 1: 30 1d 02 01 01 77 18 80 16 "1.3.6.1.4.1.1466.20037".
	 */
	static const uint8_t req[] = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.',
	                              '3',  '.',  '6',  '.',  '1',  '.',  '4',  '.',  '1',  '.', '1',
	                              '4',  '6',  '6',  '.',  '2',  '0',  '0',  '3',  '7'};
	/* ExtendedResponse, success. */
	static const uint8_t resp[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07,
	                               0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00};
	CHECK_EQ(binary_session(req, sizeof(req), resp, sizeof(resp)), STARTTLS_LDAP);
	CHECK_EQ(binary_session(req, sizeof(req) - 1, resp, sizeof(resp)), STARTTLS_NONE);
}

/* The host a CONNECT tunnel names, "" when the session is not one; either argument order. */
static const char *connect_host(const char *client, const char *server, uint16_t *port)
{
	static struct session x;
	static char host[64];
	uint8_t buf[sizeof(host) - 1];
	size_t len = 0;
	memset(&x, 0, sizeof(x));
	say(&x.c, client);
	say(&x.s, server);
	*port = 0;
	bool a = starttls_http_connect(&x.c, &x.s, buf, sizeof(buf), &len, port);
	uint16_t port2 = 0;
	size_t len2 = 0;
	bool b = starttls_http_connect(&x.s, &x.c, buf, sizeof(buf), &len2, &port2);
	CHECK(a == b && len == len2 && *port == port2);
	memcpy(host, buf, a ? len : 0);
	host[a ? len : 0] = 0;
	return host;
}

static void test_http_connect(void)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	uint16_t port;
	CHECK_STR(connect_host("CONNECT www.example.test:443 HTTP/1.1\r\nHost: www.example.test:443\r\n\r\n",
	                       ok, &port),
	          "www.example.test");
	CHECK_EQ(port, 443);
	CHECK_STR(
	    connect_host("CONNECT [2001:db8::1]:8443 HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\n", &port),
	    "2001:db8::1");
	CHECK_EQ(port, 8443);
	CHECK_STR(connect_host("connect 10.0.0.1:443 HTTP/1.1\r\n\r\n", ok, &port), "10.0.0.1"); /* case */
	/* Not a tunnel: refused, no port, port out of range, a URL, not HTTP, a GET. */
	CHECK_STR(connect_host("CONNECT www.example.test:443 HTTP/1.1\r\n\r\n",
	                       "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", &port),
	          "");
	CHECK_STR(connect_host("CONNECT www.example.test HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT www.example.test:0 HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT www.example.test:70000 HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT http://www.example.test:443/ HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT :443 HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT [::1:443 HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT []:443 HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT www.example.test:443 SMTP/1.0\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("GET / HTTP/1.1\r\n\r\n", ok, &port), "");
	CHECK_STR(connect_host("CONNECT www.example.test:443\r\nHost: x HTTP/1.1\r\n\r\n", ok, &port), "");
	/* A host longer than the caller's room is not cut into another name. */
	CHECK_STR(
	    connect_host(
	        "CONNECT "
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test:443 "
	        "HTTP/1.1\r\n\r\n",
	        ok, &port),
	    "");
}

/* The domain an XMPP client's stream header names, "" when none; either argument order. */
static const char *xmpp_to(const char *client)
{
	static const char starttls[] = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
	static struct session x;
	static char host[40];
	uint8_t buf[sizeof(host) - 1];
	size_t len = 0, len2 = 0;
	memset(&x, 0, sizeof(x));
	say(&x.c, client);
	say(&x.c, starttls);
	say(&x.s, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
	bool a = starttls_xmpp_to(&x.c, &x.s, buf, sizeof(buf), &len);
	bool b = starttls_xmpp_to(&x.s, &x.c, buf, sizeof(buf), &len2);
	CHECK(a == b && len == len2);
	memcpy(host, buf, a ? len : 0);
	host[a ? len : 0] = 0;
	return host;
}

static void test_xmpp_to(void)
{
	static const char ns[] = "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'";
	char header[300];
	snprintf(header, sizeof(header), "<stream:stream %s to='jabber.example.test' version='1.0'>", ns);
	CHECK_STR(xmpp_to(header), "jabber.example.test");
	snprintf(header, sizeof(header), "<?xml version='1.0'?><stream:stream to=\"im.example.test\" %s>",
	         ns);
	CHECK_STR(xmpp_to(header), "im.example.test");
	/* Not the stream's domain: no `to`, a full JID, empty, unterminated, an attribute ending in "to". */
	snprintf(header, sizeof(header), "<stream:stream %s version='1.0'>", ns);
	CHECK_STR(xmpp_to(header), "");
	CHECK_STR(xmpp_to("<stream:stream to='user@example.test' version='1.0'>"), "");
	CHECK_STR(xmpp_to("<stream:stream to='' version='1.0'>"), "");
	CHECK_STR(xmpp_to("<stream:stream to='example.test version='1.0'>"), "");
	CHECK_STR(xmpp_to("<stream:stream xto='example.test'>"), "");
	CHECK_STR(xmpp_to("<stream:stream version='1.0'> to='example.test'"), "");
	/* Longer than the caller's room: not cut into another name. */
	CHECK_STR(xmpp_to("<stream:stream to='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test'>"), "");
	/* Without <starttls/> from that side it is not an XMPP upgrade. */
	static struct session plain;
	uint8_t buf[64];
	size_t len = 0;
	say(&plain.c, "<stream:stream to='example.test'>");
	CHECK(!starttls_xmpp_to(&plain.c, &plain.s, buf, sizeof(buf), &len));
}

int main(void)
{
	test_text_protocols();
	test_not_an_upgrade();
	test_long_prelude();
	test_postgresql();
	test_mysql();
	test_ldap();
	test_http_connect();
	test_xmpp_to();
	CHECK(starttls_name(STARTTLS_NONE) == NULL);
	CHECK_STR(starttls_name(STARTTLS_POSTGRESQL), "postgresql");
	CHECK(starttls_name(STARTTLS_PROTO_COUNT) == NULL);
	return check_report("test_starttls");
}
