/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/core/run.c with the real runner and real programs (sh, cat,
 * head, env, pwd). The test binary doubles as a child program: run with
 * --list-fds it prints its open file descriptors, one per line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "paude/core/run.h"
#include "paude/core/log.h"

static char self_exe[4096];

static int
list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 1;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strtol(e->d_name, NULL, 10) != dirfd(d))
			printf("%s\n", e->d_name);
	closedir(d);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	/* A hung child must fail the test, not the whole CI job. */
	alarm(120);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

/* Build a child from a NULL-terminated argv. */
static void
child_argv(struct paude_child *c, const char *const *argv)
{
	paude_child_init(c);
	paude_strvec_pushv(&c->args, argv);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
test_capture_collects_stdout_stderr_and_exit_status(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("sh", "-c", "echo out; echo err >&2; printf more; exit 3"));
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 20);
	_cleanup_buf_ struct paude_buf err = PAUDE_BUF_INIT_MAX(1 << 20);
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, NULL, 0, &out, &err, &status, NULL), 0);
	assert_string_equal(out.buf, "out\nmore");
	assert_string_equal(err.buf, "err\n");
	assert_int_equal(status, 3);
	assert_int_equal(c.pid, 0);
}

static void
test_signal_death_is_128_plus_signal(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("sh", "-c", "kill -TERM $$"));
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, NULL, 0, NULL, NULL, &status, NULL), 0);
	assert_int_equal(status, 128 + SIGTERM);
}

static void
test_missing_program_is_enotfound_with_clear_message(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("paude-no-such-program-xyz", "arg"));
	_cleanup_error_ struct paude_error *err = NULL;
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, NULL, 0, NULL, NULL, &status, &err),
	    PAUDE_ENOTFOUND);
	assert_string_equal(err->msg,
			    "'paude-no-such-program-xyz' not found (is it installed and on PATH?)");
	assert_int_equal(status, -1);
	_cleanup_child_ struct paude_child d = PAUDE_CHILD_INIT;
	child_argv(&d, ARGV("/nonexistent/prog"));
	assert_int_equal(paude_run_output(paude_runner_default(), &d, NULL, NULL), PAUDE_ENOTFOUND);
}

static void
test_exec_failure_in_child_is_reported_not_exit_127(void **state)
{
	(void)state;
	/* Found in PATH, but not executable as a program: exec fails in the child. */
	char path[] = "/tmp/paude-test-noexec-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd,
			       "\x7f"
			       "ELF garbage",
			       12),
			 12);
	close(fd);
	chmod(path, 0700);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV(path));
	_cleanup_error_ struct paude_error *err = NULL;
	int r = paude_run_output(paude_runner_default(), &c, NULL, &err);
	unlink(path);
	assert_int_equal(r, PAUDE_EOS);
	assert_int_equal(err->sys_errno, ENOEXEC);
	assert_non_null(strstr(err->msg, "cannot run '/tmp/paude-test-noexec-"));
}

static void
test_missing_dir_is_reported(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("true"));
	c.dir = "/nonexistent/dir";
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_run_output(paude_runner_default(), &c, NULL, &err), PAUDE_EOS);
	assert_string_equal(err->msg,
			    "cannot run 'true' in '/nonexistent/dir': No such file or directory");
}

static void
test_large_stdin_with_heavy_stderr_does_not_deadlock(void **state)
{
	(void)state;
	/* The child writes 1 MiB to stderr before it reads any of its 3 MiB
	 * input: a blocking writer in the parent would wait forever. */
	size_t n = 3 << 20;
	char *in = malloc(n);
	assert_non_null(in);
	memset(in, 'i', n);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("sh", "-c", "head -c 1048576 /dev/zero >&2; wc -c"));
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 10);
	_cleanup_buf_ struct paude_buf err = PAUDE_BUF_INIT_MAX(4 << 20);
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, in, n, &out, &err, &status, NULL), 0);
	free(in);
	assert_int_equal(status, 0);
	assert_int_equal(strtol(out.buf, NULL, 10), (long)n);
	assert_int_equal(err.len, 1 << 20);
}

static void
test_child_that_ignores_stdin_does_not_hang_or_kill_us(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *in = calloc(1, n);
	assert_non_null(in);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("true"));
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, in, n, NULL, NULL, &status, NULL), 0);
	free(in);
	assert_int_equal(status, 0);
}

