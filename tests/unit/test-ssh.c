/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/backend/ssh.c. The command line for the remote shell is
 * checked as a string and by running it through a real /bin/sh. The
 * runner itself needs an SSH server: these tests run against one when
 * PAUDE_TEST_SSH_HOST names it (tests/integration/t0800-ssh.sh
 * starts a private sshd and runs this binary with it); under
 * `make check-unit` they are reported as skipped.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <signal.h>
#include <dirent.h>
#include <time.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <cmocka.h>
#include "paude/backend/ssh.h"
#include "paude/core/run.h"

static const char *const nasty[] = {
	"",         "plain", "two words", "it's", "\"dq\"",      "$(id)",    "`id`", "$HOME",
	"a\nb",     "*",     "~",         "!x",   "back\\slash", "-n",       "--",   "a;b&c|d",
	"<in >out", "\t",    "é✓",        "'",    "''",          "%s\\0 %%", "#c",   "{a,b}",
};

static void
test_command_line_quotes_every_word_and_the_environment(void **state)
{
	(void)state;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "podman", "exec", "-i", "x y", "it's", "", NULL);
	paude_strvec_pushl(&c.env, "TOKEN=se cret'", "GONE", "EMPTY=", NULL);
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	assert_int_equal(paude_ssh_command_line(&line, &c, NULL), 0);
	assert_string_equal(line.buf, "export TOKEN='se cret'\\'''; unset GONE; export EMPTY=''; "
				      "exec podman exec -i 'x y' 'it'\\''s' ''");
}

static void
test_command_line_refuses_environment_names_the_shell_cannot_take(void **state)
{
	(void)state;
	static const char *const bad[] = { "A-B=1", "1A=x", "=x", "A B=1", "$(id)=1", "A;B" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_strvec_push(&c.args, "true");
		paude_strvec_push(&c.env, bad[i]);
		_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
		_cleanup_error_ struct paude_error *err = NULL;
		assert_int_equal(paude_ssh_command_line(&line, &c, &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "not a shell name"));
		assert_int_equal(line.len, 0);
	}
}

/* Split NUL-terminated records. */
static void
split_nul(const struct paude_buf *b, struct paude_strvec *out)
{
	for (size_t i = 0; i < b->len;) {
		size_t n = strlen(b->buf + i);
		paude_strvec_push(out, b->buf + i);
		i += n + 1;
	}
}

/* argv printf '%s\0' WORDS... as the line, run by runner r (sh -c LINE if shell). */
static void
check_round_trip(struct paude_runner *r, bool through_sh)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "printf", "%s\\0", NULL);
	for (size_t i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++)
		paude_strvec_push(&c.args, nasty[i]);
	paude_strvec_push(&c.env, "PAUDE_T=x'$y\"\n");
	_cleanup_child_ struct paude_child run = PAUDE_CHILD_INIT;
	if (through_sh) {
		_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
		assert_int_equal(paude_ssh_command_line(&line, &c, NULL), 0);
		paude_strvec_pushl(&run.args, "/bin/sh", "-c", line.buf, NULL);
	} else {
		paude_strvec_pushv(&run.args, (const char *const *)c.args.v);
		paude_strvec_pushv(&run.env, (const char *const *)c.env.v);
	}
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	int status = -1;
	assert_int_equal(paude_run_capture(r, &run, NULL, 0, &out, NULL, &status, NULL), 0);
	assert_int_equal(status, 0);
	_cleanup_strvec_ struct paude_strvec got = PAUDE_STRVEC_INIT;
	split_nul(&out, &got);
	assert_int_equal(got.nr, sizeof(nasty) / sizeof(nasty[0]));
	for (size_t i = 0; i < got.nr; i++)
		assert_string_equal(got.v[i], nasty[i]);
}

static void
test_command_line_survives_a_real_shell_word_for_word(void **state)
{
	(void)state;
	check_round_trip(paude_runner_default(), true);
	/* And the environment arrives as given. */
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "printenv", "PAUDE_T", NULL);
	paude_strvec_pushl(&c.env, "PAUDE_T=a'b $(c) `d`\n", "HOME", NULL);
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	assert_int_equal(paude_ssh_command_line(&line, &c, NULL), 0);
	_cleanup_child_ struct paude_child sh = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&sh.args, "/bin/sh", "-c", line.buf, NULL);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	int status = -1;
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &sh, NULL, 0, &out, NULL, &status, NULL), 0);
	assert_int_equal(status, 0);
	assert_string_equal(out.buf, "a'b $(c) `d`\n\n");
}

