/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/session/config.c: devcontainer.json and paude.json decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "scratch.h"
#include "paude/session/config.h"
#include "paude/core/fs.h"

#define DC "/proj/.devcontainer/devcontainer.json"
#define PJ "/proj/paude.json"

static int
parse(struct paude_config *c, enum paude_config_kind kind, const char *path, const char *text,
      struct paude_error **err)
{
	paude_config_init(c);
	return paude_config_parse(c, kind, path, text, strlen(text), err);
}

/* The argv of hook h's command i, space-joined. */
static const char *
hook_argv(const struct paude_config *c, enum paude_hook h, size_t i)
{
	static char buf[512];
	buf[0] = '\0';
	if (i >= c->lifecycle.hook[h].nr)
		return NULL;
	const struct paude_strvec *a = &c->lifecycle.hook[h].v[i].argv;
	for (size_t k = 0; k < a->nr; k++)
		(void)snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", k ? " " : "",
			       a->v[k]);
	return buf;
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
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_CREATE, 0),
			    "sh -c pip install -r requirements.txt");
	assert_int_equal(c.lifecycle.hook[PAUDE_HOOK_POST_CREATE].nr, 1);
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
	assert_int_equal(c.lifecycle.hook[PAUDE_HOOK_POST_CREATE].v[0].argv.nr, 2);
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_CREATE, 0), "make setup");
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
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_CREATE, 0),
			    "sh -c echo // not a comment /* nor this */");
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
	const char *props[] = { "mounts",          "runArgs",          "privileged",
				"capAdd",          "securityOpt",      "workspaceMount",
				"workspaceFolder", "initializeCommand" };
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
	assert_true(paude_lifecycle_empty(&c.lifecycle));
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
		  "{\"imagee\":\"x\",\"shutdownAction\":\"none\",\"customizations\":{}}", NULL),
	    0);
	assert_int_equal(c.warnings.nr, 2);
	assert_true(has_warning(&c, "unknown property 'imagee'"));
	assert_true(has_warning(&c, "'shutdownAction' is not supported yet"));
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
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_CREATE, 0),
			    "sh -c pip install -r requirements.txt");
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

static void
test_legacy_docker_file_and_context(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"context\":\"..\",\"dockerFile\":\"Dockerfile\"}", NULL),
			 0);
	assert_string_equal(c.dockerfile, "/proj/.devcontainer/Dockerfile");
	assert_string_equal(c.context, "/proj");
	assert_int_equal(c.warnings.nr, 0);
	paude_config_release(&c);
	struct paude_error *err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"dockerFile\":\"A\",\"build\":{\"dockerfile\":\"B\"}}", &err),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "'dockerFile' and 'build.dockerfile' both set"));
	paude_error_free(err);
	err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, "{\"context\":\"..\"}", &err),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "invalid 'context': a context needs"));
	paude_error_free(err);
}

