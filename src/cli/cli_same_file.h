/*
 * cli_same_file.h - refuses an output that names an input, before anything
 * is opened for writing (opening it would truncate the capture unread).
 */
#ifndef TLSSCOPE_CLI_SAME_FILE_H
#define TLSSCOPE_CLI_SAME_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* False (one line on stderr) when `output` (given with option `opt`) is the
 * same file as one of inputs[0..n): device and inode, so a symlink or a hard
 * link to the input counts. "-" (standard input) is not a file here. */
bool cli_output_not_input(const char *opt, const char *output, char *const *inputs, size_t n);

#endif