/* ---- against a real sshd (PAUDE_TEST_SSH_HOST) ---- */

static struct paude_ssh *conn;

static struct paude_runner *
live(void)
{
	if (!getenv("PAUDE_TEST_SSH_HOST"))
		skip();
	if (!conn) {
		_cleanup_ssh_target_ struct paude_ssh_target t = PAUDE_SSH_TARGET_INIT;
		_cleanup_error_ struct paude_error *err = NULL;
		if (paude_ssh_target_resolve(&t, getenv("PAUDE_TEST_SSH_HOST"), &err) < 0 ||
		    paude_ssh_connect(&conn, &t, &err) < 0)
			fail_msg("%s", err->msg);
	}
	return paude_ssh_runner(conn);
}

static void
test_live_exit_status_and_signals_are_exact(void **state)
{
	(void)state;
	struct paude_runner *r = live();
	static const struct {
		const char *script;
		int status;
	} cases[] = { { "exit 0", 0 },
		      { "exit 42", 42 },
		      { "exit 255", 255 },
		      { "kill -TERM $$", 128 + SIGTERM },
		      { "kill -KILL $$", 128 + SIGKILL } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_strvec_pushl(&c.args, "sh", "-c", cases[i].script, NULL);
		int status = -1;
		assert_int_equal(paude_run_capture(r, &c, NULL, 0, NULL, NULL, &status, NULL), 0);
		assert_int_equal(status, cases[i].status);
	}
}

static void
test_live_words_and_environment_arrive_exactly(void **state)
{
	(void)state;
	check_round_trip(live(), false);
}

static void
test_live_stdout_stderr_and_stdin_are_separate_and_exact(void **state)
{
	(void)state;
	struct paude_runner *r = live();
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "sh", "-c", "cat; echo err >&2; printf end", NULL);
	/* 6 MiB of every byte value, bigger than any SSH window. */
	size_t n = 6u << 20;
	char *in = malloc(n);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)(i * 7 + i / 251);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT, errout = PAUDE_BUF_INIT;
	int status = -1;
	assert_int_equal(paude_run_capture(r, &c, in, n, &out, &errout, &status, NULL), 0);
	assert_int_equal(status, 0);
	assert_int_equal(out.len, n + 3);
	assert_memory_equal(out.buf, in, n);
	assert_memory_equal(out.buf + n, "end", 3);
	assert_string_equal(errout.buf, "err\n");
	free(in);
	/* EOF reaches the remote command: wc counts what was sent, no more. */
	_cleanup_child_ struct paude_child w = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&w.args, "wc", "-c", NULL);
	_cleanup_buf_ struct paude_buf count = PAUDE_BUF_INIT;
	assert_int_equal(paude_run_capture(r, &w, "12345", 5, &count, NULL, &status, NULL), 0);
	assert_int_equal(atoi(count.buf), 5);
}

static void
test_live_many_children_share_the_connection(void **state)
{
	(void)state;
	struct paude_runner *r = live();
	/* More than sshd's MaxSessions (10): the runner queues what does not fit. */
	struct paude_child kids[PAUDE_RUN_ALL_MAX];
	struct paude_child *ptrs[PAUDE_RUN_ALL_MAX];
	struct paude_buf outs[PAUDE_RUN_ALL_MAX];
	int statuses[PAUDE_RUN_ALL_MAX];
	for (size_t i = 0; i < PAUDE_RUN_ALL_MAX; i++) {
		paude_child_init(&kids[i]);
		paude_strvec_pushl(&kids[i].args, "sh", "-c", NULL);
		paude_strvec_pushf(&kids[i].args, "sleep 0.3; echo %zu; exit %zu", i, i);
		ptrs[i] = &kids[i];
		paude_buf_init(&outs[i], 0);
	}
	assert_int_equal(paude_run_all(r, ptrs, PAUDE_RUN_ALL_MAX, outs, statuses, NULL), 0);
	for (size_t i = 0; i < PAUDE_RUN_ALL_MAX; i++) {
		assert_int_equal(statuses[i], (int)i);
		assert_int_equal(atoi(outs[i].buf), (int)i);
		paude_buf_release(&outs[i]);
		paude_child_release(&kids[i]);
	}
}

