/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/config.c: devcontainer.json and paude.json decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "scratch.h"
#include "paude/config.h"
#include "paude/fs.h"

#define DC "/proj/.devcontainer/devcontainer.json"
#define PJ "/proj/paude.json"

static int
parse(struct paude_config *c, enum paude_config_kind kind, const char *path, const char *text,
      struct paude_error **err)
{
	paude_config_init(c);
	return paude_config_parse(c, kind, path, text, strlen(text), err);
}

static bool
has_warning(const struct paude_config *c, const char *needle)
{
	for (size_t i = 0; i < c->warnings.nr; i++)
		if (strstr(c->warnings.v[i], needle))
			return true;
	return false;
}

static void
test_devcontainer_image_setup_env_features(void **state)
{
	(void)state;
	struct paude_config c;
	const char *t = "{\"image\":\"python:3.11-slim\",\"postCreateCommand\":\"pip install -r "
			"requirements.txt\",\"containerEnv\":{\"A\":\"1\",\"B_2\":\"x y\"},"
			"\"features\":{\"localhost:5000/f/hello:1\":{\"greeting\":\"hi\",\"loud\":"
			"true},\"ghcr.io/devcontainers/features/go:1\":\"1.21\"},\"name\":\"x\"}";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_DEVCONTAINER);
	assert_string_equal(c.image, "python:3.11-slim");
	assert_string_equal(c.setup_shell, "pip install -r requirements.txt");
	assert_int_equal(c.setup_argv.nr, 0);
	assert_int_equal(c.env.nr, 2);
	assert_string_equal(c.env.v[0], "A=1");
	assert_string_equal(c.env.v[1], "B_2=x y");
	assert_int_equal(c.n_features, 2);
	assert_string_equal(c.features[0].ref, "localhost:5000/f/hello:1");
	assert_string_equal(c.features[0].options.v[0], "greeting=hi");
	assert_string_equal(c.features[0].options.v[1], "loud=true");
	assert_string_equal(c.features[1].ref, "ghcr.io/devcontainers/features/go:1");
	assert_string_equal(c.features[1].options.v[0], "version=1.21");
	assert_string_equal(c.workspace, "/proj");
	assert_int_equal(c.warnings.nr, 0);
	paude_config_release(&c);
}

static void
test_post_create_command_array_is_an_argv(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"postCreateCommand\":[\"make\",\"setup\"]}", NULL),
			 0);
	assert_null(c.setup_shell);
	assert_int_equal(c.setup_argv.nr, 2);
	assert_string_equal(c.setup_argv.v[1], "setup");
	paude_config_release(&c);
}

static void
test_jsonc_comments_and_trailing_commas(void **state)
{
	(void)state;
	struct paude_config c;
	const char *t = "// a comment\n{\n  /* block\n comment */ \"image\": \"a/b:1\", // x\n"
			"  \"postCreateCommand\": \"echo // not a comment /* nor this */\",\n"
			"  \"containerEnv\": {\"K\": \"v\",},\n}\n";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, NULL), 0);
	assert_string_equal(c.image, "a/b:1");
	assert_string_equal(c.setup_shell, "echo // not a comment /* nor this */");
	assert_string_equal(c.env.v[0], "K=v");
	paude_config_release(&c);
}

static void
test_jsonc_strip_keeps_strings_with_escaped_quotes(void **state)
{
	(void)state;
	char s[] = "[\"a\\\",//b\", /*c*/ 1,]";
	paude_jsonc_strip(s, strlen(s));
	assert_string_equal(s, "[\"a\\\",//b\",       1 ]");
}

static void
test_each_refused_property_warns_and_is_not_applied(void **state)
{
	(void)state;
	const char *props[] = { "mounts",  "runArgs",     "privileged",
				"capAdd",  "securityOpt", "forwardPorts",
				"appPort", "remoteUser",  "initializeCommand" };
	for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
		char text[256];
		(void)snprintf(text, sizeof(text), "{\"image\":\"x:1\",\"%s\":true}", props[i]);
		struct paude_config c;
		assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, text, NULL), 0);
		assert_int_equal(c.warnings.nr, 1);
		char needle[64];
		(void)snprintf(needle, sizeof(needle), "'%s' is not applied", props[i]);
		assert_true(has_warning(&c, needle));
		paude_config_release(&c);
	}
	struct paude_config c;
	assert_int_equal(
	    parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, "{\"initializeCommand\":\"rm -rf ~\"}", NULL),
	    0);
	assert_true(has_warning(&c, "run on the host"));
	paude_config_release(&c);
}

