/* SPDX-License-Identifier: MIT */
/*
 * What a project's config adds to a session, driven through `paude create`
 * and `paude start` with a fake runner: the setup command (stored in the
 * labels, run once by start), containerEnv, and the mounted workspace with
 * its venvs shadowed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "paude/core/fs.h"
#include "cli-harness.h"
#include "../../cmd/paude/session-setup.h"
#include "scratch.h"

static char tmpdir[] = "/tmp/paude-test-setup.XXXXXX";
static char project[600];
static char oldcwd[4096];

static void
write_file(const char *rel, const char *text)
{
	char p[900];
	snprintf(p, sizeof(p), "%s/%s", project, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	assert_int_equal(paude_mkdir_p(p, 0755, NULL), 0);
	*slash = '/';
	assert_int_equal(paude_write_file(p, text, strlen(text), 0644, NULL), 0);
}

static void
make_dir(const char *rel)
{
	char p[900];
	snprintf(p, sizeof(p), "%s/%s", project, rel);
	assert_int_equal(paude_mkdir_p(p, 0755, NULL), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir) || !getcwd(oldcwd, sizeof(oldcwd)))
		return -1;
	cli_harness_env(tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	scratch_remove(tmpdir);
	return 0;
}

/* A fresh project directory per test, made the current directory. */
static int
fresh_project(void **state)
{
	(void)state;
	static int n;
	snprintf(project, sizeof(project), "%s/proj%d", tmpdir, ++n);
	if (paude_mkdir_p(project, 0755, NULL) < 0 || chdir(project) < 0)
		return -1;
	/* As root, give the tree a user: the agent never runs as root. */
	if (geteuid() == 0 && chown(project, 1000, 0) < 0)
		return -1;
	return 0;
}

static const struct fake_reply create_replies[] = {
	{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
	{ .prefix = FAKE_ARGV("podman", "container", "exists"), .status = 1 },
	{ .prefix = FAKE_ARGV("podman", "volume", "exists"), .status = 1 },
	{ .prefix = FAKE_ARGV("podman", "network", "ls"), .out = "[]" },
};

/* The agent's `podman create` call. */
static const char *
agent_create(const struct fake_runner *f)
{
	long i = fake_runner_find(f, "podman create --pull=never");
	assert_true(i >= 0);
	return fake_runner_call(f, (size_t)i);
}

/* The proxy's `podman create` call. */
static const char *
proxy_create(const struct fake_runner *f)
{
	long i = fake_runner_find(f, "podman create --name paude-proxy-");
	assert_true(i >= 0);
	return fake_runner_call(f, (size_t)i);
}

/* The private env files create wrote: the proxy's (the gateway's settings,
 * written first) and the agent's (the last one). */
static const char *
proxy_env(const struct fake_runner *f)
{
	for (size_t i = 0; i < f->env_files.nr; i++)
		if (strstr(f->env_files.v[i], "\nPAUDE_GATEWAY_LISTEN="))
			return f->env_files.v[i];
	fail_msg("no env file for the proxy");
	return NULL;
}

static const char *
agent_env(const struct fake_runner *f)
{
	assert_int_equal(f->env_files.nr, 2);
	assert_null(strstr(f->env_files.v[1], "PAUDE_GATEWAY_"));
	return f->env_files.v[1];
}

/* Vertex AI: the ADC directory goes to the proxy read-only, the agent gets
 * the gateway's address and nothing secret; bad credentials are refused
 * before anything is created. */
static void
test_vertex_credentials_go_to_the_gateway_only(void **state)
{
	(void)state;
	char adc[900];
	snprintf(adc, sizeof(adc), "%s/.config/gcloud/application_default_credentials.json",
		 tmpdir);
	char dir[900];
	snprintf(dir, sizeof(dir), "%s/.config/gcloud", tmpdir);
	assert_int_equal(paude_mkdir_p(dir, 0755, NULL), 0);
	const char *cred = "{\"type\":\"authorized_user\",\"client_id\":\"c\","
			   "\"client_secret\":\"SECRET-S\",\"refresh_token\":\"SECRET-R\"}";
	assert_int_equal(paude_write_file(adc, cred, strlen(cred), 0600, NULL), 0);
	setenv("CLAUDE_CODE_USE_VERTEX", "1", 1);
	setenv("ANTHROPIC_VERTEX_PROJECT_ID", "my-proj", 1);
	setenv("CLOUD_ML_REGION", "us-east5", 1);
	setenv("VERTEX_REGION_CLAUDE_4_0_OPUS", "europe-west1", 1);
	/* Named like a secret: no region, and neither passed nor refused. */
	setenv("VERTEX_REGION_API_KEY", "SECRET-Region-Key", 1);
	setenv("CLOUDSDK_CORE_PROJECT", "my-proj", 1);
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "vx", NULL), 0);
	const char *agent = agent_create(&f);
	/* The agent's variables (its private env file): the gateway, never a credential. */
	const char *env = agent_env(&f);
	assert_non_null(strstr(env,
			       "\nCLAUDE_CODE_USE_VERTEX=1\nCLAUDE_CODE_SKIP_VERTEX_AUTH=1\n"
			       "ANTHROPIC_VERTEX_BASE_URL=http://paude-proxy:8090/v1\n"
			       "ANTHROPIC_VERTEX_PROJECT_ID=my-proj\nCLOUD_ML_REGION=us-east5\n"));
	assert_non_null(strstr(env, "\nVERTEX_REGION_CLAUDE_4_0_OPUS=europe-west1\n"));
	assert_null(strstr(env, "gcloud"));
	assert_null(strstr(env, "SECRET"));
	assert_null(strstr(agent, "gcloud"));
	assert_null(strstr(agent, "SECRET"));
	const char *proxy = proxy_create(&f);
	assert_null(strstr(proxy, "gcloud"));
	assert_null(strstr(proxy, "SECRET"));
	/* The gateway's settings: in the proxy's private env file, not its argv. */
	assert_null(strstr(proxy, "my-proj"));
	const char *penv = proxy_env(&f);
	assert_int_equal(strncmp(penv, "mode 600\n", 9), 0);
	assert_non_null(strstr(penv,
			       "\nPAUDE_GATEWAY_PROVIDER=vertex\nPAUDE_GATEWAY_PROJECT=my-proj\n"
			       "PAUDE_GATEWAY_REGIONS=us-east5,europe-west1\n"
			       "PAUDE_GATEWAY_ADC=/run/paude-proxy/adc.json\n"));
	assert_null(strstr(penv, "gcloud"));
	assert_null(strstr(penv, "SECRET"));
	fake_runner_release(&f);

	/* An ADC kind the gateway cannot use: refused, nothing run. */
	const char *ext = "{\"type\":\"external_account\"}";
	assert_int_equal(paude_write_file(adc, ext, strlen(ext), 0600, NULL), 0);
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	assert_int_equal(cli_harness_run(&f, &err, "create", "vy", NULL), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "unsupported credentials type 'external_account'"));
	assert_null(fake_runner_call(&f, 0));
	paude_error_free(err);
	err = NULL;
	fake_runner_release(&f);

	/* No credentials at all. */
	assert_int_equal(unlink(adc), 0);
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	assert_int_equal(cli_harness_run(&f, &err, "create", "vz", NULL), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "run: gcloud auth application-default login"));
	paude_error_free(err);
	fake_runner_release(&f);
	unsetenv("CLAUDE_CODE_USE_VERTEX");
	unsetenv("VERTEX_REGION_CLAUDE_4_0_OPUS");
	unsetenv("VERTEX_REGION_API_KEY");
	unsetenv("CLOUDSDK_CORE_PROJECT");
}

