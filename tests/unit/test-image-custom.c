/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/image/image-custom.c: the generated Containerfile and
 * context, the hash (stable, and sensitive to every input), and the build
 * steps through the fake runner.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "scratch.h"
#include "paude/session/config.h"
#include "paude/core/fs.h"
#include "paude/image/image-custom.h"
#include "fake-runner.h"

static char scratch[256];

static int
setup(void **state)
{
	(void)state;
	(void)snprintf(scratch, sizeof(scratch), "/tmp/paude-test-image-custom-XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	setenv("XDG_CACHE_HOME", scratch, 1);
	setenv("TMPDIR", scratch, 1);
	unsetenv("PAUDE_CONTAINERS_DIR");
	unsetenv("PAUDE_BASE_IMAGE");
	unsetenv("PAUDE_CLAUDE_CODE_VERSION");
	return 0;
}

static int
teardown(void **state)
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
load(struct paude_config *c, const char *rel, const char *text)
{
	write_rel(rel, text);
	paude_config_init(c);
	struct paude_error *err = NULL;
	if (paude_config_load(c, scratch, NULL, &err) < 0)
		fail_msg("%s", err->msg);
}

static const struct paude_image_opts opts = { .ca_bundle = "" };

static const struct paude_image_file *
ctx_file(const struct paude_custom_plan *p, const char *path)
{
	for (size_t i = 0; i < p->files.nr; i++)
		if (!strcmp(p->files.v[i].path, path))
			return &p->files.v[i];
	return NULL;
}

static void
test_paude_json_packages_on_a_base(void **state)
{
	(void)state;
	struct paude_config c;
	load(&c, "paude.json", "{\"base\":\"python:3.11-slim\",\"packages\":[\"make\",\"gcc\"]}");
	struct paude_custom_plan p = { 0 };
	assert_int_equal(paude_image_custom_plan(&p, &c, NULL, &opts, NULL), 0);
	const char *cf = paude_image_custom_containerfile(&p);
	assert_non_null(strstr(cf, "\nARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n"));
	assert_non_null(strstr(cf, "sh /tmp/paude/paude-install-deps"));
	assert_non_null(strstr(cf, "# (no features)"));
	assert_non_null(strstr(cf, "\nUSER paude\n"));
	assert_non_null(strstr(cf, "ENTRYPOINT [\"/usr/local/bin/paude-entrypoint\"]"));
	assert_null(strstr(cf, "@FEATURES@"));
	assert_string_equal((const char *)ctx_file(&p, "paude-packages")->data, "make\ngcc\n");
	/* The install script knows every supported package manager. */
	const char *deps = (const char *)ctx_file(&p, "paude-install-deps")->data;
	assert_non_null(strstr(deps, "apt-get"));
	assert_non_null(strstr(deps, "dnf"));
	assert_non_null(strstr(deps, "microdnf"));
	assert_non_null(strstr(deps, "yum"));
	assert_non_null(strstr(deps, "apk add"));
	assert_non_null(ctx_file(&p, "paude-entrypoint"));
	assert_non_null(ctx_file(&p, "paude-session"));
	assert_non_null(ctx_file(&p, "tmux.conf"));
	assert_string_equal(p.base, "python:3.11-slim");
	assert_null(p.user_ref);
	assert_non_null(strstr(p.ref, "localhost/paude-custom:"));
	paude_image_custom_release(&p);
	paude_config_release(&c);
}

static void
test_packages_without_a_base_use_the_default_base(void **state)
{
	(void)state;
	struct paude_config c;
	load(&c, "paude.json", "{\"packages\":[\"jq\"]}");
	struct paude_image_opts o = opts;
	o.base = "localhost/paude-base-os:bookworm";
	struct paude_custom_plan p = { 0 };
	assert_int_equal(paude_image_custom_plan(&p, &c, NULL, &o, NULL), 0);
	assert_string_equal(p.base, "localhost/paude-base-os:bookworm");
	paude_image_custom_release(&p);
	paude_config_release(&c);
}

static char *
tag_with(const struct paude_image_opts *o, const char *rel, const char *text)
{
	struct paude_config c;
	load(&c, rel, text);
	struct paude_custom_plan p = { 0 };
	struct paude_error *err = NULL;
	if (paude_image_custom_plan(&p, &c, NULL, o, &err) < 0)
		fail_msg("%s", err->msg);
	char *ref = strdup(p.ref);
	paude_image_custom_release(&p);
	paude_config_release(&c);
	return ref;
}

static char *
tag_of(const char *rel, const char *text)
{
	return tag_with(&opts, rel, text);
}

static void
test_hash_is_stable_and_sensitive(void **state)
{
	(void)state;
	const char *base = "{\"base\":\"a:1\",\"packages\":[\"x\"]}";
	_cleanup_free_ char *t1 = tag_of("paude.json", base);
	_cleanup_free_ char *t2 = tag_of("paude.json", base);
	assert_string_equal(t1, t2);
	_cleanup_free_ char *t3 = tag_of("paude.json", "{\"base\":\"a:2\",\"packages\":[\"x\"]}");
	assert_string_not_equal(t1, t3);
	_cleanup_free_ char *t4 = tag_of("paude.json", "{\"base\":\"a:1\",\"packages\":[\"y\"]}");
	assert_string_not_equal(t1, t4);
	struct paude_image_opts v2 = opts;
	v2.agent_version = "2.0.1";
	_cleanup_free_ char *t5 = tag_with(&v2, "paude.json", base);
	assert_string_not_equal(t1, t5);
	/* The setup command and containerEnv are the session's, not the image's. */
	_cleanup_free_ char *t6 = tag_of("paude.json", "{\"base\":\"a:1\",\"packages\":[\"x\"],"
						       "\"setup\":\"make\"}");
	assert_string_equal(t1, t6);
}

static void
test_dockerfile_context_is_hashed(void **state)
{
	(void)state;
	write_rel(".devcontainer/Dockerfile", "FROM a:1\nCOPY app /app\n");
	write_rel("app/main.py", "print(1)\n");
	write_rel(".git/HEAD", "ref: refs/heads/main\n");
	const char *dc = "{\"build\":{\"dockerfile\":\"Dockerfile\",\"context\":\"..\","
			 "\"args\":{\"V\":\"1\"}}}";
	_cleanup_free_ char *t1 = tag_of(".devcontainer/devcontainer.json", dc);
	_cleanup_free_ char *t2 = tag_of(".devcontainer/devcontainer.json", dc);
	assert_string_equal(t1, t2);
	/* .git is not part of what is hashed. */
	write_rel(".git/HEAD", "ref: refs/heads/other\n");
	_cleanup_free_ char *t3 = tag_of(".devcontainer/devcontainer.json", dc);
	assert_string_equal(t1, t3);
	/* A file of the context is. */
	write_rel("app/main.py", "print(2)\n");
	_cleanup_free_ char *t4 = tag_of(".devcontainer/devcontainer.json", dc);
	assert_string_not_equal(t1, t4);
	/* The Dockerfile is. */
	write_rel(".devcontainer/Dockerfile", "FROM a:2\nCOPY app /app\n");
	_cleanup_free_ char *t5 = tag_of(".devcontainer/devcontainer.json", dc);
	assert_string_not_equal(t4, t5);
	/* The build args are. */
	_cleanup_free_ char *t6 =
	    tag_of(".devcontainer/devcontainer.json",
		   "{\"build\":{\"dockerfile\":\"Dockerfile\",\"context\":\"..\","
		   "\"args\":{\"V\":\"2\"}}}");
	assert_string_not_equal(t5, t6);
}

static void
test_dockerfile_builds_the_user_image_first(void **state)
{
	(void)state;
	write_rel(".devcontainer/Dockerfile", "FROM a:1\n");
	struct paude_config c;
	load(&c, ".devcontainer/devcontainer.json",
	     "{\"build\":{\"dockerfile\":\"Dockerfile\",\"args\":{\"V\":\"1\"}}}");
	struct paude_custom_plan p = { 0 };
	assert_int_equal(paude_image_custom_plan(&p, &c, NULL, &opts, NULL), 0);
	assert_non_null(strstr(p.user_ref, "localhost/paude-user:"));
	assert_string_equal(p.base, p.user_ref);

	/* Neither image exists; both builds succeed. */
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "build"), .status = 0 },
	};
	struct fake_runner fr;
	fake_runner_init(&fr, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	struct paude_error *err = NULL;
	int r = paude_image_custom_build(&fr.runner, &p, &opts, &ref, &err);
	if (r < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(ref, p.ref);
	assert_int_equal(fr.calls.nr, 6);
	const char *user_build = fake_runner_call(&fr, 2);
	assert_non_null(strstr(user_build, "podman build -f "));
	assert_non_null(strstr(user_build, "/.devcontainer/Dockerfile -t localhost/paude-user:"));
	assert_non_null(strstr(user_build, "--build-arg=V=1"));
	assert_null(strstr(user_build, "--pull=never"));
	/* The second build starts from the first under a name of its own. */
	const char *tag = fake_runner_call(&fr, 3);
	char want[256];
	(void)snprintf(want, sizeof(want), "podman tag %s localhost/paude-from-", p.user_ref);
	assert_true(!strncmp(tag, want, strlen(want)));
	const char *custom_build = fake_runner_call(&fr, 4);
	assert_non_null(strstr(custom_build, "--pull=never"));
	assert_non_null(strstr(custom_build, p.ref));
	(void)snprintf(want, sizeof(want), "--build-arg=BASE_IMAGE=%s", strrchr(tag, ' ') + 1);
	assert_non_null(strstr(custom_build, want));
	assert_true(!strncmp(fake_runner_call(&fr, 5), "podman untag localhost/paude-from-", 34));
	free(ref);
	fake_runner_release(&fr);
	paude_image_custom_release(&p);
	paude_config_release(&c);
}

static void
test_existing_tag_builds_nothing(void **state)
{
	(void)state;
	struct paude_config c;
	load(&c, "paude.json", "{\"base\":\"a:1\"}");
	struct paude_custom_plan p = { 0 };
	assert_int_equal(paude_image_custom_plan(&p, &c, NULL, &opts, NULL), 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 0 },
	};
	struct fake_runner fr;
	fake_runner_init(&fr, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_custom_build(&fr.runner, &p, &opts, &ref, NULL), 0);
	assert_int_equal(fr.calls.nr, 1);
	assert_string_equal(ref, p.ref);
	free(ref);
	fake_runner_release(&fr);
	paude_image_custom_release(&p);
	paude_config_release(&c);
}

