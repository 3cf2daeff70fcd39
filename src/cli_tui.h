/*
 * cli_tui.h - the `tui` command (the curses view over capture files).
 */
#ifndef TLSSCOPE_CLI_TUI_H
#define TLSSCOPE_CLI_TUI_H

int cmd_tui(int argc, char **argv);

#endif
