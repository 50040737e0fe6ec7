/* SPDX-License-Identifier: MIT */
/*
 * paude port-forward: reach a port of a session from this host's loopback.
 * paude listens on 127.0.0.1 only and carries each connection over the
 * session's own exec channel (lib/agent/forward.c): no port is published and the
 * session's network policy does not change. --list shows the forwards that
 * run, --stop ends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "paude/agent/forward.h"
#include "paude/core/alloc.h"
#include "paude/core/log.h"

static const char usage[] =
    "usage: paude port-forward NAME PORT[:HOST_PORT]... [options]\n"
    "       paude port-forward --list [NAME]\n"
    "       paude port-forward --stop NAME [HOST_PORT]\n"
    "\n"
    "Forward 127.0.0.1:HOST_PORT on this host (default: the same number) to\n"
    "PORT inside session NAME, e.g. a dev server to open in a browser. Only\n"
    "this host's loopback listens; each connection is carried over the\n"
    "session's exec channel (no published ports, no change to its network\n"
    "policy). Runs until Ctrl-C, or in the background with --detach.\n"
    "\n"
    "Options:\n"
    "  -d, --detach   forward in the background (stop with --stop)\n"
    "  --list         list the forwards that run (of NAME, or all)\n"
    "  --stop         stop the forwards of NAME (or only HOST_PORT's)\n" CLI_COMMON_HELP;

enum {
	OPT_LIST = CLI_OPT_FIRST_PRIVATE,
	OPT_STOP,
};

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "detach", no_argument, NULL, 'd' },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "stop", no_argument, NULL, OPT_STOP },
	{ NULL, 0, NULL, 0 },
};

static int
list(const char *name, struct paude_error **err)
{
	struct paude_forward *v = NULL;
	size_t n = 0;
	int r = paude_forward_list(&v, &n, name, err);
	if (r < 0)
		return r;
	if (!n)
		paude_info("No port forwards%s%s.", name ? " of session " : "", name ? name : "");
	for (size_t i = 0; i < n; i++)
		printf("%s 127.0.0.1:%u -> %u (pid %ld)\n", v[i].session, v[i].host_port, v[i].port,
		       (long)v[i].pid);
	free(v);
	return 0;
}

static int
stop(int argc, char **argv, struct paude_error **err)
{
	if (argc < 1 || argc > 2)
		return paude_cli_usage_error(err, "port-forward", "--stop takes NAME [HOST_PORT]");
	struct paude_forward f;
	if (argc == 2 && paude_forward_parse(&f, argv[0], argv[1], err) < 0)
		return PAUDE_EUSAGE;
	if (paude_session_name_validate(argv[0], err) < 0)
		return PAUDE_EUSAGE;
	size_t stopped = 0;
	int r = paude_forward_stop(argv[0], argc == 2 ? f.host_port : 0, &stopped, err);
	if (r < 0)
		return r;
	paude_info("Stopped %zu port forward%s of session '%s'.", stopped, stopped == 1 ? "" : "s",
		   argv[0]);
	return 0;
}

int
cmd_port_forward(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "port-forward", usage, CLI_COMMON_SHORT "d",
						 opts };
	bool detach = false, do_list = false, do_stop = false;
	int opt;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case 'd':
			detach = true;
			break;
		case OPT_LIST:
			do_list = true;
			break;
		case OPT_STOP:
			do_stop = true;
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	argc -= optind;
	argv += optind;
	if (do_list + do_stop > 1 || ((do_list || do_stop) && detach))
		return paude_cli_usage_error(err, "port-forward",
					     "--list, --stop and --detach do not go together");
	if (do_list) {
		if (argc > 1)
			return paude_cli_usage_error(err, "port-forward", "--list takes [NAME]");
		return list(argc ? argv[0] : NULL, err);
	}
	if (do_stop)
		return stop(argc, argv, err);
	if (argc < 2)
		return paude_cli_usage_error(err, "port-forward", "give NAME and PORT[:HOST_PORT]");

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	int r = paude_cli_resolve_session(ctx, argv[0], &b, &s, err);
	if (r < 0)
		return r;
	if (s.state != PAUDE_SESSION_RUNNING)
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' is not running (start it with: paude start %s)", s.name, s.name);
	size_t n = (size_t)argc - 1;
	struct paude_forward *fw = paude_xcalloc(n, sizeof(*fw));
	for (size_t i = 0; i < n; i++)
		fw[i].fd = -1;
	for (size_t i = 0; i < n && r == 0; i++)
		r = paude_forward_parse(&fw[i], s.name, argv[i + 1], err);
	/* Listen first: a port in use is said here, before going anywhere. */
	for (size_t i = 0; i < n && r == 0; i++)
		r = paude_forward_listen(&fw[i], err);
	if (r == 0) {
		for (size_t i = 0; i < n; i++)
			paude_info("Forwarding 127.0.0.1:%u -> port %u in session '%s'",
				   fw[i].host_port, fw[i].port, s.name);
		if (detach)
			paude_info("In the background; stop with: paude port-forward --stop %s",
				   s.name);
		else
			paude_info("Ctrl-C stops it.");
	}
	bool parent = false;
	if (r == 0 && detach)
		r = paude_forward_detach(&parent, err);
	if (r == 0 && !parent)
		r = paude_forward_serve(b, fw, n, detach, err);
	for (size_t i = 0; i < n; i++)
		if (fw[i].fd >= 0)
			(void)close(fw[i].fd);
	free(fw);
	return r;
}
