/* SPDX-License-Identifier: MIT */
/*
 * A session's network on Podman: an internal network without DNS that the
 * agent sits on alone with its squid proxy, which also has a leg on a
 * normal network. The agent's only route anywhere is the proxy, and the
 * proxy only says yes to the allowlist. See include/paude/backend/net-podman.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "paude/backend/net-podman.h"
#include "paude/net/net.h"
#include "paude/net/squid.h"
#include "paude/core/alloc.h"
#include "paude/core/json.h"
#include "paude/session/session.h"
#include "paude/session/limits.h"
#include "paude/backend/podman.h"
#include "paude/backend/podman-diag.h"
#include "paude/core/env-file.h"
#include "paude/core/log.h"
#include "core/banned.h"

#define MAX_SUBNET_TRIES 8

static const char *
podman_prog(const struct paude_net_podman_opts *opts)
{
	return opts && opts->podman ? opts->podman : "podman";
}

static const char *
egress_network(const struct paude_net_podman_opts *opts)
{
	return opts && opts->egress_network ? opts->egress_network : "podman";
}

/*
 * Run c; *status gets the exit status and errout podman's stderr. Only a
 * failure to run at all is an error here: callers judge the status.
 */
static int
run(struct paude_runner *r, struct paude_child *c, struct paude_buf *out, struct paude_buf *errout,
    int *status, struct paude_error **err)
{
	if (!out)
		c->no_stdout = 1; /* podman prints ids and names: not ours to show */
	return paude_run_capture(r, c, NULL, 0, out, errout, status, err);
}

/* Run c and turn a non-zero exit into PAUDE_ECHILD. */
static int
run_checked(struct paude_runner *r, struct paude_child *c, struct paude_buf *out,
	    struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	int status = 0;
	int ret = run(r, c, out, &errout, &status, err);
	if (ret < 0)
		return ret;
	if (status != 0)
		return paude_child_error(err, c, status, errout.buf, errout.len);
	return 0;
}

static void
child_podman(struct paude_child *c, const struct paude_net_podman_opts *opts)
{
	paude_child_init(c);
	paude_strvec_push(&c->args, podman_prog(opts));
}

/* Parse "A.B.C.D/P" into the first and last address (host order). */
static bool
parse_cidr(const char *s, uint32_t *first, uint32_t *last)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return false;
	char *end = NULL;
	errno = 0;
	long p = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || p < 0 || p > 32)
		return false;
	uint32_t mask = p == 0 ? 0 : ~(uint32_t)0 << (32 - p);
	uint32_t ip = ntohl(a.s_addr);
	*first = ip & mask;
	*last = *first | ~mask;
	return true;
}

int
paude_net_pick_subnet(unsigned *out, const char *networks_json, size_t len, unsigned start,
		      struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	bool taken[256] = { false };
	uint32_t base = 0;
	int r;

	r = paude_json_parse(&root, networks_json, len, "podman network ls", err);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_array))
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "podman network ls: expected a JSON array");
	{
		uint32_t l;
		parse_cidr(PAUDE_NET_SUBNET_PREFIX "0.0/16", &base, &l);
	}
	for (size_t i = 0; i < json_object_array_length(root); i++) {
		struct json_object *net = json_object_array_get_idx(root, i);
		struct json_object *subnets = paude_json_get_array(net, "subnets");
		for (size_t j = 0; subnets && j < json_object_array_length(subnets); j++) {
			const char *cidr =
			    paude_json_get_str(json_object_array_get_idx(subnets, j), "subnet");
			uint32_t first, last;
			if (!cidr || !parse_cidr(cidr, &first, &last))
				continue; /* IPv6, or something we need not avoid */
			for (unsigned k = 0; k < 256; k++) {
				uint32_t cf = base | (uint32_t)k << 8, cl = cf | 0xff;
				if (first <= cl && cf <= last)
					taken[k] = true;
			}
		}
	}
	for (unsigned k = start; k < 256; k++) {
		if (!taken[k]) {
			*out = k;
			return 0;
		}
	}
	return paude_error_set(err, PAUDE_ENOTFOUND, 0,
			       "no free subnet left in " PAUDE_NET_SUBNET_PREFIX
			       "0.0/16 (remove unused podman networks: podman network prune)");
}

