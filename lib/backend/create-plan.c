/* SPDX-License-Identifier: MIT */
/*
 * The plan of `paude create` (create-plan.h). The Security Model table of
 * the README, as code: which host files reach a session and how.
 * ~/.gitconfig and the global gitignore are mounted read-only; ~/.claude is
 * copied in at start, never mounted; the model credentials (gcloud ADC, an
 * Anthropic API key) go to the sidecar's gateway only
 * (paude_create_plan_gateway); SSH keys, gh config, git credentials and the
 * engine socket never go in. A missing optional file is skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "paude/core/alloc.h"
#include "paude/backend/create-plan.h"
#include "paude/net/allowlist.h"
#include "paude/core/fs.h"
#include "paude/core/json.h"
#include "paude/backend/kube.h"
#include "paude/session/limits.h"
#include "paude/backend/podman.h"
#include "paude/session/setup-env.h"
#include "paude/net/squid.h"

void
paude_create_plan_release(struct paude_create_plan *p)
{
	free(p->branch);
	free(p->image_ref);
	free(p->recipe);
	free(p->ca_bundle);
	free(p->proxy_image_ref);
	paude_config_release(&p->config);
	paude_feature_set_release(&p->features);
	paude_strvec_clear(&p->strings);
	free(p->mounts);
	memset(p, 0, sizeof(*p));
}

void
paude_create_render_release(struct paude_create_render *r)
{
	paude_buf_release(&r->out);
	paude_buf_release(&r->info);
}

void
paude_create_say(const struct paude_create_plan *p, enum paude_log_level level, const char *fmt,
		 ...)
{
	if (!p->say)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_vaddf(&b, NULL, fmt, ap);
	va_end(ap);
	p->say(p->say_ctx, level, b.buf);
}

static void
add_mount(struct paude_create_plan *p, const char *host, const char *target, bool is_dir)
{
	if (is_dir ? !paude_is_dir(host) : !paude_is_file(host)) {
		paude_create_say(p, PAUDE_LOG_VERBOSE, "not mounting '%s': not present", host);
		return;
	}
	if (strchr(host, ',') || strchr(host, '\n')) {
		paude_create_say(p, PAUDE_LOG_WARN,
				 "not mounting '%s': paths with ',' cannot be mounted", host);
		return;
	}
	p->mounts = paude_xrealloc(p->mounts, p->n_mounts + 1, sizeof(*p->mounts));
	p->mounts[p->n_mounts++] = (struct paude_mount){
		.host = paude_strvec_push(&p->strings, host),
		.target = paude_strvec_push(&p->strings, target),
		.read_only = true,
	};
}

/* A value that lands in a variable or a list of regions: letters, digits
 * and a few separators, nothing a shell, squid or podman would read twice. */
static bool
plain_value(const char *v, const char *extra)
{
	if (!v || !*v || strlen(v) > 100)
		return false;
	for (const char *c = v; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr(extra, *c)))
			return false;
	return true;
}

static const char *
nonempty(const char *v)
{
	return v && *v ? v : NULL;
}

int
paude_create_read_adc(const char *path, struct paude_buf *out, struct paude_error **err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return paude_error_set(err, PAUDE_EUSAGE, errno,
				       "cannot read the Google credentials '%s' (run: gcloud auth "
				       "application-default login)",
				       path);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (paude_buf_add(out, chunk, n, NULL) < 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' is too large to be Google credentials", path);
	return 0;
}

/* Check on the host that the ADC file is of a kind the gateway can use:
 * better a clear error at create than a 502 at the first prompt. */
static int
check_adc(const char *path, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(PAUDE_CREATE_ADC_MAX);
	int r = paude_create_read_adc(path, &b, err);
	if (r < 0)
		return r;
	_cleanup_json_ struct json_object *root = NULL;
	if (paude_json_parse(&root, b.buf, b.len, path, err) < 0)
		return PAUDE_EUSAGE;
	const char *type = paude_json_get_str(root, "type");
	if (!type || (strcmp(type, "authorized_user") != 0 && strcmp(type, "service_account") != 0))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "unsupported credentials type '%s' in '%s' (supported: "
				       "authorized_user from gcloud auth application-default "
				       "login, service_account key files)",
				       type ? type : "(none)", path);
	return 0;
}

