/* SPDX-License-Identifier: MIT */
/*
 * This machine's files for a runner whose commands run on another host
 * (run.h, paude_runner_host_path): a fake "remote" runner (the fake runner
 * with the host ops, copying files into a scratch "host" tree) and the
 * argv create and image builds give podman there. The local argv is the
 * other tests' (test-backend-podman.c, test-image.c), unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "fake-runner.h"
#include "scratch.h"
#include "paude/backend/backend.h"
#include "paude/backend/net-podman.h"
#include "paude/core/alloc.h"
#include "paude/core/env-file.h"
#include "paude/core/fs.h"
#include "paude/image/image.h"
#include "paude/net/allowlist.h"

#define PROFILE "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[]}"

/* The fake host: a scratch tree; what the host ops did, in order. */
struct remote {
	struct fake_runner f;
	struct fake_runner local; /* paude_runner_local */
	struct paude_runner_ops ops;
	char root[64];
	unsigned n;
	struct paude_strvec ops_done; /* "host_path LOCAL KEY -> PATH", "drop PATH", "forget KEY" */
	bool no_profile;
};
static struct remote *the_remote;

/* Copy a file, or a directory's files (one level: an env file's directory). */
static void
copy_into(const char *src, const char *dest_dir, char **out)
{
	_cleanup_free_ char *b = paude_xstrdup(src);
	*out = paude_path_join(dest_dir, basename(b));
	struct stat st;
	assert_int_equal(stat(src, &st), 0);
	if (S_ISDIR(st.st_mode)) {
		assert_int_equal(paude_mkdir_p(*out, st.st_mode & 07777, NULL), 0);
		_cleanup_free_ char *from = paude_path_join(src, "env");
		if (!paude_is_file(from))
			return;
		_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
		assert_int_equal(paude_buf_read_file(&text, from, NULL), 0);
		_cleanup_free_ char *to = paude_path_join(*out, "env");
		assert_int_equal(
		    paude_write_file(to, text.buf ? text.buf : "", text.len, 0600, NULL), 0);
		return;
	}
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&text, src, NULL), 0);
	assert_int_equal(
	    paude_write_file(*out, text.buf ? text.buf : "", text.len, st.st_mode & 07777, NULL),
	    0);
}

static int
fake_host_path(void *ctx, const char *local_path, const char *keep_key, char **out,
	       struct paude_error **err)
{
	(void)ctx;
	(void)err;
	struct remote *rm = the_remote;
	_cleanup_free_ char *dir =
	    keep_key ? paude_xasprintf("%s/keep/%s/%u", rm->root, keep_key, ++rm->n)
		     : paude_xasprintf("%s/staging/%u", rm->root, ++rm->n);
	assert_int_equal(paude_mkdir_p(dir, 0700, NULL), 0);
	copy_into(local_path, dir, out);
	paude_strvec_pushf(&rm->ops_done, "host_path %s %s -> %s", local_path,
			   keep_key ? keep_key : "-", *out + strlen(rm->root));
	return 0;
}

static int
fake_host_drop(void *ctx, const char *path, struct paude_error **err)
{
	(void)ctx;
	(void)err;
	paude_strvec_pushf(&the_remote->ops_done, "drop %s", path + strlen(the_remote->root));
	/* the file (the env file's directory goes with the staging tree) */
	(void)unlink(path);
	return 0;
}

static int
fake_forget(void *ctx, const char *key, struct paude_error **err)
{
	(void)ctx;
	(void)err;
	paude_strvec_pushf(&the_remote->ops_done, "forget %s", key);
	return 0;
}

static int
fake_read_file(void *ctx, const char *path, struct paude_buf *out, struct paude_error **err)
{
	(void)ctx;
	paude_strvec_pushf(&the_remote->ops_done, "read %s", path);
	if (the_remote->no_profile || strcmp(path, "/usr/share/containers/seccomp.json") != 0)
		return paude_error_set(err, PAUDE_ENOTFOUND, 0, "'%s' not found", path);
	paude_buf_addstr(out, PROFILE, NULL);
	return 0;
}

static struct paude_runner *
fake_local(void *ctx)
{
	(void)ctx;
	return &the_remote->local.runner;
}