static void
push_labels(struct paude_strvec *args, const char *name, const char *role)
{
	paude_strvec_pushl(args, "--label", PAUDE_LABEL_APP "=" PAUDE_LABEL_APP_VALUE, NULL);
	paude_strvec_push(args, "--label");
	paude_strvec_pushf(args, PAUDE_LABEL_NAME "=%s", name);
	if (role) {
		paude_strvec_push(args, "--label");
		paude_strvec_pushf(args, PAUDE_LABEL_ROLE "=%s", role);
	}
}

static int
check_name(const char *name, struct paude_error **err)
{
	return paude_session_name_validate(name, err);
}

/* Create paude-net-NAME on a free subnet; *k gets the subnet's third octet. */
static int
create_network(struct paude_runner *r, const char *name, const struct paude_net_podman_opts *opts,
	       unsigned *k, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf json = PAUDE_BUF_INIT_MAX(16 << 20);
	_cleanup_child_ struct paude_child ls = PAUDE_CHILD_INIT;
	unsigned next = 0;
	int ret;

	child_podman(&ls, opts);
	paude_strvec_pushl(&ls.args, "network", "ls", "--format", "json", NULL);
	ret = run_checked(r, &ls, &json, err);
	if (ret < 0)
		return ret;

	for (int attempt = 0; attempt < MAX_SUBNET_TRIES; attempt++) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
		unsigned pick = 0;
		int status = 0;

		ret = paude_net_pick_subnet(&pick, json.buf, json.len, next, err);
		if (ret < 0)
			return ret;
		child_podman(&c, opts);
		paude_strvec_pushl(&c.args, "network", "create", "--internal", "--disable-dns",
				   "--subnet", NULL);
		paude_strvec_pushf(&c.args, PAUDE_NET_SUBNET_PREFIX "%u.0/24", pick);
		push_labels(&c.args, name, NULL);
		paude_strvec_pushf(&c.args, "paude-net-%s", name);
		ret = run(r, &c, NULL, &errout, &status, err);
		if (ret < 0)
			return ret;
		if (status == 0) {
			*k = pick;
			return 0;
		}
		if (strstr(errout.buf, "already exists"))
			return paude_error_set(err, PAUDE_EEXISTS, 0,
					       "network 'paude-net-%s' already exists (remove the "
					       "old session first: paude delete %s --confirm)",
					       name, name);
		if (!strstr(errout.buf, "already used"))
			return paude_child_error(err, &c, status, errout.buf, errout.len);
		/* Taken after all (another session won the race, or a host route
		 * covers it): try the next one. */
		next = pick + 1;
	}
	return paude_error_set(err, PAUDE_ENOTFOUND, 0,
			       "could not find a free subnet for network 'paude-net-%s' after %d "
			       "tries (see: podman network ls)",
			       name, MAX_SUBNET_TRIES);
}

static int
remove_network(struct paude_runner *r, const char *name, const struct paude_net_podman_opts *opts,
	       struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	int status = 0;

	child_podman(&c, opts);
	paude_strvec_pushl(&c.args, "network", "rm", NULL);
	paude_strvec_pushf(&c.args, "paude-net-%s", name);
	int ret = run(r, &c, NULL, &errout, &status, err);
	if (ret < 0)
		return ret;
	if (status != 0 && !strstr(errout.buf, "network not found"))
		return paude_child_error(err, &c, status, errout.buf, errout.len);
	return 0;
}

static int
remove_proxy(struct paude_runner *r, const char *name, const struct paude_net_podman_opts *opts,
	     struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_podman(&c, opts);
	paude_strvec_pushl(&c.args, "rm", "--force", "--ignore", "--time", "5", NULL);
	paude_strvec_pushf(&c.args, "paude-proxy-%s", name);
	/* And what an interrupted policy change may have left (paude_net_podman_update). */
	paude_strvec_pushf(&c.args, "paude-proxy-%s-next", name);
	paude_strvec_pushf(&c.args, "paude-proxy-%s-old", name);
	return paude_podman_rm_retrying(r, &c, err);
}

/* The model gateway's settings, for the proxy's private env file: they
 * come from the user's environment (project, regions, endpoints), and
 * values from there never go on a command line (see env-file.h). The
 * credentials file is copied in at start (paude_net_podman_gateway_credentials);
 * the API key goes by name only (proxy_argv), so podman takes its value
 * from paude's environment. */
