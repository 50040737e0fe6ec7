/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/agent/detach-keys.c: podman's --detach-keys notation and the
 * relay's watch for the sequence. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/agent/detach-keys.h"

static void
test_parse_podman_notation(void **state)
{
	(void)state;
	struct paude_detach_keys k;
	assert_int_equal(paude_detach_keys_parse(&k, "ctrl-p,ctrl-q", NULL), 0);
	assert_int_equal(k.len, 2);
	assert_int_equal(k.seq[0], 0x10);
	assert_int_equal(k.seq[1], 0x11);
	assert_int_equal(
	    paude_detach_keys_parse(&k, "ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,x,Q", NULL), 0);
	const unsigned char want[] = { 0, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 'x', 'Q' };
	assert_int_equal(k.len, sizeof(want));
	assert_memory_equal(k.seq, want, sizeof(want));
	/* Empty: no sequence at all. */
	assert_int_equal(paude_detach_keys_parse(&k, "", NULL), 0);
	assert_int_equal(k.len, 0);
}

static void
test_parse_refuses_what_is_no_key(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"ctrl-", "ctrl-1",         "ctrl-A", "ab", "ctrl-p,",
		",",     "ctrl-p,,ctrl-q", "alt-x",  " ",  "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct paude_detach_keys k;
		struct paude_error *err = NULL;
		assert_int_equal(paude_detach_keys_parse(&k, bad[i], &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "invalid --detach-keys"));
		paude_error_free(err);
	}
}

/* Feed s in pieces of one byte or all at once; what passed, and whether it ended. */
static bool
feed(struct paude_detach_keys *k, const char *s, size_t n, bool bytewise, struct paude_buf *pass)
{
	if (!bytewise)
		return paude_detach_keys_feed(k, s, n, pass);
	for (size_t i = 0; i < n; i++)
		if (paude_detach_keys_feed(k, s + i, 1, pass))
			return true;
	return false;
}

static void
test_feed_passes_keys_and_ends_on_the_sequence(void **state)
{
	(void)state;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct paude_detach_keys k;
		assert_int_equal(paude_detach_keys_parse(&k, "ctrl-p,ctrl-q", NULL), 0);
		struct paude_buf pass = PAUDE_BUF_INIT;
		/* ctrl-p then x: both go on; ctrl-p ctrl-p ctrl-q ends after one ctrl-p. */
		assert_false(feed(&k, "ab\x10x", 4, bytewise, &pass));
		assert_int_equal(pass.len, 4);
		assert_memory_equal(pass.buf, "ab\x10x", 4);
		paude_buf_reset(&pass);
		assert_true(feed(&k, "c\x10\x10\x11zz", 6, bytewise, &pass));
		assert_int_equal(pass.len, 2);
		assert_memory_equal(pass.buf, "c\x10", 2);
		assert_int_equal(k.matched, 0);
		paude_buf_release(&pass);
	}
}

static void
test_feed_finds_the_sequence_inside_a_broken_one(void **state)
{
	(void)state;
	struct paude_detach_keys k;
	assert_int_equal(paude_detach_keys_parse(&k, "ctrl-a,ctrl-a,x", NULL), 0);
	struct paude_buf pass = PAUDE_BUF_INIT;
	assert_true(paude_detach_keys_feed(&k, "\x01\x01\x01x", 4, &pass));
	assert_int_equal(pass.len, 1);
	assert_int_equal(pass.buf[0], 1);
	paude_buf_release(&pass);

	/* A held key goes on when the next read breaks the sequence. */
	struct paude_buf p2 = PAUDE_BUF_INIT;
	assert_false(paude_detach_keys_feed(&k, "\x01", 1, &p2));
	assert_int_equal(p2.len, 0);
	assert_false(paude_detach_keys_feed(&k, "y", 1, &p2));
	assert_int_equal(p2.len, 2);
	assert_memory_equal(p2.buf, "\x01y", 2);
	paude_buf_release(&p2);
}

static void
test_no_sequence_passes_everything(void **state)
{
	(void)state;
	struct paude_detach_keys k;
	assert_int_equal(paude_detach_keys_parse(&k, NULL, NULL), 0);
	struct paude_buf pass = PAUDE_BUF_INIT;
	assert_false(paude_detach_keys_feed(&k,
					    "\x10\x11\x02"
					    "d",
					    4, &pass));
	assert_int_equal(pass.len, 4);
	paude_buf_release(&pass);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_podman_notation),
		cmocka_unit_test(test_parse_refuses_what_is_no_key),
		cmocka_unit_test(test_feed_passes_keys_and_ends_on_the_sequence),
		cmocka_unit_test(test_feed_finds_the_sequence_inside_a_broken_one),
		cmocka_unit_test(test_no_sequence_passes_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
