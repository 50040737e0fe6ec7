/* SPDX-License-Identifier: MIT */
/* The command table's entry type and the commands. */
#ifndef PAUDE_CMD_H
#define PAUDE_CMD_H

#include <stdbool.h>
#include "paude/error.h"

struct paude_ssh;

struct paude_cmd_ctx {
	const char *backend; /* --backend given ("podman", "openshift"), or NULL: wherever the
			      * session is */
	const char *kube_context; /* --openshift-context, or NULL: the current one */
	const char *kube_namespace; /* --openshift-namespace, or NULL: the context's */
	struct paude_runner *runner;
	struct paude_ssh *ssh; /* the connection to --host, when runner runs there */
};

struct paude_cmd_spec {
	const char *name;
	int (*fn)(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
	const char *summary;
};

#define PAUDE_CMD(verb)                                                                            \
	int cmd_##verb(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)

PAUDE_CMD(completion);
PAUDE_CMD(connect);
PAUDE_CMD(create);
PAUDE_CMD(delete);
PAUDE_CMD(doctor);
PAUDE_CMD(list);
PAUDE_CMD(network);
PAUDE_CMD(port_forward);
PAUDE_CMD(start);
PAUDE_CMD(status);
PAUDE_CMD(stop);

#endif
