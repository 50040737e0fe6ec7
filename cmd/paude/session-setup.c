/* SPDX-License-Identifier: MIT */
/*
 * The Security Model table of the README, as code: which host files reach a
 * session and how. ~/.gitconfig and the global gitignore are mounted
 * read-only; ~/.claude is copied in at start (see cli.c), never mounted; the
 * model credentials (gcloud ADC, an Anthropic API key) go to the sidecar's
 * gateway only (paude_setup_gateway); SSH keys, gh config, git credentials
 * and the engine socket never go in. A missing optional file is skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "env.h"
#include "session-setup.h"
#include "paude/limits.h"
#include "paude/fs.h"
#include "paude/log.h"
#include "paude/allowlist.h"
#include "paude/net.h"
#include "paude/squid.h"
#include "paude/podman.h"
#include "paude/image.h"
#include "paude/image-custom.h"
#include "paude/json.h"
#include "paude/run.h"

extern char **environ;

void
paude_setup_release(struct paude_setup *s)
{
	free(s->image_ref);
	free(s->recipe);
	free(s->ca_bundle);
	free(s->proxy_image_ref);
	paude_config_release(&s->config);
	paude_feature_set_release(&s->features);
	paude_strvec_clear(&s->strings);
	free(s->mounts);
	memset(s, 0, sizeof(*s));
}

static void
add_mount(struct paude_setup *s, const char *host, const char *target, bool is_dir)
{
	if (is_dir ? !paude_is_dir(host) : !paude_is_file(host)) {
		paude_verbose("not mounting '%s': not present", host);
		return;
	}
	if (strchr(host, ',') || strchr(host, '\n')) {
		paude_warn("not mounting '%s': paths with ',' cannot be mounted", host);
		return;
	}
	s->mounts = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	if (!s->mounts)
		abort();
	s->mounts[s->n_mounts++] = (struct paude_mount){
		.host = paude_strvec_push(&s->strings, host),
		.target = paude_strvec_push(&s->strings, target),
		.read_only = true,
	};
}

/*
 * The host variables a session gets: this list, by exact name, and nothing
 * else from the host's environment. They pick the model provider's
 * project, region and models, and quiet Claude Code. Values go in through
 * a private env file, never on a command line (backend-podman.c).
 */
static const char *const host_env_names[] = {
	"CLAUDE_CODE_USE_VERTEX",
	"ANTHROPIC_VERTEX_PROJECT_ID",
	"GOOGLE_CLOUD_PROJECT",
	"CLOUD_ML_REGION",
	"ANTHROPIC_MODEL",
	"ANTHROPIC_SMALL_FAST_MODEL",
	"DISABLE_TELEMETRY",
	"DISABLE_ERROR_REPORTING",
	"DISABLE_AUTOUPDATER",
	"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
	/* gcloud's project and region; its CA file is pointed at the session's bundle. */
	"CLOUDSDK_CORE_PROJECT",
	"CLOUDSDK_COMPUTE_REGION",
	"CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
};
/* One region variable per model (VERTEX_REGION_CLAUDE_4_0_SONNET, ...). */
static const char *const host_env_prefixes[] = { "VERTEX_REGION_" };
/* Never passed, whatever the lists above say: names that say they hold a secret. */
static const char *const secret_words[] = { "PASSWORD", "TOKEN", "SECRET", "KEY" };

static bool
name_has_secret_word(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(secret_words); i++) {
		size_t w = strlen(secret_words[i]);
		for (size_t j = 0; j + w <= n; j++)
			if (!strncasecmp(name + j, secret_words[i], w))
				return true;
	}
	return false;
}

static bool
env_true(const char *name)
{
	const char *v = getenv(name);
	return v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* A value that lands in a variable or a list of regions: letters, digits
 * and a few separators, nothing a shell, squid or podman would read twice. */
static bool
plain_value(const char *v, const char *extra)
{
	if (!v || !*v || strlen(v) > 100)
		return false;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(extra, *p)))
			return false;
	return true;
}

