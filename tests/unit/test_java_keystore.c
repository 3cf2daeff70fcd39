/*
 * test_java_keystore.c - reading Java truststores: Debian's cacerts when installed, JKS and
 * PKCS#12 stores made by the real keytool from pcaps/ca/root.pem (skipped without keytool), and
 * every truncation and a hostile entry count of the JKS one (refused, never read past the end).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check.h"
#include "java_keystore.h"

#define ROOT_PEM "pcaps/ca/root.pem"

struct seen {
	long count;
	long unparsable;
	bool has_root;
	const unsigned char *root_der;
	int root_len;
};

static void on_cert(const uint8_t *der, size_t len, void *user)
{
	struct seen *s = user;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	s->count++;
	if (!x)
		s->unparsable++;
	X509_free(x);
	if (s->root_der && (int)len == s->root_len && !memcmp(der, s->root_der, len))
		s->has_root = true;
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	return buf;
}

static void debian_cacerts(void)
{
	if (access("/etc/ssl/certs/java/cacerts", R_OK) != 0) {
		check_skip("cacerts", "/etc/ssl/certs/java/cacerts not installed (ca-certificates-java)");
		return;
	}
	struct seen s = {0};
	char err[300];
	long n = java_keystore_read_file("/etc/ssl/certs/java/cacerts", on_cert, &s, err, sizeof(err));
	CHECK(n > 100); /* Debian's Mozilla set is ~140 roots */
	CHECK_EQ(n, s.count);
	CHECK_EQ(s.unparsable, 0);
}

static void keytool_stores(const unsigned char *root_der, int root_len)
{
	if (system("command -v keytool >/dev/null 2>&1") != 0) {
		check_skip("keytool", "keytool not installed");
		return;
	}
	char dir[] = "/tmp/tlsscope-jks-XXXXXX";
	if (!mkdtemp(dir)) {
		check_skip("keytool", "no temporary directory");
		return;
	}
	static const char *const types[] = {"JKS", "PKCS12"};
	for (size_t t = 0; t < 2; t++) {
		char path[256], cmd[1024], err[300];
		snprintf(path, sizeof(path), "%s/store.%s", dir, types[t]);
		snprintf(
		    cmd, sizeof(cmd),
		    "keytool -importcert -noprompt -alias private-root -file %s -keystore %s -storetype %s "
		    "-storepass changeit >/dev/null 2>&1",
		    ROOT_PEM, path, types[t]);
		CHECK_EQ(system(cmd), 0);
		struct seen s = {.root_der = root_der, .root_len = root_len};
		CHECK_EQ(java_keystore_read_file(path, on_cert, &s, err, sizeof(err)), 1);
		CHECK(s.has_root);
		if (t != 0)
			continue;
		/* every cut of the JKS file: refused or at most what the whole file holds, never past the end
		 */
		size_t len = 0;
		unsigned char *whole = read_all(path, &len);
		CHECK(whole && len > 40);
		for (size_t cut = 0; whole && cut < len; cut++) {
			unsigned char *part = malloc(cut ? cut : 1);
			memcpy(part, whole, cut);
			struct seen p = {0};
			long n = java_keystore_read(part, cut, on_cert, &p, err, sizeof(err));
			CHECK(n <= 1);
			CHECK(n < 0 || cut >= len - 20); /* only the trailing digest may be missing */
			CHECK_EQ(p.unparsable, 0);
			free(part);
		}
		/* a hostile entry count */
		if (whole && len > 12) {
			whole[8] = whole[9] = whole[10] = whole[11] = 0xff;
			struct seen p = {0};
			CHECK(java_keystore_read(whole, len, on_cert, &p, err, sizeof(err)) < 0);
			CHECK(strstr(err, "entries") != NULL);
		}
		free(whole);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	FILE *f = fopen(ROOT_PEM, "r");
	X509 *root = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	unsigned char *der = NULL;
	int der_len = root ? i2d_X509(root, &der) : -1;
	CHECK(der_len > 0);

	char err[300];
	struct seen none = {0};
	CHECK(java_keystore_read((const uint8_t *)"not a keystore", 14, on_cert, &none, err, sizeof(err)) <
	      0);
	CHECK(java_keystore_read_file("/nonexistent/cacerts", on_cert, &none, err, sizeof(err)) < 0);
	CHECK_EQ(none.count, 0);
	CHECK(strstr(err, "/nonexistent/cacerts") != NULL);

	debian_cacerts();
	if (der_len > 0)
		keytool_stores(der, der_len);
	OPENSSL_free(der);
	X509_free(root);
	return check_report("test_java_keystore");
}
