/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/backend/podman-check.c: what paude doctor asks of Podman. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/backend/podman-check.h"
#include "fake-runner.h"

static const char rootless_info[] =
    "{\"host\":{\"ociRuntime\":{\"name\":\"runc\"},\"cgroupVersion\":\"v2\","
    "\"networkBackend\":\"netavark\",\"security\":{\"rootless\":true},"
    "\"idMappings\":{\"uidmap\":[{\"container_id\":0},{\"container_id\":1}]}},"
    "\"store\":{\"graphDriverName\":\"vfs\"},\"version\":{\"Version\":\"4.3.1\"}}";

static void
test_info_is_read_with_podman_info_and_decoded(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "info"), .out = rootless_info },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_buf_ struct paude_buf json = PAUDE_BUF_INIT;
	assert_int_equal(paude_podman_info_read(&f.runner, &json, NULL), 0);
	assert_int_equal(f.calls.nr, 1);
	assert_string_equal(fake_runner_call(&f, 0), "podman info --format json");

	_cleanup_(paude_podman_info_release) struct paude_podman_info i = PAUDE_PODMAN_INFO_INIT;
	assert_int_equal(paude_podman_info_parse(&i, json.buf, json.len, NULL), 0);
	assert_string_equal(i.version, "4.3.1");
	assert_string_equal(i.runtime, "runc");
	assert_string_equal(i.cgroups, "v2");
	assert_string_equal(i.network_backend, "netavark");
	assert_string_equal(i.graph_driver, "vfs");
	assert_true(i.rootless);
	assert_int_equal(i.uid_ranges, 2);
	fake_runner_release(&f);
}

static void
test_rootful_info_says_nothing_of_uid_ranges_and_missing_fields_stay_null(void **state)
{
	(void)state;
	static const char info[] = "{\"host\":{\"security\":{\"rootless\":false},"
				   "\"idMappings\":{\"uidmap\":[{},{}]}}}";
	_cleanup_(paude_podman_info_release) struct paude_podman_info i = PAUDE_PODMAN_INFO_INIT;
	assert_int_equal(paude_podman_info_parse(&i, info, strlen(info), NULL), 0);
	assert_false(i.rootless);
	assert_int_equal(i.uid_ranges, -1);
	assert_null(i.version);
	assert_null(i.runtime);
	assert_null(i.network_backend);
}

static void
test_info_that_is_not_json_is_an_error_naming_podman_info(void **state)
{
	(void)state;
	_cleanup_(paude_podman_info_release) struct paude_podman_info i = PAUDE_PODMAN_INFO_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_true(paude_podman_info_parse(&i, "Error: no", 9, &err) < 0);
	assert_non_null(strstr(err->msg, "podman info"));
}

static void
test_failing_podman_info_is_podmans_error(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "info"),
		  .errout = "Error: cannot set up namespace\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_buf_ struct paude_buf json = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_true(paude_podman_info_read(&f.runner, &json, &err) < 0);
	assert_non_null(strstr(err->msg, "cannot set up namespace"));
	fake_runner_release(&f);
}

static void
test_the_preferred_image_is_used_when_it_exists(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	_cleanup_free_ char *image = paude_podman_check_image(&f.runner, "localhost/base:1");
	assert_string_equal(image, "localhost/base:1");
	assert_int_equal(f.calls.nr, 1);
	assert_string_equal(fake_runner_call(&f, 0), "podman image exists localhost/base:1");
	fake_runner_release(&f);
}

static void
test_otherwise_the_first_local_paude_image(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "images"),
		  .out = "localhost/paude-agent:abc\nlocalhost/paude-proxy:def\n" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_free_ char *image = paude_podman_check_image(&f.runner, "gone:1");
	assert_string_equal(image, "localhost/paude-agent:abc");
	assert_int_equal(f.calls.nr, 2);
	assert_string_equal(fake_runner_call(&f, 1),
			    "podman images --noheading --format '{{.Repository}}:{{.Tag}}' "
			    "--filter 'reference=localhost/paude-*'");
	fake_runner_release(&f);
}