/* The Anthropic API: the key goes by name to the proxy; the agent gets the
 * gateway and a placeholder. */
static void
test_api_key_goes_to_the_gateway_only(void **state)
{
	(void)state;
	unsetenv("CLAUDE_CODE_USE_VERTEX");
	setenv("ANTHROPIC_API_KEY", "sk-ant-SECRET-K", 1);
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "ak", NULL), 0);
	const char *agent = agent_create(&f);
	assert_non_null(strstr(agent_env(&f), "\nANTHROPIC_BASE_URL=http://paude-proxy:8090\n"
					      "ANTHROPIC_AUTH_TOKEN=paude-gateway-placeholder\n"));
	assert_null(strstr(agent_env(&f), "SECRET"));
	assert_null(strstr(agent, "SECRET"));
	const char *proxy = proxy_create(&f);
	/* The key by name only: podman takes its value from paude's environment. */
	assert_non_null(strstr(proxy, " --env ANTHROPIC_API_KEY -- "));
	assert_non_null(strstr(proxy_env(&f), "\nPAUDE_GATEWAY_PROVIDER=anthropic\n"));
	assert_null(strstr(proxy, "SECRET"));
	assert_null(strstr(proxy_env(&f), "SECRET"));
	fake_runner_release(&f);
	unsetenv("ANTHROPIC_API_KEY");
}

static void
test_devcontainer_setup_and_env_reach_the_session(void **state)
{
	(void)state;
	write_file(".devcontainer/devcontainer.json",
		   "{ // JSONC\n"
		   "  \"image\": \"localhost/some-base:1\",\n"
		   "  \"postCreateCommand\": [\"pip\", \"install\", \"--user\", \"py test\"],\n"
		   "  \"containerEnv\": { \"APP_MODE\": \"dev mode\", \"HTTPS_PROXY\": \"x\" },\n"
		   "}\n");
	write_file(".venv/pyvenv.cfg", "home = /usr\n");
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "dc", NULL), 0);
	assert_null(err);
	const char *call = agent_create(&f);
	assert_non_null(
	    strstr(call, "'paude.io/setup=[\"pip\",\"install\",\"--user\",\"py test\"]'"));
	/* containerEnv reaches the session through the private env file. */
	assert_non_null(strstr(call, " --env-file="));
	assert_null(strstr(call, "APP_MODE"));
	assert_non_null(strstr(agent_env(&f), "\nAPP_MODE=dev mode\n"));
	/* paude's own proxy variable wins over the project's. */
	assert_null(strstr(call, "HTTPS_PROXY=x"));
	assert_null(strstr(agent_env(&f), "HTTPS_PROXY=x"));
	/* The default mode keeps the code in the volume: nothing mounted, nothing shadowed. */
	assert_non_null(strstr(call, "paude.io/workspace-mode=volume"));
	assert_null(strstr(call, "target=/pvc/workspace"));
	assert_null(strstr(call, "tmpfs"));
	fake_runner_release(&f);
}

