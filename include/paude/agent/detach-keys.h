/* SPDX-License-Identifier: MIT */
/*
 * --detach-keys for start and connect, in podman's notation: a comma-
 * separated sequence of keys, each "ctrl-X" (X one of a-z, @, [, \, ], ^,
 * _) or a single printable character other than ','. paude's relay between
 * the user's terminal and the session watches the keys typed for the
 * sequence: the keys of a sequence that breaks off are passed on as typed,
 * the keys of a complete one are not, and the attach ends.
 */
#ifndef PAUDE_DETACH_KEYS_H
#define PAUDE_DETACH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include "paude/core/buf.h"
#include "paude/core/error.h"

#define PAUDE_DETACH_KEYS_MAX 16

struct paude_detach_keys {
	unsigned char seq[PAUDE_DETACH_KEYS_MAX];
	size_t len; /* 0: no sequence (an empty --detach-keys) */
	size_t matched; /* keys of seq typed so far, held back */
};

/* Parse spec into k (matched 0). PAUDE_EUSAGE naming the bad key. */
int paude_detach_keys_parse(struct paude_detach_keys *k, const char *spec,
			    struct paude_error **err);
/*
 * Feed keys typed: what goes on to the session is appended to pass.
 * Returns true when the sequence is complete (the rest of in is dropped:
 * the attach ends).
 */
bool paude_detach_keys_feed(struct paude_detach_keys *k, const char *in, size_t n,
			    struct paude_buf *pass);

#endif
