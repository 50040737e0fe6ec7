/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/file.h>
#include "scratch.h"
#include "paude/image/image.h"
#include "paude/image/embedded.h"
#include "paude/core/fs.h"
#include "fake-runner.h"

/* A scratch directory per test: TMPDIR and XDG_CACHE_HOME point into it. */
static char scratch[256];

static char *
scratch_path(const char *rel)
{
	return paude_path_join(scratch, rel);
}

static void
write_text(const char *rel, const char *text, unsigned mode)
{
	char *path = scratch_path(rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	assert_int_equal(paude_mkdir_p(path, 0755, NULL), 0);
	*slash = '/';
	assert_int_equal(paude_write_file(path, text, strlen(text), 0644, NULL), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/paude-test-image-XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	char *tmp = scratch_path("tmp"), *cache = scratch_path("cache");
	mkdir(tmp, 0700);
	setenv("TMPDIR", tmp, 1);
	setenv("XDG_CACHE_HOME", cache, 1);
	free(tmp);
	free(cache);
	unsetenv("PAUDE_BASE_IMAGE");
	unsetenv("PAUDE_CA_BUNDLE");
	unsetenv("PAUDE_CONTAINERS_DIR");
	unsetenv("PAUDE_CLAUDE_CODE_VERSION");
	unsetenv("PAUDE_DEBIAN_MIRROR");
	unsetenv("PAUDE_FALLBACK_BASE_IMAGE");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	scratch_remove(scratch);
	return 0;
}

/* The directory left in TMPDIR by a build must be gone. */
static void
assert_tmp_empty(void)
{
	char *tmp = scratch_path("tmp");
	DIR *d = opendir(tmp);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fail_msg("left behind in TMPDIR: %s", de->d_name);
	closedir(d);
	free(tmp);
}

static char *
quoted(const char *const *argv)
{
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_quote_argv(&b, argv);
	return paude_buf_detach(&b);
}

static void
assert_call(const struct fake_runner *f, size_t i, const char *const *argv)
{
	char *want = quoted(argv);
	const char *got = fake_runner_call(f, i);
	if (!got || strcmp(got, want))
		fail_msg("call %zu:\n  got:  %s\n  want: %s", i, got ? got : "(none)", want);
	free(want);
}

/* The build context directory of a recorded `podman build` call. */
static char *
context_of(const char *call)
{
	const char *p = strstr(call, "/paude-build-");
	assert_non_null(p);
	const char *start = p;
	while (start > call && start[-1] != ' ' && start[-1] != '=')
		start--;
	const char *end = strchr(p, '/') ? strchr(p + 1, '/') : NULL;
	assert_non_null(end);
	char *dir = NULL;
	assert_true(asprintf(&dir, "%.*s/context", (int)(end - start), start) > 0);
	return dir;
}

/*
 * A build from BASE starts from a name of its own for it (so that its
 * working container can be told from others): call i must be
 * `podman tag BASE localhost/paude-from-PID-N:base`. Returns that name.
 */
static char *
base_alias_at(const struct fake_runner *f, size_t i, const char *base)
{
	const char *call = fake_runner_call(f, i);
	assert_non_null(call);
	char *prefix = NULL;
	assert_true(
	    asprintf(&prefix, "podman tag %s localhost/paude-from-%ld-", base, (long)getpid()) > 0);
	if (strncmp(call, prefix, strlen(prefix)) != 0)
		fail_msg("call %zu:\n  got:  %s\n  want: %s...", i, call, prefix);
	free(prefix);
	const char *alias = strrchr(call, ' ') + 1;
	assert_non_null(strstr(alias, ":base"));
	return strdup(alias);
}

static void
assert_untag_at(const struct fake_runner *f, size_t i, const char *alias)
{
	assert_call(f, i, FAKE_ARGV("podman", "untag", alias, alias));
}

static char *
agent_tag(const struct paude_image_opts *o)
{
	char *tag = NULL;
	assert_int_equal(paude_image_agent_tag(o, &tag, NULL), 0);
	return tag;
}

/* --- files and recipe --- */

static void
test_embedded_files_match_the_source_tree(void **state)
{
	(void)state;
	/* The unit tests run from the top of the source tree. */
	if (!paude_is_dir("containers/paude"))
		skip();
	struct paude_image_opts disk = { .containers_dir = "containers" };
	struct paude_image_files a = { 0 }, b = { 0 };
	assert_int_equal(paude_image_files_load("paude", NULL, &a, NULL), 0);
	assert_int_equal(paude_image_files_load("paude", &disk, &b, NULL), 0);
	assert_int_equal(a.nr, b.nr);
	for (size_t i = 0; i < a.nr; i++) {
		assert_string_equal(a.v[i].path, b.v[i].path);
		assert_int_equal(a.v[i].size, b.v[i].size);
		assert_memory_equal(a.v[i].data, b.v[i].data, a.v[i].size);
		assert_int_equal(a.v[i].mode, b.v[i].mode);
	}
	paude_image_files_release(&a);
	paude_image_files_release(&b);
}

static void
test_agent_files_have_scripts_executable(void **state)
{
	(void)state;
	struct paude_image_files f = { 0 };
	assert_int_equal(paude_image_files_load("paude", NULL, &f, NULL), 0);
	const char *want[] = { "Containerfile", "paude-entrypoint", "paude-session", "tmux.conf" };
	unsigned modes[] = { 0644, 0755, 0755, 0644 };
	assert_int_equal(f.nr, ARRAY_SIZE(want));
	for (size_t i = 0; i < f.nr; i++) {
		assert_string_equal(f.v[i].path, want[i]);
		assert_int_equal(f.v[i].mode, modes[i]);
		assert_int_equal(f.v[i].data[f.v[i].size], '\0');
	}
	assert_non_null(strstr((const char *)f.v[1].data, "printf '%s\\0' \"$@\""));
	paude_image_files_release(&f);
}

static void
test_recipe_substitutes_base_and_version(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/my-base:1", .agent_version = "2.0.14" };
	char *r = NULL;
	assert_int_equal(paude_image_recipe(&o, &r, NULL), 0);
	char *tag = agent_tag(&o);
	char *head = NULL;
	assert_true(asprintf(&head, "# paude image %s (paude ", tag) > 0);
	assert_true(!strncmp(r, head, strlen(head)));
	assert_non_null(strstr(r, "\n# build context: Containerfile paude-entrypoint "
				  "paude-session tmux.conf\n"));
	assert_non_null(strstr(r, "\nARG BASE_IMAGE=localhost/my-base:1\nFROM ${BASE_IMAGE}\n"));
	assert_non_null(strstr(r, "\nARG CLAUDE_CODE_VERSION=2.0.14\n"));
	assert_null(strstr(r, "bookworm-slim\n"));
	assert_non_null(strstr(r, "@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}"));
	assert_non_null(strstr(r, "--uid 1000 --gid 0"));
	assert_non_null(strstr(r, "\nUSER paude\n"));
	assert_non_null(strstr(r, "\nWORKDIR /pvc/workspace\n"));
	assert_non_null(strstr(r, "\nENTRYPOINT [\"/usr/local/bin/paude-entrypoint\"]\n"));
	/* What the image must not have. */
	assert_null(strstr(r, " gh "));
	assert_null(strstr(r, "openssh"));
	free(head);
	free(tag);
	free(r);
}

static void
test_recipe_defaults_come_from_the_options(void **state)
{
	(void)state;
	char *r = NULL;
	assert_int_equal(paude_image_recipe(NULL, &r, NULL), 0);
	assert_non_null(strstr(r, "\nARG BASE_IMAGE=" PAUDE_IMAGE_DEFAULT_BASE "\n"));
	assert_non_null(strstr(r, "\nARG CLAUDE_CODE_VERSION=latest\n"));
	free(r);
	/* paude fills these from $PAUDE_BASE_IMAGE and $PAUDE_CLAUDE_CODE_VERSION. */
	const struct paude_image_opts o = { .base = "localhost/paude-base-os:bookworm",
					    .agent_version = "2.1.0" };
	assert_int_equal(paude_image_recipe(&o, &r, NULL), 0);
	assert_non_null(strstr(r, "\nARG BASE_IMAGE=localhost/paude-base-os:bookworm\n"));
	assert_non_null(strstr(r, "\nARG CLAUDE_CODE_VERSION=2.1.0\n"));
	free(r);
}

static void
test_containers_dir_override_is_used_and_filtered(void **state)
{
	(void)state;
	write_text("c/paude/Containerfile", "ARG BASE_IMAGE=x\nFROM ${BASE_IMAGE}\n", 0644);
	write_text("c/paude/run-me", "#!/bin/sh\n", 0755);
	write_text("c/paude/.hidden", "no\n", 0644);
	write_text("c/paude/notes~", "no\n", 0644);
	char *root = scratch_path("c");
	struct paude_image_opts o = { .containers_dir = root, .base = "b:1" };
	struct paude_image_files f = { 0 };
	assert_int_equal(paude_image_files_load("paude", &o, &f, NULL), 0);
	assert_int_equal(f.nr, 2);
	assert_string_equal(f.v[0].path, "Containerfile");
	assert_string_equal(f.v[1].path, "run-me");
	assert_int_equal(f.v[1].mode, 0755);
	paude_image_files_release(&f);

	char *r = NULL;
	assert_int_equal(paude_image_recipe(&o, &r, NULL), 0);
	assert_non_null(strstr(r, "\n# build context: Containerfile run-me\nARG BASE_IMAGE=b:1\n"
				  "FROM ${BASE_IMAGE}\n"));
	free(r);

	/* The tag follows the files of the directory. */
	char *t1 = agent_tag(&o);
	write_text("c/paude/run-me", "#!/bin/sh\necho changed\n", 0755);
	char *t2 = agent_tag(&o);
	assert_string_not_equal(t1, t2);
	free(t1);
	free(t2);
	free(root);
}

static void
test_containers_dir_without_containerfile_is_not_found(void **state)
{
	(void)state;
	write_text("c/paude/tmux.conf", "set -g status on\n", 0644);
	char *root = scratch_path("c");
	struct paude_image_opts o = { .containers_dir = root };
	struct paude_image_files f = { 0 };
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_files_load("paude", &o, &f, &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg,
			    "no Containerfile for image 'paude' (check PAUDE_CONTAINERS_DIR)");
	paude_error_free(err);
	err = NULL;
	assert_int_equal(paude_image_files_load("nope", &o, &f, &err), PAUDE_ENOTFOUND);
	paude_error_free(err);
	err = NULL;
	assert_int_equal(paude_image_files_load("../x", &o, &f, &err), PAUDE_EUSAGE);
	paude_error_free(err);
	free(root);
}

/* --- the hash --- */

static void
hash_of(const struct paude_image_inputs *in, char out[PAUDE_SHA256_HEX_LEN + 1])
{
	paude_image_hash(in, out);
	assert_int_equal(strlen(out), PAUDE_SHA256_HEX_LEN);
}

static void
test_hash_is_stable_and_each_input_changes_it(void **state)
{
	(void)state;
	unsigned char d1[] = "FROM x\n", d2[] = "echo\n";
	struct paude_image_file fv[2] = {
		{ .path = (char *)"Containerfile",
		  .data = d1,
		  .size = sizeof(d1) - 1,
		  .mode = 0644 },
		{ .path = (char *)"run", .data = d2, .size = sizeof(d2) - 1, .mode = 0755 },
	};
	struct paude_image_files files = { .v = fv, .nr = 2 };
	struct paude_image_arg args[1] = { { "CLAUDE_CODE_VERSION", "latest" } };
	struct paude_image_inputs base_in = {
		.paude_version = "1.0.0",
		.dir = "paude",
		.base = "debian:bookworm-slim",
		.args = args,
		.nargs = 1,
		.files = &files,
	};
	char ref[65], again[65], h[65];
	hash_of(&base_in, ref);
	hash_of(&base_in, again);
	assert_string_equal(ref, again);

	struct paude_image_inputs in;
#define CHANGED(stmt)                                                                              \
	do {                                                                                       \
		in = base_in;                                                                      \
		stmt;                                                                              \
		hash_of(&in, h);                                                                   \
		if (!strcmp(h, ref))                                                               \
			fail_msg("hash did not change with: %s", #stmt);                           \
	} while (0)
	CHANGED(in.paude_version = "1.0.1");
	CHANGED(in.dir = "proxy");
	CHANGED(in.base = "debian:trixie-slim");
	CHANGED(in.nargs = 0);
	struct paude_image_arg other_value[1] = { { "CLAUDE_CODE_VERSION", "2.0.0" } };
	CHANGED(in.args = other_value);
	struct paude_image_arg other_name[1] = { { "AGENT_VERSION", "latest" } };
	CHANGED(in.args = other_name);
	struct paude_image_file fw[2];
	struct paude_image_files files2 = { .v = fw, .nr = 2 };
	memcpy(fw, fv, sizeof(fw));
	fw[1].mode = 0644;
	CHANGED(in.files = &files2);
	memcpy(fw, fv, sizeof(fw));
	fw[1].path = (char *)"run2";
	CHANGED(in.files = &files2);
	memcpy(fw, fv, sizeof(fw));
	unsigned char d3[] = "echo!\n";
	fw[1].data = d3;
	fw[1].size = sizeof(d3) - 1;
	CHANGED(in.files = &files2);
	struct paude_image_files fewer = { .v = fv, .nr = 1 };
	CHANGED(in.files = &fewer);
#undef CHANGED
}

static void
test_hash_fields_cannot_run_into_each_other(void **state)
{
	(void)state;
	struct paude_image_files none = { 0 };
	struct paude_image_arg a1[1] = { { "AB", "C" } }, a2[1] = { { "A", "BC" } };
	struct paude_image_inputs x = { "1", "paude", "b", a1, 1, &none };
	struct paude_image_inputs y = { "1", "paude", "b", a2, 1, &none };
	char hx[65], hy[65];
	hash_of(&x, hx);
	hash_of(&y, hy);
	assert_string_not_equal(hx, hy);
	struct paude_image_inputs v1 = { "1", "paudeb", "", NULL, 0, &none };
	struct paude_image_inputs v2 = { "1", "paude", "b", NULL, 0, &none };
	hash_of(&v1, hx);
	hash_of(&v2, hy);
	assert_string_not_equal(hx, hy);
}

static void
test_tag_follows_base_and_version_but_not_the_ca_bundle(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/b:1", .agent_version = "latest" };
	char *t1 = agent_tag(&o);
	assert_int_equal(strlen(t1), strlen(PAUDE_IMAGE_AGENT_REPO ":") + PAUDE_IMAGE_TAG_HEX);
	assert_true(!strncmp(t1, PAUDE_IMAGE_AGENT_REPO ":", strlen(PAUDE_IMAGE_AGENT_REPO ":")));
	o.ca_bundle = "/etc/hostname";
	char *t2 = agent_tag(&o);
	assert_string_equal(t1, t2);
	o.agent_version = "2.1.0";
	char *t3 = agent_tag(&o);
	assert_string_not_equal(t1, t3);
	o.agent_version = "latest";
	o.base = "localhost/b:2";
	char *t4 = agent_tag(&o);
	assert_string_not_equal(t1, t4);
	free(t1);
	free(t2);
	free(t3);
	free(t4);
}

static void
test_bad_base_and_version_are_refused(void **state)
{
	(void)state;
	const char *bases[] = { "-rf", "a b", "x;y", "$(id)", "" };
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		struct paude_image_opts o = { .base = bases[i] };
		char *tag = NULL;
		struct paude_error *err = NULL;
		if (!*bases[i])
			o.base = "";
		assert_int_equal(paude_image_agent_tag(&o, &tag, &err), PAUDE_EUSAGE);
		assert_null(tag);
		paude_error_free(err);
	}
	const char *versions[] = { "-x", "1.0 2", "$(id)", "a\"b", "" };
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		struct paude_image_opts o = { .agent_version = versions[i] };
		char *tag = NULL;
		struct paude_error *err = NULL;
		assert_int_equal(paude_image_agent_tag(&o, &tag, &err), PAUDE_EUSAGE);
		paude_error_free(err);
	}
}

/* --- CA bundle --- */

static void
test_ca_bundle_detection(void **state)
{
	(void)state;
	write_text("ca/second.pem", "x\n", 0644);
	write_text("ca/third.pem", "x\n", 0644);
	char *missing = scratch_path("ca/first.pem"), *second = scratch_path("ca/second.pem"),
	     *third = scratch_path("ca/third.pem"), *dir = scratch_path("ca");
	const char *cands[] = { missing, dir, second, third, NULL };
	assert_string_equal(paude_ca_bundle_first(cands), second);
	const char *none[] = { missing, dir, NULL };
	assert_null(paude_ca_bundle_first(none));

	/* $PAUDE_CA_BUNDLE is paude's to read (test-env.c), not the library's. */
	setenv("PAUDE_CA_BUNDLE", third, 1);
	const char *d = paude_ca_bundle_detect();
	unsetenv("PAUDE_CA_BUNDLE");
	if (d)
		assert_string_not_equal(d, third);
	if (d)
		assert_true(paude_is_file(d));
	free(missing);
	free(second);
	free(third);
	free(dir);
}

/* --- podman calls through the fake runner --- */

struct events {
	char log[512];
	char build_log[512]; /* the detail of the last PAUDE_IMAGE_EV_BUILD_LOG */
};

static void
record_event(void *ctx, enum paude_image_event ev, const char *detail)
{
	struct events *e = ctx;
	static const char *names[] = { "pull",   "bootstrap", "build", "built", "bootstrap-unshare",
				       "pulled", "fallback" };
	if (ev == PAUDE_IMAGE_EV_BUILD_LOG) {
		snprintf(e->build_log, sizeof(e->build_log), "%s", detail);
		return;
	}
	size_t n = strlen(e->log);
	snprintf(e->log + n, sizeof(e->log) - n, "%s%s %s", n ? "; " : "", names[ev], detail);
}

static void
test_existing_tag_is_returned_without_building(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/b:1" };
	char *tag = agent_tag(&o);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", tag), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_string_equal(ref, tag);
	assert_int_equal(f.calls.nr, 1);
	assert_call(&f, 0, FAKE_ARGV("podman", "image", "exists", tag));
	fake_runner_release(&f);
	free(ref);
	free(tag);
}

static void
test_missing_tag_builds_on_present_base(void **state)
{
	(void)state;
	write_text("ca.crt", "-----BEGIN CERTIFICATE-----\n", 0644);
	char *ca = scratch_path("ca.crt");
	struct events ev = { "" };
	struct paude_image_opts o = { .base = "localhost/b:1",
				      .agent_version = "2.0.0",
				      .ca_bundle = ca,
				      .notify = record_event,
				      .notify_ctx = &ev };
	char *tag = NULL, hash[65];
	struct paude_image_target t = {
		"paude", PAUDE_IMAGE_AGENT_REPO,
		(struct paude_image_arg[]){ { "CLAUDE_CODE_VERSION", "2.0.0" } }, 1
	};
	assert_int_equal(paude_image_tag(&t, &o, &tag, hash, NULL), 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", tag), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists", "localhost/b:1"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "build"), .out = "STEP 1/12\n", .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_string_equal(ref, tag);
	assert_int_equal(f.calls.nr, 5);
	assert_call(&f, 0, FAKE_ARGV("podman", "image", "exists", tag));
	assert_call(&f, 1, FAKE_ARGV("podman", "image", "exists", "localhost/b:1"));
	char *alias = base_alias_at(&f, 2, "localhost/b:1");
	char *arg_base = NULL;
	assert_true(asprintf(&arg_base, "--build-arg=BASE_IMAGE=%s", alias) > 0);

	char *ctx = context_of(fake_runner_call(&f, 3));
	char *cf = paude_path_join(ctx, "Containerfile");
	char *l_hash = NULL, *secret = NULL;
	assert_true(asprintf(&l_hash, "--label=paude.io/image-hash=%s", hash) > 0);
	assert_true(asprintf(&secret, "--secret=id=paude-ca,src=%s", ca) > 0);
	assert_call(&f, 3,
		    FAKE_ARGV("podman", "build", "--pull=never", "-f", cf, "-t", tag,
			      "--label=paude.io/image=paude", l_hash,
			      "--label=paude.io/version=" PAUDE_VERSION, arg_base,
			      "--build-arg=CLAUDE_CODE_VERSION=2.0.0", secret, ctx));
	/* A build that succeeded left no working container: nothing to look for. */
	assert_untag_at(&f, 4, alias);
	assert_int_equal(fake_runner_find(&f, "podman ps"), -1);
	assert_false(paude_exists(ctx));
	assert_tmp_empty();
	char *want_ev = NULL;
	assert_true(asprintf(&want_ev, "build %s; built %s", tag, tag) > 0);
	assert_string_equal(ev.log, want_ev);
	fake_runner_release(&f);
	free(want_ev);
	free(l_hash);
	free(secret);
	free(alias);
	free(arg_base);
	free(cf);
	free(ctx);
	free(ref);
	free(tag);
	free(ca);
}

static void
test_rebuild_skips_the_tag_check_and_no_ca_means_no_secret(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/b:1", .rebuild = true, .ca_bundle = "" };
	char *tag = agent_tag(&o);
	/* The tag's image is the same before and after (a fake build changes
	 * nothing): nothing to remove. */
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "inspect"), .out = "sha256:0123\n" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_int_equal(f.calls.nr, 6);
	assert_call(&f, 0, FAKE_ARGV("podman", "image", "inspect", "--format", "{{.Id}}", tag));
	assert_call(&f, 1, FAKE_ARGV("podman", "image", "exists", "localhost/b:1"));
	free(base_alias_at(&f, 2, "localhost/b:1"));
	assert_true(
	    !strncmp(fake_runner_call(&f, 3), "podman build --pull=never --no-cache -f ", 40));
	assert_null(strstr(fake_runner_call(&f, 3), "--secret"));
	assert_call(&f, 5, FAKE_ARGV("podman", "image", "inspect", "--format", "{{.Id}}", tag));
	assert_int_equal(fake_runner_find(&f, "podman rmi"), -1);
	fake_runner_release(&f);
	free(ref);

	/* No image under the tag before: nothing to remove either. */
	const struct fake_reply missing[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "inspect"),
		  .status = 125,
		  .errout = "Error: no such image\n" },
	};
	fake_runner_init(&f, missing, ARRAY_SIZE(missing));
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_int_equal(f.calls.nr, 5);
	assert_int_equal(fake_runner_find(&f, "podman rmi"), -1);
	fake_runner_release(&f);
	free(ref);
	free(tag);
}

