/*
 * expect.h - the names a server is expected to present, as the user states
 * them (--expect, --expect-file).
 *
 * Owns parsing the rules and looking one up for a server address and port:
 *   NAME[,NAME...]                   every server
 *   SERVER_IP[:PORT]=NAME[,NAME...]  one server (IPv6 as [addr]:port or bare addr)
 * A rule for IP and port beats one for the IP, which beats the global one.
 * An --expect-file holds one rule per line; '#' starts a comment.
 */
#ifndef TLSSCOPE_EXPECT_H
#define TLSSCOPE_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decode.h"

#define EXPECT_MAX_RULES 4096
#define EXPECT_MAX_NAMES 32 /* names in one rule */
/* An --expect-file: 4096 rules of 32 names of 253 characters would be far
 * more; real files are a few KiB. Past either cap the file is refused. */
#define EXPECT_MAX_FILE_BYTES (4u << 20)
#define EXPECT_MAX_LINE 16384 /* bytes, newline included: 32 names of 253 characters and more */

struct expect_rule {
	bool has_addr;
	struct ts_addr addr;
	uint16_t port; /* 0: any port */
	char *names[EXPECT_MAX_NAMES];
	size_t name_count;
};

struct expect_rules {
	struct expect_rule *v;
	size_t count;
};

/* Add one rule from its text; false with a message in err. */
bool expect_add(struct expect_rules *r, const char *text, char *err, size_t errlen);

/* Add every rule of a file; false with a message (naming file and line) in err. */
bool expect_add_file(struct expect_rules *r, const char *path, char *err, size_t errlen);

/* The same for rules already open (the file's lines from fp; `path` names it
 * in err): the fuzz harness reads them from memory. fp stays open. */
bool expect_add_stream(struct expect_rules *r, FILE *fp, const char *path, char *err, size_t errlen);

/* The most specific rule for a server, or NULL. */
const struct expect_rule *expect_lookup(const struct expect_rules *r, const struct ts_addr *addr,
                                        uint16_t port);

void expect_free(struct expect_rules *r);

#endif
