/* SPDX-License-Identifier: MIT */
/*
 * paude remote driven with the fake runner, inside a real temporary git
 * repository: the exact commands asked of podman, the remote written to the
 * repository's config, and the errors that must stop before anything runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include "paude/core/fs.h"
#include "cli-harness.h"
#include "scratch.h"
#include "../../cmd/paude/cmd-remote.h"

static char tmpdir[] = "/tmp/paude-test-cmd-remote.XXXXXX";
static char oldcwd[4096];

static void
git(const char *const *args)
{
	struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "git", "-c", "user.name=T", "-c", "user.email=t@example.com",
			   NULL);
	paude_strvec_pushv(&c.args, args);
	struct paude_error *err = NULL;
	if (paude_run_output(paude_runner_default(), &c, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	paude_child_release(&c);
}

static char *
git_config(const char *key)
{
	struct paude_child c = PAUDE_CHILD_INIT;
	struct paude_buf out = PAUDE_BUF_INIT;
	paude_strvec_pushl(&c.args, "git", "config", "--get", key, NULL);
	if (paude_run_output(paude_runner_default(), &c, &out, NULL) < 0)
		paude_buf_reset(&out);
	paude_buf_rtrim(&out);
	paude_child_release(&c);
	return paude_buf_detach(&out);
}

static int
setup(void **state)
{
	(void)state;
	memcpy(tmpdir + strlen(tmpdir) - 6, "XXXXXX", 6);
	if (!mkdtemp(tmpdir) || !getcwd(oldcwd, sizeof(oldcwd)) || chdir(tmpdir) < 0)
		return -1;
	setenv("HOME", tmpdir, 1);
	git(FAKE_ARGV("init", "-q", "-b", "trunk"));
	git(FAKE_ARGV("commit", "-q", "--allow-empty", "-m", "one"));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	scratch_remove(tmpdir);
	return 0;
}

#define PS_RUNNING                                                                                 \
	"[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":"         \
	"\"proj\",\"paude.io/workspace\":\"/elsewhere\"}}]"
#define PS_STOPPED                                                                                 \
	"[{\"State\":\"exited\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":"          \
	"\"proj\",\"paude.io/workspace\":\"/elsewhere\"}}]"
#define PROBE                                                                                      \
	FAKE_ARGV("podman", "exec", "paude-proj", "git", "-C", "/pvc/workspace", "for-each-ref")

static void
test_remote_add_prepares_workspace_on_our_branch(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = PS_RUNNING },
		{ .prefix = PROBE, .status = 128 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "remote", "add", "proj", NULL), 0);
	assert_null(err);
	assert_true(fake_runner_find(&f,
				     "podman exec paude-proj git -C /pvc/workspace for-each-ref "
				     "--count=1 '--format=%(refname)'") >= 0);
	assert_true(fake_runner_find(&f, "podman exec paude-proj git init -q -b trunk -- "
					 "/pvc/workspace") >= 0);
	assert_true(fake_runner_find(&f, "podman exec paude-proj git -C /pvc/workspace config "
					 "receive.denyCurrentBranch updateInstead") >= 0);
	/* Nothing interactive without --push: no service was started. */
	assert_int_equal(fake_runner_find(&f, "podman exec --interactive"), -1);
	char *url = git_config("remote.paude-proj.url");
	assert_string_equal(url, "paude::proj");
	free(url);
	fake_runner_release(&f);
}

static void
test_remote_add_refuses_stopped_session(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = PS_STOPPED },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "remote", "add", "--push", "proj", NULL),
			 PAUDE_ESTATE);
	assert_string_equal(err->msg,
			    "session 'proj' is not running (start it with: paude start -d proj)");
	paude_error_free(err);
	assert_int_equal(fake_runner_find(&f, "podman exec"), -1);
	char *url = git_config("remote.paude-proj.url");
	assert_string_equal(url, "");
	free(url);
	fake_runner_release(&f);
}