static void
test_missing_ca_bundle_file_is_an_error(void **state)
{
	(void)state;
	char *ca = scratch_path("nope.crt");
	struct paude_image_opts o = { .base = "localhost/b:1", .rebuild = true, .ca_bundle = ca };
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	char *ref = NULL;
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, &err), PAUDE_ENOTFOUND);
	assert_non_null(strstr(err->msg, "CA bundle '"));
	assert_null(ref);
	assert_int_equal(fake_runner_find(&f, "podman build"), -1);
	assert_tmp_empty();
	paude_error_free(err);
	fake_runner_release(&f);
	free(ca);
}

static void
test_base_is_pulled_when_missing(void **state)
{
	(void)state;
	struct events ev = { "" };
	struct paude_image_opts o = { .ca_bundle = "", .notify = record_event, .notify_ctx = &ev };
	char *tag = agent_tag(&o);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "pull"), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_int_equal(f.calls.nr, 6);
	assert_call(&f, 0, FAKE_ARGV("podman", "image", "exists", tag));
	assert_call(&f, 1, FAKE_ARGV("podman", "image", "exists", PAUDE_IMAGE_DEFAULT_BASE));
	assert_call(&f, 2, FAKE_ARGV("podman", "pull", PAUDE_IMAGE_DEFAULT_BASE));
	char *alias = base_alias_at(&f, 3, PAUDE_IMAGE_DEFAULT_BASE);
	char *arg = NULL;
	assert_true(asprintf(&arg, " --build-arg=BASE_IMAGE=%s ", alias) > 0);
	assert_non_null(strstr(fake_runner_call(&f, 4), arg));
	assert_untag_at(&f, 5, alias);
	free(arg);
	free(alias);
	assert_true(!strncmp(ev.log, "pull " PAUDE_IMAGE_DEFAULT_BASE "; build ", 20));
	fake_runner_release(&f);
	free(ref);
	free(tag);
}

