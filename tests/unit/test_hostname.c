/*
 * test_hostname.c - per-client certificate name matching, checked against
 * what the real clients did with the same certificate and host.
 *
 * Each row is one certificate (only the name fields x509_cert would give:
 * subject CNs, DNS/IP/URI SANs, whether the SAN extension is there, how
 * many names x509_cert dropped for holding a NUL) and one host, with the
 * outcome for the seven clients in enum order:
 *
 *   node openssl curl python go java browser
 *
 * Codes: M HOST_MATCH, C HOST_MATCH_CN accepted, c HOST_MATCH_CN refused,
 * X HOST_MISMATCH, W HOST_MISMATCH_WILDCARD, I HOST_IP_NOT_IN_SAN,
 * N HOST_NO_NAMES. Whether a code is ok (M, C) or not is what the real
 * client did; which failing code it is, is tlsscope's reading of the
 * client's own error (docs/hostname-rules.md lists them).
 *
 * Where each client's ok/not-ok comes from (certificates signed by a test
 * CA made with openssl, served by `openssl s_server -www` on 127.0.0.1;
 * the full procedure is in docs/hostname-rules.md):
 *   node    Node 20.20.2: tls.checkServerIdentity(host, new
 *           X509Certificate(pem).toLegacyObject()) for every row, and
 *           tls.connect() to s_server for every connectable row (same result)
 *   openssl OpenSSL 3.0.19: X509_check_host(flags 0) for names and
 *           X509_check_ip_asc() for addresses in a throwaway C program, and
 *           `s_client -verify_hostname|-verify_ip -verify_return_error`
 *           (same result)
 *   curl    curl 7.88.1 (OpenSSL 3.0.19): `curl --cacert ca.pem --connect-to
 *           ::127.0.0.1:PORT https://HOST:PORT/`, exit 0 or 60; hosts curl's
 *           URL parser refuses (exit 3) count as not ok
 *   python  Python 3.11.7: ssl.create_default_context(cafile=...) and
 *           wrap_socket(server_hostname=HOST) to s_server; hosts the idna
 *           codec or check_hostname refuse count as not ok
 *   go      Go 1.19.8 (Debian golang-go): x509.Certificate.VerifyHostname for
 *           every row, tls.Client handshakes for connectable ones (same)
 *   java    OpenJDK 17.0.15: SSLSocket layered on a socket to s_server,
 *           endpoint identification "HTTPS", the test CA as trust anchor;
 *           rows that cannot be connected: HostnameChecker TYPE_TLS .match()
 *   browser Chromium 156.0.8078.79 headless (--dump-dom, test CA in the NSS
 *           db): page or net::ERR_CERT_COMMON_NAME_INVALID. Rows it could not
 *           load (addresses outside loopback, hosts no URL can hold) follow
 *           Chromium's X509Certificate::VerifyHostname source.
 * One row differs from a real connection on purpose: the 261-byte host
 * matches for Go and Java, whose matchers accept it, although s_server
 * refused that SNI (unrecognized_name) before any name was compared.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hostname.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 261 bytes: four 63-byte labels and "test". */
#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B63 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C63 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define D63 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define LONG_NAME A63 "." B63 "." C63 "." D63 ".test"
#define L70 "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"

struct row {
	const char *cn[3];
	const char *dns[3];
	const char *ip[3];
	const char *uri;
	bool has_san;
	size_t dropped;
	const char *host;
	const char *expect; /* CLIENT_COUNT codes, in enum tls_client order */
};

