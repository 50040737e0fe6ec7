/* SPDX-License-Identifier: MIT */
/* The command table's entry type and the commands. */
#ifndef PAUDE_CMD_H
#define PAUDE_CMD_H

#include <stdbool.h>
#include "paude/core/error.h"
#include "paude/session/location.h"

struct paude_ssh;

struct paude_cmd_ctx {
	/*
	 * Where the options narrow the command to: ANY (wherever the session
	 * is), PODMAN (--backend=podman), CLUSTER (--backend=openshift or
	 * kubernetes; context and namespace from --openshift-context and
	 * --openshift-namespace, NULL: the current ones) or SSH (--host).
	 * Owned: whoever made the context releases it.
	 */
	struct paude_location where;
	struct paude_runner *runner;
	/* The connection runner runs on, when the command works on a remote
	 * host (--host, or the host the index records for its session). */
	struct paude_ssh *ssh;
	/* Every host connected to (ssh is one of them), once each; main
	 * frees them (host.c). */
	struct paude_cli_host {
		struct paude_location at;
		struct paude_ssh *ssh;
	} * hosts;
	size_t nhosts;
};

struct paude_cmd_spec {
	const char *name;
	int (*fn)(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
	const char *summary;
};

/* Each command: cmd_<verb>, the type of paude_cmd_spec.fn. */
int cmd_completion(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_connect(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_create(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_delete(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_doctor(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_list(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_network(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_port_forward(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_start(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_status(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
int cmd_stop(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);

#endif
