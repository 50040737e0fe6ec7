/* SPDX-License-Identifier: MIT */
/*
 * The CLI side of a new session's setup: the host's environment read into
 * the create plan (lib/backend/create-plan.c does the work and reads none), and
 * what the user sees of it: the plan's messages, image build progress, the
 * model provider and the network warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "session-setup.h"
#include "paude/core/alloc.h"
#include "env.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/net/allowlist.h"
#include "paude/net/net.h"
#include "paude/net/squid.h"
#include "paude/image/image.h"

extern char **environ;

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

char *
paude_setup_adc_path(void)
{
	const char *gac = env_nonempty("GOOGLE_APPLICATION_CREDENTIALS");
	if (gac) {
		char *p = paude_xstrdup(gac);
		return p;
	}
	_cleanup_free_ char *cfg = paude_path_join(paude_home_dir(), ".config");
	_cleanup_free_ char *dir = paude_path_join(cfg, "gcloud");
	return paude_path_join(dir, "application_default_credentials.json");
}

int
paude_setup_read_adc(const char *path, struct paude_buf *out, struct paude_error **err)
{
	return paude_create_read_adc(path, out, err);
}

void
paude_setup_read_env(struct paude_create_env *e)
{
	const char *project = env_nonempty("ANTHROPIC_VERTEX_PROJECT_ID");
	*e = (struct paude_create_env){
		.vars = (const char *const *)environ,
		.ca_bundle = paude_cli_env_ca_bundle(),
		.use_vertex = env_true("CLAUDE_CODE_USE_VERTEX"),
		.vertex_project = project ? project : env_nonempty("GOOGLE_CLOUD_PROJECT"),
		.region = env_nonempty("CLOUD_ML_REGION"),
		.api_key = env_nonempty("ANTHROPIC_API_KEY") != NULL,
		.api_key_value = env_nonempty("ANTHROPIC_API_KEY"),
		.token_url = env_nonempty("PAUDE_GATEWAY_TOKEN_URL"),
		.vertex_url = env_nonempty("PAUDE_GATEWAY_VERTEX_URL"),
		.anthropic_url = env_nonempty("PAUDE_GATEWAY_ANTHROPIC_URL"),
		.private_dst = env_nonempty(PAUDE_PRIVATE_DST_ENV),
		.image = env_nonempty("PAUDE_IMAGE"),
		.proxy_image = env_nonempty("PAUDE_PROXY_IMAGE"),
		.proxy_network = env_nonempty("PAUDE_PROXY_NETWORK"),
	};
	paude_cli_env_image(&e->image_opts);
	paude_cli_env_oci(&e->oci);
}

void
paude_setup_say(void *ctx, enum paude_log_level level, const char *msg)
{
	(void)ctx;
	paude_log(level, "%s", msg);
}

/* Events of a build somewhere else than here for podman: where says where. */
static void
notify_elsewhere(const char *where, enum paude_image_event ev, const char *detail)
{
	switch (ev) {
	case PAUDE_IMAGE_EV_PULL_BASE:
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
	case PAUDE_IMAGE_EV_BUILD_LOG:
		paude_info("  build log: %s", detail);
		break;
	case PAUDE_IMAGE_EV_BOOTSTRAP_BASE:
		paude_info("Building the base image %s with debootstrap...", detail);
		break;
	case PAUDE_IMAGE_EV_BOOTSTRAP_BASE_UNSHARE:
		paude_info("Building the base image %s with mmdebstrap in unshare mode...", detail);
		break;
	case PAUDE_IMAGE_EV_BUILD:
		paude_info("Building image %s %s (the first time takes a few minutes)...", detail,
			   where);
		break;
	case PAUDE_IMAGE_EV_BUILT:
		paude_info("Built image %s", detail);
		break;
	}
}

void
paude_setup_image_notify(void *ctx, enum paude_image_event ev, const char *detail)
{
	if (ctx) {
		notify_elsewhere(ctx, ev, detail);
		return;
	}
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
