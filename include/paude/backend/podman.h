/* SPDX-License-Identifier: MIT */
/* Podman backend internals shared with the CLI (dry-run) and the tests. */
#ifndef PAUDE_PODMAN_H
#define PAUDE_PODMAN_H

#include "paude/session/session.h"
#include "paude/core/strvec.h"

#define PAUDE_AGENT_UID "1000"
#define PAUDE_AGENT_HOME "/home/paude"
#define PAUDE_PIDS_LIMIT "2048"
/* net.ipv4.ping_group_range with no group in it: no unprivileged ICMP sockets. */
#define PAUDE_PING_GROUP_RANGE_OFF "1 0"

/* "paude-NAME" and "paude-NAME-workspace". Caller frees. */
char *paude_podman_container_name(const char *session);
char *paude_podman_volume_name(const char *session);
/* The `podman volume create ...` argv of session m's workspace volume
 * (labelled as paude's, with m->disk as its size). */
void paude_podman_volume_create_argv(const struct paude_session *m, struct paude_strvec *out);
/* The full `podman create ...` argv for a session (spec must be valid);
 * net_args (NULL-terminated, may be NULL) are the network options from
 * paude_net_podman_create, placed before the image. spec->env is never on
 * the command line: env_file names the private file that holds it
 * (paude_env_file_write), as --env-file=ENV_FILE; NULL when spec->env is
 * empty. */
void paude_podman_create_argv(const struct paude_session_spec *spec, const char *const *net_args,
			      const char *env_file, struct paude_strvec *out);
/* Append the `podman create` options that turn IPv6 off in a container's
 * network namespace (and unprivileged ping): the agent and the proxy both
 * get them. */
void paude_podman_no_ipv6(struct paude_strvec *out);
/* Decode `podman ps --format json` into sessions (non-paude containers skipped). */
int paude_podman_parse_ps(struct paude_session_list *out, const char *json, size_t len,
			  struct paude_error **err);

#endif
