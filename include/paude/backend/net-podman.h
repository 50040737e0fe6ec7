/* SPDX-License-Identifier: MIT */
/*
 * The session network on Podman: the network and proxy container of a
 * session, and changing, starting, stopping and removing them.
 */
#ifndef PAUDE_NET_PODMAN_H
#define PAUDE_NET_PODMAN_H

#include <stdbool.h>
#include "paude/net/allowlist.h"
#include "paude/core/buf.h"
#include "paude/core/error.h"
#include "paude/net/net.h"
#include "paude/core/run.h"
#include "paude/core/strvec.h"

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