static void
test_features_become_copy_run_env(void **state)
{
	(void)state;
	struct paude_config c;
	load(&c, ".devcontainer.json", "{\"image\":\"a:1\"}");
	struct paude_feature_set fs = { .v = calloc(1, sizeof(struct paude_feature)), .nr = 1 };
	struct paude_feature *f = &fs.v[0];
	f->ref = strdup("r.io/f/hello:1");
	f->resource = strdup("r.io/f/hello");
	f->id = strdup("hello");
	f->version = strdup("1.0.0");
	f->tag = strdup("1");
	memcpy(f->digest, "sha256:0000", 12);
	paude_strvec_init(&f->options);
	paude_strvec_init(&f->container_env);
	paude_strvec_init(&f->installs_after);
	paude_strvec_init(&f->depends_on);
	paude_strvec_push(&f->options, "GREETING=say \"hi\" $HOME");
	paude_strvec_push(&f->container_env, "PATH=/opt/x:${PATH}");
	f->files = calloc(1, sizeof(*f->files));
	f->files[0] = (struct paude_feature_file){ .path = strdup("install.sh"),
						   .data = (unsigned char *)strdup("#!/bin/sh\n"),
						   .size = 10,
						   .mode = 0755 };
	f->n_files = 1;
	struct paude_custom_plan p = { 0 };
	assert_int_equal(paude_image_custom_plan(&p, &c, &fs, &opts, NULL), 0);
	const char *cf = paude_image_custom_containerfile(&p);
	assert_non_null(strstr(cf, "# Feature 1 of 1: r.io/f/hello:1 (id hello, version 1.0.0)"));
	assert_non_null(strstr(cf, "\nCOPY features/01-hello/ /tmp/paude/features/01-hello/\n"));
	assert_non_null(strstr(cf, ". ./devcontainer-features.env"));
	assert_non_null(strstr(cf, "./install.sh\nENV PATH=\"/opt/x:${PATH}\"\n"));
	/* Features come after paude's requirements (the user exists) and before its files. */
	assert_true(strstr(cf, "paude-install-deps") < strstr(cf, "COPY features/"));
	assert_true(strstr(cf, "COPY features/") < strstr(cf, "COPY paude-entrypoint"));
	const struct paude_image_file *env =
	    ctx_file(&p, "features/01-hello/devcontainer-features.env");
	assert_non_null(env);
	assert_non_null(strstr((const char *)env->data, "GREETING=\"say \\\"hi\\\" \\$HOME\"\n"));
	assert_non_null(strstr((const char *)env->data, "_REMOTE_USER=\"paude\"\n"));
	const struct paude_image_file *inst = ctx_file(&p, "features/01-hello/install.sh");
	assert_non_null(inst);
	assert_int_equal(inst->mode, 0755);
	/* Different feature content, different tag. */
	_cleanup_free_ char *before = strdup(p.ref);
	paude_image_custom_release(&p);
	free(f->files[0].data);
	f->files[0].data = (unsigned char *)strdup("#!/bin/sh\n#2");
	f->files[0].size = 12;
	assert_int_equal(paude_image_custom_plan(&p, &c, &fs, &opts, NULL), 0);
	assert_string_not_equal(before, p.ref);
	paude_image_custom_release(&p);
	paude_feature_set_release(&fs);
	paude_config_release(&c);
}