/* A test hook URL: http(s)://, then no blanks, commas or newlines. */
static int
hook_url(struct paude_create_plan *p, const char *name, const char *value, const char **out,
	 struct paude_error **err)
{
	const char *v = nonempty(value);
	*out = NULL;
	if (!v)
		return 0;
	if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
	    strpbrk(v, " \t\r\n,@"))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid %s '%s' (an http:// or https:// URL)", name, v);
	paude_create_say(p, PAUDE_LOG_WARN,
			 "%s is set: the model gateway calls %s instead of the real endpoint", name,
			 v);
	*out = paude_strvec_push(&p->strings, v);
	return 0;
}

static int
vertex_gateway(struct paude_create_plan *p, const char *base, struct paude_error **err)
{
	const struct paude_create_env *e = p->env;
	struct paude_gateway *g = &p->gateway;
	struct paude_session_spec *spec = p->spec;
	const char *project = nonempty(e->vertex_project);
	if (!plain_value(project, "-.:"))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       project
					   ? "invalid Vertex AI project '%s'"
					   : "CLAUDE_CODE_USE_VERTEX is set but no project%s (set "
					     "ANTHROPIC_VERTEX_PROJECT_ID)",
				       project ? project : "");
	const char *region = nonempty(e->region);
	if (!region)
		region = "us-east5";
	_cleanup_buf_ struct paude_buf regions = PAUDE_BUF_INIT;
	paude_buf_addstr(&regions, region, NULL);
	for (const char *const *v = e->vars; v && *v; v++) {
		const char *eq = strchr(*v, '=');
		/* Like the variables passed into sessions: never one whose
		 * name says it holds a secret (VERTEX_REGION_API_KEY). */
		if (strncmp(*v, "VERTEX_REGION_", 14) != 0 || !eq ||
		    paude_setup_name_is_secret(*v, (size_t)(eq - *v)))
			continue;
		paude_buf_addf(&regions, NULL, ",%s", eq + 1);
	}
	for (const char *c = regions.buf; *c;) {
		size_t n = strcspn(c, ",");
		_cleanup_free_ char *one = paude_xstrndup(c, n);
		if (!plain_value(one, "-"))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid Vertex AI region '%s' (in "
					       "CLOUD_ML_REGION or VERTEX_REGION_*)",
					       one);
		c += n + (c[n] == ',');
	}
	const char *file = e->adc_path;
	if (!file || !paude_is_file(file))
		return paude_error_set(
		    err, PAUDE_EUSAGE, 0,
		    "no Google credentials at '%s' for Vertex AI (run: gcloud auth "
		    "application-default login, or set GOOGLE_APPLICATION_CREDENTIALS)",
		    file ? file : "");
	int r = check_adc(file, err);
	if (r < 0)
		return r;
	g->provider = "vertex";
	g->adc_host_file = paude_strvec_push(&p->strings, file);
	g->project = paude_strvec_push(&p->strings, project);
	g->regions = paude_strvec_push(&p->strings, regions.buf);
	/* Copied in at every start and connect. */
	g->adc_file = PAUDE_GATEWAY_ADC_COPY;
	paude_strvec_pushl(&spec->env, "CLAUDE_CODE_USE_VERTEX=1", "CLAUDE_CODE_SKIP_VERTEX_AUTH=1",
			   NULL);
	paude_strvec_pushf(&spec->env, "ANTHROPIC_VERTEX_BASE_URL=%s/v1", base);
	paude_strvec_pushf(&spec->env, "ANTHROPIC_VERTEX_PROJECT_ID=%s", project);
	paude_strvec_pushf(&spec->env, "CLOUD_ML_REGION=%s", region);
	return 0;
}

