/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/buf.c: invariants, caps, ownership, formatting, quoting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <cmocka.h>
#include "paude/core/buf.h"

static void
assert_invariants(const struct paude_buf *b)
{
	assert_non_null(b->buf);
	assert_int_equal(b->buf[b->len], '\0');
	if (b->alloc)
		assert_true(b->len < b->alloc);
	else
		assert_int_equal(b->len, 0);
	if (b->max)
		assert_true(b->len <= b->max);
}

static void
test_init_gives_empty_nul_terminated_string(void **state)
{
	(void)state;
	struct paude_buf a = PAUDE_BUF_INIT;
	assert_invariants(&a);
	assert_string_equal(a.buf, "");
	struct paude_buf b;
	paude_buf_init(&b, 10);
	assert_invariants(&b);
	assert_int_equal(b.max, 10);
	paude_buf_release(&a);
	paude_buf_release(&b);
	assert_invariants(&b);
	assert_int_equal(b.max, 10);
}

static void
test_add_appends_bytes_and_keeps_nul(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_addstr(&b, "hello", NULL), 0);
	assert_int_equal(paude_buf_addch(&b, ' ', NULL), 0);
	assert_int_equal(paude_buf_add(&b, "world!!", 5, NULL), 0);
	assert_int_equal(paude_buf_add(&b, NULL, 0, NULL), 0);
	assert_string_equal(b.buf, "hello world");
	assert_int_equal(b.len, 11);
	assert_invariants(&b);
}

static void
test_add_keeps_embedded_nul_bytes(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_add(&b, "a\0b", 3, NULL);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.buf, "a\0b", 4);
}

static void
test_grows_across_many_appends(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	for (int i = 0; i < 10000; i++)
		paude_buf_addch(&b, (char)('a' + i % 26), NULL);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.buf[9999], 'a' + 9999 % 26);
	assert_invariants(&b);
}

static void
test_cap_rejects_and_leaves_buffer_unchanged(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(8);
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_buf_addstr(&b, "12345", NULL), 0);
	assert_int_equal(paude_buf_addstr(&b, "6789", &err), PAUDE_EPROTO);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "8 bytes"));
	assert_string_equal(b.buf, "12345");
	assert_int_equal(b.len, 5);
	assert_invariants(&b);
	/* Exactly up to the cap is fine. */
	assert_int_equal(paude_buf_addstr(&b, "678", NULL), 0);
	assert_string_equal(b.buf, "12345678");
	assert_int_equal(paude_buf_addch(&b, 'x', NULL), PAUDE_EPROTO);
	assert_int_equal(paude_buf_addf(&b, NULL, "%d", 1), PAUDE_EPROTO);
	assert_string_equal(b.buf, "12345678");
	assert_invariants(&b);
}

static void
test_cap_rejects_huge_length_without_overflow(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(16);
	paude_buf_addstr(&b, "abc", NULL);
	assert_int_equal(paude_buf_add(&b, "x", SIZE_MAX - 1, NULL), PAUDE_EPROTO);
	assert_string_equal(b.buf, "abc");
}

static void
test_addf_formats_and_appends(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_addstr(&b, ">", NULL);
	assert_int_equal(paude_buf_addf(&b, NULL, "%s=%d;%05.1f", "k", -42, 3.14159), 0);
	assert_string_equal(b.buf, ">k=-42;003.1");
	assert_int_equal(paude_buf_addf(&b, NULL, "%s", ""), 0);
	assert_int_equal(b.len, strlen(">k=-42;003.1"));
	/* Long output forces a grow in the middle of formatting. */
	char big[5000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	paude_buf_addf(&b, NULL, "[%s]", big);
	assert_int_equal(b.len, strlen(">k=-42;003.1") + 2 + 4999);
	assert_int_equal(b.buf[b.len - 1], ']');
	assert_invariants(&b);
}

static void
test_addf_on_empty_buffer_with_empty_result(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_addf(&b, NULL, "%s", ""), 0);
	assert_int_equal(b.len, 0);
	assert_invariants(&b);
}

