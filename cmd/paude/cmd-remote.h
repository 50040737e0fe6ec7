/* SPDX-License-Identifier: MIT */
/* paude remote: git remotes for sessions (cmd-remote.c). */
#ifndef PAUDE_CMD_REMOTE_H
#define PAUDE_CMD_REMOTE_H

#include "cmd.h"

int cmd_remote(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);

#endif
