/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/backend/net-podman.c: every podman argv of a session's network, through the
 * fake runner. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/net/allowlist.h"
#include "paude/backend/net-podman.h"
#include "fake-runner.h"

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char networks_json[] =
    "[{\"name\":\"podman\",\"subnets\":[{\"subnet\":\"10.88.0.0/16\",\"gateway\":\"10.88.0.1\"}]},"
    "{\"name\":\"a\",\"subnets\":[{\"subnet\":\"10.98.0.0/24\"}]},"
    "{\"name\":\"b\",\"subnets\":[{\"subnet\":\"10.98.1.128/25\"},{\"subnet\":\"fd00::/64\"}]},"
    "{\"name\":\"c\"}]";

static const struct paude_net_podman_opts opts = { .proxy_image = "localhost/paude-proxy:1" };

static void
allowlist(struct paude_allowlist *al, const char *const *values)
{
	paude_allowlist_init(al);
	assert_int_equal(paude_allowlist_parse(al, values, NULL), 0);
}

static void
assert_call(const struct fake_runner *f, size_t i, const char *want)
{
	const char *got = fake_runner_call(f, i);
	if (!got || strcmp(got, want))
		fail_msg("call %zu:\n expected: %s\n      got: %s", i, want, got ? got : "(none)");
}

/* Call i with its --env-file=PATH written --env-file=ENVFILE (the path is
 * a new private directory each time). Caller frees. */
static char *
masked_call(const struct fake_runner *f, size_t i)
{
	const char *call = fake_runner_call(f, i);
	assert_non_null(call);
	const char *ef = strstr(call, "--env-file=");
	if (!ef)
		return paude_xasprintf("%s", call);
	size_t n = strcspn(ef + 11, " ");
	return paude_xasprintf("%.*s--env-file=ENVFILE%s", (int)(ef - call), call, ef + 11 + n);
}

static void
assert_ncalls(const struct fake_runner *f, size_t n)
{
	if (f->calls.nr != n) {
		for (size_t i = 0; i < f->calls.nr; i++)
			print_message("call %zu: %s\n", i, f->calls.v[i]);
		fail_msg("expected %zu calls, got %zu", n, f->calls.nr);
	}
}

static void
test_pick_subnet_skips_overlaps(void **state)
{
	(void)state;
	unsigned k = 999;
	assert_int_equal(paude_net_pick_subnet(&k, networks_json, strlen(networks_json), 0, NULL),
			 0);
	assert_int_equal(k, 2); /* .0 taken; .1.128/25 overlaps .1.0/24 */
	assert_int_equal(paude_net_pick_subnet(&k, networks_json, strlen(networks_json), 7, NULL),
			 0);
	assert_int_equal(k, 7);

	/* A wide subnet covering the whole range leaves nothing. */
	const char wide[] = "[{\"subnets\":[{\"subnet\":\"10.0.0.0/8\"}]}]";
	struct paude_error *e = NULL;
	assert_int_equal(paude_net_pick_subnet(&k, wide, strlen(wide), 0, &e), PAUDE_ENOTFOUND);
	paude_error_free(e);

	const char bad[] = "{\"not\":\"an array\"}";
	e = NULL;
	assert_int_equal(paude_net_pick_subnet(&k, bad, strlen(bad), 0, &e), PAUDE_EPROTO);
	paude_error_free(e);
	e = NULL;
	assert_int_equal(paude_net_pick_subnet(&k, "[", 1, 0, &e), PAUDE_EPROTO);
	paude_error_free(e);
}

/* The proxy runs the model gateway with its settings and the credentials
 * mounted read-only; the API key goes by name only (its value never on a
 * command line), and the agent's arguments carry none of it. */
static void
test_gateway_settings_and_credentials_go_to_the_proxy_only(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), networks_json, "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	const struct paude_gateway g = {
		.provider = "vertex",
		.project = "my-proj",
		.regions = "us-east5,global",
		.adc_file = PAUDE_GATEWAY_ADC_COPY,
		.adc_host_file = "/home/u/.config/gcloud/application_default_credentials.json",
		.api_key = true,
		.token_url = "http://fake:8080/token",
	};
	struct paude_net_podman_opts o = opts;
	o.gateway = &g;
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &o, &agent, &e), 0);
	_cleanup_free_ char *proxy = masked_call(&f, 2);
	/* The settings in a private env file (values from the user's
	 * environment never on a command line), the key by name only. */
	const char *want = " --env-file=ENVFILE --env ANTHROPIC_API_KEY -- localhost/paude-proxy:1";
	/* No host path in the proxy's definition: the file is copied in at start. */
	assert_null(strstr(proxy, "/home/u"));
	if (!strstr(proxy, want))
		fail_msg("proxy create:\n%s", proxy);
	assert_int_equal(f.env_files.nr, 1);
	assert_string_equal(f.env_files.v[0],
			    "mode 600\nPAUDE_GATEWAY_LISTEN=10.98.2.10:8090\n"
			    "PAUDE_GATEWAY_PROVIDER=vertex\nPAUDE_GATEWAY_PROJECT=my-proj\n"
			    "PAUDE_GATEWAY_REGIONS=us-east5,global\n"
			    "PAUDE_GATEWAY_ADC=/run/paude-proxy/adc.json\n"
			    "PAUDE_GATEWAY_TOKEN_URL=http://fake:8080/token\n");
	for (size_t i = 0; i < agent.nr; i++)
		if (strstr(agent.v[i], "gcloud") || strstr(agent.v[i], "PAUDE_GATEWAY") ||
		    strstr(agent.v[i], "ANTHROPIC_API_KEY"))
			fail_msg("agent argument %s", agent.v[i]);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

