/*
 * client_trust.c - each client's trust store (see client_trust.h; the rules
 * and how they were measured: docs/clients.md).
 */
#include "client_trust.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "java_keystore.h"

extern char **environ;

#define NODE_ROOTS_MAX_BYTES (4u << 20) /* today's bundle is about 220 KiB */
#define NODE_ROOTS_TIMEOUT_MS 15000
#define SOURCE_TEXT 1200

/* Debian's curl: CAfile /etc/ssl/certs/ca-certificates.crt, CApath /etc/ssl/certs (curl -v). */
#define CURL_CA_PATH "/etc/ssl/certs"

struct client_trust {
	struct trust_store *general; /* the run's store: not owned */
	struct trust_store *own[CLIENT_COUNT];
	enum client_trust_base base[CLIENT_COUNT];
	bool base_loaded[CLIENT_COUNT];
	char source[CLIENT_COUNT][SOURCE_TEXT + SOURCE_TEXT / 2];
	char given[CLIENT_COUNT][SOURCE_TEXT / 2]; /* the options, for the source text */
	char java_path[CLIENT_COUNT][512];
	/* Node's bundle, fetched once per run */
	bool node_fetched;
	char *node_pem;
	size_t node_pem_len;
	char node_version[32];
	char node_note[160];
};

/* ------------------------------------------------------------ the options */

enum given_kind { GIVE_REPLACE, GIVE_ADD, GIVE_DIR, GIVE_REPLACE_DIR, GIVE_FLAG };

struct client_option {
	enum tls_client client;
	const char *name; /* as the client calls it */
	enum given_kind kind;
};

/* Measured on the real clients (docs/clients.md): curl keeps its CApath with --cacert and its
 * CAfile with --capath; openssl s_client -CAfile/-CApath and Python's cafile/capath replace both. */
static const struct client_option client_options[] = {
    {CLIENT_NODE, "ca", GIVE_REPLACE},
    {CLIENT_NODE, "extra-ca", GIVE_ADD},
    {CLIENT_NODE, "use-openssl-ca", GIVE_FLAG},
    {CLIENT_OPENSSL, "cafile", GIVE_REPLACE},
    {CLIENT_OPENSSL, "capath", GIVE_REPLACE_DIR},
    {CLIENT_CURL, "cacert", GIVE_ADD},
    {CLIENT_CURL, "capath", GIVE_DIR},
    {CLIENT_PYTHON, "cafile", GIVE_REPLACE},
    {CLIENT_PYTHON, "capath", GIVE_REPLACE_DIR},
    {CLIENT_GO, "roots", GIVE_REPLACE},
    {CLIENT_JAVA, "truststore", GIVE_REPLACE},
};

#define N_OPTIONS (sizeof(client_options) / sizeof(client_options[0]))

const char *client_trust_option_names(enum tls_client k)
{
	static char text[CLIENT_COUNT][96];
	if ((unsigned)k >= CLIENT_COUNT)
		return "";
	size_t o = 0;
	text[k][0] = 0;
	for (size_t i = 0; i < N_OPTIONS && o < sizeof(text[k]); i++)
		if (client_options[i].client == k)
			o += (size_t)snprintf(
			    text[k] + o, sizeof(text[k]) - o, "%s%s%s", o ? ", " : "", client_options[i].name,
			    client_options[i].kind == GIVE_FLAG ? ""
			    : client_options[i].kind == GIVE_DIR || client_options[i].kind == GIVE_REPLACE_DIR
			        ? "=DIR"
			        : "=FILE");
	return text[k];
}

static bool push(const char **list, size_t *count, const char *v, char *err, size_t errlen)
{
	if (*count == CLIENT_TRUST_MAX_FILES) {
		snprintf(err, errlen, "at most %d files per client option", CLIENT_TRUST_MAX_FILES);
		return false;
	}
	list[(*count)++] = v;
	return true;
}

