/*
 * test_text_escape.c - the terminal escaping of wire strings, and the
 * files module: what passes, what becomes \xNN, where a short buffer cuts;
 * symlinks and non-regular files refused, same-file detection.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "text_escape.h"
#include "ts_file.h"

static const char *esc(const char *s)
{
	static char buf[512];
	text_escape(s, buf, sizeof(buf));
	return buf;
}

static void test_escape(void)
{
	CHECK_STR(esc("www.example.test"), "www.example.test");
	CHECK_STR(esc("a b\\c"), "a b\\c"); /* spaces and backslashes stay: RFC 4514 text reads as before */
	CHECK_STR(esc("x\x1b[2Jy"), "x\\x1b[2Jy");
	CHECK_STR(esc("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
	CHECK_STR(esc("tab\there\nnl\x7f"), "tab\\x09here\\x0anl\\x7f");
	CHECK_STR(esc("c1\x9bm"), "c1\\x9bm");                   /* raw 8-bit CSI */
	CHECK_STR(esc("c1\xc2\x9bm"), "c1\\xc2\\x9bm");          /* U+009B */
	CHECK_STR(esc("\xe2\x80\xaegnp"), "\\xe2\\x80\\xaegnp"); /* U+202E RIGHT-TO-LEFT OVERRIDE */
	CHECK_STR(esc("\xe2\x81\xa6iso"), "\\xe2\\x81\\xa6iso"); /* U+2066 isolate */
	CHECK_STR(esc("\xef\xbb\xbf"), "\\xef\\xbb\\xbf");       /* BOM */
	CHECK_STR(esc("M\xc3\xbcller \xe4\xb8\xad"), "M\xc3\xbcller \xe4\xb8\xad"); /* visible UTF-8 passes */
	CHECK_STR(esc("bad\xff\xc3"), "bad\\xff\\xc3");
	CHECK_STR(esc("\xc0\xaf"), "\\xc0\\xaf");                   /* overlong */
	CHECK_STR(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* a surrogate */
	CHECK_STR(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
	CHECK_STR(esc(NULL), "");

	/* A short buffer cuts before an escape or character, never inside one. */
	char small[8];
	CHECK_EQ(text_escape("ab\x1b[2J", small, sizeof(small)), 7);
	CHECK_STR(small, "ab\\x1b[");
	CHECK_EQ(text_escape("abcde\xc3\xbc", small, 7), 5);
	CHECK_STR(small, "abcde");
	CHECK_EQ(text_escape("x", small, 0), 0);

	/* Bytes with a NUL: the length is what counts. */
	char out[64];
	text_escape_bytes((const uint8_t *)"a\0b", 3, out, sizeof(out));
	CHECK_STR(out, "a\\x00b");

	/* The stream form writes the same as the buffer form. */
	char *mem = NULL;
	size_t memlen = 0;
	FILE *fp = open_memstream(&mem, &memlen);
	text_escape_put(fp, "x\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xff ok \xc3\xbc");
	fclose(fp);
	CHECK_STR(mem, esc("x\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xff ok \xc3\xbc"));
	free(mem);
}

static void test_files(const char *dir)
{
	char a[512], b[512], symlinked[512], dangling[512], fifo[512], err[1200];
	snprintf(a, sizeof(a), "%s/a.txt", dir);
	snprintf(b, sizeof(b), "%s/b.txt", dir);
	snprintf(symlinked, sizeof(symlinked), "%s/link", dir);
	snprintf(dangling, sizeof(dangling), "%s/dangling", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);

	struct ts_file_out o;
	CHECK(ts_file_create(&o, a, err, sizeof(err)));
	fputs("one\n", o.fp);
	CHECK(ts_file_commit(&o, err, sizeof(err)));
	CHECK(ts_file_create(&o, a, err, sizeof(err))); /* a regular file is replaced */
	fputs("two\n", o.fp);
	CHECK(ts_file_commit(&o, err, sizeof(err)));
	FILE *fp = ts_file_open_regular(a, err, sizeof(err));
	char line[16] = "";
	CHECK(fp && fgets(line, sizeof(line), fp));
	CHECK_STR(line, "two\n");
	if (fp)
		fclose(fp);

	/* A symlink at the name, to a file or to nothing: refused, left as it is. */
	CHECK_EQ(symlink(a, symlinked), 0);
	CHECK(!ts_file_create(&o, symlinked, err, sizeof(err)));
	CHECK(strstr(err, "symbolic link") != NULL);
	CHECK_EQ(symlink(b, dangling), 0);
	CHECK(!ts_file_create(&o, dangling, err, sizeof(err)));
	CHECK(access(b, F_OK) != 0); /* the target was not created */
	struct stat st;
	CHECK(lstat(dangling, &st) == 0 && S_ISLNK(st.st_mode));

	/* An abandoned file leaves nothing behind. */
	CHECK(ts_file_create(&o, b, err, sizeof(err)));
	fputs("x", o.fp);
	ts_file_abandon(&o);
	CHECK(access(b, F_OK) != 0);

	/* Reading: a directory or FIFO is refused, at once (a FIFO without a writer does not block). */
	CHECK(ts_file_open_regular(dir, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "a directory") != NULL);
	CHECK_EQ(mkfifo(fifo, 0600), 0);
	CHECK(ts_file_open_regular(fifo, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "a FIFO") != NULL);
	CHECK(ts_file_open_regular("/dev/zero", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "a device") != NULL);

	/* The same file through a symlink and a hard link; a missing one is not the same. */
	CHECK(ts_file_same(a, symlinked));
	CHECK(!ts_file_same(a, dangling));
	CHECK_EQ(link(a, b), 0);
	CHECK(ts_file_same(a, b));
	CHECK(!ts_file_same(a, fifo));
}

int main(void)
{
	char dir[] = "/tmp/tlsscope-test-files-XXXXXX";
	test_escape();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_files(dir);
	const char *names[] = {"a.txt", "b.txt", "link", "dangling", "fifo"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	return check_report("test_text_escape");
}
