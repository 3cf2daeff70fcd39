/*
 * cli_version.h - `tlsscope --version`: the program's version and the
 * versions of the libraries it runs with (as tcpdump prints them).
 */
#ifndef TLSSCOPE_CLI_VERSION_H
#define TLSSCOPE_CLI_VERSION_H

#include <stdio.h>

void cli_version_print(FILE *fp);

#endif
