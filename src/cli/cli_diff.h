/*
 * cli_diff.h - the `diff` command (good vs bad captures), for main.c.
 */
#ifndef TLSSCOPE_CLI_DIFF_H
#define TLSSCOPE_CLI_DIFF_H

/* Its usage text (without the shared analysis options). */
extern const char diff_usage[];

/* argv[0] is "diff". Exit status: 0 when the diff ran, 2 for unusable input. */
int cmd_diff(int argc, char **argv);

#endif
