/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the remote command line (paude_ssh_command_line). The
 * input, split at NUL bytes, is an argv (and, after a "\n=\n" line, K=V
 * environment entries). Besides not crashing: a bad environment name is
 * PAUDE_EUSAGE; otherwise outside single quotes the line holds only
 * characters no POSIX shell gives a meaning to (plus the separators and
 * the fixed "export", "unset", "exec" words), and splitting the argv part
 * as a shell would gives back exactly "exec" and the argv.
 */
#include <stdint.h>
#include <string.h>
#include "paude/backend/ssh.h"
#include "paude/core/words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
safe_outside_quotes(const char *s)
{
	bool in = false;
	for (; *s; s++) {
		if (*s == '\'') {
			in = !in;
			continue;
		}
		if (in)
			continue;
		if (*s == '\\' && s[1] == '\'') {
			s++;
			continue;
		}
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-_./:=@%+,; ", c)))
			return false;
	}
	return !in;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 14)
		return 0;
	struct paude_child c;
	paude_child_init(&c);
	bool env = false;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		char *w = strndup(p, n);
		if (!w)
			abort();
		if (!strcmp(w, "\n=\n"))
			env = true;
		else
			paude_strvec_push_nodup(env ? &c.env : &c.args, w), w = NULL;
		free(w);
		p += n + 1;
	}
	if (!c.args.nr)
		paude_strvec_push(&c.args, "true");
	struct paude_buf line = PAUDE_BUF_INIT;
	struct paude_error *err = NULL;
	int r = paude_ssh_command_line(&line, &c, &err);
	if (r < 0) {
		if (r != PAUDE_EUSAGE || !err || line.len)
			abort();
		paude_error_free(err);
		goto out;
	}
	if (!safe_outside_quotes(line.buf))
		abort();
	/* The argv part follows the last ';' outside quotes. */
	const char *ex = line.buf;
	bool in = false;
	for (const char *q = line.buf; *q; q++) {
		if (!in && *q == '\\' && q[1])
			q++;
		else if (*q == '\'')
			in = !in;
		else if (!in && *q == ';')
			ex = q + 2;
	}
	if (strncmp(ex, "exec ", 5) != 0)
		abort();
	struct paude_strvec words = PAUDE_STRVEC_INIT;
	if (paude_words_split(&words, ex, NULL) < 0 || words.nr != c.args.nr + 1 ||
	    strcmp(words.v[0], "exec") != 0)
		abort();
	for (size_t i = 0; i < c.args.nr; i++)
		if (strcmp(words.v[i + 1], c.args.v[i]) != 0)
			abort();
	paude_strvec_clear(&words);
out:
	paude_buf_release(&line);
	paude_child_release(&c);
	return 0;
}
