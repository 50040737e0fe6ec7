/* SPDX-License-Identifier: MIT */
/*
 * The host variables a session may get, by exact name or prefix, and the
 * default network policy that follows the model provider.
 */
#include <string.h>
#include <strings.h>
#include "paude/session/setup-env.h"
#include "paude/core/macro.h"

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

bool
paude_setup_name_is_secret(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(secret_words); i++) {
		size_t w = strlen(secret_words[i]);
		for (size_t j = 0; j + w <= n; j++)
			if (!strncasecmp(name + j, secret_words[i], w))
				return true;
	}
	return false;
}

bool
paude_setup_host_env_passes(const char *name, size_t n)
{
	if (paude_setup_name_is_secret(name, n))
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