/* clang-format off */
static const struct row rows[] = {
	/* CN=www.example.test, DNS:www.example.test */
	{ { "www.example.test" }, { "www.example.test" }, { 0 }, NULL, true, 0, "www.example.test", "MMMMMMM" },
	{ { "www.example.test" }, { "www.example.test" }, { 0 }, NULL, true, 0, "WWW.Example.TEST", "MMMMMMM" },
	{ { "www.example.test" }, { "www.example.test" }, { 0 }, NULL, true, 0, "www.example.test.", "MXMXMMM" }, /* OpenSSL/Python keep the trailing dot; the rest drop it */
	{ { "www.example.test" }, { "www.example.test" }, { 0 }, NULL, true, 0, "other.example.test", "XXXXXXX" },
	{ { "www.example.test" }, { "www.example.test" }, { 0 }, NULL, true, 0, "www.example.test..", "MXXXXXX" }, /* Node strips two dots (unfqdn, then splitHost); curl one */
	/* DNS:WWW.EXAMPLE.TEST */
	{ { 0 }, { "WWW.EXAMPLE.TEST" }, { 0 }, NULL, true, 0, "www.example.test", "MMMMMMM" },
	/* DNS:www.example.test. */
	{ { 0 }, { "www.example.test." }, { 0 }, NULL, true, 0, "www.example.test", "MXMXXXM" }, /* curl, Node and Chromium drop the SAN's dot; Java refuses such a SAN */
	{ { 0 }, { "www.example.test." }, { 0 }, NULL, true, 0, "www.example.test.", "MMMMMXM" },
	/* DNS:*.example.test */
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, "a.example.test", "MMMMMMM" },
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, "A.EXAMPLE.test", "MMMMMMM" },
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, "a.b.example.test", "WWWWWWW" },
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, "example.test", "WWWWWWW" },
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, "xn--bcher-kva.example.test", "MMMMMMM" },
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, "a.example.test.", "MXMXMMM" }, /* trailing dot: OpenSSL/Python compare it */
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, ".example.test", "MMMXXXX" }, /* OpenSSL: a leading dot means "any name below"; curl/Node: empty label fits * */
	{ { 0 }, { "*.example.test" }, { 0 }, NULL, true, 0, "*.example.test", "MMXMMXX" }, /* a literal * host; curl and Chromium refuse the URL, Java the SNI name */
	/* DNS:f*.example.test */
	{ { 0 }, { "f*.example.test" }, { 0 }, NULL, true, 0, "foo.example.test", "MMWWWMW" },
	{ { 0 }, { "f*.example.test" }, { 0 }, NULL, true, 0, "f.example.test", "MMWWWMW" }, /* a partial wildcard may cover nothing (Node, OpenSSL, Java) */
	{ { 0 }, { "f*.example.test" }, { 0 }, NULL, true, 0, "bar.example.test", "WWWWWWW" },
	/* DNS:*o.example.test */
	{ { 0 }, { "*o.example.test" }, { 0 }, NULL, true, 0, "foo.example.test", "MMWWWMW" },
	/* DNS:f*o.example.test */
	{ { 0 }, { "f*o.example.test" }, { 0 }, NULL, true, 0, "foo.example.test", "MWWWWMW" }, /* OpenSSL refuses f*o; Node and Java take it */
	{ { 0 }, { "f*o.example.test" }, { 0 }, NULL, true, 0, "fo.example.test", "MWWWWMW" },
	{ { 0 }, { "f*o.example.test" }, { 0 }, NULL, true, 0, "fxo.example.test", "MWWWWMW" },
	/* DNS:x*.example.test */
	{ { 0 }, { "x*.example.test" }, { 0 }, NULL, true, 0, "xn--bcher-kva.example.test", "MWWWWWW" }, /* OpenSSL: no partial wildcard over an A-label; Java compares bucher */
	{ { 0 }, { "x*.example.test" }, { 0 }, NULL, true, 0, "xyz.example.test", "MMWWWMW" },
	/* DNS:www.*.example.test */
	{ { 0 }, { "www.*.example.test" }, { 0 }, NULL, true, 0, "www.a.example.test", "WWWWWMW" }, /* Java TYPE_TLS matches a * in any label */
	/* DNS:*.*.example.test */
	{ { 0 }, { "*.*.example.test" }, { 0 }, NULL, true, 0, "a.b.example.test", "WWWWWMW" },
	/* DNS:*.com */
	{ { 0 }, { "*.com" }, { 0 }, NULL, true, 0, "example.com", "WWWWMMW" }, /* Go and Java (private CA) allow *.com */
	/* DNS:* */
	{ { 0 }, { "*" }, { 0 }, NULL, true, 0, "localhost", "XXXXMXX" }, /* Go 1.19 lets a bare * cover a one-label host */
	/* DNS:*.0.0.1 */
	{ { 0 }, { "*.0.0.1" }, { 0 }, NULL, true, 0, "127.0.0.1", "IIIIIII" }, /* a wildcard never covers an IP host */
	/* DNS:xn--*.example.test */
	{ { 0 }, { "xn--*.example.test" }, { 0 }, NULL, true, 0, "xn--bcher-kva.example.test", "WWWWWWW" },
	/* DNS:*.xn--bcher-kva.test */
	{ { 0 }, { "*.xn--bcher-kva.test" }, { 0 }, NULL, true, 0, "www.xn--bcher-kva.test", "MMMMMMM" },
	/* DNS:xn--bcher-kva.example.test */
	{ { 0 }, { "xn--bcher-kva.example.test" }, { 0 }, NULL, true, 0, "xn--bcher-kva.example.test", "MMMMMMM" },
	{ { 0 }, { "xn--bcher-kva.example.test" }, { 0 }, NULL, true, 0, "XN--BCHER-KVA.example.test", "MMMMMMM" },
	/* DNS:www.example.test, IP:127.0.0.1 */
	{ { 0 }, { "www.example.test" }, { "127.0.0.1" }, NULL, true, 0, "127.0.0.1", "MMMMMMM" },
	{ { 0 }, { "www.example.test" }, { "127.0.0.1" }, NULL, true, 0, "127.0.0.2", "IIIIIII" },
	{ { 0 }, { "www.example.test" }, { "127.0.0.1" }, NULL, true, 0, "www.example.test", "MMMMMMM" },
	{ { 0 }, { "www.example.test" }, { "127.0.0.1" }, NULL, true, 0, "::ffff:127.0.0.1", "IIIIMMI" }, /* Go and Java fold IPv4-mapped IPv6 to IPv4 */
	{ { 0 }, { "www.example.test" }, { "127.0.0.1" }, NULL, true, 0, "127.0.0.1.", "MXXXXMM" }, /* Node, Java, Chromium drop the dot and see an IP; others a name */
	/* IP:::1 */
	{ { 0 }, { 0 }, { "::1" }, NULL, true, 0, "::1", "MMMMMMM" },
	{ { 0 }, { 0 }, { "::1" }, NULL, true, 0, "0:0:0:0:0:0:0:1", "MMMMMMM" },
	{ { 0 }, { 0 }, { "::1" }, NULL, true, 0, "0000:0000::0001", "MMMMMMM" },
	{ { 0 }, { 0 }, { "::1" }, NULL, true, 0, "::2", "IIIIIII" },
	{ { 0 }, { 0 }, { "::1" }, NULL, true, 0, "::ffff:127.0.0.1", "IIIIIII" },
	/* IP:2001:db8:0:0:0:0:0:1 */
	{ { 0 }, { 0 }, { "2001:db8:0:0:0:0:0:1" }, NULL, true, 0, "2001:db8::1", "MMMMMMM" },
	{ { 0 }, { 0 }, { "2001:db8:0:0:0:0:0:1" }, NULL, true, 0, "2001:DB8::1", "MMMMMMM" },
	{ { 0 }, { 0 }, { "2001:db8:0:0:0:0:0:1" }, NULL, true, 0, "2001:db8::2", "IIIIIII" },
	/* IP:::ffff:127.0.0.1 */
	{ { 0 }, { 0 }, { "::ffff:127.0.0.1" }, NULL, true, 0, "127.0.0.1", "IIIIMMI" }, /* Go and Java fold IPv4-mapped IPv6 to IPv4 */
	{ { 0 }, { 0 }, { "::ffff:127.0.0.1" }, NULL, true, 0, "::ffff:127.0.0.1", "MMMMMMM" },
	/* DNS:www.example.test */
	{ { 0 }, { "www.example.test" }, { 0 }, NULL, true, 0, "127.0.0.1", "IIIIIII" },
	/* DNS:127.0.0.1 */
	{ { 0 }, { "127.0.0.1" }, { 0 }, NULL, true, 0, "127.0.0.1", "IIIIIII" },
	/* CN=127.0.0.1 */
	{ { "127.0.0.1" }, { 0 }, { 0 }, NULL, false, 0, "127.0.0.1", "ccCcccc" }, /* curl alone compares an IP host with the CN */
	/* CN=127.0.0.1, DNS:www.example.test */
	{ { "127.0.0.1" }, { "www.example.test" }, { 0 }, NULL, true, 0, "127.0.0.1", "IIIIIII" },
	/* CN=127.0.0.1, IP:127.0.0.2 */
	{ { "127.0.0.1" }, { 0 }, { "127.0.0.2" }, NULL, true, 0, "127.0.0.1", "IIIIIII" },
	/* CN=::1 */
	{ { "::1" }, { 0 }, { 0 }, NULL, false, 0, "::1", "ccCcccc" },
	/* CN=www.example.test */
	{ { "www.example.test" }, { 0 }, { 0 }, NULL, false, 0, "www.example.test", "CCCCcCc" }, /* Go: "relies on legacy Common Name field" */
	{ { "www.example.test" }, { 0 }, { 0 }, NULL, false, 0, "other.example.test", "XXXXNXN" },
	{ { "www.example.test" }, { 0 }, { 0 }, NULL, false, 0, "WWW.EXAMPLE.TEST.", "CXCXcCc" },
	/* CN=*.example.test */
	{ { "*.example.test" }, { 0 }, { 0 }, NULL, false, 0, "a.example.test", "CCCCcCc" },
	/* CN=f*.example.test */
	{ { "f*.example.test" }, { 0 }, { 0 }, NULL, false, 0, "foo.example.test", "CCWWNCN" }, /* the CN gets the same wildcard rules as a SAN */
	/* CN=www.example.test, DNS:other.example.test */
	{ { "www.example.test" }, { "other.example.test" }, { 0 }, NULL, true, 0, "www.example.test", "XXXXXXX" },
	/* CN=www.example.test, IP:127.0.0.1 */
	{ { "www.example.test" }, { 0 }, { "127.0.0.1" }, NULL, true, 0, "www.example.test", "CCNCNCN" }, /* curl: any DNS or IP SAN stops the CN fallback */
	/* CN=www.example.test, URI:https://www.example.test/ */
	{ { "www.example.test" }, { 0 }, { 0 }, "https://www.example.test/", true, 0, "www.example.test", "CCCCNCN" },
	/* CN=www.example.test, empty SAN extension */
	{ { "www.example.test" }, { 0 }, { 0 }, NULL, true, 0, "www.example.test", "CCCCNCN" }, /* Chromium: ERR_CERT_INVALID; Go: no names */
	{ { "www.example.test" }, { 0 }, { 0 }, NULL, true, 0, "127.0.0.1", "IIIIIII" },
	/* empty SAN extension */
	{ { 0 }, { 0 }, { 0 }, NULL, true, 0, "www.example.test", "NNNNNNN" }, /* Go: unhandled critical extension; Java: cannot parse */
	/* no names at all */
	{ { 0 }, { 0 }, { 0 }, NULL, false, 0, "www.example.test", "NNNNNNN" },
	{ { 0 }, { 0 }, { 0 }, NULL, false, 0, "127.0.0.1", "IINIIII" }, /* curl: "unable to obtain common name from peer certificate" */
	/* CN=other.example.test, CN=www.example.test */
	{ { "other.example.test", "www.example.test" }, { 0 }, { 0 }, NULL, false, 0, "www.example.test", "CCCCcCc" },
	/* CN=www.example.test, CN=other.example.test */
	{ { "www.example.test", "other.example.test" }, { 0 }, { 0 }, NULL, false, 0, "www.example.test", "CCXCNXN" }, /* curl and Java read the last CN only */
	/* DNS:www.example.test\0.evil.test */
	{ { 0 }, { 0 }, { 0 }, NULL, true, 1, "www.example.test", "NNNNNNN" }, /* x509_cert drops a name holding a NUL (dropped_names) */
	/* CN=www.example.test\0.evil.test */
	{ { 0 }, { 0 }, { 0 }, NULL, false, 1, "www.example.test", "NNNNNNN" }, /* curl: "illegal cert name field" */
	/* DNS:www example.test */
	{ { 0 }, { "www example.test" }, { 0 }, NULL, true, 0, "www example.test", "XMXMMXX" }, /* exact text compare in OpenSSL/Python/Go */
	/* DNS:_srv.example.test */
	{ { 0 }, { "_srv.example.test" }, { 0 }, NULL, true, 0, "_srv.example.test", "MMMMMXM" }, /* Java SNIHostName refuses "_" */
	/* DNS:<261-byte name> */
	{ { 0 }, { LONG_NAME }, { 0 }, NULL, true, 0, LONG_NAME, "MMXXMMX" }, /* curl, Python, Chromium refuse an SNI over 255 bytes */
	/* DNS:www.example.test */
	{ { 0 }, { "www.example.test" }, { 0 }, NULL, true, 0, "", "XXXXXXX" },
	{ { 0 }, { "www.example.test" }, { 0 }, NULL, true, 0, "www.example.test/x", "XXXXXXX" },
	{ { 0 }, { "www.example.test" }, { 0 }, NULL, true, 0, "www..example.test", "XXXXXXX" },
	{ { 0 }, { "www.example.test" }, { 0 }, NULL, true, 0, "ww\x01" "w.example.test", "XXXXXXX" },
	/* Chromium refuses a host whose last label starts with '_' or '-' (IsCanonicalizedHostCompliant). */
	{ { 0 }, { "b._x" }, { 0 }, NULL, true, 0, "b._x", "MMMMMXX" },
	/* More wildcard shapes, run the same way against all seven clients. */
	{ { 0 }, { "b*.example.test" }, { 0 }, NULL, true, 0, "xn--bcher-kva.example.test", "WWWWWMW" }, /* Java decodes the A-label: b*ucher */
	{ { 0 }, { "a*b*c.test" }, { 0 }, NULL, true, 0, "abc.test", "WWWWWMW" }, /* Java: several *, each may cover nothing */
	{ { 0 }, { "a*a.test" }, { 0 }, NULL, true, 0, "a.test", "WWWWWWW" }, /* Java's indexOf walk: the two a's cannot overlap */
	{ { 0 }, { L70 ".example.test" }, { 0 }, NULL, true, 0, L70 ".example.test", "MMMXMXX" }, /* 70-byte label: Python's idna codec, Java's SNIHostName and Chromium refuse */
};
/* clang-format on */

