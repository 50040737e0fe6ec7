/* SPDX-License-Identifier: MIT */
/*
 * The filter between an attached session and the user's terminal. Unlike
 * the sanitizer (sanitize.h), which makes text printable, this one must let
 * a full-screen program draw: it passes what a terminal needs to draw a
 * screen and nothing that reaches beyond it.
 *
 * Passed: printable UTF-8 (C1 controls U+0080..U+009F and invalid bytes
 * dropped); the C0 controls BS, HT, LF, CR, BEL, SO and SI; escape
 * sequences (ESC, optional intermediates, a final byte: cursor save and
 * restore, keypad modes, character sets) and control sequences (CSI), but
 * not CSI ... t (window operations: title stack, reports, resizing) nor
 * CSI ... i (media copy: printing).
 * Dropped whole: every string sequence, whose content a terminal acts on:
 * OSC (title, clipboard OSC 52, hyperlinks, colours, notifications), DCS
 * (tmux passthrough, terminal queries and settings), APC, PM and SOS; the
 * other C0 controls and DEL. A sequence cut between two feeds is held back
 * until it is complete; overlong ones are dropped.
 */
#ifndef PAUDE_TERM_FILTER_H
#define PAUDE_TERM_FILTER_H

#include <stddef.h>
#include "paude/core/buf.h"

#define PAUDE_TERM_SEQ_MAX 256 /* longer CSI and ESC sequences are dropped */

struct paude_term_filter {
	int state;
	size_t nseq;
	unsigned char seq[PAUDE_TERM_SEQ_MAX];
	size_t dropped; /* bytes of the string sequence being dropped */
};

void paude_term_filter_init(struct paude_term_filter *f);
/* Append what may reach the terminal of in[0..len) to out. */
void paude_term_filter_feed(struct paude_term_filter *f, struct paude_buf *out, const char *in,
			    size_t len);

#endif