static void
test_live_missing_program_is_not_found(void **state)
{
	(void)state;
	struct paude_runner *r = live();
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "paude-no-such-program", "x", NULL);
	_cleanup_error_ struct paude_error *err = NULL;
	int status = -1;
	assert_int_equal(paude_run_capture(r, &c, NULL, 0, NULL, NULL, &status, &err),
			 PAUDE_ENOTFOUND);
	assert_non_null(strstr(err->msg, "'paude-no-such-program' not found on 'root@"));
	/* Every time, not only the first. */
	paude_error_clear(&err);
	assert_int_equal(paude_run_capture(r, &c, NULL, 0, NULL, NULL, &status, &err),
			 PAUDE_ENOTFOUND);
	/*
	 * A program that is there and exits 127 itself (as podman exec does
	 * for a command missing in the container) keeps its status, on its
	 * first use (the one that looks for the program) and after.
	 */
	for (int i = 0; i < 2; i++) {
		_cleanup_child_ struct paude_child e = PAUDE_CHILD_INIT;
		paude_strvec_pushl(&e.args, "env", "sh", "-c", "echo out; exit 127", NULL);
		_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
		paude_error_clear(&err);
		assert_int_equal(paude_run_capture(r, &e, NULL, 0, &out, NULL, &status, &err), 0);
		assert_int_equal(status, 127);
		assert_string_equal(out.buf, "out\n");
	}
	/* A local directory means nothing there. */
	_cleanup_child_ struct paude_child d = PAUDE_CHILD_INIT;
	paude_strvec_push(&d.args, "true");
	d.dir = "/tmp";
	paude_error_clear(&err);
	assert_int_equal(paude_run_capture(r, &d, NULL, 0, NULL, NULL, &status, &err),
			 PAUDE_ENOTSUP);
}

static void
test_live_killing_the_stand_in_ends_the_remote_command(void **state)
{
	(void)state;
	struct paude_runner *r = live();
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "sleep", "60", NULL);
	c.no_stdin = 1;
	assert_int_equal(paude_child_start(r, &c, NULL), 0);
	assert_true(c.pid > 0);
	time_t t0 = time(NULL);
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	int status = -1;
	assert_int_equal(paude_child_finish(r, &c, &status, NULL), 0);
	assert_int_equal(status, 128 + SIGTERM);
	assert_true(time(NULL) - t0 < 10);
	/* The connection goes on working. */
	_cleanup_child_ struct paude_child t = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&t.args, "true", NULL);
	assert_int_equal(paude_run_capture(r, &t, NULL, 0, NULL, NULL, &status, NULL), 0);
	assert_int_equal(status, 0);
}

/* Read the pty master into out until it holds `want` (false after 10 s or at its end). */
static bool
read_until(int master, struct paude_buf *out, const char *want)
{
	time_t t0 = time(NULL);
	while (!(out->len && strstr(out->buf, want)) && time(NULL) - t0 < 10) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		if (poll(&p, 1, 200) <= 0)
			continue;
		char buf[512];
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			return false;
		paude_buf_add(out, buf, (size_t)n, NULL);
	}
	return out->len && strstr(out->buf, want);
}

