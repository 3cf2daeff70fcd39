/*
 * report_servers.c - the estate report of `tlsscope servers` (see
 * report_servers.h).
 */
#include "report_servers.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "x509_cert.h"

/* Successful handshakes in percent of all; 100 for none. */
static double success_percent(const struct state_server *s)
{
	if (!s->handshakes)
		return 100.0;
	uint64_t failed = s->failures > s->handshakes ? s->handshakes : s->failures;
	return 100.0 * (double)(s->handshakes - failed) / (double)s->handshakes;
}

static bool expiring(const struct state_server *s, int warn_days)
{
	return s->has_chain && s->chain_expires && warn_days > 0 && state_server_days_left(s) < warn_days;
}

static bool is_problem(const struct state_server *s, int warn_days)
{
	return s->failures || expiring(s, warn_days);
}

/* ------------------------------------------------------------------ text */

static void text_list(FILE *fp, const char *title, const struct state_list *l)
{
	if (!l->n)
		return;
	fprintf(fp, "  %-16s", title);
	for (size_t i = 0; i < l->n; i++)
		fprintf(fp, "%s%s %" PRIu64, i ? ", " : "", l->v[i].value, l->v[i].count);
	if (l->folded)
		fprintf(fp, ", other %" PRIu64, l->folded);
	fputc('\n', fp);
}

void servers_text(FILE *fp, const struct state_server *s, int warn_days)
{
	char t1[32], t2[32];
	x509_time_format(s->first_seen, t1, sizeof(t1));
	x509_time_format(s->last_seen, t2, sizeof(t2));
	fprintf(fp, "%s:%d %s%s\n", s->ip, s->port, s->sni[0] ? s->sni : "(no SNI)",
	        is_problem(s, warn_days) ? "  [problem]" : "");
	fprintf(fp, "  seen            %s .. %s\n", t1, t2);
	fprintf(fp, "  handshakes      %" PRIu64 ", %" PRIu64 " failed, %.1f%% succeeded\n", s->handshakes,
	        s->failures, success_percent(s));
	if (s->has_chain) {
		fprintf(fp, "  chain           %zu certificates, leaf %s\n", s->chain.total,
		        s->chain.n ? s->chain.fp[0] : "?");
		fprintf(fp, "  subject         %s\n", s->leaf_subject[0] ? s->leaf_subject : "?");
		fprintf(fp, "  issuer          %s\n", s->leaf_issuer[0] ? s->leaf_issuer : "?");
		if (s->chain_expires) {
			x509_time_format(s->chain_expires, t1, sizeof(t1));
			fprintf(fp, "  expires         %s, %" PRId64 " days after it was last seen%s\n", t1,
			        state_server_days_left(s), expiring(s, warn_days) ? " (renew now)" : "");
		}
		fprintf(fp, "  chains seen     %" PRIu64 "\n", s->chains_seen);
	} else {
		fprintf(fp,
		        "  chain           never visible (TLS 1.3 without a key log, or no Certificate)\n");
	}
	text_list(fp, "versions", &s->versions);
	text_list(fp, "ciphers", &s->ciphers);
	text_list(fp, "ALPN", &s->alpn);
	text_list(fp, "outcomes", &s->outcomes);
	text_list(fp, "failure causes", &s->failure_causes);
	text_list(fp, "failing clients", &s->failure_clients);
	for (size_t i = 0; i < s->change_count; i++) {
		const struct state_chain_change *c = &s->changes[i];
		x509_time_format(c->at, t1, sizeof(t1));
		fprintf(fp, "  chain changed   %s: leaf %.16s... -> %.16s...; %s\n", t1,
		        c->old_chain.n ? c->old_chain.fp[0] : "?", c->new_chain.n ? c->new_chain.fp[0] : "?",
		        c->differs);
	}
	if (s->changes_total > s->change_count)
		fprintf(fp, "  (%" PRIu64 " earlier chain changes not shown)\n",
		        s->changes_total - s->change_count);
	fputc('\n', fp);
}

/* ------------------------------------------------------------------ JSON */

static void json_time(struct jsonw *w, const char *key, int64_t t)
{
	jw_time(w, key, t * 1000000000LL, false);
}

