/* SPDX-License-Identifier: MIT */
/*
 * The remote Podman hosts a command works on (--host, else PAUDE_HOST, or
 * the host the index records for a session): one SSH connection per host
 * for the whole command, and the command's runner pointed at the one it
 * works on, so every podman call of the backend runs on that host; the
 * command's location says which host.
 */
#include <stdlib.h>
#include "cli.h"
#include "host.h"
#include "paude/core/log.h"
#include "paude/backend/ssh.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"

const char *
paude_cli_host(const char *opt)
{
	if (opt)
		return *opt ? opt : NULL;
	const char *env = getenv("PAUDE_HOST");
	return env && *env ? env : NULL;
}

/* The connection to SSH location at, made on first use. */
static int
host_connection(struct paude_cmd_ctx *ctx, const struct paude_location *at, struct paude_ssh **out,
		struct paude_error **err)
{
	for (size_t i = 0; i < ctx->nhosts; i++) {
		if (paude_location_equal(&ctx->hosts[i].at, at)) {
			*out = ctx->hosts[i].ssh;
			return 0;
		}
	}
	_cleanup_buf_ struct paude_buf addr = PAUDE_BUF_INIT;
	paude_location_ssh_address(at, &addr);
	_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
	int r = paude_ssh_target_resolve(&t, addr.buf, err);
	if (r < 0)
		return r;
	struct paude_ssh *s = NULL;
	if ((r = paude_ssh_connect(&s, &t, err)) < 0)
		return r;
	paude_debug("connected to '%s' (%s)", paude_ssh_name(s), addr.buf);
	ctx->hosts = paude_xrealloc(ctx->hosts, ctx->nhosts + 1, sizeof(*ctx->hosts));
	struct paude_cli_host *h = &ctx->hosts[ctx->nhosts++];
	*h = (struct paude_cli_host){ .at = PAUDE_LOCATION_INIT, .ssh = s };
	paude_location_copy(&h->at, at);
	*out = s;
	return 0;
}

int
paude_cli_host_runner(struct paude_cmd_ctx *ctx, const struct paude_location *at,
		      struct paude_runner **out, struct paude_error **err)
{
	struct paude_ssh *s = NULL;
	int r = host_connection(ctx, at, &s, err);
	if (r < 0)
		return r;
	*out = paude_ssh_runner(s);
	return 0;
}

static int
reach_host(void *ud, const struct paude_location *at, struct paude_runner **out,
	   struct paude_error **err)
{
	return paude_cli_host_runner(ud, at, out, err);
}

struct paude_reach
paude_cli_reach(struct paude_cmd_ctx *ctx)
{
	/* This machine's runner: the command's, unless that runs on a host. */
	return (struct paude_reach){ .local = paude_runner_local(ctx->runner),
				     .host = reach_host,
				     .ud = ctx };
}

/* Run the command on the host at from now on. */
static int
go_to(struct paude_cmd_ctx *ctx, const struct paude_location *at, struct paude_error **err)
{
	if (ctx->ssh)
		PAUDE_BUG("the command is on a host already");
	struct paude_ssh *s = NULL;
	int r = host_connection(ctx, at, &s, err);
	if (r < 0)
		return r;
	ctx->ssh = s;
	ctx->runner = paude_ssh_runner(s);
	/* Sessions there are that host's Podman's. */
	paude_location_copy(&ctx->where, at);
	paude_debug("commands run on '%s' over SSH", paude_ssh_name(s));
	return 0;
}

int
paude_cli_use_host(struct paude_cmd_ctx *ctx, const char *host, struct paude_error **err)
{
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	int r = paude_location_ssh(&at, host, err);
	if (r < 0)
		return r;
	return go_to(ctx, &at, err);
}

int
paude_cli_follow_session(struct paude_cmd_ctx *ctx, const struct paude_session *s,
			 struct paude_error **err)
{
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	if (ctx->ssh || paude_location_from_stored(&at, s->backend, s->location, NULL) < 0 ||
	    at.kind != PAUDE_LOCATION_SSH)
		return 0;
	return go_to(ctx, &at, err);
}

void
paude_cli_hosts_release(struct paude_cmd_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nhosts; i++) {
		paude_ssh_free(ctx->hosts[i].ssh);
		paude_location_release(&ctx->hosts[i].at);
	}
	free(ctx->hosts);
	ctx->hosts = NULL;
	ctx->nhosts = 0;
	ctx->ssh = NULL;
}