/* --allowed-domains all still gets the sidecar, to hold the credentials:
 * no squid in it, and the agent also on Podman's default network (its way
 * out) with no proxy variables. */
static void
test_unrestricted_gets_a_gateway_only_sidecar(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), networks_json, "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("all"));
	const struct paude_gateway g = { .provider = "anthropic", .api_key = true };
	struct paude_net_podman_opts o = opts;
	o.gateway = &g;
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &o, &agent, &e), 0);
	assert_ncalls(&f, 3);
	_cleanup_free_ char *proxy = masked_call(&f, 2);
	assert_string_equal(
	    proxy, "podman create --name paude-proxy-demo --label app=paude "
		   "--label paude.io/session-name=demo --label paude.io/role=proxy "
		   "--label 'paude.io/allowed-domains=[\"all\"]' "
		   "--network paude-net-demo:ip=10.98.2.10,mac=02:70:61:75:02:0a --network podman "
		   "--hostname paude-proxy --cap-drop=ALL --security-opt=no-new-privileges "
		   "--pids-limit 128 --userns=auto --read-only "
		   "--mount=type=tmpfs,destination=/run/paude-proxy,tmpfs-size=16m,tmpfs-mode=0770,"
		   "U=true,notmpcopyup "
		   "--mount=type=tmpfs,destination=/var/log/squid,tmpfs-size=64m,tmpfs-mode=0770,"
		   "U=true,notmpcopyup "
		   "--mount=type=tmpfs,destination=/var/spool/squid,tmpfs-size=16m,tmpfs-mode=0770,"
		   "U=true,notmpcopyup "
		   "--memory=256m --memory-swap=256m --cpus=1 "
		   "--sysctl=net.ipv6.conf.all.disable_ipv6=1 "
		   "--sysctl=net.ipv6.conf.default.disable_ipv6=1 "
		   "'--sysctl=net.ipv4.ping_group_range=1 0' --env PAUDE_GATEWAY_ONLY=1 "
		   "--env-file=ENVFILE --env ANTHROPIC_API_KEY -- localhost/paude-proxy:1");
	assert_int_equal(f.env_files.nr, 1);
	assert_string_equal(f.env_files.v[0], "mode 600\nPAUDE_GATEWAY_LISTEN=10.98.2.10:8090\n"
					      "PAUDE_GATEWAY_PROVIDER=anthropic\n");
	const char *const want_agent[] = {
		"--network",  "podman",
		"--network",  "paude-net-demo",
		"--add-host", "paude-proxy:10.98.2.10",
		"--env",      "NO_PROXY=localhost,127.0.0.1,::1,paude-proxy",
		"--env",      "no_proxy=localhost,127.0.0.1,::1,paude-proxy",
	};
	assert_int_equal(agent.nr, ARRAY_SIZE(want_agent));
	for (size_t i = 0; i < agent.nr; i++)
		assert_string_equal(agent.v[i], want_agent[i]);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

/* The credentials reach the gateway through stdin, never argv. */
static void
test_gateway_credentials_go_in_through_stdin(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	_cleanup_error_ struct paude_error *e = NULL;
	const char adc[] = "{\"refresh_token\":\"SECRET\"}";
	assert_int_equal(
	    paude_net_podman_gateway_credentials(&f.runner, "demo", adc, strlen(adc), NULL, &e), 0);
	assert_ncalls(&f, 1);
	assert_call(&f, 0,
		    "podman exec -i paude-proxy-demo sh -c 'umask 077 && cat "
		    ">/run/paude-proxy/adc.json.new && mv -f /run/paude-proxy/adc.json.new "
		    "/run/paude-proxy/adc.json'");
	assert_string_equal(f.stdin_data.v[0], adc);
	fake_runner_release(&f);
}

