/* SPDX-License-Identifier: MIT */
/* Unit tests for the fake runner that the backend tests rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "fake-runner.h"

static const struct fake_reply replies[] = {
	{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[{\"Names\":[\"paude-x\"]}]" },
	{ .prefix = FAKE_ARGV("podman", "rm"),
	  .errout = "Error: no such container 'paude-x'\n",
	  .status = 125 },
	{ .prefix = FAKE_ARGV("podman"), .out = "generic podman\n" },
	{ .prefix = FAKE_ARGV("oc"), .start_errno = ENOENT },
	{ .prefix = FAKE_ARGV("denied"), .start_errno = EACCES },
};

static int
setup(void **state)
{
	struct fake_runner *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	fake_runner_init(f, replies, ARRAY_SIZE(replies));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fake_runner_release(*state);
	free(*state);
	return 0;
}

static int
run(struct fake_runner *f, const char *const *argv, const char *in, struct paude_buf *out,
    struct paude_buf *errout, int *status, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushv(&c.args, argv);
	return paude_run_capture(&f->runner, &c, in, in ? strlen(in) : 0, out, errout, status, err);
}

static void
test_first_matching_prefix_wins(void **state)
{
	struct fake_runner *f = *state;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	int status = -1;
	assert_int_equal(run(f, FAKE_ARGV("podman", "ps", "-a"), NULL, &out, NULL, &status, NULL),
			 0);
	assert_string_equal(out.buf, "[{\"Names\":[\"paude-x\"]}]");
	assert_int_equal(status, 0);
	paude_buf_reset(&out);
	assert_int_equal(run(f, FAKE_ARGV("podman", "start", "x"), NULL, &out, NULL, &status, NULL),
			 0);
	assert_string_equal(out.buf, "generic podman\n");
}

static void
test_prefix_longer_than_argv_does_not_match(void **state)
{
	struct fake_runner *f = *state;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	int status = -1;
	/* "podman" alone matches only the generic reply, not "podman ps". */
	assert_int_equal(run(f, FAKE_ARGV("podman"), NULL, &out, NULL, &status, NULL), 0);
	assert_string_equal(out.buf, "generic podman\n");
}

static void
test_unmatched_commands_succeed_silently(void **state)
{
	struct fake_runner *f = *state;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT;
	int status = -1;
	assert_int_equal(run(f, FAKE_ARGV("git", "status"), NULL, &out, &errout, &status, NULL), 0);
	assert_int_equal(status, 0);
	assert_string_equal(out.buf, "");
	assert_string_equal(errout.buf, "");
}

static void
test_scripted_failure_gives_status_and_stderr(void **state)
{
	struct fake_runner *f = *state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "podman", "rm", "-f", "paude-x", NULL);
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_run_output(&f->runner, &c, NULL, &err), PAUDE_ECHILD);
	assert_string_equal(err->msg, "podman rm: exit 125: Error: no such container 'paude-x'");
	assert_int_equal(err->child_status, 125);
}

static void
test_start_errno_simulates_missing_program(void **state)
{
	struct fake_runner *f = *state;
	_cleanup_error_ struct paude_error *err = NULL;
	int status = -1;
	assert_int_equal(run(f, FAKE_ARGV("oc", "get", "pods"), NULL, NULL, NULL, &status, &err),
			 PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "'oc' not found (is it installed and on PATH?)");
	_cleanup_error_ struct paude_error *err2 = NULL;
	assert_int_equal(run(f, FAKE_ARGV("denied"), NULL, NULL, NULL, &status, &err2), PAUDE_EOS);
	assert_int_equal(err2->sys_errno, EACCES);
	/* The failed start is still recorded. */
	assert_int_equal(fake_runner_find(f, "oc get pods"), 0);
}

