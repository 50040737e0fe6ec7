/* SPDX-License-Identifier: MIT */
/* Sessions on a remote Podman host (host.c). */
#ifndef PAUDE_CLI_HOST_H
#define PAUDE_CLI_HOST_H

#include "cmd.h"
#include "paude/backend/locate.h"

/* The host asked for: opt (--host; "" means this machine), else PAUDE_HOST, else NULL. */
const char *paude_cli_host(const char *opt);

/*
 * Connect to host ([USER@]HOST[:PORT] or a ~/.ssh/config name) and point
 * ctx->runner at it; ctx->ssh holds the connection until main frees it.
 */
int paude_cli_use_host(struct paude_cmd_ctx *ctx, const char *host, struct paude_error **err);

/*
 * When session s lives on a remote host (its location, locate.h) and the
 * command is not on a host yet: point ctx (runner, ssh, where) at that
 * host, as --host would have, so everything the command runs for s runs
 * there. Nothing to do for other sessions.
 */
int paude_cli_follow_session(struct paude_cmd_ctx *ctx, const struct paude_session *s,
			     struct paude_error **err);

/* How the resolver reaches this machine and the hosts (connected on first
 * use, kept in ctx). */
struct paude_reach paude_cli_reach(struct paude_cmd_ctx *ctx);

/* The runner of the connection to SSH location at (connected on first use). */
int paude_cli_host_runner(struct paude_cmd_ctx *ctx, const struct paude_location *at,
			  struct paude_runner **out, struct paude_error **err);

/* Close every connection (main, at the end). */
void paude_cli_hosts_release(struct paude_cmd_ctx *ctx);

#endif
