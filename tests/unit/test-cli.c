/* SPDX-License-Identifier: MIT */
/* The CLI's commands driven with a fake runner: parsing, defaults, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/core/fs.h"
#include "cli-harness.h"
#include "../../cmd/paude/cli.h"
#include "scratch.h"

static char tmpdir[] = "/tmp/paude-test-cli.XXXXXX";
static char oldcwd[4096];

/* In a directory of its own, outside any git repository (create would
 * push the branch of one). */
static int
setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir) || !getcwd(oldcwd, sizeof(oldcwd)) || chdir(tmpdir) < 0)
		return -1;
	cli_harness_env(tmpdir);
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

static void
test_create_keeps_agent_argument_quoting(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	int r = cli_harness_run(&f, &err, "create", "proj", "--yolo", "-a",
				"-p \"explain this code\"", NULL);
	assert_null(err);
	assert_int_equal(r, 0);
	long i = fake_runner_find(&f, "podman create --pull=never");
	assert_true(i >= 0);
	const char *call = fake_runner_call(&f, (size_t)i);
	assert_non_null(strstr(call, "'paude.io/agent-args=[\"-p\",\"explain this code\"]'"));
	assert_non_null(strstr(call, " localhost/paude-agent:test claude "
				     "--dangerously-skip-permissions -p 'explain this code'"));
	assert_non_null(strstr(call, "--name paude-proj "));
	/* The default limits, in the labels and as podman options. */
	assert_non_null(strstr(call, " --label paude.io/memory=8g --label paude.io/cpus=2 "));
	assert_non_null(strstr(call, " --memory=8g --memory-swap=8g --cpus=2 "));
	assert_non_null(strstr(call, " --security-opt=seccomp="));
	fake_runner_release(&f);
}

static void
test_create_memory_and_cpus_reach_podman(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(
	    cli_harness_run(&f, &err, "create", "lim", "--memory", "1536M", "--cpus", "0.75", NULL),
	    0);
	long i = fake_runner_find(&f, "podman create --pull=never");
	assert_true(i >= 0);
	const char *call = fake_runner_call(&f, (size_t)i);
	assert_non_null(strstr(call, " --label paude.io/memory=1536m --label paude.io/cpus=0.75 "));
	assert_non_null(strstr(call, " --memory=1536m --memory-swap=1536m --cpus=0.75 "));
	assert_null(strstr(call, "paude.io/disk"));
	fake_runner_release(&f);
}

static void
test_create_options_may_follow_the_name(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "--allowed-domains", "pypi", "p2",
					 "--allowed-domains", ".example.com", NULL),
			 0);
	long i = fake_runner_find(&f, "podman create --pull=never");
	assert_true(i >= 0);
	assert_non_null(strstr(fake_runner_call(&f, (size_t)i),
			       "'paude.io/allowed-domains=[\"pypi\",\".example.com\"]'"));
	assert_non_null(strstr(fake_runner_call(&f, (size_t)i), "--name paude-p2 "));
	assert_null(strstr(fake_runner_call(&f, (size_t)i), "--dangerously-skip-permissions"));
	fake_runner_release(&f);
}

static void
test_create_rejects_bad_input_without_running_anything(void **state)
{
	(void)state;
	static const char *const bad_names[] = { "../x", "a;b", "-x", "has space", "UPPER", "x-" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		struct fake_runner f;
		fake_runner_init(&f, NULL, 0);
		struct paude_error *err = NULL;
		int r = cli_harness_run(&f, &err, "create", "--", bad_names[i], NULL);
		assert_int_equal(r, PAUDE_EUSAGE);
		assert_int_equal(f.calls.nr, 0);
		paude_error_free(err);
		fake_runner_release(&f);
	}
	char longname[301];
	memset(longname, 'a', 300);
	longname[300] = '\0';
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", longname, NULL), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "too long"));
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "create", "x", "-a", "\"unterminated", NULL),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "unterminated double quote"));
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "create", "x", "--frobnicate-everything", NULL),
			 PAUDE_EUSAGE);
	assert_string_equal(err->msg,
			    "unknown option '--frobnicate-everything' (try 'paude create --help')");
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "create", "x", "y", NULL), PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "create", "x", "--backend", "docker", NULL),
			 PAUDE_EUSAGE);
	paude_error_clear(&err);
	static const char *const bad_limits[][2] = {
		{ "--memory", "lots" }, { "--memory", "1k" }, { "--cpus", "0" },
		{ "--cpus", "1,5" },    { "--disk", "10x" },  { "--disk", "-1g" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_limits); i++) {
		assert_int_equal(cli_harness_run(&f, &err, "create", "x", bad_limits[i][0],
						 bad_limits[i][1], NULL),
				 PAUDE_EUSAGE);
		char want[64];
		snprintf(want, sizeof(want), "invalid %s value '%s' (", bad_limits[i][0],
			 bad_limits[i][1]);
		assert_non_null(strstr(err->msg, want));
		paude_error_clear(&err);
	}
	assert_int_equal(f.calls.nr, 0);
	fake_runner_release(&f);
}

