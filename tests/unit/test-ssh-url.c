/* SPDX-License-Identifier: MIT */
/* The ssh:// form of a session address (ssh-url.h, address.h): what parses, what must not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "paude/session/address.h"
#include "paude/session/ssh-url.h"

static void
split_ok(const char *s, const char *host, const char *spec)
{
	char *h = NULL;
	const char *sp = NULL;
	size_t splen = 0;
	struct paude_error *err = NULL;
	assert_int_equal(paude_ssh_url_split(s, strlen(s), &h, &sp, &splen, &err), 0);
	assert_null(err);
	assert_string_equal(h, host);
	assert_int_equal(splen, strlen(spec));
	assert_memory_equal(sp, spec, splen);
	free(h);
}

static void
parse_ok(const char *s, const char *host, const char *backend, const char *name)
{
	struct paude_address a = PAUDE_ADDRESS_INIT;
	struct paude_error *err = NULL;
	assert_int_equal(paude_address_parse(&a, s, &err), 0);
	assert_null(err);
	assert_string_equal(a.host, host);
	if (backend)
		assert_string_equal(paude_location_backend_name(&a.where), backend);
	else
		assert_int_equal(a.where.kind, PAUDE_LOCATION_ANY);
	assert_null(a.where.context);
	assert_null(a.where.namespace);
	assert_string_equal(a.name, name);
	paude_address_release(&a);
}

/* PAUDE_EUSAGE, a message containing `what` and no control characters, out untouched. */
static void
parse_bad(const char *s, const char *what)
{
	struct paude_address a = { .name = (char *)"untouched" };
	struct paude_error *err = NULL;
	assert_int_equal(paude_address_parse(&a, s, &err), PAUDE_EUSAGE);
	assert_non_null(err);
	if (!strstr(err->msg, what))
		fail_msg("message '%s' lacks '%s'", err->msg, what);
	for (const char *p = err->msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20);
	assert_string_equal(a.name, "untouched");
	assert_null(a.host);
	assert_int_equal(a.where.kind, PAUDE_LOCATION_ANY);
	paude_error_free(err);
}

static void
test_ssh_url_split(void **state)
{
	(void)state;
	assert_true(paude_ssh_url_is("ssh://h/x", 9));
	assert_false(paude_ssh_url_is("ssh:/h/x", 8));
	assert_false(paude_ssh_url_is("ssh://", 5));
	split_ok("ssh://box/x", "box", "x");
	split_ok("ssh://alice@gpu-box.example:2222/my-project", "alice@gpu-box.example:2222",
		 "my-project");
	split_ok("ssh://root@[::1]:22/podman/x", "root@[::1]:22", "podman/x");
	split_ok("ssh://h/a/b/c", "h", "a/b/c"); /* the spec's shape is the caller's */
}

static void
test_ssh_url_addresses(void **state)
{
	(void)state;
	parse_ok("ssh://box/my-project", "box", NULL, "my-project");
	parse_ok("ssh://root@127.0.0.1:2222/x", "root@127.0.0.1:2222", NULL, "x");
	parse_ok("ssh://u@[fe80::1]:2200/podman/x", "u@[fe80::1]:2200", "podman", "x");
	parse_ok("paude://ssh://box/x", "box", NULL, "x");
	/* Without ssh:// nothing has a host. */
	struct paude_address a = PAUDE_ADDRESS_INIT;
	assert_int_equal(paude_address_parse(&a, "podman/x", NULL), 0);
	assert_null(a.host);
	paude_address_release(&a);
}

static void
test_ssh_url_rejects(void **state)
{
	(void)state;
	parse_bad("ssh://", "no host");
	parse_bad("ssh:///x", "no host");
	parse_bad("ssh://box", "no session name after the host");
	parse_bad("ssh://box/", "no session name after the host");
	parse_bad("ssh://-oProxyCommand=x/n", "may not start with '-'");
	parse_bad("ssh://u@-oProxyCommand=x/n", "may not start with '-'");
	parse_bad("ssh://b;touch x/n", "bad character in the host");
	parse_bad("ssh://b x/n", "bad character in the host");
	parse_bad("ssh://b$(id)/n", "bad character in the host");
	parse_bad("ssh://b\x1b[31m/n", "bad character in the host");
	parse_bad("ssh://b\x1b[31m/n", "\\x1b");
	parse_bad("ssh://b%h/n", "bad character in the host");
	parse_bad("ssh://box/openshift/ns/x", "names a podman session");
	parse_bad("ssh://box/kubernetes/c/ns/x", "names a podman session");
	parse_bad("ssh://box/Bad", "Bad");
	parse_bad("ssh://box/x/y", "unknown backend");
	parse_bad("ssh://box/podman/ns/x", "a podman address has no namespace");
	parse_bad("ssh://box/ssh://box/x", "invalid session address");
}

static void
test_ssh_url_format_round_trips(void **state)
{
	(void)state;
	static const char *const forms[] = { "ssh://box/x", "ssh://root@127.0.0.1:2222/x",
					     "ssh://u@[::1]:22/podman/x" };
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		struct paude_address a = PAUDE_ADDRESS_INIT;
		struct paude_buf b = PAUDE_BUF_INIT;
		assert_int_equal(paude_address_parse(&a, forms[i], NULL), 0);
		paude_address_format(&a, &b);
		assert_string_equal(b.buf, forms[i]);
		paude_buf_release(&b);
		paude_address_release(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_url_split),
		cmocka_unit_test(test_ssh_url_addresses),
		cmocka_unit_test(test_ssh_url_rejects),
		cmocka_unit_test(test_ssh_url_format_round_trips),
	};
	return cmocka_run_group_tests_name("ssh-url", tests, NULL, NULL);
}