static const char codes[] = "MCXWIN"; /* enum host_match_result order; 'c' for a refused CN match */

static char code_of(struct host_match m)
{
	if (m.result == HOST_MATCH_CN && !m.ok)
		return 'c';
	return (unsigned)m.result < sizeof(codes) - 1 ? codes[m.result] : '?';
}

/* The certificate a row describes, as x509_cert_parse would fill its name fields. */
struct built {
	struct x509_cert cert;
	char *cn[3], *dns[3];
	struct x509_ip ip[3];
};

static size_t fill(char **dst, const char *const *src)
{
	size_t n = 0;

	while (n < 3 && src[n]) {
		dst[n] = (char *)src[n];
		n++;
	}
	return n;
}

static void build(struct built *b, const struct row *r)
{
	static char *uri[1];
	size_t nip = 0;

	memset(b, 0, sizeof(*b));
	b->cert.subject_cn.v = b->cn;
	b->cert.subject_cn.count = fill(b->cn, r->cn);
	b->cert.san_dns.v = b->dns;
	b->cert.san_dns.count = fill(b->dns, r->dns);
	while (nip < 3 && r->ip[nip]) {
		CHECK(hostname_parse_ip(r->ip[nip], b->ip[nip].addr, &b->ip[nip].len));
		snprintf(b->ip[nip].text, sizeof(b->ip[nip].text), "%s", r->ip[nip]);
		nip++;
	}
	b->cert.san_ip = b->ip;
	b->cert.san_ip_count = nip;
	if (r->uri) {
		uri[0] = (char *)r->uri;
		b->cert.san_uri.v = uri;
		b->cert.san_uri.count = 1;
	}
	b->cert.has_san = r->has_san;
	b->cert.dropped_names = r->dropped;
	b->cert.parsed = true;
}

