/* SPDX-License-Identifier: MIT */
/*
 * Splitting a string into words the way a POSIX shell would, with quoting
 * ('...', "...", backslash) but with no expansion of any kind: $, `, *, ~
 * are plain characters. Used for `paude create -a '-p "explain this"'`.
 */
#ifndef PAUDE_WORDS_H
#define PAUDE_WORDS_H

#include "paude/core/strvec.h"
#include "paude/core/error.h"

/* Append the words of s to out. PAUDE_EUSAGE on an unterminated quote or a
 * trailing backslash; out is unchanged on failure. */
int paude_words_split(struct paude_strvec *out, const char *s, struct paude_error **err);

#endif
