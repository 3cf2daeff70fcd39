/*
 * test_expect.c - --expect rules: forms, precedence, files, and rejects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "expect.h"

static struct ts_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct ts_addr x = {{0}, 4};
	x.bytes[10] = x.bytes[11] = 0xff;
	x.bytes[12] = a, x.bytes[13] = b, x.bytes[14] = c, x.bytes[15] = d;
	return x;
}

int main(void)
{
	struct expect_rules r = {0};
	char err[512];
	CHECK(expect_add(&r, "All.Example.Test", err, sizeof(err)));
	CHECK(expect_add(&r, "10.0.0.2=www.example.test, api.example.test", err, sizeof(err)));
	CHECK(expect_add(&r, "10.0.0.2:8443=admin.example.test", err, sizeof(err)));
	CHECK(expect_add(&r, "[2001:db8::2]:443=v6.example.test", err, sizeof(err)));
	CHECK(expect_add(&r, "2001:db8::3=bare.example.test", err, sizeof(err)));
	CHECK_EQ(r.count, 5);
	struct expect_rules ip = {0};
	CHECK(expect_add(&ip, "2001:db8::9, 10.0.0.9", err, sizeof(err))); /* IP literals are names too */
	expect_free(&ip);

	struct ts_addr a = v4(10, 0, 0, 2), other = v4(10, 0, 0, 9);
	const struct expect_rule *x = expect_lookup(&r, &a, 443);
	CHECK(x && x->name_count == 2 && !strcmp(x->names[0], "www.example.test") &&
	      !strcmp(x->names[1], "api.example.test"));
	x = expect_lookup(&r, &a, 8443);
	CHECK(x && !strcmp(x->names[0], "admin.example.test")); /* IP and port beats IP */
	x = expect_lookup(&r, &other, 443);
	CHECK(x && !strcmp(x->names[0], "all.example.test")); /* global, lower-cased */

	struct ts_addr v6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 6};
	x = expect_lookup(&r, &v6, 443);
	CHECK(x && !strcmp(x->names[0], "v6.example.test"));
	x = expect_lookup(&r, &v6, 444);
	CHECK(x && !strcmp(x->names[0], "all.example.test"));
	v6.bytes[15] = 3;
	x = expect_lookup(&r, &v6, 1);
	CHECK(x && !strcmp(x->names[0], "bare.example.test"));

	/* rejects, each with a message naming the problem */
	const char *bad[] = {"",
	                     "=a.test",
	                     "10.0.0.300=a.test",
	                     "10.0.0.2:0=a.test",
	                     "10.0.0.2:99999=a.test",
	                     "[2001:db8::2=a.test",
	                     "a b.test",
	                     "10.0.0.2=",
	                     "x=a.test",
	                     "a.test,,b.test",
	                     "10.0.0.2:443"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK(!expect_add(&r, bad[i], err, sizeof(err)));
		CHECK(err[0] != 0);
	}
	CHECK_EQ(r.count, 5);

	/* a rules file: comments, blank lines, and the line number of an error */
	char path[] = "/tmp/tlsscope-expect-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	fprintf(fp, "# servers\n\n10.0.0.7=seven.example.test  # the seventh\n   \n10.0.0.8 = oops\n");
	fclose(fp);
	struct expect_rules f = {0};
	CHECK(!expect_add_file(&f, path, err, sizeof(err)));
	CHECK(strstr(err, ":5:") != NULL);
	CHECK_EQ(f.count, 1);
	struct ts_addr seven = v4(10, 0, 0, 7);
	x = expect_lookup(&f, &seven, 443);
	CHECK(x && !strcmp(x->names[0], "seven.example.test"));
	unlink(path);
	/* a line longer than any fixed buffer: 32 names of 120 characters */
	fp = fopen(path, "w");
	fprintf(fp, "10.0.0.5=");
	for (int i = 0; i < 32; i++) {
		for (int k = 0; k < 110; k++)
			fputc('a' + i % 26, fp);
		fprintf(fp, ".example%s", i < 31 ? "," : "\n");
	}
	fclose(fp);
	struct expect_rules longr = {0};
	CHECK(expect_add_file(&longr, path, err, sizeof(err)));
	CHECK_EQ(longr.count, 1);
	CHECK(longr.count == 1 && longr.v[0].name_count == 32 && strlen(longr.v[0].names[31]) == 118);
	expect_free(&longr);
	unlink(path);
	CHECK(!expect_add_file(&f, "/nonexistent/rules", err, sizeof(err)));
	CHECK(strstr(err, "/nonexistent/rules") != NULL);
	/* the same lines from an open stream (how fuzz_expect reads them): named as given, fp left open */
	static char mem_rules[] = "10.0.0.9:8443=Nine.Example.Test\n# none\nbad name!\n";
	fp = fmemopen(mem_rules, strlen(mem_rules), "r");
	struct expect_rules m = {0};
	CHECK(fp && !expect_add_stream(&m, fp, "rules-in-memory", err, sizeof(err)));
	CHECK(!strncmp(err, "rules-in-memory:3: ", 19));
	CHECK(m.count == 1 && m.v[0].port == 8443 && !strcmp(m.v[0].names[0], "nine.example.test"));
	CHECK(fp && fgetc(fp) == EOF && !ferror(fp));
	if (fp)
		fclose(fp);
	expect_free(&m);

	expect_free(&f);
	expect_free(&r);
	CHECK_EQ(r.count, 0);
	return check_report("test_expect");
}
