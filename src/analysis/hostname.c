/*
 * hostname.c - certificate name matching, one rule set per client.
 *
 * Each client is modelled on the code it really runs, checked on loopback
 * against the real client (docs/hostname-rules.md has the table, the
 * versions and the commands):
 *
 *   node     Node.js 20 tls.checkServerIdentity() and its check() helper
 *   openssl  OpenSSL 3.0 X509_check_host(flags 0) / X509_check_ip, i.e. what
 *            SSL_set1_host() does, and `s_client -verify_hostname` for names
 *            and `-verify_ip` for addresses
 *   curl     curl 7.88 verifyhost() + Curl_cert_hostcheck() (OpenSSL build)
 *   python   Python 3.11 create_default_context(): OpenSSL with
 *            X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, hostname_checks_common_name
 *   go       Go 1.19 crypto/x509 Certificate.VerifyHostname()
 *   java     JDK 17 X509TrustManagerImpl with endpoint identification
 *            "HTTPS" (HostnameChecker TYPE_TLS), CA not a public root
 *   browser  Chromium's X509Certificate::VerifyHostname()
 *
 * Everything here reads NUL-terminated strings with a length cap
 * (HOSTNAME_MAX_LEN): a longer host or certificate name never matches, so
 * no loop here runs past that many bytes per name, and at most
 * HOSTNAME_MAX_NAMES entries of each certificate list are looked at.
 */
#include "hostname.h"

#include <arpa/inet.h>
#include <string.h>

/* Longest host or certificate name examined (DNS names stop at 253; SNI at 255 in OpenSSL). */
#define HOSTNAME_MAX_LEN 1024
/* Entries of each certificate name list examined (x509_cert keeps them all). */
#define HOSTNAME_MAX_NAMES 4096
/* RFC 1035 2.3.4 label length, enforced by Java's SNIHostName and Python's idna codec. */
#define HOSTNAME_MAX_LABEL 63
/* OpenSSL refuses to send a server_name longer than this (curl: "Failed set SNI"). */
#define HOSTNAME_MAX_SNI 255
/* RFC 1035 2.3.4 name length without the root dot; Chromium's IsCanonicalizedHostCompliant. */
#define HOSTNAME_MAX_DNS 253

/* A borrowed byte string. */
struct span {
	const char *p;
	size_t n;
};

/* The host as one client sees it before comparing names. */
struct host_in {
	struct span raw;                /* as given (capped) */
	char buf[HOSTNAME_MAX_LEN + 1]; /* the client's normalised form (ASCII lower case) */
	struct span dns;                /* points into buf */
	bool usable;                    /* false: the client refuses this host before matching names */
	bool is_ip;
	struct span ip_text; /* the text parsed as the address (Go: without [ ]) */
	uint8_t addr[16];
	uint8_t addr_len;
	bool go_valid; /* Go: validHostnameInput() */
};

static const char *const client_names[CLIENT_COUNT] = {
    [CLIENT_NODE] = "node",       [CLIENT_OPENSSL] = "openssl", [CLIENT_CURL] = "curl",
    [CLIENT_PYTHON] = "python",   [CLIENT_GO] = "go",           [CLIENT_JAVA] = "java",
    [CLIENT_BROWSER] = "browser",
};

const char *tls_client_name(enum tls_client c)
{
	return (unsigned)c < CLIENT_COUNT ? client_names[c] : "unknown";
}

/* ---- small string helpers ------------------------------------------------ */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A C string of at most HOSTNAME_MAX_LEN bytes; false for NULL or longer. */
static bool span_of(const char *s, struct span *out)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, HOSTNAME_MAX_LEN + 1);
	if (n > HOSTNAME_MAX_LEN)
		return false;
	out->p = s;
	out->n = n;
	return true;
}

/* ASCII case-insensitive equality, as every client here compares. */
static bool eq_nocase(struct span a, struct span b)
{
	if (a.n != b.n)
		return false;
	for (size_t i = 0; i < a.n; i++)
		if (lower(a.p[i]) != lower(b.p[i]))
			return false;
	return true;
}

static bool starts_nocase(struct span s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.n >= n && eq_nocase((struct span){s.p, n}, (struct span){prefix, n});
}

static bool contains_nocase(struct span s, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= s.n; i++)
		if (eq_nocase((struct span){s.p + i, n}, (struct span){needle, n}))
			return true;
	return false;
}

static struct span strip_dot(struct span s)
{
	if (s.n > 0 && s.p[s.n - 1] == '.')
		s.n--;
	return s;
}

static const char *find_char(struct span s, char c)
{
	return s.n ? memchr(s.p, c, s.n) : NULL;
}

