/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/error.c: the error object and its contract. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/core/error.h"

static void
test_set_fills_code_errno_and_formatted_message(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *err = NULL;
	int r = paude_error_set(&err, PAUDE_ENOTFOUND, 2, "session '%s' not found", "x");
	assert_int_equal(r, PAUDE_ENOTFOUND);
	assert_non_null(err);
	assert_int_equal(err->code, PAUDE_ENOTFOUND);
	assert_int_equal(err->sys_errno, 2);
	assert_int_equal(err->child_status, 0);
	assert_string_equal(err->msg, "session 'x' not found");
}

static void
test_set_keeps_the_first_error(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *err = NULL;
	paude_error_set(&err, PAUDE_EPROTO, 0, "first");
	int r = paude_error_set(&err, PAUDE_EUSAGE, 0, "second");
	assert_int_equal(r, PAUDE_EUSAGE);
	assert_int_equal(err->code, PAUDE_EPROTO);
	assert_string_equal(err->msg, "first");
}

static void
test_set_with_null_err_only_returns_code(void **state)
{
	(void)state;
	assert_int_equal(paude_error_set(NULL, PAUDE_ECHILD, 0, "ignored %d", 1), PAUDE_ECHILD);
}

static void
test_errno_appends_strerror_and_uses_eos(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *err = NULL;
	int r = paude_error_errno(&err, ENOENT, "cannot open '%s'", "/nope");
	assert_int_equal(r, PAUDE_EOS);
	assert_int_equal(err->code, PAUDE_EOS);
	assert_int_equal(err->sys_errno, ENOENT);
	assert_string_equal(err->msg, "cannot open '/nope': No such file or directory");
	assert_int_equal(paude_error_errno(NULL, EIO, "x"), PAUDE_EOS);
}

static void
test_wrap_prefixes_context_and_keeps_code(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *err = NULL;
	paude_error_set(&err, PAUDE_ECHILD, 0, "exit 1");
	err->child_status = 1;
	int r = paude_error_wrap(&err, PAUDE_ECHILD, "podman %s", "ps");
	assert_int_equal(r, PAUDE_ECHILD);
	assert_string_equal(err->msg, "podman ps: exit 1");
	assert_int_equal(err->child_status, 1);
	paude_error_wrap(&err, PAUDE_ECHILD, "outer");
	assert_string_equal(err->msg, "outer: podman ps: exit 1");
}

static void
test_wrap_without_error_returns_the_given_code(void **state)
{
	(void)state;
	struct paude_error *err = NULL;
	assert_int_equal(paude_error_wrap(&err, PAUDE_ENOTFOUND, "ctx"), PAUDE_ENOTFOUND);
	assert_null(err);
	/* err == NULL (a caller that does not want the message) keeps the code too. */
	assert_int_equal(paude_error_wrap(NULL, PAUDE_EUSAGE, "ctx"), PAUDE_EUSAGE);
	assert_int_equal(paude_error_wrap(NULL, PAUDE_OK, "ctx"), PAUDE_OK);
}

static void
test_wrap_returns_the_given_code_not_the_stored_one(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *err = NULL;
	paude_error_set(&err, PAUDE_ECHILD, 0, "exit 1");
	assert_int_equal(paude_error_wrap(&err, PAUDE_EINTR, "ctx"), PAUDE_EINTR);
	assert_int_equal(err->code, PAUDE_ECHILD);
	assert_string_equal(err->msg, "ctx: exit 1");
}

static void
test_clear_frees_and_resets_to_null(void **state)
{
	(void)state;
	struct paude_error *err = NULL;
	paude_error_set(&err, PAUDE_EGENERIC, 0, "x");
	paude_error_clear(&err);
	assert_null(err);
	paude_error_clear(&err);
	paude_error_clear(NULL);
	paude_error_free(NULL);
	/* After clearing, a new error can be recorded. */
	paude_error_set(&err, PAUDE_EEXISTS, 0, "y");
	assert_string_equal(err->msg, "y");
	paude_error_free(err);
}

static void
test_exit_code_maps_usage_to_2_and_others_to_1(void **state)
{
	(void)state;
	assert_int_equal(paude_error_exit_code(PAUDE_OK), 0);
	assert_int_equal(paude_error_exit_code(PAUDE_EUSAGE), 2);
	const int others[] = { PAUDE_EGENERIC, PAUDE_ENOTFOUND, PAUDE_EEXISTS, PAUDE_ECHILD,
			       PAUDE_EPROTO,   PAUDE_ENOTSUP,   PAUDE_ESTATE,  PAUDE_EOS };
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		assert_int_equal(paude_error_exit_code(others[i]), 1);
}

static void
test_message_may_contain_percent_from_arguments(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *err = NULL;
	paude_error_set(&err, PAUDE_EUSAGE, 0, "bad '%s'", "%s%n%d");
	assert_string_equal(err->msg, "bad '%s%n%d'");
	paude_error_wrap(&err, PAUDE_EUSAGE, "%s", "100%");
	assert_string_equal(err->msg, "100%: bad '%s%n%d'");
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_fills_code_errno_and_formatted_message),
		cmocka_unit_test(test_set_keeps_the_first_error),
		cmocka_unit_test(test_set_with_null_err_only_returns_code),
		cmocka_unit_test(test_errno_appends_strerror_and_uses_eos),
		cmocka_unit_test(test_wrap_prefixes_context_and_keeps_code),
		cmocka_unit_test(test_wrap_without_error_returns_the_given_code),
		cmocka_unit_test(test_wrap_returns_the_given_code_not_the_stored_one),
		cmocka_unit_test(test_clear_frees_and_resets_to_null),
		cmocka_unit_test(test_exit_code_maps_usage_to_2_and_others_to_1),
		cmocka_unit_test(test_message_may_contain_percent_from_arguments),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
