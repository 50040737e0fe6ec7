/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/strvec.c: a NULL-terminated vector of owned strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/core/strvec.h"

static void
assert_terminated(const struct paude_strvec *sv)
{
	assert_non_null(sv->v);
	assert_null(sv->v[sv->nr]);
	for (size_t i = 0; i < sv->nr; i++)
		assert_non_null(sv->v[i]);
}

static void
test_init_is_empty_and_null_terminated(void **state)
{
	(void)state;
	struct paude_strvec a = PAUDE_STRVEC_INIT;
	assert_terminated(&a);
	assert_int_equal(a.nr, 0);
	struct paude_strvec b;
	paude_strvec_init(&b);
	assert_terminated(&b);
	paude_strvec_clear(&a);
	paude_strvec_clear(&b);
	assert_terminated(&a);
}

static void
test_push_copies_the_string(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	char tmp[] = "mutable";
	const char *stored = paude_strvec_push(&sv, tmp);
	tmp[0] = 'X';
	assert_string_equal(stored, "mutable");
	assert_ptr_equal(stored, sv.v[0]);
	assert_int_equal(sv.nr, 1);
	assert_terminated(&sv);
}

static void
test_push_many_keeps_order_and_terminator(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	for (int i = 0; i < 100; i++)
		paude_strvec_pushf(&sv, "item-%d", i);
	assert_int_equal(sv.nr, 100);
	assert_string_equal(sv.v[0], "item-0");
	assert_string_equal(sv.v[57], "item-57");
	assert_string_equal(sv.v[99], "item-99");
	assert_terminated(&sv);
}

static void
test_pushl_pushv_and_nodup(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&sv, "podman", "ps", "-a", NULL);
	paude_strvec_pushv(&sv, (const char *const[]){ "--format", "json", NULL });
	paude_strvec_pushv(&sv, NULL);
	char *owned = strdup("owned");
	paude_strvec_push_nodup(&sv, owned);
	assert_ptr_equal(sv.v[5], owned);
	assert_int_equal(sv.nr, 6);
	assert_string_equal(sv.v[3], "--format");
	assert_terminated(&sv);
}

static void
test_pop_removes_last_and_ignores_empty(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	paude_strvec_pop(&sv);
	paude_strvec_pushl(&sv, "a", "b", NULL);
	paude_strvec_pop(&sv);
	assert_int_equal(sv.nr, 1);
	assert_string_equal(sv.v[0], "a");
	assert_terminated(&sv);
}

static void
test_find_returns_index_or_minus_one(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_strvec_find(&sv, "x"), -1);
	paude_strvec_pushl(&sv, "a", "b", "a", NULL);
	assert_int_equal(paude_strvec_find(&sv, "a"), 0);
	assert_int_equal(paude_strvec_find(&sv, "b"), 1);
	assert_int_equal(paude_strvec_find(&sv, "c"), -1);
	assert_int_equal(paude_strvec_find(&sv, ""), -1);
}

static void
test_remove_keeps_order_and_terminator(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&sv, "a", "b", "c", "d", NULL);
	paude_strvec_remove(&sv, 1);
	assert_int_equal(sv.nr, 3);
	assert_string_equal(sv.v[0], "a");
	assert_string_equal(sv.v[1], "c");
	assert_string_equal(sv.v[2], "d");
	assert_terminated(&sv);
	paude_strvec_remove(&sv, 2);
	assert_int_equal(sv.nr, 2);
	assert_terminated(&sv);
	paude_strvec_remove(&sv, 99);
	assert_int_equal(sv.nr, 2);
	paude_strvec_remove(&sv, 0);
	paude_strvec_remove(&sv, 0);
	assert_int_equal(sv.nr, 0);
	assert_terminated(&sv);
}

static void
test_detach_gives_freeable_array(void **state)
{
	(void)state;
	struct paude_strvec sv = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&sv, "x", "y", NULL);
	char **v = paude_strvec_detach(&sv);
	assert_string_equal(v[0], "x");
	assert_string_equal(v[1], "y");
	assert_null(v[2]);
	assert_int_equal(sv.nr, 0);
	assert_terminated(&sv);
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
	char **e = paude_strvec_detach(&sv);
	assert_non_null(e);
	assert_null(e[0]);
	assert_true(e != paude_strvec_empty);
	free(e);
}

static void
test_clear_then_reuse(void **state)
{
	(void)state;
	struct paude_strvec sv = PAUDE_STRVEC_INIT;
	paude_strvec_push(&sv, "one");
	paude_strvec_clear(&sv);
	assert_int_equal(sv.nr, 0);
	assert_terminated(&sv);
	paude_strvec_push(&sv, "two");
	assert_string_equal(sv.v[0], "two");
	paude_strvec_clear(&sv);
	paude_strvec_clear(&sv);
}

static void
test_empty_strings_are_elements(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&sv, "", "", NULL);
	assert_int_equal(sv.nr, 2);
	assert_int_equal(paude_strvec_find(&sv, ""), 0);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty_and_null_terminated),
		cmocka_unit_test(test_push_copies_the_string),
		cmocka_unit_test(test_push_many_keeps_order_and_terminator),
		cmocka_unit_test(test_pushl_pushv_and_nodup),
		cmocka_unit_test(test_pop_removes_last_and_ignores_empty),
		cmocka_unit_test(test_find_returns_index_or_minus_one),
		cmocka_unit_test(test_remove_keeps_order_and_terminator),
		cmocka_unit_test(test_detach_gives_freeable_array),
		cmocka_unit_test(test_clear_then_reuse),
		cmocka_unit_test(test_empty_strings_are_elements),
	};
	return cmocka_run_group_tests_name("strvec", tests, NULL, NULL);
}