/* A stand-in debootstrap on PATH: the fake runner runs nothing, but paude
 * looks the program up before it gets that far. */
static char *
fake_debootstrap(void)
{
	write_text("bin/debootstrap", "#!/bin/sh\nexit 1\n", 0755);
	char *bin = scratch_path("bin");
	char *path = NULL;
	assert_true(asprintf(&path, "%s:%s", bin, getenv("PATH")) > 0);
	setenv("PATH", path, 1);
	free(path);
	free(bin);
	return scratch_path("bin/debootstrap");
}

static void
test_unpullable_default_base_falls_back_to_debootstrap(void **state)
{
	(void)state;
	paude_image__test_euid = 0; /* root: debootstrap */
	char *saved_path = strdup(getenv("PATH"));
	char *deboot = fake_debootstrap();
	struct events ev = { "" };
	struct paude_image_opts o = { .ca_bundle = "",
				      .mirror = "http://mirror.test/debian",
				      .notify = record_event,
				      .notify_ctx = &ev };
	char *tag = agent_tag(&o);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "pull"),
		  .errout = "Trying to pull docker.io/library/debian:bookworm-slim...\n"
			    "Error: initializing source: no such host\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_string_equal(ref, tag);

	size_t i = 0;
	assert_call(&f, i++, FAKE_ARGV("podman", "image", "exists", tag));
	assert_call(&f, i++, FAKE_ARGV("podman", "image", "exists", PAUDE_IMAGE_DEFAULT_BASE));
	assert_call(&f, i++, FAKE_ARGV("podman", "pull", PAUDE_IMAGE_DEFAULT_BASE));
	assert_call(&f, i++, FAKE_ARGV("podman", "image", "exists", PAUDE_IMAGE_FALLBACK_BASE));
	/* debootstrap DIR/rootfs, where DIR is a fresh directory in TMPDIR */
	const char *call = fake_runner_call(&f, i);
	assert_non_null(call);
	char *tmp = scratch_path("tmp/paude-build-");
	const char *p = strstr(call, tmp);
	assert_non_null(p);
	char *rootfs = NULL;
	assert_true(asprintf(&rootfs, "%.*s/rootfs", (int)(strlen(tmp) + 6), p) > 0);
	assert_call(&f, i++,
		    FAKE_ARGV(deboot, "--variant=minbase", "bookworm", rootfs,
			      "http://mirror.test/debian"));
	assert_call(&f, i++, FAKE_ARGV("tar", "-C", rootfs, "-c", "."));
	assert_call(&f, i++, FAKE_ARGV("podman", "import", "-", PAUDE_IMAGE_FALLBACK_BASE));
	assert_call(&f, i++, FAKE_ARGV("rm", "-rf", "--", rootfs));
	char *alias = base_alias_at(&f, i++, PAUDE_IMAGE_FALLBACK_BASE);
	char *arg = NULL;
	assert_true(asprintf(&arg, " --build-arg=BASE_IMAGE=%s ", alias) > 0);
	assert_non_null(strstr(fake_runner_call(&f, i++), arg));
	assert_untag_at(&f, i++, alias);
	assert_int_equal(f.calls.nr, i);
	free(arg);
	free(alias);
	char *want = NULL;
	assert_true(asprintf(&want,
			     "pull " PAUDE_IMAGE_DEFAULT_BASE
			     "; bootstrap " PAUDE_IMAGE_FALLBACK_BASE "; build %s; built %s",
			     tag, tag) > 0);
	assert_string_equal(ev.log, want);
	assert_tmp_empty();

	paude_image__test_euid = -1;
	setenv("PATH", saved_path, 1);
	fake_runner_release(&f);
	free(want);
	free(rootfs);
	free(tmp);
	free(ref);
	free(tag);
	free(deboot);
	free(saved_path);
}