static void
test_create_refuses_existing_name_before_building(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .out = "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\","
			 "\"paude.io/session-name\":\"dup\"}}]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "dup", NULL), PAUDE_EEXISTS);
	assert_non_null(strstr(err->msg, "session 'dup' already exists"));
	assert_int_equal(f.calls.nr, 1);
	paude_error_free(err);
	fake_runner_release(&f);
}

static const char two_sessions[] =
    "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":\"one\","
    "\"paude.io/workspace\":\"/nonexistent/one\"}},"
    "{\"State\":\"exited\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":\"two\","
    "\"paude.io/workspace\":\"%s\"}}]";

static void
test_commands_pick_the_session_of_the_current_directory(void **state)
{
	(void)state;
	_cleanup_free_ char *cwd = realpath(".", NULL);
	_cleanup_free_ char *json = NULL;
	assert_true(asprintf(&json, two_sessions, cwd) > 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = json },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	/* "two" is stopped: connect refuses, naming it. */
	assert_int_equal(cli_harness_run(&f, &err, "connect", NULL), PAUDE_ESTATE);
	assert_string_equal(err->msg,
			    "session 'two' is not running (start it with: paude start two)");
	paude_error_clear(&err);
	/* stop of a stopped session is not an error (and stops a leftover proxy) */
	assert_int_equal(cli_harness_run(&f, &err, "stop", NULL), 0);
	assert_true(fake_runner_find(&f, "podman stop --time 10 paude-two") >= 0);
	fake_runner_release(&f);
}

static void
test_commands_without_name_refuse_to_guess_between_several(void **state)
{
	(void)state;
	_cleanup_free_ char *json = NULL;
	assert_true(asprintf(&json, two_sessions, "/nonexistent/two") > 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = json },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "stop", NULL), PAUDE_EUSAGE);
	assert_string_equal(err->msg,
			    "several sessions could be meant: one, two (name one of them)");
	paude_error_free(err);
	fake_runner_release(&f);
}

static void
test_only_session_is_the_default(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .out = "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\","
			 "\"paude.io/session-name\":\"solo\",\"paude.io/workspace\":\"/x\"}}]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(cli_harness_run(&f, NULL, "stop", NULL), 0);
	assert_true(fake_runner_find(&f, "podman stop --time 10 paude-solo") >= 0);
	fake_runner_release(&f);
}

/* Run `paude ARGS...` with fd 1 sent to a file; return what it printed. */
static char *
run_capturing_stdout(struct fake_runner *f, const char *a1, const char *a2)
{
	char path[] = "/tmp/paude-test-stdout.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stdout);
	int saved = dup(1);
	dup2(fd, 1);
	struct paude_error *err = NULL;
	int r = cli_harness_run(f, &err, a1, a2, NULL);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(r, 0);
	paude_error_free(err);
	struct paude_buf b = PAUDE_BUF_INIT;
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(paude_buf_read_fd(&b, fd, NULL), 0);
	close(fd);
	return paude_buf_detach(&b);
}