static void
test_variables_are_substituted_where_the_spec_allows(void **state)
{
	(void)state;
	struct paude_config c;
	const char *t =
	    "{\"image\":\"x:1\",\"containerEnv\":{\"W\":\"${containerWorkspaceFolder}\","
	    "\"B\":\"${containerWorkspaceFolderBasename}\",\"L\":\"${localWorkspaceFolder}\","
	    "\"LB\":\"${localWorkspaceFolderBasename}\",\"ID\":\"${devcontainerId}\"},"
	    "\"postCreateCommand\":\"cd ${containerWorkspaceFolder} && echo ${HOME} $HOME "
	    "${name:-x} ${#x}\","
	    "\"remoteEnv\":{\"PATH\":\"${containerEnv:PATH}:${containerWorkspaceFolder}/bin\"}}";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, NULL), 0);
	assert_string_equal(c.env.v[0], "W=/pvc/workspace");
	assert_string_equal(c.env.v[1], "B=workspace");
	assert_string_equal(c.env.v[2], "L=/proj");
	assert_string_equal(c.env.v[3], "LB=proj");
	/* 52 characters of base32, the same for the same project and file */
	assert_int_equal(strlen(c.env.v[4]), 3 + 52);
	assert_int_equal(strspn(c.env.v[4] + 3, "abcdefghijklmnopqrstuvwxyz234567"), 52);
	/* The shell's own syntax is left to the shell. */
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_CREATE, 0),
			    "sh -c cd /pvc/workspace && echo ${HOME} $HOME ${name:-x} ${#x}");
	assert_string_equal(c.remote_env.v[0], "PATH=${containerEnv:PATH}:/pvc/workspace/bin");
	paude_config_release(&c);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{\"postCreateCommand\":\"echo ${localWorkspaceFolderBaseName}\"}",
		  "unknown variable '${localWorkspaceFolderBaseName}' in 'postCreateCommand'" },
		{ "{\"containerEnv\":{\"A\":\"${foo:bar}\"}}",
		  "unknown variable '${foo:bar}' in 'containerEnv.A'" },
		{ "{\"containerEnv\":{\"A\":\"${containerEnv:PATH}\"}}",
		  "'${containerEnv:PATH}' in 'containerEnv.A': ${containerEnv:...} is only "
		  "available in remoteEnv" },
		{ "{\"features\":{\"r.io/f/a:1\":{\"o\":\"${devcontainerId}\"}}}",
		  "'${devcontainerId}' in 'features['r.io/f/a:1'].o'" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct paude_error *err = NULL;
		assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, bad[i].text, &err),
				 PAUDE_EUSAGE);
		if (!strstr(err->msg, bad[i].msg))
			fail_msg("'%s' gave '%s'", bad[i].text, err->msg);
		paude_error_free(err);
	}
}

static void
test_lifecycle_commands_in_each_form(void **state)
{
	(void)state;
	struct paude_config c;
	const char *t = "{\"onCreateCommand\":\"make deps\","
			"\"updateContentCommand\":[\"git\",\"submodule\",\"update\"],"
			"\"postCreateCommand\":{\"server\":\"npm ci\",\"docs\":[\"make\",\"docs\"],"
			"\"secret\":\"echo ${localEnv:TOKEN}\"},"
			"\"postStartCommand\":\"echo started\",\"postAttachCommand\":[\"true\"]}";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, NULL), 0);
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_ON_CREATE, 0), "sh -c make deps");
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_UPDATE_CONTENT, 0), "git submodule update");
	const struct paude_hook_cmds *pc = &c.lifecycle.hook[PAUDE_HOOK_POST_CREATE];
	/* Only the named command that asks for the host's environment is dropped. */
	assert_int_equal(pc->nr, 2);
	assert_string_equal(pc->v[0].name, "server");
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_CREATE, 0), "sh -c npm ci");
	assert_string_equal(pc->v[1].name, "docs");
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_CREATE, 1), "make docs");
	assert_true(has_warning(&c, "'postCreateCommand.secret' is not applied"));
	assert_null(c.lifecycle.hook[PAUDE_HOOK_ON_CREATE].v[0].name);
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_START, 0), "sh -c echo started");
	assert_string_equal(hook_argv(&c, PAUDE_HOOK_POST_ATTACH, 0), "true");
	paude_config_release(&c);

	struct paude_error *err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"postStartCommand\":{\"a\":{\"b\":1}}}", &err),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "'postStartCommand.a'"));
	paude_error_free(err);
	err = NULL;
	/* paude.json's setup has no object form. */
	assert_int_equal(parse(&c, PAUDE_CONFIG_PAUDE, PJ, "{\"setup\":{\"a\":\"x\"}}", &err),
			 PAUDE_EUSAGE);
	paude_error_free(err);
}

