/* SPDX-License-Identifier: MIT */
/*
 * The session network: what `--allowed-domains` means, the squid
 * configuration that enforces it, and the Podman objects that carry it.
 *
 * Allowlist values (repeatable, and each may hold several values separated
 * by commas):
 *   default    vertexai + pypi (also what an empty list means)
 *   vertexai   Vertex AI and the token endpoints of gcloud ADC:
 *              REGION-aiplatform.googleapis.com, aiplatform.googleapis.com,
 *              oauth2.googleapis.com, sts.googleapis.com,
 *              iamcredentials.googleapis.com
 *   pypi       pypi.org, files.pythonhosted.org
 *   anthropic  api.anthropic.com, claude.ai, console.anthropic.com,
 *              platform.claude.com (Claude Code with a claude.ai or Console
 *              login; not in default, but added to the default of a session
 *              whose gateway serves no model provider)
 *   all        no filtering proxy (unrestricted); cannot be combined
 *   .x.com     x.com and every name under it
 *   x.com      exactly that host
 * Custom values replace the default unless `default` is given too. Names
 * are case-insensitive (stored in lower case). Rejected: URLs, paths, ports,
 * wildcards (`*.x.com`: write `.x.com`), IP addresses, single-label names
 * (`localhost`, `.com`), anything that is not hostname syntax, more than
 * PAUDE_ALLOWLIST_MAX values.
 */
#ifndef PAUDE_NET_H
#define PAUDE_NET_H

#include <stdbool.h>
#include "buf.h"
#include "error.h"
#include "run.h"
#include "strvec.h"

#define PAUDE_ALLOWLIST_MAX 128 /* values after splitting on commas */
#define PAUDE_DOMAIN_MAX 253 /* characters in one name, leading dot excluded */
/*
 * An expanded entry that starts with this prefix ("*-x.com") stands for
 * every name LABEL-x.com, one label of letters, digits and '-' in front:
 * only aliases produce it (the regional Vertex AI endpoints); a value the
 * user gives with '*' is refused.
 */
#define PAUDE_ALLOWLIST_REGIONAL "*-"

/* Squid listens here inside the session network. */
#define PAUDE_PROXY_PORT 3128
/* The proxy's name in the agent's /etc/hosts (there is no DNS to ask). */
#define PAUDE_PROXY_HOST "paude-proxy"
/* Where squid writes its logs inside the proxy container. */
#define PAUDE_PROXY_ACCESS_LOG "/var/log/squid/access.log"
#define PAUDE_PROXY_CACHE_LOG "/var/log/squid/cache.log"
/* In the proxy image: exits 0 once squid accepts connections (waits ~10 s). */
#define PAUDE_PROXY_READY "paude-proxy-ready"
/* The environment variable the proxy image's entrypoint reads its config from. */
#define PAUDE_PROXY_CONF_ENV "PAUDE_SQUID_CONF"

struct paude_allowlist {
	bool unrestricted; /* "all": no proxy, domains is empty */
	/*
	 * What was asked for, normalised: aliases kept as words ("vertexai",
	 * "pypi"; "default" becomes those two), then custom entries, lower
	 * case, duplicates dropped. Suitable for the session's label and for
	 * parsing again (parse(requested) gives the same allowlist).
	 */
	struct paude_strvec requested;
	/*
	 * The expanded entries: sorted, unique, and with every entry covered by
	 * a ".x" entry removed (squid refuses a list where "x.com" or ".a.x.com"
	 * sits next to ".x.com"). Entries starting with PAUDE_ALLOWLIST_REGIONAL
	 * are patterns; all others are squid dstdomain entries.
	 */
	struct paude_strvec domains;
};

void paude_allowlist_init(struct paude_allowlist *al);
void paude_allowlist_release(struct paude_allowlist *al);

/*
 * Parse and expand the values of --allowed-domains (a NULL-terminated
 * array; NULL or empty means "default"). On failure returns PAUDE_EUSAGE
 * with a message naming the bad value, and *out is left untouched.
 * On success *out (initialised or released by the caller) is replaced.
 */
int paude_allowlist_parse(struct paude_allowlist *out, const char *const *values,
			  struct paude_error **err);

/*
 * Validate one custom entry (not an alias): PAUDE_EUSAGE with a message
 * that says what is wrong and how to write it instead.
 */
int paude_allowlist_check_domain(const char *value, struct paude_error **err);

/*
 * Validate one expanded entry: a domain as paude_allowlist_check_domain
 * says, or PAUDE_ALLOWLIST_REGIONAL followed by one.
 */
int paude_allowlist_check_entry(const char *entry, struct paude_error **err);

/*
 * The policy in words, appended to out: "unrestricted" for all, otherwise
 * the requested words joined with ", " ("vertexai, pypi", "pypi,
 * .example.com"). For stored labels that no longer parse (written by
 * another version), "custom (N entries)" or "unknown" rather than failing.
 */
void paude_allowlist_describe(struct paude_buf *out, const char *const *values);

/*
 * The requested word of al ("pypi", ".example.com") that lets host (lower
 * case, no leading dot) through the proxy's name check, "all" for an
 * unrestricted allowlist, NULL when none does. The returned string belongs
 * to al.
 */
