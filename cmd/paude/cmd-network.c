/* SPDX-License-Identifier: MIT */
/*
 * paude network: what a session's network allows, and what its proxy has
 * recently let through or refused. The answer to "why can't the agent
 * reach X": a refused request reads TCP_DENIED/403 in the proxy's log.
 * The log holds what the agent and the servers it talked to chose (URLs,
 * content types): it, and everything read from the session's labels, is
 * printed through the sanitizer, never raw.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "session-setup.h"
#include "paude/log.h"
#include "paude/net.h"
#include "paude/sanitize.h"

static const char usage[] =
    "usage: paude network [NAME] [options]\n"
    "\n"
    "Show a session's network policy, the domains its proxy allows, the\n"
    "proxy's recent requests (refused ones read TCP_DENIED/403) and the model\n"
    "gateway's recent calls (refused ones read status=403). Without NAME:\n"
    "the session of the current directory, or the only one.\n"
    "\n"
    "Options:\n" CLI_COMMON_HELP;

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ NULL, 0, NULL, 0 },
};

/* The model gateway's recent calls; sessions made before the gateway (or
 * a stopped one) have none to show, and nothing is said. */
static int
gateway_calls(struct paude_backend *b, const struct paude_session *s)
{
	if (!b->ops->gateway_log)
		return 0;
	_cleanup_buf_ struct paude_buf calls = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *gerr = NULL;
	if (b->ops->gateway_log(b, s->name, &calls, &gerr) < 0) {
		paude_debug("no gateway log: %s", gerr->msg);
		return 0;
	}
	/* Written in the sidecar: printed through the sanitizer like the proxy's log. */
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_sanitize(&safe, calls.buf, calls.len, PAUDE_SANITIZE_LINES);
	printf("\nRecent model calls through the gateway (newest last; time, call, model,\n"
	       "status, milliseconds, bytes in and out):\n%s",
	       safe.len ? safe.buf : "(none yet)\n");
	return 0;
}

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
	_cleanup_free_ char *safe_name = paude_sanitize_str(s.name, 0);
	_cleanup_free_ char *safe_words = paude_sanitize_str(words, 0);
	printf("Session:  %s\n", safe_name);
	printf("Policy:   %s\n", safe_words);
	_cleanup_(paude_allowlist_release) struct paude_allowlist al;
	paude_allowlist_init(&al);
	_cleanup_error_ struct paude_error *perr = NULL;
	if (paude_allowlist_parse(&al, (const char *const *)s.allowed_domains.v, &perr) < 0) {
		_cleanup_free_ char *msg = paude_sanitize_str(perr->msg, 0);
		printf("Allowed:  (cannot read the stored policy: %s)\n", msg);
		return 0;
	}
	if (al.unrestricted) {
		printf("Allowed:  everything (no filtering proxy)\n");
		return gateway_calls(b, &s);
	}
	printf("Allowed:  ");
	for (size_t i = 0; i < al.domains.nr; i++) {
		_cleanup_free_ char *d = paude_sanitize_str(al.domains.v[i], 0);
		printf("%s%s", i ? " " : "", d);
	}
	printf("\n          (.example.com: the domain and its subdomains; *-example.com: any\n"
	       "          one label ending in '-' before example.com; HTTP on port 80,\n"
	       "          HTTPS on port 443 only)\n");
	printf("Refused:  allowed names that lead to loopback, private, link-local, CGNAT,\n"
	       "          multicast or reserved addresses (IPv4 and IPv6)");
	for (size_t i = 0; i < s.allow_private_dst.nr; i++) {
		_cleanup_free_ char *range = paude_sanitize_str(s.allow_private_dst.v[i], 0);
		printf("%s%s", i ? ", " : ",\n          except " PAUDE_PRIVATE_DST_ENV ": ", range);
	}
	printf("\n");

	if (!b->ops->proxy_log)
		return gateway_calls(b, &s);
	_cleanup_buf_ struct paude_buf log = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *lerr = NULL;
	r = b->ops->proxy_log(b, s.name, &log, &lerr);
	if (r == PAUDE_ESTATE || r == PAUDE_ENOTFOUND) {
		_cleanup_free_ char *msg = paude_sanitize_str(lerr->msg, 0);
		printf("\nNo proxy log: %s\n", msg);
		return 0;
	}
	if (r < 0) {
		*err = TAKE_PTR(lerr);
		return r;
	}
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_sanitize(&safe, log.buf, log.len, PAUDE_SANITIZE_LINES);
	printf("\nRecent proxy requests (newest last):\n%s", safe.len ? safe.buf : "(none yet)\n");
	return gateway_calls(b, &s);
}
