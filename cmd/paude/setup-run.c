/* SPDX-License-Identifier: MIT */
/*
 * The project's setup command (paude.json "setup", devcontainer.json
 * "postCreateCommand"): run once inside a session, in its workspace, as
 * the session user, after the session first starts. Its argv is in the
 * session's labels, so `start` needs no config file. A marker in the
 * session volume (/pvc/.paude/setup-done), written only on success, keeps
 * later starts from running it again; a failure leaves another marker so
 * the next start says it is trying again.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "paude/log.h"
#include "paude/podman.h"
#include "paude/sanitize.h"

#define SETUP_STATE_DIR "/pvc/.paude"
#define SETUP_DONE SETUP_STATE_DIR "/setup-done"
#define SETUP_FAILED SETUP_STATE_DIR "/setup-failed"

/* Run argv in the session; *status is its exit status (nothing captured). */
static int
exec_status(struct paude_backend *b, const char *name, const char *const *argv, int *status,
	    struct paude_error **err)
{
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	int r = paude_backend_exec_prepare(b, name, 0, argv, &c, err);
	if (r < 0)
		return r;
	c.no_stdout = 1;
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(1 << 16);
	r = paude_run_capture(b->runner, &c, NULL, 0, NULL, &errbuf, status, err);
	if (r < 0)
		return r;
	/* 125-127: podman (or the exec) itself failed, not the test. */
	if (*status >= 125)
		return paude_child_error(err, &c, *status, errbuf.buf, errbuf.len);
	return 0;
}

static int
exec_ok(struct paude_backend *b, const char *name, const char *const *argv,
	struct paude_error **err)
{
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	int r = paude_backend_exec_prepare(b, name, 0, argv, &c, err);
	if (r < 0)
		return r;
	return paude_run_output(b->runner, &c, NULL, err);
}

/* The command as the user wrote it: the text of a string form, else the argv quoted. */
static void
describe(struct paude_buf *out, const struct paude_strvec *setup)
{
	if (setup->nr == 3 && !strcmp(setup->v[0], "sh") && !strcmp(setup->v[1], "-c"))
		paude_buf_addf(out, NULL, "%s", setup->v[2]);
	else
		paude_quote_argv(out, (const char *const *)setup->v);
}

int
paude_cli_run_setup(struct paude_backend *b, const struct paude_session *s,
		    struct paude_error **err)
{
	if (!s->setup.nr)
		return 0;
	const char *name = s->name;
	int st = 0, r;
	const char *const done[] = { "test", "-e", SETUP_DONE, NULL };
	if ((r = exec_status(b, name, done, &st, err)) < 0) {
		paude_error_wrap(err, "cannot check the setup state of session '%s'", name);
		return r;
	}
	if (st == 0) {
		paude_debug("setup of '%s' already ran", name);
		return 0;
	}
	const char *const failed[] = { "test", "-e", SETUP_FAILED, NULL };
	if ((r = exec_status(b, name, failed, &st, err)) < 0) {
		paude_error_wrap(err, "cannot check the setup state of session '%s'", name);
		return r;
	}
	bool again = st == 0;

	_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
	describe(&what, &s->setup);
	if (again)
		paude_info("The setup command failed last time; running it again in %s: %s",
			   PAUDE_WORKSPACE_DIR, what.buf);
	else
		paude_info("Running the setup command (once, in %s): %s", PAUDE_WORKSPACE_DIR,
			   what.buf);

	/*
	 * Its output is progress: to our stderr, as it comes, but through the
	 * sanitizer (it ran in the session, on files the agent may have
	 * written). No stdin.
	 */
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	if ((r = paude_backend_exec_prepare(b, name, 0, (const char *const *)s->setup.v, &c, err)) <
	    0)
		return r;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return paude_error_set(err, PAUDE_EGENERIC, errno, "cannot create a pipe");
	c.out = c.err = p[1]; /* start closes it */
	c.no_stdin = 1;
	if ((r = paude_child_start(b->runner, &c, err)) < 0) {
		close(p[0]);
		return r;
	}
	_cleanup_error_ struct paude_error *cerr = NULL;
	if (paude_sanitize_copy(p[0], STDERR_FILENO, PAUDE_SANITIZE_LINES, &cerr) < 0)
		paude_debug("setup output: %s", cerr->msg);
	close(p[0]);
	if ((r = paude_child_finish(b->runner, &c, &st, err)) < 0)
		return r;

	if (st != 0) {
		const char *const mark[] = { "sh", "-c",
					     "mkdir -p " SETUP_STATE_DIR " && : >" SETUP_FAILED,
					     NULL };
		_cleanup_error_ struct paude_error *merr = NULL;
		if (exec_ok(b, name, mark, &merr) < 0)
			paude_debug("cannot record the failed setup: %s", merr->msg);
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "the setup command of session '%s' failed (exit %d): %s "
				       "(it runs again at the next 'paude start %s'; to work in "
				       "the session as it is: paude connect %s)",
				       name, st, what.buf, name, name);
	}
	const char *const mark[] = { "sh", "-c",
				     "mkdir -p " SETUP_STATE_DIR " && : >" SETUP_DONE
				     " && rm -f " SETUP_FAILED,
				     NULL };
	if ((r = exec_ok(b, name, mark, err)) < 0) {
		paude_error_wrap(err, "cannot record that the setup of session '%s' ran", name);
		return r;
	}
	paude_info("Setup command finished");
	return 0;
}
