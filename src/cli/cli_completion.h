/*
 * cli_completion.h - the option tables of the subcommands and the hidden
 * `tlsscope completion bash|zsh`, which prints shell completion scripts
 * from those tables. The build runs it to make the installed completions,
 * so they list exactly the options getopt_long accepts.
 */
#ifndef TLSSCOPE_CLI_COMPLETION_H
#define TLSSCOPE_CLI_COMPLETION_H

#include <getopt.h>

/* Each command's getopt_long tables (defined beside the command). */
extern const struct option analyze_long_options[];
extern const char analyze_short_options[];
extern const struct option tui_long_options[];
extern const char tui_short_options[];
extern const struct option live_long_options[];
extern const char live_short_options[];
extern const struct option diff_long_options[];
extern const char diff_short_options[];
extern const struct option servers_long_options[];
extern const char servers_short_options[];

/* argv[0] is "completion", argv[1] the shell. Returns the exit status. */
int cmd_completion(int argc, char **argv);

#endif
