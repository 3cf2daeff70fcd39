/*
 * client_software.c - naming the client from its ClientHello (see
 * client_software.h). The table is parsed once, on first use.
 */
#include "client_software.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <client_software_tab.h> /* generated at configure time from client_software.tab */

#define TAB_MAX_ROWS 32
#define TAB_MAX_ITEMS 160
#define TAB_TEXT 64

enum tab_field { F_CIPHERS = 0, F_EXTENSIONS, F_GROUPS, F_SIGALGS, F_VERSIONS, F_COUNT };

struct tab_list {
	uint16_t v[TAB_MAX_ITEMS];
	size_t n;
};

struct tab_row {
	char name[16];
	char measured[TAB_TEXT];
	struct tab_list f[F_COUNT];
};

static struct tab_row rows[TAB_MAX_ROWS];
static size_t row_count;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* Extensions an application or the moment decides (the table leaves them out). */
static bool variable_extension(uint16_t t)
{
	return t == 0 || t == 16 || t == 21 || t == 41 || t == 42 || t == 44;
}

static bool is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

const char *client_confidence_name(enum client_confidence c)
{
	static const char *const names[] = {"none", "low", "medium", "high"};
	return (unsigned)c <= CLIENT_CONFIDENCE_HIGH ? names[c] : "none";
}

void client_software_describe(const struct client_software *s, char *out, size_t cap)
{
	if (s->confidence == CLIENT_CONFIDENCE_NONE)
		snprintf(out, cap, "%s (%s)", s->name, s->evidence);
	else
		snprintf(out, cap, "%s (%s confidence: %s)", s->name, client_confidence_name(s->confidence),
		         s->evidence);
}

/* "1302,1303,c02f" (or "-") into l; false when it is not such a list. */
static bool parse_list(const char *s, size_t len, struct tab_list *l)
{
	l->n = 0;
	if (len == 1 && s[0] == '-')
		return true;
	size_t i = 0;
	while (i < len) {
		unsigned v = 0, digits = 0;
		for (; i < len && s[i] != ','; i++, digits++) {
			char c = s[i];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0 || digits >= 4)
				return false;
			v = v * 16 + (unsigned)d;
		}
		if (!digits || l->n == TAB_MAX_ITEMS)
			return false;
		l->v[l->n++] = (uint16_t)v;
		i++; /* the comma */
	}
	return true;
}

static void copy_field(char *dst, size_t cap, const char *s, size_t len)
{
	snprintf(dst, cap, "%.*s", (int)(len < cap ? len : cap - 1), s);
}

/* One "name<TAB>measured<TAB>ciphers<TAB>extensions<TAB>groups<TAB>sigalgs<TAB>versions" line. */
static void parse_line(const char *s, size_t len)
{
	if (!len || s[0] == '#' || row_count == TAB_MAX_ROWS)
		return;
	struct tab_row *r = &rows[row_count];
	size_t col = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\t')
			continue;
		const char *v = s + start;
		size_t vl = i - start;
		if (col == 0)
			copy_field(r->name, sizeof(r->name), v, vl);
		else if (col == 1)
			copy_field(r->measured, sizeof(r->measured), v, vl);
		else if (col - 2 < F_COUNT && !parse_list(v, vl, &r->f[col - 2]))
			return; /* a damaged line is left out */
		col++;
		start = i + 1;
	}
	if (col == 2 + F_COUNT)
		row_count++;
}

static void load_table(void)
{
	const char *t = (const char *)client_software_tab;
	size_t len = sizeof(client_software_tab) - 1, start = 0;
	for (size_t i = 0; i <= len; i++)
		if (i == len || t[i] == '\n') {
			parse_line(t + start, i - start);
			start = i + 1;
		}
}

static void take(struct tab_list *l, const uint16_t *v, size_t n, bool extensions)
{
	l->n = 0;
	for (size_t i = 0; i < n && l->n < TAB_MAX_ITEMS; i++)
		if (!is_grease(v[i]) && !(extensions && variable_extension(v[i])))
			l->v[l->n++] = v[i];
}