static void
test_mount_workspace_shadows_detected_venvs(void **state)
{
	(void)state;
	write_file("paude.json", "{ \"setup\": \"python -m venv .venv && echo ready\" }");
	write_file(".venv/pyvenv.cfg", "home = /usr\n");
	write_file("env/pyvenv.cfg", "home = /usr\n");
	make_dir("venv"); /* no pyvenv.cfg: not a venv */
	write_file(".env", "SECRET=1\n"); /* a dotenv file, not a directory */
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "mnt", "--mount-workspace", NULL), 0);
	assert_null(err);
	const char *call = agent_create(&f);
	char want[1024];
	snprintf(want, sizeof(want),
		 " --mount=type=bind,source=%s,target=/pvc/workspace,relabel=shared ", project);
	assert_non_null(strstr(call, want));
	assert_non_null(strstr(call, " --mount=type=tmpfs,destination=/pvc/workspace/.venv,"
				     "tmpfs-mode=0775,U=true,notmpcopyup "));
	assert_non_null(strstr(call, " --mount=type=tmpfs,destination=/pvc/workspace/env,"));
	assert_null(strstr(call, "/pvc/workspace/venv,"));
	assert_null(strstr(call, "/pvc/workspace/.env,"));
	assert_non_null(strstr(call, "'paude.io/venv-shadows=[\".venv\",\"env\"]'"));
	assert_non_null(strstr(call, "paude.io/workspace-mode=mount"));
	assert_non_null(strstr(
	    call, "'paude.io/setup=[\"sh\",\"-c\",\"python -m venv .venv && echo ready\"]'"));
	/* As the tree's owner (rootful), or mapped onto the agent's uid (rootless). */
	if (geteuid() == 0)
		assert_non_null(strstr(call, " --init --user 1000:0 "));
	else
		assert_non_null(strstr(call, " --userns=keep-id:uid=1000,gid=0 --user 1000:0 "));
	fake_runner_release(&f);
}

static void
test_venv_setting_lists_or_disables_shadowing(void **state)
{
	(void)state;
	write_file("paude.json", "{ \"venv\": [\"tools/venv/\", \"missing\"] }");
	write_file(".venv/pyvenv.cfg", "home = /usr\n");
	make_dir("tools/venv");
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "lst", "--mount-workspace", NULL), 0);
	const char *call = agent_create(&f);
	assert_non_null(strstr(call, "destination=/pvc/workspace/tools/venv,"));
	/* Only the list: .venv is not in it; a missing directory is not created. */
	assert_null(strstr(call, "/pvc/workspace/.venv,"));
	assert_null(strstr(call, "/pvc/workspace/missing"));
	fake_runner_release(&f);

	write_file("paude.json", "{ \"venv\": \"none\" }");
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	assert_int_equal(cli_harness_run(&f, &err, "create", "none", "--mount-workspace", NULL), 0);
	assert_null(strstr(agent_create(&f), "tmpfs"));
	fake_runner_release(&f);
}

/* With a provider behind the gateway, start leaves a claude.ai login out
 * of the copy of ~/.claude and gives the sidecar the ADC; without one,
 * that login is how Claude Code works, and it goes in. */
