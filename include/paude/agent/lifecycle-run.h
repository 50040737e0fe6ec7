/* SPDX-License-Identifier: MIT */
/*
 * Running a session's lifecycle commands inside it, at the specification's
 * moments, with markers in the session volume recording what succeeded
 * (see lib/agent/lifecycle-run.c). What the user is told is the caller's: each
 * moment worth a message comes to its note callback.
 */
#ifndef PAUDE_LIFECYCLE_RUN_H
#define PAUDE_LIFECYCLE_RUN_H

#include <stdbool.h>
#include "paude/backend/backend.h"
#include "paude/core/error.h"
#include "paude/session/lifecycle.h"
#include "paude/session/session.h"
#include "paude/core/strvec.h"

enum paude_lifecycle_event {
	/* A command of hook starts (what: the command, n: commands of the hook;
	 * lone: the lone setup command, again: it failed last time). */
	PAUDE_LIFECYCLE_RUNNING,
	/* Another command of hook failed too (what, status). */
	PAUDE_LIFECYCLE_ALSO_FAILED,
	/* The create-time commands (not a lone setup) failed last time and run again. */
	PAUDE_LIFECYCLE_RETRY,
	/* The create-time commands finished (lone: the setup command). */
	PAUDE_LIFECYCLE_FINISHED,
	/* A volume workspace without code: the commands wait for it (lone). */
	PAUDE_LIFECYCLE_WAITING,
};

struct paude_lifecycle_note {
	enum paude_lifecycle_event event;
	const char *name; /* the session */
	enum paude_hook hook;
	const char *what;
	size_t n;
	int status;
	bool lone, again;
};

struct paude_lifecycle_run_opts {
	/* Where the commands' output goes, sanitized, as it comes (stderr). */
	int out_fd;
	/* Whether the code is in session s's workspace yet (a volume gets it
	 * with the first push); asked only of a volume workspace. NULL: it is. */
	int (*has_code)(void *ud, struct paude_backend *b, const struct paude_session *s, bool *yes,
			struct paude_error **err);
	/* Told what happens; may be NULL. */
	void (*note)(void *ud, const struct paude_lifecycle_note *n);
	void *ud; /* for has_code and note */
};

/*
 * The argv words that give a command the session's remoteEnv: "env" "-u"
 * K "K=V"..., with ${containerEnv:...} resolved from the session's
 * environment (asked of the session). Nothing without remoteEnv.
 */
int paude_lifecycle_remote_env_prefix(struct paude_backend *b, const struct paude_session *s,
				      struct paude_strvec *out, struct paude_error **err);

/*
 * Run the session's lifecycle commands that are due: the create-time ones
 * if they never succeeded there and the code is in the workspace, then
 * postStartCommand once per container start. PAUDE_ECHILD naming the hook,
 * the command and its exit status when one fails.
 */
int paude_lifecycle_run_setup(struct paude_backend *b, const struct paude_session *s,
			      const struct paude_lifecycle_run_opts *o, struct paude_error **err);

/* postAttachCommand (nothing without one). */
int paude_lifecycle_run_post_attach(struct paude_backend *b, const struct paude_session *s,
				    const struct paude_lifecycle_run_opts *o,
				    struct paude_error **err);

#endif
