/*
 * cert_export.c - PEM files and an index for --export-certs (see cert_export.h).
 */
#include "cert_export.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const EVP_MD *sha256_md(void)
{
	static EVP_MD *md; /* fetched once: an implicit fetch per digest costs more than the digest */
	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

void report_sha256_hex(const uint8_t *der, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[32];
	unsigned int n = 0;
	if (!EVP_Digest(der, len, d, &n, sha256_md(), NULL) || n != 32) {
		out[0] = 0;
		return;
	}
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = 0;
}

bool cert_export_open(struct cert_export *x, const char *dir, char *err, size_t errlen)
{
	memset(x, 0, sizeof(*x));
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return false;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return false;
	}
	x->dir = strdup(dir);
	size_t n = strlen(dir) + sizeof("/index.tsv");
	char *path = malloc(n);
	if (!x->dir || !path) {
		free(path);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	snprintf(path, n, "%s/index.tsv", dir);
	if (!ts_file_create(&x->index_out, path, err, errlen)) {
		free(path);
		free(x->dir);
		x->dir = NULL;
		return false;
	}
	x->index = x->index_out.fp;
	free(path);
	fprintf(x->index, "connection\tfile\tclient\tserver\tserver_name\trole\tposition\tsha256\n");
	return true;
}

/* RFC 7468 textual encoding: base64 in lines of 64 characters. */
static bool write_pem(FILE *fp, const uint8_t *der, size_t len)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[65];
	size_t col = 0;
	fputs("-----BEGIN CERTIFICATE-----\n", fp);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < len ? (uint32_t)der[i + 1] << 8 : 0) |
		             (i + 2 < len ? der[i + 2] : 0);
		line[col++] = tbl[v >> 18];
		line[col++] = tbl[(v >> 12) & 63];
		line[col++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		line[col++] = i + 2 < len ? tbl[v & 63] : '=';
		if (col == 64) {
			fwrite(line, 1, col, fp);
			fputc('\n', fp);
			col = 0;
		}
	}
	if (col) {
		fwrite(line, 1, col, fp);
		fputc('\n', fp);
	}
	fputs("-----END CERTIFICATE-----\n", fp);
	return !ferror(fp);
}

void cert_export_describe(const struct conn *c, const struct report_inputs *in,
                          struct cert_export_conn_info *out)
{
	char ip[64];
	memset(out, 0, sizeof(*out));
	out->id = c->id;
	snprintf(out->file, sizeof(out->file), "%s",
	         in && c->file_index < in->count ? in->names[c->file_index] : "-");
	ts_addr_format(&conn_client(c)->addr, ip, sizeof(ip));
	snprintf(out->client, sizeof(out->client), "%s:%u", ip, conn_client(c)->port);
	ts_addr_format(&conn_server(c)->addr, ip, sizeof(ip));
	snprintf(out->server, sizeof(out->server), "%s:%u", ip, conn_server(c)->port);
	snprintf(out->server_name, sizeof(out->server_name), "-");
	const struct tls_client_hello *ch = c->client_hello;
	if (ch && ch->sni_count)
		conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, out->server_name, sizeof(out->server_name));
}

static void export_failed(struct cert_export *x, const char *err)
{
	if (!x->failed)
		snprintf(x->error, sizeof(x->error), "%s", err);
	x->failed = true;
}

void cert_export_write(struct cert_export *x, const struct cert_export_conn_info *ci, const char *role,
                       unsigned position, const uint8_t *der, size_t len)
{
	char sha[65];
	report_sha256_hex(der, len, sha);
	size_t n = strlen(x->dir) + 70;
	char *path = malloc(n);
	if (!path) {
		export_failed(x, "out of memory");
		return;
	}
	snprintf(path, n, "%s/%s.pem", x->dir, sha);
	struct stat st;
	/* Named by content: an existing regular file is this certificate. */
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		struct ts_file_out pem;
		char err[sizeof(x->error)];
		bool ok = ts_file_create(&pem, path, err, sizeof(err));
		if (ok) {
			write_pem(pem.fp, der, len);
			ok = ts_file_commit(&pem, err, sizeof(err));
		}
		if (ok)
			x->written++;
		else
			export_failed(x, err);
	}
	free(path);
	fprintf(x->index, "%llu\t%s\t%s\t%s\t%s\t%s\t%u\t%s\n", ci->id, ci->file, ci->client, ci->server,
	        ci->server_name, role, position, sha);
}

void cert_export_conn(struct cert_export *x, const struct conn *c, const struct report_inputs *in)
{
	if (!x->index)
		return;
	struct cert_export_conn_info ci;
	cert_export_describe(c, in, &ci);
	for (uint16_t i = 0; i < c->server_certs.count; i++)
		cert_export_write(x, &ci, "server", i, c->server_certs.blob + c->server_certs.certs[i].off,
		                  c->server_certs.certs[i].len);
	for (uint16_t i = 0; i < c->client_certs.count; i++)
		cert_export_write(x, &ci, "client", i, c->client_certs.blob + c->client_certs.certs[i].off,
		                  c->client_certs.certs[i].len);
}

bool cert_export_close(struct cert_export *x)
{
	char err[sizeof(x->error)];
	if (x->index && !ts_file_commit(&x->index_out, err, sizeof(err)))
		export_failed(x, err);
	bool ok = !x->failed;
	x->index = NULL;
	free(x->dir);
	x->dir = NULL;
	return ok;
}
