/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/agent/lifecycle-run.c: the lifecycle commands run in a
 * session (fake runner), their output to the caller's descriptor, and
 * what the caller is told through the note callback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>
#include "paude/agent/lifecycle-run.h"
#include "fake-runner.h"

struct notes {
	struct paude_strvec v; /* "EVENT hook what n status lone again" per note */
};

static void
record(void *ud, const struct paude_lifecycle_note *n)
{
	struct notes *ns = ud;
	assert_string_equal(n->name, "s1");
	paude_strvec_pushf(&ns->v, "%d %s [%s] n=%zu st=%d%s%s", (int)n->event,
			   paude_hook_name(n->hook), n->what ? n->what : "", n->n, n->status,
			   n->lone ? " lone" : "", n->again ? " again" : "");
}

static void
session(struct paude_session *s)
{
	paude_session_init(s);
	s->name = strdup("s1");
	assert_non_null(s->name);
	s->workspace_mode = PAUDE_WORKSPACE_MOUNT;
}

static void
add_cmd(struct paude_session *s, enum paude_hook h, const char *name, const char *script)
{
	struct paude_hook_cmd *c = paude_lifecycle_add(&s->lifecycle, h, name);
	paude_strvec_pushl(&c->argv, "sh", "-c", script, NULL);
}

/* What was written to fd (a memfd), from the start. */
static char *
read_back(int fd)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(paude_buf_read_fd(&b, fd, NULL), 0);
	return paude_buf_detach(&b);
}

static void
test_create_hooks_run_in_order_once_and_are_told(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-s1", "test"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-s1", "sh", "-c", "make deps"),
		  .out = "built\x1b]0;title\x07\n" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct paude_session s;
	session(&s);
	add_cmd(&s, PAUDE_HOOK_ON_CREATE, NULL, "make deps");
	add_cmd(&s, PAUDE_HOOK_POST_CREATE, NULL, "make test");
	struct notes ns = { PAUDE_STRVEC_INIT };
	int fd = memfd_create("out", MFD_CLOEXEC);
	assert_true(fd >= 0);
	const struct paude_lifecycle_run_opts o = { .out_fd = fd, .note = record, .ud = &ns };
	assert_int_equal(paude_lifecycle_run_setup(b, &s, &o, NULL), 0);

	assert_int_equal(ns.v.nr, 3);
	assert_string_equal(ns.v.v[0], "0 onCreateCommand [make deps] n=1 st=0");
	assert_string_equal(ns.v.v[1], "0 postCreateCommand [make test] n=1 st=0");
	assert_string_equal(ns.v.v[2], "3 onCreateCommand [] n=0 st=0");
	const char *const want[] = {
		"podman exec paude-s1 test -e /pvc/.paude/setup-done",
		"podman exec paude-s1 test -e /pvc/.paude/setup-failed",
		"podman exec paude-s1 test -e /pvc/.paude/onCreateCommand-done",
		"podman exec paude-s1 sh -c 'make deps'",
		"podman exec paude-s1 sh -c 'mkdir -p /pvc/.paude && : "
		">/pvc/.paude/onCreateCommand-done'",
		"podman exec paude-s1 sh -c 'make test'",
		"podman exec paude-s1 sh -c 'mkdir -p /pvc/.paude && : >/pvc/.paude/setup-done && "
		"rm -f /pvc/.paude/setup-failed'",
	};
	assert_int_equal(f.calls.nr, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(fake_runner_call(&f, i), want[i]);
	/* The output reached the descriptor, sanitized. */
	_cleanup_free_ char *out = read_back(fd);
	assert_string_equal(out, "built\\x1b]0;title\\x07\n");
	close(fd);
	paude_strvec_clear(&ns.v);
	paude_session_release(&s);
	fake_runner_release(&f);
}

