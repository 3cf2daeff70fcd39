/*
 * tui_spill.c - a connection's certificates in their spilled form (see tui_spill.h).
 */
#include "tui_spill.h"

#include "cert_export.h"

static void spill_list(FILE *fp, const struct conn_cert_list *l, uint8_t client)
{
	for (uint16_t i = 0; i < l->count; i++) {
		struct spilled_cert h = {.client = client, .position = i, .len = l->certs[i].len};
		fwrite(&h, sizeof(h), 1, fp);
		fwrite(l->blob + l->certs[i].off, 1, h.len, fp);
	}
}

void tui_spill_certs(FILE *fp, const struct conn *c, const struct report_inputs *in)
{
	if (!c->server_certs.count && !c->client_certs.count)
		return; /* nothing spilled: certs_len 0 */
	struct cert_export_conn_info ci;
	cert_export_describe(c, in, &ci);
	fwrite(&ci, sizeof(ci), 1, fp);
	spill_list(fp, &c->server_certs, 0);
	spill_list(fp, &c->client_certs, 1);
}