static const char *rfind_char(struct span s, char c)
{
	for (size_t i = s.n; i > 0; i--)
		if (s.p[i - 1] == c)
			return s.p + i - 1;
	return NULL;
}

static size_t count_char(struct span s, char c)
{
	size_t k = 0;

	for (size_t i = 0; i < s.n; i++)
		k += s.p[i] == c;
	return k;
}

/* The first label and the rest from the first dot on (".example.com"), or an empty rest. */
static void split_first(struct span s, struct span *first, struct span *rest)
{
	const char *dot = find_char(s, '.');

	first->p = s.p;
	first->n = dot ? (size_t)(dot - s.p) : s.n;
	rest->p = s.p + first->n;
	rest->n = s.n - first->n;
}

static bool has_empty_label(struct span s)
{
	if (s.n == 0)
		return true;
	if (s.p[0] == '.' || s.p[s.n - 1] == '.')
		return true;
	for (size_t i = 1; i < s.n; i++)
		if (s.p[i] == '.' && s.p[i - 1] == '.')
			return true;
	return false;
}

static bool longest_label_over(struct span s, size_t max)
{
	size_t run = 0;

	for (size_t i = 0; i < s.n; i++) {
		run = s.p[i] == '.' ? 0 : run + 1;
		if (run > max)
			return true;
	}
	return false;
}

/* ---- IP addresses -------------------------------------------------------- */

bool hostname_parse_ip(const char *host, uint8_t addr[16], uint8_t *len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	size_t n;

	if (!host)
		return false;
	n = strnlen(host, sizeof(tmp));
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, host, n + 1);
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, tmp, addr) == 1) {
		*len = 16;
		return true;
	}
	return false;
}

static bool parse_ip_span(struct span s, uint8_t addr[16], uint8_t *len)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (s.n == 0 || s.n >= sizeof(tmp))
		return false;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	return hostname_parse_ip(tmp, addr, len);
}

/* The 16-byte form; an IPv4 address becomes ::ffff:a.b.c.d (Go's To16, Java's InetAddress). */
static void ip_to16(const uint8_t *a, uint8_t len, uint8_t out[16])
{
	if (len == 4) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, a, 4);
	} else {
		memcpy(out, a, 16);
	}
}