bool client_trust_parse(struct client_trust_options *o, const char *spec, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	int client = -1;
	for (int k = 0; colon && k < CLIENT_COUNT; k++)
		if (strlen(tls_client_name((enum tls_client)k)) == (size_t)(colon - spec) &&
		    !strncasecmp(spec, tls_client_name((enum tls_client)k), (size_t)(colon - spec)))
			client = k;
	if (client < 0) {
		snprintf(err, errlen,
		         "'%s': expected CLIENT:OPTION[=VALUE], CLIENT one of node, openssl, curl, "
		         "python, go, java",
		         spec);
		return false;
	}
	const char *name = colon + 1;
	const char *eq = strchr(name, '=');
	size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
	const char *value = eq ? eq + 1 : NULL;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct client_option *opt = &client_options[i];
		if (opt->client != (enum tls_client)client || strlen(opt->name) != name_len ||
		    strncasecmp(opt->name, name, name_len))
			continue;
		if ((opt->kind == GIVE_FLAG) != (value == NULL) || (value && !value[0])) {
			snprintf(err, errlen, "'%s': %s:%s %s", spec,
			         tls_client_name((enum tls_client)client), opt->name,
			         opt->kind == GIVE_FLAG ? "takes no value" : "needs a value");
			return false;
		}
		struct client_trust_given *g = &o->client[client];
		switch (opt->kind) {
		case GIVE_REPLACE:
			return push(g->replace, &g->replace_count, value, err, errlen);
		case GIVE_ADD:
			return push(g->add, &g->add_count, value, err, errlen);
		case GIVE_DIR:
			return push(g->dirs, &g->dir_count, value, err, errlen);
		case GIVE_REPLACE_DIR:
			/* a directory that replaces the defaults: an empty replace list still replaces */
			if (!push(g->dirs, &g->dir_count, value, err, errlen))
				return false;
			return push(g->replace, &g->replace_count, "", err, errlen);
		case GIVE_FLAG:
			g->use_openssl_ca = true;
			return true;
		}
	}
	const char *names = client_trust_option_names((enum tls_client)client);
	snprintf(err, errlen, "'%s': %s takes %s", spec, tls_client_name((enum tls_client)client),
	         names[0] ? names : "no option");
	return false;
}

/* ------------------------------------------------------ Node's bundle */

/* The environment minus what changes Node's roots or its output. */
static char **node_env(void)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "NODE_OPTIONS=", 13) &&
		    strncmp(environ[i], "NODE_EXTRA_CA_CERTS=", 20))
			env[o++] = environ[i];
	return env;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Run `node -p` for its version and bundled roots; false (a note says why) when that fails. */
static bool node_fetch(struct client_trust *ct)
{
	const char *node = getenv("TLSSCOPE_NODE");
	if (node && !node[0]) {
		snprintf(ct->node_note, sizeof(ct->node_note), "TLSSCOPE_NODE is empty");
		return false;
	}
	if (!node)
		node = "node";
	char *const argv[] = {(char *)node, "-p",
	                      "process.version+'\\n'+require('tls').rootCertificates.join('\\n')", NULL};
	int fds[2];
	if (pipe(fds) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(ct->node_note, sizeof(ct->node_note), "pipe: %s", strerror(errno));
		return false;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	char **env = node_env();
	pid_t pid = -1;
	int rc = env ? posix_spawnp(&pid, node, &fa, NULL, argv, env) : ENOMEM;
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		snprintf(ct->node_note, sizeof(ct->node_note), "%s not found (%s)", node, strerror(rc));
		return false;
	}
	char *buf = malloc(NODE_ROOTS_MAX_BYTES);
	size_t len = 0;
	bool timed_out = false;
	int64_t deadline = now_ms() + NODE_ROOTS_TIMEOUT_MS;
	while (buf && len < NODE_ROOTS_MAX_BYTES - 1) {
		int64_t left = deadline - now_ms();
		struct pollfd p = {fds[0], POLLIN, 0};
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			timed_out = true;
			break;
		}
		ssize_t r = read(fds[0], buf + len, NODE_ROOTS_MAX_BYTES - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fds[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!buf || timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || len < 2 || buf[0] != 'v') {
		snprintf(ct->node_note, sizeof(ct->node_note), "%s -p tls.rootCertificates %s", node,
		         timed_out ? "timed out" : "failed");
		free(buf);
		return false;
	}
	buf[len] = 0;
	char *nl = strchr(buf, '\n');
	size_t vlen = nl ? (size_t)(nl - buf) : 0;
	snprintf(ct->node_version, sizeof(ct->node_version), "%.*s", (int)(vlen < 31 ? vlen : 31), buf);
	ct->node_pem = buf;
	ct->node_pem_len = len;
	return true;
}

/* ------------------------------------------------------------ the stores */

struct list {
	const char *v[3 * CLIENT_TRUST_MAX_FILES + 64];
	size_t n;
};

static void append(struct list *l, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n && l->n < sizeof(l->v) / sizeof(l->v[0]); i++)
		if (v[i][0]) /* the empty name a replacing directory leaves */
			l->v[l->n++] = v[i];
}