static void
test_create_builds_network_proxy_and_agent_args(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), networks_json, "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi", "allowed.test"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	paude_strvec_push(&agent, "--existing");

	_cleanup_error_ struct paude_error *e = NULL;
	int r = paude_net_podman_create(&f.runner, "demo", &al, &opts, &agent, &e);
	if (r)
		fail_msg("create: %s", e->msg);
	assert_ncalls(&f, 3);
	assert_call(&f, 0, "podman network ls --format json");
	assert_call(&f, 1,
		    "podman network create --internal --disable-dns --subnet 10.98.2.0/24 "
		    "--label app=paude --label paude.io/session-name=demo paude-net-demo");

	/* The proxy: both networks, fixed address, labels, hardening, config in env. */
	const char *proxy = fake_runner_call(&f, 2);
	const char *want_prefix =
	    "podman create --name paude-proxy-demo --label app=paude "
	    "--label paude.io/session-name=demo --label paude.io/role=proxy "
	    "--label 'paude.io/allowed-domains=[\"pypi\",\"allowed.test\"]' "
	    "--network paude-net-demo:ip=10.98.2.10,mac=02:70:61:75:02:0a --network podman "
	    "--hostname paude-proxy "
	    "--cap-drop=ALL --security-opt=no-new-privileges --pids-limit 128 --userns=auto "
	    "--read-only "
	    "--mount=type=tmpfs,destination=/run/paude-proxy,tmpfs-size=16m,tmpfs-mode=0770,"
	    "U=true,notmpcopyup "
	    "--mount=type=tmpfs,destination=/var/log/squid,tmpfs-size=64m,tmpfs-mode=0770,"
	    "U=true,notmpcopyup "
	    "--mount=type=tmpfs,destination=/var/spool/squid,tmpfs-size=16m,tmpfs-mode=0770,"
	    "U=true,notmpcopyup "
	    "--memory=256m --memory-swap=256m --cpus=1 "
	    "--sysctl=net.ipv6.conf.all.disable_ipv6=1 "
	    "--sysctl=net.ipv6.conf.default.disable_ipv6=1 "
	    "'--sysctl=net.ipv4.ping_group_range=1 0' --env ";
	if (strncmp(proxy, want_prefix, strlen(want_prefix)))
		fail_msg("proxy create:\n%s", proxy);
	const char *tail = " -- localhost/paude-proxy:1";
	assert_string_equal(proxy + strlen(proxy) - strlen(tail), tail);
	assert_non_null(strstr(proxy, "PAUDE_SQUID_CONF=# squid configuration generated by "
				      "paude for session "));
	assert_non_null(strstr(proxy, "http_port 10.98.2.10:3128"));
	assert_non_null(strstr(proxy, "acl paude_allowed dstdomain -n allowed.test "
				      "files.pythonhosted.org pypi.org\n"));
	/* No exception given: every private range is refused. */
	assert_non_null(strstr(proxy, "acl paude_private_dst dst 0.0.0.0/8 10.0.0.0/8 "));
	assert_null(strstr(proxy, "# Except"));

	/* The agent's options are appended after what was there. */
	const char *const want_agent[] = {
		"--existing",
		"--network",
		"paude-net-demo",
		"--add-host",
		"paude-proxy:10.98.2.10",
		"--env",
		"HTTP_PROXY=http://paude-proxy:3128",
		"--env",
		"HTTPS_PROXY=http://paude-proxy:3128",
		"--env",
		"http_proxy=http://paude-proxy:3128",
		"--env",
		"https_proxy=http://paude-proxy:3128",
		"--env",
		"NO_PROXY=localhost,127.0.0.1,::1,paude-proxy",
		"--env",
		"no_proxy=localhost,127.0.0.1,::1,paude-proxy",
	};
	assert_int_equal(agent.nr, ARRAY_SIZE(want_agent));
	for (size_t i = 0; i < agent.nr; i++)
		assert_string_equal(agent.v[i], want_agent[i]);

	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_create_rootless_proxy_keeps_podman_userns_and_takes_profile(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), networks_json, "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("allowed.test"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	const struct paude_net_podman_opts o = { .proxy_image = "localhost/paude-proxy:1",
						 .rootless = true,
						 .seccomp_profile = "/run/x/profile.json" };
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &o, &agent, &e), 0);
	const char *proxy = fake_runner_call(&f, 2);
	assert_null(strstr(proxy, "--userns"));
	assert_non_null(strstr(proxy,
			       " --pids-limit 128 --security-opt=seccomp=/run/x/profile.json "
			       "--read-only "));
	assert_non_null(strstr(proxy, " --memory=256m --memory-swap=256m --cpus=1 "));
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_create_hands_private_exceptions_to_squid(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), "[]", "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("allowed.test"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	const struct paude_net_podman_opts o = {
		.proxy_image = "localhost/paude-proxy:1",
		.allow_private_dst = V("10.89.3.0/24"),
	};
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &o, &agent, &e), 0);
	const char *proxy = fake_runner_call(&f, 2);
	assert_non_null(strstr(proxy, "# Except (PAUDE_PROXY_ALLOW_PRIVATE_DST): 10.89.3.0/24\n"));
	assert_non_null(strstr(proxy, " 10.89.0.0/23 10.89.2.0/24 10.89.4.0/22 "));
	assert_null(strstr(proxy, " 10.0.0.0/8 "));
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_create_honours_egress_network_and_podman_program(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("/opt/podman", "network", "ls"), "[]", "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	const struct paude_net_podman_opts o = { .proxy_image = "img",
						 .egress_network = "h3-inet",
						 .podman = "/opt/podman" };
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &o, &agent, NULL), 0);
	assert_call(&f, 1,
		    "/opt/podman network create --internal --disable-dns --subnet 10.98.0.0/24 "
		    "--label app=paude --label paude.io/session-name=demo paude-net-demo");
	assert_non_null(strstr(
	    fake_runner_call(&f, 2),
	    "--network paude-net-demo:ip=10.98.0.10,mac=02:70:61:75:00:0a --network h3-inet "));
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_create_retries_when_subnet_is_taken(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), "[]", "", 0, 0 },
		{ FAKE_ARGV("podman", "network", "create", "--internal", "--disable-dns",
			    "--subnet", "10.98.0.0/24"),
		  "",
		  "Error: subnet 10.98.0.0/24 is already used on the host or by another config\n",
		  125, 0 },
		{ FAKE_ARGV("podman", "network", "create", "--internal", "--disable-dns",
			    "--subnet", "10.98.1.0/24"),
		  "",
		  "Error: subnet 10.98.1.0/24 is already used on the host or by another config\n",
		  125, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &opts, &agent, NULL), 0);
	assert_ncalls(&f, 5);
	assert_non_null(strstr(fake_runner_call(&f, 3), "--subnet 10.98.2.0/24 "));
	assert_non_null(
	    strstr(fake_runner_call(&f, 4), "paude-net-demo:ip=10.98.2.10,mac=02:70:61:75:02:0a"));
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_create_reports_existing_network(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), "[]", "", 0, 0 },
		{ FAKE_ARGV("podman", "network", "create"), "",
		  "Error: network name paude-net-demo already used: network already exists\n", 125,
		  0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &opts, &agent, &e),
			 PAUDE_EEXISTS);
	assert_string_equal(e->msg, "network 'paude-net-demo' already exists (remove the old "
				    "session first: paude delete demo --confirm)");
	assert_ncalls(&f, 2); /* nothing removed: it was not ours */
	assert_int_equal(agent.nr, 0);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_create_rolls_back_the_network_when_the_proxy_fails(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), "[]", "", 0, 0 },
		{ FAKE_ARGV("podman", "create"), "",
		  "Error: localhost/paude-proxy:1: image not known\n", 125, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &opts, &agent, &e),
			 PAUDE_ECHILD);
	assert_string_equal(
	    e->msg, "podman create: exit 125: Error: localhost/paude-proxy:1: image not known");
	assert_ncalls(&f, 5);
	assert_call(&f, 3,
		    "podman rm --force --ignore --time 5 paude-proxy-demo paude-proxy-demo-next "
		    "paude-proxy-demo-old");
	assert_call(&f, 4, "podman network rm paude-net-demo");
	assert_int_equal(agent.nr, 0);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_create_reports_existing_proxy_and_keeps_it(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "ls"), "[]", "", 0, 0 },
		{ FAKE_ARGV("podman", "create"), "",
		  "Error: creating container storage: the container name \"paude-proxy-demo\" is "
		  "already in use by abc\n",
		  125, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &opts, &agent, &e),
			 PAUDE_EEXISTS);
	assert_non_null(strstr(e->msg, "container 'paude-proxy-demo' already exists"));
	assert_ncalls(&f, 4); /* the new network is removed; the old proxy is not */
	assert_call(&f, 3, "podman network rm paude-net-demo");
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_unrestricted_creates_nothing(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_allowlist al;
	allowlist(&al, V("all"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, NULL, &agent, NULL), 0);
	assert_ncalls(&f, 0);
	assert_int_equal(agent.nr, 0);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_bad_names_and_images_never_reach_podman(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	_cleanup_strvec_ struct paude_strvec agent = PAUDE_STRVEC_INIT;
	struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_create(&f.runner, "-rf", &al, &opts, &agent, &e),
			 PAUDE_EUSAGE);
	paude_error_clear(&e);
	const struct paude_net_podman_opts dash = { .proxy_image = "--privileged" };
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &dash, &agent, &e),
			 PAUDE_EUSAGE);
	paude_error_clear(&e);
	const struct paude_net_podman_opts noimg = { 0 };
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &noimg, &agent, &e),
			 PAUDE_EUSAGE);
	paude_error_clear(&e);
	const struct paude_net_podman_opts egress = { .proxy_image = "i", .egress_network = "-x" };
	assert_int_equal(paude_net_podman_create(&f.runner, "demo", &al, &egress, &agent, &e),
			 PAUDE_EUSAGE);
	paude_error_clear(&e);
	assert_int_equal(paude_net_podman_start(&f.runner, "A", NULL, &e), PAUDE_EUSAGE);
	paude_error_clear(&e);
	assert_int_equal(paude_net_podman_stop(&f.runner, "a b", NULL, &e), PAUDE_EUSAGE);
	paude_error_clear(&e);
	assert_int_equal(paude_net_podman_remove(&f.runner, "", NULL, &e), PAUDE_EUSAGE);
	paude_error_clear(&e);
	assert_ncalls(&f, 0);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_start_starts_an_existing_proxy(void **state)
{
	(void)state;
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	assert_int_equal(paude_net_podman_start(&f.runner, "demo", NULL, NULL), 0);
	assert_ncalls(&f, 3);
	assert_call(&f, 0, "podman container exists paude-proxy-demo");
	assert_call(&f, 1, "podman start paude-proxy-demo");
	assert_call(&f, 2, "podman exec paude-proxy-demo paude-proxy-ready");
	fake_runner_release(&f);
}