static void
test_start_leaves_the_claude_login_out_when_the_gateway_serves(void **state)
{
	(void)state;
	char dir[900];
	snprintf(dir, sizeof(dir), "%s/.claude", tmpdir);
	assert_int_equal(paude_mkdir_p(dir, 0755, NULL), 0);
	static const char *const ps[] = {
		"[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":"
		"\"gw\",\"paude.io/gateway\":\"vertex\"}}]",
		"[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":"
		"\"gw\",\"paude.io/gateway\":\"none\"}}]",
	};
	char adc[900];
	snprintf(adc, sizeof(adc), "%s/.config/gcloud", tmpdir);
	assert_int_equal(paude_mkdir_p(adc, 0755, NULL), 0);
	snprintf(adc, sizeof(adc), "%s/.config/gcloud/application_default_credentials.json",
		 tmpdir);
	const char *cred = "{\"type\":\"authorized_user\",\"refresh_token\":\"SECRET-R\"}";
	assert_int_equal(paude_write_file(adc, cred, strlen(cred), 0600, NULL), 0);
	for (size_t k = 0; k < 2; k++) {
		const struct fake_reply replies[] = {
			{ .prefix = FAKE_ARGV("podman", "ps"), .out = ps[k] },
		};
		struct fake_runner f;
		fake_runner_init(&f, replies, ARRAY_SIZE(replies));
		struct paude_error *err = NULL;
		assert_int_equal(cli_harness_run(&f, &err, "start", "gw", NULL), 0);
		/* Vertex AI: the ADC file, read here, reaches the sidecar through stdin. */
		long c = fake_runner_find(&f, "podman exec -i paude-proxy-gw sh -c");
		if (k == 0) {
			assert_true(c >= 0);
			assert_string_equal(f.stdin_data.v[c], cred);
			for (size_t j = 0; j < f.calls.nr; j++)
				assert_null(strstr(fake_runner_call(&f, j), "SECRET"));
		} else {
			assert_true(c < 0);
		}
		long i = fake_runner_find(&f, "tar -C ");
		assert_true(i >= 0);
		const char *tar = fake_runner_call(&f, (size_t)i);
		if (k == 0)
			assert_non_null(strstr(tar, " --exclude=.claude/.credentials.json "));
		else
			assert_null(strstr(tar, ".credentials.json"));
		fake_runner_release(&f);
	}
}
/* A session whose gateway serves no provider, with no login on the host:
 * start asks the session for one, and without it does not attach (there is
 * no terminal here, so only the missing attach error can tell: start
 * returns 0 having said what to run). A login in the session is enough. */
static void
test_start_without_any_provider_says_so_instead_of_attaching(void **state)
{
	(void)state;
	static const char ps[] =
	    "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":"
	    "\"np\",\"paude.io/gateway\":\"none\"}}]";
	static const char *const login_test =
	    "podman exec paude-np test -s /home/paude/.claude/.credentials.json";
	for (int in_session = 0; in_session < 2; in_session++) {
		const struct fake_reply replies[] = {
			{ .prefix = FAKE_ARGV("podman", "ps"), .out = ps },
			{ .prefix = FAKE_ARGV("podman", "exec", "paude-np", "test", "-s"),
			  .status = in_session ? 0 : 1 },
		};
		struct fake_runner f;
		fake_runner_init(&f, replies, ARRAY_SIZE(replies));
		struct paude_error *err = NULL;
		/* What start says goes to stderr: into a file for the test. */
		char said[900];
		snprintf(said, sizeof(said), "%s/start-said", tmpdir);
		int keep = dup(STDERR_FILENO);
		FILE *to = fopen(said, "w");
		assert_non_null(to);
		fflush(stderr);
		dup2(fileno(to), STDERR_FILENO);
		int r = cli_harness_run(&f, &err, "start", "np", NULL);
		fflush(stderr);
		dup2(keep, STDERR_FILENO);
		close(keep);
		fclose(to);
		assert_int_equal(r, 0);
		assert_null(err);
		assert_true(fake_runner_find(&f, login_test) >= 0);
		struct paude_buf b = PAUDE_BUF_INIT;
		assert_int_equal(paude_buf_read_file(&b, said, NULL), 0);
		const char *text = b.buf ? b.buf : "";
		if (in_session) {
			assert_null(strstr(text, "has no model provider"));
		} else {
			assert_non_null(strstr(text, "session 'np' has no model provider"));
			assert_non_null(strstr(text, "export ANTHROPIC_API_KEY=YOUR-KEY"));
			assert_non_null(strstr(text, "gcloud auth application-default login"));
			assert_non_null(strstr(text,
					       "is running, not attached. To log in inside it: "
					       "paude connect np"));
		}
		paude_buf_release(&b);
		fake_runner_release(&f);
	}
	/* A vertex session is never asked. */
	static const char psv[] =
	    "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":"
	    "\"np\"}}]";
	const struct fake_reply replies[] = { { .prefix = FAKE_ARGV("podman", "ps"), .out = psv } };
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(cli_harness_run(&f, NULL, "start", "-d", "np", NULL), 0);
	assert_int_equal(fake_runner_find(&f, login_test), -1);
	fake_runner_release(&f);
}

