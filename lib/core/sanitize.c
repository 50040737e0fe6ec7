/* SPDX-License-Identifier: MIT */
/*
 * Escaping what a session produced before it reaches a terminal (see
 * sanitize.h). UTF-8 is decoded strictly (RFC 3629): the second byte's
 * range excludes overlong forms, surrogates and code points past U+10FFFF,
 * so "valid" means what every terminal agrees is one character.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include "paude/core/sanitize.h"
#include "paude/core/alloc.h"
#include "core/banned.h"

#define SEQ_INVALID (-1L) /* p[0] starts no valid sequence */
#define SEQ_SHORT (-2L) /* p[0..avail) is a valid start: more bytes are needed */

static long
decode(const unsigned char *p, size_t avail, size_t *used)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	unsigned long cp;
	size_t n;
	*used = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0fu;
		lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlong forms */
		hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07u;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing past U+10FFFF */
	} else {
		return SEQ_INVALID;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= avail)
			return SEQ_SHORT;
		unsigned char b = p[i];
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
			return SEQ_INVALID;
		cp = cp << 6 | (b & 0x3fu);
	}
	*used = n;
	return (long)cp;
}

/* Format characters that reorder what is shown ("Trojan Source"). */
static bool
is_bidi(long cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static void
emit(struct paude_buf *out, unsigned flags, const unsigned char *p, size_t used, long cp)
{
	bool json = flags & PAUDE_SANITIZE_JSON;
	bool lines = flags & (PAUDE_SANITIZE_LINES | PAUDE_SANITIZE_JSON);
	if (cp < 0) {
		if (json)
			paude_buf_addstr(out, "\\ufffd", NULL);
		else
			paude_buf_addf(out, NULL, "\\x%02x", p[0]);
		return;
	}
	if (cp < 0x20 || cp == 0x7f) {
		if (lines && (cp == '\n' || cp == '\t'))
			paude_buf_addch(out, (char)cp, NULL);
		else if (json)
			paude_buf_addf(out, NULL, "\\u%04lx", (unsigned long)cp);
		else if (cp == '\n')
			paude_buf_addstr(out, "\\n", NULL);
		else if (cp == '\r')
			paude_buf_addstr(out, "\\r", NULL);
		else if (cp == '\t')
			paude_buf_addstr(out, "\\t", NULL);
		else
			paude_buf_addf(out, NULL, "\\x%02lx", (unsigned long)cp);
		return;
	}
	if ((cp >= 0x80 && cp <= 0x9f) || is_bidi(cp)) {
		paude_buf_addf(out, NULL, "\\u%04lx", (unsigned long)cp);
		return;
	}
	paude_buf_add(out, p, used, NULL);
}

/* Sanitize p[0..len); unless final, keep an incomplete sequence at the end in s->pend. */
static void
run(struct paude_sanitizer *s, struct paude_buf *out, const unsigned char *p, size_t len,
    bool final)
{
	size_t i = 0;
	while (i < len) {
		/* Printable ASCII, the common case, in runs. */
		size_t j = i;
		while (j < len && p[j] >= 0x20 && p[j] < 0x7f)
			j++;
		if (j > i) {
			paude_buf_add(out, p + i, j - i, NULL);
			i = j;
			continue;
		}
		size_t used;
		long cp = decode(p + i, len - i, &used);
		if (cp == SEQ_SHORT && !final) {
			/* At most 3 bytes: a 4-byte sequence is never short by more. */
			memcpy(s->pend, p + i, len - i);
			s->npend = len - i;
			return;
		}
		if (cp == SEQ_SHORT)
			cp = SEQ_INVALID;
		emit(out, s->flags, p + i, used, cp);
		i += used;
	}
}

void
paude_sanitizer_init(struct paude_sanitizer *s, unsigned flags)
{
	memset(s, 0, sizeof(*s));
	s->flags = flags;
}

void
paude_sanitizer_feed(struct paude_sanitizer *s, struct paude_buf *out, const char *in, size_t len)
{
	if (!s->npend) {
		run(s, out, (const unsigned char *)in, len, false);
		return;
	}
	/* Complete the held-back sequence first: 3 bytes of input at most. */
	unsigned char head[8];
	size_t take = len < 4 ? len : 4;
	size_t n = s->npend;
	memcpy(head, s->pend, n);
	memcpy(head + n, in, take);
	s->npend = 0;
	size_t used;
	long cp = decode(head, n + take, &used);
	if (cp == SEQ_SHORT) {
		/* Still short: everything given is part of it. */
		memcpy(s->pend, head, n + take);
		s->npend = n + take;
		return;
	}
	emit(out, s->flags, head, used, cp);
	/* used covers the n held bytes and some of in, or (invalid) only the
	 * first held byte: go on from the first byte not consumed. */
	if (used >= n) {
		run(s, out, (const unsigned char *)in + (used - n), len - (used - n), false);
		return;
	}
	_cleanup_free_ unsigned char *joined = paude_xmalloc(n - used + len + 1);
	memcpy(joined, head + used, n - used);
	memcpy(joined + (n - used), in, len);
	run(s, out, joined, n - used + len, false);
}

void
paude_sanitizer_finish(struct paude_sanitizer *s, struct paude_buf *out)
{
	unsigned char rest[4];
	size_t n = s->npend;
	memcpy(rest, s->pend, n);
	s->npend = 0;
	run(s, out, rest, n, true);
}

void
paude_sanitize(struct paude_buf *out, const char *in, size_t len, unsigned flags)
{
	struct paude_sanitizer s;
	paude_sanitizer_init(&s, flags);
	paude_sanitizer_feed(&s, out, in, len);
	paude_sanitizer_finish(&s, out);
}

char *
paude_sanitize_str(const char *s, unsigned flags)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	if (s)
		paude_sanitize(&b, s, strlen(s), flags);
	return paude_buf_detach(&b);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
paude_sanitize_copy(int from, int to, unsigned flags, struct paude_error **err)
{
	struct paude_sanitizer s;
	paude_sanitizer_init(&s, flags);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	char chunk[4096];
	int read_errno = 0;
	for (;;) {
		ssize_t n = read(from, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			read_errno = errno;
		if (n <= 0)
			break;
		paude_buf_reset(&out);
		paude_sanitizer_feed(&s, &out, chunk, (size_t)n);
		if (write_all(to, out.buf, out.len) < 0)
			return paude_error_errno(err, errno, "cannot write output");
	}
	paude_buf_reset(&out);
	paude_sanitizer_finish(&s, &out);
	if (write_all(to, out.buf, out.len) < 0)
		return paude_error_errno(err, errno, "cannot write output");
	if (read_errno)
		return paude_error_errno(err, read_errno, "cannot read output");
	return 0;
}
