/* SPDX-License-Identifier: MIT */
/*
 * paude-NAME remotes and the in-process push, on real repositories in a
 * temporary directory. The push goes through a stand-in backend whose
 * "exec into the session" runs the service on a local repository with the
 * real runner (STYLE-DETAILS 8.11.2): libgit2's protocol, our subtransport
 * and the pipes are all real; only the container is missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/git/git-remote.h"
#include "paude/core/fs.h"

static char tmp[256];
static char session_repo[300]; /* what "/pvc/workspace" stands for */

static void
git(const char *dir, ...)
{
	struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "git", "-C", dir, "-c", "user.name=T", "-c",
			   "user.email=t@example.com", "-c", "init.defaultBranch=main", NULL);
	va_list ap;
	va_start(ap, dir);
	for (const char *a; (a = va_arg(ap, const char *));)
		paude_strvec_push(&c.args, a);
	va_end(ap);
	struct paude_error *err = NULL;
	if (paude_run_output(paude_runner_default(), &c, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	paude_child_release(&c);
}

static char *
git_out(const char *dir, const char *a1, const char *a2, const char *a3)
{
	struct paude_child c = PAUDE_CHILD_INIT;
	struct paude_buf out = PAUDE_BUF_INIT;
	paude_strvec_pushl(&c.args, "git", "-C", dir, a1, a2, a3, NULL);
	if (paude_run_output(paude_runner_default(), &c, &out, NULL) < 0)
		paude_buf_reset(&out);
	paude_buf_rtrim(&out);
	paude_child_release(&c);
	return paude_buf_detach(&out);
}

/* --- a backend whose sessions live in local directories ------------------ */

static int
si_get(struct paude_backend *b, const char *name, struct paude_session *out,
       struct paude_error **err)
{
	(void)b;
	if (!strcmp(name, "nope"))
		return paude_error_set(err, PAUDE_ENOTFOUND, 0, "no session");
	out->name = strdup(name);
	out->state = strcmp(name, "down") ? PAUDE_SESSION_RUNNING : PAUDE_SESSION_STOPPED;
	return 0;
}

/*
 * The push is git's own, through `git-remote-paude`: a stand-in helper on
 * PATH (git's t5801 trick) whose "session" is the local repository
 * session_repo, so protocol, pipes and git are real.
 */
static const char helper_script[] = "#!/bin/sh\n"
				    "while read -r cmd arg; do\n"
				    "\tcase \"$cmd\" in\n"
				    "\tcapabilities) printf '*connect\\n\\n' ;;\n"
				    "\toption) echo unsupported ;;\n"
				    "\tconnect) printf '\\n'\n"
				    /* TEST_NOISY: first escape sequences and more than a pipe holds
				     * (70000 bytes) on stderr, as a hostile session could. */
				    "\t\tif [ -n \"$TEST_NOISY\" ]; then\n"
				    "\t\t\tprintf '\\033]52;c;cGF5bG9hZA==\\007\\033[2J' >&2\n"
				    "\t\t\thead -c 70000 /dev/zero | tr '\\0' x >&2\n"
				    "\t\tfi\n"
				    "\t\texec \"$arg\" \"$TEST_SESSION_REPO\" ;;\n"
				    "\t*) exit 0 ;;\n"
				    "\tesac\n"
				    "done\n";

static const struct paude_backend_ops local_ops = {
	.name = "local",
	.get = si_get,
};

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/paude-test-git-remote.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmp));
	snprintf(session_repo, sizeof(session_repo), "%s/session", tmp);
	char work[300];
	snprintf(work, sizeof(work), "%s/work", tmp);
	assert_int_equal(paude_mkdir_p(work, 0700, NULL), 0);
	assert_int_equal(paude_mkdir_p(session_repo, 0700, NULL), 0);
	git(work, "init", "-q", NULL);
	git(session_repo, "init", "-q", NULL);
	git(session_repo, "config", "receive.denyCurrentBranch", "updateInstead", NULL);
	char bin[300], helper[340];
	snprintf(bin, sizeof(bin), "%s/bin", tmp);
	snprintf(helper, sizeof(helper), "%s/git-remote-paude", bin);
	assert_int_equal(paude_mkdir_p(bin, 0700, NULL), 0);
	assert_int_equal(paude_write_file(helper, helper_script, strlen(helper_script), 0700, NULL),
			 0);
	static char path[8192];
	snprintf(path, sizeof(path), "%s:%s", bin,
		 getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	setenv("TEST_SESSION_REPO", session_repo, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "rm", "-rf", "--", tmp, NULL);
	paude_run_output(paude_runner_default(), &c, NULL, NULL);
	paude_child_release(&c);
	return 0;
}