static void
test_start_without_proxy_does_nothing(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "container", "exists"), "", "", 1, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(paude_net_podman_start(&f.runner, "demo", NULL, NULL), 0);
	assert_ncalls(&f, 1);
	fake_runner_release(&f);
}

static void
test_start_failure_carries_podman_stderr(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "start"), "", "Error: unable to start container: boom\n", 125,
		  0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_start(&f.runner, "demo", NULL, &e), PAUDE_ECHILD);
	assert_string_equal(e->msg,
			    "podman start: exit 125: Error: unable to start container: boom");
	assert_int_equal(e->child_status, 125);
	fake_runner_release(&f);
}

static void
test_start_reports_a_proxy_that_never_listens(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "exec"), "",
		  "paude-proxy: squid is not accepting connections; its log says:\nFATAL: bad\n", 1,
		  0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_start(&f.runner, "demo", NULL, &e), PAUDE_ECHILD);
	assert_string_equal(e->msg, "the proxy of session 'demo' did not come up (see: podman logs "
				    "paude-proxy-demo): podman exec: exit 1: paude-proxy: squid is "
				    "not accepting connections; its log says:\nFATAL: bad");
	fake_runner_release(&f);
}

static void
test_stop_and_remove(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "rm"), "",
		  "Error: unable to find network with name or ID paude-net-demo: network not "
		  "found\n",
		  1, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(paude_net_podman_stop(&f.runner, "demo", NULL, NULL), 0);
	/* A missing network is not an error: remove is idempotent. */
	assert_int_equal(paude_net_podman_remove(&f.runner, "demo", NULL, NULL), 0);
	assert_ncalls(&f, 3);
	assert_call(&f, 0, "podman stop --ignore --time 0 paude-proxy-demo");
	assert_call(&f, 1,
		    "podman rm --force --ignore --time 5 paude-proxy-demo paude-proxy-demo-next "
		    "paude-proxy-demo-old");
	assert_call(&f, 2, "podman network rm paude-net-demo");
	fake_runner_release(&f);
}

