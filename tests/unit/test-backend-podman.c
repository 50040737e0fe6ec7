/* SPDX-License-Identifier: MIT */
/* The podman backend, through the fake runner: exact argv, errors, parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/backend/backend.h"
#include "paude/backend/podman.h"
#include "paude/backend/podman-diag.h"
#include "paude/core/signal.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fake-runner.h"
#include "paude/core/fs.h"

#define PS_PREFIX FAKE_ARGV("podman", "ps")

static char *
read_data(const char *name)
{
	struct paude_buf b = PAUDE_BUF_INIT;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
	assert_int_equal(paude_buf_read_file(&b, path, NULL), 0);
	return paude_buf_detach(&b);
}

static struct paude_backend *
open_podman(struct fake_runner *f)
{
	struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &f->runner, NULL), 0);
	return b;
}

static void
make_spec(struct paude_session_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	paude_session_init(&spec->meta);
	paude_strvec_init(&spec->env);
	spec->meta.name = strdup("demo");
	spec->meta.workspace = strdup("/home/u/demo");
	spec->meta.created = strdup("2026-11-27T10:00:00Z");
	spec->meta.image = strdup("localhost/paude-agent:abc");
	spec->meta.agent = strdup("claude");
	spec->meta.yolo = true;
	paude_strvec_pushl(&spec->meta.agent_args, "-p", "explain this code", NULL);
	paude_strvec_push(&spec->meta.allowed_domains, "default");
	paude_strvec_push(&spec->env, "CLAUDE_CODE_USE_VERTEX=1");
	spec->meta.memory = 8ull << 30;
	spec->meta.cpus_milli = 1500;
	/* A fixed path keeps the argv exact (the backend writes one otherwise). */
	spec->seccomp_profile = "/run/paude-test/seccomp.json";
}

