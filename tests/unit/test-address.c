/* SPDX-License-Identifier: MIT */
/* Session addresses: the forms that parse, and the hostile ones that must not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/session/address.h"
#include "paude/session/session.h"

static void
parse_ok(const char *s, const char *backend, const char *context, const char *ns, const char *name)
{
	struct paude_address a = PAUDE_ADDRESS_INIT;
	struct paude_error *err = NULL;
	assert_int_equal(paude_address_parse(&a, s, &err), 0);
	assert_null(err);
	if (backend)
		assert_string_equal(paude_location_backend_name(&a.where), backend);
	else
		assert_int_equal(a.where.kind, PAUDE_LOCATION_ANY);
	if (context)
		assert_string_equal(a.where.context, context);
	else
		assert_null(a.where.context);
	if (ns)
		assert_string_equal(a.where.namespace, ns);
	else
		assert_null(a.where.namespace);
	assert_string_equal(a.name, name);
	paude_address_release(&a);
}

/* Fails with PAUDE_EUSAGE, a message containing `what`, and leaves out untouched. */
static void
parse_bad(const char *s, const char *what)
{
	struct paude_address a = { .name = (char *)"untouched" };
	struct paude_error *err = NULL;
	assert_int_equal(paude_address_parse(&a, s, &err), PAUDE_EUSAGE);
	assert_non_null(err);
	if (!strstr(err->msg, what))
		fail_msg("message '%s' lacks '%s'", err->msg, what);
	/* Never echo control characters back to the terminal. */
	for (const char *p = err->msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20);
	assert_string_equal(a.name, "untouched");
	assert_int_equal(a.where.kind, PAUDE_LOCATION_ANY);
	paude_error_free(err);
}

static void
test_address_plain_name(void **state)
{
	(void)state;
	parse_ok("my-project", NULL, NULL, NULL, "my-project");
	parse_ok("a", NULL, NULL, NULL, "a");
	parse_ok("paude://my-project", NULL, NULL, NULL, "my-project");
}

static void
test_address_podman_form(void **state)
{
	(void)state;
	parse_ok("podman/x1", "podman", NULL, NULL, "x1");
	parse_ok("paude://podman/x1", "podman", NULL, NULL, "x1");
}

static void
test_address_cluster_forms(void **state)
{
	(void)state;
	parse_ok("openshift/team-a/proj", "openshift", NULL, "team-a", "proj");
	parse_ok("kubernetes/0ns/proj", "kubernetes", NULL, "0ns", "proj");
	parse_ok("openshift/admin@crc:6443/team-a/proj", "openshift", "admin@crc:6443", "team-a",
		 "proj");
	parse_ok("openshift/Prod_Cluster.eu/ns/p", "openshift", "Prod_Cluster.eu", "ns", "p");
}

static void
test_address_rejects_hostile_input(void **state)
{
	(void)state;
	parse_bad("x;touch /tmp/pwned", "invalid session address 'x;touch /tmp/pwned'");
	parse_bad("x;touch", "invalid session name 'x;touch'");
	parse_bad("--help", "invalid session name '--help'");
	parse_bad("-x", "invalid session name");
	parse_bad("../x", "invalid session address");
	parse_bad("$(id)", "invalid session name '$(id)'");
	parse_bad("`id`", "invalid session name");
	parse_bad("x\ny", "invalid session name 'x\\x0ay'");
	parse_bad("x\033[2J", "\\x1b");
	parse_bad("", "session address is empty");
	parse_bad("/x", "invalid session address");
	parse_bad("x/", "invalid session address");
	parse_bad("podman//x", "invalid session address");
	parse_bad("My-Project", "invalid session name");
	parse_bad("x-", "invalid session name");
	parse_bad("x y", "invalid session name");
	parse_bad("x'y", "invalid session name 'x\\x27y'");
}

static void
test_address_rejects_overlong(void **state)
{
	(void)state;
	char name[PAUDE_SESSION_NAME_MAX + 2];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	parse_bad(name, "too long");
	name[PAUDE_SESSION_NAME_MAX] = '\0';
	parse_ok(name, NULL, NULL, NULL, name);

	char big[PAUDE_ADDRESS_MAX + 10];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	parse_bad(big, "session address is too long");

	char ns[100] = "openshift/";
	memset(ns + 10, 'n', 64);
	memcpy(ns + 74, "/x", 3);
	parse_bad(ns, "invalid namespace");
}

static void
test_address_rejects_unknown_backends_and_shapes(void **state)
{
	(void)state;
	parse_bad("docker/x", "invalid session address 'docker/x': unknown backend");
	parse_bad("openshift/x", "needs a namespace");
	parse_bad("podman/ns/x", "a podman address has no namespace");
	parse_bad("openshift/a/b/c/d", "invalid session address");
	parse_bad("openshift/-ctx/ns/x", "invalid context '-ctx'");
	parse_bad("openshift/.ctx/ns/x", "invalid context");
	parse_bad("openshift/c$x/ns/x", "invalid context");
	parse_bad("openshift/NS/x", "invalid namespace 'NS'");
	parse_bad("openshift/-ns/x", "invalid namespace");
	parse_bad("openshift/ns-/x", "invalid namespace");
	parse_bad("openshift/ns/X", "invalid session name");
	parse_bad("paude://", "invalid session address");
}

static void
test_address_format_round_trips(void **state)
{
	(void)state;
	static const char *const forms[] = { "x", "podman/x", "openshift/ns/x",
					     "kubernetes/c@d:1/ns/x" };
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
		cmocka_unit_test(test_address_plain_name),
		cmocka_unit_test(test_address_podman_form),
		cmocka_unit_test(test_address_cluster_forms),
		cmocka_unit_test(test_address_rejects_hostile_input),
		cmocka_unit_test(test_address_rejects_overlong),
		cmocka_unit_test(test_address_rejects_unknown_backends_and_shapes),
		cmocka_unit_test(test_address_format_round_trips),
	};
	return cmocka_run_group_tests_name("address", tests, NULL, NULL);
}