static void
test_remove_fails_when_network_is_in_use(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "network", "rm"), "",
		  "Error: \"paude-net-demo\" has associated containers with it. Use -f to forcibly "
		  "delete containers and pods: network is being used\n",
		  2, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_remove(&f.runner, "demo", NULL, &e), PAUDE_ECHILD);
	assert_non_null(strstr(e->msg, "podman network: exit 2: "));
	fake_runner_release(&f);
}

static void
test_proxy_log_reads_the_access_log(void **state)
{
	(void)state;
	const char log[] =
	    "1 0 10.98.2.3 TCP_DENIED/403 3900 CONNECT blocked.test:443 - HIER_NONE/- "
	    "text/html\n";
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "exec"), log, "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	assert_int_equal(paude_net_podman_proxy_log(&f.runner, "demo", 20, NULL, &out, NULL), 0);
	assert_call(&f, 0, "podman exec paude-proxy-demo tail -n 20 /var/log/squid/access.log");
	assert_string_equal(out.buf, log);
	fake_runner_release(&f);
}

static void
test_proxy_log_errors(void **state)
{
	(void)state;
	const struct fake_reply missing[] = {
		{ FAKE_ARGV("podman", "exec"), "",
		  "Error: no container with name or ID \"paude-proxy-demo\" found: no such "
		  "container\n",
		  125, 0 },
	};
	const struct fake_reply stopped[] = {
		{ FAKE_ARGV("podman", "exec"), "",
		  "Error: can only create exec sessions on running containers: container state "
		  "improper\n",
		  125, 0 },
	};
	struct fake_runner f;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	struct paude_error *e = NULL;

	fake_runner_init(&f, missing, ARRAY_SIZE(missing));
	assert_int_equal(paude_net_podman_proxy_log(&f.runner, "demo", 0, NULL, &out, &e),
			 PAUDE_ENOTFOUND);
	assert_call(&f, 0, "podman exec paude-proxy-demo tail -n 50 /var/log/squid/access.log");
	paude_error_clear(&e);
	fake_runner_release(&f);

	fake_runner_init(&f, stopped, ARRAY_SIZE(stopped));
	assert_int_equal(paude_net_podman_proxy_log(&f.runner, "demo", 0, NULL, &out, &e),
			 PAUDE_ESTATE);
	assert_string_equal(e->msg, "the proxy of session 'demo' is not running (start the "
				    "session with: paude start demo)");
	paude_error_clear(&e);
	fake_runner_release(&f);
	assert_int_equal(out.len, 0);
}

