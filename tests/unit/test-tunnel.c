/* SPDX-License-Identifier: MIT */
/*
 * The git tunnel and the workspace helpers, over a stand-in backend whose
 * sessions are a table and whose exec builds "engine exec [-i] NAME ARGV..."
 * run through the fake runner: what is asserted is what paude asks the
 * backend for, and what it does with the answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/git/tunnel.h"
#include "paude/git/workspace.h"
#include "paude/backend/kube.h"
#include "fake-runner.h"

struct stand_in {
	const char *name;
	enum paude_session_state state;
	const char *status;
};
static const struct stand_in sessions[] = {
	{ "up", PAUDE_SESSION_RUNNING, "Up 2 minutes" },
	{ "down", PAUDE_SESSION_STOPPED, "Exited (0)" },
	{ "fresh", PAUDE_SESSION_CREATED, "Created" },
	{ "frozen", PAUDE_SESSION_RUNNING, "Paused" },
};
static int get_calls;

static int
si_get(struct paude_backend *b, const char *name, struct paude_session *out,
       struct paude_error **err)
{
	(void)b;
	get_calls++;
	if (!strcmp(name, "broken"))
		return paude_error_set(err, PAUDE_ECHILD, 0, "engine inspect: exit 125: boom");
	for (size_t i = 0; i < ARRAY_SIZE(sessions); i++) {
		if (strcmp(sessions[i].name, name))
			continue;
		out->name = strdup(name);
		out->state = sessions[i].state;
		out->status = strdup(sessions[i].status);
		return 0;
	}
	return paude_error_set(err, PAUDE_ENOTFOUND, 0, "no session '%s'", name);
}

static int
si_exec_prepare(struct paude_backend *b, const char *name, unsigned flags, const char *const *argv,
		struct paude_child *out, struct paude_error **err)
{
	(void)b;
	(void)err;
	paude_strvec_pushl(&out->args, "engine", "exec", NULL);
	if (flags & PAUDE_EXEC_STDIN)
		paude_strvec_push(&out->args, "-i");
	paude_strvec_push(&out->args, name);
	paude_strvec_pushv(&out->args, argv);
	return 0;
}

static const struct paude_backend_ops stand_in_ops = {
	.name = "stand-in",
	.get = si_get,
	.exec_prepare = si_exec_prepare,
};

struct fixture {
	struct fake_runner fake;
	struct paude_backend b;
};

static int
setup_with(void **state, const struct fake_reply *replies, size_t n)
{
	struct fixture *f = calloc(1, sizeof(*f));
	fake_runner_init(&f->fake, replies, n);
	f->b.ops = &stand_in_ops;
	f->b.runner = &f->fake.runner;
	get_calls = 0;
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, NULL, 0);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	fake_runner_release(&f->fake);
	free(f);
	return 0;
}

static char *
joined(const struct paude_child *c)
{
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_quote_argv(&b, (const char *const *)c->args.v);
	return paude_buf_detach(&b);
}

static void
test_tunnel_prepare_runs_service_on_workspace(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum paude_git_service s;
		int version;
		const char *argv;
	} cases[] = {
		{ PAUDE_GIT_UPLOAD_PACK, 0,
		  "engine exec -i up paude-session git git-upload-pack up" },
		{ PAUDE_GIT_RECEIVE_PACK, 0,
		  "engine exec -i up paude-session git git-receive-pack up" },
		{ PAUDE_GIT_UPLOAD_ARCHIVE, 0,
		  "engine exec -i up paude-session git git-upload-archive up" },
		{ PAUDE_GIT_UPLOAD_PACK, 2,
		  "engine exec -i up env GIT_PROTOCOL=version=2 paude-session git git-upload-pack "
		  "up" },
		{ PAUDE_GIT_RECEIVE_PACK, 1,
		  "engine exec -i up env GIT_PROTOCOL=version=1 paude-session git git-receive-pack "
		  "up" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct paude_child c = PAUDE_CHILD_INIT;
		assert_int_equal(
		    paude_tunnel_prepare(&f->b, "up", cases[i].s, cases[i].version, &c, NULL), 0);
		char *s = joined(&c);
		assert_string_equal(s, cases[i].argv);
		free(s);
		paude_child_release(&c);
	}
	/* Built, not run, and the session was not asked first: the exec's own
	 * failure is what tells a session that is not running. */
	assert_int_equal(f->fake.calls.nr, 0);
	assert_int_equal(get_calls, 0);
}

