/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <stdarg.h>
#include "paude/core/strvec.h"
#include "paude/core/alloc.h"
#include "core/banned.h"

char *paude_strvec_empty[1];

void
paude_strvec_init(struct paude_strvec *sv)
{
	sv->v = paude_strvec_empty;
	sv->nr = 0;
	sv->alloc = 0;
}

void
paude_strvec_clear(struct paude_strvec *sv)
{
	if (sv->alloc) {
		for (size_t i = 0; i < sv->nr; i++)
			free(sv->v[i]);
		free(sv->v);
	}
	paude_strvec_init(sv);
}

void
paude_strvec_push_nodup(struct paude_strvec *sv, char *s)
{
	if (sv->nr + 2 > sv->alloc) {
		size_t n = sv->alloc ? sv->alloc * 2 : 8;
		sv->v = paude_xrealloc(sv->alloc ? sv->v : NULL, n, sizeof(*sv->v));
		sv->alloc = n;
	}
	sv->v[sv->nr++] = s;
	sv->v[sv->nr] = NULL;
}

const char *
paude_strvec_push(struct paude_strvec *sv, const char *s)
{
	char *d = paude_xstrdup(s);
	paude_strvec_push_nodup(sv, d);
	return d;
}

const char *
paude_strvec_pushf(struct paude_strvec *sv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = paude_xvasprintf(fmt, ap);
	va_end(ap);
	paude_strvec_push_nodup(sv, s);
	return s;
}

void
paude_strvec_pushl(struct paude_strvec *sv, ...)
{
	va_list ap;
	va_start(ap, sv);
	const char *s;
	while ((s = va_arg(ap, const char *)))
		paude_strvec_push_nodup(sv, paude_xstrdup(s));
	va_end(ap);
}

void
paude_strvec_pushv(struct paude_strvec *sv, const char *const *v)
{
	for (; v && *v; v++)
		paude_strvec_push_nodup(sv, paude_xstrdup(*v));
}

void
paude_strvec_pop(struct paude_strvec *sv)
{
	if (!sv->nr)
		return;
	free(sv->v[--sv->nr]);
	sv->v[sv->nr] = NULL;
}

long
paude_strvec_find(const struct paude_strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->nr; i++)
		if (!strcmp(sv->v[i], s))
			return (long)i;
	return -1;
}

void
paude_strvec_remove(struct paude_strvec *sv, size_t i)
{
	if (i >= sv->nr)
		return;
	free(sv->v[i]);
	memmove(sv->v + i, sv->v + i + 1, (sv->nr - i) * sizeof(*sv->v));
	sv->nr--;
}

char **
paude_strvec_detach(struct paude_strvec *sv)
{
	char **v = sv->v;
	if (!sv->alloc) {
		v = paude_xcalloc(1, sizeof(*v));
	}
	paude_strvec_init(sv);
	return v;
}