/* Check on the host that the ADC file is of a kind the gateway can use:
 * better a clear error at create than a 502 at the first prompt. */
static int
check_adc(const char *path, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(PAUDE_SETUP_ADC_MAX);
	int r = paude_setup_read_adc(path, &b, err);
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

char *
paude_setup_adc_path(void)
{
	const char *gac = env_nonempty("GOOGLE_APPLICATION_CREDENTIALS");
	if (gac) {
		char *p = strdup(gac);
		if (!p)
			abort();
		return p;
	}
	_cleanup_free_ char *cfg = paude_path_join(paude_home_dir(), ".config");
	_cleanup_free_ char *dir = paude_path_join(cfg, "gcloud");
	return paude_path_join(dir, "application_default_credentials.json");
}

int
paude_setup_read_adc(const char *path, struct paude_buf *out, struct paude_error **err)
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

/* A test hook URL: http(s)://, then no blanks, commas or newlines. */
static int
hook_url(const char *name, const char **out, struct paude_setup *s, struct paude_error **err)
{
	const char *v = env_nonempty(name);
	*out = NULL;
	if (!v)
		return 0;
	if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
	    strpbrk(v, " \t\r\n,@"))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid %s '%s' (an http:// or https:// URL)", name, v);
	paude_warn("%s is set: the model gateway calls %s instead of the real endpoint", name, v);
	*out = paude_strvec_push(&s->strings, v);
	return 0;
}

int
paude_setup_gateway(struct paude_session_spec *spec, struct paude_setup *s,
		    struct paude_error **err)
{
	struct paude_gateway *g = &s->gateway;
	int r;
	memset(g, 0, sizeof(*g));
	if ((r = hook_url("PAUDE_GATEWAY_TOKEN_URL", &g->token_url, s, err)) < 0 ||
	    (r = hook_url("PAUDE_GATEWAY_VERTEX_URL", &g->vertex_url, s, err)) < 0 ||
	    (r = hook_url("PAUDE_GATEWAY_ANTHROPIC_URL", &g->anthropic_url, s, err)) < 0)
		return r;
	char base[64];
	(void)snprintf(base, sizeof(base), "http://%s:%d", PAUDE_PROXY_HOST, PAUDE_GATEWAY_PORT);
	if (env_true("CLAUDE_CODE_USE_VERTEX")) {
		const char *project = env_nonempty("ANTHROPIC_VERTEX_PROJECT_ID");
		if (!project)
			project = env_nonempty("GOOGLE_CLOUD_PROJECT");
		if (!plain_value(project, "-.:"))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    project ? "invalid Vertex AI project '%s'"
				    : "CLAUDE_CODE_USE_VERTEX is set but no project%s (set "
				      "ANTHROPIC_VERTEX_PROJECT_ID)",
			    project ? project : "");
		const char *region = env_nonempty("CLOUD_ML_REGION");
		if (!region)
			region = "us-east5";
		_cleanup_buf_ struct paude_buf regions = PAUDE_BUF_INIT;
		paude_buf_addstr(&regions, region, NULL);
		for (char **e = environ; *e; e++) {
			const char *eq = strchr(*e, '=');
			/* Like the variables passed into sessions: never one whose
			 * name says it holds a secret (VERTEX_REGION_API_KEY). */
			if (strncmp(*e, "VERTEX_REGION_", 14) != 0 || !eq ||
			    name_has_secret_word(*e, (size_t)(eq - *e)))
				continue;
			paude_buf_addf(&regions, NULL, ",%s", eq + 1);
		}
		for (const char *p = regions.buf; *p;) {
			size_t n = strcspn(p, ",");
			_cleanup_free_ char *one = strndup(p, n);
			if (!one)
				abort();
			if (!plain_value(one, "-"))
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "invalid Vertex AI region '%s' (in "
						       "CLOUD_ML_REGION or VERTEX_REGION_*)",
						       one);
			p += n + (p[n] == ',');
		}
		_cleanup_free_ char *file = paude_setup_adc_path();
		if (!paude_is_file(file))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "no Google credentials at '%s' for Vertex AI (run: gcloud auth "
			    "application-default login, or set GOOGLE_APPLICATION_CREDENTIALS)",
			    file);
		if ((r = check_adc(file, err)) < 0)
			return r;
		g->provider = "vertex";
		g->adc_host_file = paude_strvec_push(&s->strings, file);
		g->project = paude_strvec_push(&s->strings, project);
		g->regions = paude_strvec_push(&s->strings, regions.buf);
		/* Copied in at every start and connect (cli.c). */
		g->adc_file = PAUDE_GATEWAY_ADC_COPY;
		paude_strvec_pushl(&spec->env, "CLAUDE_CODE_USE_VERTEX=1",
				   "CLAUDE_CODE_SKIP_VERTEX_AUTH=1", NULL);
		paude_strvec_pushf(&spec->env, "ANTHROPIC_VERTEX_BASE_URL=%s/v1", base);
		paude_strvec_pushf(&spec->env, "ANTHROPIC_VERTEX_PROJECT_ID=%s", project);
		paude_strvec_pushf(&spec->env, "CLOUD_ML_REGION=%s", region);
	} else if (env_nonempty("ANTHROPIC_API_KEY")) {
		g->provider = "anthropic";
		g->api_key = true;
		paude_strvec_pushf(&spec->env, "ANTHROPIC_BASE_URL=%s", base);
		/* Claude Code needs some credential to send: a placeholder the
		 * gateway drops and replaces with the real key. */
		paude_strvec_push(&spec->env, "ANTHROPIC_AUTH_TOKEN=paude-gateway-placeholder");
	} else {
		g->provider = "none";
	}
	spec->gateway = g;
	free(spec->meta.gateway);
	spec->meta.gateway = strdup(g->provider);
	if (!spec->meta.gateway)
		abort();
	return 0;
}