static void
test_describe_lists_the_configuration(void **state)
{
	(void)state;
	struct paude_config c;
	load(&c, "paude.json",
	     "{\"base\":\"a:1\",\"packages\":[\"make\"],\"setup\":[\"make\",\"x y\"]}");
	struct paude_custom_plan p = { 0 };
	assert_int_equal(paude_image_custom_plan(&p, &c, NULL, &opts, NULL), 0);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_image_custom_describe(&p, &b);
	assert_non_null(strstr(b.buf, "paude.json (paude.json)\n"));
	assert_non_null(strstr(b.buf, "\nBase:          a:1\n"));
	assert_non_null(strstr(b.buf, "\nPackages:      make\n"));
	assert_non_null(strstr(b.buf, "\nFeatures:      (none)\n"));
	assert_non_null(strstr(b.buf, "\nSetup:         make 'x y'\n"));
	assert_non_null(
	    strstr(b.buf, "\nContainerfile:\n# paude image of a project's paude.json\n"));
	paude_image_custom_release(&p);
	paude_config_release(&c);
}

static void
test_same_config_in_two_folders_gives_the_same_image(void **state)
{
	(void)state;
	static const char text[] = "{\"image\":\"a:1\",\"build\":{\"args\":{}},"
				   "\"postCreateCommand\":\"make\"}";
	struct paude_config c1, c2;
	load(&c1, "one/.devcontainer/devcontainer.json", text);
	write_rel("two/.devcontainer/devcontainer.json", text);
	paude_config_release(&c1);
	paude_config_init(&c1);
	paude_config_init(&c2);
	_cleanup_free_ char *one = paude_path_join(scratch, "one");
	_cleanup_free_ char *two = paude_path_join(scratch, "two");
	assert_int_equal(paude_config_load(&c1, one, NULL, NULL), 0);
	assert_int_equal(paude_config_load(&c2, two, NULL, NULL), 0);
	struct paude_custom_plan p1 = { 0 }, p2 = { 0 };
	assert_int_equal(paude_image_custom_plan(&p1, &c1, NULL, &opts, NULL), 0);
	assert_int_equal(paude_image_custom_plan(&p2, &c2, NULL, &opts, NULL), 0);
	assert_string_equal(p1.ref, p2.ref);
	assert_null(strstr(paude_image_custom_containerfile(&p1), scratch));
	paude_image_custom_release(&p1);
	paude_image_custom_release(&p2);
	paude_config_release(&c1);
	paude_config_release(&c2);
}