/* `p` is one of the certificate's own name strings (not a copy). */
static bool is_cert_name(const struct built *b, const char *p)
{
	for (size_t i = 0; i < b->cert.subject_cn.count; i++)
		if (p == b->cn[i])
			return true;
	for (size_t i = 0; i < b->cert.san_dns.count; i++)
		if (p == b->dns[i])
			return true;
	for (size_t i = 0; i < b->cert.san_ip_count; i++)
		if (p == b->ip[i].text)
			return true;
	return false;
}

static void test_grid(void)
{
	CHECK(N(rows) >= 40);
	for (size_t i = 0; i < N(rows); i++) {
		const struct row *r = &rows[i];
		struct built b;

		CHECK_EQ(strlen(r->expect), CLIENT_COUNT);
		build(&b, r);
		for (int c = 0; c < CLIENT_COUNT; c++) {
			struct host_match m = hostname_match((enum tls_client)c, &b.cert, r->host);
			char want = r->expect[c], got = code_of(m);

			CHECK(got == want);
			if (got != want)
				fprintf(stderr, "  row %zu host \"%.40s\" client %s: got %c, want %c\n", i,
				        r->host, tls_client_name((enum tls_client)c), got, want);
			CHECK_EQ(m.ok, (want == 'M' || want == 'C'));
			/* matched names the name that matched, in the certificate itself. */
			if (want == 'M' || want == 'C' || want == 'c')
				CHECK(m.matched && is_cert_name(&b, m.matched));
			else
				CHECK(m.matched == NULL);
			/* near_wildcard only with HOST_MISMATCH_WILDCARD, and it is a wildcard name. */
			if (want == 'W')
				CHECK(m.near_wildcard && is_cert_name(&b, m.near_wildcard) &&
				      strchr(m.near_wildcard, '*'));
			else
				CHECK(m.near_wildcard == NULL);
		}
	}
}

