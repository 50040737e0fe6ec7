/* SPDX-License-Identifier: MIT */
/*
 * paude-gateway: run the model gateway until SIGTERM or SIGINT.
 * Configuration is the environment (paude sets it on the proxy container):
 *   PAUDE_GATEWAY_LISTEN      IPv4:PORT to serve on (default 127.0.0.1:8090)
 *   PAUDE_GATEWAY_PROVIDER    vertex, anthropic or none
 *   PAUDE_GATEWAY_PROJECT     Vertex AI project
 *   PAUDE_GATEWAY_REGIONS     its regions, comma-separated
 *   PAUDE_GATEWAY_ADC         the Application Default Credentials file
 *   ANTHROPIC_API_KEY         the key, for the Anthropic API
 *   PAUDE_GATEWAY_LOG         where the recent calls go (rotated at 1 MiB)
 *   PAUDE_GATEWAY_CA_FILE     CA bundle for upstream TLS
 *   PAUDE_GATEWAY_SQUID_LOG   squid's access log, whose refusals GET
 *                             /paude/refusals lists (default
 *                             /var/log/squid/access.log)
 *   PAUDE_GATEWAY_MAX_BODY    largest request body in bytes (default 32 MiB)
 *   PAUDE_GATEWAY_TOKEN_URL, PAUDE_GATEWAY_VERTEX_URL,
 *   PAUDE_GATEWAY_ANTHROPIC_URL  replace the real endpoints (tests, private
 *                             endpoints); only through them may upstream be
 *                             http:// or a private address.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include "gateway.h"

static int
parse_listen(const char *s, char *addr, size_t addr_len, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= addr_len || colon == s)
		return -1;
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	char *end = NULL;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (errno || !*(colon + 1) || *end || p == 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1) {
		(void)fprintf(stderr,
			      "usage: %s (configured through PAUDE_GATEWAY_* variables; see "
			      "docs/AUTH.md)\n",
			      argv[0]);
		return 2;
	}
	struct gw_config c;
	const char *why = NULL;
	if (gw_config_from_env(&c, &why) < 0) {
		(void)fprintf(stderr, "paude-gateway: %s\n", why);
		gw_config_release(&c);
		return 2;
	}
	const char *listen = getenv("PAUDE_GATEWAY_LISTEN");
	char addr[64];
	unsigned port = 0;
	if (parse_listen(listen && *listen ? listen : "127.0.0.1:8090", addr, sizeof(addr), &port) <
	    0) {
		(void)fprintf(stderr, "paude-gateway: PAUDE_GATEWAY_LISTEN must be IPv4:PORT\n");
		gw_config_release(&c);
		return 2;
	}
	/* The key stays in c only; children (none) and /proc/self/environ
	 * readers (only this user) need not see it twice. */
	(void)unsetenv("ANTHROPIC_API_KEY");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		(void)fprintf(stderr, "paude-gateway: cannot initialise libcurl\n");
		gw_config_release(&c);
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	/* Blocked in every thread; this one waits for them. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	char err[256] = "";
	struct gw_server *s = gw_server_start(&c, addr, port, err, sizeof(err));
	if (!s) {
		(void)fprintf(stderr, "paude-gateway: %s\n", err);
		curl_global_cleanup();
		gw_config_release(&c);
		return 1;
	}
	static const char *const names[] = { "none", "vertex", "anthropic" };
	(void)fprintf(stderr, "paude-gateway: serving %s calls on %s:%u\n", names[c.provider], addr,
		      port);
	int sig = 0;
	do {
		if (sigwait(&set, &sig) != 0)
			break;
	} while (sig == SIGPIPE);
	gw_server_stop(s);
	curl_global_cleanup();
	gw_config_release(&c);
	return 0;
}