/* [{"value": V, "count": N}, ...] and, for what was folded, {"value": null, "count": N}. */
static void json_list(struct jsonw *w, const char *key, const struct state_list *l)
{
	jw_array_begin(w, key);
	for (size_t i = 0; i < l->n; i++) {
		jw_object_begin(w, NULL);
		jw_string(w, "value", l->v[i].value);
		jw_uint(w, "count", l->v[i].count);
		jw_object_end(w);
	}
	if (l->folded) {
		jw_object_begin(w, NULL);
		jw_null(w, "value");
		jw_uint(w, "count", l->folded);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void json_fingerprints(struct jsonw *w, const char *key, const struct state_fingerprints *f)
{
	jw_array_begin(w, key);
	for (size_t i = 0; i < f->n; i++)
		jw_ascii(w, NULL, f->fp[i]);
	jw_array_end(w);
}

void servers_json(struct jsonw *w, const struct state_server *s)
{
	jw_object_begin(w, NULL);
	jw_ascii(w, "type", "server");
	jw_string(w, "ip", s->ip);
	jw_uint(w, "port", (uint64_t)s->port);
	jw_string(w, "sni", s->sni[0] ? s->sni : NULL);
	json_time(w, "first_seen", s->first_seen);
	json_time(w, "last_seen", s->last_seen);
	jw_uint(w, "handshakes", s->handshakes);
	jw_uint(w, "failed", s->failures);
	jw_double(w, "success_rate", success_percent(s) / 100.0, 4);
	if (s->has_chain) {
		jw_object_begin(w, "chain");
		json_fingerprints(w, "fingerprints", &s->chain);
		jw_uint(w, "certificates", s->chain.total);
		jw_string(w, "leaf_subject", s->leaf_subject[0] ? s->leaf_subject : NULL);
		jw_string(w, "leaf_issuer", s->leaf_issuer[0] ? s->leaf_issuer : NULL);
		jw_string(w, "leaf_key_type", s->leaf_key_type[0] ? s->leaf_key_type : NULL);
		if (s->leaf_not_after)
			json_time(w, "leaf_not_after", s->leaf_not_after);
		else
			jw_null(w, "leaf_not_after");
		if (s->chain_expires) {
			json_time(w, "expires", s->chain_expires);
			jw_int(w, "days_to_expiry", state_server_days_left(s));
		} else {
			jw_null(w, "expires");
			jw_null(w, "days_to_expiry");
		}
		json_time(w, "last_seen", s->chain_last_seen);
		jw_uint(w, "handshakes", s->chain_count);
		jw_object_end(w);
	} else {
		jw_null(w, "chain");
	}
	jw_uint(w, "chains_seen", s->chains_seen);
	json_list(w, "versions", &s->versions);
	json_list(w, "ciphers", &s->ciphers);
	json_list(w, "alpn", &s->alpn);
	json_list(w, "outcomes", &s->outcomes);
	json_list(w, "findings", &s->findings);
	json_list(w, "clients", &s->clients);
	json_list(w, "failures_by_cause", &s->failure_causes);
	json_list(w, "failures_by_client", &s->failure_clients);
	jw_array_begin(w, "chain_changes");
	for (size_t i = 0; i < s->change_count; i++) {
		const struct state_chain_change *c = &s->changes[i];
		jw_object_begin(w, NULL);
		json_time(w, "at", c->at);
		json_fingerprints(w, "old", &c->old_chain);
		json_fingerprints(w, "new", &c->new_chain);
		jw_string(w, "differs", c->differs);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_uint(w, "chain_changes_total", s->changes_total);
	jw_object_end(w);
}

/* ------------------------------------------------------------------ HTML */

struct servers_html {
	FILE *rows, *details; /* temporary: the table comes after the totals */
	int warn_days;
	unsigned long servers, handshakes, failures, problems, expiring, changes;
};

struct servers_html *servers_html_new(int warn_days)
{
	struct servers_html *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->warn_days = warn_days;
	h->rows = tmpfile();
	h->details = tmpfile();
	if (!h->rows || !h->details) {
		servers_html_discard(h);
		return NULL;
	}
	return h;
}

static void html_list(FILE *fp, const char *title, const struct state_list *l)
{
	fputs("<div><dt>", fp);
	html_escape(fp, title);
	fputs("</dt><dd>", fp);
	if (!l->n)
		fputs("<span class=\"none\">none</span>", fp);
	for (size_t i = 0; i < l->n; i++) {
		fputs("<span class=\"chip\">", fp);
		html_escape(fp, l->v[i].value);
		fprintf(fp, " &times;%" PRIu64 "</span>", l->v[i].count);
	}
	if (l->folded)
		fprintf(fp, "<span class=\"chip\">other &times;%" PRIu64 "</span>", l->folded);
	fputs("</dd></div>", fp);
}

static void html_fact(FILE *fp, const char *dt, const char *dd)
{
	fputs("<div><dt>", fp);
	html_escape(fp, dt);
	fputs("</dt><dd>", fp);
	html_escape(fp, dd);
	fputs("</dd></div>", fp);
}

static void html_row(struct servers_html *h, const struct state_server *s, unsigned long id)
{
	FILE *fp = h->rows;
	char text[64];
	bool problem = is_problem(s, h->warn_days);
	fprintf(fp, "<tr data-id=\"%lu\" data-p=\"%d\"><td>", id, problem);
	html_escape(fp, s->ip);
	fprintf(fp, ":%d</td><td class=\"sni\">", s->port);
	html_escape(fp, s->sni[0] ? s->sni : "-");
	fprintf(fp, "</td><td data-v=\"%" PRIu64 "\">%" PRIu64 "</td>", s->handshakes, s->handshakes);
	fprintf(fp, "<td data-v=\"%.2f\">%.1f%%</td>", success_percent(s), success_percent(s));
	if (s->has_chain && s->chain_expires) {
		int64_t days = state_server_days_left(s);
		fprintf(fp, "<td data-v=\"%" PRId64 "\">%s%" PRId64 "%s</td>", days,
		        expiring(s, h->warn_days) ? "<span class=\"badge warning\">" : "", days,
		        expiring(s, h->warn_days) ? "</span>" : "");
	} else {
		fputs("<td data-v=\"999999\"><span class=\"none\">-</span></td>", fp);
	}
	fputs("<td>", fp);
	html_escape(fp, s->versions.n ? s->versions.v[0].value : "-");
	fputs("</td><td class=\"worst\">", fp);
	if (s->failure_causes.n) {
		fputs("<span class=\"badge error\">", fp);
		html_escape(fp, s->failure_causes.v[0].value);
		fprintf(fp, "</span> &times;%" PRIu64, s->failure_causes.v[0].count);
	} else {
		fputs("<span class=\"badge ok\">ok</span>", fp);
	}
	snprintf(text, sizeof(text), "%" PRIu64, s->changes_total);
	fprintf(fp, "</td><td data-v=\"%s\">%s</td></tr>\n", text, text);
}

static void html_detail(struct servers_html *h, const struct state_server *s, unsigned long id)
{
	FILE *fp = h->details;
	char t1[32], t2[32], text[160];
	bool problem = is_problem(s, h->warn_days);
	fprintf(fp, "<details class=\"conn%s\" id=\"c%lu\"><summary><b>", problem ? " error" : "", id);
	html_escape(fp, s->ip);
	fprintf(fp, ":%d ", s->port);
	html_escape(fp, s->sni[0] ? s->sni : "(no SNI)");
	fprintf(fp,
	        "</b> %" PRIu64
	        " handshakes, %.1f%% succeeded</summary><div class=\"body\"><dl class=\"facts\">",
	        s->handshakes, success_percent(s));
	x509_time_format(s->first_seen, t1, sizeof(t1));
	x509_time_format(s->last_seen, t2, sizeof(t2));
	snprintf(text, sizeof(text), "%s .. %s", t1, t2);
	html_fact(fp, "seen", text);
	if (s->has_chain) {
		html_fact(fp, "leaf", s->leaf_subject[0] ? s->leaf_subject : "?");
		html_fact(fp, "issuer", s->leaf_issuer[0] ? s->leaf_issuer : "?");
		html_fact(fp, "key", s->leaf_key_type[0] ? s->leaf_key_type : "?");
		if (s->chain_expires) {
			x509_time_format(s->chain_expires, t1, sizeof(t1));
			snprintf(text, sizeof(text), "%s (%" PRId64 " days after last seen)", t1,
			         state_server_days_left(s));
			html_fact(fp, "expires", text);
		}
		for (size_t i = 0; i < s->chain.n; i++) {
			snprintf(text, sizeof(text), "certificate %zu", i);
			html_fact(fp, text, s->chain.fp[i]);
		}
	}
	html_list(fp, "versions", &s->versions);
	html_list(fp, "ciphers", &s->ciphers);
	html_list(fp, "ALPN", &s->alpn);
	html_list(fp, "outcomes", &s->outcomes);
	html_list(fp, "failure causes", &s->failure_causes);
	html_list(fp, "failing clients", &s->failure_clients);
	fputs("</dl>", fp);
	if (s->change_count) {
		fputs("<h3>Chain changes</h3><ul class=\"findings\">", fp);
		for (size_t i = 0; i < s->change_count; i++) {
			const struct state_chain_change *c = &s->changes[i];
			x509_time_format(c->at, t1, sizeof(t1));
			fprintf(fp,
			        "<li><b>%s</b> leaf <code>%.16s&#8230;</code> &rarr; "
			        "<code>%.16s&#8230;</code>: ",
			        t1, c->old_chain.n ? c->old_chain.fp[0] : "?",
			        c->new_chain.n ? c->new_chain.fp[0] : "?");
			html_escape(fp, c->differs);
			fputs("</li>", fp);
		}
		fputs("</ul>", fp);
	}
	fputs("</div></details>\n", fp);
}

bool servers_html_add(struct servers_html *h, const struct state_server *s)
{
	unsigned long id = ++h->servers;
	h->handshakes += (unsigned long)s->handshakes;
	h->failures += (unsigned long)s->failures;
	h->problems += is_problem(s, h->warn_days);
	h->expiring += expiring(s, h->warn_days);
	h->changes += (unsigned long)s->changes_total;
	html_row(h, s, id);
	html_detail(h, s, id);
	return !ferror(h->rows) && !ferror(h->details);
}

static bool copy_all(FILE *from, FILE *to)
{
	char buf[65536];
	size_t n;
	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			return false;
	return !ferror(from);
}

static void tile(FILE *fp, unsigned long n, const char *what, bool bad)
{
	fprintf(fp, "<div class=\"tile%s\"><b>%lu</b><span>%s</span></div>", bad && n ? " bad" : "", n, what);
}

bool servers_html_finish(struct servers_html *h, FILE *fp, const char *state_name)
{
	html_page_begin(fp, "tlsscope servers");
	fputs("<main>\n<h1>Servers</h1><p class=\"sub\">", fp);
	html_escape(fp, state_name);
	fputs("</p>\n<div class=\"tiles\">", fp);
	tile(fp, h->servers, "servers (IP, port, SNI)", false);
	tile(fp, h->handshakes, "handshakes", false);
	tile(fp, h->failures, "failed handshakes", true);
	tile(fp, h->problems, "servers with problems", true);
	char what[64];
	snprintf(what, sizeof(what), "chains expiring within %d days", h->warn_days);
	tile(fp, h->expiring, what, true);
	tile(fp, h->changes, "chain changes", false);
	fprintf(fp,
	        "</div>\n<h2 id=\"connections\">Servers</h2>\n<div class=\"controls\">"
	        "<input type=\"search\" id=\"q\" placeholder=\"Filter: IP, SNI, failure&#8230;\" "
	        "aria-label=\"filter servers\"><label><input type=\"checkbox\" id=\"po\"> problems "
	        "only</label><span class=\"count\"><span id=\"shown\">%lu</span> of %lu match</span>"
	        "<span class=\"pager\" id=\"pager\"><button type=\"button\" id=\"prev\">&#8592; "
	        "previous</button> <span id=\"page\"></span> <button type=\"button\" id=\"next\">next "
	        "&#8594;</button></span></div>\n",
	        h->servers, h->servers);
	fputs(
	    "<div class=\"scroll\"><table id=\"conns\" "
	    "data-page=\"500\"><thead><tr><th>server</th><th>SNI</th>"
	    "<th data-t=\"n\">handshakes</th><th data-t=\"n\">succeeded</th><th data-t=\"n\">days to "
	    "expiry</th><th>version</th><th>top failure</th><th data-t=\"n\">chain changes</th></tr></thead>"
	    "<tbody>\n",
	    fp);
	bool ok = copy_all(h->rows, fp);
	fputs("</tbody></table></div>\n<h2 id=\"details\">Server details</h2>\n", fp);
	ok = ok && copy_all(h->details, fp);
	fputs("</main>\n<footer>Made by tlsscope servers from the state file; every time is capture time, "
	      "UTC.</footer>\n",
	      fp);
	html_page_end(fp);
	servers_html_discard(h);
	return ok && !ferror(fp);
}

void servers_html_discard(struct servers_html *h)
{
	if (!h)
		return;
	if (h->rows)
		fclose(h->rows);
	if (h->details)
		fclose(h->details);
	free(h);
}