static void
gateway_env(struct paude_strvec *env, const struct paude_gateway *g, const char *ip)
{
	paude_strvec_pushf(env, "PAUDE_GATEWAY_LISTEN=%s:%d", ip, PAUDE_GATEWAY_PORT);
	paude_strvec_pushf(env, "PAUDE_GATEWAY_PROVIDER=%s", g->provider ? g->provider : "none");
	const struct {
		const char *name, *value;
	} vars[] = {
		{ "PAUDE_GATEWAY_PROJECT", g->project },
		{ "PAUDE_GATEWAY_REGIONS", g->regions },
		{ "PAUDE_GATEWAY_ADC", g->adc_file },
		{ "PAUDE_GATEWAY_TOKEN_URL", g->token_url },
		{ "PAUDE_GATEWAY_VERTEX_URL", g->vertex_url },
		{ "PAUDE_GATEWAY_ANTHROPIC_URL", g->anthropic_url },
	};
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if (vars[i].value)
			paude_strvec_pushf(env, "%s=%s", vars[i].name, vars[i].value);
}

/*
 * The `podman create` of a proxy container called cname: the session's
 * labels with the policy (al->requested), both networks with the fixed
 * address and MAC, the hardening, and squid's configuration conf (NULL:
 * the sidecar runs the gateway only). The gateway's settings come from
 * opts->gateway at create, or from env_file when a proxy is made again
 * (paude_net_podman_update carries them over from the old one).
 */
