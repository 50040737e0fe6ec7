/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/agent/agent-proc.c: the agent's state from a stand-in /proc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "paude/agent/agent-proc.h"
#include "paude/core/fs.h"
#include "paude/core/buf.h"
#include "scratch.h"

/* A process in the stand-in tree: stat and cmdline (words joined by NUL). */
static void
add_proc(const char *root, long pid, long ppid, const char *comm, const char *const *argv)
{
	char dir[512], path[600], stat[256];
	(void)snprintf(dir, sizeof(dir), "%s/%ld", root, pid);
	assert_int_equal(paude_mkdir_p(dir, 0755, NULL), 0);
	(void)snprintf(path, sizeof(path), "%s/stat", dir);
	int n = snprintf(stat, sizeof(stat), "%ld (%s) S %ld 1 1 0 -1", pid, comm, ppid);
	assert_int_equal(paude_write_file(path, stat, (size_t)n, 0644, NULL), 0);
	char cmd[256] = "";
	size_t len = 0;
	for (size_t i = 0; argv && argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;
		memcpy(cmd + len, argv[i], l);
		len += l;
	}
	(void)snprintf(path, sizeof(path), "%s/cmdline", dir);
	assert_int_equal(paude_write_file(path, cmd, len, 0644, NULL), 0);
}

static void
set_status(const char *root, long init, const char *text)
{
	char dir[512], path[600];
	(void)snprintf(dir, sizeof(dir), "%s/%ld/root/home/paude/.paude", root, init);
	assert_int_equal(paude_mkdir_p(dir, 0755, NULL), 0);
	(void)snprintf(path, sizeof(path), "%s/agent-status", dir);
	assert_int_equal(paude_write_file(path, text, strlen(text), 0644, NULL), 0);
}

/* A new temporary directory (caller removes and frees). */
static char *
scratch_dir(const char *what)
{
	char *dir = paude_xasprintf("/tmp/paude-test-%s-XXXXXX", what);
	assert_non_null(mkdtemp(dir));
	return dir;
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
test_states_from_the_process_tree(void **state)
{
	(void)state;
	_cleanup_free_ char *root = scratch_dir("agent-proc");
	enum paude_agent_state st = PAUDE_AGENT_UNCHECKED;
	int code = -1;
	/* Someone else's processes around ours. */
	add_proc(root, 1, 0, "systemd", ARGV("/sbin/init"));
	add_proc(root, 90, 1, "paude-session",
		 ARGV("/bin/bash", "paude-session", "run", "--", "x"));
	add_proc(root, 100, 1, "podman-init", ARGV("/run/podman-init", "--"));
	add_proc(root, 101, 100, "paude-entrypoin", ARGV("/bin/bash", "paude-entrypoint"));
	/* No tmux server yet: starting (the stranger's pane program is not ours). */
	assert_int_equal(paude_agent_proc_state(root, 100, &st, &code, NULL), 0);
	assert_int_equal(st, PAUDE_AGENT_STARTING);
	add_proc(root, 110, 100, "tmux: server", ARGV("tmux"));
	/* A status query is not the pane's program. */
	add_proc(root, 111, 100, "paude-session", ARGV("/bin/bash", "paude-session", "status"));
	set_status(root, 100, "1\n");
	assert_int_equal(paude_agent_proc_state(root, 100, &st, &code, NULL), 0);
	assert_int_equal(st, PAUDE_AGENT_EXITED);
	assert_int_equal(code, 1);
	set_status(root, 100, "signal 15\n");
	assert_int_equal(paude_agent_proc_state(root, 100, &st, &code, NULL), 0);
	assert_int_equal(code, 143);
	add_proc(root, 120, 110, "paude-session",
		 ARGV("/bin/bash", "/usr/local/bin/paude-session", "run", "--", "claude"));
	assert_int_equal(paude_agent_proc_state(root, 100, &st, &code, NULL), 0);
	assert_int_equal(st, PAUDE_AGENT_RUNNING);
	scratch_remove(root);
}

static void
test_unreadable_is_an_error_for_the_caller_to_fall_back(void **state)
{
	(void)state;
	_cleanup_free_ char *root = scratch_dir("agent-proc");
	enum paude_agent_state st = PAUDE_AGENT_UNCHECKED;
	int code = -1;
	struct paude_error *err = NULL;
	/* The container's init is not here (a remote engine). */
	assert_int_equal(paude_agent_proc_state(root, 4242, &st, &code, &err), PAUDE_ENOTFOUND);
	paude_error_clear(&err);
	/* A dead pane without a status record: ask the session. */
	add_proc(root, 100, 1, "podman-init", NULL);
	add_proc(root, 110, 100, "tmux: server", NULL);
	assert_true(paude_agent_proc_state(root, 100, &st, &code, &err) < 0);
	paude_error_clear(&err);
	assert_int_equal(st, PAUDE_AGENT_UNCHECKED);
	scratch_remove(root);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states_from_the_process_tree),
		cmocka_unit_test(test_unreadable_is_an_error_for_the_caller_to_fall_back),
	};
	return cmocka_run_group_tests_name("agent-proc", tests, NULL, NULL);
}