static void test_near_wildcard_names_the_pattern(void)
{
	static const struct row r = {
	    {0}, {"www.example.test", "*.example.test"}, {0}, NULL, true, 0, "a.b.example.test", "WWWWWMW"};
	struct built b;
	struct host_match m;

	build(&b, &r);
	m = hostname_match(CLIENT_NODE, &b.cert, r.host);
	CHECK_EQ(m.result, HOST_MISMATCH_WILDCARD);
	CHECK_STR(m.near_wildcard, "*.example.test");
	/* Java's TYPE_TLS matching takes a '*' in any label but still one label per label. */
	m = hostname_match(CLIENT_JAVA, &b.cert, "a.b.example.test");
	CHECK_EQ(m.result, HOST_MISMATCH_WILDCARD);
}

static void test_parse_ip(void)
{
	uint8_t a[16], b[16], len = 0, blen = 0;
	char big[200];

	CHECK(hostname_parse_ip("127.0.0.1", a, &len));
	CHECK_EQ(len, 4);
	CHECK(a[0] == 127 && a[3] == 1);
	CHECK(hostname_parse_ip("::1", a, &len));
	CHECK_EQ(len, 16);
	CHECK(hostname_parse_ip("0:0:0:0:0:0:0:1", b, &blen));
	CHECK(blen == 16 && memcmp(a, b, 16) == 0);
	CHECK(hostname_parse_ip("0000:0000::0001", b, &blen));
	CHECK(memcmp(a, b, 16) == 0);
	CHECK(hostname_parse_ip("2001:DB8::1", a, &len));
	CHECK(hostname_parse_ip("2001:db8:0:0:0:0:0:1", b, &blen));
	CHECK(memcmp(a, b, 16) == 0);
	CHECK(hostname_parse_ip("::ffff:127.0.0.1", a, &len));
	CHECK(len == 16 && a[10] == 0xff && a[12] == 127);

	CHECK(!hostname_parse_ip(NULL, a, &len));
	CHECK(!hostname_parse_ip("", a, &len));
	CHECK(!hostname_parse_ip("127.0.0.1.", a, &len));
	CHECK(!hostname_parse_ip("127.0.0", a, &len));
	CHECK(!hostname_parse_ip("127.0.0.01", a, &len)); /* no leading zeros (Node, Go, inet_pton) */
	CHECK(!hostname_parse_ip("256.0.0.1", a, &len));
	CHECK(!hostname_parse_ip("[::1]", a, &len));
	CHECK(!hostname_parse_ip("fe80::1%eth0", a, &len));
	CHECK(!hostname_parse_ip("www.example.test", a, &len));
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(!hostname_parse_ip(big, a, &len));
}