static void
test_the_default_network_follows_the_provider(void **state)
{
	(void)state;
	struct paude_session m = PAUDE_SESSION_INIT;
	paude_setup_network_follow_provider(&m, "vertex");
	assert_int_equal(m.allowed_domains.nr, 0);
	paude_setup_network_follow_provider(&m, "anthropic");
	assert_int_equal(m.allowed_domains.nr, 0);
	paude_setup_network_follow_provider(&m, "none");
	assert_int_equal(m.allowed_domains.nr, 2);
	assert_string_equal(m.allowed_domains.v[0], "default");
	assert_string_equal(m.allowed_domains.v[1], "anthropic");
	paude_session_release(&m);

	/* "default" among the values (any case, in a comma list): anthropic too. */
	paude_session_init(&m);
	paude_strvec_push(&m.allowed_domains, ".example.com, Default");
	paude_setup_network_follow_provider(&m, "none");
	assert_int_equal(m.allowed_domains.nr, 2);
	assert_string_equal(m.allowed_domains.v[1], "anthropic");
	paude_session_release(&m);

	/* A custom list or all: left as given (create warns about it). */
	paude_session_init(&m);
	paude_strvec_push(&m.allowed_domains, "pypi");
	paude_strvec_push(&m.allowed_domains, "defaults.example.com");
	paude_setup_network_follow_provider(&m, "none");
	assert_int_equal(m.allowed_domains.nr, 2);
	paude_session_release(&m);
	paude_session_init(&m);
	paude_strvec_push(&m.allowed_domains, "all");
	paude_setup_network_follow_provider(&m, "none");
	assert_int_equal(m.allowed_domains.nr, 1);
	paude_session_release(&m);
}

/* git for-each-ref in a workspace that has commits */
#define HAS_CODE "refs/heads/main\n"

static const char running_with_setup[] =
    "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":\"st\","
    "\"paude.io/setup\":\"[\\\"sh\\\",\\\"-c\\\",\\\"make deps\\\"]\"}}]";

static void
test_start_runs_setup_once_and_marks_it_done(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_setup },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "git"), .out = HAS_CODE },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "test"), .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "st", NULL), 0);
	assert_null(err);
	long i = fake_runner_find(&f, "podman exec paude-st test -e /pvc/.paude/setup-done");
	assert_true(i >= 0);
	assert_string_equal(fake_runner_call(&f, (size_t)i + 1),
			    "podman exec paude-st test -e /pvc/.paude/setup-failed");
	assert_string_equal(fake_runner_call(&f, (size_t)i + 2),
			    "podman exec paude-st sh -c 'make deps'");
	assert_string_equal(fake_runner_call(&f, (size_t)i + 3),
			    "podman exec paude-st sh -c 'mkdir -p /pvc/.paude && : "
			    ">/pvc/.paude/setup-done && rm -f /pvc/.paude/setup-failed'");
	/* Before the agent starts, so it starts in a prepared workspace. */
	assert_string_equal(fake_runner_call(&f, (size_t)i + 4),
			    "podman exec paude-st paude-session launch");
	fake_runner_release(&f);
}

static void
test_start_skips_setup_that_already_ran(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_setup },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "git"), .out = HAS_CODE },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "test", "-e",
				      "/pvc/.paude/setup-done"),
		  .status = 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "st", NULL), 0);
	assert_true(fake_runner_find(&f, "podman exec paude-st test -e /pvc/.paude/setup-done") >=
		    0);
	assert_int_equal(fake_runner_find(&f, "podman exec paude-st sh -c 'make deps'"), -1);
	assert_true(fake_runner_find(&f, "podman exec paude-st paude-session launch") >= 0);
	fake_runner_release(&f);
}

static void
test_failed_setup_is_reported_and_runs_again(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_setup },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "git"), .out = HAS_CODE },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "test", "-e",
				      "/pvc/.paude/setup-done"),
		  .status = 1 },
		/* It failed before: the failure marker is there. */
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "test", "-e",
				      "/pvc/.paude/setup-failed"),
		  .status = 0 },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "sh", "-c", "make deps"),
		  .status = 2 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "st", NULL), PAUDE_ECHILD);
	assert_string_equal(err->msg,
			    "the setup command of session 'st' failed (exit 2): make deps (it runs "
			    "again at the next 'paude start st'; to work in the session as it is: "
			    "paude connect st)");
	assert_true(fake_runner_find(&f, "podman exec paude-st sh -c 'mkdir -p /pvc/.paude && : "
					 ">/pvc/.paude/setup-failed'") >= 0);
	assert_int_equal(fake_runner_find(&f, "podman exec paude-st sh -c 'mkdir -p /pvc/.paude "
					      "&& : >/pvc/.paude/setup-done"),
			 -1);
	/* The agent is not launched over a failed setup. */
	assert_int_equal(fake_runner_find(&f, "podman exec paude-st paude-session launch"), -1);
	paude_error_free(err);
	fake_runner_release(&f);
}

/* Run `paude start st` with fd 2 sent to a file; return what it wrote. */
static char *
start_capturing_stderr(struct fake_runner *f, int *ret)
{
	char path[] = "/tmp/paude-test-stderr.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	struct paude_error *err = NULL;
	*ret = cli_harness_run(f, &err, "start", "st", NULL);
	paude_error_free(err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	struct paude_buf b = PAUDE_BUF_INIT;
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(paude_buf_read_fd(&b, fd, NULL), 0);
	close(fd);
	return paude_buf_detach(&b);
}

static void
test_setup_output_reaches_the_terminal_sanitized(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_setup },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "git"), .out = HAS_CODE },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "test"), .status = 1 },
		/* A setup script the agent rewrote: a title, the clipboard, a C1 CSI. */
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "sh", "-c", "make deps"),
		  .out = "building\n\x1b]0;owned\x07\x1b]52;c;cGF5bG9hZA==\x07\n",
		  .errout = "warning: \xc2\x9b"
			    "2J\n" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	int r = 0;
	_cleanup_free_ char *got = start_capturing_stderr(&f, &r);
	assert_int_equal(r, 0);
	assert_null(strchr(got, 0x1b));
	assert_null(strchr(got, 0x07));
	assert_null(strstr(got, "\xc2\x9b"));
	assert_non_null(strstr(got, "building\n\\x1b]0;owned\\x07\\x1b]52;c;cGF5bG9hZA==\\x07\n"));
	assert_non_null(strstr(got, "warning: \\u009b2J\n"));
	fake_runner_release(&f);
}

