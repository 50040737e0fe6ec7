/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the create plan (lib/backend/create-plan.c, create-podman.c,
 * kube-images.c): the host's environment comes in as fields and nothing
 * else of it is read; the dry run is rendered by the backend from the same
 * builders the real create runs; given images are used as they are; a
 * cluster's plan names the images as they would be pushed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scratch.h"
#include "fake-runner.h"
#include "paude/backend/create-plan.h"
#include "paude/core/fs.h"
#include "paude/backend/kube.h"
#include "paude/backend/podman.h"
#include "paude/core/run.h"

static char scratch[256];
static char said[4096];

static int
setup(void **state)
{
	(void)state;
	(void)snprintf(scratch, sizeof(scratch), "/tmp/paude-test-create-plan-XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	setenv("HOME", scratch, 1);
	setenv("XDG_CACHE_HOME", scratch, 1);
	setenv("TMPDIR", scratch, 1);
	/* What the process environment says must not matter: the plan reads
	 * only the fields it is given. */
	setenv("CLAUDE_CODE_USE_VERTEX", "1", 1);
	setenv("ANTHROPIC_API_KEY", "sk-from-the-environment", 1);
	setenv("PAUDE_IMAGE", "-from-the-environment", 1);
	setenv("PAUDE_PROXY_ALLOW_PRIVATE_DST", "192.168.0.0/16", 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	scratch_remove(scratch);
	unsetenv("CLAUDE_CODE_USE_VERTEX");
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("PAUDE_IMAGE");
	unsetenv("PAUDE_PROXY_ALLOW_PRIVATE_DST");
	return 0;
}

static void
record(void *ctx, enum paude_log_level level, const char *msg)
{
	(void)ctx;
	size_t n = strlen(said);
	(void)snprintf(said + n, sizeof(said) - n, "%d:%s\n", (int)level, msg);
}

/* A spec and its plan, with the process's environment nowhere in it. */
struct fixture {
	struct paude_session_spec spec;
	struct paude_create_env env;
	struct paude_create_plan plan;
};

static void
fixture_init(struct fixture *x, const char *name)
{
	memset(x, 0, sizeof(*x));
	paude_session_init(&x->spec.meta);
	paude_strvec_init(&x->spec.env);
	x->spec.meta.name = strdup(name);
	x->spec.meta.workspace = strdup(scratch);
	x->spec.meta.agent = strdup("claude");
	x->plan.spec = &x->spec;
	x->plan.env = &x->env;
	x->plan.say = record;
	said[0] = '\0';
}

static void
fixture_release(struct fixture *x)
{
	paude_create_plan_release(&x->plan);
	paude_session_spec_release(&x->spec);
}

static bool
has(const struct paude_strvec *v, const char *s)
{
	return paude_strvec_find(v, s) >= 0;
}

static void
test_gateway_takes_the_provider_from_the_given_fields_only(void **state)
{
	(void)state;
	char adc[512];
	(void)snprintf(adc, sizeof(adc), "%s/adc.json", scratch);
	scratch_write(scratch, "adc.json", "{\"type\":\"authorized_user\"}");
	static const char *const vars[] = { "VERTEX_REGION_CLAUDE_X=us-central1",
					    "VERTEX_REGION_API_KEY=SECRET", "PATH=/bin", NULL };
	struct fixture x;
	struct paude_error *err = NULL;

	/* Vertex AI: the project, the regions (never from a secret's name). */
	fixture_init(&x, "gw");
	x.env = (struct paude_create_env){ .vars = vars,
					   .use_vertex = true,
					   .vertex_project = "p-1",
					   .region = "europe-west4",
					   .adc_path = adc };
	assert_int_equal(paude_create_plan_gateway(&x.plan, &err), 0);
	assert_string_equal(x.plan.gateway.provider, "vertex");
	assert_string_equal(x.plan.gateway.project, "p-1");
	assert_string_equal(x.plan.gateway.regions, "europe-west4,us-central1");
	assert_string_equal(x.plan.gateway.adc_host_file, adc);
	assert_ptr_equal(x.spec.gateway, &x.plan.gateway);
	assert_string_equal(x.spec.meta.gateway, "vertex");
	assert_true(has(&x.spec.env, "ANTHROPIC_VERTEX_BASE_URL=http://paude-proxy:8090/v1"));
	assert_true(has(&x.spec.env, "CLOUD_ML_REGION=europe-west4"));
	assert_string_equal(said, "");
	fixture_release(&x);

	/* Neither field set: no provider, whatever the process's environment says. */
	fixture_init(&x, "gw");
	assert_int_equal(paude_create_plan_gateway(&x.plan, &err), 0);
	assert_string_equal(x.plan.gateway.provider, "none");
	assert_int_equal(x.spec.env.nr, 0);
	fixture_release(&x);

	/* The Anthropic API: a placeholder credential, never the key. */
	fixture_init(&x, "gw");
	x.env.api_key = true;
	x.env.token_url = "http://127.0.0.1:9/token";
	assert_int_equal(paude_create_plan_gateway(&x.plan, &err), 0);
	assert_string_equal(x.plan.gateway.provider, "anthropic");
	assert_true(has(&x.spec.env, "ANTHROPIC_AUTH_TOKEN=paude-gateway-placeholder"));
	assert_string_equal(x.plan.gateway.token_url, "http://127.0.0.1:9/token");
	/* The hook is told through the say callback, at the warning level. */
	assert_string_equal(said, "1:PAUDE_GATEWAY_TOKEN_URL is set: the model gateway calls "
				  "http://127.0.0.1:9/token instead of the real endpoint\n");
	fixture_release(&x);

	fixture_init(&x, "gw");
	x.env.vertex_url = "ftp://x";
	assert_int_equal(paude_create_plan_gateway(&x.plan, &err), PAUDE_EUSAGE);
	assert_string_equal(
	    err->msg, "invalid PAUDE_GATEWAY_VERTEX_URL 'ftp://x' (an http:// or https:// URL)");
	paude_error_free(err);
	err = NULL;
	fixture_release(&x);

	/* An ADC file of a kind the gateway cannot use. */
	scratch_write(scratch, "adc.json", "{\"type\":\"external_account\"}");
	fixture_init(&x, "gw");
	x.env = (struct paude_create_env){ .use_vertex = true,
					   .vertex_project = "p-1",
					   .adc_path = adc };
	assert_int_equal(paude_create_plan_gateway(&x.plan, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "unsupported credentials type 'external_account'"));
	paude_error_free(err);
	fixture_release(&x);
}

static void
test_environment_passes_named_variables_and_the_given_ca_bundle(void **state)
{
	(void)state;
	scratch_write(scratch, ".gitconfig", "[user]\n\tname = t\n");
	scratch_write(scratch, "ca.pem", "-----BEGIN CERTIFICATE-----\n");
	char ca[512], gitconfig[512];
	(void)snprintf(ca, sizeof(ca), "%s/ca.pem", scratch);
	(void)snprintf(gitconfig, sizeof(gitconfig), "%s/.gitconfig", scratch);
	static const char *const vars[] = { "ANTHROPIC_MODEL=m", "FOO_TOKEN=x",
					    "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE=/host/ca.pem",
					    "HOME=/root", NULL };
	struct fixture x;
	struct paude_error *err = NULL;
	fixture_init(&x, "envs");
	x.env.vars = vars;
	x.env.ca_bundle = ca;
	assert_int_equal(paude_create_plan_environment(&x.plan, &err), 0);
	assert_int_equal(x.spec.n_mounts, 2);
	assert_string_equal(x.spec.mounts[0].host, gitconfig);
	assert_string_equal(x.spec.mounts[0].target, PAUDE_AGENT_HOME "/.gitconfig");
	assert_true(x.spec.mounts[0].read_only);
	assert_string_equal(x.spec.mounts[1].host, ca);
	assert_string_equal(x.spec.mounts[1].target, PAUDE_CA_BUNDLE_TARGET);
	assert_true(has(&x.spec.env, "SSL_CERT_FILE=" PAUDE_CA_BUNDLE_TARGET));
	assert_true(has(&x.spec.env, "ANTHROPIC_MODEL=m"));
	assert_true(has(&x.spec.env, "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE=" PAUDE_CA_BUNDLE_TARGET));
	for (size_t i = 0; i < x.spec.env.nr; i++) {
		assert_null(strstr(x.spec.env.v[i], "TOKEN"));
		assert_null(strstr(x.spec.env.v[i], "HOME"));
	}
	/* A missing optional file is skipped and said at the verbose level. */
	assert_non_null(strstr(said, "3:not mounting '"));
	fixture_release(&x);

	fixture_init(&x, "envs");
	x.env.ca_bundle = "/nonexistent/ca.pem";
	assert_int_equal(paude_create_plan_environment(&x.plan, &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "CA bundle '/nonexistent/ca.pem' is not a file (fix "
				      "PAUDE_CA_BUNDLE, or set it empty for none)");
	paude_error_free(err);
	fixture_release(&x);
}

static void
test_network_takes_private_ranges_from_the_given_field(void **state)
{
	(void)state;
	struct fixture x;
	struct paude_error *err = NULL;
	fixture_init(&x, "net");
	paude_strvec_push(&x.spec.meta.allowed_domains, "default");
	x.env.private_dst = "10.20.0.0/16";
	assert_int_equal(paude_create_plan_network(&x.plan, &err), 0);
	assert_int_equal(x.spec.meta.allow_private_dst.nr, 1);
	assert_string_equal(x.spec.meta.allow_private_dst.v[0], "10.20.0.0/16");
	fixture_release(&x);

	/* Not given: none, whatever the process's environment says. */
	fixture_init(&x, "net");
	paude_strvec_push(&x.spec.meta.allowed_domains, "default");
	assert_int_equal(paude_create_plan_network(&x.plan, &err), 0);
	assert_int_equal(x.spec.meta.allow_private_dst.nr, 0);
	fixture_release(&x);

	/* Unrestricted: no proxy to tell. */
	fixture_init(&x, "net");
	paude_strvec_push(&x.spec.meta.allowed_domains, "all");
	x.env.private_dst = "10.20.0.0/16";
	assert_int_equal(paude_create_plan_network(&x.plan, &err), 0);
	assert_int_equal(x.spec.meta.allow_private_dst.nr, 0);
	fixture_release(&x);
}

static void
test_given_images_are_used_as_they_are_and_nothing_runs(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend b = { .ops = &paude_backend_podman, .runner = &f.runner };
	struct fixture x;
	struct paude_error *err = NULL;
	fixture_init(&x, "given");
	x.env.image = "quay.io/x/agent:1";
	x.env.proxy_image = "quay.io/x/proxy:1";
	assert_int_equal(paude_create_prepare(&b, &x.plan, &err), 0);
	assert_string_equal(x.plan.image_ref, "quay.io/x/agent:1");
	assert_string_equal(x.plan.proxy_image_ref, "quay.io/x/proxy:1");
	assert_string_equal(x.spec.meta.image, "quay.io/x/agent:1");
	assert_string_equal(x.spec.proxy_image, "quay.io/x/proxy:1");
	assert_null(fake_runner_call(&f, 0));
	fixture_release(&x);

	fixture_init(&x, "given");
	x.env.image = "--privileged";
	assert_int_equal(paude_create_prepare(&b, &x.plan, &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "invalid PAUDE_IMAGE '--privileged'");
	paude_error_free(err);
	assert_null(fake_runner_call(&f, 0));
	fixture_release(&x);
	fake_runner_release(&f);
}

static void
test_podman_dry_run_shows_the_argv_the_backend_runs(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend b = { .ops = &paude_backend_podman, .runner = &f.runner };
	struct fixture x;
	struct paude_error *err = NULL;
	fixture_init(&x, "vol");
	paude_strvec_push(&x.spec.meta.allowed_domains, "default");
	x.spec.meta.disk = (uint64_t)5 << 30;
	x.plan.dry_run = true;
	x.plan.branch = strdup("main");
	x.env.image = "quay.io/x/agent:1";
	x.env.proxy_image = "quay.io/x/proxy:1";
	assert_int_equal(paude_create_plan_network(&x.plan, &err), 0);
	assert_int_equal(paude_create_prepare(&b, &x.plan, &err), 0);
	struct paude_create_render out = PAUDE_CREATE_RENDER_INIT;
	assert_int_equal(paude_create_render(&b, &x.plan, &out, &err), 0);

	/* The volume line is the backend's own argv, quoted. */
	struct paude_strvec vol = PAUDE_STRVEC_INIT;
	paude_podman_volume_create_argv(&x.spec.meta, &vol);
	struct paude_buf q = PAUDE_BUF_INIT;
	paude_quote_argv(&q, (const char *const *)vol.v);
	assert_string_equal(q.buf, "podman volume create --label app=paude --label "
				   "paude.io/session-name=vol --opt size=5g paude-vol-workspace");
	char line[512];
	(void)snprintf(line, sizeof(line), "\nCommands that would run:\n  %s\n  podman create ",
		       q.buf);
	assert_non_null(strstr(out.out.buf, line));
	assert_non_null(strstr(out.out.buf, "Code:       branch 'main' pushed into the session "
					    "at create (remote paude-vol)\n"));
	assert_non_null(strstr(out.out.buf, "Image:      quay.io/x/agent:1\n"));
	assert_int_equal(strncmp(out.out.buf, "Session:    vol (not created: dry run)\n", 39), 0);
	assert_int_equal(out.info.len, 0);
	/* A dry run runs nothing. */
	assert_null(fake_runner_call(&f, 0));
	paude_buf_release(&q);
	paude_strvec_clear(&vol);
	paude_create_render_release(&out);
	fixture_release(&x);
	fake_runner_release(&f);
}

static void
test_cluster_plan_names_pushed_images_and_renders_a_list(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_backend b = { .ops = &paude_backend_kube, .runner = &f.runner };
	struct fixture x;
	struct paude_error *err = NULL;

	fixture_init(&x, "kub");
	x.plan.kube.registry = "https://reg.example.com";
	x.plan.dry_run = true;
	assert_int_equal(paude_create_prepare(&b, &x.plan, &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "invalid registry 'https://reg.example.com' (write "
				      "HOST[:PORT]/PATH, e.g. quay.io/me)");
	paude_error_free(err);
	err = NULL;
	fixture_release(&x);

	fixture_init(&x, "kub");
	paude_strvec_push(&x.spec.meta.allowed_domains, "default");
	x.plan.kube.registry = "reg.example.com/team";
	x.plan.dry_run = true;
	/* A given image stays as given; the proxy's is named as pushed. */
	x.env.image = "quay.io/x/agent:1";
	assert_int_equal(paude_create_plan_network(&x.plan, &err), 0);
	assert_int_equal(paude_create_prepare(&b, &x.plan, &err), 0);
	assert_string_equal(x.spec.meta.image, "quay.io/x/agent:1");
	assert_int_equal(strncmp(x.plan.proxy_image_ref, "reg.example.com/team/paude-proxy:", 33),
			 0);
	struct paude_create_render out = PAUDE_CREATE_RENDER_INIT;
	assert_int_equal(paude_create_render(&b, &x.plan, &out, &err), 0);
	assert_int_equal(out.out.buf[0], '{');
	assert_non_null(strstr(out.out.buf, "\"List\""));
	assert_non_null(strstr(out.out.buf, "quay.io/x/agent:1"));
	assert_int_equal(out.out.buf[out.out.len - 1], '\n');
	assert_int_equal(strncmp(out.info.buf, "Session 'kub' (not created: dry run).", 37), 0);
	assert_null(fake_runner_call(&f, 0));
	paude_create_render_release(&out);
	fixture_release(&x);
	fake_runner_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_takes_the_provider_from_the_given_fields_only),
		cmocka_unit_test(test_environment_passes_named_variables_and_the_given_ca_bundle),
		cmocka_unit_test(test_network_takes_private_ranges_from_the_given_field),
		cmocka_unit_test(test_given_images_are_used_as_they_are_and_nothing_runs),
		cmocka_unit_test(test_podman_dry_run_shows_the_argv_the_backend_runs),
		cmocka_unit_test(test_cluster_plan_names_pushed_images_and_renders_a_list),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
