/* SPDX-License-Identifier: MIT */
/* --detach-keys: parsing podman's notation, and watching typed keys. */
#include <string.h>
#include "paude/agent/detach-keys.h"
#include "core/banned.h"

static int
one_key(const char *k, size_t n, unsigned char *out)
{
	if (n == 1 && k[0] > ' ' && k[0] < 0x7f && k[0] != ',') {
		*out = (unsigned char)k[0];
		return 0;
	}
	if (n == 6 && !strncmp(k, "ctrl-", 5)) {
		char c = k[5];
		if (c >= 'a' && c <= 'z') {
			*out = (unsigned char)(c - 'a' + 1);
			return 0;
		}
		static const char punct[] = "@[\\]^_";
		const char *p = strchr(punct, c);
		if (c && p) {
			/* ctrl-@ is NUL, ctrl-[ ESC, ... ctrl-_ 0x1f */
			*out = (unsigned char)(c == '@' ? 0 : c - '@');
			return 0;
		}
	}
	return -1;
}

int
paude_detach_keys_parse(struct paude_detach_keys *k, const char *spec, struct paude_error **err)
{
	memset(k, 0, sizeof(*k));
	if (!spec || !*spec)
		return 0;
	for (const char *p = spec;;) {
		size_t n = strcspn(p, ",");
		if (k->len == PAUDE_DETACH_KEYS_MAX)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid --detach-keys '%s': at most %d keys", spec,
					       PAUDE_DETACH_KEYS_MAX);
		if (one_key(p, n, &k->seq[k->len]) < 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid --detach-keys '%s': '%.*s' is no key (use "
					       "ctrl-a to ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], "
					       "ctrl-^, ctrl-_ or one character, separated by "
					       "commas: ctrl-p,ctrl-q)",
					       spec, (int)n, p);
		k->len++;
		if (!p[n])
			break;
		p += n + 1;
	}
	return 0;
}

bool
paude_detach_keys_feed(struct paude_detach_keys *k, const char *in, size_t n,
		       struct paude_buf *pass)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (k->len == 0) {
			paude_buf_add(pass, in + i, n - i, NULL);
			return false;
		}
		if (c == k->seq[k->matched]) {
			if (++k->matched == k->len) {
				k->matched = 0;
				return true;
			}
			continue;
		}
		/*
		 * The sequence broke off: the keys held back go on as typed.
		 * The sequence may start again inside them (ctrl-a,ctrl-a,x
		 * typed as ctrl-a,ctrl-a,ctrl-a,x), so they are fed again
		 * from their second key.
		 */
		size_t held = k->matched;
		k->matched = 0;
		if (held) {
			paude_buf_add(pass, (const char *)k->seq, 1, NULL);
			unsigned char again[PAUDE_DETACH_KEYS_MAX + 1];
			memcpy(again, k->seq + 1, held - 1);
			again[held - 1] = c;
			if (paude_detach_keys_feed(k, (const char *)again, held, pass))
				return true;
			continue;
		}
		paude_buf_add(pass, in + i, 1, NULL);
	}
	return false;
}