static void
test_only_named_host_variables_pass_and_never_secrets(void **state)
{
	(void)state;
	const char *const host[] = {
		"CLAUDE_CODE_USE_VERTEX=1",
		"GOOGLE_CLOUD_PROJECT=proj",
		"CLOUDSDK_CORE_PROJECT=proj",
		"VERTEX_REGION_CLAUDE_4_0_SONNET=us-east5",
		"CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE=/host/ca.pem",
		/* Not named: other gcloud settings, host paths, the host's own proxy. */
		"CLOUDSDK_CONFIG=/home/u/.config/gcloud",
		"CLOUDSDK_PROXY_ADDRESS=proxy.corp",
		"PATH=/usr/bin",
		/* Secrets by name, even where a prefix matches. */
		"CLOUDSDK_PROXY_PASSWORD=hunter2",
		"CLOUDSDK_AUTH_ACCESS_TOKEN_FILE=/home/u/token",
		"VERTEX_REGION_API_KEY=k",
		"VERTEX_REGION_Secret=s",
		"ANTHROPIC_API_KEY=sk-ant",
		"FOO_TOKEN=t",
		/* A value that a line-based env file cannot carry. */
		"ANTHROPIC_MODEL=two\nlines",
		"VERTEX_REGION_X",
		NULL,
	};
	_cleanup_strvec_ struct paude_strvec env = PAUDE_STRVEC_INIT;
	paude_setup_host_env(host, "/etc/paude/ca.pem", &env);
	assert_int_equal(env.nr, 5);
	assert_string_equal(env.v[0], "CLAUDE_CODE_USE_VERTEX=1");
	assert_string_equal(env.v[1], "GOOGLE_CLOUD_PROJECT=proj");
	assert_string_equal(env.v[2], "CLOUDSDK_CORE_PROJECT=proj");
	assert_string_equal(env.v[3], "VERTEX_REGION_CLAUDE_4_0_SONNET=us-east5");
	assert_string_equal(env.v[4], "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE=/etc/paude/ca.pem");
	/* Without a CA bundle in the session, the CA variable has nothing to name. */
	paude_strvec_clear(&env);
	paude_setup_host_env(host, NULL, &env);
	assert_int_equal(env.nr, 4);
	assert_true(paude_setup_host_env_passes("ANTHROPIC_VERTEX_PROJECT_ID", 27));
	assert_false(paude_setup_host_env_passes("ANTHROPIC_AUTH_TOKEN", 20));
	assert_false(paude_setup_host_env_passes("vertex_region_x", 15));
}

static void
test_create_passes_host_values_only_through_a_private_file(void **state)
{
	(void)state;
	setenv("CLOUDSDK_PROXY_PASSWORD", "marker-pw", 1);
	setenv("FOO_TOKEN", "marker-token", 1);
	setenv("ANTHROPIC_API_KEY", "marker-key", 1);
	setenv("ANTHROPIC_VERTEX_PROJECT_ID", "marker-project", 1);
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	int r = cli_harness_run(&f, &err, "create", "envs", NULL);
	unsetenv("CLOUDSDK_PROXY_PASSWORD");
	unsetenv("FOO_TOKEN");
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("ANTHROPIC_VERTEX_PROJECT_ID");
	assert_int_equal(r, 0);
	assert_null(err);
	for (size_t i = 0; i < f.calls.nr; i++)
		assert_null(strstr(fake_runner_call(&f, i), "marker-"));
	const char *aenv = agent_env(&f);
	assert_int_equal(strncmp(aenv, "mode 600\n", 9), 0);
	assert_non_null(strstr(aenv, "\nANTHROPIC_VERTEX_PROJECT_ID=marker-project\n"));
	for (size_t i = 0; i < f.env_files.nr; i++) {
		assert_int_equal(strncmp(f.env_files.v[i], "mode 600\n", 9), 0);
		assert_null(strstr(f.env_files.v[i], "marker-pw"));
		assert_null(strstr(f.env_files.v[i], "marker-token"));
		assert_null(strstr(f.env_files.v[i], "marker-key"));
	}
	fake_runner_release(&f);
}