/* The old proxy as `podman container inspect` shows it. */
static const char old_running[] =
    "[{\"Image\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
    "\"State\":{\"Running\":true},"
    "\"Config\":{\"Env\":[\"PATH=/usr/bin:/bin\",\"HOSTNAME=paude-proxy\","
    "\"PAUDE_SQUID_CONF=# old\\nhttp_port 10.98.7.10:3128\","
    "\"PAUDE_GATEWAY_LISTEN=10.98.7.10:8090\",\"PAUDE_GATEWAY_PROVIDER=anthropic\","
    "\"ANTHROPIC_API_KEY=sk-ant-secret\"]},"
    "\"NetworkSettings\":{\"Networks\":{\"paude-net-demo\":{},\"h3-inet-1\":{}}}}]";
static const char old_stopped[] =
    "[{\"Image\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
    "\"State\":{\"Running\":false},"
    "\"Config\":{\"Env\":[\"PATH=/usr/bin:/bin\",\"PAUDE_SQUID_CONF=# old\"]},"
    "\"NetworkSettings\":{\"Networks\":{\"paude-net-demo\":{},\"podman\":{}}}}]";
static const char net_inspect[] = "[{\"name\":\"paude-net-demo\",\"subnets\":[{\"subnet\":"
				  "\"10.98.7.0/24\"}]}]";
static const struct paude_net_podman_opts upd_opts = {
	.seccomp_profile = "/run/paude-test/seccomp.json",
	.allow_private_dst = V("10.89.0.0/24"),
};

/* The argv of the replacement's create, checked piece by piece. */
static void
assert_next_create(const char *c, const char *egress)
{
	static const char *const want[] = {
		"podman create --name paude-proxy-demo-next --label app=paude "
		"--label paude.io/session-name=demo --label paude.io/role=proxy "
		"--label 'paude.io/allowed-domains=[\"pypi\",\"example.com\"]' "
		"--network paude-net-demo:ip=10.98.7.10,mac=02:70:61:75:07:0a --network ",
		" --hostname paude-proxy --cap-drop=ALL --security-opt=no-new-privileges "
		"--pids-limit 128 --userns=auto "
		"--security-opt=seccomp=/run/paude-test/seccomp.json --read-only ",
		" --env-file=",
		"http_port 10.98.7.10:3128",
		"acl paude_allowed dstdomain -n example.com files.pythonhosted.org pypi.org",
		"10.89.0.0/24",
		"' --env-file=",
		" -- 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	};
	if (!c)
		fail_msg("no create");
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(c, want[i]))
			fail_msg("create lacks '%s':\n%s", want[i], c);
	if (!strstr(c, egress))
		fail_msg("create lacks egress '%s':\n%s", egress, c);
	/* The key goes through the private file only, the old config not at all. */
	assert_null(strstr(c, "sk-ant-secret"));
	assert_null(strstr(c, "# old"));
	assert_null(strstr(c, "PAUDE_GATEWAY_ONLY"));
}

