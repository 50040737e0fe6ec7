/* SPDX-License-Identifier: MIT */
/* Unit tests for cmd/paude-gateway/filter.c and util.c: which requests the
 * model gateway forwards, where to, and its configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "../../cmd/paude-gateway/gateway.h"

#define MODELS "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/"

static struct gw_config
vertex_config(void)
{
	struct gw_config c = { .provider = GW_PROVIDER_VERTEX, .project = strdup("my-proj") };
	assert_int_equal(gw_config_set_regions(&c, "us-east5,global"), 0);
	return c;
}

static const char *
refused(const struct gw_config *c, const char *method, const char *uri)
{
	struct gw_route r;
	const char *reason = NULL;
	if (gw_filter(c, method, uri, &r, &reason) == 0)
		return NULL;
	assert_non_null(reason);
	return reason;
}

static void
test_vertex_model_calls_of_the_project_pass(void **state)
{
	(void)state;
	struct gw_config c = vertex_config();
	struct gw_route r;
	const char *reason = NULL;
	assert_int_equal(
	    gw_filter(&c, "POST", MODELS "claude-sonnet-4-5@20250929:rawPredict", &r, &reason), 0);
	assert_int_equal(r.call, GW_CALL_RAW_PREDICT);
	assert_string_equal(r.model, "claude-sonnet-4-5@20250929");
	assert_string_equal(r.region, "us-east5");
	assert_int_equal(
	    gw_filter(&c, "POST", MODELS "claude-haiku-4-5:streamRawPredict", &r, &reason), 0);
	assert_int_equal(r.call, GW_CALL_STREAM_RAW_PREDICT);
	assert_int_equal(gw_filter(&c, "POST", MODELS "count-tokens:rawPredict", &r, &reason), 0);
	assert_int_equal(r.call, GW_CALL_COUNT_TOKENS);
	assert_int_equal(gw_filter(&c, "POST",
				   "/v1/projects/my-proj/locations/global/publishers/anthropic/"
				   "models/claude-opus-4-1:rawPredict",
				   &r, &reason),
			 0);
	assert_string_equal(r.region, "global");
	gw_config_release(&c);
}

static void
test_vertex_refuses_other_projects_regions_publishers_and_methods(void **state)
{
	(void)state;
	struct gw_config c = vertex_config();
	assert_string_equal(refused(&c, "POST",
				    "/v1/projects/other/locations/us-east5/publishers/anthropic/"
				    "models/claude-x:rawPredict"),
			    "another project than the session's Vertex AI project");
	/* A prefix of the project is another project. */
	assert_non_null(refused(&c, "POST",
				"/v1/projects/my-pro/locations/us-east5/publishers/anthropic/"
				"models/claude-x:rawPredict"));
	assert_string_equal(refused(&c, "POST",
				    "/v1/projects/my-proj/locations/europe-west1/publishers/"
				    "anthropic/models/claude-x:rawPredict"),
			    "a region the session is not configured for");
	assert_string_equal(refused(&c, "POST",
				    "/v1/projects/my-proj/locations/us-east5/publishers/google/"
				    "models/gemini-2.5-pro:rawPredict"),
			    "another publisher than anthropic");
	assert_string_equal(refused(&c, "POST", MODELS "claude-x:predict"),
			    "a method other than :rawPredict or :streamRawPredict");
	assert_non_null(refused(&c, "POST", MODELS "count-tokens:streamRawPredict"));
	assert_non_null(refused(&c, "POST", MODELS "claude-x"));
	assert_string_equal(refused(&c, "GET", MODELS "claude-x:rawPredict"),
			    "only POST is forwarded");
	assert_non_null(refused(&c, "POST", "/v1/projects/my-proj/locations/us-east5/endpoints"));
	assert_non_null(refused(&c, "POST", "/"));
	assert_non_null(refused(&c, "POST", MODELS "claude-x:rawPredict/extra"));
	assert_non_null(refused(&c, "POST", "/v1/messages"));
	assert_non_null(refused(&c, "POST", MODELS "Claude-X:rawPredict"));
	gw_config_release(&c);
}