static const char running_with_lifecycle[] =
    "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":\"st\","
    "\"paude.io/remote-env\":\"[\\\"P=${containerEnv:PATH}:/x\\\",\\\"GONE\\\"]\","
    "\"paude.io/lifecycle\":\"{\\\"onCreateCommand\\\":[{\\\"argv\\\":[\\\"make\\\"]}],"
    "\\\"postCreateCommand\\\":[{\\\"name\\\":\\\"a\\\",\\\"argv\\\":[\\\"echo\\\",\\\"a\\\"]},"
    "{\\\"name\\\":\\\"b\\\",\\\"argv\\\":[\\\"echo\\\",\\\"b\\\"]}],"
    "\\\"postStartCommand\\\":[{\\\"argv\\\":[\\\"sh\\\",\\\"-c\\\",\\\"serve\\\"]}]}\"}}]";

#define ENV_PREFIX "podman exec paude-st env -u GONE P=/usr/bin:/x "

static void
test_start_runs_the_lifecycle_in_order_with_remote_env(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_lifecycle },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "git"), .out = HAS_CODE },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "printenv", "PATH"),
		  .out = "/usr/bin\n" },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "test"), .status = 1 },
		/* the postStartCommand's stamp is not this start's */
		{ .prefix =
		      FAKE_ARGV("podman", "exec", "paude-st", "sh", "-c",
				"test \"$(cat /pvc/.paude/postStartCommand-done 2>/dev/null)\" = "
				"\"$(cut -d' ' -f22 /proc/1/stat)\""),
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "st", NULL), 0);
	assert_null(err);
	long on_create = fake_runner_find(&f, ENV_PREFIX "make");
	long a = fake_runner_find(&f, ENV_PREFIX "echo a");
	long b = fake_runner_find(&f, ENV_PREFIX "echo b");
	long done =
	    fake_runner_find(&f, "podman exec paude-st sh -c 'mkdir -p /pvc/.paude && : "
				 ">/pvc/.paude/setup-done && rm -f /pvc/.paude/setup-failed'");
	long start = fake_runner_find(&f, ENV_PREFIX "sh -c serve");
	long launch = fake_runner_find(&f, ENV_PREFIX "paude-session launch");
	assert_true(on_create >= 0 && a > on_create && b > a && done > b && start > done &&
		    launch > start);
	/* onCreateCommand succeeded: recorded, so a retry does not repeat it */
	assert_true(fake_runner_find(&f, "podman exec paude-st sh -c 'mkdir -p /pvc/.paude && : "
					 ">/pvc/.paude/onCreateCommand-done'") > on_create);
	assert_true(fake_runner_find(
			&f, "podman exec paude-st sh -c 'mkdir -p /pvc/.paude && cut") > start);
	fake_runner_release(&f);
}

static void
test_failed_named_command_is_reported_by_hook_and_name(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_lifecycle },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "git"), .out = HAS_CODE },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "test"), .status = 1 },
		/* PATH unset: ${containerEnv:PATH} is empty */
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "printenv"), .status = 1 },
		{ .prefix = FAKE_ARGV("podman", "exec", "paude-st", "env", "-u", "GONE", "P=:/x",
				      "echo", "b"),
		  .status = 4 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "st", NULL), PAUDE_ECHILD);
	assert_string_equal(err->msg, "postCreateCommand of session 'st' failed (exit 4): b: echo "
				      "b (it runs again at the next 'paude start st'; to work in "
				      "the session as it is: paude connect st)");
	assert_true(fake_runner_find(&f, "podman exec paude-st sh -c 'mkdir -p /pvc/.paude && : "
					 ">/pvc/.paude/setup-failed'") >= 0);
	assert_int_equal(fake_runner_find(&f, "podman exec paude-st env -u GONE P=:/x sh -c serve"),
			 -1);
	paude_error_free(err);
	fake_runner_release(&f);
}

static void
test_lifecycle_waits_for_the_code_in_a_volume(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_lifecycle },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "st", NULL), 0);
	assert_true(fake_runner_find(&f, "podman exec paude-st git -C /pvc/workspace "
					 "for-each-ref") >= 0);
	assert_int_equal(fake_runner_find(&f, "podman exec paude-st test -e"), -1);
	assert_int_equal(fake_runner_find(&f, "podman exec paude-st env -u GONE P=:/x make"), -1);
	fake_runner_release(&f);
}

static const char running_with_ports[] =
    "[{\"State\":\"running\",\"Labels\":{\"app\":\"paude\",\"paude.io/session-name\":\"st\","
    "\"paude.io/forward-ports\":\"[\\\"3000\\\",\\\"5173\\\"]\"}}]";

static long
find_call_containing(const struct fake_runner *f, const char *needle)
{
	for (size_t i = 0; fake_runner_call(f, i); i++)
		if (strstr(fake_runner_call(f, i), needle))
			return (long)i;
	return -1;
}

