/*
 * test_conn_diff.c - pairing, comparison and verdicts of good vs bad, on
 * records made by the library from the sample captures in pcaps/ (real
 * OpenSSL handshakes; what each shows is in pcaps/MANIFEST.tsv).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conn_diff.h"
#include "engine.h"
#include "pipeline.h"

struct loader {
	struct conn_diff *diff;
	enum diff_side_index side;
};

static void on_record(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct loader *l = user;
	conn_diff_add(l->diff, l->side, c, dg);
}

/* Read a capture of pcaps/ into one side through the library's pipeline,
 * diagnosed against pcaps/ca/root.pem. */
static void load(struct conn_diff *d, enum diff_side_index side, const char *name)
{
	static const char *ca[] = {"pcaps/ca/root.pem"};
	struct pipeline_options opts = {
	    .trust = {.ca_files = ca, .ca_file_count = 1}, .diagnose = true, .no_thread = true};
	char err[1200], path[256];
	struct loader l = {.diff = d, .side = side};
	struct pipeline *p;
	CHECK(pipeline_new(&opts, on_record, &l, &p, err, sizeof(err)) == TS_OK);
	if (!p)
		return;
	struct capture_info info;
	memset(&info, 0, sizeof(info));
	snprintf(path, sizeof(path), "pcaps/%s", name);
	if (pipeline_read_file(p, (uint32_t)side, path, &info) != TS_OK)
		fprintf(stderr, "%s: %s\n", path, info.error);
	pipeline_drain(p);
	pipeline_free(p);
}

/* Diff two sample captures; the caller frees d. */
static void diff_files(struct conn_diff *d, size_t cap, const char *good, const char *bad)
{
	conn_diff_init(d, cap);
	load(d, DIFF_GOOD, good);
	load(d, DIFF_BAD, bad);
	CHECK(conn_diff_pair(d));
}

/* Diff two captures that must give exactly one pair: that pair, or NULL (a failed check). */
static const struct diff_pair *one_pair(struct conn_diff *d, const char *good, const char *bad)
{
	diff_files(d, 0, good, bad);
	CHECK_EQ(d->pair_count, 1);
	return d->pair_count == 1 ? &d->pairs[0] : NULL;
}

static const struct diff_shape *good_of(const struct conn_diff *d, size_t pair)
{
	return &d->side[DIFF_GOOD].groups[d->pairs[pair].good].shape;
}

