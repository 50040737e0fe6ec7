/* SPDX-License-Identifier: MIT */
/*
 * paude completion bash|zsh|fish: print a script that completes paude's
 * commands, their options and session names (from the hidden
 * `paude list --names`, asked at the moment of completing). The scripts are
 * written from one table here; `make install` puts them where each shell
 * looks, and an integration test checks the table against every command's
 * --help.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
    "usage: paude completion bash|zsh|fish\n"
    "\n"
    "Print a script that completes paude's commands, options and session names\n"
    "in that shell. 'make install' installs them where the shells look; to load\n"
    "one by hand:\n"
    "  bash:  source <(paude completion bash)             (e.g. in ~/.bashrc)\n"
    "  zsh:   paude completion zsh > ~/.zfunc/_paude      (with ~/.zfunc in fpath,\n"
    "         before compinit)\n"
    "  fish:  paude completion fish > ~/.config/fish/completions/paude.fish\n"
    "\n"
    "Options:\n"
    "  -h, --help       show this help\n";

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ NULL, 0, NULL, 0 },
};

/* Options every command takes; a trailing '=' marks one that takes a value. */
static const char common_opts[] = "--help --verbose --quiet --backend= --openshift-context= "
				  "--openshift-namespace=";
/* Options before the command. */
static const char global_opts[] = "--help --version --verbose --quiet --backend=";

static const struct comp_cmd {
	const char *name;
	const char *opts; /* the command's own, as common_opts */
	bool names; /* takes a session name */
	const char *words; /* fixed words: subcommands or arguments */
} cmds[] = {
	{ "completion", "", false, "bash zsh fish" },
	{ "connect", "--detach-keys= --host=", true, NULL },
	{ "create",
	  "--yolo --allowed-domains= --args= --mount-workspace --no-push --rebuild --dry-run "
	  "--config= --memory= --cpus= --disk= --pvc-size= --storage-class= --registry= --host=",
	  false, NULL },
	{ "delete", "--confirm --force", true, NULL },
	{ "doctor", "--host=", false, NULL },
	{ "help", "", false, NULL /* the commands */ },
	{ "list", "--json --host=", false, NULL },
	{ "network", "--allow= --deny=", true, NULL },
	{ "port-forward", "--detach --list --stop", true, NULL },
	{ "remote", "", false, "add list remove" },
	{ "start", "--detach --forward-ports --detach-keys=", true, NULL },
	{ "status", "--json", true, NULL },
	{ "stop", "", true, NULL },
};

/* Fixed values of options that take one. */
static const struct {
	const char *opt, *values;
} option_values[] = {
	{ "--backend", "podman openshift kubernetes" },
	{ "--allowed-domains", "default vertexai pypi anthropic all" },
};

/* Print the words of list (space-separated), without the '=' marks. */
static void
put_opts(const char *list, const char *sep)
{
	bool first = true;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		size_t len = n && p[n - 1] == '=' ? n - 1 : n;
		if (len)
			printf("%s%.*s", first ? "" : sep, (int)len, p);
		first = first && !len;
		p += n;
		while (*p == ' ')
			p++;
	}
}

/* The options of list that take a value, separated by sep. */
static void
put_value_opts(const char *list, const char *sep, bool *first)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n && p[n - 1] == '=') {
			printf("%s%.*s", *first ? "" : sep, (int)(n - 1), p);
			*first = false;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

static void
put_commands(const char *sep)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		printf("%s%s", i ? sep : "", cmds[i].name);
}

/*
 * The shell functions bash and zsh share: which command and subcommand the
 * words so far name, and the candidates for the current word.
 */
static void
put_posix_functions(void)
{
	bool first = true;
	printf("__paude_takes_value() {\n\tcase $1 in\n\t");
	put_value_opts(common_opts, "|", &first);
	printf("|-a");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		put_value_opts(cmds[i].opts, "|", &first);
	printf(") return 0 ;;\n\tesac\n\treturn 1\n}\n\n");

	printf("__paude_find() {\n"
	       "\t__paude_cmd= __paude_sub=\n"
	       "\tlocal w skip=\n"
	       "\tfor w in \"$@\"; do\n"
	       "\t\tif [ -n \"$skip\" ]; then skip=; continue; fi\n"
	       "\t\tcase $w in\n"
	       "\t\t-*=*) ;;\n"
	       "\t\t-*) __paude_takes_value \"$w\" && skip=1 ;;\n"
	       "\t\t*) if [ -z \"$__paude_cmd\" ]; then __paude_cmd=$w\n"
	       "\t\t   elif [ -z \"$__paude_sub\" ]; then __paude_sub=$w; fi ;;\n"
	       "\t\tesac\n"
	       "\tdone\n"
	       "}\n\n");

	printf("__paude_names() {\n\tcommand paude list --names 2>/dev/null\n}\n\n");

	printf("# $1: the previous word, $2: the current one\n"
	       "__paude_words() {\n\tcase $1 in\n");
	for (size_t i = 0; i < ARRAY_SIZE(option_values); i++)
		printf("\t%s) echo \"%s\"; return ;;\n", option_values[i].opt,
		       option_values[i].values);
	printf("\tesac\n\t__paude_takes_value \"$1\" && return\n\tcase $__paude_cmd in\n");
	printf("\t'') echo \"");
	put_commands(" ");
	printf(" ");
	put_opts(global_opts, " ");
	printf("\"; return ;;\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		const struct comp_cmd *c = &cmds[i];
		printf("\t%s)\n", c->name);
		if (!strcmp(c->name, "remote")) {
			printf("\t\tcase $__paude_sub in\n"
			       "\t\t'') echo \"%s ",
			       c->words);
			put_opts(common_opts, " ");
			printf("\" ;;\n\t\tadd) echo \"--push ");
			put_opts(common_opts, " ");
			printf("\"; case $2 in -*) ;; *) __paude_names ;; esac ;;\n"
			       "\t\tremove) echo \"");
			put_opts(common_opts, " ");
			printf("\"; case $2 in -*) ;; *) __paude_names ;; esac ;;\n"
			       "\t\tesac ;;\n");
			continue;
		}
		printf("\t\techo \"");
		put_opts(c->opts, " ");
		if (*c->opts)
			printf(" ");
		put_opts(common_opts, " ");
		printf("\"\n");
		if (c->words || !strcmp(c->name, "help")) {
			printf("\t\t[ -n \"$__paude_sub\" ] || echo \"");
			if (c->words)
				printf("%s", c->words);
			else
				put_commands(" ");
			printf("\"\n");
		}
		if (c->names)
			printf(
			    "\t\tcase $2 in -*) ;; *) [ -n \"$__paude_sub\" ] || __paude_names ;; "
			    "esac\n");
		printf("\t\t;;\n");
	}
	printf("\tesac\n}\n");
}

