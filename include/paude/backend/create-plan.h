/* SPDX-License-Identifier: MIT */
/*
 * The plan of `paude create`, built once and used by both the dry run and
 * the real run: what the new session gets besides the user's options (host
 * config as read-only mounts, passed-through variables, the CA bundle, the
 * model gateway, the network policy, the project's configuration), the
 * images it runs (prepared by the backend: built here, built in the
 * cluster, or pushed to a registry) and the branch put into it.
 *
 * The host's environment comes in as fields (struct paude_create_env,
 * filled by cmd/); nothing here reads it. Nothing here prints either: what
 * the user should be told goes to the plan's say callback, image builds
 * report through notify/progress, and the dry run's text is rendered into
 * buffers by the backend that would run the plan.
 */
#ifndef PAUDE_CREATE_PLAN_H
#define PAUDE_CREATE_PLAN_H

#include <stdbool.h>
#include "paude/backend/backend.h"
#include "paude/core/buf.h"
#include "paude/session/config.h"
#include "paude/image/features.h"
#include "paude/image/image.h"
#include "paude/image/image-custom.h"
#include "paude/session/location.h"
#include "paude/core/log.h"
#include "paude/net/net.h"
#include "paude/image/oci.h"
#include "paude/session/session.h"

/* The host's environment as create uses it. Every string is borrowed; NULL
 * or "" for a variable that is not set. */
struct paude_create_env {
	/* The host's "NAME=VALUE" list (environ): the variables passed into
	 * the session (setup-env.h) and the VERTEX_REGION_* regions. */
	const char *const *vars;
	const char *ca_bundle; /* the host CA bundle to pass in, or NULL */
	const char *adc_path; /* the Google ADC file (gcloud's, or as named) */
	bool use_vertex; /* CLAUDE_CODE_USE_VERTEX is true */
	/* ANTHROPIC_VERTEX_PROJECT_ID, else GOOGLE_CLOUD_PROJECT */
	const char *vertex_project;
	const char *region; /* CLOUD_ML_REGION */
	bool api_key; /* ANTHROPIC_API_KEY is set */
	const char *api_key_value; /* its value (a cluster stores it in a Secret) */
	/* PAUDE_GATEWAY_TOKEN_URL, _VERTEX_URL, _ANTHROPIC_URL (test hooks) */
	const char *token_url, *vertex_url, *anthropic_url;
	const char *private_dst; /* PAUDE_PROXY_ALLOW_PRIVATE_DST */
	const char *image, *proxy_image; /* PAUDE_IMAGE, PAUDE_PROXY_IMAGE */
	const char *proxy_network; /* PAUDE_PROXY_NETWORK */
	/* How images are built ($PAUDE_BASE_IMAGE, ...: the settings of
	 * paude_image_opts; the plan sets the rest) and features fetched. */
	struct paude_image_opts image_opts;
	struct paude_oci_opts oci;
};

/* Options of a session on a cluster. Borrowed. */
struct paude_kube_create_opts {
	const char *pvc_size;
	const char *storage_class;
	const char *registry; /* push local images here (plain Kubernetes) */
};

typedef void (*paude_create_say_fn)(void *ctx, enum paude_log_level level, const char *msg);

struct paude_create_plan {
	/* Set by the caller. */
	struct paude_session_spec *spec; /* what is created; borrowed, filled in */
	const struct paude_create_env *env; /* borrowed */
	const char *config_choice; /* --config, or NULL: find it. Borrowed. */
	/* --memory / --cpus given: hostRequirements then do not raise them. */
	bool memory_given, cpus_given;
	bool rebuild; /* rebuild images even if they exist */
	bool dry_run; /* names only: nothing is fetched, built or pushed */
	bool verbose; /* builds stream their output */
	struct paude_kube_create_opts kube;
	char *branch; /* put into the session at create; NULL: no code */
	paude_create_say_fn say; /* may be NULL */
	void *say_ctx;
	/* For image builds: notify's ctx is NULL for the session's images
	 * built here, else where the build runs ("in the cluster", "locally"). */
	paude_image_notify_fn notify;
	paude_image_progress_fn progress;

	/* Filled in. */
	char *image_ref; /* image the session runs */
	char *recipe; /* Containerfile text or the configuration's plan, for the dry run */
	/* The project's configuration (kind NONE without one): its setup
	 * command, containerEnv and venv settings are for the session. */
	struct paude_config config;
	struct paude_feature_set features; /* resolved, in install order */
	char *proxy_image_ref; /* the proxy's image */
	char *ca_bundle; /* host CA bundle passed in, or NULL */
	struct paude_strvec strings; /* owns the mount paths and gateway strings */
	struct paude_mount *mounts;
	size_t n_mounts;
	struct paude_gateway gateway; /* strings in `strings` */
};