static const struct diff_shape *bad_of(const struct conn_diff *d, size_t pair)
{
	return &d->side[DIFF_BAD].groups[d->pairs[pair].bad].shape;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool value_has(const struct diff_shape *s, enum diff_field f, const char *item)
{
	static struct diff_value v;
	diff_field_value(s, f, &v);
	for (size_t i = 0; i < v.count; i++)
		if (!strcmp(v.items[i], item))
			return true;
	return false;
}

static size_t value_count(const struct diff_shape *s, enum diff_field f)
{
	static struct diff_value v;
	diff_field_value(s, f, &v);
	return v.count;
}

/* 15: SNI shop.example.test, certificate for www.example.test and example.test. */
static void test_hostname_mismatch(void)
{
	struct conn_diff d;
	const struct diff_pair *p = one_pair(&d, "01-tls12-good.pcap", "15-hostname-mismatch.pcap");
	if (p) {
		CHECK_EQ(p->pairing, DIFF_PAIRED_BY_SERVER);
		CHECK(p->differs[DF_SERVER_NAME]);
		CHECK(p->differs[DF_FINDINGS]);
		CHECK(!p->differs[DF_VERSION]);
		CHECK(value_has(bad_of(&d, 0), DF_SERVER_NAME, "shop.example.test"));
		CHECK(value_has(good_of(&d, 0), DF_SERVER_NAME, "www.example.test"));
		CHECK(value_has(bad_of(&d, 0), DF_FINDINGS, "hostname-mismatch (error)"));
		CHECK(strstr(p->verdict, "asked for shop.example.test") != NULL);
		CHECK(strstr(p->verdict, "covers only www.example.test, example.test") != NULL);
	}
	CHECK(d.good_paired[0] && d.bad_paired[0]);
	conn_diff_free(&d);
}

/* 03: no server_name extension at all. */
static void test_no_sni(void)
{
	struct conn_diff d;
	const struct diff_pair *p = one_pair(&d, "01-tls12-good.pcap", "03-tls12-no-sni.pcap");
	if (p) {
		CHECK_EQ(p->pairing, DIFF_PAIRED_BY_SERVER);
		CHECK(p->differs[DF_SERVER_NAME]);
		CHECK(p->differs[DF_EXTENSIONS]);
		CHECK_EQ(value_count(bad_of(&d, 0), DF_SERVER_NAME), 0);
		CHECK(value_has(good_of(&d, 0), DF_EXTENSIONS, "server_name"));
		CHECK(!value_has(bad_of(&d, 0), DF_EXTENSIONS, "server_name"));
		CHECK(starts_with(p->verdict, "the failing client sent no SNI"));
	}
	conn_diff_free(&d);
}

/* 06: the server resets right after a ClientHello for unknown.example.test. */
static void test_reset(void)
{
	struct conn_diff d;
	const struct diff_pair *p = one_pair(&d, "01-tls12-good.pcap", "06-reset-after-client-hello.pcap");
	if (p) {
		CHECK(p->differs[DF_OUTCOME] && p->differs[DF_CLOSED_BY] && p->differs[DF_VERSION]);
		CHECK(value_has(bad_of(&d, 0), DF_CLOSED_BY, "server_rst"));
		CHECK(value_has(bad_of(&d, 0), DF_OUTCOME, "server_reset_after_client_hello"));
		CHECK_EQ(value_count(bad_of(&d, 0), DF_VERSION), 0);
		CHECK(strstr(p->verdict, "asked for unknown.example.test") != NULL);
		CHECK(strstr(p->verdict, "; the server reset it") != NULL);
	}
	conn_diff_free(&d);
}

/* 23: the server sends only the leaf. */
static void test_missing_intermediate(void)
{
	struct conn_diff d;
	const struct diff_pair *p = one_pair(&d, "01-tls12-good.pcap", "23-missing-intermediate.pcap");
	if (p) {
		CHECK_EQ(p->pairing, DIFF_PAIRED_BY_SERVER_AND_SNI);
		CHECK(!p->differs[DF_SERVER_NAME]);
		CHECK(p->differs[DF_CERTIFICATES]);
		CHECK_EQ(good_of(&d, 0)->chain_count, 2);
		CHECK_EQ(bad_of(&d, 0)->chain_count, 1);
		CHECK(strstr(p->verdict, "the intermediate is missing") != NULL);
	}
	conn_diff_free(&d);
}

/* 05: the client offers one suite the server lacks; handshake_failure alert, no ServerHello. */
static void test_cipher_alert(void)
{
	struct conn_diff d;
	const struct diff_pair *p = one_pair(&d, "01-tls12-good.pcap", "05-tls12-alert.pcap");
	if (p) {
		CHECK(p->differs[DF_CIPHER_SUITES]);
		/* MANIFEST: one real suite (and the renegotiation SCSV), not the one 01 got. */
		static struct diff_value chosen;
		diff_field_value(good_of(&d, 0), DF_CIPHER, &chosen);
		CHECK_EQ(chosen.count, 1);
		CHECK(chosen.count == 1 && !value_has(bad_of(&d, 0), DF_CIPHER_SUITES, chosen.items[0]));
		CHECK(value_has(bad_of(&d, 0), DF_CIPHER_SUITES, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"));
		CHECK_EQ(value_count(bad_of(&d, 0), DF_CIPHER_SUITES), 2);
		CHECK(value_has(bad_of(&d, 0), DF_ALERTS, "server fatal handshake_failure"));
		CHECK(starts_with(p->verdict, "the failing client does not offer "));
		CHECK(strstr(p->verdict, "; the server answered with a handshake_failure alert") != NULL);
	}
	conn_diff_free(&d);
}

/* 14 (client aborts with unknown_ca) against 20 (the same self-signed
 * leaf, accepted): same handshake, the client's trust is the difference. */
static void test_client_rejects(void)
{
	struct conn_diff d;
	const struct diff_pair *p =
	    one_pair(&d, "20-self-signed-leaf.pcap", "14-client-alert-unknown-ca.pcap");
	if (p) {
		CHECK(value_has(bad_of(&d, 0), DF_ALERTS, "client fatal unknown_ca"));
		if (!p->differs[DF_CERTIFICATES]) {
			CHECK(starts_with(p->verdict,
			                  "same handshake; the failing client rejected the certificate "
			                  "(unknown_ca)"));
		} else {
			/* A different self-signed certificate: the chain is then the first difference. */
			CHECK(starts_with(p->verdict, "the server sent a different certificate chain"));
			CHECK(strstr(p->verdict, "aborted with an unknown_ca alert") != NULL);
		}
	}
	conn_diff_free(&d);
}

/* 20 connections to three names on one server: grouped by shape, each BAD
 * group paired with an equal GOOD one; the cap counts the rest. */
static void test_groups_and_cap(void)
{
	struct conn_diff d;
	diff_files(&d, 0, "13-many-connections.pcap", "13-many-connections.pcap");
	CHECK_EQ(d.side[DIFF_GOOD].connections, 20);
	CHECK_EQ(d.side[DIFF_BAD].connections, 20);
	CHECK(d.side[DIFF_GOOD].group_count >= 3 && d.side[DIFF_GOOD].group_count < 20);
	CHECK_EQ(d.pair_count, d.side[DIFF_BAD].group_count);
	uint64_t total = 0;
	for (size_t i = 0; i < d.side[DIFF_BAD].group_count; i++)
		total += d.side[DIFF_BAD].groups[i].count;
	CHECK_EQ(total, 20);
	for (size_t i = 0; i < d.pair_count; i++) {
		CHECK_EQ(d.pairs[i].differ_count, 0);
		CHECK_EQ(d.pairs[i].pairing, DIFF_PAIRED_BY_SERVER_AND_SNI);
		CHECK(starts_with(d.pairs[i].verdict, "no difference"));
		CHECK(d.side[DIFF_BAD].groups[d.pairs[i].bad].shape.outcome != OUTCOME_ESTABLISHED ||
		      strstr(d.pairs[i].verdict, "; both were established") != NULL);
	}
	conn_diff_free(&d);

	diff_files(&d, 5, "13-many-connections.pcap", "01-tls12-good.pcap");
	CHECK_EQ(d.side[DIFF_GOOD].connections, 5);
	CHECK_EQ(d.side[DIFF_GOOD].not_compared, 15);
	CHECK(!d.out_of_memory);
	conn_diff_free(&d);
}

/* 09 is the 01 handshake to 2001:db8::2: paired by SNI across addresses.
 * 17 dials 10.0.0.2 without SNI: only the one-server rule pairs it with 09. */
static void test_pairing_levels(void)
{
	struct conn_diff d;
	diff_files(&d, 0, "09-ipv6.pcap", "01-tls12-good.pcap");
	CHECK_EQ(d.pair_count, 1);
	if (d.pair_count == 1)
		CHECK_EQ(d.pairs[0].pairing, DIFF_PAIRED_BY_SNI);
	conn_diff_free(&d);

	diff_files(&d, 0, "09-ipv6.pcap", "17-ip-not-in-san.pcap");
	CHECK_EQ(d.pair_count, 1);
	if (d.pair_count == 1) {
		CHECK_EQ(d.pairs[0].pairing, DIFF_PAIRED_AS_ONLY_SERVER);
		CHECK(starts_with(d.pairs[0].verdict, "the failing client sent no SNI"));
	}
	conn_diff_free(&d);

	/* Two servers on the GOOD side and no shared name: nothing pairs, all listed. */
	conn_diff_init(&d, 0);
	load(&d, DIFF_GOOD, "09-ipv6.pcap");
	load(&d, DIFF_GOOD, "18-ip-in-san.pcap");
	load(&d, DIFF_BAD, "17-ip-not-in-san.pcap");
	CHECK(conn_diff_pair(&d));
	CHECK_EQ(d.pair_count, 1); /* 18 and 17 share 10.0.0.2:443 */
	if (d.pair_count == 1) {
		CHECK_EQ(d.pairs[0].pairing, DIFF_PAIRED_BY_SERVER_AND_SNI);
		CHECK_EQ(value_count(good_of(&d, 0), DF_SERVER_NAME), 0);
	}
	size_t unpaired_good = 0;
	for (size_t i = 0; i < d.side[DIFF_GOOD].group_count; i++)
		unpaired_good += !d.good_paired[i];
	CHECK_EQ(unpaired_good, 1);
	conn_diff_free(&d);
}

/* The verdict rules in priority order, on shapes edited from a real one:
 * a missing SNI outranks a version problem, which outranks a cipher one. */
static void test_verdict_priority(void)
{
	struct conn_diff d;
	diff_files(&d, 0, "02-tls13-good.pcap", "02-tls13-good.pcap");
	CHECK_EQ(d.pair_count, 1);
	if (d.pair_count == 1) {
		struct diff_shape good = *good_of(&d, 0), bad = good;
		char v[512];
		/* Only TLS 1.2 offered to a server that chose TLS 1.3, answered with protocol_version. */
		bad.supported_versions.count = 1;
		bad.supported_versions.v[0] = 0x0303;
		bad.has_server_hello = false;
		bad.outcome = OUTCOME_SERVER_ALERT;
		bad.alert_count = 1;
		bad.alerts[0] = (struct diff_alert){.from_server = true, .level = 2, .description = 70};
		diff_verdict(&good, &bad, v, sizeof(v));
		CHECK_STR(v, "the failing client offers only TLSv1.2; the server answered with a "
		             "protocol_version alert");
		bad.sni_present = false;
		diff_verdict(&good, &bad, v, sizeof(v));
		CHECK(starts_with(v, "the failing client sent no SNI"));
	}
	conn_diff_free(&d);
}

/* Two connections of one client differ only in their random GREASE values
 * (RFC 8701): the same shape. The record is 02's, with GREASE put in. */
static void grease_check(struct conn *c, void *user)
{
	struct tls_client_hello *ch = c->client_hello;
	struct diff_shape a, b;
	CHECK(ch && ch->cipher_suite_count > 1 && ch->extension_count > 1);
	if (!ch || ch->cipher_suite_count < 2 || ch->extension_count < 2)
		return;
	ch->cipher_suites[0] = 0x1a1a;
	ch->extensions[0].type = 0x2a2a;
	diff_shape_from_conn(&a, c, NULL);
	ch->cipher_suites[0] = 0xfafa;
	ch->extensions[0].type = 0x3a3a;
	diff_shape_from_conn(&b, c, NULL);
	bool differs[DF_COUNT];
	CHECK_EQ(diff_compare(&a, &b, differs), 0);
	CHECK(!memcmp(&a, &b, sizeof(a)));
	CHECK(value_has(&a, DF_CIPHER_SUITES, "GREASE"));
	ch->cipher_suites[0] = 0x1301; /* a real suite is not GREASE */
	diff_shape_from_conn(&b, c, NULL);
	CHECK_EQ(diff_compare(&a, &b, differs), 1);
	CHECK(differs[DF_CIPHER_SUITES]);
	++*(int *)user;
}

static void test_grease(void)
{
	int seen = 0;
	struct engine_options eopts = {0};
	struct engine *e = engine_new(&eopts, grease_check, &seen);
	struct capture_info info;
	memset(&info, 0, sizeof(info));
	CHECK(capture_read_file("pcaps/02-tls13-good.pcap", e, &info) == TS_OK);
	engine_flush(e);
	engine_free(e);
	CHECK_EQ(seen, 1);
}

int main(void)
{
	test_grease();
	test_hostname_mismatch();
	test_no_sni();
	test_reset();
	test_missing_intermediate();
	test_cipher_alert();
	test_client_rejects();
	test_groups_and_cap();
	test_pairing_levels();
	test_verdict_priority();
	return check_report("test_conn_diff");
}