int
paude_create_plan_gateway(struct paude_create_plan *p, struct paude_error **err)
{
	const struct paude_create_env *e = p->env;
	struct paude_gateway *g = &p->gateway;
	struct paude_session_spec *spec = p->spec;
	int r;
	memset(g, 0, sizeof(*g));
	if ((r = hook_url(p, "PAUDE_GATEWAY_TOKEN_URL", e->token_url, &g->token_url, err)) < 0 ||
	    (r = hook_url(p, "PAUDE_GATEWAY_VERTEX_URL", e->vertex_url, &g->vertex_url, err)) < 0 ||
	    (r = hook_url(p, "PAUDE_GATEWAY_ANTHROPIC_URL", e->anthropic_url, &g->anthropic_url,
			  err)) < 0)
		return r;
	char base[64];
	(void)snprintf(base, sizeof(base), "http://%s:%d", PAUDE_PROXY_HOST, PAUDE_GATEWAY_PORT);
	if (e->use_vertex) {
		if ((r = vertex_gateway(p, base, err)) < 0)
			return r;
	} else if (e->api_key) {
		g->provider = "anthropic";
		g->api_key = true;
		g->api_key_value = e->api_key_value;
		paude_strvec_pushf(&spec->env, "ANTHROPIC_BASE_URL=%s", base);
		/* Claude Code needs some credential to send: a placeholder the
		 * gateway drops and replaces with the real key. */
		paude_strvec_push(&spec->env, "ANTHROPIC_AUTH_TOKEN=paude-gateway-placeholder");
	} else {
		g->provider = "none";
	}
	spec->gateway = g;
	free(spec->meta.gateway);
	spec->meta.gateway = paude_xstrdup(g->provider);
	return 0;
}

#define CA_TARGET PAUDE_CA_BUNDLE_TARGET

int
paude_create_plan_environment(struct paude_create_plan *p, struct paude_error **err)
{
	struct paude_session_spec *spec = p->spec;
	const char *home = paude_home_dir();
	static const struct {
		const char *rel, *target;
		bool dir;
	} files[] = {
		{ ".gitconfig", PAUDE_AGENT_HOME "/.gitconfig", false },
		{ ".config/git/ignore", PAUDE_AGENT_HOME "/.config/git/ignore", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *f = paude_path_join(home, files[i].rel);
		add_mount(p, f, files[i].target, files[i].dir);
	}
	const char *ca = p->env->ca_bundle;
	if (ca && !paude_is_file(ca))
		return paude_error_set(
		    err, PAUDE_EUSAGE, 0,
		    "CA bundle '%s' is not a file (fix PAUDE_CA_BUNDLE, or set it "
		    "empty for none)",
		    ca);
	p->ca_bundle = ca ? paude_xstrdup(ca) : NULL;
	if (p->ca_bundle) {
		add_mount(p, p->ca_bundle, CA_TARGET, false);
		static const char *const vars[] = { "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS",
						    "GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE",
						    "CURL_CA_BUNDLE" };
		for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
			paude_strvec_pushf(&spec->env, "%s=" CA_TARGET, vars[i]);
	}
	if (p->env->vars)
		paude_setup_host_env(p->env->vars, p->ca_bundle ? CA_TARGET : NULL, &spec->env);
	spec->mounts = p->mounts;
	spec->n_mounts = p->n_mounts;
	return 0;
}

/* Names paude itself sets in the agent container: a project may not change them. */
static const char *const reserved_env[] = {
	"PAUDE_SESSION_NAME", "HTTP_PROXY",          "HTTPS_PROXY",    "NO_PROXY",
	"http_proxy",         "https_proxy",         "no_proxy",       "HOME",
	"SSL_CERT_FILE",      "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE",
	"CURL_CA_BUNDLE",
};

static bool
env_name_ok(const char *kv, size_t k)
{
	if (k == 0 ||
	    !(kv[0] == '_' || (kv[0] >= 'A' && kv[0] <= 'Z') || (kv[0] >= 'a' && kv[0] <= 'z')))
		return false;
	for (size_t i = 1; i < k; i++)
		if (!(kv[i] == '_' || (kv[i] >= 'A' && kv[i] <= 'Z') ||
		      (kv[i] >= 'a' && kv[i] <= 'z') || (kv[i] >= '0' && kv[i] <= '9')))
			return false;
	return true;
}

static int
add_project_env(struct paude_create_plan *p, struct paude_error **err)
{
	const struct paude_config *cfg = &p->config;
	for (size_t i = 0; i < cfg->env.nr; i++) {
		const char *kv = cfg->env.v[i];
		size_t k = strcspn(kv, "=");
		if (!kv[k] || !env_name_ok(kv, k) || strchr(kv, '\n'))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "invalid containerEnv entry '%.*s' in '%s' (names are "
			    "letters, digits and '_'; values are one line)",
			    (int)k, kv, cfg->path ? cfg->path : "config");
		bool reserved = false;
		for (size_t j = 0; j < ARRAY_SIZE(reserved_env); j++)
			reserved |=
			    strlen(reserved_env[j]) == k && !strncmp(kv, reserved_env[j], k);
		if (reserved) {
			paude_create_say(
			    p, PAUDE_LOG_WARN,
			    "containerEnv '%.*s' is not applied: paude sets it itself (the "
			    "network proxy, the CA bundle or the home directory)",
			    (int)k, kv);
			continue;
		}
		paude_strvec_push(&p->spec->env, kv);
	}
	return 0;
}

