/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/session/limits.c: sizes and CPU counts, parsed and written back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/session/limits.h"
#include "paude/core/buf.h"
#include "paude/core/macro.h"

static uint64_t
size_ok(const char *s)
{
	uint64_t v = 0;
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_size_parse(&v, s, "size", 1, UINT64_MAX, &err) < 0)
		fail_msg("'%s': %s", s, err->msg);
	return v;
}

static void
test_size_parse_units_and_spellings(void **state)
{
	(void)state;
	assert_true(size_ok("123") == 123);
	assert_true(size_ok("1k") == 1024);
	assert_true(size_ok("512m") == 512ull << 20);
	assert_true(size_ok("512M") == 512ull << 20);
	assert_true(size_ok("8g") == 8ull << 30);
	assert_true(size_ok("8Gi") == 8ull << 30);
	assert_true(size_ok("10GiB") == 10ull << 30);
	assert_true(size_ok("10gb") == 10ull << 30);
	assert_true(size_ok("2t") == 2ull << 40);
	assert_true(size_ok("100b") == 100);
}

static void
test_size_parse_refuses_bad_values_with_the_reason(void **state)
{
	(void)state;
	static const char *const bad[] = { "",    "g",   "-1g",  "1.5g",  "8 g",
					   "8gg", "8x",  "0x10", "8g\n",  "1e9",
					   "ki",  "8ib", "+8g",  "8g;rm", "99999999999999999999" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t v = 7;
		_cleanup_error_ struct paude_error *err = NULL;
		if (paude_size_parse(&v, bad[i], "--memory value", 1, UINT64_MAX, &err) !=
		    PAUDE_EUSAGE)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(v == 7);
		assert_non_null(strstr(err->msg, "invalid --memory value '"));
	}
	/* In range or not: the bounds are named. */
	uint64_t v = 0;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(
	    paude_size_parse(&v, "1m", "--memory value", 64ull << 20, 1ull << 50, &err),
	    PAUDE_EUSAGE);
	assert_string_equal(err->msg,
			    "invalid --memory value '1m' (it must be between 64m and 1024t)");
	paude_error_free(TAKE_PTR(err));
	assert_int_equal(paude_size_parse(&v, "99999999t", "size", 1, 1ull << 50, &err),
			 PAUDE_EUSAGE);
}

static void
test_size_format_podman_and_kube(void **state)
{
	(void)state;
	static const struct {
		uint64_t v;
		const char *podman, *kube;
	} cases[] = {
		{ 8ull << 30, "8g", "8Gi" },
		{ 512ull << 20, "512m", "512Mi" },
		{ 1536ull << 20, "1536m", "1536Mi" },
		{ 3ull << 40, "3t", "3Ti" },
		{ 4096, "4k", "4Ki" },
		{ 1000, "1000", "1000" },
		{ 0, "0", "0" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *p = paude_size_format(cases[i].v);
		_cleanup_free_ char *k = paude_size_format_kube(cases[i].v);
		assert_string_equal(p, cases[i].podman);
		assert_string_equal(k, cases[i].kube);
	}
}

static void
test_cpus_parse_and_format(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned milli;
		const char *podman, *kube;
	} cases[] = {
		{ "2", 2000, "2", "2" },           { "0.5", 500, "0.5", "500m" },
		{ "1.25", 1250, "1.25", "1250m" }, { ".5", 500, "0.5", "500m" },
		{ "0.01", 10, "0.01", "10m" },     { "1.005", 1005, "1.005", "1005m" },
		{ "16", 16000, "16", "16" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned m = 0;
		_cleanup_error_ struct paude_error *err = NULL;
		if (paude_cpus_parse(&m, cases[i].in, "CPU count", &err) < 0)
			fail_msg("'%s': %s", cases[i].in, err->msg);
		assert_int_equal(m, cases[i].milli);
		_cleanup_free_ char *p = paude_cpus_format(m);
		_cleanup_free_ char *k = paude_cpus_format_kube(m);
		assert_string_equal(p, cases[i].podman);
		assert_string_equal(k, cases[i].kube);
	}
	static const char *const bad[] = { "",   "0",   "0.001", "1.0001", "two",  "-1",
					   "1.", "1,5", "2 ",    "1e3",    "2000", "." };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned m = 9;
		_cleanup_error_ struct paude_error *err = NULL;
		if (paude_cpus_parse(&m, bad[i], "--cpus value", &err) != PAUDE_EUSAGE)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(m, 9);
		assert_non_null(strstr(err->msg, "invalid --cpus value '"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_parse_units_and_spellings),
		cmocka_unit_test(test_size_parse_refuses_bad_values_with_the_reason),
		cmocka_unit_test(test_size_format_podman_and_kube),
		cmocka_unit_test(test_cpus_parse_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
