/*
 * cli_version.c - `tlsscope --version`. The library versions are asked of
 * the libraries at run time, not taken from the headers at build time: a
 * bug report needs the libpcap, OpenSSL and ncurses that actually ran.
 */
#include "cli_version.h"

#include <curses.h>
#include <openssl/crypto.h>

#include "capture_live.h"

void cli_version_print(FILE *fp)
{
	fprintf(fp, "tlsscope %s\n", TLSSCOPE_VERSION);
	fprintf(fp, "%s\n", live_pcap_version());
	fprintf(fp, "%s\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(fp, "%s\n", curses_version());
}
