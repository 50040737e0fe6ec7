/* SPDX-License-Identifier: MIT */
/*
 * The squid configuration that enforces an allowlist, and the private
 * destinations the proxy refuses.
 */
#ifndef PAUDE_SQUID_H
#define PAUDE_SQUID_H

#include "paude/net/allowlist.h"
#include "paude/core/buf.h"
#include "paude/core/error.h"
#include "paude/core/strvec.h"

/* Private destinations ---------------------------------------------------- */

/*
 * The proxy refuses to connect an allowed name to an address in these
 * ranges: loopback, RFC 1918, link-local (and so the cloud metadata address
 * 169.254.169.254), CGNAT 100.64/10, multicast, "this network" 0/8,
 * benchmarking 198.18/15, reserved 240/4 and broadcast; for IPv6 the
 * unspecified and loopback addresses, ULA fc00::/7, link-local fe80::/10
 * and multicast ff00::/8. The environment variable names IPv4 ranges to
 * except from this, for a user whose allowlisted names live on a private
 * network (an intranet mirror; the integration tests' own servers).
 */
#define PAUDE_PRIVATE_DST_ENV "PAUDE_PROXY_ALLOW_PRIVATE_DST"
#define PAUDE_PRIVATE_DST_MAX 16

/*
 * Parse the value of PAUDE_PRIVATE_DST_ENV: IPv4 ranges separated by commas,
 * each "A.B.C.D/P" (no host bits set) or a single address "A.B.C.D" (= /32).
 * Appends them to out in canonical form ("10.89.0.0/24"), duplicates dropped;
 * an empty value appends nothing. PAUDE_EUSAGE with a message naming the bad
 * range otherwise, and out is left unchanged.
 */
int paude_private_dst_parse(struct paude_strvec *out, const char *value, struct paude_error **err);

/* squid ----------------------------------------------------------------- */

struct paude_squid_opts {
	const char *session; /* named in a comment only; may be NULL */
	const char *listen_addr; /* IPv4 address to bind, NULL = all addresses */
	unsigned port; /* 0 = PAUDE_PROXY_PORT */
	/* NULL-terminated canonical IPv4 ranges that private-destination
	 * refusal leaves out (paude_private_dst_parse); NULL = none. */
	const char *const *allow_private_dst;
};

/*
 * Append a complete squid.conf that lets HTTP to port 80 and CONNECT to
 * port 443 through for the allowlist's domains only, denies everything
 * else without a DNS lookup (dstdomain -n, so denials log HIER_NONE),
 * caches nothing and logs to PAUDE_PROXY_ACCESS_LOG. Only after a name
 * passed, its addresses are looked up: if any is a private destination
 * (see above) that allow_private_dst does not cover, the request is denied
 * too. PAUDE_EUSAGE if the allowlist is unrestricted or empty (there is
 * nothing for squid to do), for a listen address that is not dotted-quad
 * IPv4, or for an allow_private_dst entry that does not parse.
 */
int paude_squid_config(struct paude_buf *out, const struct paude_allowlist *al,
		       const struct paude_squid_opts *opts, struct paude_error **err);

#endif
