/* SPDX-License-Identifier: MIT */
/*
 * paude: global options, the command table, and the one place that prints
 * errors and turns them into exit codes (0 ok, 1 failure, 2 usage).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include <signal.h>
#include "cli.h"
#include "host.h"
#include "cmd-remote.h"
#include "paude/core/log.h"
#include "paude/core/signal.h"
#include "paude/core/suggest.h"

static int cmd_help(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);

/* Keep sorted by name: looked up with bsearch. */
static const struct paude_cmd_spec commands[] = {
	{ "completion", cmd_completion, "print a completion script for bash, zsh or fish" },
	{ "connect", cmd_connect, "attach to the agent in a running session" },
	{ "create", cmd_create, "create a session for the current directory, with its code" },
	{ "delete", cmd_delete, "delete a session and its workspace (--confirm)" },
	{ "doctor", cmd_doctor, "check that this host can run sessions" },
	{ "help", cmd_help, "show help for paude or a command" },
	{ "list", cmd_list, "list sessions" },
	{ "network", cmd_network, "show a session's network policy and proxy log" },
	{ "port-forward", cmd_port_forward, "reach a session's port from this host's loopback" },
	{ "remote", cmd_remote, "connect this repository to a session with git" },
	{ "start", cmd_start, "start a session and attach to its agent" },
	{ "status", cmd_status, "show one session in full: agent, branches, network, use" },
	{ "stop", cmd_stop, "stop a session, keeping its workspace" },
};

static const char main_usage_head[] =
    "usage: paude [-v|-q] [--backend NAME] [COMMAND [ARGS...]]\n"
    "\n"
    "paude runs Claude Code in an isolated, persistent session: a Podman container\n"
    "with its own workspace volume, read-only cloud credentials, and a network that\n"
    "reaches only allowlisted domains through a proxy. Code moves in and out with\n"
    "git. Without a command, paude lists sessions.\n"
    "\n"
    "Commands:\n";

static const char main_usage_tail[] =
    "\n"
    "Options:\n"
    "  -h, --help         show this help ('paude COMMAND --help' for a command)\n"
    "  -V, --version      show the version\n"
    "  -v, --verbose      show more; twice: trace every command paude runs\n"
    "                     (also PAUDE_LOG=debug)\n"
    "  -q, --quiet        show only warnings and errors\n"
    "  --backend NAME     podman (default), or openshift (alias kubernetes): run\n"
    "                     the session on a cluster with oc or kubectl\n"
    "                     (see " PAUDE_DOCDIR "/OPENSHIFT.md)\n"
    "\n"
    "Examples:\n"
    "  paude create                        session for this directory, with the\n"
    "                                      current branch in it (in a git repository)\n"
    "  paude create --no-push              the same, workspace left empty\n"
    "  paude create --yolo                 no permission prompts (network still filtered)\n"
    "  paude create --allowed-domains default --allowed-domains .example.com\n"
    "  paude create -a '-p \"explain this code\"'   arguments for Claude Code\n"
    "  paude create --dry-run              show the plan and image recipe only\n"
    "  paude create --mount-workspace      work on this directory itself, not a copy\n"
    "  paude start my-project              start and attach (detach: Ctrl-b d)\n"
    "  paude connect my-project            reattach\n"
    "  paude connect --detach-keys ctrl-q my-project\n"
    "                                      detach with Ctrl-q (inside your own tmux,\n"
    "                                      Ctrl-b d detaches that one)\n"
    "  paude stop my-project               stop, keep the workspace\n"
    "  paude delete my-project --confirm   remove everything\n"
    "  paude create --backend openshift --openshift-namespace team-a\n"
    "                                      the same session on a cluster\n"
    "\n"
    "Security:\n"
    "  The agent runs as a non-root user with no capabilities, cannot make new\n"
    "  namespaces, has memory and CPU limits (create --memory, --cpus) and, with\n"
    "  rootful podman, host ids of its own. By default its only\n"
    "  way out is a proxy that allows Vertex AI and PyPI domains; there is no DNS.\n"
    "  ~/.config/gcloud, ~/.gitconfig and ~/.config/git/ignore are mounted\n"
    "  read-only; ~/.claude is copied in, never mounted. SSH keys, GitHub CLI\n"
    "  config, git credentials and the container engine socket are never given to\n"
    "  the session, nor host variables beyond the Vertex AI settings. What the\n"
    "  session prints reaches your terminal with escape sequences escaped.\n"
    "  --yolo is reasonably safe only while the network is filtered: do not\n"
    "  combine it with --allowed-domains all unless you trust the task.\n"
    "  The agent can change or delete anything in its workspace: push your work\n"
    "  somewhere safe first.\n";