static void
test_empty_stdin_gives_eof(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("wc", "-c"));
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(64);
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, "", 0, &out, NULL, &status, NULL), 0);
	assert_int_equal(strtol(out.buf, NULL, 10), 0);
	/* No input at all: stdin is /dev/null, not ours. */
	_cleanup_child_ struct paude_child d = PAUDE_CHILD_INIT;
	child_argv(&d, ARGV("cat"));
	paude_buf_reset(&out);
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &d, NULL, 0, &out, NULL, &status, NULL), 0);
	assert_string_equal(out.buf, "");
}

static void
test_output_cap_fails_with_eproto(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("head", "-c", "1000000", "/dev/zero"));
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1000);
	_cleanup_error_ struct paude_error *err = NULL;
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, NULL, 0, &out, NULL, &status, &err),
	    PAUDE_EPROTO);
	assert_string_equal(err->msg, "output of 'head': data too large (more than 1000 bytes)");
	assert_true(out.len <= 1000);
	assert_int_equal(status, -1);
	assert_int_equal(c.pid, 0); /* reaped */
}

static void
test_env_adds_overrides_and_removes(void **state)
{
	(void)state;
	setenv("PAUDE_TEST_KEEP", "kept", 1);
	setenv("PAUDE_TEST_DROP", "dropped", 1);
	setenv("PAUDE_TEST_OVER", "old", 1);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("env"));
	paude_strvec_pushl(&c.env, "PAUDE_TEST_NEW=a b=c", "PAUDE_TEST_DROP", "PAUDE_TEST_OVER=new",
			   NULL);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 20);
	assert_int_equal(paude_run_output(paude_runner_default(), &c, &out, NULL), 0);
	assert_non_null(strstr(out.buf, "\nPAUDE_TEST_KEEP=kept\n"));
	assert_non_null(strstr(out.buf, "\nPAUDE_TEST_NEW=a b=c\n"));
	assert_non_null(strstr(out.buf, "\nPAUDE_TEST_OVER=new\n"));
	assert_null(strstr(out.buf, "PAUDE_TEST_OVER=old"));
	assert_null(strstr(out.buf, "PAUDE_TEST_DROP"));
	/* Our own environment is not changed. */
	assert_string_equal(getenv("PAUDE_TEST_DROP"), "dropped");
	unsetenv("PAUDE_TEST_KEEP");
	unsetenv("PAUDE_TEST_DROP");
	unsetenv("PAUDE_TEST_OVER");
}

static void
test_dir_sets_working_directory(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("pwd"));
	c.dir = "/";
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(4096);
	assert_int_equal(paude_run_output(paude_runner_default(), &c, &out, NULL), 0);
	assert_string_equal(out.buf, "/\n");
}

static void
test_run_output_error_carries_stderr_tail(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("sh", "-c",
			    "echo noise >&2; echo \"Error: no such container 'x'\" >&2; exit 125"));
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_run_output(paude_runner_default(), &c, NULL, &err), PAUDE_ECHILD);
	assert_string_equal(err->msg, "sh: exit 125: noise\nError: no such container 'x'");
	assert_int_equal(err->child_status, 125);
}

static void
test_child_error_names_subcommand_and_keeps_only_the_tail(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("podman", "exec", "-i", "x"));
	char text[3000];
	memset(text, 'a', sizeof(text));
	memcpy(text + sizeof(text) - 8, "THE END\n", 8);
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_child_error(&err, &c, 1, text, sizeof(text)), PAUDE_ECHILD);
	assert_true(strncmp(err->msg, "podman exec: exit 1: aaa", 24) == 0);
	assert_true(strlen(err->msg) < 1100);
	assert_string_equal(err->msg + strlen(err->msg) - 7, "THE END");
	_cleanup_error_ struct paude_error *err2 = NULL;
	_cleanup_child_ struct paude_child d = PAUDE_CHILD_INIT;
	child_argv(&d, ARGV("podman", "--version"));
	paude_child_error(&err2, &d, 2, " \n", 2);
	assert_string_equal(err2->msg, "podman: exit 2");
}

static void
test_run_output_success_discards_stdout_when_not_wanted(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("sh", "-c", "echo to-stdout; echo warn >&2"));
	assert_int_equal(paude_run_output(paude_runner_default(), &c, NULL, NULL), 0);
}