static bool ip_equal(enum tls_client c, const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	if ((alen != 4 && alen != 16) || (blen != 4 && blen != 16))
		return false;
	if (c == CLIENT_GO || c == CLIENT_JAVA) {
		/* net.IP.Equal and InetAddress.equals treat ::ffff:a.b.c.d as a.b.c.d. */
		uint8_t x[16], y[16];
		ip_to16(a, alen, x);
		ip_to16(b, blen, y);
		return memcmp(x, y, 16) == 0;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* ---- Node.js: lib/tls.js check(hostParts, pattern, true) ----------------- */

static bool node_pattern(struct span pat, struct span host)
{
	struct span pf, pr, hf, hr;

	pat = strip_dot(pat); /* splitHost() on the pattern */
	if (pat.n == 0 || has_empty_label(pat))
		return false;
	for (size_t i = 0; i < pat.n; i++) {
		unsigned char c = (unsigned char)pat.p[i];
		if (c < 0x21 || c > 0x7f) /* /[^\u0021-\u007F]/u: blanks, controls, non-ASCII */
			return false;
	}
	split_first(pat, &pf, &pr);
	split_first(host, &hf, &hr);
	/* Same label count and labels 1..n-1 equal: the rests are equal strings. */
	if (!eq_nocase(pr, hr))
		return false;
	/* RFC 6125 6.4.3: no wildcard in a label holding an A-label; compared verbatim. */
	if (!find_char(pf, '*') || contains_nocase(pf, "xn--"))
		return eq_nocase(pf, hf);
	if (count_char(pf, '*') > 1)
		return false;
	if (count_char(pat, '.') < 2) /* patternParts.length <= 2: no "*.tld" */
		return false;
	{
		const char *star = find_char(pf, '*');
		struct span pre = {pf.p, (size_t)(star - pf.p)};
		struct span suf = {star + 1, pf.n - pre.n - 1};

		if (pre.n + suf.n > hf.n)
			return false;
		return eq_nocase(pre, (struct span){hf.p, pre.n}) &&
		       eq_nocase(suf, (struct span){hf.p + hf.n - suf.n, suf.n});
	}
}

/* ---- OpenSSL 3.0 crypto/x509/v3_utl.c ------------------------------------ */

enum { LABEL_START = 1, LABEL_HYPHEN = 4, LABEL_IDNA = 8 };

/*
 * The one legal wildcard of a pattern, or NULL (then the pattern is compared
 * as plain text): in the first label, at its start or end, not in an
 * A-label, at least two dots in the pattern, LDH characters only.
 */
static const char *openssl_valid_star(struct span p, bool partial_ok)
{
	const char *star = NULL;
	int state = LABEL_START, dots = 0;

	for (size_t i = 0; i < p.n; i++) {
		char c = p.p[i];

		if (c == '*') {
			bool atstart = state & LABEL_START;
			bool atend = i == p.n - 1 || p.p[i + 1] == '.';

			if (star || (state & LABEL_IDNA) || dots)
				return NULL;
			if (!partial_ok && (!atstart || !atend))
				return NULL;
			if (!atstart && !atend) /* no "f*o" */
				return NULL;
			star = p.p + i;
			state &= ~LABEL_START;
		} else if (is_alnum(c)) {
			if ((state & LABEL_START) && starts_nocase((struct span){p.p + i, p.n - i}, "xn--"))
				state |= LABEL_IDNA;
			state &= ~(LABEL_HYPHEN | LABEL_START);
		} else if (c == '.') {
			if (state & (LABEL_HYPHEN | LABEL_START))
				return NULL;
			state = LABEL_START;
			dots++;
		} else if (c == '-') {
			if (state & LABEL_START)
				return NULL;
			state |= LABEL_HYPHEN;
		} else {
			return NULL;
		}
	}
	if ((state & (LABEL_START | LABEL_HYPHEN)) || dots < 2)
		return NULL;
	return star;
}

static bool openssl_wildcard_match(struct span pre, struct span suf, struct span subj)
{
	struct span wild;

	if (subj.n < pre.n + suf.n)
		return false;
	if (!eq_nocase(pre, (struct span){subj.p, pre.n}) ||
	    !eq_nocase(suf, (struct span){subj.p + subj.n - suf.n, suf.n}))
		return false;
	wild.p = subj.p + pre.n;
	wild.n = subj.n - pre.n - suf.n;
	if (pre.n == 0 && suf.n > 0 && suf.p[0] == '.') {
		/* A whole-label wildcard must cover at least one character; it may cover an A-label. */
		if (wild.n == 0)
			return false;
	} else if (starts_nocase(subj, "xn--")) {
		return false; /* an A-label never matches a partial wildcard */
	}
	if (wild.n == 1 && wild.p[0] == '*')
		return true; /* the wildcard may match a literal '*' */
	for (size_t i = 0; i < wild.n; i++)
		if (!is_alnum(wild.p[i]) && wild.p[i] != '-')
			return false; /* one label only: no '.' */
	return true;
}

/* equal_wildcard(); a host starting with '.' matches any name below it (_X509_CHECK_FLAG_DOT_SUBDOMAINS). */
static bool openssl_pattern(struct span pat, struct span host, bool partial_ok)
{
	const char *star;

	if (host.n > 1 && host.p[0] == '.') {
		if (pat.n > host.n)
			pat = (struct span){pat.p + pat.n - host.n, host.n};
		return eq_nocase(pat, host);
	}
	star = openssl_valid_star(pat, partial_ok);
	if (!star)
		return eq_nocase(pat, host);
	return openssl_wildcard_match((struct span){pat.p, (size_t)(star - pat.p)},
	                              (struct span){star + 1, pat.n - (size_t)(star - pat.p) - 1}, host);
}

/* ---- curl 7.88 lib/vtls/hostcheck.c -------------------------------------- */

static bool curl_hostmatch(struct span pat, struct span host, bool host_is_ip)
{
	const char *pdot, *hdot;
	struct span rest;

	if (pat.n == 0 || host.n == 0)
		return false;
	/* The "*." test reads the pattern before its trailing dot is dropped. */
	bool wild = pat.n >= 2 && pat.p[0] == '*' && pat.p[1] == '.';

	host = strip_dot(host);
	pat = strip_dot(pat);
	if (!wild)
		return eq_nocase(pat, host);
	if (host_is_ip)
		return false;
	/* At least two dots in the pattern, or it is compared as plain text. */
	pdot = find_char(pat, '.');
	if (!pdot || rfind_char(pat, '.') == pdot)
		return eq_nocase(pat, host);
	hdot = find_char(host, '.');
	if (!hdot)
		return false;
	rest = (struct span){pdot, pat.n - (size_t)(pdot - pat.p)};
	return eq_nocase(rest, (struct span){hdot, host.n - (size_t)(hdot - host.p)});
}

/* ---- Go 1.19 crypto/x509/verify.go --------------------------------------- */

static bool go_valid_hostname(struct span s, bool is_pattern)
{
	size_t i = 0, label = 0;

	if (!is_pattern)
		s = strip_dot(s);
	if (s.n == 0)
		return false;
	while (i <= s.n) {
		size_t start = i;

		while (i < s.n && s.p[i] != '.')
			i++;
		if (i == start)
			return false; /* empty label */
		if (!(is_pattern && label == 0 && i - start == 1 && s.p[start] == '*')) {
			for (size_t j = start; j < i; j++) {
				char c = s.p[j];

				if (is_alnum(c) || c == '_' || (c == '-' && j != start))
					continue;
				return false;
			}
		}
		label++;
		i++; /* past the dot (or past the end) */
	}
	return true;
}

static bool go_match_exactly(struct span a, struct span b)
{
	if (a.n == 0 || (a.n == 1 && a.p[0] == '.') || b.n == 0 || (b.n == 1 && b.p[0] == '.'))
		return false;
	return eq_nocase(a, b);
}

static bool go_match_hostnames(struct span pat, struct span host)
{
	struct span pf, pr, hf, hr;

	host = strip_dot(host);
	if (pat.n == 0 || host.n == 0)
		return false;
	split_first(pat, &pf, &pr);
	split_first(host, &hf, &hr);
	if (!eq_nocase(pr, hr)) /* equal label counts and labels 1..n-1 */
		return false;
	return (pf.n == 1 && pf.p[0] == '*') || eq_nocase(pf, hf);
}

/* ---- JDK 17 sun.security.util.HostnameChecker (TYPE_TLS) ----------------- */

/* javax.net.ssl.SNIHostName: IDN.toASCII(USE_STD3_ASCII_RULES), no trailing dot. */
static bool java_sni_valid(struct span s)
{
	size_t i = 0;

	if (s.n == 0 || s.p[s.n - 1] == '.')
		return false;
	while (i <= s.n) {
		size_t start = i;

		while (i < s.n && s.p[i] != '.')
			i++;
		if (i == start || i - start > HOSTNAME_MAX_LABEL)
			return false;
		if (s.p[start] == '-' || s.p[i - 1] == '-')
			return false;
		for (size_t j = start; j < i; j++)
			if (!is_alnum(s.p[j]) && s.p[j] != '-')
				return false;
		i++;
	}
	return true;
}

/* A label as Unicode code points, lower-cased in ASCII (Java lower-cases with Locale.ENGLISH). */
struct cps {
	uint32_t v[HOSTNAME_MAX_LABEL];
	size_t n;
};

static int puny_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	return 36;
}

static uint32_t puny_adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / 700 : delta / 2;
	delta += delta / numpoints;
	while (delta > ((36 - 1) * 26) / 2) {
		delta /= 36 - 1;
		k += 36;
	}
	return k + (36 * delta) / (delta + 38);
}

