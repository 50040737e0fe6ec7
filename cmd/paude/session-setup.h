/* SPDX-License-Identifier: MIT */
/*
 * What goes into a new session besides the user's options: host credentials
 * and config (read-only mounts), passed-through environment, the CA bundle,
 * the network policy and the image.
 */
#ifndef PAUDE_SESSION_SETUP_H
#define PAUDE_SESSION_SETUP_H

#include "paude/config.h"
#include "paude/features.h"
#include "paude/image-custom.h"
#include "paude/net.h"
#include "paude/session.h"
#include "paude/run.h"

struct paude_setup {
	/* --config: the configuration file to use (NULL: find it). Borrowed. */
	const char *config_choice;
	/* --memory / --cpus given: hostRequirements then do not raise them. */
	bool memory_given, cpus_given;
	char *image_ref; /* image the session runs */
	char *recipe; /* Containerfile text, for --dry-run */
	/* The project's configuration (kind NONE without one): its setup
	 * command, containerEnv and venv settings are for the session. */
	struct paude_config config;
	struct paude_feature_set features; /* resolved, in install order */
	char *proxy_image_ref; /* the proxy's image (filtered networks only) */
	char *ca_bundle; /* host CA bundle passed in, or NULL */
	struct paude_strvec strings; /* owns the mount paths */
	struct paude_mount *mounts;
	size_t n_mounts;
	struct paude_gateway gateway; /* strings in `strings` */
};

void paude_setup_release(struct paude_setup *s);
/*
 * The host's variables for a session: the entries of env (a NULL-terminated
 * "NAME=VALUE" list such as environ) whose names the allowlist in
 * session-setup.c names, never one whose name holds PASSWORD, TOKEN,
 * SECRET or KEY (any case), never a multi-line value. A *_CA_CERTS_FILE
 * variable is pointed at ca_target (dropped when it is NULL). Appended to
 * out.
 */
void paude_setup_host_env(const char *const *env, const char *ca_target, struct paude_strvec *out);
/* Whether the variable called name[0..n) may be passed (the rules above). */
bool paude_setup_host_env_passes(const char *name, size_t n);
/* Mounts and env for the agent container (spec->mounts point into s). */
int paude_setup_environment(struct paude_session_spec *spec, struct paude_setup *s,
			    struct paude_error **err);
/*
 * What the project's config (cfg, kind NONE for no file) and the workspace
 * mode (spec->meta.workspace_mode, set by the caller) add to a new session:
 * the setup command (kept in the labels), containerEnv (--env), and in
 * MOUNT mode the read-write bind mount of the workspace, the uid the agent
 * runs as, and the venv directories to shadow ("Shadowing venv: X" for
 * each). Call after paude_setup_environment (spec->mounts point into s).
 */
int paude_setup_project(struct paude_session_spec *spec, const struct paude_config *cfg,
			struct paude_setup *s, struct paude_error **err);
/*
 * The model provider, through the session's gateway (Podman): from the
 * host's environment, Vertex AI (CLAUDE_CODE_USE_VERTEX, the project and
 * regions, the ADC file checked to be of a supported kind) or the
 * Anthropic API (ANTHROPIC_API_KEY) or none. Fills s->gateway, points
 * spec->gateway at it, and adds to spec->env what points Claude Code at
 * the gateway: never a credential. PAUDE_GATEWAY_*_URL (test hooks) are
 * read here. PAUDE_EUSAGE for a missing project or credentials file.
 */
int paude_setup_gateway(struct paude_session_spec *spec, struct paude_setup *s,
			struct paude_error **err);
/* The host's ADC file: $GOOGLE_APPLICATION_CREDENTIALS, else gcloud's. Caller frees. */
char *paude_setup_adc_path(void);
/* Read it into out (whose cap should be PAUDE_SETUP_ADC_MAX). */
#define PAUDE_SETUP_ADC_MAX ((size_t)64 * 1024)
int paude_setup_read_adc(const char *path, struct paude_buf *out, struct paude_error **err);
/*
 * Say which model provider the session's gateway serves (after create);
 * without one, what the user can do (a warning when there is no claude.ai
 * login either), and a warning when m's policy keeps Claude Code from its
 * own hosts.
 */
void paude_setup_report_gateway(const struct paude_gateway *g, const struct paude_session *m);
/* The provider the host's environment names, as paude_setup_gateway picks
 * it: "vertex", "anthropic" or "none". */
const char *paude_setup_provider_from_env(void);
/* Where Claude Code keeps a claude.ai login on this host (caller frees),
 * and whether there is one. */
char *paude_setup_login_path(void);
bool paude_setup_host_login(void);
/*
 * The network follows the provider: without one (provider "none"), Claude
 * Code talks to Anthropic itself, so a default policy (no --allowed-domains,
 * or one that says "default") gets the anthropic alias too. Call before
 * paude_setup_network.
 */
void paude_setup_network_follow_provider(struct paude_session *m, const char *provider);
/* What to run when session name has no usable model provider (lines). */
void paude_setup_no_provider_help(struct paude_buf *out, const char *name);
/* Validate and normalise m->allowed_domains. */
int paude_setup_network(struct paude_session *m, struct paude_error **err);
/* The network policy in words. Caller frees. */
char *paude_setup_describe_network(const struct paude_session *m);

struct paude_image_progress;
/* The image build's live line on a terminal ("STEP n/N: WHAT (elapsed)"),
 * redrawn in place and cleared at the end; nothing when stderr is not a
 * terminal or with -v (the build is streamed) or -q. For
 * paude_image_opts.progress. */
void paude_setup_build_progress(void *ctx, const struct paude_image_progress *p);
/* "memory 8g, CPUs 2, disk: no size limit" for messages. Caller frees. */
char *paude_setup_describe_limits(const struct paude_session *m);
/* Print the warnings an unrestricted network deserves. */
void paude_setup_warn_network(const struct paude_session *m);
/* Load the project's configuration of m's workspace into s->config, saying
 * which file is used and warning about what is not applied. */
int paude_setup_load_config(const struct paude_session *m, struct paude_setup *s,
			    struct paude_error **err);
/* The custom image of s->config (loaded): features fetched and resolved
 * into s->features, then planned; with dry_run nothing is fetched (the
 * plan then names the features and where they would come from). *plan must
 * be zeroed. */
int paude_setup_custom_plan(struct paude_setup *s, const struct paude_image_opts *o, bool dry_run,
			    struct paude_custom_plan *plan, struct paude_error **err);
/*
 * Load the project's configuration from m->workspace into s->config
 * (printing "Using configuration: FILE" and its warnings), then find or
 * build the session's image: the project's own (see image-custom.h) when
 * it has a configuration, else the agent image; and the proxy image (every
 * session has the sidecar: it runs the model gateway). dry_run: fetch features but build nothing;
 * the recipe then describes the configuration and the Containerfile. PAUDE_IMAGE and
 * PAUDE_PROXY_IMAGE name images to use as they are.
 */
int paude_setup_image(struct paude_runner *r, const struct paude_session *m, struct paude_setup *s,
		      bool rebuild, bool dry_run, struct paude_error **err);

#endif