static void
test_create_runs_exact_podman_commands(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	spec.proxy_image = "localhost/paude-proxy:abc";
	spec.proxy_network = "egress-net"; /* given by cmd/, never read from the environment */
	setenv("PAUDE_PROXY_NETWORK", "from-the-environment", 1);
	struct paude_mount m = { "/home/u/.gitconfig", "/home/paude/.gitconfig", true };
	spec.mounts = &m;
	spec.n_mounts = 1;

	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), 0);
	assert_null(err);
	assert_int_equal(f.calls.nr, 7);
	assert_string_equal(fake_runner_call(&f, 0), "podman container exists paude-demo");
	assert_string_equal(fake_runner_call(&f, 1), "podman volume exists paude-demo-workspace");
	assert_string_equal(fake_runner_call(&f, 2),
			    "podman volume create --label app=paude --label "
			    "paude.io/session-name=demo paude-demo-workspace");
	/* The network and its proxy (their argv: test-net-podman.c), then the agent on it. */
	assert_string_equal(fake_runner_call(&f, 3), "podman network ls --format json");
	assert_string_equal(fake_runner_call(&f, 4),
			    "podman network create --internal --disable-dns --subnet 10.98.0.0/24 "
			    "--label app=paude --label paude.io/session-name=demo paude-net-demo");
	assert_int_equal(
	    strncmp(fake_runner_call(&f, 5), "podman create --name paude-proxy-demo ", 38), 0);
	assert_non_null(strstr(fake_runner_call(&f, 5), " -- localhost/paude-proxy:abc"));
	assert_non_null(strstr(fake_runner_call(&f, 5), " --network egress-net "));
	assert_null(strstr(fake_runner_call(&f, 5), "from-the-environment"));
	unsetenv("PAUDE_PROXY_NETWORK");
	assert_non_null(strstr(fake_runner_call(&f, 5),
			       " --userns=auto --security-opt=seccomp=/run/paude-test/seccomp.json "
			       "--read-only "));
	/* The values went in a private file (mode 0600, gone afterwards), not in argv. */
	const char *call = fake_runner_call(&f, 6);
	const char *ef = strstr(call, " --env-file=");
	assert_non_null(ef);
	size_t eflen = strcspn(ef + 12, " ");
	char envpath[256];
	assert_true(eflen < sizeof(envpath));
	memcpy(envpath, ef + 12, eflen);
	envpath[eflen] = '\0';
	assert_non_null(strstr(envpath, "/paude-env-"));
	assert_int_equal(f.env_files.nr, 1);
	assert_string_equal(f.env_files.v[0], "mode 600\nCLAUDE_CODE_USE_VERTEX=1\n");
	assert_int_equal(access(envpath, F_OK), -1);
	*strrchr(envpath, '/') = '\0';
	assert_int_equal(access(envpath, F_OK), -1);
	for (size_t i = 0; i < f.calls.nr; i++)
		assert_null(strstr(fake_runner_call(&f, i), "CLAUDE_CODE_USE_VERTEX"));
	_cleanup_free_ char *normal = paude_xasprintf("%.*s--env-file=ENVFILE%s",
						      (int)(ef + 1 - call), call, ef + 12 + eflen);
	assert_string_equal(
	    normal,
	    "podman create --pull=never --name paude-demo --hostname demo --label app=paude "
	    "--label "
	    "paude.io/session-name=demo --label paude.io/workspace=/home/u/demo --label "
	    "paude.io/created=2026-11-27T10:00:00Z --label "
	    "paude.io/image=localhost/paude-agent:abc --label paude.io/agent=claude --label "
	    "paude.io/yolo=true --label 'paude.io/agent-args=[\"-p\",\"explain this code\"]' "
	    "--label 'paude.io/allowed-domains=[\"default\"]' --label "
	    "paude.io/version=" PAUDE_VERSION
	    " --label paude.io/workspace-mode=volume --label paude.io/memory=8g --label "
	    "paude.io/cpus=1.5 --label paude.io/role=agent --init --userns=auto --user "
	    "1000:0 --cap-drop=ALL "
	    "--security-opt=no-new-privileges --pids-limit=2048 "
	    "--security-opt=seccomp=/run/paude-test/seccomp.json --memory=8g --memory-swap=8g "
	    "--cpus=1.5 "
	    "--sysctl=net.ipv6.conf.all.disable_ipv6=1 "
	    "--sysctl=net.ipv6.conf.default.disable_ipv6=1 "
	    "'--sysctl=net.ipv4.ping_group_range=1 0' "
	    "--volume=paude-demo-workspace:/pvc --workdir /pvc/workspace "
	    "--mount=type=bind,source=/home/u/.gitconfig,target=/home/paude/.gitconfig,"
	    "readonly=true --env-file=ENVFILE --network paude-net-demo --add-host "
	    "paude-proxy:10.98.0.10 --env HTTP_PROXY=http://paude-proxy:3128 --env "
	    "HTTPS_PROXY=http://paude-proxy:3128 --env http_proxy=http://paude-proxy:3128 --env "
	    "https_proxy=http://paude-proxy:3128 --env "
	    "NO_PROXY=localhost,127.0.0.1,::1,paude-proxy --env "
	    "no_proxy=localhost,127.0.0.1,::1,paude-proxy localhost/paude-agent:abc claude "
	    "--dangerously-skip-permissions -p 'explain this code'");
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_refuses_env_an_env_file_cannot_carry_before_creating_anything(void **state)
{
	(void)state;
	const char *const bad[] = { "CR=a\rb", "NOVALUE", "=x", "#C=1", "A B=1" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct fake_reply replies[] = {
			{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
			{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		};
		struct fake_runner f;
		fake_runner_init(&f, replies, ARRAY_SIZE(replies));
		struct paude_backend *b = open_podman(&f);
		struct paude_session_spec spec;
		make_spec(&spec);
		spec.proxy_image = "localhost/paude-proxy:abc";
		paude_strvec_push(&spec.env, bad[i]);
		struct paude_error *err = NULL;
		assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "cannot be passed to the session"));
		assert_int_equal(f.calls.nr, 2); /* the two existence checks only */
		paude_error_free(err);
		paude_session_spec_release(&spec);
		paude_backend_free(b);
		fake_runner_release(&f);
	}
}

