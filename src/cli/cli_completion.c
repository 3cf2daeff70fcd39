/*
 * cli_completion.c - `tlsscope completion bash|zsh`: bash and zsh
 * completion scripts printed from the commands' getopt_long tables.
 *
 * An option that takes a value completes file names (most values are
 * files or directories); an option without one is offered only where a
 * word starting with '-' is being completed.
 */
#include "cli_completion.h"

#include <stdio.h>
#include <string.h>

#include "cli_analysis.h"

struct completion_command {
	const char *name;
	const char *summary; /* for zsh's menu */
	const struct option *long_options;
	const char *short_options;
};

static const struct completion_command commands[] = {
    {"analyze", "analyse capture files", analyze_long_options, analyze_short_options},
    {"tui", "the curses view of capture files", tui_long_options, tui_short_options},
    {"live", "capture from an interface", live_long_options, live_short_options},
    {"diff", "what differs between a good and a bad capture", diff_long_options, diff_short_options},
    {"servers", "the estate report of a state file", servers_long_options, servers_short_options},
};
#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

/* Short options as getopt reads them: a letter, then ':' if it takes a value. */
static void print_short_options(FILE *fp, const char *shortopts, bool with_value)
{
	for (const char *s = shortopts; *s; s++) {
		if (*s == ':')
			continue;
		if ((s[1] == ':') == with_value)
			fprintf(fp, " -%c", *s);
	}
}

static void print_long_options(FILE *fp, const struct option *opts, bool with_value)
{
	for (const struct option *o = opts; o->name; o++)
		if ((o->has_arg != no_argument) == with_value)
			fprintf(fp, " --%s", o->name);
}

static void print_bash(FILE *fp)
{
	fprintf(fp, "# bash completion for tlsscope (made by `tlsscope completion bash`; do not edit)\n"
	            "_tlsscope()\n"
	            "{\n"
	            "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	            "\tlocal flags valued\n"
	            "\tCOMPREPLY=()\n"
	            "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	            "\t\tCOMPREPLY=($(compgen -W \"");
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(fp, "%s ", commands[i].name);
	fprintf(fp, "--version --help\" -- \"$cur\"))\n"
	            "\t\treturn 0\n"
	            "\tfi\n"
	            "\tcase ${COMP_WORDS[1]} in\n");
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		const struct completion_command *c = &commands[i];
		fprintf(fp, "\t%s)\n\t\tflags=\"", c->name);
		print_short_options(fp, c->short_options, false);
		print_long_options(fp, c->long_options, false);
		fprintf(fp, "\"\n\t\tvalued=\"");
		print_short_options(fp, c->short_options, true);
		print_long_options(fp, c->long_options, true);
		fprintf(fp, "\"\n\t\t;;\n");
	}
	fprintf(fp, "\t*)\n"
	            "\t\treturn 0\n"
	            "\t\t;;\n"
	            "\tesac\n"
	            "\tif [[ \" $valued \" == *\" $prev \"* ]]; then\n"
	            "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	            "\telif [[ $cur == -* ]]; then\n"
	            "\t\tCOMPREPLY=($(compgen -W \"$flags $valued\" -- \"$cur\"))\n"
	            "\telse\n"
	            "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	            "\tfi\n"
	            "\treturn 0\n"
	            "}\n"
	            "complete -o filenames -F _tlsscope tlsscope\n");
}

/* One _arguments spec per option: '--name' or '--name=:value:_files'. */
static void print_zsh_options(FILE *fp, const struct completion_command *c)
{
	for (const char *s = c->short_options; *s; s++)
		if (*s != ':')
			fprintf(fp, " \\\n\t\t\t'-%c%s'", *s, s[1] == ':' ? ":value:_files" : "");
	for (const struct option *o = c->long_options; o->name; o++)
		fprintf(fp, " \\\n\t\t\t'--%s%s'", o->name,
		        o->has_arg != no_argument ? "=:value:_files" : "");
}

static void print_zsh(FILE *fp)
{
	fprintf(fp, "#compdef tlsscope\n"
	            "# zsh completion for tlsscope (made by `tlsscope completion zsh`; do not edit)\n"
	            "_tlsscope() {\n"
	            "\tlocal -a commands\n"
	            "\tcommands=(");
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(fp, "%s'%s:%s'", i ? " " : "", commands[i].name, commands[i].summary);
	fprintf(fp, ")\n"
	            "\tif (( CURRENT == 2 )); then\n"
	            "\t\t_describe -t commands 'tlsscope command' commands\n"
	            "\t\treturn\n"
	            "\tfi\n"
	            "\tlocal cmd=$words[2]\n"
	            "\tshift words\n"
	            "\t(( CURRENT-- ))\n"
	            "\tcase $cmd in\n");
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		fprintf(fp, "\t%s)\n\t\t_arguments -s", commands[i].name);
		print_zsh_options(fp, &commands[i]);
		fprintf(fp, " \\\n\t\t\t'*:file:_files'\n\t\t;;\n");
	}
	fprintf(fp, "\tesac\n"
	            "}\n"
	            "_tlsscope \"$@\"\n");
}

int cmd_completion(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "bash")) {
		print_bash(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "zsh")) {
		print_zsh(stdout);
		return 0;
	}
	fprintf(stderr, "usage: tlsscope completion bash|zsh\n");
	return EXIT_USAGE;
}
