/*
 * cert_export.h - writes every distinct certificate of a run as a PEM file
 * named by its SHA-256, and an index that maps connections to them
 * (--export-certs DIR).
 *
 * Owns the export directory: DIR/<sha256>.pem once per certificate (an
 * existing file of that name is the same certificate and is left alone)
 * and DIR/index.tsv, one line per certificate per connection. A name in
 * DIR that is a symlink or not a regular file is refused, never followed.
 */
#ifndef TLSSCOPE_CERT_EXPORT_H
#define TLSSCOPE_CERT_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "conn.h"
#include "report_inputs.h"
#include "ts_file.h"

/* SHA-256 of a certificate's DER, hex (65 bytes with NUL): the name of its PEM file, and the JSON's sha256.
 */
void report_sha256_hex(const uint8_t *der, size_t len, char out[65]);

struct cert_export {
	char *dir;
	FILE *index; /* index_out.fp: written as a temporary, renamed at close */
	struct ts_file_out index_out;
	unsigned long written; /* PEM files written this run */
	bool failed;           /* a write failed (reported once by the caller) */
	char error[1200];      /* the first failure, for that report */
};

/* Create DIR if needed and start its index; false with a message in err. */
bool cert_export_open(struct cert_export *x, const char *dir, char *err, size_t errlen);

/* The index columns of a connection, kept so its certificates can be
 * written after the record is gone (the curses view exports on request). */
struct cert_export_conn_info {
	unsigned long long id;
	char file[256];
	char client[72]; /* "ip:port" */
	char server[72];
	char server_name[300]; /* the SNI as text, "-" if none */
};

void cert_export_describe(const struct conn *c, const struct report_inputs *in,
                          struct cert_export_conn_info *out);

/* Write one certificate (DER) of a described connection and its index line;
 * role is "server" or "client", position its place in the chain as sent. */
void cert_export_write(struct cert_export *x, const struct cert_export_conn_info *ci, const char *role,
                       unsigned position, const uint8_t *der, size_t len);

/* Export the certificates of one finished connection. */
void cert_export_conn(struct cert_export *x, const struct conn *c, const struct report_inputs *in);

/* Close the index (renamed into place); false if any write failed (x->error says which). */
bool cert_export_close(struct cert_export *x);

#endif