static void
test_detach_transfers_ownership_and_empties(void **state)
{
	(void)state;
	struct paude_buf b = PAUDE_BUF_INIT_MAX(100);
	paude_buf_addstr(&b, "owned", NULL);
	char *s = paude_buf_detach(&b);
	assert_string_equal(s, "owned");
	assert_invariants(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	assert_int_equal(b.max, 100);
	free(s);
	/* Detaching an empty buffer still gives a freeable string. */
	char *e = paude_buf_detach(&b);
	assert_non_null(e);
	assert_string_equal(e, "");
	assert_true(e != paude_buf_empty);
	free(e);
}

static void
test_reset_setlen_and_rtrim(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_addstr(&b, "text \t\r\n\n", NULL);
	paude_buf_rtrim(&b);
	assert_string_equal(b.buf, "text");
	paude_buf_setlen(&b, 2);
	assert_string_equal(b.buf, "te");
	paude_buf_reset(&b);
	assert_string_equal(b.buf, "");
	assert_invariants(&b);
	struct paude_buf e = PAUDE_BUF_INIT;
	paude_buf_rtrim(&e);
	paude_buf_reset(&e);
	assert_invariants(&e);
	paude_buf_addstr(&b, "   ", NULL);
	paude_buf_rtrim(&b);
	assert_int_equal(b.len, 0);
}

static void
test_release_then_reuse(void **state)
{
	(void)state;
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_addstr(&b, "one", NULL);
	paude_buf_release(&b);
	assert_invariants(&b);
	paude_buf_addstr(&b, "two", NULL);
	assert_string_equal(b.buf, "two");
	paude_buf_release(&b);
	paude_buf_release(&b);
}

static void
test_grow_reserves_without_changing_content(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_grow(&b, 1000);
	assert_true(b.alloc >= 1001);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
}

static char *
quoted(const char *s)
{
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_add_shell_quoted(&b, s);
	return paude_buf_detach(&b);
}

static void
check_quote(const char *in, const char *want)
{
	_cleanup_free_ char *got = quoted(in);
	assert_string_equal(got, want);
}

static void
test_shell_quote_leaves_safe_words_bare(void **state)
{
	(void)state;
	check_quote("podman", "podman");
	check_quote("--format=json", "--format=json");
	check_quote("a/b.c:d@e%f+g,h_i", "a/b.c:d@e%f+g,h_i");
}

static void
test_shell_quote_quotes_empty_spaces_and_specials(void **state)
{
	(void)state;
	check_quote("", "''");
	check_quote("two words", "'two words'");
	check_quote("$HOME", "'$HOME'");
	check_quote("*", "'*'");
	check_quote("a;b", "'a;b'");
	check_quote("line\nbreak", "'line\nbreak'");
	check_quote("\"dq\"", "'\"dq\"'");
}

static void
test_shell_quote_escapes_single_quotes(void **state)
{
	(void)state;
	check_quote("it's", "'it'\\''s'");
	check_quote("'", "''\\'''");
}

static void
test_shell_quote_quotes_non_ascii(void **state)
{
	(void)state;
	check_quote("caf\xc3\xa9", "'caf\xc3\xa9'");
	check_quote("\xe2\x9c\x93", "'\xe2\x9c\x93'");
}

static void
test_read_fd_reads_until_eof(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "pipe data", 9), 9);
	close(p[1]);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_addstr(&b, ">", NULL);
	assert_int_equal(paude_buf_read_fd(&b, p[0], NULL), 0);
	close(p[0]);
	assert_string_equal(b.buf, ">pipe data");
}

static void
test_read_fd_respects_cap(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(4);
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_buf_read_fd(&b, p[0], &err), PAUDE_EPROTO);
	close(p[0]);
	assert_int_equal(b.len, 0);
	assert_invariants(&b);
}

static void
test_read_file_missing_is_enotfound(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_buf_read_file(&b, "/nonexistent/paude-test", &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "file '/nonexistent/paude-test' not found");
}

static void
test_read_file_over_cap_keeps_code_without_err(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(3);
	/* With err == NULL the specific code must still come back. */
	assert_int_equal(paude_buf_read_file(&b, "/proc/self/status", NULL), PAUDE_EPROTO);
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_buf_read_file(&b, "/proc/self/status", &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "cannot read '/proc/self/status': "));
}

static void
test_read_file_appends_contents(void **state)
{
	(void)state;
	char path[] = "/tmp/paude-test-buf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "file\n", 5), 5);
	close(fd);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&b, path, NULL), 0);
	unlink(path);
	assert_string_equal(b.buf, "file\n");
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_gives_empty_nul_terminated_string),
		cmocka_unit_test(test_add_appends_bytes_and_keeps_nul),
		cmocka_unit_test(test_add_keeps_embedded_nul_bytes),
		cmocka_unit_test(test_grows_across_many_appends),
		cmocka_unit_test(test_cap_rejects_and_leaves_buffer_unchanged),
		cmocka_unit_test(test_cap_rejects_huge_length_without_overflow),
		cmocka_unit_test(test_addf_formats_and_appends),
		cmocka_unit_test(test_addf_on_empty_buffer_with_empty_result),
		cmocka_unit_test(test_detach_transfers_ownership_and_empties),
		cmocka_unit_test(test_reset_setlen_and_rtrim),
		cmocka_unit_test(test_release_then_reuse),
		cmocka_unit_test(test_grow_reserves_without_changing_content),
		cmocka_unit_test(test_shell_quote_leaves_safe_words_bare),
		cmocka_unit_test(test_shell_quote_quotes_empty_spaces_and_specials),
		cmocka_unit_test(test_shell_quote_escapes_single_quotes),
		cmocka_unit_test(test_shell_quote_quotes_non_ascii),
		cmocka_unit_test(test_read_fd_reads_until_eof),
		cmocka_unit_test(test_read_fd_respects_cap),
		cmocka_unit_test(test_read_file_missing_is_enotfound),
		cmocka_unit_test(test_read_file_over_cap_keeps_code_without_err),
		cmocka_unit_test(test_read_file_appends_contents),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
