/* SPDX-License-Identifier: MIT */
/*
 * paude start: start a session (if it is not running), copy the Claude
 * config in, run the project's setup command the first time, launch the
 * agent inside tmux, and attach the terminal to it.
 * Ctrl-b d detaches; the agent keeps running.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "paude/log.h"

static const char usage[] =
    "usage: paude start [NAME] [options]\n"
    "\n"
    "Start a session and connect to Claude Code inside it. Without NAME: the\n"
    "session of the current directory, or the only one. Detach with Ctrl-b d;\n"
    "the agent keeps running. Reconnect with 'paude connect'.\n"
    "\n"
    "The first start runs the project's setup command (paude.json \"setup\",\n"
    "devcontainer.json \"postCreateCommand\") in the workspace, with its output\n"
    "shown; once it has succeeded, later starts skip it.\n"
    "\n"
    "Options:\n"
    "  -d, --detach     start the session and the agent, but do not attach\n" CLI_COMMON_HELP;

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "detach", no_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 },
};

PAUDE_CMD(start)
{
	bool help = false, detach = false;
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORT "d", opts, NULL)) != -1) {
		if ((r = paude_cli_common_opt(opt, usage, ctx, &help, err)) != 0) {
			if (r < 0)
				return r;
			if (help)
				return 0;
			continue;
		}
		if (opt == 'd')
			detach = true;
		else
			return paude_cli_bad_option(err, "start", argv, CLI_COMMON_SHORT "d");
	}
	if (argc - optind > 1)
		return paude_cli_usage_error(err, "start", "too many arguments");
	const char *name = optind < argc ? argv[optind] : NULL;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s;
	paude_session_init(&s);
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, err)) < 0)
		return r;
	if (s.state != PAUDE_SESSION_RUNNING) {
		paude_info("Starting session '%s'...", s.name);
		if ((r = paude_backend_start(b, s.name, err)) < 0)
			return r;
		/* Shadowed venvs are tmpfs: what the session put there is gone. */
		for (size_t i = 0; s.state == PAUDE_SESSION_STOPPED && i < s.venv_shadows.nr; i++)
			paude_info("Note: venv directory '%s' is empty again after the restart "
				   "(recreate it in the session)",
				   s.venv_shadows.v[i]);
	}
	if ((r = paude_cli_sync_config(b, &s, err)) < 0)
		return r;
	if ((r = paude_cli_run_setup(b, &s, err)) < 0)
		return r;
	if ((r = paude_cli_launch_agent(b, s.name, err)) < 0)
		return r;
	/* A mounted workspace is the user's tree: nothing to push. */
	if (s.workspace_mode != PAUDE_WORKSPACE_MOUNT)
		paude_cli_hint_empty_workspace(b, s.name);
	if (detach || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		paude_info("Session '%s' is running. Connect with: paude connect %s", s.name,
			   s.name);
		return 0;
	}
	if ((r = paude_cli_attach(b, s.name, err)) < 0)
		return r;
	paude_info("Detached from '%s'; the agent keeps running. Reconnect with: paude connect %s",
		   s.name, s.name);
	return 0;
}