static void
test_dry_run_plan_names_features_without_fetching(void **state)
{
	(void)state;
	struct paude_config c;
	load(&c, ".devcontainer.json",
	     "{\"features\":{\"node\":\"20\",\"localhost:5000/f/x@sha256:"
	     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\":{}}}");
	struct paude_custom_plan p = { 0 };
	/* No feature set: nothing was fetched. */
	assert_int_equal(paude_image_custom_plan(&p, &c, NULL, &opts, NULL), 0);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_image_custom_describe(&p, &b);
	assert_non_null(strstr(b.buf, "\nFeature:       ghcr.io/devcontainers/features/node:1 (to "
				      "fetch: registry ghcr.io, repository "
				      "devcontainers/features/node, tag 1)\n               "
				      "version=20\n"));
	assert_non_null(
	    strstr(b.buf, "registry localhost:5000, repository f/x, digest sha256:0123"));
	assert_non_null(strstr(b.buf, "# (2 features: fetched and added here by paude create)"));
	assert_non_null(strstr(p.ref, "tag known once the features are fetched"));
	paude_image_custom_release(&p);
	paude_config_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paude_json_packages_on_a_base, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_packages_without_a_base_use_the_default_base,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_is_stable_and_sensitive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dockerfile_context_is_hashed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dockerfile_builds_the_user_image_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_existing_tag_builds_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features_become_copy_run_env, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_same_config_in_two_folders_gives_the_same_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_plan_names_features_without_fetching,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe_lists_the_configuration, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("image-custom", tests, NULL, NULL);
}