static void
test_output_to_given_fd_and_fd_closed_in_parent(void **state)
{
	(void)state;
	int fd = memfd_create("out", 0);
	assert_true(fd >= 0);
	int keep = dup(fd);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("echo", "into fd"));
	c.out = fd;
	assert_int_equal(paude_child_start(paude_runner_default(), &c, NULL), 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1); /* start closed it */
	int status = -1;
	assert_int_equal(paude_child_finish(paude_runner_default(), &c, &status, NULL), 0);
	assert_int_equal(status, 0);
	char buf[32] = { 0 };
	assert_int_equal(pread(keep, buf, sizeof(buf) - 1, 0), 8);
	assert_string_equal(buf, "into fd\n");
	close(keep);
}

static void
test_pipes_work_when_our_stdin_is_closed(void **state)
{
	(void)state;
	/* With fd 0 closed, pipe2 hands out 0 for a pipe end. */
	int saved = dup(0);
	assert_true(saved >= 0);
	close(0);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("cat"));
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(64);
	int status = -1;
	int r = paude_run_capture(paude_runner_default(), &c, "fed", 3, &out, NULL, &status, NULL);
	dup2(saved, 0);
	close(saved);
	assert_int_equal(r, 0);
	assert_int_equal(status, 0);
	assert_string_equal(out.buf, "fed");
}

/* The set of fds (as text) that a child should inherit: 0-2 plus whatever
 * this process holds without FD_CLOEXEC (a test runner may pass some). */
static void
expected_fds(struct paude_strvec *out)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = (int)strtol(e->d_name, NULL, 10);
		if (fd == dirfd(d))
			continue;
		int fl = fcntl(fd, F_GETFD);
		if (fd <= 2 || (fl >= 0 && !(fl & FD_CLOEXEC)))
			paude_strvec_push(out, e->d_name);
	}
	closedir(d);
}

static void
test_no_fds_leak_into_children(void **state)
{
	(void)state;
	/* Keep another child running with a pipe open, to check its pipe
	 * does not reach the second child either. */
	_cleanup_child_ struct paude_child other = PAUDE_CHILD_INIT;
	child_argv(&other, ARGV("cat"));
	other.in = -1;
	other.out = -1;
	assert_int_equal(paude_child_start(paude_runner_default(), &other, NULL), 0);

	_cleanup_strvec_ struct paude_strvec want = PAUDE_STRVEC_INIT;
	expected_fds(&want);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV(self_exe, "--list-fds"));
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(4096);
	_cleanup_buf_ struct paude_buf err = PAUDE_BUF_INIT_MAX(4096);
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, "x", 1, &out, &err, &status, NULL), 0);
	assert_int_equal(status, 0);
	_cleanup_strvec_ struct paude_strvec got = PAUDE_STRVEC_INIT;
	char *save = NULL;
	for (char *line = strtok_r(out.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		paude_strvec_push(&got, line);
	for (size_t i = 0; i < got.nr; i++)
		if (paude_strvec_find(&want, got.v[i]) < 0)
			fail_msg("fd %s leaked into the child", got.v[i]);
	assert_true(paude_strvec_find(&got, "0") >= 0);
	assert_true(paude_strvec_find(&got, "1") >= 0);
	assert_true(paude_strvec_find(&got, "2") >= 0);

	close(other.in);
	close(other.out);
	assert_int_equal(paude_child_finish(paude_runner_default(), &other, &status, NULL), 0);
	assert_int_equal(status, 0);
}

static void
test_callers_fd_is_not_left_open_in_the_child(void **state)
{
	(void)state;
	/* Not CLOEXEC: the child must keep only its copy on fd 1. */
	int fd = memfd_create("out", 0);
	assert_true(fd > 2);
	int keep = dup(fd);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV(self_exe, "--list-fds"));
	c.out = fd;
	c.no_stdin = 1;
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, NULL, 0, NULL, NULL, &status, NULL), 0);
	assert_int_equal(status, 0);
	char buf[256] = { 0 };
	assert_true(pread(keep, buf, sizeof(buf) - 1, 0) > 0);
	close(keep);
	char name[16];
	snprintf(name, sizeof(name), "\n%d\n", fd);
	char list[260];
	snprintf(list, sizeof(list), "\n%s", buf);
	if (strstr(list, name))
		fail_msg("fd %d still open in the child:%s", fd, list);
	assert_non_null(strstr(list, "\n1\n"));
}