/* RFC 3492 6.2 decoding of the part after "xn--"; false when it is not valid Punycode. */
static bool puny_decode(struct span in, struct cps *out)
{
	uint32_t n = 128, i = 0, bias = 72;
	const char *delim = rfind_char(in, '-');
	size_t b = delim ? (size_t)(delim - in.p) : 0, pos;

	out->n = 0;
	if (b > HOSTNAME_MAX_LABEL)
		return false;
	for (size_t k = 0; k < b; k++)
		out->v[out->n++] = (unsigned char)in.p[k];
	for (pos = delim ? b + 1 : 0; pos < in.n;) {
		uint32_t oldi = i, w = 1;

		for (uint32_t k = 36;; k += 36) {
			int digit;
			uint32_t t;

			if (pos >= in.n || (digit = puny_digit(in.p[pos++])) >= 36)
				return false;
			if ((uint32_t)digit > (UINT32_MAX - i) / w)
				return false;
			i += (uint32_t)digit * w;
			t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
			if ((uint32_t)digit < t)
				break;
			if (w > UINT32_MAX / (36 - t))
				return false;
			w *= 36 - t;
		}
		if (out->n >= HOSTNAME_MAX_LABEL)
			return false;
		bias = puny_adapt(i - oldi, (uint32_t)out->n + 1, oldi == 0);
		if (i / (out->n + 1) > UINT32_MAX - n)
			return false;
		n += i / (uint32_t)(out->n + 1);
		i %= (uint32_t)(out->n + 1);
		if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff))
			return false;
		memmove(out->v + i + 1, out->v + i, (out->n - i) * sizeof(out->v[0]));
		out->v[i++] = n;
		out->n++;
	}
	return true;
}

/* IDN.toUnicode() of one label: an A-label is decoded, anything else (or bad Punycode) kept. */
static void java_to_unicode(struct span label, struct cps *out)
{
	if (starts_nocase(label, "xn--") && puny_decode((struct span){label.p + 4, label.n - 4}, out)) {
		for (size_t k = 0; k < out->n; k++)
			if (out->v[k] < 0x80)
				out->v[k] = (unsigned char)lower((char)out->v[k]);
		return;
	}
	out->n = 0;
	for (size_t k = 0; k < label.n && k < HOSTNAME_MAX_LABEL; k++)
		out->v[out->n++] = (unsigned char)lower(label.p[k]);
}

