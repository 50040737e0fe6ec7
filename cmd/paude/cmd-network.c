/* SPDX-License-Identifier: MIT */
/*
 * paude network: what a session's network allows, what its proxy has
 * recently let through or refused (with the command that would allow a
 * refused name), and, with --allow and --deny, a change of that policy
 * after create: validated like create's --allowed-domains, applied by the
 * backend to the proxy alone (a running agent keeps running) and stored
 * with the session. The proxy's log holds what the agent and the servers
 * it talked to chose: only host names made of DNS characters are taken
 * from it, and everything printed goes through the sanitizer.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "session-setup.h"
#include "paude/core/log.h"
#include "paude/net/allowlist.h"
#include "paude/net/squid.h"
#include "paude/net/proxy-log.h"
#include "paude/core/sanitize.h"

static const char usage[] =
    "usage: paude network [NAME] [options]\n"
    "       paude network [NAME] [--allow DOMAIN]... [--deny DOMAIN]...\n"
    "\n"
    "Show a session's network policy, the domains its proxy allows, the\n"
    "proxy's recent requests (local times; each allowed or refused, with the\n"
    "command that would allow a refused name) and the model gateway's recent\n"
    "calls (refused ones read status=403); with -v also the proxy's log lines\n"
    "as squid wrote them. Without NAME: the session of the current directory,\n"
    "or the only one.\n"
    "\n"
    "With --allow or --deny, change the policy instead. Values are those of\n"
    "create's --allowed-domains (aliases such as pypi, '.example.com' for a\n"
    "domain and its subdomains, commas between values; not 'all'). A running\n"
    "session's proxy is replaced with one that enforces the new policy while\n"
    "the agent keeps running (connections open through the proxy are cut); a\n"
    "stopped session gets it at its next start. The policy is stored with the\n"
    "session. A filtered session cannot become unrestricted or the reverse.\n"
    "\n"
    "Options:\n"
    "  --allow DOMAIN   also allow DOMAIN (repeatable)\n"
    "  --deny DOMAIN    stop allowing DOMAIN; '.example.com' also drops the\n"
    "                   entries under it (repeatable)\n" CLI_COMMON_HELP;

enum { OPT_ALLOW = CLI_OPT_FIRST_PRIVATE, OPT_DENY };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "deny", required_argument, NULL, OPT_DENY },
	{ NULL, 0, NULL, 0 },
};

/* Print text from the session (or about it) through the sanitizer. */
static void
put_safe(const char *text, size_t len)
{
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_sanitize(&safe, text, len, PAUDE_SANITIZE_LINES);
	(void)fputs(safe.buf, stdout);
}

static void
local_time(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		(void)snprintf(buf, n, "-");
}

/* The model gateway's recent calls; sessions made before the gateway (or
 * a stopped one) have none to show, and nothing is said. Its lines start
 * with a UTC time, shown here in local time. */
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
	_cleanup_buf_ struct paude_buf o = PAUDE_BUF_INIT;
	for (const char *p = calls.buf; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct tm tm = { 0 };
		const char *rest = len > 20 ? strptime(p, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
		if (rest && rest == p + 20 && *rest == ' ') {
			char when[32];
			local_time((long long)timegm(&tm), when, sizeof(when));
			paude_buf_addf(&o, NULL, "  %s%.*s\n", when, (int)(len - 20), rest);
		} else {
			paude_buf_addf(&o, NULL, "  %.*s\n", (int)len, p);
		}
		p = nl ? nl + 1 : NULL;
	}
	printf("\nRecent model calls through the gateway (newest last; local time, call,\n"
	       "model, status, milliseconds, bytes in and out):\n");
	if (o.len)
		put_safe(o.buf, o.len);
	else
		printf("  (none yet)\n");
	return 0;
}