static bool honours_ssl_cert_env(enum tls_client k, const struct client_trust_given *g)
{
	return k == CLIENT_OPENSSL || k == CLIENT_CURL || k == CLIENT_PYTHON || k == CLIENT_GO ||
	       (k == CLIENT_NODE && g->use_openssl_ca);
}

static void describe_given(struct client_trust *ct, enum tls_client k, const struct client_trust_options *o)
{
	const struct client_trust_given *g = &o->client[k];
	char *out = ct->given[k];
	size_t n = sizeof(ct->given[k]), w = 0;
	out[0] = 0;
	if (honours_ssl_cert_env(k, g) && o->ssl_cert_file)
		w += (size_t)snprintf(out + w, n - w, "SSL_CERT_FILE=%s", o->ssl_cert_file);
	if (honours_ssl_cert_env(k, g) && o->ssl_cert_dir && w < n)
		w += (size_t)snprintf(out + w, n - w, "%sSSL_CERT_DIR=%s", w ? ", " : "", o->ssl_cert_dir);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct client_option *opt = &client_options[i];
		if (opt->client != k)
			continue;
		const char *const *vals = opt->kind == GIVE_REPLACE ? g->replace
		                          : opt->kind == GIVE_ADD   ? g->add
		                                                    : g->dirs;
		size_t cnt = opt->kind == GIVE_REPLACE ? g->replace_count
		             : opt->kind == GIVE_ADD   ? g->add_count
		                                       : g->dir_count;
		if (opt->kind == GIVE_FLAG) {
			if (g->use_openssl_ca && w < n)
				w += (size_t)snprintf(out + w, n - w, "%s%s", w ? ", " : "", opt->name);
			continue;
		}
		bool is_dir = opt->kind == GIVE_DIR || opt->kind == GIVE_REPLACE_DIR;
		if (is_dir != (vals == g->dirs))
			continue;
		for (size_t j = 0; j < cnt && w < n; j++)
			if (vals[j][0])
				w += (size_t)snprintf(out + w, n - w, "%s%s=%s", w ? ", " : "", opt->name,
				                      vals[j]);
	}
}

