/*
 * cli_live.h - `tlsscope live`: capture from an interface and write each
 * connection as soon as its handshake is decided.
 */
#ifndef TLSSCOPE_CLI_LIVE_H
#define TLSSCOPE_CLI_LIVE_H

#include <stdio.h>

/* argv[0] is "live". Returns the exit status. */
int cmd_live(int argc, char **argv);

/* The usage lines of `live`, for the main usage text. */
extern const char live_usage[];

#endif
