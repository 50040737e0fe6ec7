/* SPDX-License-Identifier: MIT */
/*
 * Which of the host's variables a new session gets, and how the model
 * provider the host names shapes the default network policy. Pure: the
 * caller hands in the variables (cmd/ reads the environment, this never
 * does).
 */
#ifndef PAUDE_SETUP_ENV_H
#define PAUDE_SETUP_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include "paude/session/session.h"
#include "paude/core/strvec.h"

/*
 * The host's variables for a session: the entries of env (a NULL-terminated
 * "NAME=VALUE" list such as environ) whose names the allowlist in
 * setup-env.c names, never one whose name holds PASSWORD, TOKEN, SECRET or
 * KEY (any case), never a multi-line value. A *_CA_CERTS_FILE variable is
 * pointed at ca_target (dropped when it is NULL). Appended to out.
 */
void paude_setup_host_env(const char *const *env, const char *ca_target, struct paude_strvec *out);
/* Whether the variable called name[0..n) may be passed (the rules above). */
bool paude_setup_host_env_passes(const char *name, size_t n);
/* Whether name[0..n) says it holds a secret (PASSWORD, TOKEN, SECRET, KEY). */
bool paude_setup_name_is_secret(const char *name, size_t n);
/*
 * The network follows the provider: without one (provider "none"), Claude
 * Code talks to Anthropic itself, so a default policy (no --allowed-domains,
 * or one that says "default") gets the anthropic alias too. Call before
 * the policy is validated (paude_create_plan_network).
 */
void paude_setup_network_follow_provider(struct paude_session *m, const char *provider);

#endif