static void
test_remote_env_users_host_requirements_ports(void **state)
{
	(void)state;
	struct paude_config c;
	const char *t = "{\"remoteEnv\":{\"A\":\"1\",\"GONE\":null,\"S\":\"${localEnv:S}\"},"
			"\"remoteUser\":\"vscode\",\"containerUser\":\"root\","
			"\"hostRequirements\":{\"cpus\":4,\"memory\":\"8gb\",\"storage\":\"32gb\"},"
			"\"forwardPorts\":[3000,\"localhost:8080\",\"db:5432\",3000],"
			"\"appPort\":\"9000\"}";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, NULL), 0);
	assert_int_equal(c.remote_env.nr, 2);
	assert_string_equal(c.remote_env.v[0], "A=1");
	assert_string_equal(c.remote_env.v[1], "GONE");
	assert_true(has_warning(&c, "'remoteEnv.S' is not applied"));
	assert_string_equal(c.remote_user, "vscode");
	assert_string_equal(c.container_user, "root");
	/* Only root deserves a warning: another user is simply the session's. */
	assert_true(has_warning(&c, "'containerUser' is 'root', but the session never runs as "
				    "root"));
	assert_false(has_warning(&c, "'remoteUser'"));
	assert_int_equal(c.host_cpus, 4);
	assert_true(c.host_memory == 8ull << 30);
	assert_true(has_warning(&c, "'hostRequirements.storage' is not applied"));
	assert_int_equal(c.n_forward_ports, 3);
	assert_int_equal(c.forward_ports[0], 3000);
	assert_int_equal(c.forward_ports[1], 8080);
	assert_int_equal(c.forward_ports[2], 9000);
	assert_true(has_warning(&c, "'forwardPorts' entry 'db:5432' is not applied"));
	paude_config_release(&c);

	const char *bad[] = { "{\"hostRequirements\":{\"memory\":\"lots\"}}",
			      "{\"hostRequirements\":{\"cpus\":\"4\"}}",
			      "{\"forwardPorts\":[70000]}", "{\"remoteEnv\":{\"A B\":\"x\"}}",
			      "{\"remoteUser\":1}" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct paude_error *err = NULL;
		assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, bad[i], &err),
				 PAUDE_EUSAGE);
		paude_error_free(err);
	}
}

static void
test_legacy_feature_ids_map_or_are_skipped(void **state)
{
	(void)state;
	struct paude_config c;
	const char *t = "{\"features\":{\"sshd\":\"latest\",\"golang\":{\"version\":\"1.21\"},"
			"\"gradle\":{},\"fish\":\"latest\",\"r.io/f/x:1\":{}}}";
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, t, NULL), 0);
	assert_int_equal(c.n_features, 4);
	assert_string_equal(c.features[0].ref, "ghcr.io/devcontainers/features/sshd:1");
	assert_string_equal(c.features[0].options.v[0], "version=latest");
	assert_string_equal(c.features[1].ref, "ghcr.io/devcontainers/features/go:1");
	assert_string_equal(c.features[1].options.v[0], "version=1.21");
	assert_string_equal(c.features[2].ref, "ghcr.io/devcontainers/features/java:1");
	assert_string_equal(c.features[2].options.v[0], "installGradle=true");
	assert_string_equal(c.features[3].ref, "r.io/f/x:1");
	assert_true(has_warning(&c, "feature 'sshd' is an old short id: using "
				    "ghcr.io/devcontainers/features/sshd:1"));
	assert_true(has_warning(&c, "feature 'fish' is skipped"));
	paude_config_release(&c);
}

static void
test_feature_dropped_for_local_env_is_named(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"features\":{\"r.io/f/a:1\":{\"tok\":\"${localEnv:T}\"},"
			       "\"./local\":{}}}",
			       NULL),
			 0);
	assert_int_equal(c.n_features, 0);
	assert_true(has_warning(&c, "feature 'r.io/f/a:1' is not applied: its option 'tok' uses "
				    "${localEnv:...}"));
	assert_true(has_warning(&c, "feature './local': local features"));
	for (size_t i = 0; i < c.warnings.nr; i++)
		assert_null(strstr(c.warnings.v[i], "features.."));
	paude_config_release(&c);
}

static void
test_utf8_bom_is_accepted_and_invalid_utf8_is_located(void **state)
{
	(void)state;
	struct paude_config c;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "\xef\xbb\xbf{\"image\":\"x:1\",\"name\":\"caf\xc3\xa9\"}", NULL),
			 0);
	assert_string_equal(c.image, "x:1");
	paude_config_release(&c);
	struct paude_error *err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\n  \"name\": \"caf\xc3\xa9 \xe9t\xe9\"\n}", &err),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, DC ":2:17: invalid UTF-8 (byte 0xe9;"));
	paude_error_free(err);
	err = NULL;
	/* An overlong encoding and a surrogate are not UTF-8 either. */
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, "{\"a\":\"\xc0\xaf\"}", &err),
			 PAUDE_EUSAGE);
	paude_error_free(err);
	err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC, "{\"a\":\"\xed\xa0\x80\"}", &err),
			 PAUDE_EUSAGE);
	paude_error_free(err);
}

