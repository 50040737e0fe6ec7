/* SPDX-License-Identifier: MIT */
/*
 * The session network as every backend builds it: the proxy sidecar's
 * facts (its port, name, logs, configuration variable) and the model
 * gateway it may run. The allowlist is allowlist.h, its squid
 * configuration squid.h, the Podman objects net-podman.h.
 */
#ifndef PAUDE_NET_H
#define PAUDE_NET_H

#include <stdbool.h>

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
	/* anthropic: the key itself, for a backend that stores it (a cluster's
	 * Secret); Podman passes it by name instead. Borrowed. */
	const char *api_key_value;
	/* Test hooks (PAUDE_GATEWAY_*_URL): replace the real endpoints. */
	const char *token_url, *vertex_url, *anthropic_url;
};

#endif
