/* SPDX-License-Identifier: MIT */
/*
 * Small GNU C helpers used everywhere: scope-bound cleanup and ownership
 * transfer (systemd style). Every variable with a cleanup attribute must be
 * initialised where it is declared.
 */
#ifndef PAUDE_MACRO_H
#define PAUDE_MACRO_H

#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <errno.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
/* A switch case that continues into the next one (gcc and clang alike). */
#define _fallthrough_ __attribute__((fallthrough))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Move ownership out of a cleanup-attributed variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _take_tmp = (p);                                                     \
		(p) = NULL;                                                                        \
		_take_tmp;                                                                         \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _take_fd = (fd);                                                               \
		(fd) = -1;                                                                         \
		_take_fd;                                                                          \
	})

static inline void
paude_freep(void *p)
{
	free(*(void **)p);
}

static inline void
paude_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void
paude_fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

#define _cleanup_free_ _cleanup_(paude_freep)
#define _cleanup_close_ _cleanup_(paude_closep)
#define _cleanup_fclose_ _cleanup_(paude_fclosep)

/* Defines static void NAMEp(TYPE *p) that calls FUNC(*p) when *p is not NULL.
 * `type` is a type name, which cannot be put in parentheses. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

/* Programmer error: print and abort. Never used for user input. */
#define PAUDE_BUG(msg)                                                                             \
	do {                                                                                       \
		(void)fprintf(stderr, "paude: BUG at %s:%d: %s\n", __FILE__, __LINE__, (msg));     \
		abort();                                                                           \
	} while (0)

#endif
