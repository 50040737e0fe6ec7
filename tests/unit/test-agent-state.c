/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/agent/agent-state.c: launching the agent, asking sessions
 * how it is (fake runner), and the state in words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "paude/agent/agent-state.h"
#include "fake-runner.h"

static struct paude_session *
add(struct paude_session_list *l, const char *name, enum paude_session_state st)
{
	struct paude_session *s = paude_session_list_add(l);
	s->name = strdup(name);
	s->backend = strdup("podman");
	assert_non_null(s->name);
	assert_non_null(s->backend);
	s->state = st;
	return s;
}

static void
test_status_words_become_states(void **state)
{
	(void)state;
	struct paude_session s;
	paude_session_init(&s);
	paude_agent_state_read(&s, "running\n", 0);
	assert_int_equal(s.agent_state, PAUDE_AGENT_RUNNING);
	paude_agent_state_read(&s, "exited 3\n", 1);
	assert_int_equal(s.agent_state, PAUDE_AGENT_EXITED);
	assert_int_equal(s.agent_exit, 3);
	paude_agent_state_read(&s, "exited signal 9\n", 1);
	assert_int_equal(s.agent_exit, 137);
	paude_agent_state_read(&s, "not-running\n", 3);
	assert_int_equal(s.agent_state, PAUDE_AGENT_STARTING);
	/* Anything else leaves the state as it was. */
	paude_agent_state_read(&s, "Error: no such container\n", 125);
	assert_int_equal(s.agent_state, PAUDE_AGENT_STARTING);
	paude_agent_state_read(&s, "running\n", 1);
	assert_int_equal(s.agent_state, PAUDE_AGENT_STARTING);
	paude_session_release(&s);
}

static void
test_states_in_words(void **state)
{
	(void)state;
	struct paude_session s;
	paude_session_init(&s);
	s.state = PAUDE_SESSION_RUNNING;
	_cleanup_free_ char *a = paude_agent_state_describe(&s);
	assert_string_equal(a, "running");
	assert_string_equal(paude_agent_state_word(&s), "unknown");
	s.agent_state = PAUDE_AGENT_EXITED;
	s.agent_exit = 2;
	s.proxy_stopped = true;
	s.network_missing = true;
	_cleanup_free_ char *b = paude_agent_state_describe(&s);
	assert_string_equal(b, "exited (2), proxy stopped, network missing");
	assert_string_equal(paude_agent_state_word(&s), "exited");
	s.agent_state = PAUDE_AGENT_UNCHECKED;
	s.paused = true;
	s.proxy_missing = true;
	_cleanup_free_ char *c = paude_agent_state_describe(&s);
	assert_string_equal(c, "paused, proxy missing, network missing");
	assert_string_equal(paude_agent_state_word(&s), "not-running");
	s.paused = false;
	s.proxy_missing = s.proxy_stopped = s.network_missing = false;
	s.state = PAUDE_SESSION_STOPPED;
	_cleanup_free_ char *d = paude_agent_state_describe(&s);
	assert_string_equal(d, paude_session_state_str(PAUDE_SESSION_STOPPED));
	s.state = PAUDE_SESSION_RUNNING;
	s.agent_state = PAUDE_AGENT_STARTING;
	_cleanup_free_ char *e = paude_agent_state_describe(&s);
	assert_string_equal(e, "starting");
	assert_string_equal(paude_agent_state_word(&s), "starting");
	paude_session_release(&s);
}

struct opener {
	struct paude_runner *runner;
	unsigned calls;
	const char *refuse; /* a session that cannot be opened */
};

static int
open_podman(void *ud, const struct paude_session *s, struct paude_backend **out,
	    struct paude_error **err)
{
	struct opener *o = ud;
	o->calls++;
	if (o->refuse && !strcmp(s->name, o->refuse))
		return paude_error_set(err, PAUDE_ENOTFOUND, 0, "no way to '%s'", s->name);
	return paude_backend_open_name(out, "podman", o->runner, err);
}

