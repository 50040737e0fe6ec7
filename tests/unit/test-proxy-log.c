/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/net/proxy-log.c: squid access log lines, read safely. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/net/proxy-log.h"

static int
parse(struct paude_proxy_entry *e, const char *line)
{
	return paude_proxy_log_parse(e, line, strlen(line), NULL);
}

static void
test_refused_connect(void **state)
{
	(void)state;
	struct paude_proxy_entry e;
	assert_int_equal(parse(&e, "1732900000.123      0 10.98.3.2 TCP_DENIED/403 3902 CONNECT "
				   "api.anthropic.com:443 - HIER_NONE/- text/html"),
			 0);
	assert_int_equal(e.time, 1732900000);
	assert_true(e.refused);
	assert_int_equal(e.code, 403);
	assert_string_equal(e.method, "CONNECT");
	assert_string_equal(e.host, "api.anthropic.com");
	assert_int_equal(e.port, 443);
}

static void
test_allowed_tunnel_and_http(void **state)
{
	(void)state;
	struct paude_proxy_entry e;
	assert_int_equal(parse(&e, "1732900001.456 120 10.98.3.2 TCP_TUNNEL/200 5000 CONNECT "
				   "oauth2.googleapis.com:443 - HIER_DIRECT/142.250.1.1 -"),
			 0);
	assert_false(e.refused);
	assert_string_equal(e.host, "oauth2.googleapis.com");
	assert_int_equal(parse(&e, "1732900002.000 3 10.98.3.2 TCP_MISS/200 1234 GET "
				   "http://Allowed.Test/path?x=1 - HIER_DIRECT/10.0.0.1 text/html"),
			 0);
	assert_false(e.refused);
	assert_string_equal(e.method, "GET");
	assert_string_equal(e.host, "allowed.test");
	assert_int_equal(e.port, 0);
}

static void
test_untrusted_bytes_never_kept(void **state)
{
	(void)state;
	struct paude_proxy_entry e;
	/* A terminal escape in the host: the entry stays, its host does not. */
	assert_int_equal(parse(&e, "1732900003.000 0 10.98.3.2 TCP_DENIED/403 3902 GET "
				   "http://\033[31mevil/ - HIER_NONE/- text/html"),
			 0);
	assert_true(e.refused);
	assert_string_equal(e.host, "");
	assert_int_equal(parse(&e, "1 0 c TCP_DENIED/403 1 CONNECT ev\033il:443 - x -"), 0);
	assert_string_equal(e.host, "");
	assert_int_equal(parse(&e, "1 0 c TCP_DENIED/403 1 GE\033T http://x/ - x -"), PAUDE_EPROTO);
}

static void
test_not_a_log_line(void **state)
{
	(void)state;
	struct paude_proxy_entry e = { .code = 7 };
	assert_int_equal(parse(&e, "garbage"), PAUDE_EPROTO);
	assert_int_equal(parse(&e, ""), PAUDE_EPROTO);
	assert_int_equal(parse(&e, "x.1 0 c TCP_DENIED/403 1 GET http://a/ - x -"), PAUDE_EPROTO);
	assert_int_equal(parse(&e, "1 0 c TCP_DENIED 1 GET http://a/ - x -"), PAUDE_EPROTO);
	assert_int_equal(e.code, 7);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_connect),
		cmocka_unit_test(test_allowed_tunnel_and_http),
		cmocka_unit_test(test_untrusted_bytes_never_kept),
		cmocka_unit_test(test_not_a_log_line),
	};
	return cmocka_run_group_tests_name("proxy-log", tests, NULL, NULL);
}
