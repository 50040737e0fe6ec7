/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/sanitize.c: what a session produced, made safe to print. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include <json-c/json.h>
#include "paude/core/sanitize.h"
#include "paude/core/json.h"

static void
check(const char *in, size_t len, unsigned flags, const char *want)
{
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	paude_sanitize(&out, in, len, flags);
	assert_string_equal(out.buf, want);
	/* The same input fed one byte at a time gives the same result. */
	_cleanup_buf_ struct paude_buf bytes = PAUDE_BUF_INIT;
	struct paude_sanitizer s;
	paude_sanitizer_init(&s, flags);
	for (size_t i = 0; i < len; i++)
		paude_sanitizer_feed(&s, &bytes, in + i, 1);
	paude_sanitizer_finish(&s, &bytes);
	assert_string_equal(bytes.buf, want);
}

#define CHECK(lit, flags, want) check(lit, sizeof(lit) - 1, flags, want)

static void
test_printable_text_and_utf8_pass_unchanged(void **state)
{
	(void)state;
	CHECK("GET http://allowed.test/ 200", 0, "GET http://allowed.test/ 200");
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK("", 0, "");
}

static void
test_escape_sequences_are_escaped(void **state)
{
	(void)state;
	/* OSC 52 (clipboard), OSC 0 (title), CSI (clear screen). */
	CHECK("\x1b]52;c;cGF5bG9hZA==\x07", 0, "\\x1b]52;c;cGF5bG9hZA==\\x07");
	CHECK("\x1b]0;TITLE\x1b\\ \x1b[2J", 0, "\\x1b]0;TITLE\\x1b\\ \\x1b[2J");
	CHECK("a\x7f"
	      "b\x00"
	      "c",
	      0, "a\\x7fb\\x00c");
}

static void
test_newline_and_tab_stay_only_in_lines_mode(void **state)
{
	(void)state;
	CHECK("one\ttwo\nthree\r\n", PAUDE_SANITIZE_LINES, "one\ttwo\nthree\\r\n");
	CHECK("one\ttwo\nthree\r\n", 0, "one\\ttwo\\nthree\\r\\n");
}

static void
test_c1_and_bidi_controls_are_escaped(void **state)
{
	(void)state;
	/* U+009B is CSI on terminals that take C1 controls in UTF-8. */
	CHECK("\xc2\x9b"
	      "2J",
	      0, "\\u009b2J");
	CHECK("x\xc2\x85y", 0, "x\\u0085y");
	/* U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE. */
	CHECK("a\xe2\x80\xae"
	      "b\xe2\x81\xa6"
	      "c",
	      0, "a\\u202eb\\u2066c");
	/* Neighbours of the escaped ranges pass. */
	CHECK("\xc2\xa0\xe2\x80\xaf", 0, "\xc2\xa0\xe2\x80\xaf");
}

static void
test_invalid_utf8_is_escaped_byte_by_byte(void **state)
{
	(void)state;
	/* A raw C1 byte (CSI on 8-bit terminals), a lone continuation, a cut sequence. */
	CHECK("\x9b"
	      "2J",
	      0, "\\x9b2J");
	CHECK("a\x80"
	      "b",
	      0, "a\\x80b");
	CHECK("\xe2\x82", 0, "\\xe2\\x82");
	CHECK("\xe2\x82"
	      "x",
	      0, "\\xe2\\x82x");
	/* Overlong '/' and NUL, a surrogate, past U+10FFFF, bytes never used. */
	CHECK("\xc0\xaf\xc1\xbf", 0, "\\xc0\\xaf\\xc1\\xbf");
	CHECK("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf");
	CHECK("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");
	CHECK("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80");
	CHECK("\xf5\xff\xfe", 0, "\\xf5\\xff\\xfe");
	/* The largest valid code points pass. */
	CHECK("\xf4\x8f\xbf\xbf\xef\xbf\xbd", 0, "\xf4\x8f\xbf\xbf\xef\xbf\xbd");
}