static void test_client_names(void)
{
	static const char *const want[CLIENT_COUNT] = {"node", "openssl", "curl",   "python",
	                                               "go",   "java",    "browser"};

	for (int c = 0; c < CLIENT_COUNT; c++)
		CHECK_STR(tls_client_name((enum tls_client)c), want[c]);
	CHECK_STR(tls_client_name(CLIENT_COUNT), "unknown");
	CHECK_STR(tls_client_name((enum tls_client)99), "unknown");
}

static void test_pattern_matches(void)
{
	/* node openssl curl python go java browser */
	static const struct {
		const char *pattern, *host, *want;
	} t[] = {
	    {"*.example.test", "a.example.test", "1111111"},
	    {"*.example.test", "a.b.example.test", "0000000"},
	    {"f*.example.test", "foo.example.test", "1100010"},
	    {"*o.example.test", "foo.example.test", "1100010"},
	    {"f*o.example.test", "foo.example.test", "1000010"},
	    {"www.*.example.test", "www.a.example.test", "0000010"},
	    {"*.com", "example.com", "0000110"},
	    {"*.example.test", "xn--bcher-kva.example.test", "1111111"},
	    {"x*.example.test", "xn--bcher-kva.example.test", "1000000"},
	    {"WWW.EXAMPLE.TEST", "www.example.test", "1111111"},
	    {"www.example.test", "www.example.test.", "1010111"},
	    {"www.example.test.", "www.example.test", "1010001"},
	    /* IP hosts: only curl (its CN fallback) compares a name with an address, as text. */
	    {"127.0.0.1", "127.0.0.1", "0010000"},
	    {"*.0.0.1", "127.0.0.1", "0000000"},
	    {"", "www.example.test", "0000000"},
	    {"www.example.test", "", "0000000"},
	};

	for (size_t i = 0; i < N(t); i++)
		for (int c = 0; c < CLIENT_COUNT; c++) {
			bool got = hostname_pattern_matches((enum tls_client)c, t[i].pattern, t[i].host);

			CHECK_EQ(got, (t[i].want[c] == '1'));
			if (got != (t[i].want[c] == '1'))
				fprintf(stderr, "  pattern \"%s\" host \"%s\" client %s\n", t[i].pattern,
				        t[i].host, tls_client_name((enum tls_client)c));
		}
	for (int c = 0; c < CLIENT_COUNT; c++) {
		CHECK(!hostname_pattern_matches((enum tls_client)c, NULL, "www.example.test"));
		CHECK(!hostname_pattern_matches((enum tls_client)c, "www.example.test", NULL));
	}
	CHECK(!hostname_pattern_matches(CLIENT_COUNT, "www.example.test", "www.example.test"));
}