static void
expect_check_error(struct fixture *f, const char *name, int code, const char *msg)
{
	struct paude_error *err = NULL;
	assert_int_equal(paude_tunnel_check(&f->b, name, &err), code);
	assert_non_null(err);
	assert_string_equal(err->msg, msg);
	paude_error_free(err);
}

static void
test_tunnel_check_explains_sessions_not_running(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(paude_tunnel_check(&f->b, "up", NULL), 0);
	expect_check_error(f, "down", PAUDE_ESTATE,
			   "session 'down' is not running (start it with: paude start -d down)");
	expect_check_error(f, "fresh", PAUDE_ESTATE,
			   "session 'fresh' is not running (start it with: paude start -d fresh)");
	expect_check_error(f, "frozen", PAUDE_ESTATE,
			   "session 'frozen' is paused (resume its container with: podman unpause "
			   "paude-frozen)");
	expect_check_error(f, "nope", PAUDE_ENOTFOUND,
			   "session 'nope' not found (list sessions with: paude list)");
	expect_check_error(f, "broken", PAUDE_ECHILD, "engine inspect: exit 125: boom");
}

static void
test_tunnel_prepare_validates_name_before_asking(void **state)
{
	struct fixture *f = *state;
	struct paude_child c = PAUDE_CHILD_INIT;
	struct paude_error *err = NULL;
	assert_int_equal(paude_tunnel_prepare(&f->b, "-x", PAUDE_GIT_UPLOAD_PACK, 0, &c, &err),
			 PAUDE_EUSAGE);
	assert_int_equal(c.args.nr, 0);
	paude_error_free(err);
	paude_child_release(&c);
}

/* What git would ask for, read from git's own configuration. */
static void
expect_version(const struct fake_reply *reply, enum paude_git_service s, int want)
{
	struct fake_runner fake;
	fake_runner_init(&fake, reply, reply ? 1 : 0);
	int v = -1;
	struct paude_error *err = NULL;
	assert_int_equal(paude_tunnel_protocol_version(&fake.runner, s, &v, &err), 0);
	assert_null(err);
	assert_int_equal(v, want);
	if (s == PAUDE_GIT_UPLOAD_ARCHIVE) {
		assert_int_equal(fake.calls.nr, 0);
	} else {
		assert_int_equal(fake.calls.nr, 1);
		assert_string_equal(fake_runner_call(&fake, 0),
				    "git config --get protocol.version");
	}
	fake_runner_release(&fake);
}

