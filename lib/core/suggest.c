/* SPDX-License-Identifier: MIT */
/*
 * Suggestions for typos: the optimal string alignment distance (Levenshtein
 * plus swaps of neighbours) with git's weights, so `paude lsit` finds
 * `list` and `--conf` finds `--confirm`.
 */
#include <string.h>
#include <stdlib.h>
#include "paude/core/suggest.h"
#include "core/banned.h"

enum {
	COST_SWAP = 0,
	COST_SUBST = 2,
	COST_ADD = 1,
	COST_DROP = 3,
	/* git's SIMILARITY_FLOOR: farther than this is not a typo. */
	FLOOR = 7,
	MAX_SUGGESTIONS = 3,
	MAX_LEN = 64,
};

static unsigned
min2(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

unsigned
paude_suggest_distance(const char *typed, const char *candidate)
{
	size_t n = strlen(typed), m = strlen(candidate);
	if (n > MAX_LEN || m > MAX_LEN)
		return ~0u;
	if (n > 0 && !strncmp(candidate, typed, n))
		return 0;
	/* Three rows of the (n+1) x (m+1) table: two back for swaps. */
	unsigned rows[3][MAX_LEN + 1];
	unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= m; j++)
		prev[j] = (unsigned)j * COST_ADD;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = (unsigned)i * COST_DROP;
		for (size_t j = 1; j <= m; j++) {
			unsigned d =
			    prev[j - 1] + (typed[i - 1] == candidate[j - 1] ? 0 : COST_SUBST);
			d = min2(d, prev[j] + COST_DROP);
			d = min2(d, cur[j - 1] + COST_ADD);
			if (i > 1 && j > 1 && typed[i - 1] == candidate[j - 2] &&
			    typed[i - 2] == candidate[j - 1] && typed[i - 1] != typed[i - 2])
				d = min2(d, prev2[j - 2] + COST_SWAP);
			cur[j] = d;
		}
		unsigned *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[m];
}

void
paude_suggest(struct paude_strvec *out, const char *typed, const char *const *candidates, size_t n)
{
	unsigned best = FLOOR;
	for (size_t i = 0; i < n; i++)
		if (strcmp(typed, candidates[i]) != 0)
			best = min2(best, paude_suggest_distance(typed, candidates[i]));
	if (best >= FLOOR)
		return;
	size_t added = 0;
	for (size_t i = 0; i < n && added < MAX_SUGGESTIONS; i++) {
		if (!strcmp(typed, candidates[i]) ||
		    paude_suggest_distance(typed, candidates[i]) != best)
			continue;
		paude_strvec_push(out, candidates[i]);
		added++;
	}
}