static void
remote_init(struct remote *rm, const struct fake_reply *replies, size_t n)
{
	memset(rm, 0, sizeof(*rm));
	fake_runner_init(&rm->f, replies, n);
	fake_runner_init(&rm->local, NULL, 0);
	rm->ops = *rm->f.runner.ops;
	rm->ops.host_path = fake_host_path;
	rm->ops.host_drop = fake_host_drop;
	rm->ops.forget = fake_forget;
	rm->ops.read_file = fake_read_file;
	rm->ops.local = fake_local;
	rm->f.runner.ops = &rm->ops;
	paude_strvec_init(&rm->ops_done);
	(void)snprintf(rm->root, sizeof(rm->root), "/tmp/paude-remote-test-XXXXXX");
	assert_non_null(mkdtemp(rm->root));
	the_remote = rm;
}

static void
remote_release(struct remote *rm)
{
	scratch_remove(rm->root);
	fake_runner_release(&rm->f);
	fake_runner_release(&rm->local);
	paude_strvec_clear(&rm->ops_done);
	the_remote = NULL;
}

/* The value of --OPT=VALUE in a call, or NULL. */
static char *
opt_value(const char *call, const char *opt)
{
	const char *p = strstr(call, opt);
	if (!p)
		return NULL;
	p += strlen(opt);
	return paude_xasprintf("%.*s", (int)strcspn(p, " "), p);
}

static void
test_local_runner_gives_the_path_itself(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	assert_false(paude_runner_is_remote(&f.runner));
	assert_ptr_equal(paude_runner_local(&f.runner), &f.runner);
	char *p = NULL;
	assert_int_equal(paude_runner_host_path(&f.runner, "/home/u/.gitconfig", "demo", &p, NULL),
			 0);
	assert_string_equal(p, "/home/u/.gitconfig");
	free(p);
	assert_int_equal(paude_runner_forget(&f.runner, "demo", NULL), 0);
	assert_int_equal(paude_runner_host_drop(&f.runner, "/x", NULL), 0);
	struct paude_buf b = PAUDE_BUF_INIT;
	struct paude_error *e = NULL;
	assert_int_equal(paude_runner_read_file(&f.runner, "/nonexistent/paude", &b, &e),
			 PAUDE_ENOTFOUND);
	paude_error_free(e);
	assert_int_equal(
	    paude_runner_read_file(&f.runner, TEST_DATA_DIR "/../test-buf.c", &b, NULL), 0);
	assert_non_null(strstr(b.buf, "SPDX"));
	paude_buf_release(&b);
	assert_int_equal(f.calls.nr, 0);
	fake_runner_release(&f);
}

static void
make_spec(struct paude_session_spec *spec, struct paude_mount *m, const char *gitconfig)
{
	memset(spec, 0, sizeof(*spec));
	paude_session_init(&spec->meta);
	paude_strvec_init(&spec->env);
	spec->meta.name = strdup("demo");
	spec->meta.workspace = strdup("/home/u/demo");
	spec->meta.created = strdup("2026-11-27T10:00:00Z");
	spec->meta.image = strdup("localhost/paude-agent:abc");
	spec->meta.agent = strdup("claude");
	paude_strvec_push(&spec->meta.allowed_domains, "default");
	paude_strvec_push(&spec->env, "SECRET_SETTING=s3cr3t");
	spec->proxy_image = "localhost/paude-proxy:abc";
	*m = (struct paude_mount){ gitconfig, "/home/paude/.gitconfig", true, false };
	spec->mounts = m;
	spec->n_mounts = 1;
}