static void
test_parallel_failures_name_the_first_and_tell_the_others(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-s1", "test"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-s1", "sh", "-c", "false one"),
		  .status = 3 },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-s1", "sh", "-c", "false two"),
		  .status = 4 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct paude_session s;
	session(&s);
	add_cmd(&s, PAUDE_HOOK_POST_CREATE, "a", "false one");
	add_cmd(&s, PAUDE_HOOK_POST_CREATE, "b", "false two");
	struct notes ns = { PAUDE_STRVEC_INIT };
	int fd = memfd_create("out", MFD_CLOEXEC);
	assert_true(fd >= 0);
	const struct paude_lifecycle_run_opts o = { .out_fd = fd, .note = record, .ud = &ns };
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_lifecycle_run_setup(b, &s, &o, &err), PAUDE_ECHILD);
	assert_string_equal(err->msg,
			    "postCreateCommand of session 's1' failed (exit 3): a: false one (it "
			    "runs again at the next 'paude start s1'; to work in the session as "
			    "it is: paude connect s1)");
	assert_int_equal(ns.v.nr, 3);
	assert_string_equal(ns.v.v[0], "0 postCreateCommand [a: false one] n=2 st=0");
	assert_string_equal(ns.v.v[1], "0 postCreateCommand [b: false two] n=2 st=0");
	assert_string_equal(ns.v.v[2], "1 postCreateCommand [b: false two] n=0 st=4");
	/* The failure is recorded for the next start. */
	assert_true(fake_runner_find(&f, "podman exec paude-s1 sh -c 'mkdir -p /pvc/.paude && : "
					 ">/pvc/.paude/setup-failed'") >= 0);
	close(fd);
	paude_strvec_clear(&ns.v);
	paude_session_release(&s);
	fake_runner_release(&f);
}

/* The caller's answer: what the workspace's git says (as cmd/ asks it). */
static int
no_code_yet(void *ud, struct paude_backend *b, const struct paude_session *s, bool *yes,
	    struct paude_error **err)
{
	(void)ud;
	const char *const argv[] = { "git", "for-each-ref", NULL };
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	int r = paude_backend_exec_prepare(b, s->name, 0, argv, &c, err);
	if (r == 0)
		r = paude_run_output(b->runner, &c, &out, err);
	*yes = out.len > 0;
	return r;
}

static void
test_a_volume_without_code_makes_them_wait(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0); /* git for-each-ref: no refs */
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct paude_session s;
	session(&s);
	s.workspace_mode = PAUDE_WORKSPACE_VOLUME;
	paude_strvec_pushl(&s.setup, "make", "deps", NULL);
	struct notes ns = { PAUDE_STRVEC_INIT };
	const struct paude_lifecycle_run_opts o = {
		.out_fd = -1, .has_code = no_code_yet, .note = record, .ud = &ns
	};
	assert_int_equal(paude_lifecycle_run_setup(b, &s, &o, NULL), 0);
	assert_int_equal(ns.v.nr, 1);
	assert_string_equal(ns.v.v[0], "4 onCreateCommand [] n=0 st=0 lone");
	assert_int_equal(f.calls.nr, 1);
	assert_string_equal(fake_runner_call(&f, 0), "podman exec paude-s1 git for-each-ref");
	paude_strvec_clear(&ns.v);
	paude_session_release(&s);
	fake_runner_release(&f);
}

static void
test_post_attach_runs_with_remote_env_and_nothing_without_it(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct paude_session s;
	session(&s);
	const struct paude_lifecycle_run_opts o = { .out_fd = -1 };
	assert_int_equal(paude_lifecycle_run_post_attach(b, &s, &o, NULL), 0);
	assert_int_equal(f.calls.nr, 0);
	add_cmd(&s, PAUDE_HOOK_POST_ATTACH, NULL, "echo hi");
	paude_strvec_push(&s.remote_env, "MODE=dev");
	int fd = memfd_create("out", MFD_CLOEXEC);
	assert_true(fd >= 0);
	const struct paude_lifecycle_run_opts o2 = { .out_fd = fd };
	assert_int_equal(paude_lifecycle_run_post_attach(b, &s, &o2, NULL), 0);
	assert_int_equal(f.calls.nr, 1);
	assert_string_equal(fake_runner_call(&f, 0),
			    "podman exec paude-s1 env MODE=dev sh -c 'echo hi'");
	close(fd);
	paude_session_release(&s);
	fake_runner_release(&f);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_hooks_run_in_order_once_and_are_told),
		cmocka_unit_test(test_parallel_failures_name_the_first_and_tell_the_others),
		cmocka_unit_test(test_a_volume_without_code_makes_them_wait),
		cmocka_unit_test(test_post_attach_runs_with_remote_env_and_nothing_without_it),
	};
	return cmocka_run_group_tests_name("lifecycle-run", tests, NULL, NULL);
}
