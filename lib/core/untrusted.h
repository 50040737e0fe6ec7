/* SPDX-License-Identifier: MIT */
/* Showing untrusted bytes in error messages (private to lib/). */
#ifndef PAUDE_UNTRUSTED_H
#define PAUDE_UNTRUSTED_H

#include <stdio.h>
#include <string.h>

/*
 * Copy s (n bytes) into shown for a message: printable ASCII kept, anything
 * else (and the quote and backslash) as \xNN, cut with "..." when it does
 * not fit. shown is always NUL-terminated.
 */
static inline void
paude_show_untrusted(char *shown, size_t size, const char *s, size_t n)
{
	size_t j = 0, i;
	for (i = 0; i < n && j + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			shown[j++] = (char)c;
		else
			j += (size_t)snprintf(shown + j, size - j, "\\x%02x", c);
	}
	if (i < n && j + 4 <= size) {
		memcpy(shown + j, "...", 3);
		j += 3;
	}
	shown[j] = '\0';
}

#endif
