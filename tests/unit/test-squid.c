/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/net/squid.c: the generated squid.conf. When squid is
 * installed, every generated configuration is also checked by the real
 * `squid -k parse` (which exits non-zero on a FATAL or a refused ACL).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <fcntl.h>
#include <cmocka.h>
#include "paude/net/allowlist.h"
#include "paude/net/net.h"
#include "paude/net/squid.h"
#include "paude/core/run.h"

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
gen(struct paude_buf *out, const char *const *values, const struct paude_squid_opts *opts)
{
	_cleanup_error_ struct paude_error *e = NULL;
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	if (paude_allowlist_parse(&al, values, &e) < 0)
		fail_msg("parse: %s", e->msg);
	if (paude_squid_config(out, &al, opts, &e) < 0)
		fail_msg("config: %s", e->msg);
	paude_allowlist_release(&al);
}

/* The line that starts with `prefix`, or fail. */
static const char *
line_with(const char *conf, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = conf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return p;
	fail_msg("no line starting with '%s' in:\n%s", prefix, conf);
	return NULL;
}

static size_t
offset_of(const char *conf, const char *line)
{
	return (size_t)(line_with(conf, line) - conf);
}

static void
test_acl_lists_the_merged_domains_without_lookups(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	gen(&b, V("default", "x.org", ".x.org"), NULL);
	const char *acl = line_with(b.buf, "acl paude_allowed ");
	size_t n = (size_t)(strchr(acl, '\n') - acl);
	assert_int_equal(strncmp(acl,
				 "acl paude_allowed dstdomain -n .x.org aiplatform.googleapis.com "
				 "files.pythonhosted.org iamcredentials.googleapis.com "
				 "oauth2.googleapis.com pypi.org sts.googleapis.com\n",
				 n + 1),
			 0);
}

static void
test_regional_endpoints_are_one_label_regex(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	gen(&b, V("vertexai"), NULL);
	line_with(b.buf, "acl paude_allowed_regional dstdom_regex -n -i "
			 "^[a-z0-9-]+-aiplatform\\.googleapis\\.com$\n");
	size_t deny = offset_of(b.buf, "http_access deny !paude_allowed !paude_allowed_regional\n");
	size_t priv = offset_of(b.buf, "http_access deny paude_private_dst\n");
	size_t a = offset_of(b.buf, "http_access allow paude_allowed\n");
	size_t ar = offset_of(b.buf, "http_access allow paude_allowed_regional\n");
	assert_true(deny < priv && priv < a && a < ar);

	/* pypi alone has no pattern: no regex ACL, no reference to one. */
	paude_buf_reset(&b);
	gen(&b, V("pypi"), NULL);
	assert_null(strstr(b.buf, "paude_allowed_regional"));
	line_with(b.buf, "http_access deny !paude_allowed\n");

	/* A pattern entry is checked again like any other. */
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	paude_strvec_push(&al.domains, "*-x.org$ http_access allow all");
	paude_buf_reset(&b);
	assert_int_equal(paude_squid_config(&b, &al, NULL, &e), PAUDE_EUSAGE);
	assert_int_equal(b.len, 0);
	paude_allowlist_release(&al);
}

#define PRIVATE_V6 " ::/128 ::1/128 fc00::/7 fe80::/10 ff00::/8\n"

static void
test_private_destinations_are_refused_after_the_name_check(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	gen(&b, V("pypi"), NULL);
	line_with(b.buf, "acl paude_private_dst dst 0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 "
			 "169.254.0.0/16 172.16.0.0/12 192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 "
			 "240.0.0.0/4" PRIVATE_V6);
	/* The name check (no DNS) comes first; only an allowed name is looked
	 * up, so a refused name still never reaches DNS. */
	size_t name = offset_of(b.buf, "http_access deny !paude_allowed\n");
	size_t priv = offset_of(b.buf, "http_access deny paude_private_dst\n");
	size_t allow = offset_of(b.buf, "http_access allow paude_allowed\n");
	assert_true(name < priv && priv < allow);
	assert_null(strstr(b.buf, "# Except"));
}