static void
test_update_swaps_a_running_proxy_and_leaves_the_agent_alone(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "container", "inspect"), old_running, "", 0, 0 },
		{ FAKE_ARGV("podman", "network", "inspect"), net_inspect, "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi", "example.com"));
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_update(&f.runner, "demo", &al, &upd_opts, &e), 0);
	assert_ncalls(&f, 10);
	assert_call(&f, 0, "podman container inspect --format json paude-proxy-demo");
	assert_call(&f, 1, "podman network inspect --format json paude-net-demo");
	assert_call(&f, 2, "podman rm --force --ignore paude-proxy-demo-next paude-proxy-demo-old");
	assert_next_create(fake_runner_call(&f, 3), "--network h3-inet-1 ");
	assert_call(&f, 4, "podman stop --time 0 paude-proxy-demo");
	assert_call(&f, 5, "podman rename paude-proxy-demo paude-proxy-demo-old");
	assert_call(&f, 6, "podman rename paude-proxy-demo-next paude-proxy-demo");
	assert_call(&f, 7, "podman start paude-proxy-demo");
	assert_call(&f, 8, "podman exec paude-proxy-demo paude-proxy-ready");
	assert_call(&f, 9, "podman rm --force --time 0 paude-proxy-demo-old");
	/* Nothing ever names the agent's container. */
	for (size_t i = 0; i < f.calls.nr; i++)
		assert_null(strstr(f.calls.v[i], "paude-demo"));
	/* The gateway's settings carried over in a private file, without what
	 * is made again or set by the engine. */
	assert_int_equal(f.env_files.nr, 1);
	assert_string_equal(f.env_files.v[0],
			    "mode 600\nPATH=/usr/bin:/bin\nPAUDE_GATEWAY_LISTEN=10.98.7.10:8090\n"
			    "PAUDE_GATEWAY_PROVIDER=anthropic\nANTHROPIC_API_KEY=sk-ant-secret\n");
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_update_of_a_stopped_proxy_replaces_it_for_the_next_start(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "container", "inspect"), old_stopped, "", 0, 0 },
		{ FAKE_ARGV("podman", "network", "inspect"), net_inspect, "", 0, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi", "example.com"));
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_update(&f.runner, "demo", &al, &upd_opts, &e), 0);
	assert_ncalls(&f, 7);
	assert_next_create(fake_runner_call(&f, 3), "--network podman ");
	assert_call(&f, 4, "podman rename paude-proxy-demo paude-proxy-demo-old");
	assert_call(&f, 5, "podman rename paude-proxy-demo-next paude-proxy-demo");
	assert_call(&f, 6, "podman rm --force --time 0 paude-proxy-demo-old");
	assert_int_equal(fake_runner_find(&f, "podman start"), -1);
	assert_int_equal(fake_runner_find(&f, "podman stop"), -1);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_update_puts_the_old_proxy_back_when_the_new_one_fails(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "container", "inspect"), old_running, "", 0, 0 },
		{ FAKE_ARGV("podman", "network", "inspect"), net_inspect, "", 0, 0 },
		{ FAKE_ARGV("podman", "exec", "paude-proxy-demo", "paude-proxy-ready"), "",
		  "paude-proxy: squid is not accepting connections\n", 1, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi", "example.com"));
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_update(&f.runner, "demo", &al, &upd_opts, &e),
			 PAUDE_ECHILD);
	assert_non_null(strstr(e->msg, "the proxy with the new policy did not come up (the old "
				       "policy stays)"));
	assert_non_null(strstr(e->msg, "squid is not accepting connections"));
	assert_ncalls(&f, 13);
	assert_call(&f, 8, "podman exec paude-proxy-demo paude-proxy-ready");
	assert_call(&f, 9, "podman rm --force --time 0 paude-proxy-demo");
	assert_call(&f, 10, "podman rename paude-proxy-demo-old paude-proxy-demo");
	assert_call(&f, 11, "podman start paude-proxy-demo");
	assert_call(&f, 12, "podman exec paude-proxy-demo paude-proxy-ready");
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_update_changes_nothing_when_the_new_proxy_cannot_be_made(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ FAKE_ARGV("podman", "container", "inspect"), old_running, "", 0, 0 },
		{ FAKE_ARGV("podman", "network", "inspect"), net_inspect, "", 0, 0 },
		{ FAKE_ARGV("podman", "create"), "", "Error: image not known\n", 125, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	struct paude_allowlist al;
	allowlist(&al, V("pypi", "example.com"));
	_cleanup_error_ struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_update(&f.runner, "demo", &al, &upd_opts, &e),
			 PAUDE_ECHILD);
	assert_ncalls(&f, 5);
	assert_call(&f, 4, "podman rm --force --ignore paude-proxy-demo-next");
	assert_int_equal(fake_runner_find(&f, "podman stop"), -1);
	assert_int_equal(fake_runner_find(&f, "podman rename"), -1);
	paude_allowlist_release(&al);
	fake_runner_release(&f);
}

