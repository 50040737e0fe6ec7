/* SPDX-License-Identifier: MIT */
/*
 * paude start: start a session (if it is not running), copy the Claude
 * config in, run the project's setup command the first time, launch the
 * agent inside tmux, and attach the terminal to it.
 * Ctrl-b d detaches; the agent keeps running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "host.h"
#include "paude/agent/forward.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/core/run.h"
#include "session-setup.h"
#include "setup-run.h"

static const char usage[] =
    "usage: paude start [NAME] [options]\n"
    "\n"
    "Start a session and connect to Claude Code inside it. Without NAME: the\n"
    "session of the current directory, or the only one. Detach with Ctrl-b d\n"
    "(inside another tmux: Ctrl-b Ctrl-b d, or --detach-keys); the agent keeps\n"
    "running. Reconnect with 'paude connect'.\n"
    "\n"
    "Once the code is in the workspace, start runs the project's lifecycle\n"
    "commands in it, with their output shown (devcontainer.json onCreateCommand,\n"
    "updateContentCommand and postCreateCommand, or paude.json \"setup\", until\n"
    "they have succeeded once; postStartCommand after each start of the\n"
    "container; postAttachCommand before attaching).\n"
    "\n"
    "Options:\n"
    "  -d, --detach     start the session and the agent, but do not attach\n"
    "  --forward-ports  forward the configuration's forwardPorts to this host's\n"
    "                   loopback in the background (see paude port-forward)\n" CLI_DETACH_KEYS_HELP
	CLI_COMMON_HELP;

enum { OPT_FORWARD_PORTS = CLI_OPT_FIRST_PRIVATE, OPT_DETACH_KEYS };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "detach", no_argument, NULL, 'd' },
	{ "forward-ports", no_argument, NULL, OPT_FORWARD_PORTS },
	{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
	{ NULL, 0, NULL, 0 },
};

/*
 * The configuration's forwardPorts: listed, and with --forward-ports
 * forwarded in the background by `paude port-forward --detach` (this very
 * program), skipping those already forwarded.
 */
static int
forward_ports(struct paude_runner *runner, const struct paude_session *s, bool forward,
	      struct paude_error **err)
{
	if (!s->forward_ports.nr)
		return 0;
	_cleanup_buf_ struct paude_buf list = PAUDE_BUF_INIT;
	for (size_t i = 0; i < s->forward_ports.nr; i++)
		paude_buf_addf(&list, NULL, "%s%s", i ? ", " : "", s->forward_ports.v[i]);
	if (!forward) {
		paude_info("The configuration offers port%s %s: forward with: paude start "
			   "--forward-ports %s (or: paude port-forward %s PORT)",
			   s->forward_ports.nr == 1 ? "" : "s", list.buf, s->name, s->name);
		return 0;
	}
	struct paude_forward *active = NULL;
	size_t n_active = 0;
	int r = paude_forward_list(&active, &n_active, s->name, err);
	if (r < 0)
		return r;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_free_ char *self = NULL;
	if (paude_realpath(&self, "/proc/self/exe", err) < 0) {
		free(active);
		return PAUDE_EGENERIC;
	}
	paude_strvec_pushl(&c.args, self, "port-forward", "--detach", "--", s->name, NULL);
	size_t todo = 0;
	for (size_t i = 0; i < s->forward_ports.nr; i++) {
		bool running = false;
		for (size_t k = 0; k < n_active; k++)
			running |= strtoul(s->forward_ports.v[i], NULL, 10) == active[k].port;
		if (running) {
			paude_info("Port %s of '%s' is already forwarded", s->forward_ports.v[i],
				   s->name);
			continue;
		}
		paude_strvec_push(&c.args, s->forward_ports.v[i]);
		todo++;
	}
	free(active);
	if (!todo)
		return 0;
	c.no_stdin = 1;
	int status = 0;
	if ((r = paude_child_start(runner, &c, err)) < 0 ||
	    (r = paude_child_finish(runner, &c, &status, err)) < 0)
		return r;
	if (status != 0)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "cannot forward the ports of session '%s' (exit %d; forward "
				       "one by one with: paude port-forward %s PORT:HOST_PORT)",
				       s->name, status, s->name);
	return 0;
}

int
cmd_start(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "start", usage, CLI_COMMON_SHORT "d", opts };
	bool detach = false, forward = false;
	struct paude_cli_attach_opts ao = { 0 };
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case 'd':
			detach = true;
			break;
		case OPT_FORWARD_PORTS:
			forward = true;
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
		return paude_cli_usage_error(err, "start", "too many arguments");
	const char *name = optind < argc ? argv[optind] : NULL;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
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
	if ((r = paude_agent_launch(b, &s, err)) < 0)
		return r;
	/* A mounted workspace is the user's tree: nothing to push. */
	if (s.workspace_mode != PAUDE_WORKSPACE_MOUNT)
		paude_cli_hint_empty_workspace(b, s.name);
	/* The forwarder is a process of this machine (its relays reach the
	 * session as this command does, over SSH for a remote host's). */
	const struct paude_reach reach = paude_cli_reach(ctx);
	if ((r = forward_ports(reach.local, &s, forward, err)) < 0)
		return r;
	/* Said before attaching, where it stays on the screen: attaching would
	 * only show Claude Code asking for a login. */
	if (paude_cli_lacks_provider(b, &s)) {
		_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
		paude_setup_no_provider_help(&what, s.name);
		paude_warn("%s", what.buf);
		paude_info("Session '%s' is running, not attached. To log in inside it: paude "
			   "connect %s",
			   s.name, s.name);
		return 0;
	}
	if (detach || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		paude_info("Session '%s' is running. Connect with: paude connect %s", s.name,
			   s.name);
		return 0;
	}
	paude_cli_run_post_attach(b, &s);
	if ((r = paude_cli_attach(b, s.name, &ao, err)) < 0)
		return r;
	paude_cli_after_detach(ctx, &s);
	return 0;
}