static void
test_trace_hides_values_of_secret_looking_variables(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	int saved = dup(2);
	dup2(p[1], 2);
	close(p[1]);
	enum paude_log_level old = paude_log_get_level();
	paude_log_set_level(PAUDE_LOG_DEBUG);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("true"));
	paude_strvec_pushl(&c.env, "ANTHROPIC_API_KEY=sk-secret-1", "GH_TOKEN=secret-2",
			   "CONTAINERS_CONF=/etc/x.conf", "UNSET_ME", NULL);
	int r = paude_run_output(paude_runner_default(), &c, NULL, NULL);
	paude_log_set_level(old);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(r, 0);
	_cleanup_buf_ struct paude_buf log = PAUDE_BUF_INIT_MAX(1 << 16);
	assert_int_equal(paude_buf_read_fd(&log, p[0], NULL), 0);
	close(p[0]);
	assert_null(strstr(log.buf, "secret-"));
	assert_non_null(strstr(log.buf, "+ 'ANTHROPIC_API_KEY=***' 'GH_TOKEN=***' "
					"CONTAINERS_CONF=/etc/x.conf UNSET_ME true\n"));
}

static void
test_exec_replaces_the_process(void **state)
{
	(void)state;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct paude_child c;
		child_argv(&c, ARGV("sh", "-c", "test \"$PAUDE_TEST_EXEC\" = yes && exit 7"));
		paude_strvec_push(&c.env, "PAUDE_TEST_EXEC=yes");
		paude_child_exec(paude_runner_default(), &c, NULL);
		_exit(99); /* exec returned: failure */
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
}

static void
test_exec_of_missing_program_returns_enotfound(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("paude-no-such-program-xyz"));
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_child_exec(paude_runner_default(), &c, &err), PAUDE_ENOTFOUND);
	assert_non_null(strstr(err->msg, "not found"));
}

static void
test_quote_argv_joins_and_quotes(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_quote_argv(&b, ARGV("podman", "exec", "-i", "paude-x", "--", "git-upload-pack",
				  "/work dir", "it's", ""));
	assert_string_equal(b.buf,
			    "podman exec -i paude-x -- git-upload-pack '/work dir' 'it'\\''s' ''");
	_cleanup_buf_ struct paude_buf e = PAUDE_BUF_INIT;
	paude_quote_argv(&e, NULL);
	paude_quote_argv(&e, (const char *const[]){ NULL });
	assert_string_equal(e.buf, "");
}

static void
test_looks_like_option(void **state)
{
	(void)state;
	assert_true(paude_looks_like_option("-x"));
	assert_true(paude_looks_like_option("--"));
	assert_true(paude_looks_like_option(NULL));
	assert_false(paude_looks_like_option("x-"));
	assert_false(paude_looks_like_option(""));
}

static void
test_which_finds_programs_in_path(void **state)
{
	(void)state;
	_cleanup_free_ char *sh = paude_which("sh");
	assert_non_null(sh);
	assert_true(sh[0] == '/');
	assert_null(paude_which("paude-no-such-program-xyz"));
	assert_null(paude_which(""));
	assert_null(paude_which(NULL));
	_cleanup_free_ char *abs = paude_which("/bin/sh");
	assert_string_equal(abs, "/bin/sh");
	assert_null(paude_which("/etc/passwd"));
	/* Directories in PATH named like the program are skipped. */
	assert_null(paude_which("tmp"));
}

static void
test_run_all_runs_children_at_once_and_reports_the_failing_one(void **state)
{
	(void)state;
	struct timespec t0, t1;
	_cleanup_child_ struct paude_child a = PAUDE_CHILD_INIT, b = PAUDE_CHILD_INIT,
					   c = PAUDE_CHILD_INIT;
	child_argv(&a, ARGV("sh", "-c", "sleep 0.5; echo fine"));
	child_argv(&b, ARGV("sh", "-c", "sleep 0.5; echo \"Error: no such thing\" >&2; exit 125"));
	child_argv(&c, ARGV("sh", "-c", "sleep 0.5; exit 0"));
	struct paude_child *const all[] = { &a, &b, &c };
	_cleanup_error_ struct paude_error *err = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(paude_run_all(paude_runner_default(), all, 3, NULL, NULL, &err),
			 PAUDE_ECHILD);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* Three half-second children in parallel, not one after the other. */
	assert_true(secs < 1.2);
	assert_string_equal(err->msg, "sh: exit 125: Error: no such thing");
	assert_int_equal(a.pid, 0);
	assert_int_equal(b.pid, 0);
	assert_int_equal(c.pid, 0);
}

