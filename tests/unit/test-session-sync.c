/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/agent/session-sync.c: the host's config and credentials
 * streamed into a session (fake runner), from the home the caller names,
 * with the ADC file read through the caller's callback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/core/fs.h"
#include "paude/agent/session-sync.h"
#include "fake-runner.h"
#include "scratch.h"

struct host {
	unsigned adc_reads;
	int adc_fail;
	struct paude_strvec said; /* "LEVEL msg" */
};

static int
read_adc(void *ud, struct paude_buf *out, struct paude_error **err)
{
	struct host *h = ud;
	h->adc_reads++;
	if (h->adc_fail)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "no adc here");
	return paude_buf_addstr(out, "{\"type\":\"authorized_user\"}", err);
}

static void
say(void *ud, enum paude_log_level level, const char *msg)
{
	struct host *h = ud;
	paude_strvec_pushf(&h->said, "%d %s", (int)level, msg);
}

static void
session(struct paude_session *s, const char *gateway)
{
	paude_session_init(s);
	s->name = strdup("s1");
	assert_non_null(s->name);
	if (gateway) {
		s->gateway = strdup(gateway);
		assert_non_null(s->gateway);
	}
}

static void
test_a_vertex_gateway_gets_the_adc_file_through_stdin(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct host h = { .said = PAUDE_STRVEC_INIT };
	const struct paude_session_sync_opts o = {
		.home = "/nonexistent", .read_adc = read_adc, .say = say, .ud = &h
	};
	struct paude_session s;
	session(&s, "vertex");
	assert_int_equal(paude_session_sync_credentials(b, &s, &o, NULL), 0);
	assert_int_equal(h.adc_reads, 1);
	assert_int_equal(f.calls.nr, 1);
	assert_string_equal(fake_runner_call(&f, 0),
			    "podman exec -i paude-proxy-s1 sh -c 'umask 077 && cat "
			    ">/run/paude-proxy/adc.json.new && mv -f /run/paude-proxy/adc.json.new "
			    "/run/paude-proxy/adc.json'");
	assert_string_equal(f.stdin_data.v[0], "{\"type\":\"authorized_user\"}");
	paude_session_release(&s);
	/* Other gateways have nothing to refresh: the file is not even read. */
	session(&s, "anthropic");
	assert_int_equal(paude_session_sync_credentials(b, &s, &o, NULL), 0);
	paude_session_release(&s);
	session(&s, NULL);
	assert_int_equal(paude_session_sync_credentials(b, &s, &o, NULL), 0);
	assert_int_equal(h.adc_reads, 1);
	assert_int_equal(f.calls.nr, 1);
	/* A file that cannot be read is the caller's error. */
	h.adc_fail = 1;
	paude_session_release(&s);
	session(&s, "vertex");
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_session_sync_credentials(b, &s, &o, &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "no adc here");
	assert_int_equal(f.calls.nr, 1);
	assert_int_equal(h.said.nr, 0);
	paude_strvec_clear(&h.said);
	paude_session_release(&s);
	fake_runner_release(&f);
}

static void
test_config_comes_from_the_given_home_without_the_login_behind_a_provider(void **state)
{
	(void)state;
	char home[] = "/tmp/paude-test-sync.XXXXXX";
	assert_non_null(mkdtemp(home));
	scratch_write(home, ".claude/settings.json", "{}");
	scratch_write(home, ".claude.json", "{}");
	scratch_write(home, ".gitconfig", "[user]\n"); /* cluster only */
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct host h = { .said = PAUDE_STRVEC_INIT };
	const struct paude_session_sync_opts o = {
		.home = home, .read_adc = read_adc, .say = say, .ud = &h
	};
	struct paude_session s;
	session(&s, "anthropic");
	assert_int_equal(paude_session_sync_config(b, &s, &o, NULL), 0);
	assert_int_equal(f.calls.nr, 2);
	const char *tar = fake_runner_call(&f, 0);
	_cleanup_free_ char *head = paude_xasprintf("tar -C %s -c -f - --exclude=", home);
	assert_true(!strncmp(tar, head, strlen(head)));
	assert_non_null(strstr(tar, " --exclude=.claude/history.jsonl "));
	assert_non_null(strstr(tar, " --exclude=.claude/.credentials.json "));
	assert_non_null(strstr(tar, " -- .claude .claude.json"));
	assert_null(strstr(tar, ".gitconfig"));
	assert_string_equal(fake_runner_call(&f, 1),
			    "podman exec --interactive paude-s1 tar -x -f - -C /home/paude");
	paude_session_release(&s);

	/* Without a provider the login goes in (the user logged in on the host). */
	session(&s, "none");
	assert_int_equal(paude_session_sync_config(b, &s, &o, NULL), 0);
	assert_null(strstr(fake_runner_call(&f, 2), ".credentials.json"));
	assert_int_equal(h.said.nr, 0);
	paude_session_release(&s);
	fake_runner_release(&f);
	paude_strvec_clear(&h.said);
	scratch_remove(home);
}

/* A runner of another host (create --host): the config is this machine's, read by a local tar. */
static struct fake_runner *here_runner;
static struct paude_runner *
here(void *ctx)
{
	(void)ctx;
	return &here_runner->runner;
}
static int
no_host_path(void *ctx, const char *local_path, const char *keep_key, char **out,
	     struct paude_error **err)
{
	(void)ctx;
	(void)local_path;
	(void)keep_key;
	(void)out;
	return paude_error_set(err, PAUDE_EGENERIC, 0, "not used here");
}

