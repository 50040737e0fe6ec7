/* SPDX-License-Identifier: MIT */
/*
 * paude connect: attach the terminal to the agent of a running session
 * (launching it again if it had exited). Ctrl-b d detaches.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "host.h"
#include "setup-run.h"
#include "paude/core/log.h"
#include "paude/git/workspace.h"

static const char usage[] =
    "usage: paude connect [NAME] [options]\n"
    "\n"
    "Attach to Claude Code in a running session. Without NAME: the session of the\n"
    "current directory, or the only one. Detach with Ctrl-b d (inside another\n"
    "tmux: Ctrl-b Ctrl-b d, or --detach-keys).\n"
    "\n"
    "Options:\n" CLI_DETACH_KEYS_HELP "  --host [USER@]HOST[:PORT]\n"
    "                   a Podman session of this host, over SSH, through a\n"
    "                   terminal there (see " PAUDE_DOCDIR "/REMOTE.md)\n" CLI_COMMON_HELP;

enum { OPT_DETACH_KEYS = CLI_OPT_FIRST_PRIVATE, OPT_HOST };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
	{ "host", required_argument, NULL, OPT_HOST },
	{ NULL, 0, NULL, 0 },
};

int
cmd_connect(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "connect", usage, CLI_COMMON_SHORT, opts };
	struct paude_cli_attach_opts ao = { 0 };
	const char *host = NULL;
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_HOST:
			host = optarg;
			break;
		case OPT_DETACH_KEYS:
			if ((r = paude_detach_keys_parse(&ao.keys, optarg, err)) < 0)
				return r;
			ao.keys_spec = optarg;
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	if (argc - optind > 1)
		return paude_cli_usage_error(err, "connect", "too many arguments");
	const char *name = optind < argc ? argv[optind] : NULL;
	if (host && *host) {
		/* A remote host runs Podman sessions only (as list --host). */
		if (ctx->where.kind == PAUDE_LOCATION_CLUSTER)
			return paude_cli_usage_error(err, "connect",
						     "--host connects to a host's Podman session: "
						     "it cannot go with --backend %s",
						     paude_location_backend_name(&ctx->where));
		/* A bad name is refused before any connection. */
		if (name && (r = paude_session_name_validate(name, err)) < 0)
			return r;
		if ((r = paude_cli_use_host(ctx, host, err)) < 0)
			return r;
	}

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, err)) < 0)
		return r;
	if (s.state != PAUDE_SESSION_RUNNING)
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' is not running (start it with: paude start %s)", s.name, s.name);
	/* Fresh tokens if the user logged in again since start (clusters only). */
	if ((r = paude_cli_sync_credentials(b, &s, err)) < 0)
		return r;
	if ((r = paude_agent_launch(b, &s, err)) < 0)
		return r;
	if (s.workspace_mode != PAUDE_WORKSPACE_MOUNT)
		paude_cli_hint_empty_workspace(b, s.name);
	if (paude_cli_lacks_provider(b, &s))
		paude_info("Session '%s' has no model provider: Claude Code will ask you to log in "
			   "(claude.ai or Console account; the login stays in the session)",
			   s.name);
	paude_cli_run_post_attach(b, &s);
	if ((r = paude_cli_attach(b, s.name, &ao, err)) < 0)
		return r;
	paude_cli_after_detach(ctx, &s);
	return 0;
}
