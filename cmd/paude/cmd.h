/* SPDX-License-Identifier: MIT */
/* The command table's entry type and the commands. */
#ifndef PAUDE_CMD_H
#define PAUDE_CMD_H

#include <stdbool.h>
#include "paude/error.h"

struct paude_cmd_ctx {
	const char *backend; /* --backend given globally, or NULL */
};

struct paude_cmd_spec {
	const char *name;
	int (*fn)(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);
	const char *summary;
};

#endif