static void
test_update_refuses_missing_and_gateway_only_proxies(void **state)
{
	(void)state;
	struct paude_allowlist al;
	allowlist(&al, V("pypi"));
	const struct fake_reply missing[] = {
		{ FAKE_ARGV("podman", "container", "inspect"), "[]",
		  "Error: no such container paude-proxy-demo\n", 125, 0 },
	};
	struct fake_runner f;
	fake_runner_init(&f, missing, ARRAY_SIZE(missing));
	struct paude_error *e = NULL;
	assert_int_equal(paude_net_podman_update(&f.runner, "demo", &al, &upd_opts, &e),
			 PAUDE_ENOTFOUND);
	assert_string_equal(e->msg, "session 'demo' has no proxy container 'paude-proxy-demo' "
				    "(it was removed: delete the session and create it again)");
	assert_ncalls(&f, 1);
	paude_error_free(e);
	fake_runner_release(&f);

	const struct fake_reply gw[] = {
		{ FAKE_ARGV("podman", "container", "inspect"),
		  "[{\"Image\":\"abc\",\"State\":{\"Running\":true},"
		  "\"Config\":{\"Env\":[\"PAUDE_GATEWAY_ONLY=1\"]}}]",
		  "", 0, 0 },
	};
	fake_runner_init(&f, gw, ARRAY_SIZE(gw));
	e = NULL;
	assert_int_equal(paude_net_podman_update(&f.runner, "demo", &al, &upd_opts, &e),
			 PAUDE_EUSAGE);
	assert_non_null(strstr(e->msg, "is unrestricted"));
	assert_ncalls(&f, 1);
	paude_error_free(e);
	fake_runner_release(&f);

	/* An unrestricted allowlist is refused before anything runs. */
	struct paude_allowlist all;
	allowlist(&all, V("all"));
	fake_runner_init(&f, NULL, 0);
	e = NULL;
	assert_int_equal(paude_net_podman_update(&f.runner, "demo", &all, &upd_opts, &e),
			 PAUDE_EUSAGE);
	assert_ncalls(&f, 0);
	paude_error_free(e);
	fake_runner_release(&f);
	paude_allowlist_release(&all);
	paude_allowlist_release(&al);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_subnet_skips_overlaps),
		cmocka_unit_test(test_create_builds_network_proxy_and_agent_args),
		cmocka_unit_test(test_create_rootless_proxy_keeps_podman_userns_and_takes_profile),
		cmocka_unit_test(test_create_hands_private_exceptions_to_squid),
		cmocka_unit_test(test_create_honours_egress_network_and_podman_program),
		cmocka_unit_test(test_create_retries_when_subnet_is_taken),
		cmocka_unit_test(test_create_reports_existing_network),
		cmocka_unit_test(test_create_rolls_back_the_network_when_the_proxy_fails),
		cmocka_unit_test(test_create_reports_existing_proxy_and_keeps_it),
		cmocka_unit_test(test_unrestricted_creates_nothing),
		cmocka_unit_test(test_unrestricted_gets_a_gateway_only_sidecar),
		cmocka_unit_test(test_gateway_credentials_go_in_through_stdin),
		cmocka_unit_test(test_gateway_settings_and_credentials_go_to_the_proxy_only),
		cmocka_unit_test(test_bad_names_and_images_never_reach_podman),
		cmocka_unit_test(test_start_starts_an_existing_proxy),
		cmocka_unit_test(test_start_without_proxy_does_nothing),
		cmocka_unit_test(test_start_failure_carries_podman_stderr),
		cmocka_unit_test(test_start_reports_a_proxy_that_never_listens),
		cmocka_unit_test(test_stop_and_remove),
		cmocka_unit_test(test_remove_fails_when_network_is_in_use),
		cmocka_unit_test(test_proxy_log_reads_the_access_log),
		cmocka_unit_test(test_proxy_log_errors),
		cmocka_unit_test(test_update_swaps_a_running_proxy_and_leaves_the_agent_alone),
		cmocka_unit_test(test_update_of_a_stopped_proxy_replaces_it_for_the_next_start),
		cmocka_unit_test(test_update_puts_the_old_proxy_back_when_the_new_one_fails),
		cmocka_unit_test(test_update_changes_nothing_when_the_new_proxy_cannot_be_made),
		cmocka_unit_test(test_update_refuses_missing_and_gateway_only_proxies),
	};
	return cmocka_run_group_tests_name("net-podman", tests, NULL, NULL);
}