bool
paude_setup_host_env_passes(const char *name, size_t n)
{
	if (name_has_secret_word(name, n))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(host_env_names); i++)
		if (strlen(host_env_names[i]) == n && !strncmp(name, host_env_names[i], n))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(host_env_prefixes); i++) {
		size_t p = strlen(host_env_prefixes[i]);
		if (n > p && !strncmp(name, host_env_prefixes[i], p))
			return true;
	}
	return false;
}

void
paude_setup_host_env(const char *const *env, const char *ca_target, struct paude_strvec *out)
{
	for (const char *const *e = env; *e; e++) {
		size_t k = strcspn(*e, "=");
		if (!(*e)[k] || !paude_setup_host_env_passes(*e, k) || strpbrk(*e, "\n\r"))
			continue;
		/* A host path to a CA file means nothing inside: point it at ours. */
		if (k > 14 && !strncmp(*e + k - 14, "_CA_CERTS_FILE", 14)) {
			if (ca_target)
				paude_strvec_pushf(out, "%.*s=%s", (int)k, *e, ca_target);
			continue;
		}
		paude_strvec_push(out, *e);
	}
}

#define CA_TARGET PAUDE_CA_BUNDLE_TARGET

int
paude_setup_environment(struct paude_session_spec *spec, struct paude_setup *s,
			struct paude_error **err)
{
	const char *home = paude_home_dir();
	static const struct {
		const char *rel, *target;
		bool dir;
	} files[] = {
		{ ".gitconfig", PAUDE_AGENT_HOME "/.gitconfig", false },
		{ ".config/git/ignore", PAUDE_AGENT_HOME "/.config/git/ignore", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = paude_path_join(home, files[i].rel);
		add_mount(s, p, files[i].target, files[i].dir);
	}
	const char *ca = paude_cli_env_ca_bundle();
	if (ca && !paude_is_file(ca))
		return paude_error_set(
		    err, PAUDE_EUSAGE, 0,
		    "CA bundle '%s' is not a file (fix PAUDE_CA_BUNDLE, or set it "
		    "empty for none)",
		    ca);
	s->ca_bundle = ca ? strdup(ca) : NULL;
	if (s->ca_bundle) {
		add_mount(s, s->ca_bundle, CA_TARGET, false);
		static const char *const vars[] = { "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS",
						    "GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE",
						    "CURL_CA_BUNDLE" };
		for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
			paude_strvec_pushf(&spec->env, "%s=" CA_TARGET, vars[i]);
	}
	paude_setup_host_env((const char *const *)environ, s->ca_bundle ? CA_TARGET : NULL,
			     &spec->env);
	spec->mounts = s->mounts;
	spec->n_mounts = s->n_mounts;
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
add_project_env(struct paude_session_spec *spec, const struct paude_config *cfg,
		struct paude_error **err)
{
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
			paude_warn("containerEnv '%.*s' is not applied: paude sets it itself (the "
				   "network proxy, the CA bundle or the home directory)",
				   (int)k, kv);
			continue;
		}
		paude_strvec_push(&spec->env, kv);
	}
	return 0;
}

