/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the model gateway's request filter. Whatever it lets
 * through must have exactly the allowed shape: the configured project and
 * region, the anthropic publisher, a known method, no percent-encoding, no
 * dot segments; and in API mode one of the two messages paths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../cmd/paude-gateway/gateway.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_vertex(const char *uri, const struct gw_route *r)
{
	static const char prefix[] = "/v1/projects/proj-1/locations/";
	if (strncmp(uri, prefix, strlen(prefix)) != 0)
		__builtin_trap();
	if (strchr(uri, '%') || strstr(uri, "/../") || strstr(uri, "/./") || strstr(uri, "//") ||
	    strchr(uri, '?'))
		__builtin_trap();
	if (strcmp(r->region, "us-east5") != 0 && strcmp(r->region, "global") != 0)
		__builtin_trap();
	char want[256];
	int n = snprintf(want, sizeof(want), "%s%s/publishers/anthropic/models/%s:", prefix,
			 r->region, r->model);
	if (n <= 0 || (size_t)n >= sizeof(want) || strncmp(uri, want, (size_t)n) != 0)
		__builtin_trap();
	const char *verb = uri + n;
	if (strcmp(verb, "rawPredict") != 0 && strcmp(verb, "streamRawPredict") != 0)
		__builtin_trap();
	if (!strcmp(r->model, "count-tokens") != (r->call == GW_CALL_COUNT_TOKENS))
		__builtin_trap();
}

static void
check_api(const char *uri)
{
	static const char *const ok[] = { "/v1/messages", "/v1/messages?beta=true",
					  "/v1/messages/count_tokens",
					  "/v1/messages/count_tokens?beta=true" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(ok); i++)
		if (!strcmp(uri, ok[i]))
			return;
	__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri = malloc(size + 1);
	if (!uri)
		return 0;
	memcpy(uri, data, size);
	uri[size] = '\0';
	char proj[] = "proj-1", r1[] = "us-east5", r2[] = "global";
	struct gw_config v = { .provider = GW_PROVIDER_VERTEX,
			       .project = proj,
			       .regions = { r1, r2 },
			       .n_regions = 2 };
	struct gw_config a = { .provider = GW_PROVIDER_ANTHROPIC };
	struct gw_route route;
	const char *reason = NULL;
	if (gw_filter(&v, "POST", uri, &route, &reason) == 0)
		check_vertex(uri, &route);
	else if (!reason || !*reason)
		__builtin_trap();
	if (gw_filter(&a, "POST", uri, &route, &reason) == 0)
		check_api(uri);
	else if (!reason || !*reason)
		__builtin_trap();
	if (gw_filter(&v, "GET", uri, &route, &reason) == 0)
		__builtin_trap();
	free(uri);
	return 0;
}