/*
 * hostRequirements are the project's minimums: the session's limits rise to
 * them unless --memory or --cpus chose a limit (then a lower one is warned
 * about), and a host that has less than asked is warned about.
 */
static void
apply_host_requirements(struct paude_create_plan *p)
{
	struct paude_session *m = &p->spec->meta;
	const struct paude_config *cfg = &p->config;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t want_mem = cfg->host_memory;
	unsigned want_cpus = cfg->host_cpus ? cfg->host_cpus * 1000u : 0;
	if (want_mem > PAUDE_MEMORY_MAX)
		want_mem = PAUDE_MEMORY_MAX;
	if (want_cpus > PAUDE_CPUS_MILLI_MAX)
		want_cpus = PAUDE_CPUS_MILLI_MAX;
	if (want_mem && m->memory < want_mem) {
		_cleanup_free_ char *have = paude_size_format(m->memory);
		_cleanup_free_ char *want = paude_size_format(want_mem);
		if (p->memory_given) {
			paude_create_say(
			    p, PAUDE_LOG_WARN,
			    "--memory %s is below what %s asks for (hostRequirements.memory: %s)",
			    have, cfg->rel_path, want);
		} else {
			paude_create_say(p, PAUDE_LOG_INFO,
					 "Memory limit: %s, as %s asks (hostRequirements.memory)",
					 want, cfg->rel_path);
			m->memory = want_mem;
		}
	}
	if (want_cpus && m->cpus_milli < want_cpus) {
		_cleanup_free_ char *have = paude_cpus_format(m->cpus_milli);
		if (p->cpus_given) {
			paude_create_say(
			    p, PAUDE_LOG_WARN,
			    "--cpus %s is below what %s asks for (hostRequirements.cpus: %u)", have,
			    cfg->rel_path, cfg->host_cpus);
		} else {
			paude_create_say(p, PAUDE_LOG_INFO,
					 "CPU limit: %u, as %s asks (hostRequirements.cpus)",
					 cfg->host_cpus, cfg->rel_path);
			m->cpus_milli = want_cpus;
		}
	}
	if (cfg->host_cpus && cpus > 0 && (unsigned long)cpus < cfg->host_cpus)
		paude_create_say(
		    p, PAUDE_LOG_WARN,
		    "%s asks for %u CPUs (hostRequirements.cpus), but this host has %ld: "
		    "the session may be slow",
		    cfg->rel_path, cfg->host_cpus, cpus);
	if (cfg->host_memory && pages > 0 && page > 0 &&
	    (unsigned long long)pages * (unsigned long long)page < cfg->host_memory)
		paude_create_say(
		    p, PAUDE_LOG_WARN,
		    "%s asks for %llu MiB of memory (hostRequirements.memory), but this "
		    "host has %llu MiB",
		    cfg->rel_path, cfg->host_memory >> 20,
		    ((unsigned long long)pages * (unsigned long long)page) >> 20);
}