const char *paude_allowlist_allowed_by(const struct paude_allowlist *al, const char *host);

/*
 * A policy changed after create (`paude network NAME --allow/--deny`).
 * current: the stored requested words; allow, deny: NULL-terminated values
 * with the syntax of --allowed-domains (commas, aliases, "default" for its
 * aliases). --deny removes the word itself and, for ".x.com", every custom
 * entry under it; --allow adds. On success *out (initialised by the caller)
 * is replaced by the new allowlist, *changed says whether it differs from
 * current, and notes (may be NULL) gets one line per value that changed
 * nothing ("'pypi' is already allowed"). PAUDE_EUSAGE, with *out and
 * *changed untouched, for: an invalid value; "all" on either side; a value
 * both allowed and denied; no value at all; an unrestricted current policy;
 * a denied name that would stay allowed through an alias or a wider entry
 * (the message names it); a change that would leave nothing allowed.
 */
int paude_allowlist_change(struct paude_allowlist *out, bool *changed, const char *const *current,
			   const char *const *allow, const char *const *deny,
			   struct paude_strvec *notes, struct paude_error **err);

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

/* Podman --------------------------------------------------------------- */

/*
 * Per session NAME (already validated with paude_session_name_validate):
 *   network  paude-net-NAME   --internal --disable-dns, subnet 10.98.K.0/24
 *                             picked free (PAUDE_NET_SUBNET_PREFIX), no gateway
 *   proxy    paude-proxy-NAME on paude-net-NAME at 10.98.K.10 (fixed MAC
 *                             02:70:61:75:KK:0a) and on the
 *                             egress network (default "podman"); labels
 *                             app=paude, paude.io/session-name=NAME,
 *                             paude.io/role=proxy; runs as squid's own
 *                             non-root user with all capabilities dropped
 *                             and IPv6 off (paude_podman_no_ipv6)
 *   agent    joins paude-net-NAME only, gets "paude-proxy" in /etc/hosts and
 *            HTTP(S)_PROXY/http(s)_proxy=http://paude-proxy:3128 plus
 *            NO_PROXY/no_proxy for loopback.
 * An unrestricted allowlist creates nothing and adds no agent arguments
 * (the agent uses Podman's default network), unless opts->gateway is set:
 * then the network and the proxy are made as above but the proxy runs the
 * gateway only (PAUDE_GATEWAY_ONLY=1, no squid), and the agent joins
 * "podman" first and paude-net-NAME, with no proxy variables.
 * With opts->gateway, the proxy also gets the gateway's settings
 * (PAUDE_GATEWAY_*, listening on the proxy's address, port
 * PAUDE_GATEWAY_PORT) and the credentials mounted read-only; the agent's
 * NO_PROXY names paude-proxy, so it reaches the gateway directly.
 *
 * Order the backend must keep:
 *   create: paude_net_podman_create, then `podman create` of the agent with
 *           the arguments it returned (before the image argument); if that
 *           fails, paude_net_podman_remove.
 *   start:  paude_net_podman_start, then start the agent.
 *   stop:   stop the agent and the proxy (at the same time: see
 *           paude_net_podman_stop_prepare).
 *   remove: remove the agent, then paude_net_podman_remove (a network with a
 *           container attached cannot be removed).
 * Every function goes through the runner; errors from podman are
 * PAUDE_ECHILD carrying podman's stderr tail.
 */
#define PAUDE_NET_SUBNET_PREFIX "10.98."
#define PAUDE_NET_PROXY_HOST_PART 10
/* The proxy's MAC on the session network: this prefix, then K and the host part. */
#define PAUDE_NET_PROXY_MAC_PREFIX "02:70:61:75:"

/*
 * The model gateway (paude-gateway, in the proxy image): it holds the
 * provider's credentials and adds them to the model calls it allows, so
 * the agent holds none (docs/AUTH.md). It listens on the proxy's address
 * on the session network, port PAUDE_GATEWAY_PORT.
 */
#define PAUDE_GATEWAY_PORT 8090
/* Where the credentials are in the proxy: mounted read-only from a Secret
 * (clusters), or copied in by paude at start and connect (Podman: the
 * host file is usually readable by its owner only, whom the proxy's user
 * is not). */
#define PAUDE_GATEWAY_ADC_DIR "/etc/paude-gateway"
#define PAUDE_GATEWAY_ADC_COPY "/run/paude-proxy/adc.json"
#define PAUDE_GATEWAY_LOG "/run/paude-proxy/gateway.log"

struct paude_gateway {
	const char *provider; /* "vertex", "anthropic" or "none" */
	const char *project; /* vertex: the project */
	const char *regions; /* vertex: its regions, comma-separated */
	const char *adc_file; /* vertex: the ADC file, as the proxy sees it */
	const char *adc_host_file; /* vertex: the ADC file on the host */
	bool api_key; /* anthropic: pass ANTHROPIC_API_KEY from paude's environment */
	/* Test hooks (PAUDE_GATEWAY_*_URL): replace the real endpoints. */
	const char *token_url, *vertex_url, *anthropic_url;
};