#define PAUDE_CREATE_PLAN_INIT                                                                     \
	{                                                                                          \
		0                                                                                  \
	}

void paude_create_plan_release(struct paude_create_plan *p);
/* Tell the user the formatted message through p->say (nothing without one). */
void paude_create_say(const struct paude_create_plan *p, enum paude_log_level level,
		      const char *fmt, ...) _printf_(3, 4);

/* Host config mounts, the CA bundle and the host's variables for the agent
 * (p->spec->mounts then point into p). */
int paude_create_plan_environment(struct paude_create_plan *p, struct paude_error **err);
/*
 * The model provider, through the session's gateway: Vertex AI (the
 * project and regions, the ADC file checked to be of a supported kind),
 * the Anthropic API, or none. Fills p->gateway, points p->spec->gateway at
 * it, and adds to p->spec->env what points Claude Code at the gateway:
 * never a credential. PAUDE_EUSAGE for a bad project, region, hook URL or
 * credentials file.
 */
int paude_create_plan_gateway(struct paude_create_plan *p, struct paude_error **err);
/* Validate and normalise p->spec->meta.allowed_domains; the private
 * destinations the host allows (p->env->private_dst) go with a filtered one. */
int paude_create_plan_network(struct paude_create_plan *p, struct paude_error **err);
/* Load the project's configuration of the workspace into p->config, telling
 * which file is used and what in it is not applied. */
int paude_create_plan_load_config(struct paude_create_plan *p, struct paude_error **err);
/* The custom image of p->config (loaded): features fetched and resolved into
 * p->features (not in a dry run), then planned. *plan must be zeroed. */
int paude_create_plan_custom(struct paude_create_plan *p, const struct paude_image_opts *o,
			     struct paude_custom_plan *plan, struct paude_error **err);
/*
 * What the project's configuration and the workspace mode add to the
 * session: the setup command (kept in the labels), lifecycle, remote env,
 * ports, hostRequirements, containerEnv, and in MOUNT mode the read-write
 * bind mount of the workspace, the uid the agent runs as, and the venv
 * directories to shadow. Call after paude_create_plan_environment.
 */
int paude_create_plan_project(struct paude_create_plan *p, struct paude_error **err);

/*
 * The images of p through b (its prepare_images op), then the project's
 * settings (paude_create_plan_project); p->spec then names the images
 * ("IMAGE" in a dry run that could not name it).
 */
int paude_create_prepare(struct paude_backend *b, struct paude_create_plan *p,
			 struct paude_error **err);

/* The dry run's text: out for stdout, info for stderr at the info level. */
struct paude_create_render {
	struct paude_buf out;
	struct paude_buf info;
};
#define PAUDE_CREATE_RENDER_INIT                                                                   \
	{                                                                                          \
		PAUDE_BUF_INIT, PAUDE_BUF_INIT                                                     \
	}
void paude_create_render_release(struct paude_create_render *r);
/* What b would make of the prepared plan p (its render_plan op). */
int paude_create_render(struct paude_backend *b, const struct paude_create_plan *p,
			struct paude_create_render *out, struct paude_error **err);

/*
 * Open the backend the session of p is created in, at loc (a cluster's with
 * p's cluster options: volume size and storage class). Only for locations
 * other than this machine's Podman, which paude_backend_open opens.
 */
int paude_create_open(struct paude_backend **out, const struct paude_location *loc,
		      struct paude_runner *runner, const struct paude_create_plan *p,
		      struct paude_error **err);
/* Can a session be created where b is, before anything is built (a cluster:
 * its namespace exists)? */
int paude_create_check_target(struct paude_backend *b, struct paude_error **err);
/*
 * Where b created the session, to record in the local index: for a cluster
 * its namespace and the current context. *out is released first; on failure
 * it keeps what was found (the namespace, when only the context failed).
 */
int paude_create_where(struct paude_backend *b, struct paude_location *out,
		       struct paude_error **err);

/* The network policy of m in words. Caller frees. */
char *paude_create_describe_network(const struct paude_session *m);
/* "memory 8g, CPUs 2, disk without a size limit (...)". Caller frees. */
char *paude_create_describe_limits(const struct paude_session *m);

/* Read the Google credentials file path into out (cap it at PAUDE_CREATE_ADC_MAX). */
#define PAUDE_CREATE_ADC_MAX ((size_t)64 * 1024)
int paude_create_read_adc(const char *path, struct paude_buf *out, struct paude_error **err);

#endif