static void
test_private_exceptions_are_cut_out_exactly(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	/* One /24 inside 10/8, one address inside 192.168/16. */
	const struct paude_squid_opts o = {
		.allow_private_dst = V("10.89.0.0/24", "192.168.1.7/32"),
	};
	gen(&b, V("pypi"), &o);
	line_with(b.buf, "# Except (PAUDE_PROXY_ALLOW_PRIVATE_DST): 10.89.0.0/24 192.168.1.7/32\n");
	line_with(b.buf, "acl paude_private_dst dst 0.0.0.0/8 "
			 /* 10.0.0.0 - 10.88.255.255 */
			 "10.0.0.0/10 10.64.0.0/12 10.80.0.0/13 10.88.0.0/16 "
			 /* 10.89.1.0 - 10.255.255.255 */
			 "10.89.1.0/24 10.89.2.0/23 10.89.4.0/22 10.89.8.0/21 10.89.16.0/20 "
			 "10.89.32.0/19 10.89.64.0/18 10.89.128.0/17 10.90.0.0/15 10.92.0.0/14 "
			 "10.96.0.0/11 10.128.0.0/9 "
			 "100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 "
			 /* 192.168.0.0 - 192.168.1.6, 192.168.1.8 - 192.168.255.255 */
			 "192.168.0.0/24 192.168.1.0/30 192.168.1.4/31 192.168.1.6/32 "
			 "192.168.1.8/29 192.168.1.16/28 192.168.1.32/27 192.168.1.64/26 "
			 "192.168.1.128/25 192.168.2.0/23 192.168.4.0/22 192.168.8.0/21 "
			 "192.168.16.0/20 192.168.32.0/19 192.168.64.0/18 192.168.128.0/17 "
			 "198.18.0.0/15 224.0.0.0/4 240.0.0.0/4" PRIVATE_V6);

	/* An exception covering a whole range and more removes it; one
	 * outside every range changes nothing. */
	paude_buf_reset(&b);
	const struct paude_squid_opts o2 = { .allow_private_dst = V("126.0.0.0/7", "8.8.8.0/24") };
	gen(&b, V("pypi"), &o2);
	line_with(b.buf, "acl paude_private_dst dst 0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 "
			 "169.254.0.0/16 172.16.0.0/12 192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 "
			 "240.0.0.0/4" PRIVATE_V6);

	/* Everything excepted: only the IPv6 ranges stay. */
	paude_buf_reset(&b);
	const struct paude_squid_opts o3 = { .allow_private_dst = V("0.0.0.0/0") };
	gen(&b, V("pypi"), &o3);
	line_with(b.buf, "acl paude_private_dst dst" PRIVATE_V6);

	/* An exception that did not come through the parser is refused. */
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	paude_strvec_push(&al.domains, "x.org");
	const struct paude_squid_opts bad = { .allow_private_dst = V("10.0.0.0/8 all") };
	paude_buf_reset(&b);
	assert_int_equal(paude_squid_config(&b, &al, &bad, &e), PAUDE_EUSAGE);
	assert_int_equal(b.len, 0);
	paude_allowlist_release(&al);
}

