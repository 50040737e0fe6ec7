/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/agent/term-filter.c: what may pass from a session to the terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/agent/term-filter.h"

static void
check(const char *in, size_t len, const char *want)
{
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	struct paude_term_filter f;
	paude_term_filter_init(&f);
	paude_term_filter_feed(&f, &out, in, len);
	assert_string_equal(out.buf, want);
	/* Byte by byte: the same. */
	_cleanup_buf_ struct paude_buf bytes = PAUDE_BUF_INIT;
	paude_term_filter_init(&f);
	for (size_t i = 0; i < len; i++)
		paude_term_filter_feed(&f, &bytes, in + i, 1);
	assert_string_equal(bytes.buf, want);
}

#define CHECK(lit, want) check(lit, sizeof(lit) - 1, want)

static void
test_drawing_passes(void **state)
{
	(void)state;
	/* What tmux draws with: cursor moves, colours, scroll regions, modes,
	 * charsets, keypad, save/restore, text with UTF-8, line drawing (SO/SI). */
	const char screen[] = "\033[?1049h\033[H\033[2J\033[1;24r\033[38;5;208mcaf\303\251\033[0m"
			      "\033[?25l\0337\033(B\033)0\016qqq\017\0338\033=\033>\033[?2004h"
			      "\r\n\tok\b\a\033[>c\033[6n";
	CHECK(screen, screen);
}

static void
test_string_sequences_are_dropped_whole(void **state)
{
	(void)state;
	/* OSC 52 with BEL and with ST, a title, a hyperlink. */
	CHECK("a\033]52;c;cGF5bG9hZA==\007b", "ab");
	CHECK("a\033]52;c;cGF5bG9hZA==\033\\b", "ab");
	CHECK("\033]0;owned\007\033]8;;http://x/\033\\link\033]8;;\033\\", "link");
	/* tmux passthrough (DCS), a terminal query (DCS), APC, PM, SOS. */
	CHECK("x\033Ptmux;\033\033]52;c;eA==\007\033\\y", "xy");
	CHECK("\033P$qm\033\\\033_apc\033\\\033^pm\033\\\033Xsos\033\\z", "z");
}

static void
test_window_operations_and_stray_controls_are_dropped(void **state)
{
	(void)state;
	/* Title report, resize, title stack: CSI ... t. */
	CHECK("\033[21t\033[8;100;100t\033[22;0t.", ".");
	/* Media copy: print the screen, printer controller mode. */
	CHECK("\033[i\033[5i.\033[4i", ".");
	/* NUL, ENQ (answerback), DEL, a lone continuation byte, an invalid byte. */
	CHECK("a\000b\005c\177d\200e\377f", "abcdef");
}

static void
test_c1_controls_are_dropped_in_utf8_and_raw(void **state)
{
	(void)state;
	/* U+009B (CSI), U+009D (OSC) encoded in UTF-8, and the raw 8-bit bytes. */
	CHECK("a\302\2332Jb\302\23552;c;eA==\007c", "a2Jb52;c;eA==\007c");
	CHECK("a\2332Jb", "a2Jb");
	/* U+00A0 just after the range passes. */
	CHECK("\302\240", "\302\240");
}

static void
test_an_escape_ends_a_string_and_starts_a_sequence(void **state)
{
	(void)state;
	CHECK("\033]0;x\033[1mbold", "\033[1mbold");
	/* CAN cancels a sequence; a C0 inside one ends it and is itself judged. */
	CHECK("\033[12\030x\033[3\ny", "x\ny");
}

static void
test_sequences_split_between_feeds_are_held(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	struct paude_term_filter f;
	paude_term_filter_init(&f);
	paude_term_filter_feed(&f, &out, "a\033[3", 4);
	assert_string_equal(out.buf, "a");
	paude_term_filter_feed(&f, &out, "1mb\033]5", 7);
	paude_term_filter_feed(&f, &out, "2;c;eA==", 8);
	paude_term_filter_feed(&f, &out, "\007c\342\202", 4);
	paude_term_filter_feed(&f, &out, "\254", 1);
	assert_string_equal(out.buf, "a\033[31mbc\342\202\254");
}

static void
test_overlong_sequences_are_dropped_without_losing_text(void **state)
{
	(void)state;
	char in[1200];
	size_t n = 0;
	in[n++] = '\033';
	in[n++] = '[';
	for (int i = 0; i < 1000; i++)
		in[n++] = i % 2 ? ';' : '1';
	in[n++] = 'm';
	memcpy(in + n, "after", 5);
	n += 5;
	check(in, n, "after");
	/* A string that never ends stops swallowing after 64 KiB. */
	static char big[70000];
	memcpy(big, "\033]0;", 4);
	memset(big + 4, 'x', sizeof(big) - 4 - 3);
	memcpy(big + sizeof(big) - 3, "end", 3);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	struct paude_term_filter f;
	paude_term_filter_init(&f);
	paude_term_filter_feed(&f, &out, big, sizeof(big));
	assert_true(out.len < sizeof(big) - 60000);
	assert_int_equal(memcmp(out.buf + out.len - 3, "end", 3), 0);
}

int
main(void)
{
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drawing_passes),
		cmocka_unit_test(test_string_sequences_are_dropped_whole),
		cmocka_unit_test(test_window_operations_and_stray_controls_are_dropped),
		cmocka_unit_test(test_c1_controls_are_dropped_in_utf8_and_raw),
		cmocka_unit_test(test_an_escape_ends_a_string_and_starts_a_sequence),
		cmocka_unit_test(test_sequences_split_between_feeds_are_held),
		cmocka_unit_test(test_overlong_sequences_are_dropped_without_losing_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