struct paude_net_podman_opts {
	const char *proxy_image; /* required unless unrestricted without a gateway */
	const char *egress_network; /* NULL = "podman" */
	const char *podman; /* program, NULL = "podman" */
	/* The proxy runs in its own range of host ids (--userns=auto) unless
	 * podman is rootless (its user namespace maps already). */
	bool rootless;
	const char *seccomp_profile; /* file for --security-opt seccomp=; NULL: podman's */
	const struct paude_gateway *gateway; /* NULL: the proxy runs no gateway */
	/* passed to squid as paude_squid_opts.allow_private_dst; NULL = none */
	const char *const *allow_private_dst;
};

/*
 * Create the session's network and proxy container (not started), and
 * append to agent_args the `podman create` options the agent container
 * needs. A free /24 is chosen from the networks podman lists; if podman
 * still reports it taken (a race, or a host route), the next one is tried.
 * On failure everything this call created is removed again and agent_args
 * is unchanged. PAUDE_EEXISTS if paude-net-NAME or paude-proxy-NAME
 * already exists.
 */
int paude_net_podman_create(struct paude_runner *r, const char *name,
			    const struct paude_allowlist *al,
			    const struct paude_net_podman_opts *opts,
			    struct paude_strvec *agent_args, struct paude_error **err);

/*
 * Give the gateway of session NAME (running) the credentials file's
 * contents: written to PAUDE_GATEWAY_ADC_COPY through stdin (never argv),
 * readable by the proxy's user only, replaced atomically; the gateway
 * notices the change at its next call.
 */
int paude_net_podman_gateway_credentials(struct paude_runner *r, const char *name, const char *data,
					 size_t len, const struct paude_net_podman_opts *opts,
					 struct paude_error **err);

/*
 * Append the last `lines` lines of the model gateway's call log (time,
 * method, call, model, status, latency, bytes; never headers, bodies or
 * tokens). Errors as paude_net_podman_proxy_log.
 */
int paude_net_podman_gateway_log(struct paude_runner *r, const char *name, unsigned lines,
				 const struct paude_net_podman_opts *opts, struct paude_buf *out,
				 struct paude_error **err);

/*
 * Give session NAME's proxy a new allowlist (`paude network --allow/--deny`)
 * without touching the agent's container: a new proxy container is made
 * from the old one's image and settings (the gateway's environment is
 * carried over through a private env file) with squid's new configuration
 * and the policy in its PAUDE_LABEL_DOMAINS label, then takes the old
 * one's name, address and MAC; a running proxy is stopped, swapped and
 * started (waiting for PAUDE_PROXY_READY), a stopped one simply replaced,
 * so the policy applies at the next start. If any step fails the old proxy
 * is put back as it was. opts: podman, rootless, seccomp_profile and
 * allow_private_dst are used; the image and the egress network are the old
 * proxy's. PAUDE_ENOTFOUND when the proxy container is missing, PAUDE_EUSAGE
 * for an unrestricted allowlist or a gateway-only sidecar.
 */
int paude_net_podman_update(struct paude_runner *r, const char *name,
			    const struct paude_allowlist *al,
			    const struct paude_net_podman_opts *opts, struct paude_error **err);

/* Start the proxy and wait until squid listens (PAUDE_PROXY_READY); does
 * nothing (returns 0) when the session has none. */
int paude_net_podman_start(struct paude_runner *r, const char *name,
			   const struct paude_net_podman_opts *opts, struct paude_error **err);

/* Stop the proxy (killed at once: it holds nothing); a missing proxy is not an error. */
int paude_net_podman_stop(struct paude_runner *r, const char *name,
			  const struct paude_net_podman_opts *opts, struct paude_error **err);

/* The `podman stop` of paude_net_podman_stop, built but not run, so that
 * the backend can run it alongside the agent's stop. */
int paude_net_podman_stop_prepare(const char *name, const struct paude_net_podman_opts *opts,
				  struct paude_child *c, struct paude_error **err);

/* Remove the proxy and then the network; missing parts are not errors. */
int paude_net_podman_remove(struct paude_runner *r, const char *name,
			    const struct paude_net_podman_opts *opts, struct paude_error **err);

/*
 * Append the last `lines` lines of the proxy's access log (one line per
 * request; denials read "TCP_DENIED/403 ... HIER_NONE"). PAUDE_ENOTFOUND
 * when the session has no proxy (unrestricted), PAUDE_ESTATE when the proxy
 * is not running.
 */
int paude_net_podman_proxy_log(struct paude_runner *r, const char *name, unsigned lines,
			       const struct paude_net_podman_opts *opts, struct paude_buf *out,
			       struct paude_error **err);

/*
 * Pick a free subnet given the `podman network ls --format json` output:
 * writes the third octet K of the first 10.98.K.0/24 that overlaps no
 * listed subnet and is >= start. PAUDE_EPROTO on malformed JSON,
 * PAUDE_ENOTFOUND when all 256 are taken. Exposed for tests.
 */
int paude_net_pick_subnet(unsigned *out, const char *networks_json, size_t len, unsigned start,
			  struct paude_error **err);

#endif