static void
test_create_gives_a_remote_podman_its_own_copies(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "info"), .out = "true\n" },
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
	};
	struct remote rm;
	remote_init(&rm, replies, ARRAY_SIZE(replies));
	char home[] = "/tmp/paude-remote-home-XXXXXX";
	assert_non_null(mkdtemp(home));
	scratch_write(home, ".gitconfig", "[user]\n\tname = Client\n");
	_cleanup_free_ char *gc = paude_path_join(home, ".gitconfig");
	struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &rm.f.runner, NULL), 0);
	struct paude_session_spec spec;
	struct paude_mount m;
	make_spec(&spec, &m, gc);
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), 0);
	assert_null(err);

	/* The host's default profile, read there; then the copies. */
	assert_string_equal(rm.ops_done.v[0], "read /etc/containers/seccomp.json");
	assert_string_equal(rm.ops_done.v[1], "read /usr/share/containers/seccomp.json");
	assert_int_equal(strncmp(rm.ops_done.v[2], "host_path /", 11), 0);
	assert_non_null(strstr(rm.ops_done.v[2], "/paude-seccomp-"));
	assert_non_null(strstr(rm.ops_done.v[2], " - -> /staging/1/paude-seccomp-"));
	assert_non_null(strstr(rm.ops_done.v[3], " - -> /staging/2/paude-env-"));
	_cleanup_free_ char *want_keep =
	    paude_xasprintf("host_path %s demo -> /keep/demo/3/.gitconfig", gc);
	assert_string_equal(rm.ops_done.v[4], want_keep);

	/* The host's podman says how it runs: rootless there, so no --userns=auto,
	 * though spec.rootless (this machine's way) says rootful. */
	assert_string_equal(fake_runner_call(&rm.f, 0),
			    "podman info --format '{{.Host.Security.Rootless}}'");
	const char *create = fake_runner_call(&rm.f, 7);
	assert_int_equal(strncmp(create, "podman create --pull=never --name paude-demo ", 45), 0);
	assert_non_null(strstr(create, " --init --user 1000:0 --cap-drop=ALL "));
	assert_null(strstr(fake_runner_call(&rm.f, 6), "--userns=auto"));
	_cleanup_free_ char *seccomp = opt_value(create, "--security-opt=seccomp=");
	_cleanup_free_ char *envf = opt_value(create, "--env-file=");
	_cleanup_free_ char *mount = opt_value(create, "--mount=type=bind,source=");
	assert_int_equal(strncmp(seccomp, rm.root, strlen(rm.root)), 0);
	assert_int_equal(strncmp(envf, rm.root, strlen(rm.root)), 0);
	_cleanup_free_ char *want_mount = paude_xasprintf(
	    "%s/keep/demo/3/.gitconfig,target=/home/paude/.gitconfig,readonly=true", rm.root);
	assert_string_equal(mount, want_mount);
	/* The proxy got the same profile, there. */
	_cleanup_free_ char *pseccomp =
	    opt_value(fake_runner_call(&rm.f, 6), "--security-opt=seccomp=");
	assert_string_equal(pseccomp, seccomp);
	/* The env file podman read there was the values; its copy went at once. */
	assert_int_equal(rm.f.env_files.nr, 1);
	assert_string_equal(rm.f.env_files.v[0], "mode 600\nSECRET_SETTING=s3cr3t\n");
	_cleanup_free_ char *want_drop = paude_xasprintf("drop %s", envf + strlen(rm.root));
	assert_string_equal(rm.ops_done.v[5], want_drop);
	assert_int_equal(rm.ops_done.nr, 6);
	assert_false(paude_exists(envf));
	/* No local path of this machine reached the host's podman. */
	for (size_t i = 0; i < rm.f.calls.nr; i++) {
		assert_null(strstr(fake_runner_call(&rm.f, i), home));
		assert_null(strstr(fake_runner_call(&rm.f, i), "s3cr3t"));
	}
	assert_int_equal(rm.local.calls.nr, 0);

	/* delete removes what the host keeps for the session's mounts */
	assert_int_equal(paude_backend_remove(b, "demo", &err), 0);
	assert_string_equal(rm.ops_done.v[rm.ops_done.nr - 1], "forget demo");

	scratch_remove(home);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	remote_release(&rm);
}

static void
test_failed_remote_create_forgets_the_session_files(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
		{ .prefix = FAKE_ARGV("podman", "create", "--pull=never"),
		  .errout = "Error: no\n",
		  .status = 125 },
	};
	struct remote rm;
	remote_init(&rm, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &rm.f.runner, NULL), 0);
	struct paude_session_spec spec;
	struct paude_mount m;
	make_spec(&spec, &m, TEST_DATA_DIR "/../test-buf.c");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ECHILD);
	assert_string_equal(fake_runner_call(&rm.f, rm.f.calls.nr - 1),
			    "podman volume rm --force paude-demo-workspace");
	assert_string_equal(rm.ops_done.v[rm.ops_done.nr - 1], "forget demo");
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	remote_release(&rm);
}

static void
test_remote_host_without_a_default_profile_is_a_clear_error(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
	};
	struct remote rm;
	remote_init(&rm, replies, ARRAY_SIZE(replies));
	rm.no_profile = true;
	struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &rm.f.runner, NULL), 0);
	struct paude_session_spec spec;
	struct paude_mount m;
	make_spec(&spec, &m, TEST_DATA_DIR "/../test-buf.c");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg,
			    "cannot find podman's default seccomp profile "
			    "'/usr/share/containers/seccomp.json' on the host (install the "
			    "containers-common files that come with podman there)");
	/* Nothing made (podman info, then the two checks). */
	assert_int_equal(rm.f.calls.nr, 3);
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	remote_release(&rm);
}