static const char *
work_dir(void)
{
	static char w[300];
	snprintf(w, sizeof(w), "%s/work", tmp);
	return w;
}

static void
add(const char *address, int want)
{
	struct paude_address a = PAUDE_ADDRESS_INIT;
	struct paude_error *err = NULL;
	assert_int_equal(paude_address_parse(&a, address, NULL), 0);
	assert_int_equal(paude_remote_add(work_dir(), &a, &err), want);
	if (want == PAUDE_EEXISTS)
		assert_non_null(strstr(err->msg, "already exists with URL"));
	paude_error_free(err);
	paude_address_release(&a);
}

static void
test_remote_add_is_idempotent_and_refuses_conflicts(void **state)
{
	(void)state;
	add("x", 0);
	char *url = git_out(work_dir(), "config", "--get", "remote.paude-x.url");
	assert_string_equal(url, "paude::x");
	free(url);
	char *fetch = git_out(work_dir(), "config", "--get", "remote.paude-x.fetch");
	assert_string_equal(fetch, "+refs/heads/*:refs/remotes/paude-x/*");
	free(fetch);
	add("x", 0);
	add("podman/x", PAUDE_EEXISTS);
	add("openshift/ns/y", 0);
	url = git_out(work_dir(), "config", "--get", "remote.paude-y.url");
	assert_string_equal(url, "paude::openshift/ns/y");
	free(url);
}

static void
test_remote_list_shows_only_paude_remotes(void **state)
{
	(void)state;
	add("x", 0);
	git(work_dir(), "remote", "add", "origin", "https://example.invalid/r.git", NULL);
	git(work_dir(), "remote", "add", "odd", "paude::Not/A/Valid/Address/x", NULL);
	struct paude_remote_list l = { 0 };
	assert_int_equal(paude_remote_list(work_dir(), &l, NULL), 0);
	assert_int_equal(l.nr, 2);
	for (size_t i = 0; i < l.nr; i++) {
		if (!strcmp(l.v[i].remote, "paude-x")) {
			assert_string_equal(l.v[i].url, "paude::x");
			assert_string_equal(l.v[i].session, "x");
		} else {
			assert_string_equal(l.v[i].remote, "odd");
			assert_null(l.v[i].session);
		}
	}
	paude_remote_list_release(&l);
}

