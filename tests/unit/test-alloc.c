/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/alloc.c: allocation that aborts instead of returning NULL. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "paude/core/alloc.h"

enum what { XREALLOC_OVERFLOW, XCALLOC_OVERFLOW, XREALLOC_GROW_OVERFLOW, XNONNULL_NULL };

/* Run one call in a child: true when the child died of SIGABRT. */
static bool
aborts(enum what w)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No core file for the abort we expect. */
		(void)signal(SIGABRT, SIG_DFL);
		void *p = NULL;
		switch (w) {
		case XREALLOC_OVERFLOW:
			p = paude_xrealloc(NULL, SIZE_MAX / 2 + 2, 2);
			break;
		case XCALLOC_OVERFLOW:
			p = paude_xcalloc(SIZE_MAX / 4, 8);
			break;
		case XREALLOC_GROW_OVERFLOW: {
			char *v = paude_xrealloc(NULL, 4, 1);
			p = paude_xrealloc(v, SIZE_MAX, sizeof(uint64_t));
			break;
		}
		case XNONNULL_NULL:
			p = paude_xnonnull(NULL);
			break;
		}
		/* Not reached when the call aborted. */
		free(p);
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
test_xrealloc_array_overflow_aborts_instead_of_wrapping(void **state)
{
	(void)state;
	assert_true(aborts(XREALLOC_OVERFLOW));
	assert_true(aborts(XREALLOC_GROW_OVERFLOW));
}

static void
test_xcalloc_overflow_aborts(void **state)
{
	(void)state;
	assert_true(aborts(XCALLOC_OVERFLOW));
}

static void
test_xnonnull_aborts_on_null_and_passes_pointers_through(void **state)
{
	(void)state;
	assert_true(aborts(XNONNULL_NULL));
	int x = 0;
	assert_ptr_equal(paude_xnonnull(&x), &x);
}

static void
test_xrealloc_grows_and_keeps_contents(void **state)
{
	(void)state;
	int *v = paude_xrealloc(NULL, 2, sizeof(*v));
	v[0] = 7;
	v[1] = 8;
	v = paude_xrealloc(v, 1000, sizeof(*v));
	assert_int_equal(v[0], 7);
	assert_int_equal(v[1], 8);
	v[999] = 9;
	free(v);
}

static void
test_zero_sizes_give_distinct_pointers(void **state)
{
	(void)state;
	void *a = paude_xmalloc(0);
	void *b = paude_xcalloc(0, 8);
	void *c = paude_xrealloc(NULL, 0, 8);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(b, c);
	free(a);
	free(b);
	free(c);
}

static void
test_xcalloc_zeroes(void **state)
{
	(void)state;
	unsigned char *p = paude_xcalloc(64, 4);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(p[i], 0);
	free(p);
}

static void
test_strings_copy_and_format(void **state)
{
	(void)state;
	char *a = paude_xstrdup("session");
	assert_string_equal(a, "session");
	char *b = paude_xstrndup("session-name", 7);
	assert_string_equal(b, "session");
	char *c = paude_xstrndup("ab", 10);
	assert_string_equal(c, "ab");
	char *d = paude_xasprintf("%s '%s' %d", "session", "x", 3);
	assert_string_equal(d, "session 'x' 3");
	char *e = paude_xasprintf("%s", "");
	assert_string_equal(e, "");
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xrealloc_array_overflow_aborts_instead_of_wrapping),
		cmocka_unit_test(test_xcalloc_overflow_aborts),
		cmocka_unit_test(test_xnonnull_aborts_on_null_and_passes_pointers_through),
		cmocka_unit_test(test_xrealloc_grows_and_keeps_contents),
		cmocka_unit_test(test_zero_sizes_give_distinct_pointers),
		cmocka_unit_test(test_xcalloc_zeroes),
		cmocka_unit_test(test_strings_copy_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
