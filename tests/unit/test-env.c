/* SPDX-License-Identifier: MIT */
/* Unit tests for cmd/paude/env.c: the PAUDE_* variables the library's
 * options come from (the library itself reads no environment). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../cmd/paude/env.h"

static const char *const vars[] = {
	"PAUDE_BASE_IMAGE",          "PAUDE_CLAUDE_CODE_VERSION", "PAUDE_CONTAINERS_DIR",
	"PAUDE_DEBIAN_MIRROR",       "PAUDE_FALLBACK_BASE_IMAGE", "PAUDE_CA_BUNDLE",
	"PAUDE_INSECURE_REGISTRIES",
};

static int
clear(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	return 0;
}

static void
test_image_options_come_from_the_variables(void **state)
{
	(void)state;
	setenv("PAUDE_BASE_IMAGE", "localhost/b:1", 1);
	setenv("PAUDE_CLAUDE_CODE_VERSION", "2.1.0", 1);
	setenv("PAUDE_CONTAINERS_DIR", "/src/containers", 1);
	setenv("PAUDE_DEBIAN_MIRROR", "http://mirror.test/debian", 1);
	setenv("PAUDE_FALLBACK_BASE_IMAGE", "localhost/fb:1", 1);
	setenv("PAUDE_CA_BUNDLE", "/etc/ca.pem", 1);
	struct paude_image_opts o = { 0 };
	paude_cli_env_image(&o);
	assert_string_equal(o.base, "localhost/b:1");
	assert_string_equal(o.agent_version, "2.1.0");
	assert_string_equal(o.containers_dir, "/src/containers");
	assert_string_equal(o.mirror, "http://mirror.test/debian");
	assert_string_equal(o.fallback_base, "localhost/fb:1");
	assert_string_equal(o.ca_bundle, "/etc/ca.pem");
	/* What the image functions then use. */
	assert_string_equal(paude_image_base(&o), "localhost/b:1");
	assert_string_equal(paude_image_agent_version(&o), "2.1.0");
	assert_string_equal(paude_image_fallback_base(&o), "localhost/fb:1");
}

static void
test_unset_and_empty_variables_leave_the_defaults(void **state)
{
	(void)state;
	setenv("PAUDE_BASE_IMAGE", "", 1);
	struct paude_image_opts o = { 0 };
	paude_cli_env_image(&o);
	assert_null(o.base);
	assert_null(o.agent_version);
	assert_null(o.containers_dir);
	assert_null(o.mirror);
	assert_null(o.fallback_base);
	assert_null(o.ca_bundle);
	assert_string_equal(paude_image_base(&o), PAUDE_IMAGE_DEFAULT_BASE);
	assert_string_equal(paude_image_agent_version(&o), "latest");
	assert_string_equal(paude_image_fallback_base(&o), PAUDE_IMAGE_FALLBACK_BASE);
}

static void
test_options_already_given_win_over_the_variables(void **state)
{
	(void)state;
	setenv("PAUDE_BASE_IMAGE", "localhost/env:1", 1);
	setenv("PAUDE_CA_BUNDLE", "/etc/env.pem", 1);
	setenv("PAUDE_INSECURE_REGISTRIES", "env.test:5000", 1);
	struct paude_image_opts o = { .base = "localhost/given:1", .ca_bundle = "" };
	paude_cli_env_image(&o);
	assert_string_equal(o.base, "localhost/given:1");
	assert_string_equal(o.ca_bundle, "");
	struct paude_oci_opts fo = { .insecure_registries = "given.test" };
	paude_cli_env_oci(&fo);
	assert_string_equal(fo.insecure_registries, "given.test");
	assert_string_equal(fo.ca_bundle, "/etc/env.pem");
}

static void
test_empty_ca_bundle_means_none(void **state)
{
	(void)state;
	setenv("PAUDE_CA_BUNDLE", "", 1);
	assert_null(paude_cli_env_ca_bundle());
	struct paude_image_opts o = { 0 };
	paude_cli_env_image(&o);
	assert_string_equal(o.ca_bundle, ""); /* "": none, for the image build too */
	setenv("PAUDE_CA_BUNDLE", "/etc/mine.pem", 1);
	assert_string_equal(paude_cli_env_ca_bundle(), "/etc/mine.pem");
	unsetenv("PAUDE_CA_BUNDLE");
	const char *d = paude_cli_env_ca_bundle();
	const char *detected = paude_ca_bundle_detect();
	if (detected)
		assert_string_equal(d, detected);
	else
		assert_null(d);
}

static void
test_oci_options_come_from_the_variables(void **state)
{
	(void)state;
	struct paude_oci_opts fo = { 0 };
	paude_cli_env_oci(&fo);
	assert_null(fo.insecure_registries);
	assert_null(fo.ca_bundle);
	assert_null(fo.cache_dir);
	setenv("PAUDE_INSECURE_REGISTRIES", "reg.test:5000,other.test", 1);
	setenv("PAUDE_CA_BUNDLE", "", 1);
	paude_cli_env_oci(&fo);
	assert_string_equal(fo.insecure_registries, "reg.test:5000,other.test");
	assert_string_equal(fo.ca_bundle, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_image_options_come_from_the_variables, clear),
		cmocka_unit_test_setup(test_unset_and_empty_variables_leave_the_defaults, clear),
		cmocka_unit_test_setup(test_options_already_given_win_over_the_variables, clear),
		cmocka_unit_test_setup(test_empty_ca_bundle_means_none, clear),
		cmocka_unit_test_setup(test_oci_options_come_from_the_variables, clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
