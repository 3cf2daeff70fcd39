/*
 * cli_same_file.c - an output is never one of the inputs (see cli_same_file.h).
 */
#include "cli_same_file.h"

#include <stdio.h>
#include <string.h>

#include "text_escape.h"
#include "ts_file.h"

bool cli_output_not_input(const char *opt, const char *output, char *const *inputs, size_t n)
{
	if (!output)
		return true;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(inputs[i], "-") != 0 && ts_file_same(output, inputs[i])) {
			char out[1024], in[1024];
			text_escape(output, out, sizeof(out));
			text_escape(inputs[i], in, sizeof(in));
			fprintf(
			    stderr,
			    "tlsscope: %s %s is the input file %s: refusing to overwrite a file it reads\n",
			    opt, out, in);
			return false;
		}
	}
	return true;
}
