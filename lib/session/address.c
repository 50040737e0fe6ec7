/* SPDX-License-Identifier: MIT */
/*
 * Session addresses (grammar in include/paude/session/address.h). The input comes
 * from a git URL, that is from anyone who can put a URL in front of the
 * user, so every part is checked against a small whitelist before it is
 * kept, and error messages show it with control characters escaped.
 */
#include <string.h>
#include <stdbool.h>
#include "paude/session/address.h"
#include "paude/core/alloc.h"
#include "paude/session/session.h"
#include "paude/session/ssh-url.h"
#include "core/untrusted.h"
#include "core/banned.h"

#define SCHEME "paude://"

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
paude_address_namespace_validate(const char *ns, struct paude_error **err)
{
	static const char rule[] = "use 1-63 lowercase letters, digits and '-', starting and "
				   "ending with a letter or digit";
	size_t n = ns ? strlen(ns) : 0;
	bool ok = n > 0 && n <= PAUDE_ADDRESS_NAMESPACE_MAX && is_lower_alnum(ns[0]) &&
		  is_lower_alnum(ns[n - 1]);
	for (size_t i = 0; ok && i < n; i++)
		ok = is_lower_alnum(ns[i]) || ns[i] == '-';
	if (ok)
		return 0;
	if (n == 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "namespace is empty (%s)", rule);
	char shown[96];
	paude_show_untrusted(shown, sizeof(shown), ns, n);
	return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid namespace '%s' (%s)", shown, rule);
}

int
paude_address_context_validate(const char *ctx, struct paude_error **err)
{
	static const char rule[] = "use letters, digits and '.', '_', ':', '@', '-', not "
				   "starting with '-' or '.'";
	size_t n = ctx ? strlen(ctx) : 0;
	bool ok = n > 0 && n <= PAUDE_ADDRESS_CONTEXT_MAX && ctx[0] != '-' && ctx[0] != '.';
	for (size_t i = 0; ok && i < n; i++) {
		char c = ctx[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     strchr("._:@-", c);
	}
	if (ok)
		return 0;
	if (n == 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "context is empty (%s)", rule);
	char shown[96];
	paude_show_untrusted(shown, sizeof(shown), ctx, n);
	return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid context '%s' (%s)", shown, rule);
}

int
paude_address_parse(struct paude_address *out, const char *s, struct paude_error **err)
{
	static const char forms[] = "use NAME, podman/NAME or openshift/[CONTEXT/]NAMESPACE/NAME";
	if (!s || !*s)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "session address is empty (%s)",
				       forms);
	size_t len = strnlen(s, PAUDE_ADDRESS_MAX + 1);
	if (len > PAUDE_ADDRESS_MAX)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "session address is too long (at most %d characters)",
				       PAUDE_ADDRESS_MAX);
	if (!strncmp(s, SCHEME, strlen(SCHEME))) {
		s += strlen(SCHEME);
		len -= strlen(SCHEME);
	}
	/* ssh://HOST/SPEC: a podman session on that host (ssh-url.h). */
	_cleanup_free_ char *host = NULL;
	if (paude_ssh_url_is(s, len)) {
		int hr = paude_ssh_url_split(s, len, &host, &s, &len, err);
		if (hr < 0)
			return hr;
	}

	/* Split on '/' into at most 4 parts; a 5th means the address is malformed. */
	const char *part[5];
	size_t plen[5], nparts = 0;
	const char *p = s;
	for (;;) {
		const char *slash = memchr(p, '/', len - (size_t)(p - s));
		size_t n = slash ? (size_t)(slash - p) : len - (size_t)(p - s);
		if (nparts == ARRAY_SIZE(part) - 1 || n == 0) {
			char shown[96];
			paude_show_untrusted(shown, sizeof(shown), s, len);
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid session address '%s' (%s)", shown, forms);
		}
		part[nparts] = p;
		plen[nparts++] = n;
		if (!slash)
			break;
		p = slash + 1;
	}

	struct paude_address a = PAUDE_ADDRESS_INIT;
	int r = 0;
	bool known = nparts >= 2 && paude_location_set_backend(&a.where, part[0], plen[0]);
	bool podman = known && a.where.kind == PAUDE_LOCATION_PODMAN;
	bool cluster = known && a.where.kind == PAUDE_LOCATION_CLUSTER;
	if (nparts >= 2 && !known) {
		char shown[96];
		paude_show_untrusted(shown, sizeof(shown), s, len);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid session address '%s': unknown backend (%s)", shown,
				       forms);
	}
	if (nparts == 2 && cluster)
		return paude_error_set(
		    err, PAUDE_EUSAGE, 0,
		    "invalid session address: a cluster address needs a namespace "
		    "(use %.*s/[CONTEXT/]NAMESPACE/NAME)",
		    (int)plen[0], part[0]);
	if (nparts >= 3 && podman)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid session address: a podman address has no namespace "
				       "(use podman/NAME)");
	if (host && cluster)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid session address: an ssh:// address names a podman "
				       "session (use ssh://HOST/NAME)");
	if (nparts == 4)
		a.where.context = paude_xstrndup(part[1], plen[1]);
	if (nparts >= 3)
		a.where.namespace = paude_xstrndup(part[nparts - 2], plen[nparts - 2]);
	a.name = paude_xstrndup(part[nparts - 1], plen[nparts - 1]);

	r = paude_session_name_validate(a.name, err);
	if (r == 0 && a.where.context)
		r = paude_address_context_validate(a.where.context, err);
	if (r == 0 && a.where.namespace)
		r = paude_address_namespace_validate(a.where.namespace, err);
	if (r < 0) {
		paude_address_release(&a);
		return r;
	}
	a.host = TAKE_PTR(host);
	*out = a;
	return 0;
}

void
paude_address_release(struct paude_address *a)
{
	if (!a)
		return;
	paude_location_release(&a->where);
	free(a->name);
	free(a->host);
	*a = (struct paude_address)PAUDE_ADDRESS_INIT;
}

void
paude_address_format(const struct paude_address *a, struct paude_buf *out)
{
	if (a->host) {
		paude_buf_addstr(out, PAUDE_SSH_URL_SCHEME, NULL);
		paude_buf_addstr(out, a->host, NULL);
		paude_buf_addch(out, '/', NULL);
	}
	paude_location_format(&a->where, out);
	paude_buf_addstr(out, a->name, NULL);
}