/* Where the ASCII `needle` first occurs in name[from..], or (size_t)-1. */
static size_t cps_index(const struct cps *name, size_t from, struct span needle)
{
	for (size_t i = from; i + needle.n <= name->n; i++) {
		size_t k = 0;

		while (k < needle.n && name->v[i + k] == (unsigned char)lower(needle.p[k]))
			k++;
		if (k == needle.n)
			return i;
	}
	return (size_t)-1;
}

/* matchWildCards(): '*' anywhere in the label, any number of them, each may cover nothing. */
static bool java_label_match(struct span host_label, struct span tmpl_label)
{
	struct cps name, tmpl;
	const char *star = find_char(tmpl_label, '*');
	bool beginning = true;
	struct span after = tmpl_label;
	size_t from = 0, at;

	java_to_unicode(host_label, &name);
	if (!star) {
		/* Both sides in Unicode form: an A-label equals the same A-label in any case. */
		java_to_unicode(tmpl_label, &tmpl);
		return tmpl.n == name.n && memcmp(tmpl.v, name.v, name.n * sizeof(name.v[0])) == 0;
	}
	/* The template is LDH plus '*': IDN.toUnicode() leaves it as it is (a "xn--*" label does not decode).
	 */
	while (star) {
		struct span before = {after.p, (size_t)(star - after.p)};

		after = (struct span){star + 1, after.n - before.n - 1};
		at = cps_index(&name, from, before);
		if (at == (size_t)-1 || (beginning && at != 0))
			return false;
		beginning = false;
		from = at + before.n;
		star = find_char(after, '*');
	}
	/* name.endsWith(after) over what is left */
	if (name.n - from < after.n)
		return false;
	at = cps_index(&name, name.n - after.n, after);
	return at == name.n - after.n;
}

static bool java_pattern(struct span tmpl, struct span host)
{
	char z[HOSTNAME_MAX_LEN + 1];
	const char *last_star;
	size_t i = 0, j = 0;

	if ((tmpl.n == 1 && tmpl.p[0] == '*') || (tmpl.n == 2 && tmpl.p[0] == '*' && tmpl.p[1] == '.'))
		return false; /* hasIllegalWildcard */
	last_star = rfind_char(tmpl, '*');
	if (last_star && !find_char((struct span){last_star, tmpl.n - (size_t)(last_star - tmpl.p)}, '.'))
		return false; /* "*com": no dot after the wildcard */
	/* The template with each '*' read as 'z' must be a valid SNI host name. */
	for (size_t k = 0; k < tmpl.n; k++)
		z[k] = tmpl.p[k] == '*' ? 'z' : tmpl.p[k];
	if (!java_sni_valid((struct span){z, tmpl.n}))
		return false;
	/* matchAllWildcards(): same label count, every label matched on its own. */
	if (count_char(tmpl, '.') != count_char(host, '.'))
		return false;
	while (i <= tmpl.n && j <= host.n) {
		size_t ts = i, hs = j;

		while (i < tmpl.n && tmpl.p[i] != '.')
			i++;
		while (j < host.n && host.p[j] != '.')
			j++;
		if (!java_label_match((struct span){host.p + hs, j - hs}, (struct span){tmpl.p + ts, i - ts}))
			return false;
		i++;
		j++;
	}
	return true;
}

/* ---- Chromium net/cert/x509_certificate.cc VerifyHostname() -------------- */

static bool browser_pattern(struct span pat, struct span ref)
{
	struct span rh, rd, ph, pd;
	bool allow_wildcards;
	size_t i;

	if (pat.n == 0 || ref.n == 0)
		return false;
	pat = strip_dot(pat);
	if (pat.n > ref.n) /* the wildcard covers at least one character */
		return false;
	split_first(ref, &rh, &rd);
	split_first(pat, &ph, &pd);
	if (!eq_nocase(pd, rd))
		return false;
	if (!(ph.n == 1 && ph.p[0] == '*'))
		return eq_nocase(ph, rh);
	/*
	 * No wildcard over a registry-controlled domain ("*.com", "*.co.uk";
	 * unknown TLDs count as registries) nor for all-numeric names. Without
	 * the public suffix list, a domain part of two labels or more stands in
	 * for "not a registry".
	 */
	allow_wildcards = rd.n > 0 && count_char(rd, '.') >= 2;
	for (i = 0; allow_wildcards && i < ref.n; i++)
		if (!(ref.p[i] >= '0' && ref.p[i] <= '9') && ref.p[i] != '.')
			break;
	return allow_wildcards && i < ref.n;
}