static void
test_compose_is_refused_with_the_way_out(void **state)
{
	(void)state;
	struct paude_config c;
	struct paude_error *err = NULL;
	assert_int_equal(parse(&c, PAUDE_CONFIG_DEVCONTAINER, DC,
			       "{\"dockerComposeFile\":\"compose.yml\",\"service\":\"app\"}", &err),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "'dockerComposeFile': paude runs one session container"));
	assert_non_null(strstr(err->msg, "--config"));
	paude_error_free(err);
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
	struct paude_config c = PAUDE_CONFIG_INIT;
	assert_int_equal(paude_config_load(&c, scratch, NULL, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_NONE);
	assert_null(c.path);
	paude_config_release(&c);

	write_rel("paude.json", "{\"base\":\"p:1\"}");
	assert_int_equal(paude_config_load(&c, scratch, NULL, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_PAUDE);
	assert_string_equal(c.image, "p:1");
	paude_config_release(&c);

	/* A devcontainer.json wins over paude.json. */
	write_rel(".devcontainer.json", "{\"image\":\"d:1\"}");
	assert_int_equal(paude_config_load(&c, scratch, NULL, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_DEVCONTAINER);
	assert_string_equal(c.image, "d:1");
	assert_string_equal(c.rel_path, ".devcontainer.json");
	paude_config_release(&c);

	/* Two devcontainer.json: listed, and --config chooses. */
	write_rel(".devcontainer/devcontainer.json", "{\"image\":\"dd:1\"}");
	struct paude_error *err = NULL;
	assert_int_equal(paude_config_load(&c, scratch, NULL, &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "the project has 2 configurations: "
				      ".devcontainer/devcontainer.json, .devcontainer.json (choose "
				      "one with --config PATH)");
	paude_error_free(err);
	assert_int_equal(paude_config_load(&c, scratch, ".devcontainer/devcontainer.json", NULL),
			 0);
	assert_string_equal(c.image, "dd:1");
	assert_non_null(strstr(c.path, ".devcontainer/devcontainer.json"));
	paude_config_release(&c);
	_cleanup_free_ char *pj = paude_path_join(scratch, "paude.json");
	assert_int_equal(paude_config_load(&c, scratch, pj, NULL), 0);
	assert_int_equal(c.kind, PAUDE_CONFIG_PAUDE);
	paude_config_release(&c);
}

static void
test_load_finds_configs_in_sub_folders(void **state)
{
	(void)state;
	struct paude_config c = PAUDE_CONFIG_INIT;
	/* One alone is used, paths relative to its own folder. */
	write_rel(".devcontainer/python/devcontainer.json",
		  "{\"build\":{\"dockerfile\":\"Dockerfile\",\"context\":\"../..\"}}");
	write_rel(".devcontainer/python/Dockerfile", "FROM x\n");
	assert_int_equal(paude_config_load(&c, scratch, NULL, NULL), 0);
	assert_string_equal(c.rel_path, ".devcontainer/python/devcontainer.json");
	_cleanup_free_ char *df = paude_path_join(scratch, ".devcontainer/python/Dockerfile");
	assert_string_equal(c.dockerfile, df);
	assert_string_equal(c.context, scratch);
	paude_config_release(&c);

	/* Several: sorted by folder, and --config picks one. */
	write_rel(".devcontainer/go/devcontainer.json", "{\"image\":\"golang:1\"}");
	struct paude_error *err = NULL;
	assert_int_equal(paude_config_load(&c, scratch, NULL, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "2 configurations: .devcontainer/go/devcontainer.json, "
					 ".devcontainer/python/devcontainer.json"));
	paude_error_free(err);
	err = NULL;
	assert_int_equal(paude_config_load(&c, scratch, ".devcontainer/go/devcontainer.json", NULL),
			 0);
	assert_string_equal(c.image, "golang:1");
	paude_config_release(&c);

	/* --config must name a file inside the project. */
	assert_int_equal(paude_config_load(&c, scratch, "../elsewhere.json", &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "not a file inside the project"));
	paude_error_free(err);
	err = NULL;
	assert_int_equal(paude_config_load(&c, scratch, "missing.json", &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "not found"));
	paude_error_free(err);
}

static void
test_load_config_symlink_follows_the_dockerfile_rule(void **state)
{
	(void)state;
	struct paude_config c = PAUDE_CONFIG_INIT;
	struct paude_error *err = NULL;
	/* Out of the project: refused. */
	_cleanup_free_ char *outside = paude_xasprintf("%s-outside.json", scratch);
	FILE *f = fopen(outside, "w");
	assert_non_null(f);
	(void)fputs("{\"image\":\"evil:1\"}", f);
	(void)fclose(f);
	_cleanup_free_ char *link = paude_path_join(scratch, ".devcontainer.json");
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(paude_config_load(&c, scratch, NULL, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "is a symbolic link out of the project"));
	paude_error_free(err);
	(void)unlink(outside);
	/* Inside the project: followed. */
	(void)unlink(link);
	write_rel("configs/dc.json", "{\"image\":\"ok:1\"}");
	assert_int_equal(symlink("configs/dc.json", link), 0);
	assert_int_equal(paude_config_load(&c, scratch, NULL, NULL), 0);
	assert_string_equal(c.image, "ok:1");
	paude_config_release(&c);
}

static void
test_load_refuses_a_symlink_out_of_the_project(void **state)
{
	(void)state;
	write_rel(".devcontainer/devcontainer.json", "{\"build\":{\"dockerfile\":\"D\"}}");
	_cleanup_free_ char *link = paude_path_join(scratch, ".devcontainer/D");
	assert_int_equal(symlink("/etc/hostname", link), 0);
	struct paude_config c = PAUDE_CONFIG_INIT;
	struct paude_error *err = NULL;
	assert_int_equal(paude_config_load(&c, scratch, NULL, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "symbolic link"));
	paude_error_free(err);
}

/* A config declared with PAUDE_CONFIG_INIT has empty, usable vectors. */
static void
test_init_macro_gives_an_empty_usable_config(void **state)
{
	(void)state;
	struct paude_config c = PAUDE_CONFIG_INIT;
	struct paude_strvec *vecs[] = { &c.build_args, &c.packages,  &c.env,
					&c.remote_env, &c.venv_dirs, &c.warnings };
	assert_int_equal(c.kind, PAUDE_CONFIG_NONE);
	assert_null(c.path);
	assert_true(paude_lifecycle_empty(&c.lifecycle));
	for (size_t k = 0; k < sizeof(vecs) / sizeof(vecs[0]); k++) {
		assert_int_equal(vecs[k]->nr, 0);
		assert_null(vecs[k]->v[0]);
		paude_strvec_push(vecs[k], "x");
	}
	paude_config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_macro_gives_an_empty_usable_config),
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
		cmocka_unit_test(test_legacy_docker_file_and_context),
		cmocka_unit_test(test_variables_are_substituted_where_the_spec_allows),
		cmocka_unit_test(test_lifecycle_commands_in_each_form),
		cmocka_unit_test(test_remote_env_users_host_requirements_ports),
		cmocka_unit_test(test_legacy_feature_ids_map_or_are_skipped),
		cmocka_unit_test(test_feature_dropped_for_local_env_is_named),
		cmocka_unit_test(test_utf8_bom_is_accepted_and_invalid_utf8_is_located),
		cmocka_unit_test(test_compose_is_refused_with_the_way_out),
		cmocka_unit_test_setup_teardown(test_load_detection_order, setup_scratch,
						teardown_scratch),
		cmocka_unit_test_setup_teardown(test_load_refuses_a_symlink_out_of_the_project,
						setup_scratch, teardown_scratch),
		cmocka_unit_test_setup_teardown(test_load_finds_configs_in_sub_folders,
						setup_scratch, teardown_scratch),
		cmocka_unit_test_setup_teardown(
		    test_load_config_symlink_follows_the_dockerfile_rule, setup_scratch,
		    teardown_scratch),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
