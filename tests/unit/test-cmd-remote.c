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
#include "paude/fs.h"
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
	};
	return cmocka_run_group_tests_name("cmd-remote", tests, NULL, NULL);
}