static void
test_path_tricks_are_refused_before_anything(void **state)
{
	(void)state;
	struct gw_config c = vertex_config();
	static const char *const tricks[] = {
		"/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/"
		"claude-x%3ArawPredict",
		"/v1/projects/my-proj/locations/us-east5/publishers/%61nthropic/models/"
		"claude-x:rawPredict",
		"/v1/projects/my-proj/locations/us-east5/publishers/google/../anthropic/models/"
		"claude-x:rawPredict",
		"/v1/projects/other/../my-proj/locations/us-east5/publishers/anthropic/models/"
		"claude-x:rawPredict",
		"/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/./"
		"claude-x:rawPredict",
		"/v1/projects/my-proj//locations/us-east5/publishers/anthropic/models/"
		"claude-x:rawPredict",
		"/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/"
		"claude-x:rawPredict?alt=sse",
		"/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/"
		"claude-x:rawPredict#x",
		"/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/"
		"claude-x:rawPredict\\",
		"http://evil.example/v1/projects/my-proj/locations/us-east5/publishers/anthropic/"
		"models/claude-x:rawPredict",
		"",
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(tricks); i++)
		if (!refused(&c, "POST", tricks[i]))
			fail_msg("not refused: %s", tricks[i]);
	assert_string_equal(refused(&c, "POST", tricks[0]),
			    "percent-encoding in the request target");
	assert_string_equal(refused(&c, "POST", tricks[2]), "an empty, '.' or '..' path segment");
	char long_uri[GW_MAX_URI + 100];
	memset(long_uri, 'a', sizeof(long_uri) - 1);
	long_uri[0] = '/';
	long_uri[sizeof(long_uri) - 1] = '\0';
	assert_string_equal(refused(&c, "POST", long_uri),
			    "the request target is empty or too long");
	gw_config_release(&c);
}

static void
test_anthropic_api_forwards_messages_calls_only(void **state)
{
	(void)state;
	struct gw_config c = { .provider = GW_PROVIDER_ANTHROPIC };
	struct gw_route r;
	const char *reason = NULL;
	assert_int_equal(gw_filter(&c, "POST", "/v1/messages", &r, &reason), 0);
	assert_int_equal(r.call, GW_CALL_MESSAGES);
	assert_int_equal(gw_filter(&c, "POST", "/v1/messages?beta=true", &r, &reason), 0);
	assert_int_equal(gw_filter(&c, "POST", "/v1/messages/count_tokens?beta=true", &r, &reason),
			 0);
	assert_int_equal(r.call, GW_CALL_COUNT_TOKENS);
	assert_non_null(refused(&c, "POST", "/v1/messages/batches"));
	assert_non_null(refused(&c, "POST", "/v1/files"));
	assert_non_null(refused(&c, "GET", "/v1/models"));
	assert_non_null(refused(&c, "POST", "/v1/messages?beta=true&x=1"));
	assert_non_null(refused(&c, "POST", "/v1/messages/../files"));
	assert_non_null(refused(&c, "POST", "/v1/%6dessages"));
	assert_non_null(refused(&c, "POST", MODELS "claude-x:rawPredict"));
	struct gw_config none = { .provider = GW_PROVIDER_NONE };
	assert_string_equal(refused(&none, "POST", "/v1/messages"),
			    "no model provider is configured for this session");
}

static void
test_upstream_urls_follow_region_and_hooks(void **state)
{
	(void)state;
	struct gw_config c = vertex_config();
	struct gw_route r = { .call = GW_CALL_RAW_PREDICT, .region = "us-east5" };
	char *u = gw_upstream_url(&c, &r, MODELS "m:rawPredict");
	assert_string_equal(u, "https://us-east5-aiplatform.googleapis.com" MODELS "m:rawPredict");
	free(u);
	struct gw_route g = { .call = GW_CALL_RAW_PREDICT, .region = "global" };
	u = gw_upstream_url(&c, &g, "/v1/x");
	assert_string_equal(u, "https://aiplatform.googleapis.com/v1/x");
	free(u);
	c.vertex_url = strdup("http://fake-vertex:8080");
	u = gw_upstream_url(&c, &r, "/v1/x");
	assert_string_equal(u, "http://fake-vertex:8080/v1/x");
	free(u);
	gw_config_release(&c);
	struct gw_config a = { .provider = GW_PROVIDER_ANTHROPIC };
	u = gw_upstream_url(&a, &r, "/v1/messages?beta=true");
	assert_string_equal(u, "https://api.anthropic.com/v1/messages?beta=true");
	free(u);
}