/*
 * hostRequirements are the project's minimums: the session's limits rise to
 * them unless --memory or --cpus chose a limit (then a lower one is warned
 * about), and a host that has less than asked is warned about.
 */
static void
apply_host_requirements(struct paude_session *m, const struct paude_config *cfg,
			const struct paude_setup *s)
{
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
		if (s->memory_given) {
			paude_warn(
			    "--memory %s is below what %s asks for (hostRequirements.memory: "
			    "%s)",
			    have, cfg->rel_path, want);
		} else {
			paude_info("Memory limit: %s, as %s asks (hostRequirements.memory)", want,
				   cfg->rel_path);
			m->memory = want_mem;
		}
	}
	if (want_cpus && m->cpus_milli < want_cpus) {
		_cleanup_free_ char *have = paude_cpus_format(m->cpus_milli);
		if (s->cpus_given) {
			paude_warn(
			    "--cpus %s is below what %s asks for (hostRequirements.cpus: %u)", have,
			    cfg->rel_path, cfg->host_cpus);
		} else {
			paude_info("CPU limit: %u, as %s asks (hostRequirements.cpus)",
				   cfg->host_cpus, cfg->rel_path);
			m->cpus_milli = want_cpus;
		}
	}
	if (cfg->host_cpus && cpus > 0 && (unsigned long)cpus < cfg->host_cpus)
		paude_warn("%s asks for %u CPUs (hostRequirements.cpus), but this host has %ld: "
			   "the session may be slow",
			   cfg->rel_path, cfg->host_cpus, cpus);
	if (cfg->host_memory && pages > 0 && page > 0 &&
	    (unsigned long long)pages * (unsigned long long)page < cfg->host_memory)
		paude_warn("%s asks for %llu MiB of memory (hostRequirements.memory), but this "
			   "host has %llu MiB",
			   cfg->rel_path, cfg->host_memory >> 20,
			   ((unsigned long long)pages * (unsigned long long)page) >> 20);
}

/* A directory inside the workspace that is a real directory (a symlink
 * could point a mount anywhere). */
static bool
real_dir_in(const char *ws, const char *rel)
{
	_cleanup_free_ char *p = paude_path_join(ws, rel);
	struct stat st;
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
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
find_venvs(struct paude_session *m, const struct paude_config *cfg, struct paude_error **err)
{
	static const char *const auto_dirs[] = { ".venv", "venv", ".virtualenv", "env", ".env" };
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
		_cleanup_free_ char *d = strdup(cfg->venv_dirs.v[i]);
		if (!d)
			abort();
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
			paude_info("Not shadowing venv '%s': no such directory in the workspace",
				   d);
			continue;
		}
		paude_strvec_push(&m->venv_shadows, d);
	}
	return 0;
}