/* Client k's store, or NULL with err set (the general one is used when k trusts alike). */
static bool make_store(struct client_trust *ct, enum tls_client k, const struct client_trust_options *o,
                       const struct trust_options *run, char *err, size_t errlen)
{
	const struct client_trust_given *g = &o->client[k];
	bool replaced = g->replace_count > 0;
	bool env = honours_ssl_cert_env(k, g) && (o->ssl_cert_file || o->ssl_cert_dir);
	enum client_trust_base base = CLIENT_TRUST_SYSTEM;
	if (replaced || run->ca_file_count)
		base = CLIENT_TRUST_FILES;
	else if (k == CLIENT_NODE && !g->use_openssl_ca)
		base = CLIENT_TRUST_NODE_BUNDLE;
	else if (k == CLIENT_JAVA)
		base = CLIENT_TRUST_JAVA_CACERTS;
	ct->base[k] = base;
	describe_given(ct, k, o);
	bool java_store = k == CLIENT_JAVA && replaced;
	if (!replaced && !g->add_count && !g->dir_count && !env &&
	    (base == CLIENT_TRUST_SYSTEM || base == CLIENT_TRUST_FILES))
		return true; /* as the run's store */

	struct list files = {0}, adds = {0}, dirs = {0};
	struct trust_options t = {0};
	if (base == CLIENT_TRUST_FILES && !java_store)
		append(&files, replaced ? g->replace : run->ca_files,
		       replaced ? g->replace_count : run->ca_file_count);
	append(&adds, run->ca_add_files, run->ca_add_file_count);
	/* Node ignores NODE_EXTRA_CA_CERTS once the ca option is given (measured, docs/clients.md). */
	if (!(k == CLIENT_NODE && replaced))
		append(&adds, g->add, g->add_count);
	if (base == CLIENT_TRUST_JAVA_CACERTS) /* Debian's update-ca-certificates hook writes cacerts too */
		append(&adds, run->system_add_files, run->system_add_file_count);
	append(&dirs, run->ca_dirs, run->ca_dir_count);
	append(&dirs, g->dirs, g->dir_count);
	t.ca_files = files.v;
	t.ca_file_count = files.n;
	t.ca_add_files = adds.v;
	t.ca_add_file_count = adds.n;
	t.ca_dirs = dirs.v;
	t.ca_dir_count = dirs.n;
	t.no_system = base != CLIENT_TRUST_SYSTEM || (replaced && !files.n);
	t.system_add_files = run->system_add_files;
	t.system_add_file_count = run->system_add_file_count;
	if (k == CLIENT_CURL && (g->add_count || g->dir_count || env)) {
		/* curl reads SSL_CERT_FILE / SSL_CERT_DIR only without --cacert and --capath; each replaces
		 * its own half (bundle, CApath), the other stays */
		bool use_env = env && !g->add_count && !g->dir_count;
		t.system_file = g->add_count                  ? ""
		                : use_env && o->ssl_cert_file ? o->ssl_cert_file
		                                              : X509_get_default_cert_file();
		t.system_dirs = use_env && o->ssl_cert_dir ? o->ssl_cert_dir
		                : g->dir_count             ? ""
		                                           : CURL_CA_PATH;
	} else if (env) {
		t.system_file = o->ssl_cert_file;
		t.system_dirs = o->ssl_cert_dir;
	}
	if (java_store)
		snprintf(ct->java_path[k], sizeof(ct->java_path[k]), "%s", g->replace[0]);
	else if (k == CLIENT_JAVA)
		snprintf(ct->java_path[k], sizeof(ct->java_path[k]), "%s", JAVA_CACERTS_PATH);
	ct->own[k] = trust_store_new(&t, err, errlen);
	if (!ct->own[k])
		return false;
	if (java_store) {
		/* a truststore the user named must be readable now */
		char why[600];
		if (java_keystore_read_file(ct->java_path[k], NULL, NULL, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "java:truststore=%s", why);
			return false;
		}
		ct->base[k] = CLIENT_TRUST_JAVA_CACERTS;
	}
	return true;
}

static void add_der(const uint8_t *der, size_t len, void *user)
{
	if (user)
		trust_store_add_der(user, der, len);
}

static void load_mozilla_set(struct trust_store *ts)
{
	trust_store_add_dir_files(ts, DEBIAN_MOZILLA_DIR);
}

