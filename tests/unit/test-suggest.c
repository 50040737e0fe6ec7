/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/suggest.c: git-weighted typo distance and suggestions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/core/suggest.h"
#include "paude/core/buf.h"

static const char *const commands[] = {
	"completion", "connect", "create", "delete", "doctor", "help",
	"list",       "network", "remote", "start",  "status", "stop",
};

/* The suggestions for typed, joined with spaces ("" for none). */
static char *
suggest(const char *typed, const char *const *cands, size_t n)
{
	_cleanup_strvec_ struct paude_strvec out = PAUDE_STRVEC_INIT;
	paude_suggest(&out, typed, cands, n);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	for (size_t i = 0; i < out.nr; i++)
		paude_buf_addf(&b, NULL, "%s%s", i ? " " : "", out.v[i]);
	return paude_buf_detach(&b);
}

static void
test_distance_weights_follow_git(void **state)
{
	(void)state;
	assert_int_equal(paude_suggest_distance("lsit", "list"), 0); /* swap */
	assert_int_equal(paude_suggest_distance("lst", "list"), 1); /* one added */
	assert_int_equal(paude_suggest_distance("lost", "list"), 2); /* one changed */
	assert_int_equal(paude_suggest_distance("liste", "list"), 3); /* one dropped */
	assert_int_equal(paude_suggest_distance("conf", "confirm"), 0); /* prefix */
	assert_int_equal(paude_suggest_distance("", "x"), 1);
	assert_int_equal(paude_suggest_distance("abc", "abc"), 0);
}

static void
test_suggests_the_closest_commands(void **state)
{
	(void)state;
	size_t n = sizeof(commands) / sizeof(commands[0]);
	_cleanup_free_ char *a = suggest("lsit", commands, n);
	assert_string_equal(a, "list");
	_cleanup_free_ char *b = suggest("delet", commands, n);
	assert_string_equal(b, "delete");
	_cleanup_free_ char *c = suggest("stpo", commands, n);
	assert_string_equal(c, "stop");
	/* A prefix shared by several: all of them, at most three. */
	_cleanup_free_ char *d = suggest("sta", commands, n);
	assert_string_equal(d, "start status");
	_cleanup_free_ char *e = suggest("conect", commands, n);
	assert_string_equal(e, "connect");
}

static void
test_nothing_when_nothing_is_close(void **state)
{
	(void)state;
	size_t n = sizeof(commands) / sizeof(commands[0]);
	_cleanup_free_ char *a = suggest("frobnicate", commands, n);
	assert_string_equal(a, "");
	_cleanup_free_ char *b = suggest("list", commands, n); /* exact: no suggestion */
	assert_string_equal(b, "");
	char longword[200];
	memset(longword, 'x', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	_cleanup_free_ char *c = suggest(longword, commands, n);
	assert_string_equal(c, "");
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance_weights_follow_git),
		cmocka_unit_test(test_suggests_the_closest_commands),
		cmocka_unit_test(test_nothing_when_nothing_is_close),
	};
	return cmocka_run_group_tests_name("suggest", tests, NULL, NULL);
}