/* A directory inside the workspace that is a real directory (a symlink
 * could point a mount anywhere). */
static bool
real_dir_in(const char *ws, const char *rel)
{
	_cleanup_free_ char *d = paude_path_join(ws, rel);
	struct stat st;
	return lstat(d, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_venv(const char *ws, const char *rel)
{
	if (!real_dir_in(ws, rel))
		return false;
	_cleanup_free_ char *d = paude_path_join(ws, rel);
	_cleanup_free_ char *cfg = paude_path_join(d, "pyvenv.cfg");
	return paude_is_file(cfg);
}

static int
find_venvs(struct paude_create_plan *p, struct paude_error **err)
{
	static const char *const auto_dirs[] = { ".venv", "venv", ".virtualenv", "env", ".env" };
	struct paude_session *m = &p->spec->meta;
	const struct paude_config *cfg = &p->config;
	const char *ws = m->workspace;
	switch (cfg->venv_mode) {
	case PAUDE_VENV_NONE:
		return 0;
	case PAUDE_VENV_AUTO:
		for (size_t i = 0; i < ARRAY_SIZE(auto_dirs); i++)
			if (is_venv(ws, auto_dirs[i]))
				paude_strvec_push(&m->venv_shadows, auto_dirs[i]);
		return 0;
	case PAUDE_VENV_LIST:
		break;
	}
	for (size_t i = 0; i < cfg->venv_dirs.nr; i++) {
		_cleanup_free_ char *d = paude_xstrdup(cfg->venv_dirs.v[i]);
		/* ".venv/" means ".venv". */
		for (size_t n = strlen(d); n > 1 && d[n - 1] == '/'; n--)
			d[n - 1] = '\0';
		int r = paude_workspace_subdir_validate(d, err);
		if (r < 0) {
			paude_error_wrap(err, r, "venv in '%s'", cfg->path ? cfg->path : "config");
			return r;
		}
		if (paude_strvec_find(&m->venv_shadows, d) >= 0)
			continue;
		/* Mounting over a missing directory would create it in the host tree. */
		if (!real_dir_in(ws, d)) {
			paude_create_say(
			    p, PAUDE_LOG_INFO,
			    "Not shadowing venv '%s': no such directory in the workspace", d);
			continue;
		}
		paude_strvec_push(&m->venv_shadows, d);
	}
	return 0;
}

int
paude_create_plan_project(struct paude_create_plan *p, struct paude_error **err)
{
	struct paude_session_spec *spec = p->spec;
	struct paude_session *m = &spec->meta;
	const struct paude_config *cfg = &p->config;
	/* A lone setup command keeps the label older paude versions read. */
	const struct paude_lifecycle *lc = &cfg->lifecycle;
	const struct paude_hook_cmds *pc = &lc->hook[PAUDE_HOOK_POST_CREATE];
	bool lone = pc->nr == 1 && !pc->v[0].name;
	for (size_t h = 0; lone && h < PAUDE_HOOK_N; h++)
		lone = h == PAUDE_HOOK_POST_CREATE || !lc->hook[h].nr;
	paude_lifecycle_release(&m->lifecycle);
	if (lone)
		paude_strvec_pushv(&m->setup, (const char *const *)pc->v[0].argv.v);
	else
		paude_lifecycle_copy(&m->lifecycle, lc);
	paude_strvec_pushv(&m->remote_env, (const char *const *)cfg->remote_env.v);
	for (size_t i = 0; i < cfg->n_forward_ports; i++)
		paude_strvec_pushf(&m->forward_ports, "%u", cfg->forward_ports[i]);
	apply_host_requirements(p);
	int r = add_project_env(p, err);
	if (r < 0)
		return r;
	/* Rootless podman is podman run by anyone but root. */
	spec->rootless = geteuid() != 0;
	if (m->workspace_mode != PAUDE_WORKSPACE_MOUNT)
		return 0;

	const char *ws = m->workspace;
	struct stat st;
	if (stat(ws, &st) < 0)
		return paude_error_set(err, PAUDE_EGENERIC, errno, "cannot read workspace '%s'",
				       ws);
	if (strchr(ws, ',') || strchr(ws, '\n'))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "cannot mount workspace '%s': paths with ',' cannot be "
				       "mounted (rename it, or leave out --mount-workspace)",
				       ws);
	spec->workspace_uid = st.st_uid;
	/* The backend refuses this too; saying it here covers --dry-run. */
	if (!spec->rootless && st.st_uid == 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "cannot mount workspace '%s': it belongs to root, and the "
				       "agent never runs as root (chown it to your user, or leave "
				       "out --mount-workspace)",
				       ws);
	p->mounts = paude_xrealloc(p->mounts, p->n_mounts + 1, sizeof(*p->mounts));
	p->mounts[p->n_mounts++] = (struct paude_mount){
		.host = paude_strvec_push(&p->strings, ws),
		.target = PAUDE_WORKSPACE_DIR,
		.read_only = false,
		.relabel = true,
	};
	spec->mounts = p->mounts;
	spec->n_mounts = p->n_mounts;
	if ((r = find_venvs(p, err)) < 0)
		return r;
	for (size_t i = 0; i < m->venv_shadows.nr; i++)
		paude_create_say(p, PAUDE_LOG_INFO, "Shadowing venv: %s", m->venv_shadows.v[i]);
	return 0;
}

int
paude_create_plan_network(struct paude_create_plan *p, struct paude_error **err)
{
	struct paude_session *m = &p->spec->meta;
	/* Validate, then keep the normalised request (aliases kept, lower case,
	 * no duplicates): that is what the label stores and list shows. */
	_cleanup_(paude_allowlist_release) struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	int r = paude_allowlist_parse(&al, (const char *const *)m->allowed_domains.v, err);
	if (r < 0)
		return r;
	paude_strvec_clear(&m->allowed_domains);
	paude_strvec_pushv(&m->allowed_domains, (const char *const *)al.requested.v);
	/* Private destinations stay refused unless the user names ranges to
	 * except; an unrestricted session has no proxy to tell. */
	paude_strvec_clear(&m->allow_private_dst);
	const char *priv = nonempty(p->env->private_dst);
	if (al.unrestricted || !priv)
		return 0;
	return paude_private_dst_parse(&m->allow_private_dst, priv, err);
}

char *
paude_create_describe_limits(const struct paude_session *m)
{
	_cleanup_free_ char *mem = m->memory ? paude_size_format(m->memory) : paude_xstrdup("none");
	_cleanup_free_ char *cpus =
	    m->cpus_milli ? paude_cpus_format(m->cpus_milli) : paude_xstrdup("none");
	_cleanup_free_ char *disk = m->disk ? paude_size_format(m->disk) : NULL;
	return paude_xasprintf("memory %s, CPUs %s, disk %s", mem, cpus,
			       disk ? disk
				    : "without a size limit (the volume shares the engine's "
				      "storage)");
}

char *
paude_create_describe_network(const struct paude_session *m)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_allowlist_describe(&b, (const char *const *)m->allowed_domains.v);
	for (size_t i = 0; i < m->allow_private_dst.nr; i++)
		paude_buf_addf(&b, NULL, "%s%s", i ? ", " : "; private destinations allowed: ",
			       m->allow_private_dst.v[i]);
	return paude_buf_detach(&b);
}