static void
test_list_prints_labels_sanitized_in_table_and_json(void **state)
{
	(void)state;
	/* Labels (as podman prints them) holding ESC, BEL, DEL and a C1 CSI. */
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .out = "[{\"State\":\"running\",\"Status\":\"Up \\u001b]0;t\\u0007\","
			 "\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":\"esc\","
			 "\"paude.io/workspace\":\"/w\\u001b[2J\\u007f\\u009bx\"}}]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_free_ char *table = run_capturing_stdout(&f, "list", NULL);
	_cleanup_free_ char *json = run_capturing_stdout(&f, "list", "--json");
	for (const char *p = table; *p; p++)
		assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
	assert_null(strstr(table, "\xc2\x9b"));
	assert_non_null(strstr(table, "/w\\x1b[2J\\x7f\\u009bx"));
	for (const char *p = json; *p; p++)
		assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
	assert_null(strstr(json, "\xc2\x9b"));
	assert_non_null(strstr(json, "\"workspace\": \"/w\\u001b[2J\\u007f\\u009bx\""));
	assert_non_null(strstr(json, "\"status\": \"Up \\u001b]0;t\\u0007\""));
	fake_runner_release(&f);
}

static void
test_start_never_reads_plugin_files_through_symlinks(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .out = "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\","
			 "\"paude.io/session-name\":\"solo\",\"paude.io/workspace\":\"/x\"}}]" },
	};
	_cleanup_free_ char *plugins = paude_path_join(tmpdir, ".claude/plugins");
	assert_int_equal(paude_mkdir_p(plugins, 0700, NULL), 0);
	_cleanup_free_ char *text = paude_xasprintf("{\"path\":\"%s/.claude/plugins/p\"}", tmpdir);
	_cleanup_free_ char *good = paude_path_join(plugins, "good.json");
	assert_int_equal(paude_write_file(good, text, strlen(text), 0600, NULL), 0);
	/* A host file outside ~/.claude that names the home directory too. */
	_cleanup_free_ char *secret = paude_path_join(tmpdir, "secret.json");
	assert_int_equal(paude_write_file(secret, text, strlen(text), 0600, NULL), 0);
	_cleanup_free_ char *evil = paude_path_join(plugins, "evil.json");
	assert_int_equal(symlink(secret, evil), 0);
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "-d", "solo", NULL), 0);
	assert_null(err);
	long i = fake_runner_find(&f, "tar -C /tmp/paude-plugins-");
	assert_true(i >= 0);
	const char *call = fake_runner_call(&f, (size_t)i);
	assert_non_null(strstr(call, " -- .claude/plugins/good.json"));
	for (size_t j = 0; j < f.calls.nr; j++)
		assert_null(strstr(fake_runner_call(&f, j), "evil.json"));
	fake_runner_release(&f);
	unlink(evil);
	unlink(good);
	unlink(secret);
}

static void
test_delete_requires_confirm_and_a_name(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .out = "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\","
			 "\"paude.io/session-name\":\"gone\"}}]" },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "delete", NULL), PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "delete", "gone", NULL), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "--confirm"));
	paude_error_clear(&err);
	assert_int_equal(fake_runner_find(&f, "podman rm"), -1);
	assert_int_equal(cli_harness_run(&f, &err, "delete", "gone", "--confirm", NULL), 0);
	assert_true(fake_runner_find(&f, "podman rm --force --ignore --time 10 paude-gone") >= 0);
	assert_true(fake_runner_find(&f, "podman volume rm --force paude-gone-workspace") >= 0);
	fake_runner_release(&f);
}

static void
test_long_options_are_never_abbreviated(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .out = "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\","
			 "\"paude.io/session-name\":\"gone\"}}]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	/* getopt_long alone would take --conf for --confirm and delete. */
	assert_int_equal(cli_harness_run(&f, &err, "delete", "gone", "--conf", NULL), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "unknown option '--conf' (did you mean '--confirm'?) (try "
				      "'paude delete --help')");
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "delete", "gone", "--confirm=yes", NULL),
			 PAUDE_EUSAGE);
	assert_string_equal(err->msg,
			    "option '--confirm' takes no value (try 'paude delete --help')");
	paude_error_clear(&err);
	/* An abbreviation with its value as the next word: the value is not
	 * taken for the option's name. */
	assert_int_equal(cli_harness_run(&f, &err, "create", "--allowed", "all", NULL),
			 PAUDE_EUSAGE);
	assert_string_equal(err->msg, "unknown option '--allowed' (did you mean "
				      "'--allowed-domains'?) (try 'paude create --help')");
	paude_error_clear(&err);
	assert_int_equal(fake_runner_find(&f, "podman rm"), -1);
	assert_int_equal(fake_runner_find(&f, "podman create"), -1);
	fake_runner_release(&f);
}

