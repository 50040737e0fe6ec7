/* SPDX-License-Identifier: MIT */
/*
 * The workspace repository inside a session: probing what it holds and
 * preparing it to receive pushes, with plain git commands run through the
 * backend's exec (stdin closed, output captured and capped).
 */
#include <string.h>
#include <git2.h>
#include "paude/git/workspace.h"
#include "paude/git/tunnel.h"
#include "core/untrusted.h"
#include "core/banned.h"

/* Run argv in the session, stdin from /dev/null, capturing stdout (capped). */
static int
run_in(struct paude_backend *b, const char *name, const char *const *argv, struct paude_buf *out,
       int *ret_status, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(64 << 10);
	int r = paude_backend_exec_prepare(b, name, 0, argv, &c, err);
	if (r < 0)
		return r;
	int status = 0;
	r = paude_run_capture(b->runner, &c, NULL, 0, out, &errbuf, &status, err);
	if (r < 0)
		return r;
	if (ret_status) {
		*ret_status = status;
		return 0;
	}
	if (status != 0)
		return paude_child_error(err, &c, status, errbuf.buf, errbuf.len);
	return 0;
}

int
paude_workspace_probe(struct paude_backend *b, const char *name, enum paude_workspace_state *out,
		      struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct paude_buf refs = PAUDE_BUF_INIT_MAX(64 << 10);
	const char *argv[] = { "git",
			       "-C",
			       PAUDE_WORKSPACE_DIR,
			       "for-each-ref",
			       "--count=1",
			       "--format=%(refname)",
			       NULL };
	int status = 0;
	r = run_in(b, name, argv, &refs, &status, err);
	if (r < 0)
		return r;
	/* git exits 128 outside a repository; podman's own failures are 125-127. */
	if (status == 128) {
		*out = PAUDE_WORKSPACE_NO_REPO;
		return 0;
	}
	if (status != 0)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "cannot look at the workspace of session '%s': git exited "
				       "with status %d",
				       name, status);
	paude_buf_rtrim(&refs);
	*out = refs.len ? PAUDE_WORKSPACE_HAS_COMMITS : PAUDE_WORKSPACE_EMPTY;
	return 0;
}

int
paude_workspace_init(struct paude_backend *b, const char *name, const char *branch,
		     struct paude_error **err)
{
	int valid = 0;
	if (branch && !paude_looks_like_option(branch) && git_libgit2_init() >= 0) {
		if (git_branch_name_is_valid(&valid, branch) < 0)
			valid = 0;
		git_libgit2_shutdown();
	}
	if (!valid) {
		char shown[96];
		paude_show_untrusted(shown, sizeof(shown), branch ? branch : "",
				     branch ? strlen(branch) : 0);
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid branch name '%s'", shown);
	}
	enum paude_workspace_state st = PAUDE_WORKSPACE_NO_REPO;
	int r = paude_tunnel_check(b, name, err);
	if (r < 0)
		return r;
	r = paude_workspace_probe(b, name, &st, err);
	if (r < 0)
		return r;
	if (st == PAUDE_WORKSPACE_NO_REPO) {
		const char *init[] = { "git", "init", "-q", "-b", branch, "--", PAUDE_WORKSPACE_DIR,
				       NULL };
		r = run_in(b, name, init, NULL, NULL, err);
		if (r < 0)
			return paude_error_wrap(err, r,
						"cannot initialise the workspace repository of "
						"session '%s'",
						name);
	}
	const char *cfg[] = {
		"git",           "-C", PAUDE_WORKSPACE_DIR, "config", "receive.denyCurrentBranch",
		"updateInstead", NULL
	};
	r = run_in(b, name, cfg, NULL, NULL, err);
	if (r < 0)
		return paude_error_wrap(err, r,
					"cannot configure the workspace repository of session "
					"'%s'",
					name);
	return 0;
}
