/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/session/lifecycle.c: lifecycle commands in labels, remoteEnv. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "paude/session/lifecycle.h"

static void
test_hook_names_follow_the_spec_order(void **state)
{
	(void)state;
	assert_string_equal(paude_hook_name(PAUDE_HOOK_ON_CREATE), "onCreateCommand");
	assert_string_equal(paude_hook_name(PAUDE_HOOK_UPDATE_CONTENT), "updateContentCommand");
	assert_string_equal(paude_hook_name(PAUDE_HOOK_POST_CREATE), "postCreateCommand");
	assert_string_equal(paude_hook_name(PAUDE_HOOK_POST_START), "postStartCommand");
	assert_string_equal(paude_hook_name(PAUDE_HOOK_POST_ATTACH), "postAttachCommand");
}

static void
test_encode_decode_round_trip(void **state)
{
	(void)state;
	struct paude_lifecycle l = PAUDE_LIFECYCLE_INIT;
	assert_true(paude_lifecycle_empty(&l));
	assert_null(paude_lifecycle_encode(&l));
	paude_strvec_pushl(&paude_lifecycle_add(&l, PAUDE_HOOK_POST_START, NULL)->argv, "sh", "-c",
			   "echo \"hi\"", NULL);
	paude_strvec_pushl(&paude_lifecycle_add(&l, PAUDE_HOOK_POST_CREATE, "a")->argv, "make",
			   NULL);
	paude_strvec_pushl(&paude_lifecycle_add(&l, PAUDE_HOOK_POST_CREATE, "b")->argv, "npm", "ci",
			   NULL);
	char *json = paude_lifecycle_encode(&l);
	/* In the spec's order, whatever the order they were added in. */
	assert_string_equal(
	    json, "{\"postCreateCommand\":[{\"name\":\"a\",\"argv\":[\"make\"]},"
		  "{\"name\":\"b\",\"argv\":[\"npm\",\"ci\"]}],"
		  "\"postStartCommand\":[{\"argv\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\"]}]}");
	struct paude_lifecycle back = PAUDE_LIFECYCLE_INIT;
	assert_int_equal(paude_lifecycle_decode(&back, json, NULL), 0);
	assert_int_equal(back.hook[PAUDE_HOOK_POST_CREATE].nr, 2);
	assert_string_equal(back.hook[PAUDE_HOOK_POST_CREATE].v[1].name, "b");
	assert_null(back.hook[PAUDE_HOOK_POST_START].v[0].name);
	char *again = paude_lifecycle_encode(&back);
	assert_string_equal(json, again);
	free(json);
	free(again);
	paude_lifecycle_release(&back);
	paude_lifecycle_release(&l);
}

static void
test_decode_refuses_what_it_did_not_write(void **state)
{
	(void)state;
	const char *bad[] = { "[]",
			      "{\"onStart\":[]}",
			      "{\"postStartCommand\":{}}",
			      "{\"postStartCommand\":[{\"argv\":[]}]}",
			      "{\"postStartCommand\":[{\"name\":1,\"argv\":[\"x\"]}]}",
			      "{\"postStartCommand\":[{\"argv\":[1]}]}",
			      "{" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct paude_lifecycle l = PAUDE_LIFECYCLE_INIT;
		struct paude_error *err = NULL;
		if (paude_lifecycle_decode(&l, bad[i], &err) >= 0)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(err);
		paude_error_free(err);
		assert_true(paude_lifecycle_empty(&l));
	}
}

static void
test_describe_shows_what_the_user_wrote(void **state)
{
	(void)state;
	struct paude_lifecycle l = PAUDE_LIFECYCLE_INIT;
	struct paude_hook_cmd *a = paude_lifecycle_add(&l, PAUDE_HOOK_ON_CREATE, NULL);
	paude_strvec_pushl(&a->argv, "sh", "-c", "make && echo ok", NULL);
	struct paude_hook_cmd *b = paude_lifecycle_add(&l, PAUDE_HOOK_ON_CREATE, "docs");
	paude_strvec_pushl(&b->argv, "make", "two words", NULL);
	_cleanup_buf_ struct paude_buf d = PAUDE_BUF_INIT;
	paude_hook_cmd_describe(&d, a);
	assert_string_equal(d.buf, "make && echo ok");
	paude_buf_reset(&d);
	paude_hook_cmd_describe(&d, b);
	assert_string_equal(d.buf, "docs: make 'two words'");
	paude_lifecycle_release(&l);
}

static void
test_remote_env_resolves_container_env(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec env = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&env, "PATH=/usr/bin:/bin", "EMPTY=", "PATHX=no", NULL);
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "P=${containerEnv:PATH}:/opt/x", "P=/usr/bin:/bin:/opt/x" },
		{ "P=${containerEnv:MISSING:fallback}", "P=fallback" },
		{ "P=${containerEnv:MISSING}", "P=" },
		{ "P=${containerEnv:EMPTY:d}", "P=d" },
		{ "P=${containerEnv:EMPTY}", "P=" },
		{ "P=a${containerEnv:PATH}b${containerEnv:PATH}",
		  "P=a/usr/bin:/binb/usr/bin:/bin" },
		{ "P=${containerEnv:PATH", "P=${containerEnv:PATH" },
		{ "P=plain $HOME", "P=plain $HOME" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = paude_remote_env_resolve(cases[i].in, &env);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_names_follow_the_spec_order),
		cmocka_unit_test(test_encode_decode_round_trip),
		cmocka_unit_test(test_decode_refuses_what_it_did_not_write),
		cmocka_unit_test(test_describe_shows_what_the_user_wrote),
		cmocka_unit_test(test_remote_env_resolves_container_env),
	};
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
