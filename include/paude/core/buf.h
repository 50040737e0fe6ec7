/* SPDX-License-Identifier: MIT */
/*
 * Growable string buffer (git strbuf invariants): `buf` is never NULL and is
 * always NUL-terminated, even when empty; `len` excludes the NUL. A non-zero
 * `max` caps len (curl style): appends past it fail with PAUDE_EPROTO and
 * leave the buffer unchanged. Every buffer filled from a child or the network
 * must have a cap. Allocation failure aborts (as in git).
 */
#ifndef PAUDE_BUF_H
#define PAUDE_BUF_H

#include <stddef.h>
#include <stdarg.h>
#include "paude/core/error.h"
#include "paude/core/alloc.h"

struct paude_buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max; /* 0: no cap */
};

extern char paude_buf_empty[];
#define PAUDE_BUF_INIT                                                                             \
	{                                                                                          \
		.buf = paude_buf_empty                                                             \
	}
#define PAUDE_BUF_INIT_MAX(m)                                                                      \
	{                                                                                          \
		.buf = paude_buf_empty, .max = (m)                                                 \
	}

void paude_buf_init(struct paude_buf *b, size_t max);
/* Free the memory; b is ready for reuse (empty, same max). */
void paude_buf_release(struct paude_buf *b);
void paude_buf_reset(struct paude_buf *b);
/* Take the string; the caller frees it. b is left empty. Never NULL. */
char *paude_buf_detach(struct paude_buf *b);
void paude_buf_grow(struct paude_buf *b, size_t extra);
int paude_buf_add(struct paude_buf *b, const void *data, size_t n, struct paude_error **err);
int paude_buf_addstr(struct paude_buf *b, const char *s, struct paude_error **err);
int paude_buf_addch(struct paude_buf *b, char c, struct paude_error **err);
int paude_buf_addf(struct paude_buf *b, struct paude_error **err, const char *fmt, ...)
    _printf_(3, 4);
int paude_buf_vaddf(struct paude_buf *b, struct paude_error **err, const char *fmt, va_list ap)
    _printf_(3, 0);
void paude_buf_setlen(struct paude_buf *b, size_t len);
/* Remove trailing whitespace. */
void paude_buf_rtrim(struct paude_buf *b);
/* Append everything readable from fd until EOF (EINTR-safe). */
int paude_buf_read_fd(struct paude_buf *b, int fd, struct paude_error **err);
/* Append a file's contents; PAUDE_ENOTFOUND if it does not exist. */
int paude_buf_read_file(struct paude_buf *b, const char *path, struct paude_error **err);
/* Append s quoted for a POSIX shell (only when needed), for logs and hints. */
void paude_buf_add_shell_quoted(struct paude_buf *b, const char *s);

static inline void
paude_buf_releasep(struct paude_buf *b)
{
	paude_buf_release(b);
}
#define _cleanup_buf_ _cleanup_(paude_buf_releasep)

#endif