/* ---- the host as each client sees it ------------------------------------- */

/* Characters curl's URL parser refuses in a host name (urlapi.c hostname_check, junkscan). */
static bool curl_host_ok(struct span s)
{
	static const char bad[] = " \r\n\t/:#?!@{}[]\\$'\"^`*<>=;,+&()%";

	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c < 0x20 || c == 0x7f || memchr(bad, c, sizeof(bad) - 1))
			return false;
	}
	return true;
}

/*
 * A host Chromium will match at all (net::IsCanonicalizedHostCompliant):
 * at most 253 bytes, labels of LDH and '_' that are not empty, the last one
 * starting with a letter or digit; and labels of at most 63 bytes. Checked
 * on Chromium 156: "x.-a", "x._x" and a 70-byte label fail with
 * ERR_CERT_COMMON_NAME_INVALID even when the SAN is the same text, "_x.test"
 * and "x.a_b" match; a 261-byte host fails earlier (ERR_UNEXPECTED).
 */
static bool browser_host_ok(struct span s)
{
	struct span last;
	const char *dot;

	if (s.n == 0 || s.n > HOSTNAME_MAX_DNS || has_empty_label(s) ||
	    longest_label_over(s, HOSTNAME_MAX_LABEL))
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!is_alnum(s.p[i]) && s.p[i] != '-' && s.p[i] != '_' && s.p[i] != '.')
			return false;
	dot = rfind_char(s, '.');
	last = dot ? (struct span){dot + 1, s.n - (size_t)(dot + 1 - s.p)} : s;
	return is_alnum(last.p[0]);
}

static void set_ip(struct host_in *h, struct span s)
{
	h->is_ip = parse_ip_span(s, h->addr, &h->addr_len);
	h->ip_text = s;
}

static void set_lower(struct host_in *h, struct span s)
{
	for (size_t i = 0; i < s.n; i++)
		h->buf[i] = lower(s.p[i]);
	h->buf[s.n] = '\0';
	h->dns = (struct span){h->buf, s.n};
}

static void host_prepare(enum tls_client c, const char *host, struct host_in *h)
{
	struct span s;

	memset(h, 0, sizeof(*h));
	h->dns = (struct span){h->buf, 0};
	if (!span_of(host, &h->raw)) {
		h->raw = (struct span){"", 0};
		return; /* over HOSTNAME_MAX_LEN: never matches */
	}
	h->usable = true;
	switch (c) {
	case CLIENT_NODE:
		/* unfqdn() before net.isIP(), and splitHost() drops one more trailing dot. */
		s = strip_dot(h->raw);
		set_ip(h, s);
		set_lower(h, strip_dot(s));
		break;
	case CLIENT_OPENSSL:
		/* The host is used as given: no trailing dot is dropped. */
		set_ip(h, h->raw);
		set_lower(h, h->raw);
		break;
	case CLIENT_PYTHON:
		set_ip(h, h->raw);
		set_lower(h, h->raw);
		if (!h->is_ip) {
			/* Empty: "check_hostname requires server_hostname"; the idna codec refuses
			 * empty and over-long labels; OpenSSL will not send an SNI over 255. */
			s = strip_dot(h->raw);
			h->usable = h->raw.n > 0 && !has_empty_label(s) &&
			            !longest_label_over(s, HOSTNAME_MAX_LABEL) &&
			            h->raw.n <= HOSTNAME_MAX_SNI;
		}
		break;
	case CLIENT_CURL:
		/* hostmatch() drops one trailing dot itself. */
		set_ip(h, h->raw);
		set_lower(h, h->raw);
		if (!h->is_ip)
			h->usable = h->raw.n > 0 && curl_host_ok(h->raw) && h->raw.n <= HOSTNAME_MAX_SNI;
		break;
	case CLIENT_GO:
		/* IP addresses may be written in [ ]. */
		s = h->raw;
		if (s.n >= 3 && s.p[0] == '[' && s.p[s.n - 1] == ']')
			s = (struct span){s.p + 1, s.n - 2};
		set_ip(h, s);
		set_lower(h, h->raw);
		h->go_valid = go_valid_hostname(h->dns, false);
		break;
	case CLIENT_JAVA:
		/* SSLSocketImpl drops the trailing dot; SNIHostName() then vets the name. */
		s = strip_dot(h->raw);
		set_ip(h, s);
		set_lower(h, s);
		if (!h->is_ip)
			h->usable = java_sni_valid(s);
		break;
	case CLIENT_BROWSER:
	default:
		s = strip_dot(h->raw);
		set_ip(h, s);
		set_lower(h, s);
		if (!h->is_ip)
			h->usable = browser_host_ok(s);
		break;
	}
}

