/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the sanitizer (lib/core/sanitize.c). Besides not crashing, it
 * checks that its output never holds a control byte (but '\n' and '\t' in
 * lines mode), that sanitizing twice changes nothing more (so nothing left
 * would be escaped: no C1 or bidirectional control, no invalid UTF-8), that
 * the input cut anywhere and fed in two pieces gives the same output, and
 * that JSON text from json-c stays valid JSON with the same meaning.
 */
#include <stdint.h>
#include <string.h>
#include "paude/core/json.h"
#include "paude/core/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *in, size_t len, size_t cut, unsigned flags)
{
	_cleanup_buf_ struct paude_buf once = PAUDE_BUF_INIT;
	paude_sanitize(&once, in, len, flags);
	for (size_t i = 0; i < once.len; i++) {
		unsigned char c = (unsigned char)once.buf[i];
		if ((c < 0x20 || c == 0x7f) &&
		    !((flags & PAUDE_SANITIZE_LINES) && (c == '\n' || c == '\t')))
			abort();
	}
	_cleanup_buf_ struct paude_buf twice = PAUDE_BUF_INIT;
	paude_sanitize(&twice, once.buf, once.len, flags);
	if (twice.len != once.len || memcmp(twice.buf, once.buf, once.len) != 0)
		abort();
	_cleanup_buf_ struct paude_buf split = PAUDE_BUF_INIT;
	struct paude_sanitizer s;
	paude_sanitizer_init(&s, flags);
	paude_sanitizer_feed(&s, &split, in, cut);
	paude_sanitizer_feed(&s, &split, in + cut, len - cut);
	paude_sanitizer_finish(&s, &split);
	if (split.len != once.len || memcmp(split.buf, once.buf, once.len) != 0)
		abort();
}

static void
check_json(const char *in, size_t len)
{
	_cleanup_json_ struct json_object *o = json_object_new_array();
	json_object_array_add(o, json_object_new_string_len(in, (int)len));
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	paude_json_write(&text, o, false);
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_sanitize(&safe, text.buf, text.len, PAUDE_SANITIZE_JSON);
	_cleanup_json_ struct json_object *back = NULL;
	if (paude_json_parse(&back, safe.buf, safe.len, "fuzz", NULL) < 0)
		abort();
	/* What it parses to goes through again unchanged (only invalid bytes,
	 * now U+FFFD, ever change a string). */
	_cleanup_buf_ struct paude_buf text2 = PAUDE_BUF_INIT;
	paude_json_write(&text2, back, false);
	_cleanup_buf_ struct paude_buf safe2 = PAUDE_BUF_INIT;
	paude_sanitize(&safe2, text2.buf, text2.len, PAUDE_SANITIZE_JSON);
	_cleanup_json_ struct json_object *back2 = NULL;
	if (paude_json_parse(&back2, safe2.buf, safe2.len, "fuzz", NULL) < 0)
		abort();
	struct json_object *s1 = json_object_array_get_idx(back, 0);
	struct json_object *s2 = json_object_array_get_idx(back2, 0);
	int n1 = json_object_get_string_len(s1), n2 = json_object_get_string_len(s2);
	if (n1 != n2 || memcmp(json_object_get_string(s1), json_object_get_string(s2), (size_t)n1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 16)
		return 0;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	size_t cut = len ? data[0] % (len + 1) : 0;
	check_text(in, len, cut, 0);
	check_text(in, len, cut, PAUDE_SANITIZE_LINES);
	check_json(in, len);
	return 0;
}