static void
test_run_all_collects_outputs_and_statuses(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child a = PAUDE_CHILD_INIT, b = PAUDE_CHILD_INIT;
	child_argv(&a, ARGV("sh", "-c", "echo running"));
	child_argv(&b, ARGV("sh", "-c", "echo exited 1; echo noise >&2; exit 1"));
	struct paude_child *const all[] = { &a, &b };
	struct paude_buf outs[2] = { PAUDE_BUF_INIT_MAX(1 << 10), PAUDE_BUF_INIT_MAX(1 << 10) };
	int statuses[2] = { -1, -1 };
	/* With statuses, a non-zero exit is the caller's to read, not an error. */
	assert_int_equal(paude_run_all(paude_runner_default(), all, 2, outs, statuses, NULL), 0);
	assert_string_equal(outs[0].buf, "running\n");
	assert_string_equal(outs[1].buf, "exited 1\n");
	assert_int_equal(statuses[0], 0);
	assert_int_equal(statuses[1], 1);
	paude_buf_release(&outs[0]);
	paude_buf_release(&outs[1]);
}

static void
test_run_all_succeeds_when_every_child_does(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child a = PAUDE_CHILD_INIT, b = PAUDE_CHILD_INIT;
	child_argv(&a, ARGV("true"));
	child_argv(&b, ARGV("sh", "-c", "echo only-a-warning >&2"));
	struct paude_child *const all[] = { &a, &b };
	assert_int_equal(paude_run_all(paude_runner_default(), all, 2, NULL, NULL, NULL), 0);
}

static void
test_trace_logs_quoted_command_at_debug(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	int saved = dup(2);
	dup2(p[1], 2);
	close(p[1]);
	enum paude_log_level old = paude_log_get_level();
	paude_log_set_level(PAUDE_LOG_DEBUG);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_argv(&c, ARGV("true", "two words"));
	int r = paude_run_output(paude_runner_default(), &c, NULL, NULL);
	paude_log_set_level(old);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(r, 0);
	_cleanup_buf_ struct paude_buf log = PAUDE_BUF_INIT_MAX(1 << 16);
	assert_int_equal(paude_buf_read_fd(&log, p[0], NULL), 0);
	close(p[0]);
	assert_non_null(strstr(log.buf, "debug: + true 'two words'\n"));
}

int
main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--list-fds"))
		return list_fds();
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_all_runs_children_at_once_and_reports_the_failing_one),
		cmocka_unit_test(test_run_all_succeeds_when_every_child_does),
		cmocka_unit_test(test_run_all_collects_outputs_and_statuses),
		cmocka_unit_test(test_capture_collects_stdout_stderr_and_exit_status),
		cmocka_unit_test(test_signal_death_is_128_plus_signal),
		cmocka_unit_test(test_missing_program_is_enotfound_with_clear_message),
		cmocka_unit_test(test_exec_failure_in_child_is_reported_not_exit_127),
		cmocka_unit_test(test_missing_dir_is_reported),
		cmocka_unit_test(test_large_stdin_with_heavy_stderr_does_not_deadlock),
		cmocka_unit_test(test_child_that_ignores_stdin_does_not_hang_or_kill_us),
		cmocka_unit_test(test_empty_stdin_gives_eof),
		cmocka_unit_test(test_output_cap_fails_with_eproto),
		cmocka_unit_test(test_env_adds_overrides_and_removes),
		cmocka_unit_test(test_dir_sets_working_directory),
		cmocka_unit_test(test_run_output_error_carries_stderr_tail),
		cmocka_unit_test(test_child_error_names_subcommand_and_keeps_only_the_tail),
		cmocka_unit_test(test_run_output_success_discards_stdout_when_not_wanted),
		cmocka_unit_test(test_output_to_given_fd_and_fd_closed_in_parent),
		cmocka_unit_test(test_pipes_work_when_our_stdin_is_closed),
		cmocka_unit_test(test_no_fds_leak_into_children),
		cmocka_unit_test(test_callers_fd_is_not_left_open_in_the_child),
		cmocka_unit_test(test_trace_hides_values_of_secret_looking_variables),
		cmocka_unit_test(test_exec_replaces_the_process),
		cmocka_unit_test(test_exec_of_missing_program_returns_enotfound),
		cmocka_unit_test(test_quote_argv_joins_and_quotes),
		cmocka_unit_test(test_looks_like_option),
		cmocka_unit_test(test_which_finds_programs_in_path),
		cmocka_unit_test(test_trace_logs_quoted_command_at_debug),
	};
	return cmocka_run_group_tests_name("run", tests, setup, teardown);
}
