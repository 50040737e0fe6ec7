/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include "paude/core/buf.h"
#include "paude/core/alloc.h"
#include "core/banned.h"

char paude_buf_empty[1];

void
paude_buf_init(struct paude_buf *b, size_t max)
{
	b->buf = paude_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void
paude_buf_release(struct paude_buf *b)
{
	if (b->alloc)
		free(b->buf);
	paude_buf_init(b, b->max);
}

void
paude_buf_reset(struct paude_buf *b)
{
	paude_buf_setlen(b, 0);
}

char *
paude_buf_detach(struct paude_buf *b)
{
	char *s = b->alloc ? b->buf : paude_xstrdup("");
	paude_buf_init(b, b->max);
	return s;
}

void
paude_buf_grow(struct paude_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		PAUDE_BUG("buffer size overflows");
	size_t need = b->len + extra + 1;
	if (need <= b->alloc)
		return;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n < SIZE_MAX / 2 ? n * 2 : need;
	char *p = paude_xrealloc(b->alloc ? b->buf : NULL, n, 1);
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
}

static int
check_cap(struct paude_buf *b, size_t n, struct paude_error **err)
{
	if (b->max && (n > b->max || b->len > b->max - n))
		return paude_error_set(err, PAUDE_EPROTO, 0, "data too large (more than %zu bytes)",
				       b->max);
	return 0;
}

int
paude_buf_add(struct paude_buf *b, const void *data, size_t n, struct paude_error **err)
{
	int r = check_cap(b, n, err);
	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	paude_buf_grow(b, n);
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int
paude_buf_addstr(struct paude_buf *b, const char *s, struct paude_error **err)
{
	return paude_buf_add(b, s, strlen(s), err);
}

int
paude_buf_addch(struct paude_buf *b, char c, struct paude_error **err)
{
	return paude_buf_add(b, &c, 1, err);
}

int
paude_buf_vaddf(struct paude_buf *b, struct paude_error **err, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "bad format string");
	int r = check_cap(b, (size_t)n, err);
	if (r < 0)
		return r;
	paude_buf_grow(b, (size_t)n);
	(void)vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
paude_buf_addf(struct paude_buf *b, struct paude_error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = paude_buf_vaddf(b, err, fmt, ap);
	va_end(ap);
	return r;
}

void
paude_buf_setlen(struct paude_buf *b, size_t len)
{
	if (len > (b->alloc ? b->alloc - 1 : 0))
		PAUDE_BUG("paude_buf_setlen beyond allocation");
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

void
paude_buf_rtrim(struct paude_buf *b)
{
	size_t n = b->len;
	while (n > 0 && (b->buf[n - 1] == ' ' || b->buf[n - 1] == '\n' || b->buf[n - 1] == '\t' ||
			 b->buf[n - 1] == '\r'))
		n--;
	paude_buf_setlen(b, n);
}

int
paude_buf_read_fd(struct paude_buf *b, int fd, struct paude_error **err)
{
	for (;;) {
		paude_buf_grow(b, 8192);
		ssize_t n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return paude_error_errno(err, errno, "read failed");
		}
		if (n == 0)
			return 0;
		int r = check_cap(b, (size_t)n, err);
		if (r < 0) {
			b->buf[b->len] = '\0';
			return r;
		}
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
	}
}

int
paude_buf_read_file(struct paude_buf *b, const char *path, struct paude_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT, "file '%s' not found",
					       path);
		return paude_error_errno(err, errno, "cannot open '%s'", path);
	}
	int r = paude_buf_read_fd(b, fd, err);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot read '%s'", path);
	return 0;
}

static int
needs_quoting(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-_./:=@%+,", c)))
			return 1;
	}
	return 0;
}

void
paude_buf_add_shell_quoted(struct paude_buf *b, const char *s)
{
	if (!needs_quoting(s)) {
		paude_buf_addstr(b, s, NULL);
		return;
	}
	paude_buf_addch(b, '\'', NULL);
	for (; *s; s++) {
		if (*s == '\'')
			paude_buf_addstr(b, "'\\''", NULL);
		else
			paude_buf_addch(b, *s, NULL);
	}
	paude_buf_addch(b, '\'', NULL);
}