/* Why a refused request was refused, and what would allow it. */
static void
explain_refusal(struct paude_buf *o, const struct paude_proxy_entry *e,
		const struct paude_allowlist *al, const char *name)
{
	const char *via = paude_allowlist_allowed_by(al, e->host);
	bool connect = !strcmp(e->method, "CONNECT");
	unsigned port = e->port ? e->port : connect ? 443 : 80;
	if (!via)
		paude_buf_addf(o, NULL, " (allow with: paude network %s --allow %s)", name,
			       e->host);
	else if (port != (connect ? 443u : 80u))
		paude_buf_addf(o, NULL, " (allowed name; only port %s is)",
			       connect ? "443 (HTTPS)" : "80 (HTTP)");
	else
		paude_buf_addf(o, NULL,
			       " (allowed name, by '%s'; refused because it leads to a "
			       "private address)",
			       via);
}

/* The proxy's recent requests, one line each: when, allowed or refused, what. */
static size_t
print_requests(const char *log, const struct paude_allowlist *al, const char *name)
{
	_cleanup_buf_ struct paude_buf o = PAUDE_BUF_INIT;
	size_t refused = 0;
	for (const char *p = log; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct paude_proxy_entry e;
		if (paude_proxy_log_parse(&e, p, len, NULL) == 0) {
			char when[32];
			local_time(e.time, when, sizeof(when));
			paude_buf_addf(&o, NULL, "  %s  %s  %s %s", when,
				       e.refused ? "refused" : "allowed", e.method,
				       e.host[0] ? e.host : "(no host name)");
			if (e.port)
				paude_buf_addf(&o, NULL, ":%u", e.port);
			if (e.refused && e.host[0]) {
				explain_refusal(&o, &e, al, name);
				refused++;
			} else if (!e.refused) {
				paude_buf_addf(&o, NULL, " (%d)", e.code);
			}
			paude_buf_addch(&o, '\n', NULL);
		} else if (len) {
			paude_buf_addf(&o, NULL, "  %.*s\n", (int)len, p);
		}
		p = nl ? nl + 1 : NULL;
	}
	printf("\nRecent proxy requests (newest last, local time):\n");
	if (o.len)
		put_safe(o.buf, o.len);
	else
		printf("  (none yet)\n");
	return refused;
}

static void
print_policy(const struct paude_session *s, const struct paude_allowlist *al)
{
	printf("Allowed:  ");
	for (size_t i = 0; i < al->domains.nr; i++) {
		_cleanup_free_ char *d = paude_sanitize_str(al->domains.v[i], 0);
		printf("%s%s", i ? " " : "", d);
	}
	printf("\n          (.example.com: the domain and its subdomains; *-example.com: any\n"
	       "          one label ending in '-' before example.com; HTTP on port 80,\n"
	       "          HTTPS on port 443 only)\n");
	printf("Refused:  allowed names that lead to loopback, private, link-local, CGNAT,\n"
	       "          multicast or reserved addresses (IPv4 and IPv6)");
	for (size_t i = 0; i < s->allow_private_dst.nr; i++) {
		_cleanup_free_ char *range = paude_sanitize_str(s->allow_private_dst.v[i], 0);
		printf("%s%s", i ? ", " : ",\n          except " PAUDE_PRIVATE_DST_ENV ": ", range);
	}
	printf("\n");
}

