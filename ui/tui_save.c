/*
 * tui_save.c - certificates and reports written from the curses view (see tui_save.h).
 */
#include "tui_save.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cert_export.h"
#include "tui_spill.h"
#include "ts_file.h"

bool tui_save_certs(struct tui_model *m, const struct tui_row *r, const char *dir, char *msg, size_t msglen)
{
	struct cert_export_conn_info ci;
	if (r->certs_len < sizeof(ci)) {
		snprintf(msg, msglen, "connection #%llu: no certificates in clear to export",
		         (unsigned long long)r->id);
		return false;
	}
	long off = r->spill_off + (long)r->detail_len + (long)r->report_len;
	uint8_t *buf = malloc(r->certs_len);
	if (!buf || !tui_model_read(m, off, buf, r->certs_len)) {
		free(buf);
		snprintf(msg, msglen, "cannot read the certificates back from the temporary file");
		return false;
	}
	struct cert_export x;
	char err[1200];
	if (!cert_export_open(&x, dir, err, sizeof(err))) {
		free(buf);
		snprintf(msg, msglen, "export: %s", err);
		return false;
	}
	memcpy(&ci, buf, sizeof(ci));
	unsigned count = 0;
	for (size_t at = sizeof(ci); at + sizeof(struct spilled_cert) <= r->certs_len; count++) {
		struct spilled_cert h;
		memcpy(&h, buf + at, sizeof(h));
		at += sizeof(h);
		if (h.len > r->certs_len - at)
			break;
		cert_export_write(&x, &ci, h.client ? "client" : "server", h.position, buf + at, h.len);
		at += h.len;
	}
	free(buf);
	bool ok = cert_export_close(&x);
	if (ok)
		snprintf(msg, msglen, "wrote %u certificate%s of #%llu to %s/ (index.tsv lists them)", count,
		         count == 1 ? "" : "s", (unsigned long long)r->id, dir);
	else
		snprintf(msg, msglen, "export to %s failed: %s", dir, x.error);
	return ok;
}

/* Copy one spilled section to fp. */
static bool copy_spill(struct tui_model *m, long off, size_t len, FILE *fp)
{
	char buf[8192];
	while (len > 0) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		if (!tui_model_read(m, off, buf, n) || fwrite(buf, 1, n, fp) != n)
			return false;
		off += (long)n;
		len -= n;
	}
	return true;
}

static void view_summary(struct tui_model *m, FILE *fp)
{
	size_t n = tui_model_view_count(m);
	uint64_t outcomes[OUTCOME_COUNT] = {0}, by_code[TUI_MAX_CODES] = {0};
	for (size_t i = 0; i < n; i++) {
		const struct tui_row *r = tui_model_view_row(m, i);
		outcomes[r->outcome < OUTCOME_COUNT ? r->outcome : OUTCOME_INCOMPLETE]++;
		for (size_t k = 0; k < TUI_MAX_CODES; k++)
			by_code[k] += r->codes >> k & 1;
	}
	const char *filter = tui_model_filter(m);
	fprintf(fp, "== tlsscope view: %zu connection%s, sorted by %s%s%s%s%s ==\n", n, n == 1 ? "" : "s",
	        tui_sort_name(tui_model_sort(m)), tui_model_problems_only(m) ? ", problems only" : "",
	        filter[0] ? ", filter \"" : "", filter, filter[0] ? "\"" : "");
	const struct report_inputs *in = tui_model_inputs(m);
	for (size_t i = 0; in && i < in->count; i++)
		fprintf(fp, "input %s\n", in->names[i]);
	for (int i = 0; i < OUTCOME_COUNT; i++)
		if (outcomes[i])
			fprintf(fp, "  %-34s %llu\n", conn_outcome_name((enum conn_outcome)i),
			        (unsigned long long)outcomes[i]);
	const struct tui_counts *k = tui_model_counts(m);
	for (size_t i = 0; i < k->run.code_count; i++)
		if (by_code[i])
			fprintf(fp, "  finding %-26s %llu\n", tui_model_code_name(m, i),
			        (unsigned long long)by_code[i]);
	fputc('\n', fp);
}

bool tui_save_report(struct tui_model *m, const char *path, char *msg, size_t msglen)
{
	struct ts_file_out out; /* a symlink at path is refused, never followed */
	char err[1200];
	if (!ts_file_create(&out, path, err, sizeof(err))) {
		snprintf(msg, msglen, "%s", err);
		return false;
	}
	FILE *fp = out.fp;
	view_summary(m, fp);
	bool ok = true;
	size_t n = tui_model_view_count(m);
	for (size_t i = 0; i < n && ok; i++) {
		const struct tui_row *r = tui_model_view_row(m, i);
		ok = copy_spill(m, r->spill_off + (long)r->detail_len, r->report_len, fp);
	}
	if (!ok) {
		snprintf(msg, msglen, "%s: writing failed: %s", path, strerror(errno));
		ts_file_abandon(&out);
		return false;
	}
	ok = ts_file_commit(&out, err, sizeof(err));
	if (ok)
		snprintf(msg, msglen, "wrote %zu connection%s to %s", n, n == 1 ? "" : "s", path);
	else
		snprintf(msg, msglen, "%s", err);
	return ok;
}