static void
test_remote_remove_leaves_other_remotes_alone(void **state)
{
	(void)state;
	struct paude_error *err = NULL;
	add("x", 0);
	git(work_dir(), "remote", "add", "paude-mine", "https://example.invalid/r.git", NULL);
	assert_int_equal(paude_remote_remove(work_dir(), "x", NULL), 0);
	char *url = git_out(work_dir(), "config", "--get", "remote.paude-x.url");
	assert_string_equal(url, "");
	free(url);
	assert_int_equal(paude_remote_remove(work_dir(), "x", &err), PAUDE_ENOTFOUND);
	paude_error_clear(&err);
	assert_int_equal(paude_remote_remove(work_dir(), "mine", &err), PAUDE_ENOTFOUND);
	paude_error_clear(&err);
	url = git_out(work_dir(), "config", "--get", "remote.paude-mine.url");
	assert_string_equal(url, "https://example.invalid/r.git");
	free(url);
	assert_int_equal(paude_remote_remove(work_dir(), "--x", &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_int_equal(paude_remote_remove("/", "x", &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "'/' is not in a git repository (run this inside your "
				      "project's repository, or create one with: git init)");
	paude_error_free(err);
}

static void
test_current_branch_unborn_and_detached(void **state)
{
	(void)state;
	char *b = NULL;
	struct paude_error *err = NULL;
	git(work_dir(), "symbolic-ref", "HEAD", "refs/heads/trunk", NULL);
	assert_int_equal(paude_repo_current_branch(work_dir(), &b, NULL), 0);
	assert_string_equal(b, "trunk");
	free(b);
	git(work_dir(), "commit", "-q", "--allow-empty", "-m", "one", NULL);
	git(work_dir(), "checkout", "-q", "--detach", NULL);
	b = NULL;
	assert_int_equal(paude_repo_current_branch(work_dir(), &b, &err), PAUDE_ESTATE);
	assert_null(b);
	assert_non_null(strstr(err->msg, "HEAD is detached"));
	paude_error_free(err);
}

static void
commit_file(const char *dir, const char *file, const char *text)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(paude_write_file(path, text, strlen(text), 0644, NULL), 0);
	git(dir, "add", file, NULL);
	git(dir, "commit", "-q", "-m", file, NULL);
}

static void
test_push_goes_through_the_tunnel_and_updates_the_checkout(void **state)
{
	(void)state;
	struct paude_backend b = { .ops = &local_ops, .runner = paude_runner_default() };
	struct paude_error *dbg = NULL;
	commit_file(work_dir(), "hello.txt", "hello\n");
	add("s1", 0);
	int pr = paude_remote_push(work_dir(), &b, "s1", "main", &dbg);
	if (dbg)
		fail_msg("%s", dbg->msg);
	assert_int_equal(pr, 0);
	char *here = git_out(work_dir(), "rev-parse", "HEAD^{tree}", NULL);
	char *there = git_out(session_repo, "rev-parse", "HEAD^{tree}", NULL);
	assert_string_equal(here, there);
	free(there);
	free(here);
	/* updateInstead: the session's files changed too. */
	char path[400];
	struct paude_buf f = PAUDE_BUF_INIT;
	snprintf(path, sizeof(path), "%s/hello.txt", session_repo);
	assert_int_equal(paude_buf_read_file(&f, path, NULL), 0);
	assert_string_equal(f.buf, "hello\n");
	paude_buf_release(&f);
	/* git push updates the remote-tracking ref; so do we. */
	char *tracking = git_out(work_dir(), "rev-parse", "refs/remotes/paude-s1/main", NULL);
	char *head = git_out(work_dir(), "rev-parse", "HEAD", NULL);
	assert_string_equal(tracking, head);
	free(tracking);
	free(head);
}

static void
test_push_keeps_the_sessions_stderr_off_the_terminal(void **state)
{
	(void)state;
	struct paude_backend b = { .ops = &local_ops, .runner = paude_runner_default() };
	commit_file(work_dir(), "n.txt", "n\n");
	add("s1", 0);
	char path[] = "/tmp/paude-test-stderr.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	/* More stderr than a pipe holds must not stall the push either. */
	setenv("TEST_NOISY", "1", 1);
	struct paude_error *err = NULL;
	int r = paude_remote_push(work_dir(), &b, "s1", "main", &err);
	unsetenv("TEST_NOISY");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (err)
		fail_msg("%.300s", err->msg);
	assert_int_equal(r, 0);
	struct paude_buf got = PAUDE_BUF_INIT;
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(paude_buf_read_fd(&got, fd, NULL), 0);
	close(fd);
	assert_null(strchr(got.buf, 0x1b));
	assert_null(strstr(got.buf, "xxxx"));
	paude_buf_release(&got);
	char *there = git_out(session_repo, "rev-parse", "HEAD", NULL);
	char *here = git_out(work_dir(), "rev-parse", "HEAD", NULL);
	assert_string_equal(here, there);
	free(there);
	free(here);
}

static void
test_push_rejected_when_session_moved_on(void **state)
{
	(void)state;
	struct paude_backend b = { .ops = &local_ops, .runner = paude_runner_default() };
	struct paude_error *err = NULL;
	commit_file(work_dir(), "a.txt", "a\n");
	add("s1", 0);
	assert_int_equal(paude_remote_push(work_dir(), &b, "s1", "main", NULL), 0);
	/* The agent commits in the session; we commit something else locally. */
	commit_file(session_repo, "agent.txt", "agent\n");
	char *theirs = git_out(session_repo, "rev-parse", "HEAD", NULL);
	commit_file(work_dir(), "mine.txt", "mine\n");
	int r = paude_remote_push(work_dir(), &b, "s1", "main", &err);
	assert_int_equal(r, PAUDE_ESTATE);
	if (!strstr(err->msg, "git pull paude-s1 main"))
		fail_msg("unexpected message: %s", err->msg);
	paude_error_free(err);
	char *now = git_out(session_repo, "rev-parse", "HEAD", NULL);
	assert_string_equal(now, theirs); /* nothing lost */
	free(now);
	free(theirs);
}

static void
test_push_refused_for_uncommitted_work_says_what_to_do(void **state)
{
	(void)state;
	struct paude_backend b = { .ops = &local_ops, .runner = paude_runner_default() };
	struct paude_error *err = NULL;
	commit_file(work_dir(), "a.txt", "a\n");
	add("s1", 0);
	assert_int_equal(paude_remote_push(work_dir(), &b, "s1", "main", NULL), 0);
	/* The agent changed a file without committing; we push a new commit. */
	char path[4096];
	(void)snprintf(path, sizeof(path), "%s/a.txt", session_repo);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	(void)fputs("agent's edit\n", f);
	(void)fclose(f);
	commit_file(work_dir(), "b.txt", "b\n");
	assert_int_equal(paude_remote_push(work_dir(), &b, "s1", "main", &err), PAUDE_ESTATE);
	/* Not "git pull" alone: a pull cannot fetch uncommitted work. */
	if (!strstr(err->msg, "Working directory has unstaged changes") ||
	    !strstr(err->msg, "the agent has uncommitted changes there, which git pull cannot "
			      "fetch: have the agent commit them (paude connect s1), then: git "
			      "pull paude-s1 main, and push again"))
		fail_msg("unexpected message: %s", err->msg);
	paude_error_free(err);
}

static void
test_push_refuses_stopped_session_and_bad_branch(void **state)
{
	(void)state;
	struct paude_backend b = { .ops = &local_ops, .runner = paude_runner_default() };
	struct paude_error *err = NULL;
	commit_file(work_dir(), "a.txt", "a\n");
	add("down", 0);
	assert_int_equal(paude_remote_push(work_dir(), &b, "down", "main", &err), PAUDE_ESTATE);
	assert_string_equal(err->msg,
			    "session 'down' is not running (start it with: paude start -d down)");
	paude_error_clear(&err);
	char *there = git_out(session_repo, "rev-parse", "-q", "--verify");
	assert_string_equal(there, "");
	free(there);
	add("s1", 0);
	assert_int_equal(paude_remote_push(work_dir(), &b, "s1", "-f", &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_int_equal(paude_remote_push(work_dir(), &b, "s1", "a..b", &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_int_equal(paude_remote_push(work_dir(), &b, "s1", "unborn", &err), PAUDE_ESTATE);
	assert_string_equal(err->msg, "nothing to push: branch 'unborn' has no commits yet (commit "
				      "first, then: git push paude-s1 unborn)");
	paude_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remote_add_is_idempotent_and_refuses_conflicts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_list_shows_only_paude_remotes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remote_remove_leaves_other_remotes_alone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_current_branch_unborn_and_detached, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_push_goes_through_the_tunnel_and_updates_the_checkout, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_push_keeps_the_sessions_stderr_off_the_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_rejected_when_session_moved_on, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_push_refused_for_uncommitted_work_says_what_to_do, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_refuses_stopped_session_and_bad_branch,
						setup, teardown),
	};
	return cmocka_run_group_tests_name("git-remote", tests, NULL, NULL);
}