static void
test_config_from_environment(void **state)
{
	(void)state;
	struct gw_config c;
	const char *why = NULL;
	setenv("PAUDE_GATEWAY_PROVIDER", "vertex", 1);
	setenv("PAUDE_GATEWAY_PROJECT", "my-proj", 1);
	setenv("PAUDE_GATEWAY_REGIONS", "us-east5,,global,us-east5", 1);
	setenv("PAUDE_GATEWAY_ADC", "/etc/adc.json", 1);
	setenv("PAUDE_GATEWAY_VERTEX_URL", "http://fake:8080/", 1);
	unsetenv("PAUDE_GATEWAY_TOKEN_URL");
	unsetenv("PAUDE_GATEWAY_ANTHROPIC_URL");
	assert_int_equal(gw_config_from_env(&c, &why), 0);
	assert_int_equal(c.n_regions, 2);
	assert_string_equal(c.vertex_url, "http://fake:8080");
	assert_true(c.allow_private);
	gw_config_release(&c);

	setenv("PAUDE_GATEWAY_VERTEX_URL", "file:///etc/passwd", 1);
	assert_int_equal(gw_config_from_env(&c, &why), -1);
	gw_config_release(&c);
	setenv("PAUDE_GATEWAY_VERTEX_URL", "http://user@host", 1);
	assert_int_equal(gw_config_from_env(&c, &why), -1);
	gw_config_release(&c);
	unsetenv("PAUDE_GATEWAY_VERTEX_URL");
	setenv("PAUDE_GATEWAY_REGIONS", "us-east5,../x", 1);
	assert_int_equal(gw_config_from_env(&c, &why), -1);
	gw_config_release(&c);
	setenv("PAUDE_GATEWAY_REGIONS", "us-east5", 1);
	setenv("PAUDE_GATEWAY_PROJECT", "a/b", 1);
	assert_int_equal(gw_config_from_env(&c, &why), -1);
	gw_config_release(&c);
	setenv("PAUDE_GATEWAY_PROVIDER", "anthropic", 1);
	unsetenv("ANTHROPIC_API_KEY");
	assert_int_equal(gw_config_from_env(&c, &why), -1);
	assert_string_equal(why, "ANTHROPIC_API_KEY is not set in the gateway's environment");
	gw_config_release(&c);
	setenv("PAUDE_GATEWAY_PROVIDER", "openai", 1);
	assert_int_equal(gw_config_from_env(&c, &why), -1);
	gw_config_release(&c);
	unsetenv("PAUDE_GATEWAY_PROVIDER");
	assert_int_equal(gw_config_from_env(&c, &why), 0);
	assert_int_equal(c.provider, GW_PROVIDER_NONE);
	assert_false(c.allow_private);
	gw_config_release(&c);
}

static bool
private4(const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return gw_addr_is_private((struct sockaddr *)&a);
}

static bool
private6(const char *ip)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
	return gw_addr_is_private((struct sockaddr *)&a);
}

static void
test_private_upstream_addresses_are_recognised(void **state)
{
	(void)state;
	static const char *const priv[] = { "10.1.2.3",       "127.0.0.1",   "172.16.0.1",
					    "172.31.9.9",     "192.168.1.1", "169.254.169.254",
					    "100.64.0.1",     "0.0.0.0",     "224.0.0.1",
					    "255.255.255.255" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(priv); i++)
		if (!private4(priv[i]))
			fail_msg("%s is private", priv[i]);
	assert_false(private4("142.250.1.1"));
	assert_false(private4("172.32.0.1"));
	assert_false(private4("100.128.0.1"));
	assert_true(private6("::1"));
	assert_true(private6("fd00::1"));
	assert_true(private6("fe80::1"));
	assert_true(private6("::ffff:10.0.0.1"));
	assert_false(private6("::ffff:8.8.8.8"));
	assert_false(private6("2607:f8b0::1"));
}

static void
test_call_log_lines_hold_no_secrets(void **state)
{
	(void)state;
	struct gw_buf b = { 0 };
	struct gw_call_record r = { .when = 0,
				    .method = "POST",
				    .what = "streamRawPredict",
				    .model = "claude-x",
				    .status = 200,
				    .ms = 12,
				    .bytes_in = 100,
				    .bytes_out = 2000 };
	gw_calllog_format(&b, &r);
	assert_string_equal(b.buf, "1970-01-01T00:00:00Z POST streamRawPredict model=claude-x "
				   "status=200 ms=12 in=100 out=2000\n");
	gw_buf_reset(&b);
	struct gw_call_record d = { .method = "GET",
				    .what = "refused",
				    .status = 403,
				    .reason = "only POST is forwarded" };
	gw_calllog_format(&b, &d);
	assert_string_equal(b.buf, "1970-01-01T00:00:00Z GET refused model=- status=403 ms=0 "
				   "in=0 out=0 reason=\"only POST is forwarded\"\n");
	gw_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vertex_model_calls_of_the_project_pass),
		cmocka_unit_test(test_vertex_refuses_other_projects_regions_publishers_and_methods),
		cmocka_unit_test(test_path_tricks_are_refused_before_anything),
		cmocka_unit_test(test_anthropic_api_forwards_messages_calls_only),
		cmocka_unit_test(test_upstream_urls_follow_region_and_hooks),
		cmocka_unit_test(test_config_from_environment),
		cmocka_unit_test(test_private_upstream_addresses_are_recognised),
		cmocka_unit_test(test_call_log_lines_hold_no_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