static void
test_local_env_substitution_is_refused_everywhere(void **state)
{
	(void)state;
	struct paude_config c;
	const char *t =
	    "{\"containerEnv\":{\"TOKEN\":\"${localEnv:GITHUB_TOKEN}\",\"OK\":\"1\"},"
	    "\"postCreateCommand\":\"echo ${localEnv:HOME}\","
	    "\"build\":{\"dockerfile\":\"Dockerfile\",\"args\":{\"S\":\"${localEnv:S}\"}}}";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, NULL), 0);
	assert_int_equal(c.env.nr, 1);
	assert_string_equal(c.env.v[0], "OK=1");
	assert_null(c.setup_shell);
	assert_int_equal(c.build_args.nr, 0);
	assert_true(has_warning(&c, "'containerEnv.TOKEN' is not applied: ${localEnv:...}"));
	assert_true(has_warning(&c, "'postCreateCommand' is not applied"));
	assert_true(has_warning(&c, "'build.args.S' is not applied"));
	paude_config_release(&c);
}

static void
test_unknown_and_unsupported_properties_warn(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(
	    parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
		  "{\"imagee\":\"x\",\"postStartCommand\":\"x\",\"customizations\":{}}", NULL),
	    0);
	assert_int_equal(c.warnings.nr, 2);
	assert_true(has_warning(&c, "unknown property 'imagee'"));
	assert_true(has_warning(&c, "'postStartCommand' is not supported yet"));
	paude_config_release(&c);
	assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ, "{\"image\":\"x:1\"}", NULL), 0);
	assert_null(c.image);
	assert_true(has_warning(&c, "unknown property 'image' in paude.json"));
	paude_config_release(&c);
}

static void
test_malformed_file_names_file_and_line(void **state)
{
	(void)state;
	struct paude_config c;
	struct paude_error *err = NULL;
	const char *t = "{\n  \"image\": \"x:1\",\n  \"features\": {\n    \"a\" 1\n  }\n}\n";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, DC ":4:"));
	assert_non_null(strstr(err->msg, "malformed"));
	paude_error_free(err);
	err = NULL;
	/* Cut short: the last line. */
	assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ, "{\n\"base\": \"x\",\n", &err),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, PJ ":3:"));
	paude_error_free(err);
	err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ, "[1]", &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "top level"));
	paude_error_free(err);
}

static void
test_paths_resolve_and_must_stay_in_the_project(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"build\":{\"dockerfile\":\"Dockerfile\",\"context\":\"..\","
			       "\"args\":{\"V\":\"3\"}}}",
			       NULL),
			 0);
	assert_string_equal(c.dockerfile, "/proj/.devcontainer/Dockerfile");
	assert_string_equal(c.context, "/proj");
	assert_string_equal(c.build_args.v[0], "V=3");
	paude_config_release(&c);

	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"build\":{\"dockerfile\":\"Dockerfile\"}}", NULL),
			 0);
	assert_string_equal(c.context, "/proj/.devcontainer");
	paude_config_release(&c);

	assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ,
			       "{\"build\":{\"dockerfile\":\"docker/Containerfile\"}}", NULL),
			 0);
	assert_string_equal(c.dockerfile, "/proj/docker/Containerfile");
	assert_string_equal(c.context, "/proj");
	paude_config_release(&c);

	const char *bad[] = {
		"{\"build\":{\"dockerfile\":\"Dockerfile\",\"context\":\"../..\"}}",
		"{\"build\":{\"dockerfile\":\"../../etc/Dockerfile\"}}",
		"{\"build\":{\"dockerfile\":\"/etc/Dockerfile\"}}",
		"{\"build\":{\"dockerfile\":\"x/../../../proj2/Dockerfile\"}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct paude_error *err = NULL;
		assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, bad[i], &err),
				 PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "outside the project"));
		paude_error_free(err);
	}
}

static void
test_paude_json_base_packages_setup_venv(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ,
			       "{\"base\":\"python:3.11-slim\",\"packages\":[\"make\",\"gcc\","
			       "\"make\"],\"setup\":\"pip install -r requirements.txt\","
			       "\"venv\":[\".venv\",\"tools/env\"]}",
			       NULL),
			 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_PAUDE);
	assert_string_equal(c.image, "python:3.11-slim");
	assert_int_equal(c.packages.nr, 2);
	assert_string_equal(c.packages.v[1], "gcc");
	assert_string_equal(c.setup_shell, "pip install -r requirements.txt");
	assert_int_equal(c.venv_mode, PAUDE_VENV_LIST);
	assert_string_equal(c.venv_dirs.v[1], "tools/env");
	paude_config_release(&c);

	assert_int_equal(
	    parse(&c, PAUDE_CONFIG_PAUDE, PJ, "{\"packages\":[\"jq\"],\"venv\":\"none\"}", NULL),
	    0);
	assert_null(c.image);
	assert_int_equal(c.venv_mode, PAUDE_VENV_NONE);
	paude_config_release(&c);

	assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ, "{}", NULL), 0);
	assert_int_equal(c.venv_mode, PAUDE_VENV_AUTO);
	paude_config_release(&c);

	const char *bad[] = { "{\"packages\":[\"a; rm -rf /\"]}",
			      "{\"packages\":[\"-x\"]}",
			      "{\"venv\":[\"../x\"]}",
			      "{\"venv\":\"sometimes\"}",
			      "{\"base\":\"-x\"}",
			      "{\"setup\":42}" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct paude_error *err = NULL;
		assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ, bad[i], &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, PJ));
		paude_error_free(err);
	}
}

