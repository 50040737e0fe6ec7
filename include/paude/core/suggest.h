/* SPDX-License-Identifier: MIT */
/*
 * "Did you mean ...?" for mistyped commands and options, weighted as git
 * weighs them (help.c): swapping two neighbours is free, adding a letter
 * costs 1, changing one 2, dropping one 3; a candidate that starts with
 * what was typed counts as a perfect match.
 */
#ifndef PAUDE_SUGGEST_H
#define PAUDE_SUGGEST_H

#include <stddef.h>
#include "paude/core/strvec.h"

/* The weighted distance from what was typed to a candidate. */
unsigned paude_suggest_distance(const char *typed, const char *candidate);

/*
 * Append to out the candidates closest to typed (all that share the best
 * distance, in the order given, at most 3), or nothing when none is close
 * enough to be a plausible typo. Candidates equal to typed are skipped.
 */
void paude_suggest(struct paude_strvec *out, const char *typed, const char *const *candidates,
		   size_t n);

#endif