/* One certificate DNS name against the prepared host, by the client's rules. */
static bool dns_name_matches(enum tls_client c, const char *name, const struct host_in *h)
{
	struct span pat;

	if (!h->usable || !span_of(name, &pat))
		return false;
	switch (c) {
	case CLIENT_NODE:
		return node_pattern(pat, h->dns);
	case CLIENT_OPENSSL:
		return openssl_pattern(pat, h->dns, true);
	case CLIENT_PYTHON:
		return openssl_pattern(pat, h->dns, false);
	case CLIENT_CURL:
		return curl_hostmatch(pat, h->dns, h->is_ip);
	case CLIENT_GO:
		if (h->go_valid && go_valid_hostname(pat, true))
			return go_match_hostnames(pat, h->dns);
		return go_match_exactly(pat, h->dns);
	case CLIENT_JAVA:
		return java_pattern(pat, h->dns);
	case CLIENT_BROWSER:
	default:
		return browser_pattern(pat, h->dns);
	}
}

bool hostname_pattern_matches(enum tls_client client, const char *pattern, const char *host)
{
	struct host_in h;

	if ((unsigned)client >= CLIENT_COUNT)
		return false;
	host_prepare(client, host, &h);
	/* Only curl ever compares a name (its CN fallback) with an IP address host. */
	if (h.is_ip && client != CLIENT_CURL)
		return false;
	return dns_name_matches(client, pattern, &h);
}

/* ---- near misses ---------------------------------------------------------- */

/*
 * A wildcard name whose fixed part (the labels right of its last '*') is
 * the host itself or a label-aligned suffix of it: it names the right
 * domain but covers a different number of labels, is partial, or is too
 * broad for this client.
 */
static bool wildcard_is_near(const char *name, struct span host)
{
	struct span pat, base;
	const char *star, *dot;

	if (!span_of(name, &pat) || !(star = rfind_char(pat, '*')))
		return false;
	dot = find_char((struct span){star, pat.n - (size_t)(star - pat.p)}, '.');
	if (!dot)
		return false;
	base = strip_dot((struct span){dot + 1, pat.n - (size_t)(dot + 1 - pat.p)});
	if (base.n == 0 || host.n < base.n)
		return false;
	if (host.n == base.n)
		return eq_nocase(host, base);
	/* At least one character before the dot: an empty label is no wildcard's business. */
	return host.n > base.n + 1 && host.p[host.n - base.n - 1] == '.' &&
	       eq_nocase((struct span){host.p + host.n - base.n, base.n}, base);
}

/* ---- hostname_match -------------------------------------------------------- */

static size_t capped(size_t n)
{
	return n < HOSTNAME_MAX_NAMES ? n : HOSTNAME_MAX_NAMES;
}

static const char *last_cn(const struct x509_cert *cert)
{
	size_t n = capped(cert->subject_cn.count);

	return n ? cert->subject_cn.v[n - 1] : NULL;
}

/*
 * A name x509_cert dropped (it held a NUL) may have been a DNS SAN, which
 * would have turned the CN fallback off: then the fallback is not taken.
 */
static bool maybe_hidden_dns_san(const struct x509_cert *cert)
{
	return cert->has_san && cert->dropped_names > 0;
}

/* Which CNs a client compares when it falls back to the subject. */
static bool client_tries_every_cn(enum tls_client c)
{
	/* OpenSSL (and so Python) walks every CN; Node takes subject.CN as an array.
	 * curl and Java take the last (most specific) one, Go's Subject.CommonName is the last. */
	return c == CLIENT_NODE || c == CLIENT_OPENSSL || c == CLIENT_PYTHON;
}

static bool ip_text_names(enum tls_client c, const char *cn, const struct host_in *h)
{
	struct span s;
	uint8_t a[16], alen;

	if (!span_of(cn, &s))
		return false;
	if (c == CLIENT_GO) /* HostnameError.Error(): matchHostnames(CommonName, host) */
		return go_match_hostnames(s, h->ip_text);
	if (eq_nocase(s, h->ip_text))
		return true;
	return parse_ip_span(s, a, &alen) && alen == h->addr_len && memcmp(a, h->addr, alen) == 0;
}

static struct host_match match_ip(enum tls_client c, const struct x509_cert *cert, const struct host_in *h)
{
	struct host_match m = {HOST_IP_NOT_IN_SAN, false, NULL, NULL};
	size_t nip = cert->san_ip ? capped(cert->san_ip_count) : 0;

