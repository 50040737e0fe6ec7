/* SPDX-License-Identifier: MIT */
/*
 * POSIX-shell-like word splitting without expansion. Rules follow the
 * shell: outside quotes, blanks separate words and backslash quotes the next
 * character (backslash-newline is removed); inside '...' everything is
 * literal; inside "..." backslash quotes only $ ` " \ and newline.
 */
#include <string.h>
#include <stdbool.h>
#include "paude/core/words.h"
#include "paude/core/buf.h"
#include "core/banned.h"

int
paude_words_split(struct paude_strvec *out, const char *s, struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec words = PAUDE_STRVEC_INIT;
	_cleanup_buf_ struct paude_buf w = PAUDE_BUF_INIT;
	bool in_word = false;

	for (const char *p = s; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				paude_strvec_push(&words, w.buf);
				paude_buf_reset(&w);
				in_word = false;
			}
			continue;
		}
		if (c == '\\') {
			if (!p[1])
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "trailing backslash in '%s'", s);
			p++;
			/* Backslash-newline is a line continuation: it neither
			 * adds a character nor starts a word. */
			if (*p != '\n') {
				paude_buf_addch(&w, *p, NULL);
				in_word = true;
			}
			continue;
		}
		in_word = true;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "unterminated single quote in '%s'", s);
			paude_buf_add(&w, p + 1, (size_t)(end - p - 1), NULL);
			p = end;
		} else if (c == '"') {
			for (p++;; p++) {
				if (!*p)
					return paude_error_set(err, PAUDE_EUSAGE, 0,
							       "unterminated double quote in '%s'",
							       s);
				if (*p == '"')
					break;
				if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) {
					p++;
					if (*p != '\n')
						paude_buf_addch(&w, *p, NULL);
					continue;
				}
				paude_buf_addch(&w, *p, NULL);
			}
		} else {
			paude_buf_addch(&w, c, NULL);
		}
	}
	if (in_word)
		paude_strvec_push(&words, w.buf);
	for (size_t i = 0; i < words.nr; i++)
		paude_strvec_push(out, words.v[i]);
	return 0;
}