static void
print_usage(FILE *f)
{
	(void)fputs(main_usage_head, f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		(void)fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	(void)fputs(main_usage_tail, f);
}

static int
cmp_cmd(const void *key, const void *elem)
{
	return strcmp(key, ((const struct paude_cmd_spec *)elem)->name);
}

static const struct paude_cmd_spec *
find_command(const char *name)
{
	return bsearch(name, commands, ARRAY_SIZE(commands), sizeof(commands[0]), cmp_cmd);
}

/* "unknown command 'lsit' (did you mean 'list'?)" */
static int
unknown_command(struct paude_error **err, const char *name)
{
	const char *names[ARRAY_SIZE(commands)];
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	_cleanup_strvec_ struct paude_strvec best = PAUDE_STRVEC_INIT;
	paude_suggest(&best, name, names, ARRAY_SIZE(names));
	_cleanup_buf_ struct paude_buf hint = PAUDE_BUF_INIT;
	paude_cli_add_suggestions(&hint, &best, "");
	return paude_cli_usage_error(err, NULL, "unknown command '%.64s'%s", name,
				     hint.len ? hint.buf : "");
}

static int
cmd_help(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	(void)err;
	if (argc > 1) {
		const struct paude_cmd_spec *c = find_command(argv[1]);
		if (!c)
			return unknown_command(err, argv[1]);
		char *args[] = { argv[1], (char *)"--help", NULL };
		return c->fn(2, args, ctx, err);
	}
	print_usage(stdout);
	return 0;
}

static const struct option global_opts[] = {
	{ "help", no_argument, NULL, 'h' },          { "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },       { "quiet", no_argument, NULL, 'q' },
	{ "backend", required_argument, NULL, 'b' }, { NULL, 0, NULL, 0 },
};

/*
 * Output that never arrived is a failure: `paude list >/dev/full` must not
 * exit 0. A reader that went away (`paude list | head -1`) normally ends us
 * by SIGPIPE; when a parent ignores SIGPIPE, exit as if it had, silently.
 */
static int
finish(int status)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	if (errno == EPIPE)
		return 128 + SIGPIPE;
	if (errno)
		paude_log(PAUDE_LOG_ERROR, "cannot write to standard output: %s", strerror(errno));
	else
		paude_log(PAUDE_LOG_ERROR, "cannot write to standard output");
	return status ? status : 1;
}

/* The one place errors are printed; returns the exit status. */
static int
report(int r, const struct paude_error *err)
{
	if (r >= 0)
		return 0;
	if (paude_signal_pending() && r != PAUDE_EINTR) {
		/* A child the user interrupted failed: say what happened. */
		paude_debug("%s", err ? err->msg : "failed");
		paude_log(PAUDE_LOG_ERROR, "interrupted");
		return 130;
	}
	paude_log(PAUDE_LOG_ERROR, "%s", err ? err->msg : "failed");
	return paude_error_exit_code(r);
}

int
main(int argc, char **argv)
{
	struct paude_cmd_ctx ctx = { .runner = paude_runner_default() };
	_cleanup_error_ struct paude_error *err = NULL;
	bool help = false;
	int opt, r = 0;

	/* lib/ reads no environment: what it needs is read here. */
	paude_log_init("paude", getenv("PAUDE_LOG"), getenv("NO_COLOR"), getenv("TERM"));
	paude_signal_install();
	opterr = 0;
	/* '+': stop at the first non-option, the command. */
	while ((opt = paude_cli_getopt_long(argc, argv, "+hVvq", global_opts)) != -1) {
		switch (opt) {
		case 'h':
			print_usage(stdout);
			return finish(0);
		case 'V':
			printf("paude %s\n", PAUDE_VERSION);
			return finish(0);
		case 'b':
			r = paude_cli_common_opt(CLI_OPT_BACKEND, NULL, &ctx, &help, &err);
			break;
		case 'v':
		case 'q':
			paude_cli_common_opt(opt, NULL, &ctx, &help, &err);
			break;
		default:
			r = paude_cli_bad_option(&err, NULL, argv, "+hVvq");
			break;
		}
		if (r < 0)
			return finish(report(r, err));
	}

	int cargc = argc - optind;
	char **cargv = argv + optind;
	char *list_argv[] = { (char *)"list", NULL };
	if (cargc == 0) {
		cargc = 1;
		cargv = list_argv;
	}
	const struct paude_cmd_spec *cmd = find_command(cargv[0]);
	if (!cmd) {
		r = unknown_command(&err, cargv[0]);
		return finish(report(r, err));
	}
	/* Two statements: the order in which arguments are evaluated is
	 * unspecified, and err must be read after the command filled it. */
	r = cmd->fn(cargc, cargv, &ctx, &err);
	paude_cli_hosts_release(&ctx);
	paude_location_release(&ctx.where);
	return finish(report(r, err));
}