/* A stand-in mmdebstrap on PATH, as fake_debootstrap. */
static char *
fake_mmdebstrap(void)
{
	write_text("bin/mmdebstrap", "#!/bin/sh\nexit 1\n", 0755);
	char *bin = scratch_path("bin");
	char *path = NULL;
	assert_true(asprintf(&path, "%s:%s", bin, getenv("PATH")) > 0);
	setenv("PATH", path, 1);
	free(path);
	free(bin);
	return scratch_path("bin/mmdebstrap");
}

static void
test_not_root_builds_the_fallback_with_mmdebstrap_unshare(void **state)
{
	(void)state;
	paude_image__test_euid = 1000;
	char *saved_path = strdup(getenv("PATH"));
	char *mm = fake_mmdebstrap();
	struct events ev = { "" };
	struct paude_image_opts o = { .mirror = "http://mirror.test/debian",
				      .notify = record_event,
				      .notify_ctx = &ev };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	bool fallback = false;
	assert_int_equal(paude_image_base_ensure(&f.runner, PAUDE_IMAGE_FALLBACK_BASE, &o, &ref,
						 &fallback, NULL),
			 0);
	assert_string_equal(ref, PAUDE_IMAGE_FALLBACK_BASE);
	assert_int_equal(f.calls.nr, 3);
	assert_call(&f, 0, FAKE_ARGV("podman", "image", "exists", PAUDE_IMAGE_FALLBACK_BASE));
	/* No root, no tree on disk: the tarball goes straight into podman. */
	assert_call(&f, 1,
		    FAKE_ARGV(mm, "--mode=unshare", "--variant=minbase", "--format=tar", "bookworm",
			      "-", "http://mirror.test/debian"));
	assert_call(&f, 2, FAKE_ARGV("podman", "import", "-", PAUDE_IMAGE_FALLBACK_BASE));
	assert_string_equal(ev.log, "bootstrap-unshare " PAUDE_IMAGE_FALLBACK_BASE);
	assert_tmp_empty();
	fake_runner_release(&f);
	free(ref);

	/* Without mmdebstrap: a clear error naming the package, nothing run. */
	setenv("PATH", saved_path, 1);
	setenv("PATH", "/nonexistent", 1);
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	ref = NULL;
	assert_int_equal(paude_image_base_ensure(&f.runner, PAUDE_IMAGE_FALLBACK_BASE, &o, &ref,
						 &fallback, &err),
			 PAUDE_ENOTFOUND);
	assert_non_null(strstr(err->msg, "as a normal user: 'mmdebstrap' not found"));
	assert_int_equal(f.calls.nr, 1);
	assert_null(ref);
	paude_error_free(err);
	fake_runner_release(&f);

	paude_image__test_euid = -1;
	setenv("PATH", saved_path, 1);
	free(mm);
	free(saved_path);
}