int
paude_setup_project(struct paude_session_spec *spec, const struct paude_config *cfg,
		    struct paude_setup *s, struct paude_error **err)
{
	struct paude_session *m = &spec->meta;
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
	apply_host_requirements(m, cfg, s);
	int r = add_project_env(spec, cfg, err);
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
	s->mounts = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	if (!s->mounts)
		abort();
	s->mounts[s->n_mounts++] = (struct paude_mount){
		.host = paude_strvec_push(&s->strings, ws),
		.target = PAUDE_WORKSPACE_DIR,
		.read_only = false,
		.relabel = true,
	};
	spec->mounts = s->mounts;
	spec->n_mounts = s->n_mounts;
	if ((r = find_venvs(m, cfg, err)) < 0)
		return r;
	for (size_t i = 0; i < m->venv_shadows.nr; i++)
		paude_info("Shadowing venv: %s", m->venv_shadows.v[i]);
	return 0;
}

int
paude_setup_network(struct paude_session *m, struct paude_error **err)
{
	/* Validate, then keep the normalised request (aliases kept, lower case,
	 * no duplicates): that is what the label stores and list shows. */
	_cleanup_(paude_allowlist_release) struct paude_allowlist al;
	paude_allowlist_init(&al);
	int r = paude_allowlist_parse(&al, (const char *const *)m->allowed_domains.v, err);
	if (r < 0)
		return r;
	paude_strvec_clear(&m->allowed_domains);
	paude_strvec_pushv(&m->allowed_domains, (const char *const *)al.requested.v);
	/* Private destinations stay refused unless the user names ranges to
	 * except; an unrestricted session has no proxy to tell. */
	paude_strvec_clear(&m->allow_private_dst);
	const char *priv = getenv(PAUDE_PRIVATE_DST_ENV);
	if (al.unrestricted || !priv || !*priv)
		return 0;
	return paude_private_dst_parse(&m->allow_private_dst, priv, err);
}

const char *
paude_setup_provider_from_env(void)
{
	if (env_true("CLAUDE_CODE_USE_VERTEX"))
		return "vertex";
	if (env_nonempty("ANTHROPIC_API_KEY"))
		return "anthropic";
	return "none";
}

char *
paude_setup_login_path(void)
{
	return paude_path_join(paude_home_dir(), ".claude/.credentials.json");
}

bool
paude_setup_host_login(void)
{
	_cleanup_free_ char *login = paude_setup_login_path();
	return paude_is_file(login);
}

/* Does one of the --allowed-domains values (comma lists) say "default"? */
static bool
asks_default(const struct paude_strvec *values)
{
	for (size_t i = 0; i < values->nr; i++)
		for (const char *p = values->v[i]; *p;) {
			size_t n = strcspn(p, ",");
			size_t a = 0, z = n;
			while (a < z && (p[a] == ' ' || p[a] == '\t'))
				a++;
			while (z > a && (p[z - 1] == ' ' || p[z - 1] == '\t'))
				z--;
			if (z - a == 7 && !strncasecmp(p + a, "default", 7))
				return true;
			p += n + (p[n] == ',');
		}
	return false;
}

void
paude_setup_network_follow_provider(struct paude_session *m, const char *provider)
{
	if (strcmp(provider, "none") != 0)
		return;
	if (m->allowed_domains.nr == 0)
		paude_strvec_push(&m->allowed_domains, "default");
	else if (!asks_default(&m->allowed_domains))
		return;
	paude_strvec_push(&m->allowed_domains, "anthropic");
}

