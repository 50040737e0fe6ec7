/* SPDX-License-Identifier: MIT */
/*
 * The Security Model table of the README, as code: which host files reach a
 * session and how. gcloud credentials, ~/.gitconfig and the global gitignore
 * are mounted read-only; ~/.claude is copied in at start (see cli.c), never
 * mounted; SSH keys, gh config, git credentials and the engine socket never
 * go in. A missing optional file is skipped.
 */
#include <stdio.h>
#include <string.h>
#include "session-setup.h"
#include "paude/fs.h"
#include "paude/log.h"
#include "paude/podman.h"

extern char **environ;

void
paude_setup_release(struct paude_setup *s)
{
	free(s->image_ref);
	free(s->recipe);
	free(s->ca_bundle);
	paude_strvec_clear(&s->strings);
	free(s->mounts);
	memset(s, 0, sizeof(*s));
}

static void
add_mount(struct paude_setup *s, const char *host, const char *target, bool is_dir)
{
	if (is_dir ? !paude_is_dir(host) : !paude_is_file(host)) {
		paude_debug("not mounting '%s': not present", host);
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

/* Variables that configure Claude Code on Vertex AI and gcloud. */
static const char *const pass_exact[] = {
	"CLAUDE_CODE_USE_VERTEX", "ANTHROPIC_VERTEX_PROJECT_ID", "GOOGLE_CLOUD_PROJECT",
	"CLOUD_ML_REGION",	  "ANTHROPIC_MODEL",		 "ANTHROPIC_SMALL_FAST_MODEL",
	"DISABLE_TELEMETRY",	  "DISABLE_ERROR_REPORTING",
};
static const char *const pass_prefix[] = { "CLOUDSDK_", "VERTEX_REGION_" };

static bool
passes(const char *kv)
{
	size_t k = strcspn(kv, "=");
	for (size_t i = 0; i < ARRAY_SIZE(pass_exact); i++)
		if (strlen(pass_exact[i]) == k && !strncmp(kv, pass_exact[i], k))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(pass_prefix); i++)
		if (!strncmp(kv, pass_prefix[i], strlen(pass_prefix[i])))
			return true;
	return false;
}

static char *
detect_ca_bundle(void)
{
	const char *env = getenv("PAUDE_CA_BUNDLE");
	if (env)
		return *env && paude_is_file(env) ? strdup(env) : NULL;
	static const char *const candidates[] = {
		"/etc/ssl/certs/ca-certificates.crt",
		"/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/cert.pem",
	};
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (paude_is_file(candidates[i]))
			return strdup(candidates[i]);
	return NULL;
}

#define CA_TARGET "/etc/paude/ca-bundle.crt"

int
paude_setup_environment(struct paude_session_spec *spec, struct paude_setup *s,
			struct paude_error **err)
{
	(void)err;
	const char *home = paude_home_dir();
	static const struct {
		const char *rel, *target;
		bool dir;
	} files[] = {
		{ ".config/gcloud", PAUDE_AGENT_HOME "/.config/gcloud", true },
		{ ".gitconfig", PAUDE_AGENT_HOME "/.gitconfig", false },
		{ ".config/git/ignore", PAUDE_AGENT_HOME "/.config/git/ignore", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = paude_path_join(home, files[i].rel);
		add_mount(s, p, files[i].target, files[i].dir);
	}
	s->ca_bundle = detect_ca_bundle();
	if (s->ca_bundle) {
		add_mount(s, s->ca_bundle, CA_TARGET, false);
		static const char *const vars[] = { "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS",
						    "GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE",
						    "CURL_CA_BUNDLE" };
		for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
			paude_strvec_pushf(&spec->env, "%s=" CA_TARGET, vars[i]);
	}
	for (char **e = environ; *e; e++) {
		if (!passes(*e) || strchr(*e, '\n'))
			continue;
		/* A host path to a CA file means nothing inside: point it at ours. */
		size_t k = strcspn(*e, "=");
		if (k > 14 && !strncmp(*e + k - 14, "_CA_CERTS_FILE", 14)) {
			if (s->ca_bundle)
				paude_strvec_pushf(&spec->env, "%.*s=" CA_TARGET, (int)k, *e);
			continue;
		}
		paude_strvec_push(&spec->env, *e);
	}
	spec->mounts = s->mounts;
	spec->n_mounts = s->n_mounts;
	return 0;
}

int
paude_setup_network(struct paude_session *m, struct paude_error **err)
{
	for (size_t i = 0; i < m->allowed_domains.nr; i++) {
		const char *d = m->allowed_domains.v[i];
		if (!*d || strpbrk(d, " \t\n/:*,;'\"\\"))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid --allowed-domains value '%s' (use an alias "
					       "such as default, or a domain like .example.com)",
					       d);
	}
	if (m->allowed_domains.nr == 0)
		paude_strvec_push(&m->allowed_domains, "default");
	return 0;
}

char *
paude_setup_describe_network(const struct paude_session *m)
{
	if (paude_strvec_find(&m->allowed_domains, "all") >= 0)
		return strdup("unrestricted");
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	for (size_t i = 0; i < m->allowed_domains.nr; i++)
		paude_buf_addf(&b, NULL, "%s%s", i ? ", " : "", m->allowed_domains.v[i]);
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

int
paude_setup_image(struct paude_runner *r, struct paude_setup *s, bool rebuild, bool dry_run,
		  struct paude_error **err)
{
	(void)r;
	(void)rebuild;
	const char *img = getenv("PAUDE_IMAGE");
	if (img && *img) {
		s->image_ref = strdup(img);
		return 0;
	}
	if (dry_run)
		return 0;
	return paude_error_set(err, PAUDE_ENOTSUP, 0,
			       "no agent image (set PAUDE_IMAGE to an image to use)");
}
