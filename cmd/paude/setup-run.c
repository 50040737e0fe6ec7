/* SPDX-License-Identifier: MIT */
/*
 * The project's lifecycle commands, run inside the session by
 * lib/agent/lifecycle-run.c (which says when each runs and what it records);
 * here what the user is told about them, and their output on our stderr.
 */
#include <unistd.h>
#include "setup-run.h"
#include "cli.h"
#include "paude/agent/lifecycle-run.h"
#include "paude/core/log.h"
#include "paude/git/workspace.h"

static void
say(void *ud, const struct paude_lifecycle_note *n)
{
	(void)ud;
	switch (n->event) {
	case PAUDE_LIFECYCLE_RUNNING:
		if (n->lone)
			paude_info(n->again ? "The setup command failed last time; running it "
					      "again in %s: %s"
					    : "Running the setup command (once, in %s): %s",
				   PAUDE_WORKSPACE_DIR, n->what);
		else
			paude_info("Running %s%s (in %s): %s", paude_hook_name(n->hook),
				   n->n > 1 ? ", in parallel" : "", PAUDE_WORKSPACE_DIR, n->what);
		break;
	case PAUDE_LIFECYCLE_ALSO_FAILED:
		paude_warn("%s of session '%s' failed too (exit %d): %s", paude_hook_name(n->hook),
			   n->name, n->status, n->what);
		break;
	case PAUDE_LIFECYCLE_RETRY:
		paude_info("The lifecycle commands failed last time; running them again");
		break;
	case PAUDE_LIFECYCLE_FINISHED:
		paude_info(n->lone ? "Setup command finished" : "Lifecycle commands finished");
		break;
	case PAUDE_LIFECYCLE_WAITING:
		paude_info("The %s of '%s' wait%s for its code: %s when it arrives "
			   "(from your repository: paude remote add --push %s)",
			   n->lone ? "setup command" : "lifecycle commands", n->name,
			   n->lone ? "s" : "", n->lone ? "it runs" : "they run", n->name);
		break;
	}
}

static int
has_code(void *ud, struct paude_backend *b, const struct paude_session *s, bool *yes,
	 struct paude_error **err)
{
	(void)ud;
	enum paude_workspace_state ws = PAUDE_WORKSPACE_NO_REPO;
	int r = paude_workspace_probe(b, s->name, &ws, err);
	*yes = ws == PAUDE_WORKSPACE_HAS_COMMITS;
	return r;
}

static const struct paude_lifecycle_run_opts run_opts = {
	.out_fd = STDERR_FILENO,
	.has_code = has_code,
	.note = say,
};

int
paude_cli_run_setup(struct paude_backend *b, const struct paude_session *s,
		    struct paude_error **err)
{
	return paude_lifecycle_run_setup(b, s, &run_opts, err);
}

void
paude_cli_run_post_attach(struct paude_backend *b, const struct paude_session *s)
{
	/* Only when a terminal is attached next (paude_cli_attach needs one). */
	if (!s->lifecycle.hook[PAUDE_HOOK_POST_ATTACH].nr || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO))
		return;
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_lifecycle_run_post_attach(b, s, &run_opts, &err) < 0)
		paude_warn("%s (attaching anyway)", err->msg);
}