static void
test_image_and_dockerfile_together_is_an_error(void **state)
{
	(void)state;
	struct paude_config c;
	struct paude_error *err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"image\":\"x:1\",\"build\":{\"dockerfile\":\"D\"}}", &err),
			 PAUDE_EUSAGE);
	paude_error_free(err);
}

static void
test_local_and_url_features_are_not_supported_yet(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"features\":{\"./local\":{},\"https://x.test/f.tgz\":{}}}", NULL),
			 0);
	assert_int_equal(c.n_features, 0);
	assert_int_equal(c.warnings.nr, 2);
	paude_config_release(&c);
}

/* --- paude_config_load on real files --- */

static char scratch[256];

static int
setup_scratch(void **state)
{
	(void)state;
	(void)snprintf(scratch, sizeof(scratch), "/tmp/paude-test-config-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int
teardown_scratch(void **state)
{
	(void)state;
	scratch_remove(scratch);
	return 0;
}

static void
write_rel(const char *rel, const char *text)
{
	scratch_write(scratch, rel, text);
}

static void
test_load_detection_order(void **state)
{
	(void)state;
	struct paude_config c;
	paude_config_init(&c);
	assert_int_equal(paude_config_load(&c, scratch, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_NONE);
	assert_null(c.path);
	paude_config_release(&c);

	write_rel("paude.json", "{\"base\":\"p:1\"}");
	assert_int_equal(paude_config_load(&c, scratch, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_PAUDE);
	assert_string_equal(c.image, "p:1");
	paude_config_release(&c);

	write_rel(".devcontainer.json", "{\"image\":\"d:1\"}");
	assert_int_equal(paude_config_load(&c, scratch, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_DEVCONTAINER);
	assert_string_equal(c.image, "d:1");
	paude_config_release(&c);

	write_rel(".devcontainer/devcontainer.json", "{\"image\":\"dd:1\"}");
	assert_int_equal(paude_config_load(&c, scratch, NULL), 0);
	assert_string_equal(c.image, "dd:1");
	assert_non_null(strstr(c.path, ".devcontainer/devcontainer.json"));
	paude_config_release(&c);
}

static void
test_load_refuses_a_symlink_out_of_the_project(void **state)
{
	(void)state;
	write_rel(".devcontainer/devcontainer.json", "{\"build\":{\"dockerfile\":\"D\"}}");
	_cleanup_free_ char *link = paude_path_join(scratch, ".devcontainer/D");
	assert_int_equal(symlink("/etc/hostname", link), 0);
	struct paude_config c;
	paude_config_init(&c);
	struct paude_error *err = NULL;
	assert_int_equal(paude_config_load(&c, scratch, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "symbolic link"));
	paude_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devcontainer_image_setup_env_features),
		cmocka_unit_test(test_post_create_command_array_is_an_argv),
		cmocka_unit_test(test_jsonc_comments_and_trailing_commas),
		cmocka_unit_test(test_jsonc_strip_keeps_strings_with_escaped_quotes),
		cmocka_unit_test(test_each_refused_property_warns_and_is_not_applied),
		cmocka_unit_test(test_local_env_substitution_is_refused_everywhere),
		cmocka_unit_test(test_unknown_and_unsupported_properties_warn),
		cmocka_unit_test(test_malformed_file_names_file_and_line),
		cmocka_unit_test(test_paths_resolve_and_must_stay_in_the_project),
		cmocka_unit_test(test_paude_json_base_packages_setup_venv),
		cmocka_unit_test(test_image_and_dockerfile_together_is_an_error),
		cmocka_unit_test(test_local_and_url_features_are_not_supported_yet),
		cmocka_unit_test_setup_teardown(test_load_detection_order, setup_scratch,
						teardown_scratch),
		cmocka_unit_test_setup_teardown(test_load_refuses_a_symlink_out_of_the_project,
						setup_scratch, teardown_scratch),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
