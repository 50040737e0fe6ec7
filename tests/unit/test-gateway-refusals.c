/* SPDX-License-Identifier: MIT */
/* Unit tests for cmd/paude-gateway/refusals.c: the hosts squid refused, as
 * GET /paude/refusals tells the agent's pane. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../cmd/paude-gateway/gateway.h"

static int
parse(const char *line, long long *when, char *host, size_t n)
{
	return gw_refusal_parse(line, strlen(line), when, host, n);
}

static void
test_refused_connect_and_plain_requests_give_their_hosts(void **state)
{
	(void)state;
	long long when = 0;
	char host[256];
	assert_int_equal(parse("1732900000.123      0 10.98.3.2 TCP_DENIED/403 3902 CONNECT "
			       "API.Anthropic.com:443 - HIER_NONE/- text/html",
			       &when, host, sizeof(host)),
			 0);
	assert_int_equal(when, 1732900000LL);
	assert_string_equal(host, "api.anthropic.com");
	assert_int_equal(parse("1732900001.5 0 10.98.3.2 TCP_DENIED/403 10 GET "
			       "http://example.org/secret?q=1 - HIER_NONE/- text/html",
			       &when, host, sizeof(host)),
			 0);
	assert_string_equal(host, "example.org");
	assert_int_equal(when, 1732900001LL);
}

static void
test_allowed_and_malformed_lines_are_not_refusals(void **state)
{
	(void)state;
	long long when = 0;
	char host[16];
	/* allowed */
	assert_int_equal(parse("1732900000.1 5 10.0.0.2 TCP_TUNNEL/200 100 CONNECT pypi.org:443 - "
			       "HIER_DIRECT/1.2.3.4 -",
			       &when, host, sizeof(host)),
			 -1);
	/* too few fields, a bad time, characters outside a name, too long */
	assert_int_equal(parse("1732900000.1 5 10.0.0.2 TCP_DENIED/403", &when, host, sizeof(host)),
			 -1);
	assert_int_equal(parse("x1732900000 0 c TCP_DENIED/403 1 CONNECT a.b:443 - H -", &when,
			       host, sizeof(host)),
			 -1);
	assert_int_equal(parse("1732900000 0 c TCP_DENIED/403 1 CONNECT a\033]52;b:443 - H -",
			       &when, host, sizeof(host)),
			 -1);
	assert_int_equal(parse("1732900000 0 c TCP_DENIED/403 1 CONNECT "
			       "a-name-longer-than-sixteen.example:443 - H -",
			       &when, host, sizeof(host)),
			 -1);
}

static void
test_collect_keeps_each_host_once_at_its_latest_refusal(void **state)
{
	(void)state;
	const char log[] =
	    "100.0 0 c TCP_DENIED/403 1 CONNECT a.example:443 - H -\n"
	    "101.0 0 c TCP_TUNNEL/200 1 CONNECT ok.example:443 - H -\n"
	    "102.0 0 c TCP_DENIED/403 1 CONNECT b.example:443 - H -\n"
	    "103.0 0 c TCP_DENIED/403 1 CONNECT a.example:443 - H -\n"
	    "104.0 0 c TCP_DENIED/403 1 CONNECT c.example:443 - H -"; /* still being written */
	struct gw_buf out = { 0 };
	gw_refusals_collect(log, strlen(log), GW_REFUSALS_MAX, &out);
	assert_string_equal(out.buf, "102 b.example\n103 a.example\n");
	gw_buf_release(&out);

	/* At most max hosts: the oldest go. */
	struct gw_buf many = { 0 };
	struct gw_buf two = { 0 };
	for (int i = 0; i < 30; i++)
		(void)gw_buf_addf(
		    &many, "%d.0 0 c TCP_DENIED/403 1 CONNECT h%d.example:443 - H -\n", 200 + i, i);
	gw_refusals_collect(many.buf, many.len, 2, &two);
	assert_string_equal(two.buf, "228 h28.example\n229 h29.example\n");
	gw_buf_release(&two);
	struct gw_buf capped = { 0 };
	gw_refusals_collect(many.buf, many.len, 1000, &capped);
	assert_non_null(strstr(capped.buf, "210 h10.example\n"));
	assert_null(strstr(capped.buf, "h9.example"));
	gw_buf_release(&capped);
	gw_buf_release(&many);
}

static void
test_read_takes_the_tail_of_the_file_and_a_missing_log_is_empty(void **state)
{
	(void)state;
	struct gw_buf out = { 0 };
	assert_int_equal(gw_refusals_read("/nonexistent/access.log", &out), 0);
	assert_int_equal(out.len, 0);

	char path[] = "/tmp/paude-refusals-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* More than the tail: the first refusal is beyond what is read. */
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "1.0 0 c TCP_DENIED/403 1 CONNECT early.example:443 - H -\n");
	for (size_t n = 0; n < GW_REFUSALS_TAIL; n += 64)
		fprintf(f,
			"2.0 0 c TCP_TUNNEL/200 1 CONNECT pypi.org:443 - HIER_DIRECT/1.2.3.4 -\n");
	fprintf(f, "3.0 0 c TCP_DENIED/403 1 GET http://late.example/x - H -\n");
	fclose(f);
	assert_int_equal(gw_refusals_read(path, &out), 0);
	assert_string_equal(out.buf, "3 late.example\n");
	gw_buf_release(&out);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_connect_and_plain_requests_give_their_hosts),
		cmocka_unit_test(test_allowed_and_malformed_lines_are_not_refusals),
		cmocka_unit_test(test_collect_keeps_each_host_once_at_its_latest_refusal),
		cmocka_unit_test(test_read_takes_the_tail_of_the_file_and_a_missing_log_is_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