static void
proxy_argv(struct paude_child *c, const char *name, const char *cname,
	   const struct paude_allowlist *al, const struct paude_net_podman_opts *opts, unsigned k,
	   const char *ip, const char *conf, const char *env_file)
{
	child_podman(c, opts);
	paude_strvec_pushl(&c->args, "create", "--name", cname, NULL);
	push_labels(&c->args, name, "proxy");
	/* The policy in effect lives with the proxy, which is made again when
	 * it changes (labels are fixed at create); see paude_podman_parse_ps. */
	_cleanup_json_ struct json_object *doms = paude_json_array_from_strvec(&al->requested);
	_cleanup_buf_ struct paude_buf dl = PAUDE_BUF_INIT;
	paude_json_write(&dl, doms, false);
	paude_strvec_push(&c->args, "--label");
	paude_strvec_pushf(&c->args, PAUDE_LABEL_DOMAINS "=%s", dl.buf);
	/*
	 * A fixed MAC next to the fixed address: the agent keeps its ARP entry
	 * for the proxy when only the proxy restarts, and a new random MAC would
	 * leave it talking to nobody until the entry expires.
	 */
	paude_strvec_push(&c->args, "--network");
	paude_strvec_pushf(&c->args,
			   "paude-net-%s:ip=%s,mac=" PAUDE_NET_PROXY_MAC_PREFIX "%02x:%02x", name,
			   ip, k, PAUDE_NET_PROXY_HOST_PART);
	paude_strvec_pushl(&c->args, "--network", egress_network(opts), NULL);
	paude_strvec_pushl(&c->args, "--hostname", PAUDE_PROXY_HOST, "--cap-drop=ALL",
			   "--security-opt=no-new-privileges", "--pids-limit", "128", NULL);
	if (!opts->rootless)
		paude_strvec_push(&c->args, "--userns=auto");
	if (opts->seccomp_profile)
		paude_strvec_pushf(&c->args, "--security-opt=seccomp=%s", opts->seccomp_profile);
	/*
	 * Nothing in the image may change: squid writes its configuration, logs
	 * and spool to bounded tmpfs mounts owned by its user (the access log
	 * starts empty with each start of the proxy). Memory and swap are one
	 * bound, so tmpfs pages count against it too.
	 */
	paude_strvec_push(&c->args, "--read-only");
	static const struct {
		const char *dir, *size;
	} tmpfs[] = {
		{ "/run/paude-proxy", "16m" },
		{ "/var/log/squid", "64m" },
		{ "/var/spool/squid", "16m" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(tmpfs); i++)
		paude_strvec_pushf(&c->args,
				   "--mount=type=tmpfs,destination=%s,tmpfs-size=%s,"
				   "tmpfs-mode=0770,U=true,notmpcopyup",
				   tmpfs[i].dir, tmpfs[i].size);
	_cleanup_free_ char *mem = paude_size_format(PAUDE_PROXY_MEMORY);
	_cleanup_free_ char *cpus = paude_cpus_format(PAUDE_PROXY_CPUS_MILLI);
	paude_strvec_pushf(&c->args, "--memory=%s", mem);
	paude_strvec_pushf(&c->args, "--memory-swap=%s", mem);
	paude_strvec_pushf(&c->args, "--cpus=%s", cpus);
	/* squid talks IPv4 only: no IPv6 path to the host's link-local
	 * addresses (see paude_podman_no_ipv6). */
	paude_podman_no_ipv6(&c->args);
	paude_strvec_push(&c->args, "--env");
	if (!conf)
		paude_strvec_push(&c->args, "PAUDE_GATEWAY_ONLY=1");
	else
		paude_strvec_pushf(&c->args, PAUDE_PROXY_CONF_ENV "=%s", conf);
	/* The gateway's settings: never on a command line. */
	if (env_file)
		paude_strvec_pushf(&c->args, "--env-file=%s", env_file);
	/* The API key by name only: podman takes its value from paude's
	 * environment (a proxy made again has it in env_file). */
	if (opts->gateway && opts->gateway->api_key)
		paude_strvec_pushl(&c->args, "--env", "ANTHROPIC_API_KEY", NULL);
	paude_strvec_pushl(&c->args, "--", opts->proxy_image, NULL);
}

static int
create_proxy(struct paude_runner *r, const char *name, const struct paude_allowlist *al,
	     const struct paude_net_podman_opts *opts, unsigned k, const char *ip,
	     struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf conf = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	const struct paude_squid_opts sq = { .session = name,
					     .listen_addr = ip,
					     .allow_private_dst = opts->allow_private_dst };
	int status = 0;
	int ret;

	/* Unrestricted: no squid, the sidecar runs the gateway only. */
	if (!al->unrestricted && (ret = paude_squid_config(&conf, al, &sq, err)) < 0)
		return ret;

	_cleanup_(paude_env_file_remove) struct paude_env_file envf = PAUDE_ENV_FILE_INIT;
	/* A remote podman cannot take a value from paude's environment: the
	 * API key goes into the private file with the rest. */
	bool key_in_file = paude_runner_is_remote(r) && opts->gateway && opts->gateway->api_key &&
			   opts->gateway->api_key_value;
	if (opts->gateway) {
		_cleanup_strvec_ struct paude_strvec env = PAUDE_STRVEC_INIT;
		gateway_env(&env, opts->gateway, ip);
		if (key_in_file)
			paude_strvec_pushf(&env, "ANTHROPIC_API_KEY=%s",
					   opts->gateway->api_key_value);
		ret = paude_env_file_write(&envf, &env, err);
		if (key_in_file)
			explicit_bzero(env.v[env.nr - 1], strlen(env.v[env.nr - 1]));
		if (ret < 0 || (ret = paude_env_file_upload(&envf, r, err)) < 0)
			return ret;
	}
	struct paude_net_podman_opts o = *opts;
	struct paude_gateway g = { 0 };
	if (key_in_file) {
		g = *opts->gateway;
		g.api_key = false;
		o.gateway = &g;
	}
	_cleanup_free_ char *cname = paude_xasprintf("paude-proxy-%s", name);
	proxy_argv(&c, name, cname, al, &o, k, ip, al->unrestricted ? NULL : conf.buf,
		   paude_env_file_arg(&envf));
	ret = run(r, &c, NULL, &errout, &status, err);
	if (ret < 0)
		return ret;
	if (status == 0)
		return 0;
	if (strstr(errout.buf, "already in use"))
		return paude_error_set(err, PAUDE_EEXISTS, 0,
				       "container 'paude-proxy-%s' already exists (remove the old "
				       "session first: paude delete %s --confirm)",
				       name, name);
	return paude_child_error(err, &c, status, errout.buf, errout.len);
}

int
paude_net_podman_create(struct paude_runner *r, const char *name, const struct paude_allowlist *al,
			const struct paude_net_podman_opts *opts, struct paude_strvec *agent_args,
			struct paude_error **err)
{
	char ip[INET_ADDRSTRLEN];
	unsigned k = 0;
	int ret;

	ret = check_name(name, err);
	if (ret < 0)
		return ret;
	/* Unrestricted: a sidecar only to hold the credentials, if there is a gateway. */
	if (al->unrestricted && !(opts && opts->gateway))
		return 0;
	if (!opts || !opts->proxy_image || !*opts->proxy_image ||
	    paude_looks_like_option(opts->proxy_image))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "no valid proxy image given for session '%s'", name);
	if (paude_looks_like_option(egress_network(opts)))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid egress network '%s'",
				       egress_network(opts));

	ret = create_network(r, name, opts, &k, err);
	if (ret < 0)
		return ret;
	(void)snprintf(ip, sizeof(ip), PAUDE_NET_SUBNET_PREFIX "%u.%d", k,
		       PAUDE_NET_PROXY_HOST_PART);
	ret = create_proxy(r, name, al, opts, k, ip, err);
	if (ret < 0) {
		/* Roll back; the first error is the one worth reporting. */
		_cleanup_error_ struct paude_error *ignored = NULL;
		if (ret != PAUDE_EEXISTS)
			remove_proxy(r, name, opts, &ignored);
		remove_network(r, name, opts, &ignored);
		return ret;
	}

	/* Unrestricted: Podman's default network is the agent's way out, as
	 * without a sidecar; the session network only reaches the gateway. */
	if (al->unrestricted)
		paude_strvec_pushl(agent_args, "--network", "podman", NULL);
	paude_strvec_push(agent_args, "--network");
	paude_strvec_pushf(agent_args, "paude-net-%s", name);
	paude_strvec_push(agent_args, "--add-host");
	paude_strvec_pushf(agent_args, PAUDE_PROXY_HOST ":%s", ip);
	static const char *const proxy_vars[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
						  "https_proxy" };
	for (size_t i = 0; !al->unrestricted && i < ARRAY_SIZE(proxy_vars); i++) {
		paude_strvec_push(agent_args, "--env");
		paude_strvec_pushf(agent_args, "%s=http://" PAUDE_PROXY_HOST ":%d", proxy_vars[i],
				   PAUDE_PROXY_PORT);
	}
	/* The gateway is reached directly, never through squid. */
	paude_strvec_pushl(agent_args, "--env",
			   "NO_PROXY=localhost,127.0.0.1,::1," PAUDE_PROXY_HOST, "--env",
			   "no_proxy=localhost,127.0.0.1,::1," PAUDE_PROXY_HOST, NULL);
	return 0;
}