static void
test_tunnel_protocol_version_follows_git(void **state)
{
	(void)state;
	const char *const *cfg = FAKE_ARGV("git", "config", "--get", "protocol.version");
	const struct fake_reply unset = { .prefix = cfg, .status = 1 };
	const struct fake_reply v0 = { .prefix = cfg, .out = "0\n" };
	const struct fake_reply v1 = { .prefix = cfg, .out = "1\n" };
	const struct fake_reply v2 = { .prefix = cfg, .out = "2\n" };
	assert_int_equal(unsetenv("GIT_TEST_PROTOCOL_VERSION"), 0);
	/* Unset: git's default, 2, which only upload-pack speaks. */
	expect_version(&unset, PAUDE_GIT_UPLOAD_PACK, 2);
	expect_version(&unset, PAUDE_GIT_RECEIVE_PACK, 0);
	expect_version(NULL, PAUDE_GIT_UPLOAD_ARCHIVE, 0);
	expect_version(&v0, PAUDE_GIT_UPLOAD_PACK, 0);
	expect_version(&v1, PAUDE_GIT_UPLOAD_PACK, 1);
	expect_version(&v1, PAUDE_GIT_RECEIVE_PACK, 1);
	expect_version(&v2, PAUDE_GIT_UPLOAD_PACK, 2);
	expect_version(&v2, PAUDE_GIT_RECEIVE_PACK, 0);
	/* git's test override counts when the config says nothing. */
	assert_int_equal(setenv("GIT_TEST_PROTOCOL_VERSION", "0", 1), 0);
	expect_version(&unset, PAUDE_GIT_UPLOAD_PACK, 0);
	assert_int_equal(unsetenv("GIT_TEST_PROTOCOL_VERSION"), 0);

	const struct fake_reply bad = { .prefix = cfg, .out = "3\033\n" };
	struct fake_runner fake;
	fake_runner_init(&fake, &bad, 1);
	int v = -1;
	struct paude_error *err = NULL;
	assert_int_equal(
	    paude_tunnel_protocol_version(&fake.runner, PAUDE_GIT_UPLOAD_PACK, &v, &err),
	    PAUDE_EUSAGE);
	assert_string_equal(err->msg, "unknown value for config 'protocol.version': 3\\x1b");
	paude_error_free(err);
	fake_runner_release(&fake);
}

static void
test_tunnel_backend_open_defaults_to_podman(void **state)
{
	(void)state;
	struct paude_address a = PAUDE_ADDRESS_INIT;
	struct paude_backend *b = NULL;
	struct paude_error *err = NULL;
	assert_int_equal(paude_address_parse(&a, "x", NULL), 0);
	assert_int_equal(paude_tunnel_backend_open(&b, &a, NULL, NULL), 0);
	assert_string_equal(b->ops->name, "podman");
	paude_backend_free(b);
	paude_address_release(&a);

	/* Cluster addresses open the cluster backend in their namespace. */
	assert_int_equal(paude_address_parse(&a, "openshift/ctx1/ns/x", NULL), 0);
	b = NULL;
	assert_int_equal(paude_tunnel_backend_open(&b, &a, NULL, &err), 0);
	assert_string_equal(b->ops->name, "openshift");
	assert_string_equal(paude_kube_context(b), "ctx1");
	const char *ns = NULL;
	assert_int_equal(paude_kube_namespace(b, &ns, NULL), 0);
	assert_string_equal(ns, "ns");
	paude_backend_free(b);
	paude_address_release(&a);
}

#define PROBE_PREFIX                                                                               \
	FAKE_ARGV("engine", "exec", "up", "git", "-C", "/pvc/workspace", "for-each-ref")

static void
probe_gives(const char *out, int status, int want_ret, enum paude_workspace_state want)
{
	const struct fake_reply r[] = { { PROBE_PREFIX, out, "fatal: whatever\n", status, 0 } };
	void *state;
	setup_with(&state, r, 1);
	struct fixture *f = state;
	enum paude_workspace_state st = 99;
	struct paude_error *err = NULL;
	assert_int_equal(paude_workspace_probe(&f->b, "up", &st, &err), want_ret);
	if (want_ret == 0)
		assert_int_equal(st, want);
	else
		assert_int_equal(st, 99);
	assert_string_equal(fake_runner_call(&f->fake, 0),
			    "engine exec up git -C /pvc/workspace for-each-ref --count=1 "
			    "'--format=%(refname)'");
	paude_error_free(err);
	teardown(&state);
}

static void
test_workspace_probe_tells_states_apart(void **state)
{
	(void)state;
	probe_gives("", 128, 0, PAUDE_WORKSPACE_NO_REPO);
	probe_gives("", 0, 0, PAUDE_WORKSPACE_EMPTY);
	probe_gives("refs/heads/main\n", 0, 0, PAUDE_WORKSPACE_HAS_COMMITS);
	probe_gives("", 125, PAUDE_ECHILD, 0);
}

