/* SPDX-License-Identifier: MIT */
/* The project's lifecycle commands, run inside the session by
 * lib/agent/lifecycle-run.c: what the user is told (setup-run.c). */
#ifndef PAUDE_SETUP_RUN_H
#define PAUDE_SETUP_RUN_H

#include "paude/backend/backend.h"
#include "paude/core/error.h"
#include "paude/session/session.h"

/*
 * Run the session's lifecycle commands that are due
 * (paude_lifecycle_run_setup), their output to stderr and what happens
 * said. PAUDE_ECHILD naming the hook, the command and its exit status when
 * one fails.
 */
int paude_cli_run_setup(struct paude_backend *b, const struct paude_session *s,
			struct paude_error **err);
/* postAttachCommand, before attaching a terminal (none: nothing); a
 * failure is a warning. */
void paude_cli_run_post_attach(struct paude_backend *b, const struct paude_session *s);

#endif