static void
test_failed_mmdebstrap_keeps_no_half_image(void **state)
{
	(void)state;
	paude_image__test_euid = 1000;
	char *saved_path = strdup(getenv("PATH"));
	char *mm = fake_mmdebstrap();
	/* mmdebstrap fails half way; podman imports the cut-short tarball. */
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV(mm), .errout = "E: mirror unreachable\n", .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_image_opts o = { .ca_bundle = "" };
	char *ref = NULL;
	bool fallback = false;
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_base_ensure(&f.runner, PAUDE_IMAGE_FALLBACK_BASE, &o, &ref,
						 &fallback, &err),
			 PAUDE_ECHILD);
	assert_non_null(strstr(err->msg, "cannot build the base image with mmdebstrap"));
	assert_call(&f, 3, FAKE_ARGV("podman", "image", "rm", PAUDE_IMAGE_FALLBACK_BASE));
	assert_int_equal(f.calls.nr, 4);
	assert_null(ref);
	paude_error_free(err);
	fake_runner_release(&f);
	paude_image__test_euid = -1;
	setenv("PATH", saved_path, 1);
	free(mm);
	free(saved_path);
}

/* An interrupted or failed build leaves its buildah working container
 * mounted: the build's own ones go, anyone else's stay. */
static void
test_failed_build_removes_its_working_containers(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/b:1", .ca_bundle = "" };
	char *tag = agent_tag(&o);
	/* The alias this build will use: the counter is per process. */
	struct fake_runner probe;
	const struct fake_reply ok[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", tag), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 0 },
	};
	fake_runner_init(&probe, ok, ARRAY_SIZE(ok));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&probe.runner, &o, &ref, NULL), 0);
	char *prev = base_alias_at(&probe, 2, "localhost/b:1");
	fake_runner_release(&probe);
	free(ref);
	ref = NULL;
	/* localhost/paude-from-PID-N:base -> the next one, N+1 */
	char *colon = strrchr(prev, ':');
	*colon = '\0';
	char *dash = strrchr(prev, '-');
	unsigned n = (unsigned)strtoul(dash + 1, NULL, 10) + 1;
	*dash = '\0';
	const char *stem = strrchr(prev, '/') + 1;
	char *ps = NULL;
	assert_true(asprintf(&ps,
			     "aaa1 %1$s-%2$u-working-container\n"
			     "bbb2 b-working-container\n"
			     "ccc3 %1$s-%2$u-working-container-1\n"
			     "ddd4 %1$s-%2$u0-working-container\n",
			     stem, n) > 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", tag), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "build"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = ps },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, &err), PAUDE_ECHILD);
	char *alias = base_alias_at(&f, 2, "localhost/b:1");
	assert_true(!strncmp(fake_runner_call(&f, 3), "podman build ", 13));
	assert_call(
	    &f, 4,
	    FAKE_ARGV("podman", "ps", "--all", "--external", "--format", "{{.ID}} {{.Names}}"));
	assert_call(&f, 5, FAKE_ARGV("podman", "rm", "--force", "aaa1"));
	assert_call(&f, 6, FAKE_ARGV("podman", "rm", "--force", "ccc3"));
	assert_untag_at(&f, 7, alias);
	assert_int_equal(f.calls.nr, 8);
	assert_null(ref);
	paude_error_free(err);
	fake_runner_release(&f);
	free(alias);
	free(ps);
	free(prev);
	free(tag);
}