/* What paude_net_podman_update reads of the proxy it replaces. */
struct old_proxy {
	bool running;
	char *image; /* its image's id: the same image, even if the tag moved */
	char *egress; /* its network besides the session's */
	struct paude_strvec env; /* its settings to carry over */
	bool gateway_only;
};

static void
old_proxy_release(struct old_proxy *o)
{
	free(o->image);
	free(o->egress);
	/* The settings may hold the provider's API key. */
	for (size_t i = 0; i < o->env.nr; i++)
		explicit_bzero(o->env.v[i], strlen(o->env.v[i]));
	paude_strvec_clear(&o->env);
}

/* Decode `podman container inspect --format json` of the proxy. */
static int
parse_old_proxy(struct old_proxy *out, const char *name, const char *json, size_t len,
		struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r = paude_json_parse(&root, json, len, "podman container inspect", err);
	if (r < 0)
		return r;
	struct json_object *c =
	    json_object_is_type(root, json_type_array) ? json_object_array_get_idx(root, 0) : NULL;
	const char *image = paude_json_get_str(c, "Image");
	struct json_object *env = paude_json_get_array(paude_json_get_obj(c, "Config"), "Env");
	if (!image || !*image || paude_looks_like_option(image) || !env)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "podman container inspect: no image or environment for "
				       "'paude-proxy-%s'",
				       name);
	out->running = paude_json_get_bool(paude_json_get_obj(c, "State"), "Running");
	out->image = image ? paude_xstrdup(image) : NULL;
	_cleanup_free_ char *own = paude_xasprintf("paude-net-%s", name);
	struct json_object *nets =
	    paude_json_get_obj(paude_json_get_obj(c, "NetworkSettings"), "Networks");
	if (nets) {
		json_object_object_foreach(nets, key, val)
		{
			(void)val;
			if (strcmp(key, own) != 0 && !out->egress && !paude_looks_like_option(key))
				out->egress = key ? paude_xstrdup(key) : NULL;
		}
	}
	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (!e)
			continue;
		/* Made again below; the engine sets the host name itself. */
		if (!strncmp(e, PAUDE_PROXY_CONF_ENV "=", strlen(PAUDE_PROXY_CONF_ENV) + 1) ||
		    !strncmp(e, "HOSTNAME=", 9))
			continue;
		if (!strcmp(e, "PAUDE_GATEWAY_ONLY=1"))
			out->gateway_only = true;
		else
			paude_strvec_push(&out->env, e);
	}
	return 0;
}

