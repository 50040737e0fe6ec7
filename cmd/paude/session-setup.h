/* SPDX-License-Identifier: MIT */
/*
 * The CLI side of a new session's setup (the engine is lib/backend/create-plan.c):
 * the host's environment read into the plan's fields, the plan's messages
 * and image build progress printed, and what the user is told about the
 * model provider and the network.
 */
#ifndef PAUDE_SESSION_SETUP_H
#define PAUDE_SESSION_SETUP_H

#include "paude/core/buf.h"
#include "paude/backend/create-plan.h"
#include "paude/image/image.h"
#include "paude/core/log.h"
#include "paude/session/session.h"
#include "paude/session/setup-env.h"

/*
 * Read the host's environment into e (its strings point into the
 * environment): the variables a session may get, the CA bundle, the model
 * provider's settings, the gateway's test hooks (PAUDE_GATEWAY_*_URL),
 * PAUDE_PROXY_ALLOW_PRIVATE_DST, PAUDE_IMAGE and PAUDE_PROXY_IMAGE.
 */
void paude_setup_read_env(struct paude_create_env *e);
/* The plan's say callback: the message at its level (paude_log). */
void paude_setup_say(void *ctx, enum paude_log_level level, const char *msg);
/* The plan's notify callback: image build events as progress lines. ctx is
 * NULL for the images built here for a podman session, else where the
 * build runs ("in the cluster", "locally"). */
void paude_setup_image_notify(void *ctx, enum paude_image_event ev, const char *detail);

/* The host's ADC file: $GOOGLE_APPLICATION_CREDENTIALS, else gcloud's. Caller frees. */
char *paude_setup_adc_path(void);
/* Read it into out (whose cap should be PAUDE_SETUP_ADC_MAX). */
#define PAUDE_SETUP_ADC_MAX PAUDE_CREATE_ADC_MAX
int paude_setup_read_adc(const char *path, struct paude_buf *out, struct paude_error **err);
/*
 * Say which model provider the session's gateway serves (after create);
 * without one, what the user can do (a warning when there is no claude.ai
 * login either), and a warning when m's policy keeps Claude Code from its
 * own hosts.
 */
void paude_setup_report_gateway(const struct paude_gateway *g, const struct paude_session *m);
/* The provider the host's environment names, as the plan's gateway picks
 * it: "vertex", "anthropic" or "none". */
const char *paude_setup_provider_from_env(void);
/* Where Claude Code keeps a claude.ai login on this host (caller frees),
 * and whether there is one. */
char *paude_setup_login_path(void);
bool paude_setup_host_login(void);
/* What to run when session name has no usable model provider (lines). */
void paude_setup_no_provider_help(struct paude_buf *out, const char *name);

struct paude_image_progress;
/* The image build's live line on a terminal ("STEP n/N: WHAT (elapsed)"),
 * redrawn in place and cleared at the end; nothing when stderr is not a
 * terminal or with -v (the build is streamed) or -q. For
 * paude_image_opts.progress. */
void paude_setup_build_progress(void *ctx, const struct paude_image_progress *p);
/* Print the warnings an unrestricted network deserves. */
void paude_setup_warn_network(const struct paude_session *m);

#endif