static void
put_bash(void)
{
	printf("# bash completion for paude (generated by: paude completion bash)\n\n");
	put_posix_functions();
	printf("\n_paude() {\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\t__paude_find \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"\n"
	       "\tlocal IFS=$' \\t\\n'\n"
	       "\t# shellcheck disable=SC2207\n"
	       "\tCOMPREPLY=($(compgen -W \"$(__paude_words \"$prev\" \"$cur\")\" -- \"$cur\"))\n"
	       "}\n"
	       "complete -F _paude paude\n");
}

static void
put_zsh(void)
{
	printf(
	    "#compdef paude\n# zsh completion for paude (generated by: paude completion zsh)\n\n");
	put_posix_functions();
	printf("\n_paude() {\n"
	       "\tlocal cur=${words[CURRENT]} prev=${words[CURRENT-1]}\n"
	       "\t__paude_find \"${(@)words[2,CURRENT-1]}\"\n"
	       "\tlocal out\n"
	       "\tout=$(__paude_words \"$prev\" \"$cur\")\n"
	       "\tcompadd -- ${=out}\n"
	       "}\n"
	       "\n"
	       "if [ \"$funcstack[1]\" = _paude ]; then\n"
	       "\t_paude \"$@\"\n"
	       "else\n"
	       "\tcompdef _paude paude\n"
	       "fi\n");
}

/* fish: one `complete` line per option, conditioned on the command. */
static void
put_fish_opts(const char *cond, const char *list)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		bool value = n && p[n - 1] == '=';
		size_t len = value ? n - 1 : n;
		if (len > 2) {
			printf("complete -c paude -n '%s' -l %.*s", cond, (int)len - 2, p + 2);
			for (size_t i = 0; value && i < ARRAY_SIZE(option_values); i++)
				if (strlen(option_values[i].opt) == len &&
				    !strncmp(option_values[i].opt, p, len))
					printf(" -a '%s'", option_values[i].values);
			printf("%s\n", value ? " -r" : "");
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

static void
put_fish(void)
{
	printf("# fish completion for paude (generated by: paude completion fish)\n\n"
	       "function __paude_names\n"
	       "\tcommand paude list --names 2>/dev/null\n"
	       "end\n\n"
	       "complete -c paude -f\n"
	       "complete -c paude -n __fish_use_subcommand -a '");
	put_commands(" ");
	printf("'\n");
	put_fish_opts("__fish_use_subcommand", global_opts);
	printf("complete -c paude -n 'not __fish_use_subcommand' -s v\n");
	put_fish_opts("not __fish_use_subcommand", common_opts);
	printf("complete -c paude -n '__fish_seen_subcommand_from create' -s a -r\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		const struct comp_cmd *c = &cmds[i];
		_cleanup_free_ char *cond =
		    paude_xasprintf("__fish_seen_subcommand_from %s", c->name);
		put_fish_opts(cond, c->opts);
		if (!strcmp(c->name, "remote")) {
			printf("complete -c paude -n '%s; and not __fish_seen_subcommand_from %s' "
			       "-a '%s'\n",
			       cond, c->words, c->words);
			printf("complete -c paude -n '%s; and __fish_seen_subcommand_from add' -l "
			       "push\n",
			       cond);
			printf("complete -c paude -n '%s; and __fish_seen_subcommand_from add "
			       "remove' -a '(__paude_names)'\n",
			       cond);
		} else if (c->words) {
			printf("complete -c paude -n '%s' -a '%s'\n", cond, c->words);
		} else if (!strcmp(c->name, "help")) {
			printf("complete -c paude -n '%s' -a '", cond);
			put_commands(" ");
			printf("'\n");
		}
		if (c->names)
			printf("complete -c paude -n '%s' -a '(__paude_names)'\n", cond);
	}
}

int
cmd_completion(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "completion", usage, CLI_COMMON_SHORT, opts };
	const char *shell = NULL;
	int r = paude_cli_parse_name(&o, argc, argv, ctx, &shell, err);
	if (r != 0)
		return r == CLI_HELP_DONE ? 0 : r;
	if (!shell)
		return paude_cli_usage_error(err, "completion",
					     "name the shell: bash, zsh or fish");
	if (!strcmp(shell, "bash"))
		put_bash();
	else if (!strcmp(shell, "zsh"))
		put_zsh();
	else if (!strcmp(shell, "fish"))
		put_fish();
	else
		return paude_cli_usage_error(
		    err, "completion", "unknown shell '%.64s' (use: bash, zsh or fish)", shell);
	return 0;
}