/* The session network's third octet, from `podman network inspect`. */
static int
session_subnet(struct paude_runner *r, const char *name, const struct paude_net_podman_opts *opts,
	       unsigned *k, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 20);
	child_podman(&c, opts);
	paude_strvec_pushl(&c.args, "network", "inspect", "--format", "json", NULL);
	paude_strvec_pushf(&c.args, "paude-net-%s", name);
	int ret = run_checked(r, &c, &out, err);
	if (ret < 0)
		return ret;
	_cleanup_json_ struct json_object *root = NULL;
	if ((ret = paude_json_parse(&root, out.buf, out.len, "podman network inspect", err)) < 0)
		return ret;
	struct json_object *net =
	    json_object_is_type(root, json_type_array) ? json_object_array_get_idx(root, 0) : NULL;
	struct json_object *subnets = paude_json_get_array(net, "subnets");
	const char *cidr =
	    subnets ? paude_json_get_str(json_object_array_get_idx(subnets, 0), "subnet") : NULL;
	unsigned kk = 0;
	char tail[8] = "";
	if (!cidr || sscanf(cidr, PAUDE_NET_SUBNET_PREFIX "%u.0/%7s", &kk, tail) != 2 || kk > 255 ||
	    strcmp(tail, "24") != 0)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "network 'paude-net-%s' has no subnet paude made (%s)", name,
				       cidr ? cidr : "none");
	*k = kk;
	return 0;
}

/* podman ARGS... with the status judged (used for the swap's steps). */
static int
podman_step(struct paude_runner *r, const struct paude_net_podman_opts *opts,
	    struct paude_error **err, ...)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	child_podman(&c, opts);
	va_list ap;
	va_start(ap, err);
	const char *a;
	while ((a = va_arg(ap, const char *)))
		paude_strvec_push(&c.args, a);
	va_end(ap);
	return run_checked(r, &c, NULL, err);
}

/* Start the proxy called cname and wait until it serves. */
static int
start_ready(struct paude_runner *r, const char *cname, const struct paude_net_podman_opts *opts,
	    struct paude_error **err)
{
	int ret = podman_step(r, opts, err, "start", cname, NULL);
	if (ret < 0)
		return ret;
	return podman_step(r, opts, err, "exec", cname, PAUDE_PROXY_READY, NULL);
}

int
paude_net_podman_update(struct paude_runner *r, const char *name, const struct paude_allowlist *al,
			const struct paude_net_podman_opts *opts, struct paude_error **err)
{
	int ret = check_name(name, err);
	if (ret < 0)
		return ret;
	if (al->unrestricted || !al->domains.nr)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the proxy of session '%s' needs an allowlist to enforce",
				       name);
	_cleanup_free_ char *cname = paude_xasprintf("paude-proxy-%s", name);
	_cleanup_free_ char *next = paude_xasprintf("paude-proxy-%s-next", name);
	_cleanup_free_ char *old = paude_xasprintf("paude-proxy-%s-old", name);

	/* What the proxy is now. */
	_cleanup_child_ struct paude_child in = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf json = PAUDE_BUF_INIT_MAX(4 << 20);
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	int status = 0;
	child_podman(&in, opts);
	paude_strvec_pushl(&in.args, "container", "inspect", "--format", "json", cname, NULL);
	if ((ret = run(r, &in, &json, &errout, &status, err)) < 0)
		return ret;
	if (status != 0 && strstr(errout.buf, "no such container"))
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "session '%s' has no proxy container '%s' (it was removed: "
				       "delete the session and create it again)",
				       name, cname);
	if (status != 0)
		return paude_child_error(err, &in, status, errout.buf, errout.len);
	_cleanup_(old_proxy_release) struct old_proxy op = { .env = PAUDE_STRVEC_INIT };
	ret = parse_old_proxy(&op, name, json.buf, json.len, err);
	explicit_bzero(json.buf, json.len);
	if (ret < 0)
		return ret;
	if (op.gateway_only)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the network of session '%s' is unrestricted: its sidecar "
				       "filters nothing",
				       name);
	unsigned k = 0;
	if ((ret = session_subnet(r, name, opts, &k, err)) < 0)
		return ret;
	char ip[INET_ADDRSTRLEN];
	(void)snprintf(ip, sizeof(ip), PAUDE_NET_SUBNET_PREFIX "%u.%d", k,
		       PAUDE_NET_PROXY_HOST_PART);

	_cleanup_buf_ struct paude_buf conf = PAUDE_BUF_INIT;
	const struct paude_squid_opts sq = { .session = name,
					     .listen_addr = ip,
					     .allow_private_dst =
						 opts ? opts->allow_private_dst : NULL };
	if ((ret = paude_squid_config(&conf, al, &sq, err)) < 0)
		return ret;
	/* The gateway's settings (the API key among them) in a private file,
	 * never on a command line. */
	_cleanup_(paude_env_file_remove) struct paude_env_file envf = PAUDE_ENV_FILE_INIT;
	if (op.env.nr && ((ret = paude_env_file_write(&envf, &op.env, err)) < 0 ||
			  (ret = paude_env_file_upload(&envf, r, err)) < 0))
		return ret;

	struct paude_net_podman_opts o = { 0 };
	if (opts)
		o = *opts;
	o.proxy_image = op.image;
	o.egress_network = op.egress ? op.egress : o.egress_network;
	o.gateway = NULL;
	/* Leftovers of a change that was interrupted. */
	(void)podman_step(r, &o, NULL, "rm", "--force", "--ignore", next, old, NULL);

	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	proxy_argv(&c, name, next, al, &o, k, ip, conf.buf, paude_env_file_arg(&envf));
	ret = run_checked(r, &c, NULL, err);
	paude_env_file_remove(&envf);
	if (ret < 0) {
		(void)podman_step(r, &o, NULL, "rm", "--force", "--ignore", next, NULL);
		return ret;
	}

	/*
	 * The swap. The new proxy takes the old one's name, address and MAC
	 * (the agent's /etc/hosts entry and ARP cache stay right); the agent's
	 * container is never touched. Any failure puts the old proxy back.
	 */
	if (op.running && (ret = podman_step(r, &o, err, "stop", "--time", "0", cname, NULL)) < 0)
		goto drop_next;
	if ((ret = podman_step(r, &o, err, "rename", cname, old, NULL)) < 0)
		goto restart_old;
	if ((ret = podman_step(r, &o, err, "rename", next, cname, NULL)) < 0) {
		(void)podman_step(r, &o, NULL, "rename", old, cname, NULL);
		goto restart_old;
	}
	if (op.running && (ret = start_ready(r, cname, &o, err)) < 0) {
		paude_error_wrap(err, ret,
				 "the proxy with the new policy did not come up (the old "
				 "policy stays)");
		(void)podman_step(r, &o, NULL, "rm", "--force", "--time", "0", cname, NULL);
		(void)podman_step(r, &o, NULL, "rename", old, cname, NULL);
		if (start_ready(r, cname, &o, NULL) < 0)
			paude_error_wrap(err, ret,
					 "and the old proxy did not start again either "
					 "(start the session again: paude start %s)",
					 name);
		return ret;
	}
	if (podman_step(r, &o, NULL, "rm", "--force", "--time", "0", old, NULL) < 0)
		paude_debug("could not remove '%s'", old);
	return 0;

