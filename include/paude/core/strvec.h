/* SPDX-License-Identifier: MIT */
/*
 * NULL-terminated vector of owned strings (git strvec): `v` is never NULL
 * and v[nr] == NULL, so it can be passed as argv/envp directly. Allocation
 * failure aborts.
 */
#ifndef PAUDE_STRVEC_H
#define PAUDE_STRVEC_H

#include <stddef.h>
#include "paude/core/macro.h"

struct paude_strvec {
	char **v;
	size_t nr;
	size_t alloc;
};

extern char *paude_strvec_empty[];
#define PAUDE_STRVEC_INIT                                                                          \
	{                                                                                          \
		.v = paude_strvec_empty                                                            \
	}

void paude_strvec_init(struct paude_strvec *sv);
void paude_strvec_clear(struct paude_strvec *sv);
/* Append a copy of s; returns the stored copy. */
const char *paude_strvec_push(struct paude_strvec *sv, const char *s);
/* Append s, taking ownership of it. */
void paude_strvec_push_nodup(struct paude_strvec *sv, char *s);
const char *paude_strvec_pushf(struct paude_strvec *sv, const char *fmt, ...) _printf_(2, 3);
/* Append each argument up to a terminating NULL. */
void paude_strvec_pushl(struct paude_strvec *sv, ...) __attribute__((sentinel));
/* Append every string of a NULL-terminated array. */
void paude_strvec_pushv(struct paude_strvec *sv, const char *const *v);
void paude_strvec_pop(struct paude_strvec *sv);
/* Index of the first element equal to s, or -1. */
long paude_strvec_find(const struct paude_strvec *sv, const char *s);
/* Remove element i, keeping order. */
void paude_strvec_remove(struct paude_strvec *sv, size_t i);
/* Give away the array (NULL-terminated); sv is left empty. */
char **paude_strvec_detach(struct paude_strvec *sv);

static inline void
paude_strvec_clearp(struct paude_strvec *sv)
{
	paude_strvec_clear(sv);
}
#define _cleanup_strvec_ _cleanup_(paude_strvec_clearp)

#endif