static void
test_delete_refuses_while_the_session_holds_unpulled_commits(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .out = "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\","
			 "\"paude.io/session-name\":\"held\"}}]" },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-held", "git", "-C", "/pvc/workspace",
				      "for-each-ref"),
		  .out = "*0123456789abcdef0123456789abcdef01234567 main\n"
			 " 89abcdef0123456789abcdef0123456789abcdef wip\n" },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-held", "git", "-C", "/pvc/workspace",
				      "rev-list", "--count", "--ignore-missing",
				      "0123456789abcdef0123456789abcdef01234567"),
		  .out = "2\n" },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-held", "git", "-C", "/pvc/workspace",
				      "rev-list"),
		  .out = "0\n" },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "delete", "held", "--confirm", NULL),
			 PAUDE_ESTATE);
	assert_non_null(strstr(err->msg, "session 'held' holds commits that your repository "
					 "lacks: main (2 commits) (pull them first, e.g. git "
					 "pull paude-held main, or delete anyway with --force)"));
	paude_error_clear(&err);
	assert_int_equal(fake_runner_find(&f, "podman rm"), -1);
	assert_int_equal(cli_harness_run(&f, &err, "delete", "held", "--confirm", "--force", NULL),
			 0);
	assert_true(fake_runner_find(&f, "podman rm --force --ignore --time 10 paude-held") >= 0);
	fake_runner_release(&f);
}

static void
test_unknown_session_is_reported(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "ghost", NULL), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "session 'ghost' not found (list sessions with: paude list)");
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "connect", NULL), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "there are no sessions (create one with: paude create)");
	paude_error_free(err);
	fake_runner_release(&f);
}

static void
test_cluster_create_records_it_and_list_finds_it(void **state)
{
	(void)state;
	/* oc on PATH (never run: the runner is fake), and a private index. */
	char bin[256], oc[300], ws[256];
	snprintf(bin, sizeof(bin), "%s/bin", tmpdir);
	snprintf(oc, sizeof(oc), "%s/oc", bin);
	assert_int_equal(paude_mkdir_p(bin, 0755, NULL), 0);
	assert_int_equal(paude_write_file(oc, "", 0, 0755, NULL), 0);
	const char *old_path = getenv("PATH");
	char *saved_path = old_path ? strdup(old_path) : NULL;
	setenv("PATH", bin, 1);
	unsetenv("XDG_STATE_HOME");
	snprintf(ws, sizeof(ws), "%s/proj", tmpdir);
	assert_int_equal(paude_mkdir_p(ws, 0755, NULL), 0);
	char *cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(ws), 0);

	struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "statefulsets"),
		  .out = "{\"items\":[]}" },
		{ .prefix = FAKE_ARGV("oc", "--namespace=team", "get", "service"),
		  .out = "172.30.0.5" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "demo", "--backend=kubernetes",
					 "--openshift-namespace=team", "--disk=20g", "--memory=3g",
					 NULL),
			 0);
	assert_null(err);
	assert_true(fake_runner_find(&f, "oc get namespace team --output=name") >= 0);
	long apply = fake_runner_find(&f, "oc --namespace=team apply");
	assert_true(apply >= 0);
	/* The StatefulSet is the last thing applied. */
	size_t last = 0;
	for (size_t i = 0; i < f.calls.nr; i++)
		if (!strncmp(fake_runner_call(&f, i), "oc --namespace=team apply", 25))
			last = i;
	const char *sts = f.stdin_data.v[last];
	assert_non_null(strstr(sts, "\"kind\":\"StatefulSet\""));
	/* --disk is the claim's size on a cluster; the limits are the container's. */
	assert_non_null(strstr(sts, "\"storage\":\"20Gi\""));
	assert_non_null(strstr(sts, "\"limits\":{\"cpu\":\"2\",\"memory\":\"3Gi\"}"));
	fake_runner_release(&f);

	/* Without --backend, list asks podman and the recorded namespace. */
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(cli_harness_run(&f, &err, "list", NULL), 0);
	assert_true(fake_runner_find(&f, "podman ps") >= 0);
	assert_true(fake_runner_find(&f, "oc --namespace=team get statefulsets --selector "
					 "app=paude --output json") >= 0);
	fake_runner_release(&f);

	/* Cluster options do not mix with the podman backend. */
	fake_runner_init(&f, NULL, 0);
	assert_int_equal(cli_harness_run(&f, &err, "create", "x", "--backend=kubernetes",
					 "--disk=5g", "--pvc-size=1Gi", NULL),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "--disk and --pvc-size both set the volume's size"));
	paude_error_clear(&err);
	assert_int_equal(
	    cli_harness_run(&f, &err, "create", "x", "--backend=podman", "--pvc-size=1Gi", NULL),
	    PAUDE_EUSAGE);
	paude_error_clear(&err);
	/* In either order. */
	assert_int_equal(cli_harness_run(&f, &err, "create", "x", "--registry=r.example",
					 "--backend=podman", NULL),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "--registry need --backend=openshift"));
	paude_error_clear(&err);
	assert_int_equal(
	    cli_harness_run(&f, &err, "list", "--backend=podman", "--openshift-namespace=n", NULL),
	    PAUDE_EUSAGE);
	paude_error_clear(&err);
	assert_int_equal(
	    cli_harness_run(&f, &err, "create", "x", "--backend=openshift", "--pvc-size=big", NULL),
	    PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "invalid PVC size 'big'"));
	paude_error_clear(&err);
	assert_int_equal(f.calls.nr, 0);
	fake_runner_release(&f);

	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	if (saved_path)
		setenv("PATH", saved_path, 1);
	free(saved_path);
}