static void
test_start_offers_the_ports_and_forwards_them_when_asked(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = running_with_ports },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "start", "st", NULL), 0);
	assert_int_equal(find_call_containing(&f, "port-forward"), -1);
	fake_runner_release(&f);

	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(cli_harness_run(&f, &err, "start", "--forward-ports", "st", NULL), 0);
	/* paude itself, in the background, for both ports */
	long i = find_call_containing(&f, " port-forward --detach -- st 3000 5173");
	assert_true(i > find_call_containing(&f, "paude-session launch"));
	fake_runner_release(&f);
}

static void
test_host_requirements_raise_the_limits_unless_given(void **state)
{
	(void)state;
	write_file(".devcontainer.json",
		   "{ \"image\": \"localhost/some-base:1\", "
		   "\"hostRequirements\": { \"cpus\": 3, \"memory\": \"12gb\" } }");
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "hr", NULL), 0);
	const char *call = agent_create(&f);
	assert_non_null(strstr(call, " --memory=12g "));
	assert_non_null(strstr(call, " --cpus=3 "));
	assert_non_null(strstr(call, "paude.io/memory=12g"));
	fake_runner_release(&f);

	/* Chosen on the command line: kept (and a lower one is warned about). */
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	assert_int_equal(
	    cli_harness_run(&f, &err, "create", "hr2", "--memory", "4g", "--cpus", "1", NULL), 0);
	call = agent_create(&f);
	assert_non_null(strstr(call, " --memory=4g "));
	assert_non_null(strstr(call, " --cpus=1 "));
	fake_runner_release(&f);
}

static void
test_bad_venv_entry_is_refused(void **state)
{
	(void)state;
	/* The config parser refuses most; what gets through is checked again here. */
	write_file("paude.json", "{ \"venv\": [\"a,readonly=true\"] }");
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	int r = cli_harness_run(&f, &err, "create", "bad", "--mount-workspace", NULL);
	assert_int_equal(r, PAUDE_EUSAGE);
	assert_int_equal(fake_runner_find(&f, "podman create"), -1);
	paude_error_free(err);
	fake_runner_release(&f);
}

static void
test_root_owned_tree_is_not_mounted_by_rootful_podman(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* rootless maps the caller instead: nothing to refuse */
	assert_int_equal(chown(project, 0, 0), 0);
	struct fake_runner f;
	fake_runner_init(&f, create_replies, ARRAY_SIZE(create_replies));
	struct paude_error *err = NULL;
	assert_int_equal(cli_harness_run(&f, &err, "create", "rooty", "--mount-workspace", NULL),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "it belongs to root, and the agent never runs as root"));
	assert_int_equal(fake_runner_find(&f, "podman create"), -1);
	/* The default mode copies nothing from the tree: it does not care who owns it. */
	paude_error_clear(&err);
	assert_int_equal(cli_harness_run(&f, &err, "create", "rooty", NULL), 0);
	paude_error_free(err);
	fake_runner_release(&f);
}

int
main(void)
{
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_vertex_credentials_go_to_the_gateway_only,
				       fresh_project),
		cmocka_unit_test_setup(test_api_key_goes_to_the_gateway_only, fresh_project),
		cmocka_unit_test_setup(test_devcontainer_setup_and_env_reach_the_session,
				       fresh_project),
		cmocka_unit_test_setup(test_mount_workspace_shadows_detected_venvs, fresh_project),
		cmocka_unit_test_setup(test_venv_setting_lists_or_disables_shadowing,
				       fresh_project),
		cmocka_unit_test_setup(test_setup_output_reaches_the_terminal_sanitized,
				       fresh_project),
		cmocka_unit_test(test_only_named_host_variables_pass_and_never_secrets),
		cmocka_unit_test_setup(test_create_passes_host_values_only_through_a_private_file,
				       fresh_project),
		cmocka_unit_test_setup(test_bad_venv_entry_is_refused, fresh_project),
		cmocka_unit_test_setup(test_root_owned_tree_is_not_mounted_by_rootful_podman,
				       fresh_project),
		cmocka_unit_test(test_start_leaves_the_claude_login_out_when_the_gateway_serves),
		cmocka_unit_test(test_start_without_any_provider_says_so_instead_of_attaching),
		cmocka_unit_test(test_the_default_network_follows_the_provider),
		cmocka_unit_test(test_start_runs_setup_once_and_marks_it_done),
		cmocka_unit_test(test_start_skips_setup_that_already_ran),
		cmocka_unit_test(test_failed_setup_is_reported_and_runs_again),
		cmocka_unit_test(test_start_runs_the_lifecycle_in_order_with_remote_env),
		cmocka_unit_test(test_failed_named_command_is_reported_by_hook_and_name),
		cmocka_unit_test(test_lifecycle_waits_for_the_code_in_a_volume),
		cmocka_unit_test_setup(test_host_requirements_raise_the_limits_unless_given,
				       fresh_project),
		cmocka_unit_test(test_start_offers_the_ports_and_forwards_them_when_asked),
	};
	return cmocka_run_group_tests_name("setup", tests, setup, teardown);
}
