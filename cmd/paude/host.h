/* SPDX-License-Identifier: MIT */
/* Sessions on a remote Podman host (host.c). */
#ifndef PAUDE_CLI_HOST_H
#define PAUDE_CLI_HOST_H

#include "cmd.h"

/* The host asked for: opt (--host; "" means this machine), else PAUDE_HOST, else NULL. */
const char *paude_cli_host(const char *opt);

/*
 * Connect to host ([USER@]HOST[:PORT] or a ~/.ssh/config name) and point
 * ctx->runner at it; ctx->ssh holds the connection until main frees it.
 */
int paude_cli_use_host(struct paude_cmd_ctx *ctx, const char *host, struct paude_error **err);

#endif
