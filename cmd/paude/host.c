/* SPDX-License-Identifier: MIT */
/*
 * The remote Podman host a command works on (--host, else PAUDE_HOST): one
 * SSH connection for the whole command, and the command's runner pointed
 * at it, so every podman call of the backend runs on that host; the
 * command's location says which host.
 */
#include <stdlib.h>
#include "cli.h"
#include "host.h"
#include "paude/core/log.h"
#include "paude/backend/ssh.h"

const char *
paude_cli_host(const char *opt)
{
	if (opt)
		return *opt ? opt : NULL;
	const char *env = getenv("PAUDE_HOST");
	return env && *env ? env : NULL;
}

int
paude_cli_use_host(struct paude_cmd_ctx *ctx, const char *host, struct paude_error **err)
{
	if (ctx->ssh)
		PAUDE_BUG("connected twice");
	_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
	int r = paude_ssh_target_resolve(&t, host, err);
	if (r < 0)
		return r;
	struct paude_ssh *s = NULL;
	if ((r = paude_ssh_connect(&s, &t, err)) < 0)
		return r;
	ctx->ssh = s;
	ctx->runner = paude_ssh_runner(s);
	/* Sessions there are that host's Podman's. */
	paude_location_release(&ctx->where);
	ctx->where.kind = PAUDE_LOCATION_SSH;
	ctx->where.user = TAKE_PTR(t.user);
	ctx->where.host = TAKE_PTR(t.hostname);
	ctx->where.port = t.port;
	paude_debug("commands run on '%s' over SSH", paude_ssh_name(s));
	return 0;
}