static void
test_calls_are_recorded_quoted_in_order(void **state)
{
	struct fake_runner *f = *state;
	int status;
	run(f, FAKE_ARGV("podman", "exec", "-i", "paude-x", "--", "sh", "-c", "echo 'hi'"), NULL,
	    NULL, NULL, &status, NULL);
	run(f, FAKE_ARGV("git", "push"), NULL, NULL, NULL, &status, NULL);
	assert_int_equal(f->calls.nr, 2);
	assert_string_equal(fake_runner_call(f, 0),
			    "podman exec -i paude-x -- sh -c 'echo '\\''hi'\\'''");
	assert_string_equal(fake_runner_call(f, 1), "git push");
	assert_null(fake_runner_call(f, 2));
	assert_int_equal(fake_runner_find(f, "git"), 1);
	assert_int_equal(fake_runner_find(f, "podman exec"), 0);
	assert_int_equal(fake_runner_find(f, "oc"), -1);
}

static void
test_stdin_is_captured_per_call(void **state)
{
	struct fake_runner *f = *state;
	int status;
	run(f, FAKE_ARGV("podman", "exec", "-i", "x", "cat"), "line one\nline two\n", NULL, NULL,
	    &status, NULL);
	run(f, FAKE_ARGV("podman", "ps"), NULL, NULL, NULL, &status, NULL);
	assert_int_equal(f->stdin_data.nr, 2);
	assert_string_equal(f->stdin_data.v[0], "line one\nline two\n");
	assert_string_equal(f->stdin_data.v[1], "");
}

static void
test_large_stdin_and_large_reply_do_not_block(void **state)
{
	(void)state;
	/* 512 KiB each way: more than a default pipe holds. */
	size_t n = 512 << 10;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'b', n);
	big[n] = '\0';
	const struct fake_reply r[] = { { .prefix = FAKE_ARGV("big"), .out = big, .errout = big } };
	struct fake_runner f;
	fake_runner_init(&f, r, 1);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT;
	int status = -1;
	assert_int_equal(run(&f, FAKE_ARGV("big"), big, &out, &errout, &status, NULL), 0);
	assert_int_equal(out.len, n);
	assert_int_equal(errout.len, n);
	assert_int_equal(strlen(f.stdin_data.v[0]), n);
	fake_runner_release(&f);
	free(big);
}

static void
test_exec_is_recorded_and_returns(void **state)
{
	struct fake_runner *f = *state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "podman", "exec", "-it", "paude-x", "claude", NULL);
	assert_int_equal(paude_child_exec(&f->runner, &c, NULL), 0);
	assert_int_equal(f->exec_count, 1);
	assert_string_equal(fake_runner_call(f, 0), "podman exec -it paude-x claude");
	_cleanup_child_ struct paude_child d = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&d.args, "oc", "exec", NULL);
	assert_int_equal(paude_child_exec(&f->runner, &d, NULL), PAUDE_ENOTFOUND);
}

static void
test_start_and_finish_with_pipes(void **state)
{
	struct fake_runner *f = *state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "podman", "ps", NULL);
	c.in = -1;
	c.out = -1;
	assert_int_equal(paude_child_start(&f->runner, &c, NULL), 0);
	assert_true(c.pid > 0);
	assert_int_equal(write(c.in, "abc", 3), 3);
	close(c.in);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_fd(&out, c.out, NULL), 0);
	close(c.out);
	assert_string_equal(out.buf, "[{\"Names\":[\"paude-x\"]}]");
	int status = -1;
	assert_int_equal(paude_child_finish(&f->runner, &c, &status, NULL), 0);
	assert_int_equal(status, 0);
	assert_string_equal(f->stdin_data.v[0], "abc");
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_matching_prefix_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_longer_than_argv_does_not_match, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmatched_commands_succeed_silently, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scripted_failure_gives_status_and_stderr,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_errno_simulates_missing_program, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_calls_are_recorded_quoted_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stdin_is_captured_per_call, setup, teardown),
		cmocka_unit_test(test_large_stdin_and_large_reply_do_not_block),
		cmocka_unit_test_setup_teardown(test_exec_is_recorded_and_returns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_and_finish_with_pipes, setup, teardown),
	};
	return cmocka_run_group_tests_name("fake-runner", tests, NULL, NULL);
}