restart_old:
	if (op.running)
		(void)start_ready(r, cname, &o, NULL);
drop_next:
	(void)podman_step(r, &o, NULL, "rm", "--force", "--ignore", next, NULL);
	return ret;
}

int
paude_net_podman_start(struct paude_runner *r, const char *name,
		       const struct paude_net_podman_opts *opts, struct paude_error **err)
{
	_cleanup_child_ struct paude_child exists = PAUDE_CHILD_INIT;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	int status = 0;
	int ret;

	ret = check_name(name, err);
	if (ret < 0)
		return ret;
	child_podman(&exists, opts);
	paude_strvec_pushl(&exists.args, "container", "exists", NULL);
	paude_strvec_pushf(&exists.args, "paude-proxy-%s", name);
	ret = run(r, &exists, NULL, &errout, &status, err);
	if (ret < 0)
		return ret;
	if (status == 1)
		return 0; /* unrestricted: no proxy */
	if (status != 0)
		return paude_child_error(err, &exists, status, errout.buf, errout.len);

	child_podman(&c, opts);
	paude_strvec_push(&c.args, "start");
	paude_strvec_pushf(&c.args, "paude-proxy-%s", name);
	ret = run_checked(r, &c, NULL, err);
	if (ret < 0)
		return ret;

	/* squid needs a moment before it listens; the agent must not start
	 * into a network with no way out. */
	_cleanup_child_ struct paude_child ready = PAUDE_CHILD_INIT;
	child_podman(&ready, opts);
	paude_strvec_push(&ready.args, "exec");
	paude_strvec_pushf(&ready.args, "paude-proxy-%s", name);
	paude_strvec_push(&ready.args, PAUDE_PROXY_READY);
	ret = run_checked(r, &ready, NULL, err);
	if (ret < 0)
		return paude_error_wrap(err, ret,
					"the proxy of session '%s' did not come up (see: "
					"podman logs paude-proxy-%s)",
					name, name);
	return 0;
}