/* The base certificates of a lazily completed store, and the source text. */
static void load_base(struct client_trust *ct, enum tls_client k)
{
	ct->base_loaded[k] = true;
	struct trust_store *ts = ct->own[k];
	char src[SOURCE_TEXT];
	const char *given = ct->given[k];
	size_t before = ts ? trust_store_stats(ts)->store_certs : 0;
	switch (ct->base[k]) {
	case CLIENT_TRUST_NODE_BUNDLE:
		if (!ct->node_fetched) {
			ct->node_fetched = true;
			node_fetch(ct);
		}
		if (ts && ct->node_pem)
			trust_store_add_pem(ts, ct->node_pem, ct->node_pem_len);
		else if (ts)
			load_mozilla_set(ts);
		if (ct->node_pem)
			snprintf(src, SOURCE_TEXT, "Node.js's bundled roots (node %s, %zu certificates)",
			         ct->node_version, ts ? trust_store_stats(ts)->store_certs - before : 0);
		else
			snprintf(src, SOURCE_TEXT,
			         "Debian's Mozilla set (%s) standing in for Node.js's bundled roots (%s)",
			         DEBIAN_MOZILLA_DIR, ct->node_note);
		break;
	case CLIENT_TRUST_JAVA_CACERTS: {
		char why[600];
		long n = ts ? java_keystore_read_file(ct->java_path[k], add_der, ts, why, sizeof(why)) : -1;
		if (n >= 0) {
			snprintf(src, SOURCE_TEXT, "Java's %s (%s, %ld certificates)",
			         strcmp(ct->java_path[k], JAVA_CACERTS_PATH) ? "truststore" : "cacerts",
			         ct->java_path[k], n);
		} else {
			/* no usable cacerts: the system store, said so */
			if (ts)
				trust_store_add_dir_files(ts, CURL_CA_PATH);
			snprintf(src, SOURCE_TEXT, "the system store standing in for Java's cacerts (%s)",
			         why);
		}
		break;
	}
	case CLIENT_TRUST_FILES:
		snprintf(src, SOURCE_TEXT, "only the files it was given (%s)", given[0] ? given : "--ca");
		given = "";
		break;
	case CLIENT_TRUST_SYSTEM:
	default:
		snprintf(src, SOURCE_TEXT, "the system store");
		break;
	}
	snprintf(ct->source[k], sizeof(ct->source[k]), "%s%s%s", src, given[0] ? " with " : "", given);
}

struct client_trust *client_trust_new(const struct client_trust_options *o, const struct trust_options *run,
                                      struct trust_store *general, char *err, size_t errlen)
{
	static const struct client_trust_options none;
	if (!o)
		o = &none;
	struct client_trust *ct = calloc(1, sizeof(*ct));
	if (!ct) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ct->general = general;
	for (int k = 0; k < CLIENT_COUNT; k++)
		if (!make_store(ct, (enum tls_client)k, o, run, err, errlen)) {
			client_trust_free(ct);
			return NULL;
		}
	return ct;
}

void client_trust_free(struct client_trust *ct)
{
	if (!ct)
		return;
	for (int k = 0; k < CLIENT_COUNT; k++)
		trust_store_free(ct->own[k]);
	free(ct->node_pem);
	free(ct);
}

struct trust_store *client_trust_store(struct client_trust *ct, enum tls_client k)
{
	if (!ct || (unsigned)k >= CLIENT_COUNT)
		return ct ? ct->general : NULL;
	if (!ct->base_loaded[k])
		load_base(ct, k);
	return ct->own[k] ? ct->own[k] : ct->general;
}

const char *client_trust_source(const struct client_trust *ct, enum tls_client k)
{
	return ct && (unsigned)k < CLIENT_COUNT && ct->source[k][0] ? ct->source[k] : "the trust store";
}

enum client_trust_base client_trust_base_of(const struct client_trust *ct, enum tls_client k)
{
	return ct && (unsigned)k < CLIENT_COUNT ? ct->base[k] : CLIENT_TRUST_SYSTEM;
}
