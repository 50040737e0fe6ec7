/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/fs.c, inside a fresh temporary directory per test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "paude/core/fs.h"
#include "paude/core/buf.h"

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	char *dir = strdup("/tmp/paude-test-fs-XXXXXX");
	if (!dir || !mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	char *dir = *state;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return 0;
}

static void
test_path_join_adds_one_slash(void **state)
{
	(void)state;
	_cleanup_free_ char *a = paude_path_join("/a", "b");
	_cleanup_free_ char *b = paude_path_join("/a/", "b");
	_cleanup_free_ char *c = paude_path_join("", "b");
	assert_string_equal(a, "/a/b");
	assert_string_equal(b, "/a/b");
	assert_string_equal(c, "/b");
}

static void
test_mkdir_p_creates_nested_and_is_idempotent(void **state)
{
	_cleanup_free_ char *p = paude_path_join(*state, "a/b/c");
	assert_int_equal(paude_mkdir_p(p, 0700, NULL), 0);
	assert_true(paude_is_dir(p));
	assert_int_equal(paude_mkdir_p(p, 0700, NULL), 0);
	_cleanup_free_ char *q = paude_path_join(*state, "x//y/");
	assert_int_equal(paude_mkdir_p(q, 0700, NULL), 0);
	assert_true(paude_is_dir(q));
}

static void
test_mkdir_p_fails_through_a_file(void **state)
{
	_cleanup_free_ char *f = paude_path_join(*state, "file");
	assert_int_equal(paude_write_file(f, "x", 1, 0600, NULL), 0);
	_cleanup_free_ char *p = paude_path_join(f, "sub");
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_mkdir_p(p, 0700, &err), PAUDE_EOS);
	assert_int_equal(err->sys_errno, ENOTDIR);
	assert_non_null(strstr(err->msg, "cannot create directory"));
	_cleanup_error_ struct paude_error *err2 = NULL;
	assert_int_equal(paude_mkdir_p(f, 0700, &err2), PAUDE_EOS);
	assert_non_null(strstr(err2->msg, "is not a directory"));
}

static void
test_mkdir_p_rejects_empty_path(void **state)
{
	(void)state;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_true(paude_mkdir_p("", 0700, &err) < 0);
	assert_non_null(err);
}

static void
test_write_file_is_atomic_and_sets_mode(void **state)
{
	_cleanup_free_ char *f = paude_path_join(*state, "data");
	assert_int_equal(paude_write_file(f, "first", 5, 0640, NULL), 0);
	assert_int_equal(paude_write_file(f, "second\0x", 8, 0640, NULL), 0);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&b, f, NULL), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.buf, "second\0x", 8);
	struct stat st;
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 0077 & ~0640, 0);
	/* No temporary file is left behind. */
	_cleanup_free_ char *tmp = NULL;
	assert_true(asprintf(&tmp, "%s.tmp.%ld", f, (long)getpid()) > 0);
	assert_false(paude_exists(tmp));
}

static void
test_write_file_into_missing_dir_fails(void **state)
{
	_cleanup_free_ char *f = paude_path_join(*state, "no/such/file");
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_write_file(f, "x", 1, 0600, &err), PAUDE_EOS);
	assert_int_equal(err->sys_errno, ENOENT);
}

static void
test_is_dir_is_file_exists(void **state)
{
	_cleanup_free_ char *f = paude_path_join(*state, "f");
	_cleanup_free_ char *l = paude_path_join(*state, "dangling");
	paude_write_file(f, "", 0, 0600, NULL);
	assert_int_equal(symlink("/nonexistent/target", l), 0);
	assert_true(paude_is_dir(*state));
	assert_false(paude_is_file(*state));
	assert_true(paude_is_file(f));
	assert_false(paude_is_dir(f));
	assert_true(paude_exists(l));
	assert_false(paude_is_file(l));
	assert_false(paude_exists("/nonexistent/x"));
}

static void
test_realpath_resolves_symlinks_and_fails_on_missing(void **state)
{
	_cleanup_free_ char *l = paude_path_join(*state, "link");
	assert_int_equal(symlink(*state, l), 0);
	_cleanup_free_ char *sub = paude_path_join(l, ".");
	char *out = NULL;
	assert_int_equal(paude_realpath(&out, sub, NULL), 0);
	_cleanup_free_ char *want = realpath(*state, NULL);
	assert_string_equal(out, want);
	free(out);
	out = (char *)"untouched";
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_realpath(&out, "/nonexistent/x", &err), PAUDE_EOS);
	assert_string_equal(out, "untouched");
	assert_non_null(strstr(err->msg, "cannot resolve '/nonexistent/x'"));
}

static void
test_home_and_xdg_dirs_follow_environment(void **state)
{
	(void)state;
	_cleanup_free_ char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", "/home/tester", 1);
	unsetenv("XDG_CACHE_HOME");
	unsetenv("XDG_STATE_HOME");
	assert_string_equal(paude_home_dir(), "/home/tester");
	_cleanup_free_ char *c = paude_cache_dir();
	_cleanup_free_ char *s = paude_state_dir();
	assert_string_equal(c, "/home/tester/.cache/paude");
	assert_string_equal(s, "/home/tester/.local/state/paude");
	setenv("XDG_CACHE_HOME", "/xdg/cache", 1);
	setenv("XDG_STATE_HOME", "relative/ignored", 1);
	_cleanup_free_ char *c2 = paude_cache_dir();
	_cleanup_free_ char *s2 = paude_state_dir();
	assert_string_equal(c2, "/xdg/cache/paude");
	assert_string_equal(s2, "/home/tester/.local/state/paude");
	/* A relative HOME is not trusted. */
	setenv("HOME", "relative", 1);
	assert_true(paude_home_dir()[0] == '/');
	unsetenv("XDG_CACHE_HOME");
	unsetenv("XDG_STATE_HOME");
	if (old_home)
		setenv("HOME", old_home, 1);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_join_adds_one_slash),
		cmocka_unit_test_setup_teardown(test_mkdir_p_creates_nested_and_is_idempotent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p_fails_through_a_file, setup, teardown),
		cmocka_unit_test(test_mkdir_p_rejects_empty_path),
		cmocka_unit_test_setup_teardown(test_write_file_is_atomic_and_sets_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_file_into_missing_dir_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_is_dir_is_file_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_realpath_resolves_symlinks_and_fails_on_missing, setup, teardown),
		cmocka_unit_test(test_home_and_xdg_dirs_follow_environment),
	};
	return cmocka_run_group_tests_name("fs", tests, NULL, NULL);
}
