/* SPDX-License-Identifier: MIT */
/* paude remote: git remotes for sessions (cmd-remote.c). */
#ifndef PAUDE_CMD_REMOTE_H
#define PAUDE_CMD_REMOTE_H

#include "cmd.h"
#include "paude/backend/backend.h"

/*
 * What `paude remote add [--push]` does, for create too: make session s's
 * workspace a repository on branch, add remote paude-NAME to the repository
 * at repo_dir (recorded for `paude delete`), and with push, push branch
 * (the session must be running). *added says whether the remote is new
 * (the caller's to remove again if it gives up).
 */
int paude_cmd_remote_setup(struct paude_backend *b, const struct paude_session *s,
			   const char *repo_dir, const char *branch, bool push, bool *added,
			   struct paude_error **err);

int cmd_remote(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err);

#endif
