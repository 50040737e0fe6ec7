/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/log.c: levels, PAUDE_LOG, prefixes, stderr only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/core/log.h"
#include "paude/core/buf.h"

/* Run fn with stderr redirected to a pipe and return what it wrote. */
static char *
capture_stderr(void (*fn)(void))
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(p[1], 2);
	close(p[1]);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	struct paude_buf b = PAUDE_BUF_INIT_MAX(1 << 16);
	assert_int_equal(paude_buf_read_fd(&b, p[0], NULL), 0);
	close(p[0]);
	return paude_buf_detach(&b);
}

static void
log_all_levels(void)
{
	errno = EINTR;
	paude_log(PAUDE_LOG_ERROR, "e %d", 1);
	paude_log(PAUDE_LOG_WARN, "w");
	paude_log(PAUDE_LOG_INFO, "i");
	paude_log(PAUDE_LOG_DEBUG, "d");
	paude_log(PAUDE_LOG_TRACE, "t");
	/* Logging must not clobber errno. */
	assert_int_equal(errno, EINTR);
}

static void
test_default_level_is_info_with_prefixes(void **state)
{
	(void)state;
	paude_log_set_level(PAUDE_LOG_INFO);
	paude_log_init("paude", NULL, NULL, NULL);
	_cleanup_free_ char *got = capture_stderr(log_all_levels);
	/* stderr is a pipe here: no colour codes. */
	assert_string_equal(got, "paude: error: e 1\npaude: warning: w\ni\n");
}

static void
log_child_stderr(void)
{
	/* An error carrying a session command's stderr: OSC 52, a title, a C1 CSI. */
	paude_log(PAUDE_LOG_ERROR, "tar -x: exit 2: %s",
		  "\x1b]52;c;cGF5bG9hZA==\x07\n\tnext \x1b]0;T\x1b\\ \xc2\x9b"
		  "2J \xff");
}

static void
test_messages_reach_stderr_sanitized(void **state)
{
	(void)state;
	paude_log_set_level(PAUDE_LOG_INFO);
	paude_log_init("paude", NULL, NULL, NULL);
	_cleanup_free_ char *got = capture_stderr(log_child_stderr);
	assert_null(strchr(got, 0x1b));
	assert_null(strchr(got, 0x07));
	assert_string_equal(got,
			    "paude: error: tar -x: exit 2: \\x1b]52;c;cGF5bG9hZA==\\x07\n\tnext "
			    "\\x1b]0;T\\x1b\\ \\u009b2J \\xff\n");
}

static void
test_paude_log_value_selects_level(void **state)
{
	(void)state;
	paude_log_init("git-remote-paude", "trace", NULL, NULL);
	assert_int_equal(paude_log_get_level(), PAUDE_LOG_TRACE);
	_cleanup_free_ char *got = capture_stderr(log_all_levels);
	assert_non_null(strstr(got, "git-remote-paude: debug: d\n"));
	assert_non_null(strstr(got, "git-remote-paude: debug: t\n"));
	paude_log_init(NULL, "error", NULL, NULL);
	assert_int_equal(paude_log_get_level(), PAUDE_LOG_ERROR);
	_cleanup_free_ char *got2 = capture_stderr(log_all_levels);
	assert_string_equal(got2, "git-remote-paude: error: e 1\n");
	paude_log_init("paude", NULL, NULL, NULL);
	paude_log_set_level(PAUDE_LOG_INFO);
}

static void
init_log_loud(void)
{
	paude_log_init("paude", "loud", NULL, NULL);
}

static void
test_verbose_is_between_info_and_debug(void **state)
{
	(void)state;
	paude_log_init("paude", "verbose", NULL, NULL);
	assert_int_equal(paude_log_get_level(), PAUDE_LOG_VERBOSE);
	assert_true(paude_log_enabled(PAUDE_LOG_INFO));
	assert_false(paude_log_enabled(PAUDE_LOG_DEBUG));
	paude_log_set_level(PAUDE_LOG_INFO);
}

static void
test_unknown_paude_log_value_keeps_level(void **state)
{
	(void)state;
	paude_log_set_level(PAUDE_LOG_WARN);
	_cleanup_free_ char *got = capture_stderr(init_log_loud);
	assert_int_equal(paude_log_get_level(), PAUDE_LOG_WARN);
	/* Said, not swallowed. */
	assert_string_equal(got, "paude: warning: unknown PAUDE_LOG value 'loud' ignored (use: "
				 "error, warn, info, verbose, debug, trace)\n");
	paude_log_set_level(PAUDE_LOG_INFO);
}

static void
test_enabled_follows_level(void **state)
{
	(void)state;
	paude_log_set_level(PAUDE_LOG_DEBUG);
	assert_true(paude_log_enabled(PAUDE_LOG_ERROR));
	assert_true(paude_log_enabled(PAUDE_LOG_DEBUG));
	assert_false(paude_log_enabled(PAUDE_LOG_TRACE));
	paude_log_set_level(PAUDE_LOG_INFO);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_level_is_info_with_prefixes),
		cmocka_unit_test(test_messages_reach_stderr_sanitized),
		cmocka_unit_test(test_paude_log_value_selects_level),
		cmocka_unit_test(test_unknown_paude_log_value_keeps_level),
		cmocka_unit_test(test_enabled_follows_level),
		cmocka_unit_test(test_verbose_is_between_info_and_debug),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