static void
test_workspace_init_creates_repo_on_branch(void **state)
{
	(void)state;
	const struct fake_reply r[] = { { PROBE_PREFIX, "", "", 128, 0 } };
	void *st;
	setup_with(&st, r, 1);
	struct fixture *f = st;
	assert_int_equal(paude_workspace_init(&f->b, "up", "feature/x", NULL), 0);
	assert_int_equal(f->fake.calls.nr, 3);
	assert_string_equal(fake_runner_call(&f->fake, 1),
			    "engine exec up git init -q -b feature/x -- /pvc/workspace");
	assert_string_equal(fake_runner_call(&f->fake, 2),
			    "engine exec up git -C /pvc/workspace config receive.denyCurrentBranch "
			    "updateInstead");
	teardown(&st);
}

static void
test_workspace_init_keeps_existing_repo(void **state)
{
	(void)state;
	const struct fake_reply r[] = { { PROBE_PREFIX, "refs/heads/main\n", "", 0, 0 } };
	void *st;
	setup_with(&st, r, 1);
	struct fixture *f = st;
	assert_int_equal(paude_workspace_init(&f->b, "up", "main", NULL), 0);
	assert_int_equal(f->fake.calls.nr, 2);
	assert_int_equal(fake_runner_find(&f->fake, "engine exec up git init"), -1);
	assert_non_null(strstr(fake_runner_call(&f->fake, 1), "updateInstead"));
	teardown(&st);
}

static void
test_workspace_init_refuses_bad_branch_and_stopped_session(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = { "-b", "a..b", "x y", "", "x.lock", "@{1}", "a\nb" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct paude_error *err = NULL;
		assert_int_equal(paude_workspace_init(&f->b, "up", bad[i], &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "invalid branch name"));
		paude_error_free(err);
	}
	struct paude_error *err = NULL;
	assert_int_equal(paude_workspace_init(&f->b, "down", "main", &err), PAUDE_ESTATE);
	paude_error_free(err);
	assert_int_equal(f->fake.calls.nr, 0);
}

static void
test_workspace_init_reports_failing_git(void **state)
{
	(void)state;
	const struct fake_reply r[] = {
		{ PROBE_PREFIX, "", "", 128, 0 },
		{ FAKE_ARGV("engine", "exec", "up", "git", "init"), "", "fatal: cannot mkdir\n", 1,
		  0 },
	};
	void *st;
	setup_with(&st, r, 2);
	struct fixture *f = st;
	struct paude_error *err = NULL;
	assert_int_equal(paude_workspace_init(&f->b, "up", "main", &err), PAUDE_ECHILD);
	assert_string_equal(err->msg, "cannot initialise the workspace repository of session 'up': "
				      "engine exec: exit 1: fatal: cannot mkdir");
	paude_error_free(err);
	teardown(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tunnel_prepare_runs_service_on_workspace,
						setup, teardown),
		cmocka_unit_test(test_tunnel_protocol_version_follows_git),
		cmocka_unit_test_setup_teardown(test_tunnel_check_explains_sessions_not_running,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_prepare_validates_name_before_asking,
						setup, teardown),
		cmocka_unit_test(test_tunnel_backend_open_defaults_to_podman),
		cmocka_unit_test(test_workspace_probe_tells_states_apart),
		cmocka_unit_test(test_workspace_init_creates_repo_on_branch),
		cmocka_unit_test(test_workspace_init_keeps_existing_repo),
		cmocka_unit_test_setup_teardown(
		    test_workspace_init_refuses_bad_branch_and_stopped_session, setup, teardown),
		cmocka_unit_test(test_workspace_init_reports_failing_git),
	};
	return cmocka_run_group_tests_name("tunnel", tests, NULL, NULL);
}