static void
test_detach_hint_inside_tmux_and_with_detach_keys(void **state)
{
	(void)state;
	struct paude_buf b = PAUDE_BUF_INIT;
	unsetenv("TMUX");
	paude_cli_detach_hint(NULL, "s1", &b);
	assert_int_equal(b.len, 0); /* plain terminal, no keys: Ctrl-b d, said in --help */
	setenv("TMUX", "/tmp/tmux-0/default,123,0", 1);
	paude_cli_detach_hint(NULL, "s1", &b);
	assert_string_equal(b.buf, "Inside tmux, Ctrl-b d detaches your own tmux: detach from 's1' "
				   "with Ctrl-b Ctrl-b d (your prefix twice, then d), or attach "
				   "with --detach-keys ctrl-q (paude connect --detach-keys ctrl-q "
				   "s1)");
	struct paude_cli_attach_opts o = { .keys_spec = "ctrl-p,ctrl-q" };
	assert_int_equal(paude_detach_keys_parse(&o.keys, o.keys_spec, NULL), 0);
	paude_buf_reset(&b);
	paude_cli_detach_hint(&o, "s1", &b);
	assert_string_equal(b.buf, "Detach from 's1' with ctrl-p,ctrl-q (--detach-keys)");
	unsetenv("TMUX");
	paude_buf_reset(&b);
	paude_cli_detach_hint(&o, "s1", &b);
	assert_string_equal(b.buf,
			    "Detach from 's1' with ctrl-p,ctrl-q (--detach-keys) or Ctrl-b d");
	paude_buf_release(&b);
}

/* A running filtered session whose proxy carries the policy in effect. */
static const char policy_session[] =
    "[{\"State\":\"running\",\"Names\":[\"paude-demo\"],\"Networks\":[\"paude-net-demo\"],"
    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"agent\",\"paude.io/session-name\":"
    "\"demo\",\"paude.io/allowed-domains\":\"[\\\"vertexai\\\"]\"}},"
    "{\"State\":\"running\",\"Names\":[\"paude-proxy-demo\"],\"Labels\":{\"app\":\"paude\","
    "\"paude.io/role\":\"proxy\",\"paude.io/session-name\":\"demo\","
    "\"paude.io/allowed-domains\":\"[\\\"allowed.test\\\"]\"}}]";