static void
test_create_refuses_existing_session(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EEXISTS);
	assert_non_null(strstr(err->msg, "session 'demo' already exists"));
	assert_int_equal(f.calls.nr, 1);
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_refuses_leftover_volume(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EEXISTS);
	assert_non_null(strstr(err->msg, "volume 'paude-demo-workspace' already exists"));
	assert_int_equal(f.calls.nr, 2);
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_disk_sizes_the_volume_and_mounts_it_once(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	spec.proxy_image = "localhost/paude-proxy:abc";
	spec.meta.disk = 20ull << 30;
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), 0);
	assert_string_equal(fake_runner_call(&f, 2),
			    "podman volume create --label app=paude --label "
			    "paude.io/session-name=demo --opt size=20g paude-demo-workspace");
	assert_string_equal(fake_runner_call(&f, 3), "podman volume mount paude-demo-workspace");
	assert_string_equal(fake_runner_call(&f, 4), "podman volume unmount paude-demo-workspace");
	assert_int_equal(f.calls.nr, 9);
	assert_non_null(strstr(fake_runner_call(&f, 8), " --label paude.io/disk=20g "));
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_disk_where_podman_cannot_enforce_it_fails_and_cleans_up(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "mount"),
		  .errout = "Error: mount: wrong fs type, bad option\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	spec.proxy_image = "localhost/paude-proxy:abc";
	spec.meta.disk = 1ull << 30;
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ENOTSUP);
	assert_string_equal(err->msg,
			    "cannot limit the workspace volume to 1g on this host: podman "
			    "enforces volume sizes only when its volume directory is on XFS with "
			    "project quotas (leave out --disk)");
	/* Nothing stays: not the volume, and no network was made. */
	assert_string_equal(fake_runner_call(&f, f.calls.nr - 1),
			    "podman volume rm --force paude-demo-workspace");
	assert_int_equal(fake_runner_find(&f, "podman network create"), -1);
	paude_error_free(err);

	/* Rootless podman has no volume quotas at all: refused before anything runs. */
	fake_runner_release(&f);
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	paude_backend_free(b);
	b = open_podman(&f);
	spec.rootless = true;
	err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ENOTSUP);
	assert_non_null(strstr(err->msg, "rootless podman has no volume size limits"));
	assert_int_equal(f.calls.nr, 0);
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_without_profile_writes_a_private_one_and_removes_it(void **state)
{
	(void)state;
	if (!paude_is_file("/usr/share/containers/seccomp.json") &&
	    !paude_is_file("/etc/containers/seccomp.json"))
		skip();
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	spec.seccomp_profile = NULL;
	paude_strvec_clear(&spec.meta.allowed_domains);
	paude_strvec_push(&spec.meta.allowed_domains, "all");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), 0);
	const char *create = fake_runner_call(&f, 3);
	const char *opt = strstr(create, "--security-opt=seccomp=");
	assert_non_null(opt);
	char path[512];
	size_t n = strcspn(opt + 23, " ");
	assert_true(n < sizeof(path));
	memcpy(path, opt + 23, n);
	path[n] = '\0';
	assert_non_null(strstr(path, "/paude-seccomp-"));
	/* Podman has read it by now; the file is gone. */
	assert_false(paude_exists(path));
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_without_subordinate_ids_says_how_to_add_them(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "create", "--pull=never"),
		  .errout = "Error: creating container storage: cannot find mappings for user "
			    "\"containers\": no subuid ranges found for user \"containers\" in "
			    "/etc/subuid\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	paude_strvec_clear(&spec.meta.allowed_domains);
	paude_strvec_push(&spec.meta.allowed_domains, "all");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ECHILD);
	assert_int_equal(strncmp(err->msg,
				 "rootful sessions need subordinate ids for the user 'containers' "
				 "(run scripts/setup-host.sh, or add ",
				 99),
			 0);
	assert_non_null(strstr(err->msg, "no subuid ranges found"));
	assert_string_equal(fake_runner_call(&f, f.calls.nr - 1),
			    "podman volume rm --force paude-demo-workspace");
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_failure_removes_what_it_made(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
		{ .prefix = FAKE_ARGV("podman", "create", "--pull=never"),
		  .errout = "Error: localhost/nope: image not known\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	spec.proxy_image = "localhost/paude-proxy:abc";
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_ECHILD);
	assert_string_equal(err->msg, "cannot create container 'paude-demo': podman create: exit "
				      "125: Error: localhost/nope: image not known");
	assert_int_equal(err->child_status, 125);
	assert_int_equal(f.calls.nr, 11);
	assert_string_equal(fake_runner_call(&f, 7), "podman rm --force --ignore paude-demo");
	assert_string_equal(
	    fake_runner_call(&f, 8),
	    "podman rm --force --ignore --time 5 paude-proxy-demo paude-proxy-demo-next "
	    "paude-proxy-demo-old");
	assert_string_equal(fake_runner_call(&f, 9), "podman network rm paude-net-demo");
	assert_string_equal(fake_runner_call(&f, 10),
			    "podman volume rm --force paude-demo-workspace");
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_interrupted_removes_what_it_made(void **state)
{
	(void)state;
	paude_signal_install();
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "volume", "create"), .raise_signal = SIGINT },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	free(spec.meta.allowed_domains.v[0]);
	spec.meta.allowed_domains.v[0] = strdup("all");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EINTR);
	assert_string_equal(err->msg, "interrupted by INT");
	assert_int_equal(paude_error_exit_code(PAUDE_EINTR), 130);
	assert_int_equal(fake_runner_find(&f, "podman create"), -1);
	assert_true(fake_runner_find(&f, "podman volume rm --force paude-demo-workspace") >= 0);
	paude_signal_reset();
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_rejects_bad_name_and_comma_paths(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	free(spec.meta.name);
	spec.meta.name = strdup("-rm");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EUSAGE);
	paude_error_clear(&err);
	free(spec.meta.name);
	spec.meta.name = strdup("ok");
	struct paude_mount m = { "/tmp/a,readonly=false,target=/etc", "/x", true };
	spec.mounts = &m;
	spec.n_mounts = 1;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EUSAGE);
	assert_int_equal(f.calls.nr, 0);
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_create_argv_mount_mode_binds_tree_and_shadows_venvs(void **state)
{
	(void)state;
	struct paude_session_spec spec;
	make_spec(&spec);
	spec.meta.workspace_mode = PAUDE_WORKSPACE_MOUNT;
	spec.workspace_uid = 1234;
	paude_strvec_pushl(&spec.meta.venv_shadows, ".venv", "sub dir/env", NULL);
	paude_strvec_pushl(&spec.meta.setup, "sh", "-c", "make deps", NULL);
	struct paude_mount m[] = {
		{ "/home/u/.gitconfig", "/home/paude/.gitconfig", true, false },
		{ "/home/u/demo", "/pvc/workspace", false, true },
	};
	spec.mounts = m;
	spec.n_mounts = 2;
	struct paude_strvec argv = PAUDE_STRVEC_INIT;
	paude_podman_create_argv(&spec, NULL, NULL, &argv);
	assert_true(paude_strvec_find(&argv, "--label") >= 0);
	assert_true(paude_strvec_find(&argv, "paude.io/workspace-mode=mount") >= 0);
	assert_true(paude_strvec_find(&argv, "paude.io/venv-shadows=[\".venv\",\"sub dir/env\"]") >=
		    0);
	assert_true(paude_strvec_find(&argv, "paude.io/setup=[\"sh\",\"-c\",\"make deps\"]") >= 0);
	/* Rootful: the agent runs as the tree's owner, in group 0. */
	long u = paude_strvec_find(&argv, "--user");
	assert_true(u >= 0);
	assert_string_equal(argv.v[u + 1], "1234:0");
	assert_true(paude_strvec_find(&argv, "--volume=paude-demo-workspace:/pvc") >= 0);
	assert_true(paude_strvec_find(&argv, "--mount=type=bind,source=/home/u/.gitconfig,target="
					     "/home/paude/.gitconfig,readonly=true") >= 0);
	long w = paude_strvec_find(
	    &argv, "--mount=type=bind,source=/home/u/demo,target=/pvc/workspace,relabel=shared");
	assert_true(w >= 0);
	/* The shadows come after the workspace they sit in. */
	long v1 = paude_strvec_find(&argv, "--mount=type=tmpfs,destination=/pvc/workspace/.venv,"
					   "tmpfs-mode=0775,U=true,notmpcopyup");
	long v2 = paude_strvec_find(&argv, "--mount=type=tmpfs,destination=/pvc/workspace/sub "
					   "dir/env,tmpfs-mode=0775,U=true,notmpcopyup");
	assert_true(v1 > w && v2 > v1);
	paude_strvec_clear(&argv);

	/* Rootless: the caller is mapped onto the agent's uid instead. */
	spec.rootless = true;
	paude_podman_create_argv(&spec, NULL, NULL, &argv);
	assert_true(paude_strvec_find(&argv, "--userns=keep-id:uid=1000,gid=0") >= 0);
	u = paude_strvec_find(&argv, "--user");
	assert_string_equal(argv.v[u + 1], "1000:0");
	paude_strvec_clear(&argv);

	/* The volume mode never shadows anything, whatever the list says. */
	spec.meta.workspace_mode = PAUDE_WORKSPACE_VOLUME;
	spec.n_mounts = 1;
	paude_podman_create_argv(&spec, NULL, NULL, &argv);
	for (size_t i = 0; i < argv.nr; i++)
		assert_null(strstr(argv.v[i], "tmpfs"));
	assert_int_equal(paude_strvec_find(&argv, "--userns=keep-id:uid=1000,gid=0"), -1);
	u = paude_strvec_find(&argv, "--user");
	assert_string_equal(argv.v[u + 1], "1000:0");
	paude_strvec_clear(&argv);
	paude_session_spec_release(&spec);
}