void
paude_setup_no_provider_help(struct paude_buf *out, const char *name)
{
	paude_buf_addf(
	    out, NULL,
	    "session '%s' has no model provider: no Anthropic API key (ANTHROPIC_API_KEY), no "
	    "Vertex AI (CLAUDE_CODE_USE_VERTEX) and no claude.ai login "
	    "(~/.claude/.credentials.json) "
	    "were found, so Claude Code cannot answer until you log in. Either:\n"
	    "  log in with a claude.ai or Console account: run 'claude' on this host and log in\n"
	    "    (/login), then: paude start %s   (or log in inside the session: paude connect "
	    "%s)\n"
	    "  use an Anthropic API key:  export ANTHROPIC_API_KEY=YOUR-KEY\n"
	    "  use Vertex AI:  gcloud auth application-default login\n"
	    "    export CLAUDE_CODE_USE_VERTEX=1 ANTHROPIC_VERTEX_PROJECT_ID=YOUR-PROJECT "
	    "CLOUD_ML_REGION=us-east5\n"
	    "  (a session takes its API key or Vertex AI at create: after setting one, create "
	    "it again: paude delete %s --confirm && paude create %s)",
	    name, name, name, name, name);
}

void
paude_setup_report_gateway(const struct paude_gateway *g, const struct paude_session *m)
{
	if (!g || !g->provider)
		return;
	if (!strcmp(g->provider, "vertex")) {
		paude_info("  model: Vertex AI (project %s, %s) through the session's gateway; the "
			   "credentials stay outside the agent",
			   g->project, g->regions);
		return;
	}
	if (!strcmp(g->provider, "anthropic")) {
		paude_info(
		    "  model: the Anthropic API through the session's gateway; the key stays "
		    "outside the agent");
		return;
	}
	bool reach = paude_strvec_find(&m->allowed_domains, "anthropic") >= 0 ||
		     paude_strvec_find(&m->allowed_domains, "all") >= 0;
	_cleanup_free_ char *login = paude_setup_login_path();
	if (paude_is_file(login)) {
		paude_info("  model: no Vertex AI (CLAUDE_CODE_USE_VERTEX) or Anthropic API key "
			   "(ANTHROPIC_API_KEY) here, so Claude Code uses your claude.ai login: "
			   "start copies %s into the session, where the agent can read its token%s",
			   login,
			   reach ? "; the network allows Claude Code's own hosts (anthropic)" : "");
	} else {
		_cleanup_buf_ struct paude_buf help = PAUDE_BUF_INIT;
		paude_setup_no_provider_help(&help, m->name);
		paude_warn("%s", help.buf);
	}
	if (!reach)
		paude_warn("the network policy does not allow api.anthropic.com, which Claude "
			   "Code needs without a model provider: create the session with "
			   "--allowed-domains anthropic too");
}

char *
paude_setup_describe_limits(const struct paude_session *m)
{
	_cleanup_free_ char *mem = m->memory ? paude_size_format(m->memory) : strdup("none");
	_cleanup_free_ char *cpus =
	    m->cpus_milli ? paude_cpus_format(m->cpus_milli) : strdup("none");
	_cleanup_free_ char *disk = m->disk ? paude_size_format(m->disk) : NULL;
	if (!mem || !cpus)
		abort();
	return paude_xstrfmt("memory %s, CPUs %s, disk %s", mem, cpus,
			     disk ? disk
				  : "without a size limit (the volume shares the engine's "
				    "storage)");
}

char *
paude_setup_describe_network(const struct paude_session *m)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_allowlist_describe(&b, (const char *const *)m->allowed_domains.v);
	for (size_t i = 0; i < m->allow_private_dst.nr; i++)
		paude_buf_addf(&b, NULL, "%s%s", i ? ", " : "; private destinations allowed: ",
			       m->allow_private_dst.v[i]);
	return paude_buf_detach(&b);
}

void
paude_setup_warn_network(const struct paude_session *m)
{
	if (paude_strvec_find(&m->allowed_domains, "all") < 0)
		return;
	if (m->yolo)
		paude_warn("DANGER: --yolo with --allowed-domains all lets Claude read any file in "
			   "your workspace and send it anywhere, without asking. Use only for "
			   "tasks you fully trust.");
	else
		paude_warn("network access is unrestricted (--allowed-domains all): treat what "
			   "the agent reads from the web with care (prompt injection)");
}

