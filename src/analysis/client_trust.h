/*
 * client_trust.h - which roots each client trusts by default, and what the
 * user says the clients were given, in the clients' own terms
 * (`--client node:extra-ca=FILE`, `--system-ca-add FILE`, ...).
 *
 * Owns one trust store per client whose trust differs from the run's store
 * (trust.h: the system store, or --ca / --ca-add / --ca-dir), built from
 * the client's default source: Node.js's bundled Mozilla roots (read from
 * the installed `node` once per run, Debian's Mozilla set as the stand-in),
 * Java's cacerts (JKS or PKCS#12, java_keystore.h), the system store for
 * openssl, curl, Python, Go and browsers. Each rule was measured on the real
 * client (docs/clients.md). Clients that trust as the run's store does share it.
 */
#ifndef TLSSCOPE_CLIENT_TRUST_H
#define TLSSCOPE_CLIENT_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "hostname.h"
#include "trust.h"

#define CLIENT_TRUST_MAX_FILES 8 /* files per client option, and --system-ca-add files */
#define JAVA_CACERTS_PATH "/etc/ssl/certs/java/cacerts"
#define DEBIAN_MOZILLA_DIR "/usr/share/ca-certificates/mozilla"

/* Where a client's roots come from before the files it was given. */
enum client_trust_base {
	CLIENT_TRUST_SYSTEM = 0,   /* the machine's store (OpenSSL's default file and directory) */
	CLIENT_TRUST_NODE_BUNDLE,  /* Node.js's bundled roots (tls.rootCertificates) */
	CLIENT_TRUST_JAVA_CACERTS, /* Java's cacerts keystore */
	CLIENT_TRUST_FILES,        /* only files: the client's replacing option, or --ca */
};

/* What one client was given (--client CLIENT:OPTION[=VALUE]). */
struct client_trust_given {
	const char
	    *replace[CLIENT_TRUST_MAX_FILES]; /* node ca=, openssl cafile=, python cafile=, go roots=,
	                                         java truststore= (one keystore): the default is gone */
	size_t replace_count;
	const char *add[CLIENT_TRUST_MAX_FILES]; /* node extra-ca= (NODE_EXTRA_CA_CERTS), curl cacert= */
	size_t add_count;
	const char *dirs[CLIENT_TRUST_MAX_FILES]; /* openssl/python capath= (replacing), curl capath= */
	size_t dir_count;
	bool use_openssl_ca; /* node --use-openssl-ca: the system store instead of the bundle */
};

struct client_trust_options {
	struct client_trust_given client[CLIENT_COUNT];
	/* --ssl-cert-file / --ssl-cert-dir: the SSL_CERT_FILE / SSL_CERT_DIR the clients ran with
	 * (read by openssl, curl, Python, Go and node --use-openssl-ca; not by Java or Node's bundle). */
	const char *ssl_cert_file;
	const char *ssl_cert_dir;
};

/* Parse one --client value ("node:extra-ca=/path/root.pem") into o. False with a message in err. */
bool client_trust_parse(struct client_trust_options *o, const char *spec, char *err, size_t errlen);

/* The option names a client takes, for the help text: "ca=FILE, extra-ca=FILE, use-openssl-ca". */
const char *client_trust_option_names(enum tls_client k);

struct client_trust;

/* The clients' stores on top of the run's (`general`, made from `run`; not owned). Files named
 * by the options are read here: NULL with the file and the reason in err. Node's bundle and
 * Java's cacerts are read on first use. */
struct client_trust *client_trust_new(const struct client_trust_options *o, const struct trust_options *run,
                                      struct trust_store *general, char *err, size_t errlen);
void client_trust_free(struct client_trust *ct);

/* The store client k verifies against (the run's store when it trusts alike). */
struct trust_store *client_trust_store(struct client_trust *ct, enum tls_client k);

/* Where client k's roots come from, for messages: "Node.js's bundled roots (node v20.20.2, 145
 * certificates)". Valid after client_trust_store(ct, k). */
const char *client_trust_source(const struct client_trust *ct, enum tls_client k);

/* Where client k's roots come from (CLIENT_TRUST_SYSTEM without ct). */
enum client_trust_base client_trust_base_of(const struct client_trust *ct, enum tls_client k);

#endif