static void test_null_and_bad_arguments(void)
{
	static const struct row r = {{0}, {"www.example.test"}, {0}, NULL, true, 0, NULL, NULL};
	struct built b;
	struct host_match m;

	m = hostname_match(CLIENT_NODE, NULL, "www.example.test");
	CHECK_EQ(m.result, HOST_NO_NAMES);
	CHECK(!m.ok && !m.matched && !m.near_wildcard);
	build(&b, &r);
	m = hostname_match(CLIENT_COUNT, &b.cert, "www.example.test");
	CHECK(!m.ok);
	for (int c = 0; c < CLIENT_COUNT; c++) {
		m = hostname_match((enum tls_client)c, &b.cert, NULL); /* no host: like "" */
		CHECK_EQ(m.result, HOST_MISMATCH);
		CHECK(!m.ok);
	}
	/* Name lists with a count but no array are read as empty. */
	b.cert.san_dns.v = NULL;
	m = hostname_match(CLIENT_OPENSSL, &b.cert, "www.example.test");
	CHECK_EQ(m.result, HOST_NO_NAMES);
}

/*
 * A name x509_cert dropped for holding a NUL may have been a DNS SAN; real
 * clients then never fall back to the CN, so tlsscope does not either.
 */
static void test_dropped_names(void)
{
	static const struct row hidden = {{"www.example.test"}, {0}, {0}, NULL, true, 1,
	                                  "www.example.test",   NULL};
	static const struct row cn_dropped = {{"www.example.test"}, {0}, {0}, NULL, false, 1,
	                                      "www.example.test",   NULL};
	struct built b;

	build(&b, &hidden);
	for (int c = 0; c < CLIENT_COUNT; c++)
		CHECK(!hostname_match((enum tls_client)c, &b.cert, hidden.host).ok);
	/* Without a SAN extension the dropped name was a CN: the others still count. */
	build(&b, &cn_dropped);
	CHECK(hostname_match(CLIENT_NODE, &b.cert, cn_dropped.host).ok);
	CHECK(hostname_match(CLIENT_CURL, &b.cert, cn_dropped.host).ok);
}

