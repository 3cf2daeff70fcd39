/*
 * expect.c - --expect rules: parsing and lookup (see expect.h).
 */
#include "expect.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts_file.h"

static bool parse_addr(const char *s, size_t n, struct ts_addr *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(out, 0, sizeof(*out));
	uint8_t v4[4];
	if (inet_pton(AF_INET, buf, v4) == 1) {
		out->family = 4;
		out->bytes[10] = out->bytes[11] = 0xff;
		memcpy(out->bytes + 12, v4, 4);
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->bytes) == 1) {
		out->family = 6;
		return true;
	}
	return false;
}

/* A host name as users write it: letters, digits, '-', '.', '*', '_', or an IP literal. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!isalnum(ch) && !strchr("-._*:", ch))
			return false;
	}
	return true;
}

static void rule_free(struct expect_rule *rule)
{
	for (size_t i = 0; i < rule->name_count; i++)
		free(rule->names[i]);
	rule->name_count = 0;
}

bool expect_add(struct expect_rules *r, const char *text, char *err, size_t errlen)
{
	struct expect_rule rule;
	memset(&rule, 0, sizeof(rule));
	const char *names = text;
	const char *eq = strchr(text, '=');
	if (eq) {
		/* SERVER_IP[:PORT] or [IPV6]:PORT or a bare IPv6 address */
		const char *a = text, *end = eq;
		const char *port = NULL;
		if (*a == '[') {
			const char *close = memchr(a, ']', (size_t)(end - a));
			if (!close) {
				snprintf(err, errlen, "'%s': missing ']' after the IPv6 address", text);
				return false;
			}
			if (close + 1 < end) {
				if (close[1] != ':') {
					snprintf(err, errlen, "'%s': expected ':PORT' after ']'", text);
					return false;
				}
				port = close + 2;
			}
			a++;
			end = close;
		} else {
			const char *colon = memchr(a, ':', (size_t)(end - a));
			if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
				port = colon + 1; /* exactly one colon: IPv4:PORT */
			}
			if (port)
				end = colon;
		}
		if (!parse_addr(a, (size_t)(end - a), &rule.addr)) {
			snprintf(err, errlen, "'%s': '%.*s' is not an IP address", text, (int)(end - a), a);
			return false;
		}
		rule.has_addr = true;
		if (port) {
			char *pe;
			errno = 0;
			long p = strtol(port, &pe, 10);
			if (errno || pe != eq || p <= 0 || p > 65535) {
				snprintf(err, errlen, "'%s': bad port", text);
				return false;
			}
			rule.port = (uint16_t)p;
		}
		names = eq + 1;
	}
	const char *p = names;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		struct ts_addr ip6;
		if (memchr(p, ':', n) && !parse_addr(p, n, &ip6)) {
			/* "10.0.0.2:443" alone: a server without its names, not a name */
			snprintf(err, errlen,
			         "'%s': '%.*s' is not a host name (for one server write IP[:PORT]=NAME)",
			         text, (int)n, p);
			rule_free(&rule);
			return false;
		}
		if (!name_ok(p, n)) {
			snprintf(err, errlen, "'%s': '%.*s' is not a host name", text, (int)n, p);
			rule_free(&rule);
			return false;
		}
		if (rule.name_count == EXPECT_MAX_NAMES) {
			snprintf(err, errlen, "'%s': more than %d names", text, EXPECT_MAX_NAMES);
			rule_free(&rule);
			return false;
		}
		char *name = strndup(p, n);
		if (!name) {
			snprintf(err, errlen, "out of memory");
			rule_free(&rule);
			return false;
		}
		for (char *q = name; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		rule.names[rule.name_count++] = name;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!rule.name_count) {
		snprintf(err, errlen, "'%s': no host name given", text);
		return false;
	}
	if (r->count == EXPECT_MAX_RULES) {
		snprintf(err, errlen, "more than %d --expect rules", EXPECT_MAX_RULES);
		rule_free(&rule);
		return false;
	}
	struct expect_rule *v = realloc(r->v, (r->count + 1) * sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		rule_free(&rule);
		return false;
	}
	r->v = v;
	r->v[r->count++] = rule;
	return true;
}

bool expect_add_file(struct expect_rules *r, const char *path, char *err, size_t errlen)
{
	FILE *fp = ts_file_open_regular(path, err, errlen);
	if (!fp)
		return false;
	bool ok = expect_add_stream(r, fp, path, err, errlen);
	fclose(fp);
	return ok;
}

bool expect_add_stream(struct expect_rules *r, FILE *fp, const char *path, char *err, size_t errlen)
{
	char *line = malloc(EXPECT_MAX_LINE + 1), inner[3000];
	size_t total = 0;
	unsigned lineno = 0;
	bool ok = line != NULL;
	if (!ok)
		snprintf(err, errlen, "%s: out of memory", path);
	while (ok && fgets(line, EXPECT_MAX_LINE + 1, fp)) {
		lineno++;
		size_t len = strlen(line); /* a NUL in the line ends it early: never past the buffer */
		total += len;
		if (total > EXPECT_MAX_FILE_BYTES) {
			snprintf(err, errlen, "%s: larger than %u MiB", path, EXPECT_MAX_FILE_BYTES >> 20);
			ok = false;
			break;
		}
		if (len == EXPECT_MAX_LINE && line[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%u: line longer than %u bytes", path, lineno,
			         EXPECT_MAX_LINE - 1u);
			ok = false;
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s = line, *e = line + strlen(line);
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = 0;
		if (s == e)
			continue;
		if (!expect_add(r, s, inner, sizeof(inner))) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, inner);
			ok = false;
		}
	}
	if (ok && ferror(fp)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		ok = false;
	}
	free(line);
	return ok;
}

const struct expect_rule *expect_lookup(const struct expect_rules *r, const struct ts_addr *addr,
                                        uint16_t port)
{
	const struct expect_rule *best = NULL;
	int best_rank = -1;
	for (size_t i = 0; r && i < r->count; i++) {
		const struct expect_rule *x = &r->v[i];
		int rank;
		if (!x->has_addr)
			rank = 0;
		else if (memcmp(x->addr.bytes, addr->bytes, 16) != 0)
			continue;
		else if (x->port == 0)
			rank = 1;
		else if (x->port == port)
			rank = 2;
		else
			continue;
		if (rank > best_rank) { /* the first of equally specific rules wins */
			best = x;
			best_rank = rank;
		}
	}
	return best;
}

void expect_free(struct expect_rules *r)
{
	for (size_t i = 0; i < r->count; i++)
		rule_free(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->count = 0;
}