static void
test_an_option_is_never_taken_for_an_image_and_none_found_is_null(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0); /* podman images: no output */
	assert_null(paude_podman_check_image(&f.runner, "--privileged"));
	assert_int_equal(f.calls.nr, 1);
	assert_int_equal(fake_runner_find(&f, "podman image exists"), -1);
	assert_true(fake_runner_find(&f, "podman images --noheading") == 0);
	fake_runner_release(&f);
}

static void
test_a_run_is_tried_on_an_internal_network_that_is_removed_again(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	enum paude_podman_check_step failed = PAUDE_PODMAN_CHECK_NETWORK;
	assert_int_equal(
	    paude_podman_check_run(&f.runner, "localhost/paude-agent:abc", &failed, NULL), 0);
	long pid = (long)getpid();
	_cleanup_free_ char *create = paude_xasprintf(
	    "podman network create --internal --disable-dns --label paude.io/doctor=1 "
	    "paude-doctor-%ld",
	    pid);
	_cleanup_free_ char *run = paude_xasprintf(
	    "podman run --rm --pull=never --init --cap-drop=ALL "
	    "--security-opt=no-new-privileges --network paude-doctor-%ld --entrypoint true "
	    "localhost/paude-agent:abc",
	    pid);
	_cleanup_free_ char *rm =
	    paude_xasprintf("podman network rm --force paude-doctor-%ld", pid);
	assert_int_equal(f.calls.nr, 3);
	assert_string_equal(fake_runner_call(&f, 0), create);
	assert_string_equal(fake_runner_call(&f, 1), run);
	assert_string_equal(fake_runner_call(&f, 2), rm);
	fake_runner_release(&f);
}

static void
test_a_failed_run_says_so_and_still_removes_the_network(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "run"),
		  .errout = "Error: slirp4netns failed\n",
		  .status = 126 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	enum paude_podman_check_step failed = PAUDE_PODMAN_CHECK_NETWORK;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_true(paude_podman_check_run(&f.runner, "img", &failed, &err) < 0);
	assert_int_equal(failed, PAUDE_PODMAN_CHECK_RUN);
	assert_non_null(strstr(err->msg, "slirp4netns failed"));
	assert_int_equal(f.calls.nr, 3);
	assert_true(fake_runner_find(&f, "podman network rm --force paude-doctor-") == 2);
	fake_runner_release(&f);
}

static void
test_a_network_that_cannot_be_made_stops_before_the_run(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "network", "create"),
		  .errout = "Error: no tun\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	enum paude_podman_check_step failed = PAUDE_PODMAN_CHECK_RUN;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_true(paude_podman_check_run(&f.runner, "img", &failed, &err) < 0);
	assert_int_equal(failed, PAUDE_PODMAN_CHECK_NETWORK);
	assert_non_null(strstr(err->msg, "no tun"));
	assert_int_equal(f.calls.nr, 1);
	fake_runner_release(&f);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_is_read_with_podman_info_and_decoded),
		cmocka_unit_test(
		    test_rootful_info_says_nothing_of_uid_ranges_and_missing_fields_stay_null),
		cmocka_unit_test(test_info_that_is_not_json_is_an_error_naming_podman_info),
		cmocka_unit_test(test_failing_podman_info_is_podmans_error),
		cmocka_unit_test(test_the_preferred_image_is_used_when_it_exists),
		cmocka_unit_test(test_otherwise_the_first_local_paude_image),
		cmocka_unit_test(test_an_option_is_never_taken_for_an_image_and_none_found_is_null),
		cmocka_unit_test(test_a_run_is_tried_on_an_internal_network_that_is_removed_again),
		cmocka_unit_test(test_a_failed_run_says_so_and_still_removes_the_network),
		cmocka_unit_test(test_a_network_that_cannot_be_made_stops_before_the_run),
	};
	return cmocka_run_group_tests_name("podman-check", tests, NULL, NULL);
}
