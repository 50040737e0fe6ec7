/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/core/sha256.h"

static void
hex_of(const char *s, size_t n, char out[PAUDE_SHA256_HEX_LEN + 1])
{
	paude_sha256_hex(s, n, out);
}

static void
test_sha256_fips_vectors(void **state)
{
	(void)state;
	char hex[PAUDE_SHA256_HEX_LEN + 1];
	hex_of("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(m448, strlen(m448), hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			   "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	hex_of(m896, strlen(m896), hex);
	assert_string_equal(hex,
			    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void
test_sha256_million_a_in_odd_chunks(void **state)
{
	(void)state;
	char chunk[997];
	memset(chunk, 'a', sizeof(chunk));
	struct paude_sha256 h;
	paude_sha256_init(&h);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		paude_sha256_update(&h, chunk, n);
		left -= n;
	}
	char hex[PAUDE_SHA256_HEX_LEN + 1];
	paude_sha256_final_hex(&h, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the padding boundaries (55/56 and 64 bytes), checked
 * against coreutils sha256sum. */
static void
test_sha256_padding_boundaries(void **state)
{
	(void)state;
	static const struct {
		size_t n;
		const char *hex;
	} cases[] = {
		{ 55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072" },
		{ 56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e" },
		{ 63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2" },
		{ 64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c" },
		{ 65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9" },
		{ 119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c" },
		{ 120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98" },
	};
	char buf[128];
	memset(buf, 'x', sizeof(buf));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char hex[PAUDE_SHA256_HEX_LEN + 1];
		hex_of(buf, cases[i].n, hex);
		assert_string_equal(hex, cases[i].hex);
	}
}

static void
test_sha256_byte_at_a_time_matches_one_shot(void **state)
{
	(void)state;
	char data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof(data); n += 13) {
		char one[PAUDE_SHA256_HEX_LEN + 1], inc[PAUDE_SHA256_HEX_LEN + 1];
		paude_sha256_hex(data, n, one);
		struct paude_sha256 h;
		paude_sha256_init(&h);
		for (size_t i = 0; i < n; i++)
			paude_sha256_update(&h, data + i, 1);
		paude_sha256_final_hex(&h, inc);
		assert_string_equal(one, inc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_fips_vectors),
		cmocka_unit_test(test_sha256_million_a_in_odd_chunks),
		cmocka_unit_test(test_sha256_padding_boundaries),
		cmocka_unit_test(test_sha256_byte_at_a_time_matches_one_shot),
	};
	return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