static void
test_sequences_split_between_feeds_are_judged_whole(void **state)
{
	(void)state;
	struct paude_sanitizer s;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	paude_sanitizer_init(&s, PAUDE_SANITIZE_LINES);
	paude_sanitizer_feed(&s, &out, "ok \xf0\x9f", 5);
	assert_string_equal(out.buf, "ok ");
	paude_sanitizer_feed(&s, &out, "\x98", 1);
	paude_sanitizer_feed(&s, &out, "\x80 \xc2", 3);
	paude_sanitizer_feed(&s, &out, "\x9b!\n", 3);
	/* A held-back start that the next piece shows was not one. */
	paude_sanitizer_feed(&s, &out, "\xe2", 1);
	paude_sanitizer_feed(&s, &out, "A\xe2\x82", 3);
	paude_sanitizer_finish(&s, &out);
	assert_string_equal(out.buf, "ok \xf0\x9f\x98\x80 \\u009b!\n\\xe2A\\xe2\\x82");
}

static void
test_capped_buffer_truncates_without_overflow(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(8);
	paude_sanitize(&out, "abcd\x1b\x1b\x1b", 7, 0);
	assert_true(out.len <= 8);
	assert_int_equal(strncmp(out.buf, "abcd", 4), 0);
}

static void
test_sanitize_str_copies_and_handles_null(void **state)
{
	(void)state;
	_cleanup_free_ char *a = paude_sanitize_str("x\x1b[31my", 0);
	assert_string_equal(a, "x\\x1b[31my");
	_cleanup_free_ char *b = paude_sanitize_str(NULL, 0);
	assert_string_equal(b, "");
}

static void
test_json_mode_keeps_json_valid_and_meaning(void **state)
{
	(void)state;
	/* json-c escapes C0 itself but copies DEL, C1 and invalid bytes raw. */
	const char raw[] = "a\x7f"
			   "b\xc2\x9b"
			   "c\xff"
			   "d\x1b"
			   "e\xe2\x80\xae"
			   "f\xc3\xa9";
	_cleanup_json_ struct json_object *o = json_object_new_object();
	json_object_object_add(o, "label", json_object_new_string(raw));
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	paude_json_write(&text, o, true);
	assert_null(strchr(text.buf, 0x1b)); /* json-c's own escaping of C0 */
	assert_non_null(strchr(text.buf, 0x7f)); /* ...but not of DEL */
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_sanitize(&safe, text.buf, text.len, PAUDE_SANITIZE_JSON);
	for (size_t i = 0; i < safe.len; i++)
		assert_true(safe.buf[i] == '\n' ||
			    ((unsigned char)safe.buf[i] >= 0x20 && safe.buf[i] != 0x7f));
	assert_non_null(strstr(safe.buf, "a\\u007fb\\u009bc\\ufffdd\\u001be\\u202ef\xc3\xa9"));
	_cleanup_json_ struct json_object *back = NULL;
	assert_int_equal(paude_json_parse(&back, safe.buf, safe.len, "test", NULL), 0);
	assert_string_equal(paude_json_get_str(back, "label"), "a\x7f"
							       "b\xc2\x9b"
							       "c\xef\xbf\xbd"
							       "d\x1b"
							       "e\xe2\x80\xae"
							       "f\xc3\xa9");
}

static void
test_copy_sanitizes_a_stream_until_eof(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	const char text[] = "line \x1b[2J\n\xf0\x9f\x98\x80 \xe2";
	assert_int_equal(write(in[1], text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(in[1]);
	assert_int_equal(paude_sanitize_copy(in[0], out[1], PAUDE_SANITIZE_LINES, NULL), 0);
	close(in[0]);
	close(out[1]);
	_cleanup_buf_ struct paude_buf got = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_fd(&got, out[0], NULL), 0);
	close(out[0]);
	/* The cut sequence at the end of the stream is escaped at EOF. */
	assert_string_equal(got.buf, "line \\x1b[2J\n\xf0\x9f\x98\x80 \\xe2");
}

int
main(void)
{
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_text_and_utf8_pass_unchanged),
		cmocka_unit_test(test_escape_sequences_are_escaped),
		cmocka_unit_test(test_newline_and_tab_stay_only_in_lines_mode),
		cmocka_unit_test(test_c1_and_bidi_controls_are_escaped),
		cmocka_unit_test(test_invalid_utf8_is_escaped_byte_by_byte),
		cmocka_unit_test(test_sequences_split_between_feeds_are_judged_whole),
		cmocka_unit_test(test_capped_buffer_truncates_without_overflow),
		cmocka_unit_test(test_sanitize_str_copies_and_handles_null),
		cmocka_unit_test(test_json_mode_keeps_json_valid_and_meaning),
		cmocka_unit_test(test_copy_sanitizes_a_stream_until_eof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
