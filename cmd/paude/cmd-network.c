/* SPDX-License-Identifier: MIT */
/*
 * paude network: what a session's network allows, and what its proxy has
 * recently let through or refused. The answer to "why can't the agent
 * reach X": a refused request reads TCP_DENIED/403 in the proxy's log.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "session-setup.h"
#include "paude/log.h"
#include "paude/net.h"

static const char usage[] =
    "usage: paude network [NAME] [options]\n"
    "\n"
    "Show a session's network policy, the domains its proxy allows, and the\n"
    "proxy's recent requests (refused ones read TCP_DENIED/403). Without NAME:\n"
    "the session of the current directory, or the only one.\n"
    "\n"
    "Options:\n" CLI_COMMON_HELP;

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ NULL, 0, NULL, 0 },
};

PAUDE_CMD(network)
{
	static const struct paude_cli_opts o = { "network", usage, CLI_COMMON_SHORT, opts };
	const char *name = NULL;
	int r = paude_cli_parse_name(&o, argc, argv, ctx, &name, err);
	if (r != 0)
		return r == CLI_HELP_DONE ? 0 : r;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s;
	paude_session_init(&s);
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, err)) < 0)
		return r;

	_cleanup_free_ char *words = paude_setup_describe_network(&s);
	printf("Session:  %s\n", s.name);
	printf("Policy:   %s\n", words);
	_cleanup_(paude_allowlist_release) struct paude_allowlist al;
	paude_allowlist_init(&al);
	_cleanup_error_ struct paude_error *perr = NULL;
	if (paude_allowlist_parse(&al, (const char *const *)s.allowed_domains.v, &perr) < 0) {
		printf("Allowed:  (cannot read the stored policy: %s)\n", perr->msg);
		return 0;
	}
	if (al.unrestricted) {
		printf("Allowed:  everything (no proxy)\n");
		return 0;
	}
	printf("Allowed:  ");
	for (size_t i = 0; i < al.domains.nr; i++)
		printf("%s%s", i ? " " : "", al.domains.v[i]);
	printf("\n          (.example.com: the domain and its subdomains; HTTP on port 80,\n"
	       "          HTTPS on port 443 only)\n");

	if (!b->ops->proxy_log)
		return 0;
	_cleanup_buf_ struct paude_buf log = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *lerr = NULL;
	r = b->ops->proxy_log(b, s.name, &log, &lerr);
	if (r == PAUDE_ESTATE || r == PAUDE_ENOTFOUND) {
		printf("\nNo proxy log: %s\n", lerr->msg);
		return 0;
	}
	if (r < 0) {
		*err = TAKE_PTR(lerr);
		return r;
	}
	printf("\nRecent proxy requests (newest last):\n%s", log.len ? log.buf : "(none yet)\n");
	return 0;
}