static void
test_private_dst_parse(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(
	    paude_private_dst_parse(&sv, "10.89.0.0/24,192.168.1.7,10.89.0.0/24,0.0.0.0/0", &e), 0);
	assert_int_equal(sv.nr, 3);
	assert_string_equal(sv.v[0], "10.89.0.0/24");
	assert_string_equal(sv.v[1], "192.168.1.7/32");
	assert_string_equal(sv.v[2], "0.0.0.0/0");
	assert_int_equal(paude_private_dst_parse(&sv, "", &e), 0);
	assert_int_equal(sv.nr, 3);

	static const char *const bad[] = {
		"10.89.0.1/24", /* host bits */
		"10.89.0.0/33", "10.89.0.0/", "10.89.0.0/-1",  "10.89.0.0/+8",
		"fd00::/8",     "10.89.0",    "10.89.0.0/24,", ",10.0.0.0/8",
		"10.0.0.0/8 ",  "all",        "10.0.0.0/008",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (paude_private_dst_parse(&sv, bad[i], &e) != PAUDE_EUSAGE)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(e->msg, "PAUDE_PROXY_ALLOW_PRIVATE_DST"));
		paude_error_clear(&e);
		assert_int_equal(sv.nr, 3);
	}
	/* A control byte is shown escaped, not printed. */
	assert_int_equal(paude_private_dst_parse(&sv, "10.0.0.0/8\x1b[2J", &e), PAUDE_EUSAGE);
	assert_non_null(strstr(e->msg, "\\x1b[2J"));
	paude_error_clear(&e);

	_cleanup_buf_ struct paude_buf many = PAUDE_BUF_INIT;
	for (int i = 0; i <= PAUDE_PRIVATE_DST_MAX; i++)
		paude_buf_addf(&many, NULL, "%s10.0.%d.0/24", i ? "," : "", i);
	assert_int_equal(paude_private_dst_parse(&sv, many.buf, &e), PAUDE_EUSAGE);
	assert_non_null(strstr(e->msg, "too many"));
}

static void
test_access_rules_deny_by_default_in_order(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	gen(&b, V("pypi"), NULL);
	/* CONNECT only to 443, plain HTTP only to 80, then the allowlist, then deny. */
	line_with(b.buf, "acl paude_https port 443\n");
	line_with(b.buf, "acl paude_http port 80\n");
	line_with(b.buf, "acl paude_connect method CONNECT\n");
	size_t c = offset_of(b.buf, "http_access deny paude_connect !paude_https\n");
	size_t h = offset_of(b.buf, "http_access deny !paude_connect !paude_http\n");
	size_t n = offset_of(b.buf, "http_access deny !paude_allowed\n");
	size_t a = offset_of(b.buf, "http_access allow paude_allowed\n");
	size_t d = offset_of(b.buf, "http_access deny all\n");
	assert_true(c < h && h < n && n < a && a < d);
	/* Nothing else is ever allowed. */
	const char *p = b.buf;
	int allows = 0;
	while ((p = strstr(p, "_access allow")) != NULL) {
		allows++;
		p++;
	}
	assert_int_equal(allows, 1);
}

static void
test_no_cache_and_logs_in_files(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	gen(&b, V("pypi"), NULL);
	line_with(b.buf, "cache deny all\n");
	line_with(b.buf, "access_log stdio:" PAUDE_PROXY_ACCESS_LOG " squid\n");
	line_with(b.buf, "cache_log " PAUDE_PROXY_CACHE_LOG "\n");
	line_with(b.buf, "pid_filename none\n");
	line_with(b.buf, "forwarded_for delete\n");
	assert_null(strstr(b.buf, "cache_dir"));
	assert_null(strstr(b.buf, "/dev/stdout"));
}

static void
test_listen_address_and_port(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	gen(&b, V("pypi"), NULL);
	line_with(b.buf, "http_port 3128\n");
	paude_buf_reset(&b);
	const struct paude_squid_opts o = { .session = "demo",
					    .listen_addr = "10.98.3.10",
					    .port = 8080 };
	gen(&b, V("pypi"), &o);
	line_with(b.buf, "http_port 10.98.3.10:8080\n");
	line_with(b.buf, "# squid configuration generated by paude for session 'demo'");
}

