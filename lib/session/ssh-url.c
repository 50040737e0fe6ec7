/* SPDX-License-Identifier: MIT */
/*
 * The SSH form of a session address (ssh-url.h). Session layer: data only,
 * no connection. The input comes from a git URL, so the host is held to a
 * whitelist before it is kept.
 */
#include <string.h>
#include "paude/session/ssh-url.h"
#include "paude/core/alloc.h"
#include "core/untrusted.h"
#include "core/banned.h"

#define FORM "use ssh://[USER@]HOST[:PORT]/NAME"

bool
paude_ssh_url_is(const char *s, size_t len)
{
	size_t k = strlen(PAUDE_SSH_URL_SCHEME);
	return len >= k && !memcmp(s, PAUDE_SSH_URL_SCHEME, k);
}

/* The characters of [USER@]HOST[:PORT], [ADDRESS] and config host names. */
static bool
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("._-@:[]", c));
}

static int
bad(const char *s, size_t len, const char *why, struct paude_error **err)
{
	char shown[96];
	paude_show_untrusted(shown, sizeof(shown), s, len);
	return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid session address '%s': %s (%s)", shown,
			       why, FORM);
}

/* What is wrong with the host part h[0..hlen), or NULL. */
static const char *
host_problem(const char *h, size_t hlen)
{
	if (hlen == 0)
		return "no host";
	/* Neither the user nor the host may look like an option of anything. */
	const char *at = memchr(h, '@', hlen);
	if (h[0] == '-' || (at && (size_t)(at - h) + 1 < hlen && at[1] == '-'))
		return "the host may not start with '-'";
	for (size_t i = 0; i < hlen; i++)
		if (!host_char(h[i]))
			return "bad character in the host";
	return NULL;
}

const char *
paude_ssh_host_problem(const char *h)
{
	return h ? host_problem(h, strlen(h)) : "no host";
}

int
paude_ssh_url_split(const char *s, size_t len, char **host, const char **spec, size_t *spec_len,
		    struct paude_error **err)
{
	if (!paude_ssh_url_is(s, len))
		PAUDE_BUG("not an ssh:// address");
	const char *h = s + strlen(PAUDE_SSH_URL_SCHEME);
	size_t rest = len - (size_t)(h - s);
	const char *slash = memchr(h, '/', rest);
	size_t hlen = slash ? (size_t)(slash - h) : rest;
	const char *why = host_problem(h, hlen);
	if (why)
		return bad(s, len, why, err);
	if (!slash || (size_t)(slash - s) + 1 == len)
		return bad(s, len, "no session name after the host", err);
	*host = paude_xstrndup(h, hlen);
	*spec = slash + 1;
	*spec_len = len - (size_t)(slash + 1 - s);
	return 0;
}