static void
test_network_refuses_bad_changes_before_touching_anything(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = policy_session },
	};
	static const char *const bad[][4] = {
		{ "--allow", "all", NULL },
		{ "--allow", "https://x.example/", NULL },
		{ "--deny", "allowed.test", NULL },
		{ "--allow", "x.example.com", "--deny", "x.example.com" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct fake_runner f;
		fake_runner_init(&f, replies, ARRAY_SIZE(replies));
		struct paude_error *err = NULL;
		int r = bad[i][2] ? cli_harness_run(&f, &err, "network", "demo", bad[i][0],
						    bad[i][1], bad[i][2], bad[i][3], NULL)
				  : cli_harness_run(&f, &err, "network", "demo", bad[i][0],
						    bad[i][1], NULL);
		assert_int_equal(r, PAUDE_EUSAGE);
		assert_non_null(
		    strstr(err->msg, "cannot change the network policy of session 'demo': "));
		/* Only the lookup ran. */
		for (size_t j = 0; j < f.calls.nr; j++)
			if (strncmp(f.calls.v[j], "podman ps ", 10) != 0)
				fail_msg("ran: %s", f.calls.v[j]);
		paude_error_free(err);
		fake_runner_release(&f);
	}
}

static void
test_network_allow_replaces_the_proxy_of_the_policy_in_effect(void **state)
{
	(void)state;
	if (!paude_is_file("/usr/share/containers/seccomp.json") &&
	    !paude_is_file("/etc/containers/seccomp.json"))
		skip();
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = policy_session },
		{ .prefix = FAKE_ARGV("podman", "container", "inspect"),
		  .out = "[{\"Image\":\"abc123\",\"State\":{\"Running\":true},"
			 "\"Config\":{\"Env\":[\"PAUDE_SQUID_CONF=old\"]},"
			 "\"NetworkSettings\":{\"Networks\":{\"paude-net-demo\":{},\"podman\":{}}}}"
			 "]" },
		{ .prefix = FAKE_ARGV("podman", "network", "inspect"),
		  .out = "[{\"subnets\":[{\"subnet\":\"10.98.3.0/24\"}]}]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "network", "demo", "--allow", "PyPI", NULL), 0);
	/* The policy in effect (the proxy's, not the agent's label of create)
	 * is what changed: aliases first, as create stores them. */
	long c = fake_runner_find(&f, "podman create --name paude-proxy-demo-next ");
	assert_true(c >= 0);
	assert_non_null(strstr(fake_runner_call(&f, (size_t)c),
			       "'paude.io/allowed-domains=[\"pypi\",\"allowed.test\"]'"));
	assert_true(fake_runner_find(&f, "podman rename paude-proxy-demo-next paude-proxy-demo") >
		    c);
	assert_true(fake_runner_find(&f, "podman exec paude-proxy-demo paude-proxy-ready") > c);
	for (size_t j = 0; j < f.calls.nr; j++)
		assert_null(strstr(f.calls.v[j], "paude-demo"));
	fake_runner_release(&f);

	/* Allowing what is allowed changes nothing and runs nothing else. */
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(
	    cli_harness_run(&f, &err, "network", "demo", "--allow", "allowed.test", NULL), 0);
	assert_int_equal(f.calls.nr, 1);
	fake_runner_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_keeps_agent_argument_quoting),
		cmocka_unit_test(test_create_options_may_follow_the_name),
		cmocka_unit_test(test_create_memory_and_cpus_reach_podman),
		cmocka_unit_test(test_create_rejects_bad_input_without_running_anything),
		cmocka_unit_test(test_create_refuses_existing_name_before_building),
		cmocka_unit_test(test_commands_pick_the_session_of_the_current_directory),
		cmocka_unit_test(test_commands_without_name_refuse_to_guess_between_several),
		cmocka_unit_test(test_only_session_is_the_default),
		cmocka_unit_test(test_list_prints_labels_sanitized_in_table_and_json),
		cmocka_unit_test(test_start_never_reads_plugin_files_through_symlinks),
		cmocka_unit_test(test_detach_hint_inside_tmux_and_with_detach_keys),
		cmocka_unit_test(test_delete_requires_confirm_and_a_name),
		cmocka_unit_test(test_long_options_are_never_abbreviated),
		cmocka_unit_test(test_delete_refuses_while_the_session_holds_unpulled_commits),
		cmocka_unit_test(test_unknown_session_is_reported),
		cmocka_unit_test(test_cluster_create_records_it_and_list_finds_it),
		cmocka_unit_test(test_network_refuses_bad_changes_before_touching_anything),
		cmocka_unit_test(test_network_allow_replaces_the_proxy_of_the_policy_in_effect),
	};
	return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