static void
test_refuses_what_squid_cannot_enforce(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	struct paude_error *e = NULL;

	/* Unrestricted: there is no proxy. */
	al.unrestricted = true;
	assert_int_equal(paude_squid_config(&b, &al, NULL, &e), PAUDE_EUSAGE);
	paude_error_clear(&e);
	al.unrestricted = false;

	/* Empty list. */
	assert_int_equal(paude_squid_config(&b, &al, NULL, &e), PAUDE_EUSAGE);
	paude_error_clear(&e);

	/* A bad listen address. */
	paude_strvec_push(&al.domains, ".x.org");
	const struct paude_squid_opts bad = { .listen_addr = "10.0.0.1 3129" };
	assert_int_equal(paude_squid_config(&b, &al, &bad, &e), PAUDE_EUSAGE);
	assert_non_null(strstr(e->msg, "not an IPv4 address"));
	paude_error_clear(&e);

	/* An entry that did not come through parse cannot inject directives. */
	paude_strvec_push(&al.domains, "x.org\nhttp_access allow all");
	assert_int_equal(paude_squid_config(&b, &al, NULL, &e), PAUDE_EUSAGE);
	paude_error_clear(&e);
	assert_int_equal(b.len, 0);
	paude_allowlist_release(&al);
}

/* squid -k parse: the real parser on this machine, when it is installed. */
static void
assert_squid_accepts(const char *conf)
{
	_cleanup_free_ char *squid = paude_which("squid");
	if (!squid)
		squid = paude_which("/usr/sbin/squid");
	if (!squid) {
		print_message("squid not installed: skipping the real parse\n");
		return;
	}
	char path[] = "/tmp/paude-squid-test.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);

	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 20);
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	_cleanup_error_ struct paude_error *e = NULL;
	int status = -1;
	paude_strvec_pushl(&c.args, squid, "-k", "parse", "-f", path, NULL);
	assert_int_equal(
	    paude_run_capture(paude_runner_default(), &c, NULL, 0, &out, &errout, &status, &e), 0);
	unlink(path);
	/* Keep only the complaints (squid also narrates every line it reads). */
	_cleanup_buf_ struct paude_buf bad = PAUDE_BUF_INIT;
	for (char *line = errout.buf; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (memmem(line, n, "FATAL", 5) || memmem(line, n, "ERROR", 5) ||
		    memmem(line, n, "WARNING", 7) || memmem(line, n, "Bungled", 7))
			paude_buf_add(&bad, line, n, NULL);
		line += n;
	}
	if (status != 0 || bad.len)
		fail_msg("squid -k parse (exit %d) complained:\n%s", status, bad.buf);
}

static void
test_real_squid_parses_generated_configs(void **state)
{
	(void)state;
	const char *const *cases[] = {
		V("default"),
		V("vertexai"),
		V("pypi", ".example.com"),
		/* Overlaps squid would refuse if they were not merged. */
		V("x.com", ".x.com", ".a.x.com", "b.a.x.com", "default",
		  "aiplatform.googleapis.com"),
		V("allowed.test", ".allowed2.test"),
		V("vertexai", ".googleapis.com", ".google.com"),
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
		const struct paude_squid_opts o = { .session = "demo", .listen_addr = "127.0.0.1" };
		gen(&b, cases[i], &o);
		assert_squid_accepts(b.buf);
	}
	/* With exceptions cut out of the private ranges. */
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	const struct paude_squid_opts o = {
		.allow_private_dst = V("10.89.0.0/24", "192.168.1.7/32", "172.16.0.0/12"),
	};
	gen(&b, V("default", "allowed.test"), &o);
	assert_squid_accepts(b.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_lists_the_merged_domains_without_lookups),
		cmocka_unit_test(test_access_rules_deny_by_default_in_order),
		cmocka_unit_test(test_regional_endpoints_are_one_label_regex),
		cmocka_unit_test(test_private_destinations_are_refused_after_the_name_check),
		cmocka_unit_test(test_private_exceptions_are_cut_out_exactly),
		cmocka_unit_test(test_private_dst_parse),
		cmocka_unit_test(test_no_cache_and_logs_in_files),
		cmocka_unit_test(test_listen_address_and_port),
		cmocka_unit_test(test_refuses_what_squid_cannot_enforce),
		cmocka_unit_test(test_real_squid_parses_generated_configs),
	};
	return cmocka_run_group_tests_name("squid", tests, NULL, NULL);
}