	for (size_t i = 0; i < nip; i++) {
		const struct x509_ip *ip = &cert->san_ip[i];

		if (ip_equal(c, ip->addr, ip->len, h->addr, h->addr_len)) {
			m.result = HOST_MATCH;
			m.ok = true;
			m.matched = ip->text;
			return m;
		}
	}
	if (c == CLIENT_CURL) {
		/* verifyhost(): the last CN, compared as text, only when the SAN has no DNS and no IP entry.
		 */
		const char *cn = last_cn(cert);

		if (cert->san_dns.count > 0 || nip > 0 || maybe_hidden_dns_san(cert))
			return m;
		if (!cn)
			m.result = HOST_NO_NAMES; /* "unable to obtain common name from peer certificate" */
		else if (dns_name_matches(c, cn, h)) {
			m.result = HOST_MATCH_CN;
			m.ok = true;
			m.matched = cn;
		}
		return m;
	}
	/* Everyone else ignores the CN for an IP host; say so when it would have matched. */
	if (!cert->has_san) {
		size_t n = capped(cert->subject_cn.count);

		for (size_t i = client_tries_every_cn(c) ? 0 : (n ? n - 1 : 0); i < n; i++) {
			if (ip_text_names(c, cert->subject_cn.v[i], h)) {
				m.result = HOST_MATCH_CN;
				m.matched = cert->subject_cn.v[i];
				return m;
			}
		}
	}
	return m;
}

static struct host_match match_dns(enum tls_client c, const struct x509_cert *cert, const struct host_in *h)
{
	struct host_match m = {HOST_MISMATCH, false, NULL, NULL};
	size_t ndns = cert->san_dns.v ? capped(cert->san_dns.count) : 0;
	size_t nip = cert->san_ip ? capped(cert->san_ip_count) : 0;
	size_t ncn = cert->subject_cn.v ? capped(cert->subject_cn.count) : 0;
	size_t considered = ndns, cn_first = 0;
	bool cn_used = false, cn_hint = false;
	/* The host as the client compares it: OpenSSL and Python keep a trailing dot. */
	struct span host_text = c == CLIENT_OPENSSL || c == CLIENT_PYTHON ? h->raw : strip_dot(h->raw);

	for (size_t i = 0; i < ndns; i++) {
		if (dns_name_matches(c, cert->san_dns.v[i], h)) {
			m.result = HOST_MATCH;
			m.ok = true;
			m.matched = cert->san_dns.v[i];
			return m;
		}
	}

	switch (c) {
	case CLIENT_NODE:
	case CLIENT_OPENSSL:
	case CLIENT_PYTHON:
	case CLIENT_JAVA:
		/* The CN only when there is no DNS SAN (an IP SAN does not stop it). */
		cn_used = ndns == 0 && !maybe_hidden_dns_san(cert);
		break;
	case CLIENT_CURL:
		/* The CN only when the SAN has neither a DNS nor an IP entry. */
		cn_used = ndns == 0 && nip == 0 && !maybe_hidden_dns_san(cert);
		break;
	case CLIENT_GO:
	case CLIENT_BROWSER:
	default:
		/* Never the CN; Go names it ("relies on legacy Common Name field") when there is no SAN at
		 * all. */
		cn_hint = !cert->has_san;
		break;
	}
	if (ncn > 0 && !client_tries_every_cn(c))
		cn_first = ncn - 1;

	if (cn_used || cn_hint) {
		for (size_t i = cn_first; i < ncn; i++) {
			const char *cn = cert->subject_cn.v[i];
			bool hit;

			if (!cn || !cn[0])
				continue;
			if (cn_used)
				considered++;
			if (c == CLIENT_GO) {
				struct span cs;

				hit = span_of(cn, &cs) && go_match_hostnames(cs, h->raw);
			} else {
				hit = dns_name_matches(c, cn, h);
			}
			if (hit) {
				m.result = HOST_MATCH_CN;
				m.ok = cn_used;
				m.matched = cn;
				return m;
			}
		}
	}

	if (considered == 0) {
		m.result = HOST_NO_NAMES;
		return m;
	}
	if (!h->usable)
		return m; /* the client refused the host itself */
	for (size_t i = 0; i < ndns + (cn_used ? ncn : 0); i++) {
		const char *name = i < ndns ? cert->san_dns.v[i] : cert->subject_cn.v[i - ndns];

		if (i >= ndns && i - ndns < cn_first)
			continue;
		if (name && wildcard_is_near(name, host_text)) {
			m.result = HOST_MISMATCH_WILDCARD;
			m.near_wildcard = name;
			break;
		}
	}
	return m;
}

struct host_match hostname_match(enum tls_client client, const struct x509_cert *cert, const char *host)
{
	struct host_match m = {HOST_NO_NAMES, false, NULL, NULL};
	struct host_in h;

	if (!cert || (unsigned)client >= CLIENT_COUNT)
		return m;
	host_prepare(client, host, &h);
	if (h.is_ip)
		return match_ip(client, cert, &h);
	return match_dns(client, cert, &h);
}
