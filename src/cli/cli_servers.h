/*
 * cli_servers.h - `tlsscope servers --state FILE [--json] [--html FILE]`:
 * the estate report read from a state file (docs/state.md).
 */
#ifndef TLSSCOPE_CLI_SERVERS_H
#define TLSSCOPE_CLI_SERVERS_H

extern const char servers_usage[];

int cmd_servers(int argc, char **argv);

#endif