static void
test_create_refuses_bad_venv_dirs_and_root_owned_tree(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend *b = open_podman(&f);
	struct paude_session_spec spec;
	make_spec(&spec);
	spec.meta.workspace_mode = PAUDE_WORKSPACE_MOUNT;
	spec.workspace_uid = 1000;
	static const char *const bad[] = { "../up", "/abs", "a,readonly=true",
					   "a//b",  "./x",  "x/..",
					   "",      "a\nb" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		paude_strvec_clear(&spec.meta.venv_shadows);
		paude_strvec_push(&spec.meta.venv_shadows, bad[i]);
		struct paude_error *err = NULL;
		assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "directory"));
		paude_error_free(err);
	}
	paude_strvec_clear(&spec.meta.venv_shadows);
	spec.workspace_uid = 0;
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_create(b, &spec, &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg,
			    "cannot mount workspace '/home/u/demo': it belongs to root, and the "
			    "agent never runs as root (chown it to your user, or leave out "
			    "--mount-workspace)");
	assert_int_equal(f.calls.nr, 0);
	paude_error_free(err);
	paude_session_spec_release(&spec);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_start_stop_remove_argv(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	assert_int_equal(paude_backend_start(b, "demo", NULL), 0);
	assert_int_equal(paude_backend_stop(b, "demo", NULL), 0);
	assert_int_equal(paude_backend_remove(b, "demo", NULL), 0);
	/* The proxy starts before the agent; both stop at once, the proxy with
	 * no grace period; the network goes after the agent is removed. */
	assert_string_equal(fake_runner_call(&f, 0), "podman container exists paude-proxy-demo");
	assert_string_equal(fake_runner_call(&f, 1), "podman start paude-proxy-demo");
	assert_string_equal(fake_runner_call(&f, 2),
			    "podman exec paude-proxy-demo paude-proxy-ready");
	assert_string_equal(fake_runner_call(&f, 3), "podman start paude-demo");
	assert_string_equal(fake_runner_call(&f, 4), "podman stop --time 10 paude-demo");
	assert_string_equal(fake_runner_call(&f, 5),
			    "podman stop --ignore --time 0 paude-proxy-demo");
	assert_string_equal(fake_runner_call(&f, 6),
			    "podman rm --force --ignore --time 10 paude-demo");
	assert_string_equal(
	    fake_runner_call(&f, 7),
	    "podman rm --force --ignore --time 5 paude-proxy-demo paude-proxy-demo-next "
	    "paude-proxy-demo-old");
	assert_string_equal(fake_runner_call(&f, 8), "podman network rm paude-net-demo");
	assert_string_equal(fake_runner_call(&f, 9), "podman volume exists paude-demo-workspace");
	assert_string_equal(fake_runner_call(&f, 10),
			    "podman volume rm --force paude-demo-workspace");
	assert_int_equal(f.calls.nr, 11);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_remove_without_volume_skips_volume_rm(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	assert_int_equal(paude_backend_remove(b, "demo", NULL), 0);
	assert_int_equal(f.calls.nr, 4);
	assert_string_equal(fake_runner_call(&f, 3), "podman volume exists paude-demo-workspace");
	paude_backend_free(b);
	fake_runner_release(&f);
}

/* podman 4.3's rm can lose a race with the container's own clean-up
 * (EBUSY on userdata/shm): remove tries again, a bounded number of times,
 * and only for that failure. */
static void
test_remove_tries_a_raced_rm_again_and_nothing_else(void **state)
{
	(void)state;
	static const char busy[] =
	    "Error: removing container 0096aa root filesystem: 1 error occurred:\n"
	    "\t* unlinkat /var/lib/containers/storage/overlay-containers/0096aa/userdata/shm: "
	    "device or resource busy\n";
	for (int k = 0; k < 2; k++) {
		const struct fake_reply replies[] = {
			{ .prefix = FAKE_ARGV("podman", "rm", "--force", "--ignore", "--time", "5"),
			  .errout = k == 0 ? busy : "Error: something else\n",
			  .status = 125 },
			{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
		};
		struct fake_runner f;
		fake_runner_init(&f, replies, ARRAY_SIZE(replies));
		struct paude_backend *b = open_podman(&f);
		struct paude_error *err = NULL;
		assert_true(paude_backend_remove(b, "demo", &err) < 0);
		assert_non_null(
		    strstr(err->msg, k == 0 ? "device or resource busy" : "something else"));
		size_t tries = 0;
		for (size_t i = 0; i < f.calls.nr; i++)
			tries += !strcmp(fake_runner_call(&f, i),
					 "podman rm --force --ignore --time 5 paude-proxy-demo "
					 "paude-proxy-demo-next paude-proxy-demo-old");
		assert_int_equal(tries, k == 0 ? PAUDE_PODMAN_RM_TRIES : 1);
		/* Nothing after the failed rm: the network stays for a later delete. */
		assert_int_equal(fake_runner_find(&f, "podman network rm"), -1);
		paude_error_free(err);
		paude_backend_free(b);
		fake_runner_release(&f);
	}
}

static void
test_list_parses_sessions_and_skips_others(void **state)
{
	(void)state;
	char *json = read_data("podman-ps.json");
	struct fake_reply replies[] = {
		{ .prefix = PS_PREFIX, .out = json },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_list l = { 0 };
	assert_int_equal(paude_backend_list(b, &l, NULL), 0);
	assert_string_equal(fake_runner_call(&f, 0),
			    "podman ps --all --filter label=app=paude --filter "
			    "label=paude.io/session-name --format json");
	assert_int_equal(f.calls.nr, 1);
	assert_int_equal(l.nr, 3);
	assert_string_equal(l.v[0].name, "alpha");
	assert_int_equal(l.v[0].state, PAUDE_SESSION_RUNNING);
	assert_string_equal(l.v[0].workspace, "/home/u/alpha");
	assert_string_equal(l.v[1].name, "beta");
	assert_int_equal(l.v[1].state, PAUDE_SESSION_STOPPED);
	assert_true(l.v[1].yolo);
	assert_int_equal(l.v[1].agent_args.nr, 2);
	assert_string_equal(l.v[1].agent_args.v[1], "explain this code");
	assert_int_equal(l.v[1].allowed_domains.nr, 2);
	assert_string_equal(l.v[1].allowed_domains.v[1], ".example.com");
	assert_string_equal(l.v[1].status, "Exited (0) 2 minutes ago");
	assert_string_equal(l.v[1].backend, "podman");
	assert_string_equal(l.v[2].name, "gamma");
	assert_int_equal(l.v[2].state, PAUDE_SESSION_CREATED);
	paude_session_list_release(&l);
	paude_backend_free(b);
	fake_runner_release(&f);
	free(json);
}

static void
test_list_sees_paused_agents_and_missing_or_stopped_proxies(void **state)
{
	(void)state;
	/* One listing holds agents and proxies: what is wrong is seen in it. */
	static const char json[] =
	    "["
	    "{\"State\":\"paused\",\"StartedAt\":1700000000,\"Networks\":[\"paude-net-a\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"agent\","
	    "\"paude.io/session-name\":\"a\"}},"
	    "{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"proxy\","
	    "\"paude.io/session-name\":\"a\"}},"
	    "{\"State\":\"running\",\"Networks\":[\"podman\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"agent\","
	    "\"paude.io/session-name\":\"b\"}},"
	    "{\"State\":\"running\",\"Networks\":[\"paude-net-c\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"agent\","
	    "\"paude.io/session-name\":\"c\"}},"
	    "{\"State\":\"exited\",\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"proxy\","
	    "\"paude.io/session-name\":\"c\"}},"
	    "{\"State\":\"running\",\"Networks\":[\"podman\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"agent\","
	    "\"paude.io/session-name\":\"d\",\"paude.io/allowed-domains\":\"[\\\"all\\\"]\"}}"
	    "]";
	struct paude_session_list l = { 0 };
	assert_int_equal(paude_podman_parse_ps(&l, json, strlen(json), NULL), 0);
	assert_int_equal(l.nr, 4);
	/* a: paused, its proxy present */
	assert_true(l.v[0].paused);
	assert_int_equal(l.v[0].state, PAUDE_SESSION_RUNNING);
	assert_false(l.v[0].proxy_missing);
	assert_false(l.v[0].network_missing);
	assert_int_equal(l.v[0].started_at, 1700000000);
	/* b: no proxy container, and not on its network */
	assert_true(l.v[1].proxy_missing);
	assert_true(l.v[1].network_missing);
	/* c: the proxy exists but is down while the agent runs */
	assert_false(l.v[2].proxy_missing);
	assert_true(l.v[2].proxy_stopped);
	/* d: unrestricted, so no proxy and no own network to miss */
	assert_false(l.v[3].proxy_missing);
	assert_false(l.v[3].network_missing);
	paude_session_list_release(&l);
}

static void
test_list_takes_the_policy_from_the_proxy(void **state)
{
	(void)state;
	/* The agent's label keeps the policy of create; the proxy named
	 * paude-proxy-NAME carries the one in effect. A replacement being
	 * made (-next) is not the proxy. */
	static const char json[] =
	    "["
	    "{\"State\":\"running\",\"Names\":[\"paude-a\"],\"Networks\":[\"paude-net-a\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"agent\","
	    "\"paude.io/session-name\":\"a\",\"paude.io/allowed-domains\":\"[\\\"pypi\\\"]\"}},"
	    "{\"State\":\"created\",\"Names\":[\"paude-proxy-a-next\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"proxy\","
	    "\"paude.io/session-name\":\"a\","
	    "\"paude.io/allowed-domains\":\"[\\\"wrong.example\\\"]\"}},"
	    "{\"State\":\"running\",\"Names\":[\"paude-proxy-a\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"proxy\","
	    "\"paude.io/session-name\":\"a\","
	    "\"paude.io/allowed-domains\":\"[\\\"pypi\\\",\\\"example.com\\\"]\"}},"
	    "{\"State\":\"exited\",\"Names\":[\"paude-b\"],\"Networks\":[\"paude-net-b\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"agent\","
	    "\"paude.io/session-name\":\"b\",\"paude.io/allowed-domains\":\"[\\\"pypi\\\"]\"}},"
	    "{\"State\":\"exited\",\"Names\":[\"paude-proxy-b\"],"
	    "\"Labels\":{\"app\":\"paude\",\"paude.io/role\":\"proxy\","
	    "\"paude.io/session-name\":\"b\"}}"
	    "]";
	struct paude_session_list l = { 0 };
	assert_int_equal(paude_podman_parse_ps(&l, json, strlen(json), NULL), 0);
	assert_int_equal(l.nr, 2);
	assert_int_equal(l.v[0].allowed_domains.nr, 2);
	assert_string_equal(l.v[0].allowed_domains.v[0], "pypi");
	assert_string_equal(l.v[0].allowed_domains.v[1], "example.com");
	assert_false(l.v[0].proxy_missing);
	assert_false(l.v[0].proxy_stopped);
	/* A proxy from before the label: the agent's label stands. */
	assert_int_equal(l.v[1].allowed_domains.nr, 1);
	assert_string_equal(l.v[1].allowed_domains.v[0], "pypi");
	paude_session_list_release(&l);
}

static void
test_list_rejects_malformed_output(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = PS_PREFIX, .out = "{\"not\": \"an array\"}" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_list l = { 0 };
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_list(b, &l, &err), PAUDE_EPROTO);
	assert_int_equal(l.nr, 0);
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_get_filters_by_name_and_reports_missing(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = PS_PREFIX, .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session s = PAUDE_SESSION_INIT;
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_get(b, "demo", &s, &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "session 'demo' not found (list sessions with: paude list)");
	assert_string_equal(fake_runner_call(&f, 0),
			    "podman ps --all --filter label=app=paude --filter "
			    "label=paude.io/session-name=demo --format json");
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_podman_missing_is_a_clear_error(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman"), .start_errno = ENOENT },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_session_list l = { 0 };
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_list(b, &l, &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "'podman' not found (is it installed and on PATH?)");
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_podman_failure_carries_stderr(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "start", "paude-demo"),
		  .errout = "Error: crun: cgroups in hybrid mode not supported\n",
		  .status = 125 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_start(b, "demo", &err), PAUDE_ECHILD);
	assert_string_equal(err->msg, "cannot start session 'demo': podman start: exit 125: "
				      "Error: crun: cgroups in hybrid mode not supported");
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
}

/* Rootless podman without slirp4netns: start says what is wrong and how to
 * fix it instead of podman's words, and clears the half-made network
 * namespace that would break the next start. */
static void
test_start_explains_rootless_network_failures(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/paude-test-run.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	setenv("XDG_RUNTIME_DIR", tmpl, 1);
	char netns[256], file[320];
	snprintf(netns, sizeof(netns), "%s/netns", tmpl);
	snprintf(file, sizeof(file), "%s/rootless-netns-0123", netns);
	assert_int_equal(mkdir(netns, 0700), 0);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "start", "paude-proxy-demo"),
		  .errout = "Error: exec: \"slirp4netns\": executable file not found in $PATH\n",
		  .status = 127 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_start(b, "demo", &err), PAUDE_ECHILD);
	assert_true(!strncmp(err->msg,
			     "cannot start the network proxy of session 'demo': rootless podman "
			     "cannot make container networks: slirp4netns is not installed (fix: ",
			     130));
	assert_null(strstr(err->msg, "executable file not found"));
	assert_int_equal(access(file, F_OK), -1);
	assert_int_equal(fake_runner_find(&f, "podman start paude-demo"), -1);
	paude_error_free(err);
	paude_backend_free(b);
	fake_runner_release(&f);
	assert_int_equal(rmdir(netns), 0);
	assert_int_equal(rmdir(tmpl), 0);
	unsetenv("XDG_RUNTIME_DIR");
}

static void
test_exec_prepare_builds_exec_argv(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend *b = open_podman(&f);
	struct paude_child c = PAUDE_CHILD_INIT;
	const char *const argv[] = { "git-upload-pack", "/pvc/workspace", NULL };
	assert_int_equal(paude_backend_exec_prepare(b, "demo", PAUDE_EXEC_STDIN, argv, &c, NULL),
			 0);
	struct paude_buf s = PAUDE_BUF_INIT;
	paude_quote_argv(&s, (const char *const *)c.args.v);
	assert_string_equal(s.buf,
			    "podman exec --interactive paude-demo git-upload-pack /pvc/workspace");
	paude_buf_release(&s);
	paude_child_release(&c);

	struct paude_child t = PAUDE_CHILD_INIT;
	setenv("TERM", "xterm-256color", 1);
	const char *const attach[] = { "paude-session", "attach", NULL };
	assert_int_equal(paude_backend_exec_prepare(b, "demo", PAUDE_EXEC_STDIN | PAUDE_EXEC_TTY,
						    attach, &t, NULL),
			 0);
	paude_quote_argv(&s, (const char *const *)t.args.v);
	assert_string_equal(s.buf, "podman exec --interactive --tty --env=TERM=xterm-256color "
				   "paude-demo paude-session attach");
	paude_buf_release(&s);
	paude_child_release(&t);

	struct paude_child bad = PAUDE_CHILD_INIT;
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_exec_prepare(b, "--help", 0, argv, &bad, &err),
			 PAUDE_EUSAGE);
	assert_int_equal(bad.args.nr, 0);
	paude_error_free(err);
	assert_int_equal(f.calls.nr, 0);
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_unknown_backend_is_usage_error(void **state)
{
	(void)state;
	struct paude_backend *b = NULL;
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_open_name(&b, "docker", NULL, &err), PAUDE_EUSAGE);
	assert_null(b);
	paude_error_free(err);
}

