/* SPDX-License-Identifier: MIT */
/* The project's lifecycle commands, run inside the session (setup-run.c). */
#ifndef PAUDE_SETUP_RUN_H
#define PAUDE_SETUP_RUN_H

#include "paude/backend.h"
#include "paude/error.h"
#include "paude/session.h"
#include "paude/strvec.h"

/*
 * Run the session's lifecycle commands that are due: the
 * create-time ones if they never succeeded there and the code is in the
 * workspace, then postStartCommand once per container start. Output goes to
 * stderr. PAUDE_ECHILD naming the hook, the command and its exit status when
 * one fails.
 */
int paude_cli_run_setup(struct paude_backend *b, const struct paude_session *s,
			struct paude_error **err);
/* postAttachCommand, before attaching; a failure is a warning. */
void paude_cli_run_post_attach(struct paude_backend *b, const struct paude_session *s);
/* The argv words ("env" "-u" K "K=V"...) that give a command the session's
 * remoteEnv, ${containerEnv:...} resolved in it; none without remoteEnv. */
int paude_cli_remote_env_prefix(struct paude_backend *b, const struct paude_session *s,
				struct paude_strvec *out, struct paude_error **err);

#endif
