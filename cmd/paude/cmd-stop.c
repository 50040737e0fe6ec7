/* SPDX-License-Identifier: MIT */
/*
 * paude stop: stop a session's containers; the workspace volume and the
 * session's metadata stay, so 'paude start' resumes it.
 */
#include <stdio.h>
#include "cli.h"
#include "paude/core/log.h"

static const char usage[] =
    "usage: paude stop [NAME] [options]\n"
    "\n"
    "Stop a session. Its workspace is kept; 'paude start' resumes it. Without\n"
    "NAME: the session of the current directory, or the only one.\n"
    "\n"
    "Options:\n" CLI_COMMON_HELP;

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ NULL, 0, NULL, 0 },
};

int
cmd_stop(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "stop", usage, CLI_COMMON_SHORT, opts };
	const char *name = NULL;
	int r = paude_cli_parse_name(&o, argc, argv, ctx, &name, err);
	if (r != 0)
		return r == CLI_HELP_DONE ? 0 : r;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, err)) < 0)
		return r;
	bool was_running = s.state == PAUDE_SESSION_RUNNING;
	/* Even when the agent is down, make sure its proxy is too. */
	if ((r = paude_backend_stop(b, s.name, err)) < 0)
		return r;
	if (!was_running) {
		paude_info("Session '%s' is not running.", s.name);
		return 0;
	}
	paude_info("Stopped session '%s'; its workspace is kept. Resume with: paude start %s",
		   s.name, s.name);
	return 0;
}
