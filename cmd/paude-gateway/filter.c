/* SPDX-License-Identifier: MIT */
/*
 * Which requests the gateway forwards. It reads the request target as the
 * client sent it, before any decoding, and accepts only the exact shapes of
 * the model calls Claude Code makes:
 *   Vertex AI  POST /v1/projects/P/locations/R/publishers/anthropic/models/M:rawPredict
 *              POST .../models/M:streamRawPredict
 *              POST .../models/count-tokens:rawPredict
 *              for the configured project P and regions R only;
 *   API        POST /v1/messages and /v1/messages/count_tokens (query
 *              "beta=true" or none).
 * A percent sign, a backslash, an empty, "." or ".." segment, or any byte
 * outside the unreserved set refuses the request: nothing is decoded, so
 * no decoding can change what was checked.
 */
#include <string.h>
#include "gateway.h"

static bool
uri_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("-._~/:@?=", ch);
}

/* A model id: "claude-sonnet-4-5@20250929", "count-tokens". */
static bool
model_ok(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof(((struct gw_route *)0)->model))
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      strchr("-._@", s[i])))
			return false;
	return true;
}

static bool
seg_is(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(s, want, n);
}

#define MAX_SEGS 10

static int
vertex(const struct gw_config *c, const char *path, size_t plen, const char *query,
       struct gw_route *route, const char **reason)
{
	const char *seg[MAX_SEGS];
	size_t len[MAX_SEGS];
	size_t n = 0;
	if (query) {
		*reason = "a query string is not part of a Vertex AI model call";
		return -1;
	}
	for (size_t i = 1; i <= plen;) {
		size_t j = i;
		while (j < plen && path[j] != '/')
			j++;
		if (n == MAX_SEGS) {
			*reason = "not a Vertex AI model call (too many path segments)";
			return -1;
		}
		seg[n] = path + i;
		len[n++] = j - i;
		i = j + 1;
	}
	/* v1 projects P locations R publishers PUB models M:VERB */
	if (n != 9 || !seg_is(seg[0], len[0], "v1") || !seg_is(seg[1], len[1], "projects") ||
	    !seg_is(seg[3], len[3], "locations") || !seg_is(seg[5], len[5], "publishers") ||
	    !seg_is(seg[7], len[7], "models")) {
		*reason = "not a Vertex AI model call (only "
			  "/v1/projects/P/locations/R/publishers/anthropic/models/M:rawPredict "
			  "and :streamRawPredict are forwarded)";
		return -1;
	}
	if (!seg_is(seg[2], len[2], c->project)) {
		*reason = "another project than the session's Vertex AI project";
		return -1;
	}
	bool region = false;
	for (size_t i = 0; i < c->n_regions; i++)
		region |= seg_is(seg[4], len[4], c->regions[i]);
	if (!region) {
		*reason = "a region the session is not configured for";
		return -1;
	}
	if (!seg_is(seg[6], len[6], "anthropic")) {
		*reason = "another publisher than anthropic";
		return -1;
	}
	const char *colon = memchr(seg[8], ':', len[8]);
	if (!colon) {
		*reason = "a model path without :rawPredict or :streamRawPredict";
		return -1;
	}
	size_t mlen = (size_t)(colon - seg[8]);
	const char *verb = colon + 1;
	size_t vlen = len[8] - mlen - 1;
	if (!model_ok(seg[8], mlen)) {
		*reason = "not a valid model name";
		return -1;
	}
	bool count = seg_is(seg[8], mlen, "count-tokens");
	if (seg_is(verb, vlen, "rawPredict")) {
		route->call = count ? GW_CALL_COUNT_TOKENS : GW_CALL_RAW_PREDICT;
	} else if (seg_is(verb, vlen, "streamRawPredict") && !count) {
		route->call = GW_CALL_STREAM_RAW_PREDICT;
	} else {
		*reason = "a method other than :rawPredict or :streamRawPredict";
		return -1;
	}
	memcpy(route->model, seg[8], mlen);
	route->model[mlen] = '\0';
	memcpy(route->region, seg[4], len[4]);
	route->region[len[4]] = '\0';
	return 0;
}

