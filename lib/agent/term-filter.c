/* SPDX-License-Identifier: MIT */
/*
 * The attached terminal's filter (see term-filter.h): a small state machine
 * after the shape of a terminal's own parser (ECMA-48, as in VT500-series
 * parsers): ground, escape, escape intermediate, control sequence, and
 * the string sequences, which are swallowed. UTF-8 is decoded strictly, as
 * in sanitize.c.
 */
#include <stdbool.h>
#include <string.h>
#include "paude/agent/term-filter.h"
#include "core/banned.h"

enum {
	GROUND = 0,
	UTF8, /* seq holds the start of a multi-byte character */
	ESC,
	ESC_INTER,
	CSI,
	CSI_IGNORE, /* a control sequence too long to keep: dropped to its end */
	STRING, /* OSC, DCS, APC, PM, SOS: dropped to their end */
	STRING_ESC,
};

/* Past this, a string that never ends stops swallowing what follows. */
#define STRING_MAX (64u << 10)

static void
pass_seq(struct paude_term_filter *f, struct paude_buf *out)
{
	paude_buf_add(out, f->seq, f->nseq, NULL);
	f->nseq = 0;
	f->state = GROUND;
}

static void
drop_seq(struct paude_term_filter *f)
{
	f->nseq = 0;
	f->state = GROUND;
}

static void
start_esc(struct paude_term_filter *f)
{
	f->seq[0] = 0x1b;
	f->nseq = 1;
	f->state = ESC;
}

static bool
keep(struct paude_term_filter *f, unsigned char b)
{
	if (f->nseq >= sizeof(f->seq))
		return false;
	f->seq[f->nseq++] = b;
	return true;
}

/* Bytes a character starting with lead has (0: not a lead), and the range of its second byte. */
static size_t
utf8_len(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef) {
		*lo = lead == 0xe0 ? 0xa0 : 0x80;
		*hi = lead == 0xed ? 0x9f : 0xbf;
		return 3;
	}
	if (lead >= 0xf0 && lead <= 0xf4) {
		*lo = lead == 0xf0 ? 0x90 : 0x80;
		*hi = lead == 0xf4 ? 0x8f : 0xbf;
		return 4;
	}
	return 0;
}

static void
ground(struct paude_term_filter *f, struct paude_buf *out, unsigned char b)
{
	unsigned char lo, hi;
	if (b == 0x1b) {
		start_esc(f);
	} else if (b < 0x20) {
		/* BEL, BS, HT, LF, CR, SO, SI: what drawing needs; the rest goes. */
		if (b == 0x07 || b == 0x08 || b == 0x09 || b == 0x0a || b == 0x0d || b == 0x0e ||
		    b == 0x0f)
			paude_buf_addch(out, (char)b, NULL);
	} else if (b < 0x7f) {
		paude_buf_addch(out, (char)b, NULL);
	} else if (utf8_len(b, &lo, &hi)) {
		f->seq[0] = b;
		f->nseq = 1;
		f->state = UTF8;
	}
	/* DEL, stray continuation bytes and bytes never used in UTF-8: dropped. */
}

/* Returns false when b ends the character without belonging to it (reprocess it). */
static bool
utf8(struct paude_term_filter *f, struct paude_buf *out, unsigned char b)
{
	unsigned char lo, hi;
	size_t n = utf8_len(f->seq[0], &lo, &hi);
	if (f->nseq > 1) {
		lo = 0x80;
		hi = 0xbf;
	}
	if (b < lo || b > hi) {
		drop_seq(f);
		return false;
	}
	f->seq[f->nseq++] = b;
	if (f->nseq < n)
		return true;
	/* U+0080..U+009F (C2 80..C2 9F) are the C1 controls: CSI, OSC, DCS in 8 bits. */
	if (f->seq[0] == 0xc2 && f->seq[1] <= 0x9f)
		drop_seq(f);
	else
		pass_seq(f, out);
	return true;
}

/* One byte; false when it must be processed again in the new state. */
static bool
step(struct paude_term_filter *f, struct paude_buf *out, unsigned char b)
{
	switch (f->state) {
	case GROUND:
		ground(f, out, b);
		return true;
	case UTF8:
		return utf8(f, out, b);
	case ESC:
		if (b == '[') {
			keep(f, b);
			f->state = CSI;
		} else if (b == ']' || b == 'P' || b == '_' || b == '^' || b == 'X') {
			f->nseq = 0;
			f->dropped = 0;
			f->state = STRING;
		} else if (b >= 0x20 && b <= 0x2f) {
			keep(f, b);
			f->state = ESC_INTER;
		} else if (b == '\\' || b == 0x18 || b == 0x1a) {
			/* A string terminator with no string; CAN and SUB cancel. */
			drop_seq(f);
		} else if (b >= 0x30 && b <= 0x7e) {
			keep(f, b);
			pass_seq(f, out);
		} else if (b == 0x1b) {
			start_esc(f);
		} else {
			drop_seq(f);
			return false;
		}
		return true;
	case ESC_INTER:
		if (b >= 0x20 && b <= 0x2f) {
			if (!keep(f, b))
				drop_seq(f);
		} else if (b >= 0x30 && b <= 0x7e) {
			if (keep(f, b))
				pass_seq(f, out);
			else
				drop_seq(f);
		} else {
			drop_seq(f);
			return b == 0x18 || b == 0x1a;
		}
		return true;
	case CSI:
		if (b >= 0x20 && b <= 0x3f) {
			if (!keep(f, b)) {
				f->nseq = 0;
				f->state = CSI_IGNORE;
			}
		} else if (b >= 0x40 && b <= 0x7e) {
			/* CSI ... t: window operations (title stack, reports, size);
			 * CSI ... i: media copy (to a printer, or from the screen). */
			if (b == 't' || b == 'i' || !keep(f, b))
				drop_seq(f);
			else
				pass_seq(f, out);
		} else if (b == 0x1b) {
			start_esc(f);
		} else {
			drop_seq(f);
			return b == 0x18 || b == 0x1a;
		}
		return true;
	case CSI_IGNORE:
		if (b >= 0x40 && b <= 0x7e)
			f->state = GROUND;
		else if (b < 0x20 || b > 0x3f) {
			f->state = GROUND;
			return b == 0x18 || b == 0x1a;
		}
		return true;
	case STRING:
		if (b == 0x1b)
			f->state = STRING_ESC;
		else if (b == 0x07 || b == 0x18 || b == 0x1a || ++f->dropped > STRING_MAX)
			f->state = GROUND;
		return true;
	case STRING_ESC:
		if (b == '\\') {
			f->state = GROUND;
			return true;
		}
		/* Any other ESC ends the string too and starts a sequence. */
		start_esc(f);
		return false;
	default:
		drop_seq(f);
		return true;
	}
}

void
paude_term_filter_init(struct paude_term_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->state = GROUND;
}

void
paude_term_filter_feed(struct paude_term_filter *f, struct paude_buf *out, const char *in,
		       size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	for (size_t i = 0; i < len; i++) {
		/* A byte that ends a sequence without belonging to it is taken by
		 * the state it leads to; that chain is at most three long. */
		for (int k = 0; k < 4 && !step(f, out, p[i]); k++)
			;
	}
}