static bool same(const struct tab_list *a, const struct tab_list *b)
{
	return a->n == b->n && !memcmp(a->v, b->v, a->n * sizeof(a->v[0]));
}

static const char *const field_names[F_COUNT] = {"ciphers", "extensions", "groups", "sigalgs", "versions"};

void client_software_identify(const struct tls_client_hello *ch, struct client_software *out)
{
	out->name = "unknown";
	out->measured = "";
	out->confidence = CLIENT_CONFIDENCE_NONE;
	out->evidence[0] = 0;
	if (!ch || ch->sslv2_format) {
		snprintf(out->evidence, sizeof(out->evidence), "%s",
		         ch ? "an SSLv2-format ClientHello" : "no ClientHello");
		return;
	}
	pthread_once(&table_once, load_table);
	struct tab_list got[F_COUNT];
	uint16_t ext[TLS_MAX_EXTENSIONS];
	for (uint16_t i = 0; i < ch->extension_count; i++)
		ext[i] = ch->extensions[i].type;
	take(&got[F_CIPHERS], ch->cipher_suites, ch->cipher_suite_count, false);
	take(&got[F_EXTENSIONS], ext, ch->extension_count, true);
	take(&got[F_GROUPS], ch->supported_groups.v, ch->supported_groups.count, false);
	take(&got[F_SIGALGS], ch->signature_algorithms.v, ch->signature_algorithms.count, false);
	take(&got[F_VERSIONS], ch->supported_versions.v, ch->supported_versions.count, false);

	const struct tab_row *best = NULL;
	bool best_eq[F_COUNT] = {false};
	for (size_t r = 0; r < row_count; r++) {
		bool eq[F_COUNT];
		for (int f = 0; f < F_COUNT; f++)
			eq[f] = same(&got[f], &rows[r].f[f]);
		enum client_confidence c = CLIENT_CONFIDENCE_NONE;
		if (eq[F_CIPHERS] && eq[F_EXTENSIONS] && eq[F_GROUPS] && eq[F_SIGALGS] && eq[F_VERSIONS])
			c = CLIENT_CONFIDENCE_HIGH;
		else if (eq[F_CIPHERS] && eq[F_GROUPS] && eq[F_SIGALGS])
			c = CLIENT_CONFIDENCE_MEDIUM;
		else if (eq[F_CIPHERS] && got[F_CIPHERS].n >= 8) /* a short list says little */
			c = CLIENT_CONFIDENCE_LOW;
		if (c > out->confidence) {
			out->confidence = c;
			best = &rows[r];
			memcpy(best_eq, eq, sizeof(eq));
		}
	}
	if (!best) {
		snprintf(out->evidence, sizeof(out->evidence),
		         "%zu ciphers, %zu extensions: no client in the table", got[F_CIPHERS].n,
		         got[F_EXTENSIONS].n);
		return;
	}
	out->name = best->name;
	out->measured = best->measured;
	char matched[160] = "", differ[120] = "";
	size_t m = 0, d = 0;
	for (int f = 0; f < F_COUNT; f++) {
		char *dst = best_eq[f] ? matched : differ;
		size_t *o = best_eq[f] ? &m : &d;
		size_t cap = best_eq[f] ? sizeof(matched) : sizeof(differ);
		if (*o < cap)
			*o += (size_t)snprintf(dst + *o, cap - *o, "%s%s", *o ? ", " : "", field_names[f]);
	}
	snprintf(out->evidence, sizeof(out->evidence), "%s as %s (%zu ciphers)%s%s", matched, best->measured,
	         got[F_CIPHERS].n, d ? "; not " : "", differ);
}

bool client_software_client(const struct client_software *s, enum tls_client *out)
{
	if (!s || s->confidence == CLIENT_CONFIDENCE_NONE)
		return false;
	for (int k = 0; k < CLIENT_COUNT; k++)
		if (!strcmp(s->name, tls_client_name((enum tls_client)k))) {
			*out = (enum tls_client)k;
			return true;
		}
	return false;
}