static void
test_running_sessions_are_asked_and_the_others_are_not(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-a"), .out = "running\n" },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-b"),
		  .out = "exited 4\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	add(&l, "a", PAUDE_SESSION_RUNNING);
	add(&l, "b", PAUDE_SESSION_RUNNING);
	add(&l, "c", PAUDE_SESSION_STOPPED);
	add(&l, "d", PAUDE_SESSION_RUNNING)->paused = true;
	add(&l, "e", PAUDE_SESSION_RUNNING);
	struct opener op = { .runner = &f.runner, .refuse = "e" };
	/* proc NULL: even a local container with a pid is asked. */
	l.v[0].host_pid = 4242;
	const struct paude_agent_check o = { .runner = &f.runner, .open = open_podman, .ud = &op };
	paude_agent_state_check(&o, &l);
	assert_int_equal(op.calls, 3);
	assert_int_equal(f.calls.nr, 2);
	assert_string_equal(fake_runner_call(&f, 0), "podman exec paude-a paude-session status");
	assert_string_equal(fake_runner_call(&f, 1), "podman exec paude-b paude-session status");
	assert_int_equal(l.v[0].agent_state, PAUDE_AGENT_RUNNING);
	assert_int_equal(l.v[1].agent_state, PAUDE_AGENT_EXITED);
	assert_int_equal(l.v[1].agent_exit, 4);
	assert_int_equal(l.v[2].agent_state, PAUDE_AGENT_UNCHECKED);
	assert_int_equal(l.v[3].agent_state, PAUDE_AGENT_UNCHECKED);
	/* The one that could not be opened stays unchecked. */
	assert_int_equal(l.v[4].agent_state, PAUDE_AGENT_UNCHECKED);
	fake_runner_release(&f);
}

static void
test_launch_runs_paude_session_launch_with_remote_env(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-a", "printenv", "HOME"),
		  .out = "/home/paude\n" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct paude_session s;
	paude_session_init(&s);
	s.name = strdup("a");
	assert_non_null(s.name);
	paude_strvec_pushl(&s.remote_env, "CACHE=${containerEnv:HOME}/.cache", "GONE", NULL);
	assert_int_equal(paude_agent_launch(b, &s, NULL), 0);
	assert_int_equal(f.calls.nr, 2);
	assert_string_equal(fake_runner_call(&f, 0), "podman exec paude-a printenv HOME");
	assert_string_equal(fake_runner_call(&f, 1),
			    "podman exec paude-a env -u GONE CACHE=/home/paude/.cache "
			    "paude-session launch");
	paude_session_release(&s);
	fake_runner_release(&f);
}

static void
test_a_failed_launch_names_the_session(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "exec"), .errout = "tmux: no\n", .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct paude_session s;
	paude_session_init(&s);
	s.name = strdup("a");
	assert_non_null(s.name);
	_cleanup_error_ struct paude_error *err = NULL;
	assert_true(paude_agent_launch(b, &s, &err) < 0);
	assert_non_null(strstr(err->msg, "cannot launch the agent in session 'a'"));
	paude_session_release(&s);
	fake_runner_release(&f);
}

static void
test_a_provider_is_lacking_only_without_any_login(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-a", "test"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-b", "test"), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct paude_session s;
	paude_session_init(&s);
	s.name = strdup("a");
	s.gateway = strdup("none");
	assert_non_null(s.name);
	assert_non_null(s.gateway);
	assert_true(paude_agent_lacks_provider(b, &s, false));
	assert_string_equal(fake_runner_call(&f, 0),
			    "podman exec paude-a test -s /home/paude/.claude/.credentials.json");
	/* A login on the host (copied in at start): nothing asked. */
	assert_false(paude_agent_lacks_provider(b, &s, true));
	assert_int_equal(f.calls.nr, 1);
	/* A login made in the session counts. */
	free(s.name);
	s.name = strdup("b");
	assert_non_null(s.name);
	assert_false(paude_agent_lacks_provider(b, &s, false));
	/* A gateway with a provider: nothing asked. */
	free(s.gateway);
	s.gateway = strdup("vertex");
	assert_non_null(s.gateway);
	assert_false(paude_agent_lacks_provider(b, &s, false));
	assert_int_equal(f.calls.nr, 2);
	paude_session_release(&s);
	fake_runner_release(&f);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_words_become_states),
		cmocka_unit_test(test_states_in_words),
		cmocka_unit_test(test_running_sessions_are_asked_and_the_others_are_not),
		cmocka_unit_test(test_launch_runs_paude_session_launch_with_remote_env),
		cmocka_unit_test(test_a_failed_launch_names_the_session),
		cmocka_unit_test(test_a_provider_is_lacking_only_without_any_login),
	};
	return cmocka_run_group_tests_name("agent-state", tests, NULL, NULL);
}