int
paude_net_podman_stop_prepare(const char *name, const struct paude_net_podman_opts *opts,
			      struct paude_child *c, struct paude_error **err)
{
	int ret = check_name(name, err);
	if (ret < 0)
		return ret;
	child_podman(c, opts);
	/*
	 * No grace period: squid keeps no cache and writes its log unbuffered,
	 * so nothing is lost when it is killed, and its own SIGTERM shutdown
	 * takes seconds (shutdown_lifetime plus its event loop).
	 */
	paude_strvec_pushl(&c->args, "stop", "--ignore", "--time", "0", NULL);
	paude_strvec_pushf(&c->args, "paude-proxy-%s", name);
	return 0;
}

int
paude_net_podman_stop(struct paude_runner *r, const char *name,
		      const struct paude_net_podman_opts *opts, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	int ret = paude_net_podman_stop_prepare(name, opts, &c, err);
	if (ret < 0)
		return ret;
	return run_checked(r, &c, NULL, err);
}

int
paude_net_podman_remove(struct paude_runner *r, const char *name,
			const struct paude_net_podman_opts *opts, struct paude_error **err)
{
	int ret = check_name(name, err);
	if (ret < 0)
		return ret;
	ret = remove_proxy(r, name, opts, err);
	if (ret < 0)
		return ret;
	return remove_network(r, name, opts, err);
}

static int tail_log(struct paude_runner *r, const char *name, unsigned lines, const char *path,
		    const struct paude_net_podman_opts *opts, struct paude_buf *out,
		    struct paude_error **err);

int
paude_net_podman_proxy_log(struct paude_runner *r, const char *name, unsigned lines,
			   const struct paude_net_podman_opts *opts, struct paude_buf *out,
			   struct paude_error **err)
{
	return tail_log(r, name, lines, PAUDE_PROXY_ACCESS_LOG, opts, out, err);
}

int
paude_net_podman_gateway_credentials(struct paude_runner *r, const char *name, const char *data,
				     size_t len, const struct paude_net_podman_opts *opts,
				     struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	int status = 0;
	int ret = check_name(name, err);
	if (ret < 0)
		return ret;
	child_podman(&c, opts);
	paude_strvec_pushl(&c.args, "exec", "-i", NULL);
	paude_strvec_pushf(&c.args, "paude-proxy-%s", name);
	/* A fixed script: nothing of the session's or the user's in it. */
	paude_strvec_pushl(&c.args, "sh", "-c",
			   "umask 077 && cat >" PAUDE_GATEWAY_ADC_COPY
			   ".new && mv -f " PAUDE_GATEWAY_ADC_COPY ".new " PAUDE_GATEWAY_ADC_COPY,
			   NULL);
	c.no_stdout = 1;
	ret = paude_run_capture(r, &c, data, len, NULL, &errout, &status, err);
	if (ret < 0)
		return ret;
	if (status != 0)
		return paude_child_error(err, &c, status, errout.buf, errout.len);
	return 0;
}

int
paude_net_podman_gateway_log(struct paude_runner *r, const char *name, unsigned lines,
			     const struct paude_net_podman_opts *opts, struct paude_buf *out,
			     struct paude_error **err)
{
	return tail_log(r, name, lines, PAUDE_GATEWAY_LOG, opts, out, err);
}

static int
tail_log(struct paude_runner *r, const char *name, unsigned lines, const char *path,
	 const struct paude_net_podman_opts *opts, struct paude_buf *out, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT_MAX(16 << 20);
	int status = 0;
	int ret;

	ret = check_name(name, err);
	if (ret < 0)
		return ret;
	child_podman(&c, opts);
	paude_strvec_pushl(&c.args, "exec", NULL);
	paude_strvec_pushf(&c.args, "paude-proxy-%s", name);
	paude_strvec_pushl(&c.args, "tail", "-n", NULL);
	paude_strvec_pushf(&c.args, "%u", lines ? lines : 50);
	paude_strvec_push(&c.args, path);
	ret = run(r, &c, &text, &errout, &status, err);
	if (ret < 0)
		return ret;
	if (status != 0) {
		if (strstr(errout.buf, "no such container"))
			return paude_error_set(err, PAUDE_ENOTFOUND, 0,
					       "session '%s' has no proxy (its network is "
					       "unrestricted, or it does not exist)",
					       name);
		if (strstr(errout.buf, "running"))
			return paude_error_set(err, PAUDE_ESTATE, 0,
					       "the proxy of session '%s' is not running (start "
					       "the session with: paude start %s)",
					       name, name);
		return paude_child_error(err, &c, status, errout.buf, errout.len);
	}
	return paude_buf_add(out, text.buf, text.len, err);
}