static void
test_live_terminal_child_gets_a_pty_of_our_size(void **state)
{
	(void)state;
	struct paude_runner *r = live();
	struct winsize ws = { .ws_row = 33, .ws_col = 77 };
	int master = -1, slave = -1;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, &ws), 0);
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	/* A terminal there: its size now, and again at each line typed, until ^D. */
	paude_strvec_pushl(&c.args, "sh", "-c",
			   "test -t 0 && echo TTY; stty size; "
			   "while read x; do echo \"got:$x\"; stty size; done; echo BYE",
			   NULL);
	c.in = c.out = c.err = slave; /* start takes it */
	assert_int_equal(paude_child_start(r, &c, NULL), 0);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	assert_true(read_until(master, &out, "TTY"));
	assert_true(read_until(master, &out, "33 77"));
	/* A resize, as the attach passes it on: the pty's size, then SIGWINCH. */
	ws = (struct winsize){ .ws_row = 20, .ws_col = 50 };
	assert_int_equal(ioctl(master, TIOCSWINSZ, &ws), 0);
	assert_int_equal(kill(c.pid, SIGWINCH), 0);
	bool seen = false;
	for (int i = 0; i < 20 && !seen; i++) {
		assert_int_equal(write(master, "hi\r", 3), 3);
		seen = read_until(master, &out, "20 50");
	}
	assert_true(seen);
	assert_non_null(strstr(out.buf, "got:hi"));
	/* The local end passes bytes as they are: ^D ends the remote read. */
	assert_int_equal(write(master, "\004", 1), 1);
	assert_true(read_until(master, &out, "BYE"));
	int status = -1;
	assert_int_equal(paude_child_finish(r, &c, &status, NULL), 0);
	assert_int_equal(status, 0);
	/* The child let go of the pty: its end is closed. */
	char b;
	struct pollfd p = { .fd = master, .events = POLLIN };
	while (poll(&p, 1, 2000) > 0 && read(master, &b, 1) > 0)
		;
	assert_true(read(master, &b, 1) <= 0);
	close(master);
}

/* Kill the sshd processes serving our connection (children of the listener). */
static void
kill_session_sshd(pid_t listener)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		(void)snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		(void)fclose(f);
		buf[n] = 0;
		const char *rp = strrchr(buf, ')');
		int ppid = 0;
		char st;
		if (rp && sscanf(rp + 1, " %c %d", &st, &ppid) == 2 && ppid == listener)
			(void)kill(atoi(e->d_name), SIGKILL);
	}
	(void)closedir(d);
}

static void
test_live_dropped_connection_is_a_clear_error(void **state)
{
	(void)state;
	struct paude_runner *r = live();
	const char *pid = getenv("PAUDE_TEST_SSHD_PID");
	if (!pid)
		skip();
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "sh", "-c", "echo started; exec sleep 60", NULL);
	c.no_stdin = 1;
	c.out = -1;
	assert_int_equal(paude_child_start(r, &c, NULL), 0);
	char buf[16];
	assert_int_equal(read(c.out, buf, 8), 8);
	kill_session_sshd(atoi(pid));
	_cleanup_error_ struct paude_error *err = NULL;
	int status = -1;
	assert_int_equal(paude_child_finish(r, &c, &status, &err), PAUDE_EGENERIC);
	assert_non_null(strstr(err->msg, "connection to 'root@"));
	assert_non_null(strstr(err->msg, "lost"));
	close(c.out);
	/* Later commands fail at once with the same reason. */
	_cleanup_child_ struct paude_child t = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&t.args, "true", NULL);
	paude_error_clear(&err);
	assert_true(paude_run_capture(r, &t, NULL, 0, NULL, NULL, &status, &err) < 0);
	assert_non_null(strstr(err->msg, "lost"));
	paude_ssh_free(conn);
	conn = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_line_quotes_every_word_and_the_environment),
		cmocka_unit_test(test_command_line_refuses_environment_names_the_shell_cannot_take),
		cmocka_unit_test(test_command_line_survives_a_real_shell_word_for_word),
	};
	const struct CMUnitTest live_tests[] = {
		cmocka_unit_test(test_live_exit_status_and_signals_are_exact),
		cmocka_unit_test(test_live_words_and_environment_arrive_exactly),
		cmocka_unit_test(test_live_stdout_stderr_and_stdin_are_separate_and_exact),
		cmocka_unit_test(test_live_many_children_share_the_connection),
		cmocka_unit_test(test_live_missing_program_is_not_found),
		cmocka_unit_test(test_live_killing_the_stand_in_ends_the_remote_command),
		cmocka_unit_test(test_live_terminal_child_gets_a_pty_of_our_size),
		cmocka_unit_test(test_live_dropped_connection_is_a_clear_error),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	r |= cmocka_run_group_tests_name("ssh-live", live_tests, NULL, NULL);
	paude_ssh_free(conn);
	return r;
}