static void
test_remote_usage_errors_run_nothing(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	static const char *const cases[][5] = {
		{ "remote", "bogus", NULL },
		{ "remote", "add", "a", "b", NULL },
		{ "remote", "add", "--nope", NULL },
		{ "remote", "list", "extra", NULL },
		{ "remote", "remove", "a", "b", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct paude_error *err = NULL;
		char *argv[5] = { 0 };
		int argc = 0;
		for (; cases[i][argc]; argc++)
			argv[argc] = (char *)cases[i][argc];
		struct paude_cmd_ctx ctx = { .runner = &f.runner };
		assert_int_equal(cmd_remote(argc, argv, &ctx, &err), PAUDE_EUSAGE);
		paude_error_free(err);
	}
	assert_int_equal(f.calls.nr, 0);
	fake_runner_release(&f);
}

static void
test_remote_add_outside_a_repository_runs_nothing(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_error *err = NULL;
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(cli_harness_run(&f, &err, "remote", "add", "proj", NULL), PAUDE_ENOTFOUND);
	assert_non_null(strstr(err->msg, "the current directory is not in a git repository"));
	paude_error_free(err);
	assert_int_equal(f.calls.nr, 0);
	fake_runner_release(&f);
}

static void
test_remote_remove_defaults_to_the_only_paude_remote(void **state)
{
	(void)state;
	git(FAKE_ARGV("remote", "add", "origin", "https://example.invalid/x.git"));
	git(FAKE_ARGV("remote", "add", "paude-proj", "paude::proj"));
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	assert_int_equal(cli_harness_run(&f, NULL, "remote", "remove", NULL), 0);
	char *url = git_config("remote.paude-proj.url");
	assert_string_equal(url, "");
	free(url);
	url = git_config("remote.origin.url");
	assert_string_equal(url, "https://example.invalid/x.git");
	free(url);
	assert_int_equal(f.calls.nr, 0);
	fake_runner_release(&f);
}

/* create inside the repository: the replies of a podman with no session
 * yet, then (after create) one that runs it, and git's push. */
#define PUSH_OK "To paude::proj\n*\trefs/heads/trunk:refs/heads/trunk\t[new branch]\nDone\n"
#define CREATE_REPLIES(push_status)                                                                \
	{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]", .times = 1 },                          \
	    { .prefix = FAKE_ARGV("podman", "ps"), .out = PS_RUNNING },                            \
	    { .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },                 \
	    { .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },                    \
	    { .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },                       \
	    { .prefix = PROBE, .status = 128 },                                                    \
	{                                                                                          \
		.prefix = FAKE_ARGV("git", "-C"), .out = PUSH_OK, .status = (push_status)          \
	}

static void
test_create_in_a_repository_pushes_the_branch_then_stops(void **state)
{
	(void)state;
	cli_harness_env(tmpdir);
	const struct fake_reply replies[] = { CREATE_REPLIES(0) };
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "proj", NULL), 0);
	assert_null(err);
	long made = fake_runner_find(&f, "podman create --pull=never");
	long start = fake_runner_find(&f, "podman start paude-proj");
	long init = fake_runner_find(&f, "podman exec paude-proj git init -q -b trunk -- "
					 "/pvc/workspace");
	long push = fake_runner_find(&f, "git -C ");
	long stop = fake_runner_find(&f, "podman stop");
	assert_true(made >= 0 && start > made && init > start && push > init && stop > push);
	assert_non_null(
	    strstr(fake_runner_call(&f, (size_t)push),
		   " push --porcelain -- paude-proj refs/heads/trunk:refs/heads/trunk"));
	/* Nothing removed, and the remote stays for git pull. */
	assert_int_equal(fake_runner_find(&f, "podman rm"), -1);
	char *url = git_config("remote.paude-proj.url");
	assert_string_equal(url, "paude::proj");
	free(url);
	fake_runner_release(&f);
}

static void
test_create_whose_push_fails_leaves_nothing(void **state)
{
	(void)state;
	cli_harness_env(tmpdir);
	const struct fake_reply replies[] = { CREATE_REPLIES(1) };
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_true(cli_harness_run(&f, &err, "create", "proj", NULL) < 0);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "cannot put branch 'trunk' into session 'proj', so the "
					 "session was removed again"));
	paude_error_free(err);
	long push = fake_runner_find(&f, "git -C ");
	long rm = fake_runner_find(&f, "podman rm --force --ignore --time 10 paude-proj");
	assert_true(push >= 0 && rm > push);
	/* (the fake podman says the volume is gone already: nothing more to remove) */
	bool vol_checked = false;
	for (size_t i = (size_t)rm; i < f.calls.nr; i++)
		vol_checked |=
		    !strcmp(fake_runner_call(&f, i), "podman volume exists paude-proj-workspace");
	assert_true(vol_checked);
	char *url = git_config("remote.paude-proj.url");
	assert_string_equal(url, "");
	free(url);
	fake_runner_release(&f);
}

static void
test_create_no_push_and_unborn_branch(void **state)
{
	(void)state;
	cli_harness_env(tmpdir);
	const struct fake_reply replies[] = { CREATE_REPLIES(0) };
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(cli_harness_run(&f, NULL, "create", "proj", "--no-push", NULL), 0);
	assert_true(fake_runner_find(&f, "podman create --pull=never") >= 0);
	assert_int_equal(fake_runner_find(&f, "podman start"), -1);
	assert_int_equal(fake_runner_find(&f, "git -C "), -1);
	fake_runner_release(&f);

	/* A branch without a commit: said before anything runs. */
	git(FAKE_ARGV("checkout", "-q", "--orphan", "fresh"));
	struct fake_runner g;
	fake_runner_init(&g, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&g, &err, "create", "proj", NULL), PAUDE_ESTATE);
	assert_non_null(strstr(err->msg, "branch 'fresh' has no commits yet"));
	assert_non_null(strstr(err->msg, "--no-push"));
	paude_error_free(err);
	assert_int_equal(fake_runner_find(&g, "podman create"), -1);
	fake_runner_release(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remote_add_prepares_workspace_on_our_branch,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_add_refuses_stopped_session, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remote_usage_errors_run_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remote_add_outside_a_repository_runs_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_remote_remove_defaults_to_the_only_paude_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_create_in_a_repository_pushes_the_branch_then_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_whose_push_fails_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_no_push_and_unborn_branch, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("cmd-remote", tests, NULL, NULL);
}