/* The live build line is drawn only where it can be redrawn in place: a
 * terminal on stderr, at the default level (-v streams the build instead,
 * -q wants no progress). */
static bool
live_line_wanted(void)
{
	const char *term = getenv("TERM");
	return isatty(STDERR_FILENO) && paude_log_enabled(PAUDE_LOG_INFO) &&
	       !paude_log_enabled(PAUDE_LOG_VERBOSE) && !(term && !strcmp(term, "dumb"));
}

void
paude_setup_build_progress(void *ctx, const struct paude_image_progress *p)
{
	(void)ctx;
	if (!live_line_wanted())
		return;
	if (p->done) {
		(void)fputs("\r\033[K", stderr);
		(void)fflush(stderr);
		return;
	}
	struct winsize ws = { 0 };
	size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	char when[32];
	if (p->elapsed < 60)
		(void)snprintf(when, sizeof(when), "%llds", p->elapsed);
	else
		(void)snprintf(when, sizeof(when), "%lldm %02llds", p->elapsed / 60,
			       p->elapsed % 60);
	char head[64] = "";
	if (p->stages)
		(void)snprintf(head, sizeof(head), "[%u/%u] ", p->stage, p->stages);
	if (p->steps)
		(void)snprintf(head + strlen(head), sizeof(head) - strlen(head),
			       "STEP %u/%u: ", p->step, p->steps);
	else
		(void)snprintf(head + strlen(head), sizeof(head) - strlen(head), "starting: ");
	/* The step's text comes from the build's output: printable ASCII only,
	 * cut to what fits on one line with the time. */
	size_t fixed = 2 + strlen(head) + 3 + strlen(when) + 1;
	size_t room = width > fixed + 8 ? width - fixed - 1 : 8;
	char what[512];
	size_t n = 0;
	for (const char *q = p->what ? p->what : ""; *q && n + 1 < sizeof(what); q++)
		what[n++] = (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f ? *q : '?';
	what[n] = '\0';
	if (n > room && room > 3 && room < sizeof(what))
		memcpy(what + room - 3, "...", 4);
	(void)fprintf(stderr, "\r\033[K  %s%s (%s)", head, what, when);
	(void)fflush(stderr);
}

static void
image_progress(void *ctx, enum paude_image_event ev, const char *detail)
{
	(void)ctx;
	switch (ev) {
	case PAUDE_IMAGE_EV_PULL_BASE:
		/* Said once it is known where the base came from. */
		paude_verbose("Trying to pull base image %s...", detail);
		break;
	case PAUDE_IMAGE_EV_PULLED_BASE:
		paude_info("Pulled base image %s", detail);
		break;
	case PAUDE_IMAGE_EV_FALLBACK_BASE:
		paude_info("The base image cannot be pulled: using %s, built earlier from the "
			   "Debian package mirror",
			   detail);
		break;
	case PAUDE_IMAGE_EV_BOOTSTRAP_BASE:
		paude_info("The base image cannot be pulled: building an equivalent one, %s, from "
			   "the Debian package mirror with debootstrap (about a minute)...",
			   detail);
		break;
	case PAUDE_IMAGE_EV_BOOTSTRAP_BASE_UNSHARE:
		paude_info("The base image cannot be pulled: building an equivalent one, %s, from "
			   "the Debian package mirror with mmdebstrap in unshare mode (no root "
			   "needed; about a minute)...",
			   detail);
		break;
	case PAUDE_IMAGE_EV_BUILD:
		paude_info("Building image %s (the first time takes a few minutes; later runs "
			   "reuse it)...",
			   detail);
		break;
	case PAUDE_IMAGE_EV_BUILD_LOG:
		paude_info(
		    "  build log: %s%s", detail,
		    paude_log_enabled(PAUDE_LOG_VERBOSE) ? "" : " (-v shows the build as it goes)");
		break;
	case PAUDE_IMAGE_EV_BUILT:
		paude_info("Built image %s", detail);
		break;
	}
}

int
paude_setup_load_config(const struct paude_session *m, struct paude_setup *s,
			struct paude_error **err)
{
	paude_config_release(&s->config);
	int ret = paude_config_load(&s->config, m->workspace, s->config_choice, err);
	if (ret < 0)
		return ret;
	if (s->config.kind == PAUDE_CONFIG_NONE)
		return 0;
	paude_info("Using configuration: %s", s->config.path);
	for (size_t i = 0; i < s->config.warnings.nr; i++)
		paude_warn("%s: %s", s->config.path, s->config.warnings.v[i]);
	return 0;
}

int
paude_setup_custom_plan(struct paude_setup *s, const struct paude_image_opts *o, bool dry_run,
			struct paude_custom_plan *plan, struct paude_error **err)
{
	int ret;
	if (s->config.n_features && !dry_run) {
		paude_info("Fetching %zu feature%s...", s->config.n_features,
			   s->config.n_features == 1 ? "" : "s");
		struct paude_oci_opts fo = { 0 };
		paude_cli_env_oci(&fo);
		if ((ret = paude_features_resolve(&s->features, &s->config, &fo, err)) < 0)
			return ret;
	}
	return paude_image_custom_plan(plan, &s->config, &s->features, o, err);
}

static int
custom_image(struct paude_runner *r, struct paude_setup *s, const struct paude_image_opts *o,
	     bool dry_run, struct paude_error **err)
{
	_cleanup_(paude_image_custom_release) struct paude_custom_plan plan = { 0 };
	int ret = paude_setup_custom_plan(s, o, dry_run, &plan, err);
	if (ret < 0)
		return ret;
	if (dry_run) {
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
		paude_image_custom_describe(&plan, &b);
		s->recipe = paude_buf_detach(&b);
		s->image_ref = strdup(plan.ref);
		return 0;
	}
	return paude_image_custom_build(r, &plan, o, &s->image_ref, err);
}

int
paude_setup_image(struct paude_runner *r, const struct paude_session *m, struct paude_setup *s,
		  bool rebuild, bool dry_run, struct paude_error **err)
{
	struct paude_image_opts o = {
		.rebuild = rebuild,
		.verbose = paude_log_enabled(PAUDE_LOG_VERBOSE),
		.notify = image_progress,
		.progress = paude_setup_build_progress,
	};
	paude_cli_env_image(&o);
	const struct paude_image_target proxy = { .dir = "proxy", .repo = PAUDE_IMAGE_PROXY_REPO };
	int ret;
	if ((ret = paude_setup_load_config(m, s, err)) < 0)
		return ret;
	const char *img = getenv("PAUDE_IMAGE");
	if (img && *img) {
		if (paude_looks_like_option(img))
			return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid PAUDE_IMAGE '%s'",
					       img);
		s->image_ref = strdup(img);
	} else if (s->config.kind != PAUDE_CONFIG_NONE) {
		if ((ret = custom_image(r, s, &o, dry_run, err)) < 0)
			return ret;
	} else if (dry_run) {
		if ((ret = paude_image_recipe(&o, &s->recipe, err)) < 0 ||
		    (ret = paude_image_agent_tag(&o, &s->image_ref, err)) < 0)
			return ret;
	} else if ((ret = paude_image_ensure(r, &o, &s->image_ref, err)) < 0) {
		return ret;
	}
	/* Every session has the sidecar: it holds the model credentials. */
	const char *pimg = getenv("PAUDE_PROXY_IMAGE");
	if (pimg && *pimg) {
		if (paude_looks_like_option(pimg))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid PAUDE_PROXY_IMAGE '%s'", pimg);
		s->proxy_image_ref = strdup(pimg);
		return 0;
	}
	if (dry_run)
		return paude_image_tag(&proxy, &o, &s->proxy_image_ref, NULL, err);
	return paude_image_build_dir(r, &proxy, &o, &s->proxy_image_ref, err);
}