static void
test_existing_fallback_base_is_reused(void **state)
{
	(void)state;
	struct paude_image_opts o = { .ca_bundle = "" };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", PAUDE_IMAGE_FALLBACK_BASE),
		  .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "pull"), .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_int_equal(f.calls.nr, 7);
	assert_call(&f, 3, FAKE_ARGV("podman", "image", "exists", PAUDE_IMAGE_FALLBACK_BASE));
	char *alias = base_alias_at(&f, 4, PAUDE_IMAGE_FALLBACK_BASE);
	assert_non_null(strstr(fake_runner_call(&f, 5), alias));
	free(alias);
	fake_runner_release(&f);
	free(ref);
}

static void
test_missing_fallback_base_is_bootstrapped_without_pulling(void **state)
{
	(void)state;
	char *saved_path = strdup(getenv("PATH"));
	char *deboot = fake_debootstrap();
	char *ref = NULL;
	bool fallback = false;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(paude_image_base_ensure(&f.runner, PAUDE_IMAGE_FALLBACK_BASE, NULL, &ref,
						 &fallback, NULL),
			 0);
	assert_string_equal(ref, PAUDE_IMAGE_FALLBACK_BASE);
	assert_true(fallback);
	assert_int_equal(fake_runner_find(&f, "podman pull"), -1);
	assert_true(fake_runner_find(&f, "podman import - " PAUDE_IMAGE_FALLBACK_BASE) > 0);
	setenv("PATH", saved_path, 1);
	fake_runner_release(&f);
	free(ref);
	free(deboot);
	free(saved_path);
}

static void
test_fallback_name_is_configurable(void **state)
{
	(void)state;
	char *saved_path = strdup(getenv("PATH"));
	char *deboot = fake_debootstrap();
	const struct paude_image_opts named = { .fallback_base = "localhost/t-base:1" };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "pull"), .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	bool fallback = false;
	assert_int_equal(paude_image_base_ensure(&f.runner, PAUDE_IMAGE_DEFAULT_BASE, &named, &ref,
						 &fallback, NULL),
			 0);
	assert_string_equal(ref, "localhost/t-base:1");
	assert_true(fallback);
	assert_call(&f, 2, FAKE_ARGV("podman", "image", "exists", "localhost/t-base:1"));
	assert_true(fake_runner_find(&f, "podman import - localhost/t-base:1") > 0);
	free(ref);
	fake_runner_release(&f);

	/* Present and asked for by name: used as it is, and it is the fallback. */
	const struct fake_reply present[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 0 },
	};
	fake_runner_init(&f, present, ARRAY_SIZE(present));
	struct paude_image_opts o = { .fallback_base = "localhost/t-other:2" };
	assert_int_equal(
	    paude_image_base_ensure(&f.runner, "localhost/t-other:2", &o, &ref, &fallback, NULL),
	    0);
	assert_true(fallback);
	assert_int_equal(f.calls.nr, 1);
	free(ref);
	fake_runner_release(&f);
	setenv("PATH", saved_path, 1);
	free(deboot);
	free(saved_path);
}

static void
test_unpullable_custom_base_is_an_error(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "registry.example/team/base:1", .ca_bundle = "" };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "pull"),
		  .errout = "Trying to pull...\nError: no such host\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, &err), PAUDE_ECHILD);
	assert_string_equal(err->msg,
			    "cannot pull base image 'registry.example/team/base:1': Error: no such "
			    "host (set PAUDE_BASE_IMAGE to an image available locally)");
	assert_int_equal(f.calls.nr, 3);
	assert_int_equal(fake_runner_find(&f, "podman build"), -1);
	paude_error_free(err);
	fake_runner_release(&f);
}