static void
test_config_for_a_remote_host_is_read_by_a_local_tar(void **state)
{
	(void)state;
	char home[] = "/tmp/paude-test-sync.XXXXXX";
	assert_non_null(mkdtemp(home));
	scratch_write(home, ".claude/marker", "x");
	struct fake_runner remote, local;
	fake_runner_init(&remote, NULL, 0);
	fake_runner_init(&local, NULL, 0);
	struct paude_runner_ops ops = *remote.runner.ops;
	ops.host_path = no_host_path;
	ops.local = here;
	remote.runner.ops = &ops;
	here_runner = &local;
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &remote.runner, NULL), 0);
	struct host h = { .said = PAUDE_STRVEC_INIT };
	const struct paude_session_sync_opts o = {
		.home = home, .read_adc = read_adc, .say = say, .ud = &h
	};
	struct paude_session s;
	session(&s, "anthropic");
	assert_int_equal(paude_session_sync_config(b, &s, &o, NULL), 0);
	assert_int_equal(local.calls.nr, 1);
	_cleanup_free_ char *head = paude_xasprintf("tar -C %s -c -f - --exclude=", home);
	assert_true(!strncmp(fake_runner_call(&local, 0), head, strlen(head)));
	assert_int_equal(remote.calls.nr, 1);
	assert_string_equal(fake_runner_call(&remote, 0),
			    "podman exec --interactive paude-s1 tar -x -f - -C /home/paude");
	paude_session_release(&s);
	fake_runner_release(&remote);
	fake_runner_release(&local);
	paude_strvec_clear(&h.said);
	scratch_remove(home);
}

static void
test_nothing_to_copy_is_said_not_printed(void **state)
{
	(void)state;
	char home[] = "/tmp/paude-test-sync.XXXXXX";
	assert_non_null(mkdtemp(home));
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct host h = { .said = PAUDE_STRVEC_INIT };
	const struct paude_session_sync_opts o = {
		.home = home, .read_adc = read_adc, .say = say, .ud = &h
	};
	struct paude_session s;
	session(&s, "none");
	assert_int_equal(paude_session_sync_config(b, &s, &o, NULL), 0);
	assert_int_equal(f.calls.nr, 0);
	assert_int_equal(h.said.nr, 1);
	assert_string_equal(h.said.v[0], "3 no Claude or git config to copy");
	/* No say callback: nothing happens either. */
	const struct paude_session_sync_opts quiet = { .home = home, .read_adc = read_adc };
	assert_int_equal(paude_session_sync_config(b, &s, &quiet, NULL), 0);
	assert_int_equal(h.said.nr, 1);
	paude_session_release(&s);
	fake_runner_release(&f);
	paude_strvec_clear(&h.said);
	scratch_remove(home);
}

static void
test_plugin_paths_are_rewritten_and_a_symlink_is_said_not_read(void **state)
{
	(void)state;
	char home[] = "/tmp/paude-test-sync.XXXXXX";
	assert_non_null(mkdtemp(home));
	_cleanup_free_ char *text = paude_xasprintf("{\"path\":\"%s/.claude/plugins/p\"}", home);
	scratch_write(home, ".claude/plugins/good.json", text);
	scratch_write(home, "secret.json", text);
	_cleanup_free_ char *secret = paude_path_join(home, "secret.json");
	_cleanup_free_ char *evil = paude_path_join(home, ".claude/plugins/evil.json");
	assert_int_equal(symlink(secret, evil), 0);
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	_cleanup_backend_ struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f.runner, NULL), 0);
	struct host h = { .said = PAUDE_STRVEC_INIT };
	const struct paude_session_sync_opts o = {
		.home = home, .read_adc = read_adc, .say = say, .ud = &h
	};
	struct paude_session s;
	session(&s, "none");
	assert_int_equal(paude_session_sync_config(b, &s, &o, NULL), 0);
	/* The config, then the rewritten plugin file, each through tar. */
	assert_int_equal(f.calls.nr, 4);
	const char *tar = fake_runner_call(&f, 2);
	assert_true(!strncmp(tar, "tar -C /tmp/paude-plugins-", 26));
	assert_non_null(strstr(tar, " -- .claude/plugins/good.json"));
	assert_null(strstr(tar, "evil"));
	assert_string_equal(fake_runner_call(&f, 3),
			    "podman exec --interactive paude-s1 tar -x -f - -C /home/paude");
	assert_int_equal(h.said.nr, 1);
	_cleanup_free_ char *want = paude_xasprintf(
	    "1 not reading '%s/.claude/plugins/evil.json': it is a symlink (copied into the "
	    "session as a symlink; paude never reads through one)",
	    home);
	assert_string_equal(h.said.v[0], want);
	paude_session_release(&s);
	fake_runner_release(&f);
	paude_strvec_clear(&h.said);
	scratch_remove(home);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_vertex_gateway_gets_the_adc_file_through_stdin),
		cmocka_unit_test(
		    test_config_comes_from_the_given_home_without_the_login_behind_a_provider),
		cmocka_unit_test(test_config_for_a_remote_host_is_read_by_a_local_tar),
		cmocka_unit_test(test_nothing_to_copy_is_said_not_printed),
		cmocka_unit_test(test_plugin_paths_are_rewritten_and_a_symlink_is_said_not_read),
	};
	return cmocka_run_group_tests_name("session-sync", tests, NULL, NULL);
}
