/* SPDX-License-Identifier: MIT */
/* The allocation family of alloc.h: the only place in lib/ and cmd/ that
 * calls the libc allocators and aborts when they fail. */
#include <stdio.h>
#include <string.h>
#include "paude/core/alloc.h"
#include "core/banned.h"

static _noreturn_ void
out_of_memory(void)
{
	abort();
}

void *
paude_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *
paude_xcalloc(size_t nmemb, size_t size)
{
	if (!nmemb || !size)
		nmemb = size = 1;
	void *p = calloc(nmemb, size);
	if (!p)
		out_of_memory();
	return p;
}

void *
paude_xrealloc(void *p, size_t nmemb, size_t size)
{
	if (!nmemb || !size)
		nmemb = size = 1;
	void *n = reallocarray(p, nmemb, size);
	if (!n)
		out_of_memory();
	return n;
}

char *
paude_xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		out_of_memory();
	return d;
}

char *
paude_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		out_of_memory();
	return d;
}

char *
paude_xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *
paude_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = paude_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void *
paude_xnonnull(void *p)
{
	if (!p)
		out_of_memory();
	return p;
}