static void
test_failed_build_reports_the_log_tail(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/b:1", .ca_bundle = "" };
	char *tag = agent_tag(&o);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", "localhost/b:1"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "build"),
		  .out = "STEP 1/12: FROM localhost/b:1\nSTEP 4/12: RUN npm install\n"
			 "npm ERR! code SELF_SIGNED_CERT_IN_CHAIN\n"
			 "Error: building at STEP \"RUN npm install\": exit status 1\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, &err), PAUDE_ECHILD);
	assert_null(ref);
	assert_int_equal(err->child_status, 1);
	/* One log per image: its name carries the tag's hash. */
	char *rel = NULL;
	char *t2 = NULL;
	assert_int_equal(paude_image_agent_tag(&o, &t2, NULL), 0);
	const char *colon = strrchr(t2, ':');
	assert_true(asprintf(&rel, "cache/paude/logs/build-paude-%s.log", colon + 1) > 0);
	free(t2);
	char *log = scratch_path(rel);
	free(rel);
	char *want = NULL;
	assert_true(asprintf(&want,
			     "cannot build image '%s': podman build exited with status 1 (full "
			     "log: %s)\nSTEP 1/12: FROM localhost/b:1\nSTEP 4/12: RUN npm install\n"
			     "npm ERR! code SELF_SIGNED_CERT_IN_CHAIN\n"
			     "Error: building at STEP \"RUN npm install\": exit status 1",
			     tag, log) > 0);
	assert_string_equal(err->msg, want);
	assert_true(paude_is_file(log));
	assert_tmp_empty();
	paude_error_free(err);
	fake_runner_release(&f);
	free(want);
	free(log);
	free(tag);
}

static void
test_podman_missing_is_not_found(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/b:1" };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman"), .start_errno = ENOENT },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "'podman' not found (is it installed and on PATH?)");
	paude_error_free(err);
	fake_runner_release(&f);
}

static void
test_broken_podman_is_an_error_not_a_missing_image(void **state)
{
	(void)state;
	struct paude_image_opts o = { .base = "localhost/b:1" };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"),
		  .errout = "Error: cannot connect to the storage\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	struct paude_error *err = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, &err), PAUDE_ECHILD);
	assert_string_equal(err->msg,
			    "podman image: exit 125: Error: cannot connect to the storage");
	assert_int_equal(f.calls.nr, 1);
	paude_error_free(err);
	fake_runner_release(&f);
}

static void
test_generic_dir_builds_with_its_own_repo_and_args(void **state)
{
	(void)state;
	write_text("c/proxy/Containerfile", "ARG BASE_IMAGE=x\nFROM ${BASE_IMAGE}\nARG SQUID=1\n",
		   0644);
	char *root = scratch_path("c");
	struct paude_image_opts o = { .containers_dir = root,
				      .base = "localhost/b:1",
				      .ca_bundle = "" };
	struct paude_image_arg args[] = { { "SQUID", "5.7" } };
	struct paude_image_target t = { "proxy", "localhost/paude-proxy", args, 1 };
	char *tag = NULL;
	assert_int_equal(paude_image_tag(&t, &o, &tag, NULL, NULL), 0);
	assert_true(!strncmp(tag, "localhost/paude-proxy:", 22));
	char *r = NULL;
	assert_int_equal(paude_image_recipe_dir(&t, &o, &r, NULL), 0);
	assert_non_null(strstr(r, "\nARG SQUID=5.7\n"));
	free(r);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", tag), .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_build_dir(&f.runner, &t, &o, &ref, NULL), 0);
	assert_string_equal(ref, tag);
	const char *b = fake_runner_call(&f, 3);
	assert_non_null(strstr(b, " --label=paude.io/image=proxy "));
	assert_non_null(strstr(b, " --build-arg=SQUID=5.7 "));
	fake_runner_release(&f);
	free(ref);
	free(tag);
	free(root);
}

/* --- build progress and logs --- */

static void
test_parse_step_reads_podman_step_lines(void **state)
{
	(void)state;
	struct paude_image_progress p = { 0 };
	size_t wl = 0;
	const char l1[] = "STEP 3/9: RUN apt-get update";
	assert_true(paude_image_parse_step(l1, strlen(l1), &p, &wl));
	assert_int_equal(p.step, 3);
	assert_int_equal(p.steps, 9);
	assert_int_equal(p.stages, 0);
	assert_int_equal(wl, strlen("RUN apt-get update"));
	assert_memory_equal(p.what, "RUN apt-get update", wl);
	const char l2[] = "[2/2] STEP 1/4: FROM localhost/b:1";
	assert_true(paude_image_parse_step(l2, strlen(l2), &p, &wl));
	assert_int_equal(p.stage, 2);
	assert_int_equal(p.stages, 2);
	assert_int_equal(p.step, 1);
	assert_int_equal(p.steps, 4);
	assert_memory_equal(p.what, "FROM localhost/b:1", wl);
	static const char *const no[] = {
		"Error: building at STEP \"RUN x\": exit status 1",
		"STEP 1/2",
		"STEP 3/2: RUN x",
		"STEP 0/2: RUN x",
		"STEP a/2: RUN x",
		"[1/2 STEP 1/2: RUN x",
		" STEP 1/2: RUN x",
		"STEP 1234567/9999999: RUN x",
		"--> 1d2c3b4a",
		"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		struct paude_image_progress q = { .step = 77 };
		if (paude_image_parse_step(no[i], strlen(no[i]), &q, &wl))
			fail_msg("taken for a step: '%s'", no[i]);
		assert_int_equal(q.step, 77);
	}
}

struct seen {
	char steps[512];
	int done;
	long long last_elapsed;
};

static void
record_progress(void *ctx, const struct paude_image_progress *p)
{
	struct seen *s = ctx;
	if (p->done) {
		s->done++;
		return;
	}
	char one[128];
	snprintf(one, sizeof(one), "%u/%u %u/%u %s|", p->stage, p->stages, p->step, p->steps,
		 p->what);
	/* Ticks repeat a step: record each one once. */
	size_t n = strlen(s->steps), k = strlen(one);
	if (n < k || strcmp(s->steps + n - k, one) != 0)
		snprintf(s->steps + n, sizeof(s->steps) - n, "%s", one);
	s->last_elapsed = p->elapsed;
}