static int
anthropic(const char *path, size_t plen, const char *query, struct gw_route *route,
	  const char **reason)
{
	if (query && strcmp(query, "beta=true") != 0) {
		*reason = "a query string other than beta=true";
		return -1;
	}
	if (seg_is(path, plen, "/v1/messages")) {
		route->call = GW_CALL_MESSAGES;
	} else if (seg_is(path, plen, "/v1/messages/count_tokens")) {
		route->call = GW_CALL_COUNT_TOKENS;
	} else {
		*reason = "not an Anthropic API messages call (only /v1/messages and "
			  "/v1/messages/count_tokens are forwarded)";
		return -1;
	}
	return 0;
}

int
gw_filter(const struct gw_config *c, const char *method, const char *raw_uri,
	  struct gw_route *route, const char **reason)
{
	memset(route, 0, sizeof(*route));
	if (c->provider == GW_PROVIDER_NONE) {
		*reason = "no model provider is configured for this session";
		return -1;
	}
	if (!method || strcmp(method, "POST") != 0) {
		*reason = "only POST is forwarded";
		return -1;
	}
	size_t n = raw_uri ? strnlen(raw_uri, GW_MAX_URI + 1) : 0;
	if (n == 0 || n > GW_MAX_URI) {
		*reason = "the request target is empty or too long";
		return -1;
	}
	if (raw_uri[0] != '/') {
		*reason = "the request target is not a path";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (raw_uri[i] == '%') {
			*reason = "percent-encoding in the request target";
			return -1;
		}
		if (!uri_char_ok(raw_uri[i])) {
			*reason = "a character outside the allowed set in the request target";
			return -1;
		}
	}
	const char *q = strchr(raw_uri, '?');
	size_t plen = q ? (size_t)(q - raw_uri) : n;
	/* Empty, "." and ".." segments. */
	for (size_t i = 0; i < plen; i++) {
		if (raw_uri[i] != '/')
			continue;
		size_t j = i + 1;
		while (j < plen && raw_uri[j] != '/')
			j++;
		size_t sl = j - i - 1;
		if (sl == 0 || seg_is(raw_uri + i + 1, sl, ".") ||
		    seg_is(raw_uri + i + 1, sl, "..")) {
			*reason = "an empty, '.' or '..' path segment";
			return -1;
		}
	}
	if (q && strchr(q + 1, '?')) {
		*reason = "a malformed query string";
		return -1;
	}
	if (c->provider == GW_PROVIDER_VERTEX)
		return vertex(c, raw_uri, plen, q ? q + 1 : NULL, route, reason);
	return anthropic(raw_uri, plen, q ? q + 1 : NULL, route, reason);
}

char *
gw_upstream_url(const struct gw_config *c, const struct gw_route *route, const char *raw_uri)
{
	struct gw_buf b = { 0 };
	switch (c->provider) {
	case GW_PROVIDER_VERTEX:
		if (c->vertex_url)
			(void)gw_buf_addf(&b, "%s%s", c->vertex_url, raw_uri);
		else if (!strcmp(route->region, "global"))
			(void)gw_buf_addf(&b, "https://aiplatform.googleapis.com%s", raw_uri);
		else
			(void)gw_buf_addf(&b, "https://%s-aiplatform.googleapis.com%s",
					  route->region, raw_uri);
		return b.buf;
	case GW_PROVIDER_ANTHROPIC:
		(void)gw_buf_addf(&b, "%s%s",
				  c->anthropic_url ? c->anthropic_url : "https://api.anthropic.com",
				  raw_uri);
		return b.buf;
	case GW_PROVIDER_NONE:
		break;
	}
	return NULL;
}
