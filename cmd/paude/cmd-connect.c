/* SPDX-License-Identifier: MIT */
/*
 * paude connect: attach the terminal to the agent of a running session
 * (launching it again if it had exited). Ctrl-b d detaches.
 */
#include <stdio.h>
#include "cli.h"
#include "paude/log.h"
#include "paude/workspace.h"

static const char usage[] =
    "usage: paude connect [NAME] [options]\n"
    "\n"
    "Attach to Claude Code in a running session. Without NAME: the session of the\n"
    "current directory, or the only one. Detach with Ctrl-b d.\n"
    "\n"
    "Options:\n" CLI_COMMON_HELP;

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ NULL, 0, NULL, 0 },
};

PAUDE_CMD(connect)
{
	static const struct paude_cli_opts o = { "connect", usage, CLI_COMMON_SHORT, opts };
	const char *name = NULL;
	int r = paude_cli_parse_name(&o, argc, argv, ctx, &name, err);
	if (r != 0)
		return r == CLI_HELP_DONE ? 0 : r;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s;
	paude_session_init(&s);
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, err)) < 0)
		return r;
	if (s.state != PAUDE_SESSION_RUNNING)
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' is not running (start it with: paude start %s)", s.name, s.name);
	/* Fresh tokens if the user logged in again since start (clusters only). */
	if ((r = paude_cli_sync_credentials(b, &s, err)) < 0)
		return r;
	if ((r = paude_cli_launch_agent(b, &s, err)) < 0)
		return r;
	if (s.workspace_mode != PAUDE_WORKSPACE_MOUNT)
		paude_cli_hint_empty_workspace(b, s.name);
	paude_cli_run_post_attach(b, &s);
	if ((r = paude_cli_attach(b, s.name, err)) < 0)
		return r;
	paude_cli_after_detach(ctx, &s);
	return 0;
}