/* status's resource use: one podman stats of the agent's container, only
 * the plain-text part of each field kept. */
static void
test_usage_reads_podman_stats(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix =
		      FAKE_ARGV("podman", "stats", "--no-stream", "--format", "json", "paude-demo"),
		  .out = "[{\"cpu_percent\":\"1.50%\",\"mem_usage\":\"20.5MB / 8GB\x1b[31m\","
			 "\"pids\":\"12\"}]" },
		{ .prefix = FAKE_ARGV("podman", "stats"), .out = "[]" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	struct paude_usage u;
	assert_int_equal(paude_backend_usage(b, "demo", &u, NULL), 0);
	assert_string_equal(u.cpu, "1.50%");
	assert_string_equal(u.mem, "20.5MB / 8GB31");
	assert_string_equal(u.pids, "12");
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_usage(b, "other", &u, &err), PAUDE_EPROTO);
	paude_error_free(err);
	assert_int_equal(paude_backend_usage(b, "-x", &u, NULL), PAUDE_EUSAGE);
	paude_backend_free(b);
	fake_runner_release(&f);
}

/* delete's leftovers of a session whose container was removed by hand: the
 * volume, then the proxy, then the network; the first found answers. */
static void
test_leftovers_checks_volume_proxy_network(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "volume", "exists", "paude-demo-workspace"),
		  .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "container", "exists", "paude-proxy-demo"),
		  .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "network", "exists", "paude-net-demo"),
		  .status = 0 },
		{ .prefix = FAKE_ARGV("podman"), .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_backend *b = open_podman(&f);
	bool any = false;
	assert_int_equal(paude_backend_leftovers(b, "demo", &any, NULL), 0);
	assert_true(any);
	assert_int_equal(f.calls.nr, 3);
	assert_int_equal(paude_backend_leftovers(b, "gone", &any, NULL), 0);
	assert_false(any);
	assert_int_equal(f.calls.nr, 6);
	assert_int_equal(paude_backend_leftovers(b, "Bad Name", &any, NULL), PAUDE_EUSAGE);
	assert_int_equal(f.calls.nr, 6);
	paude_backend_free(b);
	fake_runner_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_runs_exact_podman_commands),
		cmocka_unit_test(
		    test_create_refuses_env_an_env_file_cannot_carry_before_creating_anything),
		cmocka_unit_test(test_create_refuses_existing_session),
		cmocka_unit_test(test_create_refuses_leftover_volume),
		cmocka_unit_test(test_create_disk_sizes_the_volume_and_mounts_it_once),
		cmocka_unit_test(
		    test_create_disk_where_podman_cannot_enforce_it_fails_and_cleans_up),
		cmocka_unit_test(test_create_without_profile_writes_a_private_one_and_removes_it),
		cmocka_unit_test(test_create_without_subordinate_ids_says_how_to_add_them),
		cmocka_unit_test(test_create_failure_removes_what_it_made),
		cmocka_unit_test(test_create_interrupted_removes_what_it_made),
		cmocka_unit_test(test_create_rejects_bad_name_and_comma_paths),
		cmocka_unit_test(test_create_argv_mount_mode_binds_tree_and_shadows_venvs),
		cmocka_unit_test(test_create_refuses_bad_venv_dirs_and_root_owned_tree),
		cmocka_unit_test(test_start_stop_remove_argv),
		cmocka_unit_test(test_start_explains_rootless_network_failures),
		cmocka_unit_test(test_remove_without_volume_skips_volume_rm),
		cmocka_unit_test(test_remove_tries_a_raced_rm_again_and_nothing_else),
		cmocka_unit_test(test_list_parses_sessions_and_skips_others),
		cmocka_unit_test(test_list_sees_paused_agents_and_missing_or_stopped_proxies),
		cmocka_unit_test(test_list_takes_the_policy_from_the_proxy),
		cmocka_unit_test(test_list_rejects_malformed_output),
		cmocka_unit_test(test_get_filters_by_name_and_reports_missing),
		cmocka_unit_test(test_podman_missing_is_a_clear_error),
		cmocka_unit_test(test_podman_failure_carries_stderr),
		cmocka_unit_test(test_exec_prepare_builds_exec_argv),
		cmocka_unit_test(test_unknown_backend_is_usage_error),
		cmocka_unit_test(test_usage_reads_podman_stats),
		cmocka_unit_test(test_leftovers_checks_volume_proxy_network),
	};
	return cmocka_run_group_tests_name("backend-podman", tests, NULL, NULL);
}
