/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the attached terminal's filter (lib/agent/term-filter.c).
 * Besides not crashing, it checks that the output never starts a string
 * sequence (OSC, DCS, APC, PM, SOS), a window operation or a C1 control,
 * holds no control byte a screen does not need, passes the filter again
 * unchanged, and is the same when the input is fed in two pieces.
 */
#include <stdint.h>
#include <string.h>
#include "paude/agent/term-filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
filter(struct paude_buf *out, const char *in, size_t len, size_t cut)
{
	struct paude_term_filter f;
	paude_term_filter_init(&f);
	paude_term_filter_feed(&f, out, in, cut);
	paude_term_filter_feed(&f, out, in + cut, len - cut);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 17)
		return 0;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	size_t cut = len ? data[0] % (len + 1) : 0;
	_cleanup_buf_ struct paude_buf once = PAUDE_BUF_INIT;
	filter(&once, in, len, len);
	const unsigned char *p = (const unsigned char *)once.buf;
	for (size_t i = 0; i < once.len; i++) {
		unsigned char c = p[i];
		if (c < 0x20 && !strchr("\a\b\t\n\r\016\017\033", c))
			abort();
		if (c == 0x7f || (c >= 0x80 && c <= 0x9f && (i == 0 || p[i - 1] == 0xc2)))
			abort();
		if (c == 0x1b && i + 1 < once.len && strchr("]P_^X\\", p[i + 1]))
			abort();
		if (c == 0x1b && i + 1 == once.len)
			abort(); /* a sequence is passed whole or not at all */
	}
	_cleanup_buf_ struct paude_buf twice = PAUDE_BUF_INIT;
	filter(&twice, once.buf, once.len, once.len);
	if (twice.len != once.len || memcmp(twice.buf, once.buf, once.len) != 0)
		abort();
	_cleanup_buf_ struct paude_buf split = PAUDE_BUF_INIT;
	filter(&split, in, len, cut);
	if (split.len != once.len || memcmp(split.buf, once.buf, once.len) != 0)
		abort();
	return 0;
}