int
paude_create_plan_load_config(struct paude_create_plan *p, struct paude_error **err)
{
	paude_config_release(&p->config);
	int r = paude_config_load(&p->config, p->spec->meta.workspace, p->config_choice, err);
	if (r < 0)
		return r;
	if (p->config.kind == PAUDE_CONFIG_NONE)
		return 0;
	paude_create_say(p, PAUDE_LOG_INFO, "Using configuration: %s", p->config.path);
	for (size_t i = 0; i < p->config.warnings.nr; i++)
		paude_create_say(p, PAUDE_LOG_WARN, "%s: %s", p->config.path,
				 p->config.warnings.v[i]);
	return 0;
}

int
paude_create_plan_custom(struct paude_create_plan *p, const struct paude_image_opts *o,
			 struct paude_custom_plan *plan, struct paude_error **err)
{
	int r;
	if (p->config.n_features && !p->dry_run) {
		paude_create_say(p, PAUDE_LOG_INFO, "Fetching %zu feature%s...",
				 p->config.n_features, p->config.n_features == 1 ? "" : "s");
		if ((r = paude_features_resolve(&p->features, &p->config, &p->env->oci, err)) < 0)
			return r;
	}
	return paude_image_custom_plan(plan, &p->config, &p->features, o, err);
}