/* A remote podman cannot take ANTHROPIC_API_KEY from paude's environment. */
static void
test_remote_proxy_gets_the_api_key_in_its_env_file(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
	};
	struct remote rm;
	remote_init(&rm, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	assert_int_equal(paude_allowlist_parse(&al, (const char *const[]){ "default", NULL }, NULL),
			 0);
	const struct paude_gateway g = { .provider = "anthropic",
					 .api_key = true,
					 .api_key_value = "sk-test-key" };
	struct paude_net_podman_opts o = { .proxy_image = "localhost/paude-proxy:abc",
					   .gateway = &g };
	struct paude_strvec agent = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_net_podman_create(&rm.f.runner, "demo", &al, &o, &agent, NULL), 0);
	const char *create = fake_runner_call(&rm.f, 2);
	assert_int_equal(strncmp(create, "podman create --name paude-proxy-demo ", 38), 0);
	assert_null(strstr(create, "ANTHROPIC_API_KEY"));
	assert_null(strstr(create, "sk-test-key"));
	_cleanup_free_ char *envf = opt_value(create, "--env-file=");
	assert_int_equal(strncmp(envf, rm.root, strlen(rm.root)), 0);
	assert_int_equal(rm.f.env_files.nr, 1);
	assert_non_null(strstr(rm.f.env_files.v[0], "\nANTHROPIC_API_KEY=sk-test-key\n"));
	assert_false(paude_exists(envf));
	paude_strvec_clear(&agent);
	paude_allowlist_release(&al);
	remote_release(&rm);

	/* Locally: by name, as before. */
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	paude_allowlist_init(&al);
	assert_int_equal(paude_allowlist_parse(&al, (const char *const[]){ "default", NULL }, NULL),
			 0);
	paude_strvec_init(&agent);
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &o, &agent, NULL), 0);
	assert_non_null(strstr(fake_runner_call(&f, 2), " --env ANTHROPIC_API_KEY -- "));
	assert_null(strstr(f.env_files.v[0], "sk-test-key"));
	paude_strvec_clear(&agent);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

/* The build context, Containerfile and CA secret: copies on the host. */
static void
test_remote_image_build_streams_its_context(void **state)
{
	(void)state;
	char dir[] = "/tmp/paude-remote-ca-XXXXXX";
	assert_non_null(mkdtemp(dir));
	scratch_write(dir, "ca.crt", "-----BEGIN CERTIFICATE-----\n");
	_cleanup_free_ char *ca = paude_path_join(dir, "ca.crt");
	struct paude_image_opts o = { .base = "localhost/b:1",
				      .agent_version = "2.0.0",
				      .ca_bundle = ca };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", "localhost/b:1"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
	};
	struct remote rm;
	remote_init(&rm, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&rm.f.runner, &o, &ref, NULL), 0);
	long i = fake_runner_find(&rm.f, "podman build ");
	assert_true(i > 0);
	const char *build = fake_runner_call(&rm.f, (size_t)i);
	/* host_path of the context (a directory), then of the CA bundle */
	assert_int_equal(rm.ops_done.nr, 2);
	assert_non_null(strstr(rm.ops_done.v[0], "/context - -> /staging/1/context"));
	_cleanup_free_ char *want_ca = paude_xasprintf("host_path %s - -> /staging/2/ca.crt", ca);
	assert_string_equal(rm.ops_done.v[1], want_ca);
	_cleanup_free_ char *cf =
	    paude_xasprintf(" -f %s/staging/1/context/Containerfile ", rm.root);
	assert_non_null(strstr(build, cf));
	_cleanup_free_ char *sec =
	    paude_xasprintf(" --secret=id=paude-ca,src=%s/staging/2/ca.crt ", rm.root);
	assert_non_null(strstr(build, sec));
	_cleanup_free_ char *ctx = paude_xasprintf(" %s/staging/1/context", rm.root);
	assert_string_equal(build + strlen(build) - strlen(ctx), ctx);
	assert_null(strstr(build, dir));
	free(ref);
	scratch_remove(dir);
	remote_release(&rm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_runner_gives_the_path_itself),
		cmocka_unit_test(test_create_gives_a_remote_podman_its_own_copies),
		cmocka_unit_test(test_failed_remote_create_forgets_the_session_files),
		cmocka_unit_test(test_remote_host_without_a_default_profile_is_a_clear_error),
		cmocka_unit_test(test_remote_proxy_gets_the_api_key_in_its_env_file),
		cmocka_unit_test(test_remote_image_build_streams_its_context),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
