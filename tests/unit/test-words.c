/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/words.c: shell-like splitting without expansion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/core/words.h"

/* Split s and compare with the expected words (NULL-terminated). */
static void
check_split(const char *s, const char *const *want)
{
	_cleanup_strvec_ struct paude_strvec out = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_words_split(&out, s, &err), 0);
	assert_null(err);
	size_t n = 0;
	while (want[n])
		n++;
	for (size_t i = 0; i < n && i < out.nr; i++)
		assert_string_equal(out.v[i], want[i]);
	assert_int_equal(out.nr, n);
	assert_null(out.v[out.nr]);
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

static void
test_prompt_in_double_quotes_is_one_word(void **state)
{
	(void)state;
	check_split("-p \"explain this code\"", W("-p", "explain this code"));
}

static void
test_blanks_separate_and_collapse(void **state)
{
	(void)state;
	check_split("  a \t b\n\nc  ", W("a", "b", "c"));
	check_split("", NONE);
	check_split(" \t\n ", NONE);
}

static void
test_single_quotes_are_fully_literal(void **state)
{
	(void)state;
	check_split("'a \"b\" \\c $d'", W("a \"b\" \\c $d"));
	check_split("'it'\\''s'", W("it's"));
}

static void
test_double_quotes_escape_only_special_characters(void **state)
{
	(void)state;
	check_split("\"a \\\"q\\\" \\\\ \\$x \\n\"", W("a \"q\" \\ $x \\n"));
	check_split("\"line\\\ncont\"", W("linecont"));
}

static void
test_backslash_outside_quotes_quotes_next_character(void **state)
{
	(void)state;
	check_split("a\\ b c", W("a b", "c"));
	check_split("\\'x\\\"", W("'x\""));
	check_split("\\\\", W("\\"));
}

static void
test_backslash_newline_joins_without_empty_word(void **state)
{
	(void)state;
	check_split("a \\\n b", W("a", "b"));
	check_split("ab\\\ncd", W("abcd"));
	check_split("\\\n", NONE);
}

static void
test_empty_quotes_make_empty_words(void **state)
{
	(void)state;
	check_split("''", W(""));
	check_split("\"\"", W(""));
	check_split("a '' b \"\"", W("a", "", "b", ""));
}

static void
test_adjacent_quoted_parts_join_into_one_word(void **state)
{
	(void)state;
	check_split("--model='opus'\"-4\"x", W("--model=opus-4x"));
}

static void
test_no_expansion_of_variables_globs_or_tilde(void **state)
{
	(void)state;
	check_split("$HOME * ~ `id` $(id) ?.c", W("$HOME", "*", "~", "`id`", "$(id)", "?.c"));
	check_split("\"$HOME\" '*'", W("$HOME", "*"));
}

static void
test_non_ascii_passes_through(void **state)
{
	(void)state;
	check_split("caf\xc3\xa9 \"\xe2\x9c\x93 ok\"", W("caf\xc3\xa9", "\xe2\x9c\x93 ok"));
}

static void
test_appends_to_existing_words(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec out = PAUDE_STRVEC_INIT;
	paude_strvec_push(&out, "claude");
	assert_int_equal(paude_words_split(&out, "--verbose -p x", NULL), 0);
	assert_int_equal(out.nr, 4);
	assert_string_equal(out.v[0], "claude");
	assert_string_equal(out.v[3], "x");
}

static void
check_usage_error(const char *s, const char *msg_part)
{
	_cleanup_strvec_ struct paude_strvec out = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	paude_strvec_push(&out, "keep");
	assert_int_equal(paude_words_split(&out, s, &err), PAUDE_EUSAGE);
	assert_non_null(err);
	assert_int_equal(err->code, PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, msg_part));
	/* out is unchanged on failure. */
	assert_int_equal(out.nr, 1);
	assert_string_equal(out.v[0], "keep");
	assert_null(out.v[1]);
}

static void
test_unterminated_quotes_are_usage_errors(void **state)
{
	(void)state;
	check_usage_error("a 'b c", "unterminated single quote");
	check_usage_error("a \"b c", "unterminated double quote");
	check_usage_error("ok \"ends with backslash\\\"", "unterminated double quote");
	check_usage_error("'", "unterminated single quote");
}

static void
test_trailing_backslash_is_usage_error(void **state)
{
	(void)state;
	check_usage_error("a b\\", "trailing backslash");
	check_usage_error("\\", "trailing backslash");
}

static void
test_failure_without_err_still_returns_code(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec out = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_words_split(&out, "'x", NULL), PAUDE_EUSAGE);
	assert_int_equal(out.nr, 0);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompt_in_double_quotes_is_one_word),
		cmocka_unit_test(test_blanks_separate_and_collapse),
		cmocka_unit_test(test_single_quotes_are_fully_literal),
		cmocka_unit_test(test_double_quotes_escape_only_special_characters),
		cmocka_unit_test(test_backslash_outside_quotes_quotes_next_character),
		cmocka_unit_test(test_backslash_newline_joins_without_empty_word),
		cmocka_unit_test(test_empty_quotes_make_empty_words),
		cmocka_unit_test(test_adjacent_quoted_parts_join_into_one_word),
		cmocka_unit_test(test_no_expansion_of_variables_globs_or_tilde),
		cmocka_unit_test(test_non_ascii_passes_through),
		cmocka_unit_test(test_appends_to_existing_words),
		cmocka_unit_test(test_unterminated_quotes_are_usage_errors),
		cmocka_unit_test(test_trailing_backslash_is_usage_error),
		cmocka_unit_test(test_failure_without_err_still_returns_code),
	};
	return cmocka_run_group_tests_name("words", tests, NULL, NULL);
}