int
paude_create_prepare(struct paude_backend *b, struct paude_create_plan *p, struct paude_error **err)
{
	if (!b->ops->prepare_images)
		return paude_error_set(err, PAUDE_ENOTSUP, 0,
				       "the %s backend cannot prepare images", b->ops->name);
	int r = b->ops->prepare_images(b, p, err);
	if (r < 0 || (r = paude_create_plan_project(p, err)) < 0)
		return r;
	struct paude_session *m = &p->spec->meta;
	free(m->image);
	m->image = paude_xstrdup(p->image_ref ? p->image_ref : "IMAGE");
	p->spec->proxy_image = p->proxy_image_ref;
	p->spec->proxy_network = p->env->proxy_network;
	return 0;
}

int
paude_create_render(struct paude_backend *b, const struct paude_create_plan *p,
		    struct paude_create_render *out, struct paude_error **err)
{
	if (!b->ops->render_plan)
		return paude_error_set(err, PAUDE_ENOTSUP, 0, "the %s backend cannot show a plan",
				       b->ops->name);
	return b->ops->render_plan(b, p, out, err);
}

int
paude_create_open(struct paude_backend **out, const struct paude_location *loc,
		  struct paude_runner *runner, const struct paude_create_plan *p,
		  struct paude_error **err)
{
	if (loc->kind != PAUDE_LOCATION_CLUSTER)
		return paude_backend_open(out, loc, runner, err);
	const struct paude_kube_opts o = {
		.context = loc->context,
		.namespace = loc->namespace,
		.pvc_size = p->kube.pvc_size,
		.storage_class = p->kube.storage_class,
	};
	return paude_kube_open(out, runner, &o, err);
}

int
paude_create_check_target(struct paude_backend *b, struct paude_error **err)
{
	if (!paude_backend_is(b, PAUDE_LOCATION_CLUSTER))
		return 0;
	return paude_kube_check_namespace(b, err);
}

int
paude_create_where(struct paude_backend *b, struct paude_location *out, struct paude_error **err)
{
	paude_location_release(out);
	if (!paude_backend_is(b, PAUDE_LOCATION_CLUSTER)) {
		out->kind = b->ops->kind;
		return 0;
	}
	out->kind = PAUDE_LOCATION_CLUSTER;
	const char *ns = NULL;
	int r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	out->namespace = paude_xstrdup(ns);
	return paude_kube_current_context(b, &out->context, err);
}