static int
show(struct paude_backend *b, const struct paude_session *s, struct paude_error **err)
{
	_cleanup_free_ char *words = paude_create_describe_network(s);
	_cleanup_free_ char *safe_name = paude_sanitize_str(s->name, 0);
	_cleanup_free_ char *safe_words = paude_sanitize_str(words, 0);
	printf("Session:  %s\n", safe_name);
	printf("Policy:   %s\n", safe_words);
	_cleanup_(paude_allowlist_release) struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	_cleanup_error_ struct paude_error *perr = NULL;
	if (paude_allowlist_parse(&al, (const char *const *)s->allowed_domains.v, &perr) < 0) {
		_cleanup_free_ char *msg = paude_sanitize_str(perr->msg, 0);
		printf("Allowed:  (cannot read the stored policy: %s)\n", msg);
		return 0;
	}
	if (al.unrestricted) {
		printf("Allowed:  everything (no filtering proxy)\n");
		return gateway_calls(b, s);
	}
	print_policy(s, &al);

	if (!b->ops->proxy_log)
		return gateway_calls(b, s);
	_cleanup_buf_ struct paude_buf log = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *lerr = NULL;
	int r = b->ops->proxy_log(b, s->name, &log, &lerr);
	if (r == PAUDE_ESTATE || r == PAUDE_ENOTFOUND) {
		_cleanup_free_ char *msg = paude_sanitize_str(lerr->msg, 0);
		printf("\nNo proxy log: %s\n", msg);
		return 0;
	}
	if (r < 0) {
		*err = TAKE_PTR(lerr);
		return r;
	}
	if (print_requests(log.buf, &al, s->name))
		printf("\nTo allow a refused name: paude network %s --allow DOMAIN\n", safe_name);
	if (paude_log_enabled(PAUDE_LOG_VERBOSE)) {
		printf("\nThe proxy's log as squid wrote it:\n");
		put_safe(log.buf, log.len);
	}
	return gateway_calls(b, s);
}

static int
change(struct paude_backend *b, const struct paude_session *s, const struct paude_strvec *allow,
       const struct paude_strvec *deny, struct paude_error **err)
{
	_cleanup_(paude_allowlist_release) struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	_cleanup_strvec_ struct paude_strvec notes = PAUDE_STRVEC_INIT;
	bool changed = false;
	int r = paude_allowlist_change(&al, &changed, (const char *const *)s->allowed_domains.v,
				       (const char *const *)allow->v, (const char *const *)deny->v,
				       &notes, err);
	if (r < 0) {
		paude_error_wrap(err, r, "cannot change the network policy of session '%s'",
				 s->name);
		return r;
	}
	for (size_t i = 0; i < notes.nr; i++)
		paude_info("%s", notes.v[i]);
	_cleanup_buf_ struct paude_buf words = PAUDE_BUF_INIT;
	paude_allowlist_describe(&words, (const char *const *)al.requested.v);
	if (!changed) {
		paude_info("Nothing changed: session '%s' allows %s", s->name, words.buf);
		return 0;
	}
	if (!b->ops->set_allowlist)
		return paude_error_set(err, PAUDE_ENOTSUP, 0,
				       "the %s backend cannot change the network policy of a "
				       "session",
				       b->ops->name);
	bool running = s->state == PAUDE_SESSION_RUNNING;
	if (running)
		paude_info("Replacing the proxy of session '%s' (the agent keeps running)...",
			   s->name);
	if ((r = b->ops->set_allowlist(b, s, &al, err)) < 0)
		return r;
	/* A new sidecar: its model gateway needs the credentials again. */
	if (running) {
		_cleanup_error_ struct paude_error *cerr = NULL;
		if (paude_cli_sync_credentials(b, s, &cerr) < 0)
			paude_warn("%s", cerr->msg);
	}
	paude_info("Session '%s' now allows: %s", s->name, words.buf);
	if (running)
		paude_info("The running proxy enforces it; the agent was not restarted.");
	else
		paude_info("It applies from the next start (paude start %s).", s->name);
	return 0;
}

int
cmd_network(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "network", usage, CLI_COMMON_SHORT, opts };
	_cleanup_strvec_ struct paude_strvec allow = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec deny = PAUDE_STRVEC_INIT;
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_ALLOW:
			paude_strvec_push(&allow, optarg);
			break;
		case OPT_DENY:
			paude_strvec_push(&deny, optarg);
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	if (argc - optind > 1)
		return paude_cli_usage_error(err, "network", "too many arguments");
	const char *name = optind < argc ? argv[optind] : NULL;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, err)) < 0)
		return r;
	if (allow.nr || deny.nr)
		return change(b, &s, &allow, &deny, err);
	return show(b, &s, err);
}