static void
test_build_reports_its_steps_and_logs_per_image(void **state)
{
	(void)state;
	struct events ev = { "", "" };
	struct seen seen = { "", 0, -1 };
	struct paude_image_opts o = { .base = "localhost/b:1",
				      .ca_bundle = "",
				      .notify = record_event,
				      .notify_ctx = &ev,
				      .progress = record_progress,
				      .progress_ctx = &seen };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", "localhost/b:1"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "build"),
		  .out = "[1/2] STEP 1/2: FROM localhost/b:1 AS gw\n"
			 "[1/2] STEP 2/2: RUN cc -o gw gw.c\n"
			 "--> 0123abcd\n"
			 "[2/2] STEP 1/3: FROM localhost/b:1\n"
			 "[2/2] STEP 3/3: COPY --from=gw /gw /gw\n"
			 "Successfully tagged x\n",
		  .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	assert_string_equal(seen.steps, "1/2 1/2 FROM localhost/b:1 AS gw|"
					"1/2 2/2 RUN cc -o gw gw.c|2/2 1/3 FROM localhost/b:1|"
					"2/2 3/3 COPY --from=gw /gw /gw|");
	assert_int_equal(seen.done, 1);
	assert_true(seen.last_elapsed >= 0);
	/* The log is the image's own and holds the whole output. */
	char *hash = strrchr(ref, ':');
	assert_non_null(hash);
	char *want = NULL;
	assert_true(asprintf(&want, "cache/paude/logs/build-paude-%s.log", hash + 1) > 0);
	char *log = scratch_path(want);
	assert_string_equal(ev.build_log, log);
	struct paude_buf text = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&text, log, NULL), 0);
	assert_non_null(strstr(text.buf, "[2/2] STEP 3/3: COPY --from=gw /gw /gw\nSuccessfully"));
	paude_buf_release(&text);

	/* Another image: another log. */
	struct paude_image_opts o2 = o;
	o2.agent_version = "9.9.9";
	char *ref2 = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o2, &ref2, NULL), 0);
	assert_string_not_equal(ref2, ref);
	assert_string_not_equal(ev.build_log, log);
	assert_true(paude_is_file(ev.build_log));
	assert_true(paude_is_file(log));
	fake_runner_release(&f);
	free(ref2);
	free(log);
	free(want);
	free(ref);
}

static void
test_a_log_in_use_by_another_build_is_left_alone(void **state)
{
	(void)state;
	struct events ev = { "", "" };
	struct paude_image_opts o = {
		.base = "localhost/b:1", .ca_bundle = "", .notify = record_event, .notify_ctx = &ev
	};
	char *tag = NULL;
	assert_int_equal(paude_image_agent_tag(&o, &tag, NULL), 0);
	char *rel = NULL;
	assert_true(asprintf(&rel, "cache/paude/logs/build-paude-%s.log", strchr(tag, ':') + 1) >
		    0);
	free(tag);
	write_text(rel, "the other build's output\n", 0600);
	char *busy = scratch_path(rel);
	free(rel);
	/* Another build of the same image holds its log. */
	int fd = open(busy, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", "localhost/b:1"), .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "build"), .out = "STEP 1/1: FROM b\n" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	assert_int_equal(paude_image_ensure(&f.runner, &o, &ref, NULL), 0);
	char *want = NULL;
	assert_true(asprintf(&want, "%.*s-2.log", (int)(strlen(busy) - 4), busy) > 0);
	assert_string_equal(ev.build_log, want);
	struct paude_buf text = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&text, busy, NULL), 0);
	assert_string_equal(text.buf, "the other build's output\n");
	paude_buf_release(&text);
	close(fd);
	fake_runner_release(&f);
	free(want);
	free(busy);
	free(ref);
}

static void
test_an_existing_fallback_base_is_not_announced_as_pulled(void **state)
{
	(void)state;
	struct events ev = { "", "" };
	struct paude_image_opts o = { .ca_bundle = "", .notify = record_event, .notify_ctx = &ev };
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists", PAUDE_IMAGE_FALLBACK_BASE),
		  .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "pull"),
		  .errout = "Error: no such host\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	char *ref = NULL;
	bool fb = false;
	assert_int_equal(
	    paude_image_base_ensure(&f.runner, PAUDE_IMAGE_DEFAULT_BASE, &o, &ref, &fb, NULL), 0);
	assert_true(fb);
	assert_string_equal(ev.log, "pull " PAUDE_IMAGE_DEFAULT_BASE
				    "; fallback " PAUDE_IMAGE_FALLBACK_BASE);
	fake_runner_release(&f);
	free(ref);

	/* A pull that works says so once it has. */
	struct events ev2 = { "", "" };
	o.notify_ctx = &ev2;
	const struct fake_reply ok[] = {
		{ .prefix = FAKE_ARGV("podman", "image", "exists"), .status = 1 },
	};
	fake_runner_init(&f, ok, ARRAY_SIZE(ok));
	ref = NULL;
	assert_int_equal(
	    paude_image_base_ensure(&f.runner, PAUDE_IMAGE_DEFAULT_BASE, &o, &ref, &fb, NULL), 0);
	assert_false(fb);
	assert_string_equal(ev2.log,
			    "pull " PAUDE_IMAGE_DEFAULT_BASE "; pulled " PAUDE_IMAGE_DEFAULT_BASE);
	fake_runner_release(&f);
	free(ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_embedded_files_match_the_source_tree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_agent_files_have_scripts_executable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recipe_substitutes_base_and_version, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recipe_defaults_come_from_the_options, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_containers_dir_override_is_used_and_filtered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_containers_dir_without_containerfile_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_is_stable_and_each_input_changes_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_fields_cannot_run_into_each_other, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_tag_follows_base_and_version_but_not_the_ca_bundle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_base_and_version_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ca_bundle_detection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_tag_is_returned_without_building,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_tag_builds_on_present_base, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_rebuild_skips_the_tag_check_and_no_ca_means_no_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_ca_bundle_file_is_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_base_is_pulled_when_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unpullable_default_base_falls_back_to_debootstrap, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_not_root_builds_the_fallback_with_mmdebstrap_unshare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_mmdebstrap_keeps_no_half_image, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_build_removes_its_working_containers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_fallback_base_is_reused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_missing_fallback_base_is_bootstrapped_without_pulling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_name_is_configurable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unpullable_custom_base_is_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_build_reports_the_log_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_podman_missing_is_not_found, setup, teardown),
		cmocka_unit_test(test_parse_step_reads_podman_step_lines),
		cmocka_unit_test_setup_teardown(test_build_reports_its_steps_and_logs_per_image,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_log_in_use_by_another_build_is_left_alone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_existing_fallback_base_is_not_announced_as_pulled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_podman_is_an_error_not_a_missing_image,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_generic_dir_builds_with_its_own_repo_and_args,
						setup, teardown),
	};
	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
