/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for paude_words_split. Besides not crashing, it checks two
 * properties: a failed split leaves the output alone, and quoting each word
 * of a successful split with paude_buf_add_shell_quoted and splitting the
 * result again gives back the same words.
 */
#include <stdint.h>
#include <string.h>
#include "paude/core/words.h"
#include "paude/core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	_cleanup_free_ char *s = strndup((const char *)data, size);
	if (!s)
		abort();
	_cleanup_strvec_ struct paude_strvec words = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	paude_strvec_push(&words, "sentinel");
	int r = paude_words_split(&words, s, &err);
	if (r < 0) {
		if (r != PAUDE_EUSAGE || !err || words.nr != 1)
			abort();
		return 0;
	}
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	for (size_t i = 1; i < words.nr; i++) {
		if (i > 1)
			paude_buf_addch(&line, ' ', NULL);
		paude_buf_add_shell_quoted(&line, words.v[i]);
	}
	_cleanup_strvec_ struct paude_strvec again = PAUDE_STRVEC_INIT;
	paude_strvec_push(&again, "sentinel");
	if (paude_words_split(&again, line.buf, NULL) < 0 || again.nr != words.nr)
		abort();
	for (size_t i = 0; i < words.nr; i++)
		if (strcmp(words.v[i], again.v[i]))
			abort();
	return 0;
}