/* Limits: names over HOSTNAME_MAX_LEN (1024) never match; long SAN lists stay bounded. */
static void test_limits(void)
{
	enum { BIG = 2000, MANY = 5000 };
	static char big[BIG + 1];
	static char names[MANY][24];
	static char *list[MANY];
	static const struct row r = {{0}, {0}, {0}, NULL, true, 0, NULL, NULL};
	struct built b;
	struct host_match m;

	for (size_t i = 0; i < BIG; i++)
		big[i] = (i % 64 == 63) ? '.' : 'a';
	big[BIG] = '\0';
	build(&b, &r);
	b.dns[0] = big;
	b.cert.san_dns.count = 1;
	for (int c = 0; c < CLIENT_COUNT; c++) {
		m = hostname_match((enum tls_client)c, &b.cert, big);
		CHECK(!m.ok);
		CHECK(!hostname_pattern_matches((enum tls_client)c, big, big));
	}

	for (size_t i = 0; i < MANY; i++) {
		snprintf(names[i], sizeof(names[i]), "h%zu.example.test", i);
		list[i] = names[i];
	}
	b.cert.san_dns.v = list;
	b.cert.san_dns.count = MANY;
	for (int c = 0; c < CLIENT_COUNT; c++) {
		m = hostname_match((enum tls_client)c, &b.cert, "h4000.example.test");
		CHECK(m.ok && m.matched == list[4000]);
		m = hostname_match((enum tls_client)c, &b.cert, "nothere.example.test");
		CHECK(!m.ok);
	}
}

int main(void)
{
	test_grid();
	test_near_wildcard_names_the_pattern();
	test_parse_ip();
	test_client_names();
	test_pattern_matches();
	test_null_and_bad_arguments();
	test_dropped_names();
	test_limits();
	return check_report("test_hostname");
}
