/* SPDX-License-Identifier: MIT */
/*
 * Allocation that cannot fail (git's xmalloc family): each function aborts
 * when memory runs out, so its result is never NULL and callers need no
 * check. Use these instead of malloc/calloc/realloc/strdup/asprintf in lib/
 * and cmd/ (`make lint` rejects the bare calls and a hand-written abort()).
 * Core layer; depends on nothing but libc.
 */
#ifndef PAUDE_ALLOC_H
#define PAUDE_ALLOC_H

#include <stdarg.h>
#include <stddef.h>
#include "paude/core/macro.h"

/* size 0 allocates one byte, so the result is always a distinct pointer. */
void *paude_xmalloc(size_t size);
/* Zeroed array of nmemb elements; nmemb * size overflowing aborts. */
void *paude_xcalloc(size_t nmemb, size_t size);
/* Resize p (NULL for a new array) to nmemb elements of size bytes;
 * nmemb * size overflowing aborts (reallocarray). */
void *paude_xrealloc(void *p, size_t nmemb, size_t size);
char *paude_xstrdup(const char *s);
/* At most n bytes of s, always NUL-terminated. */
char *paude_xstrndup(const char *s, size_t n);
/* A new string formatted like printf. Caller frees. */
char *paude_xasprintf(const char *fmt, ...) _printf_(1, 2);
char *paude_xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);
/* p, or abort when p is NULL: for the allocating constructors of other
 * libraries (json_object_new_object, curl_easy_init, ...). */
void *paude_xnonnull(void *p);

#endif
