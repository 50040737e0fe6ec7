/* SPDX-License-Identifier: MIT */
/*
 * The git tunnel: what runs inside a session when git (or libgit2, or
 * paude itself) talks to its workspace repository. Everything is built as
 * an argv by the session's backend (podman exec -i paude-NAME ...); nothing
 * goes through a shell.
 */
#ifndef PAUDE_TUNNEL_H
#define PAUDE_TUNNEL_H

#include "address.h"
#include "backend.h"
#include "remote-helper.h"

/*
 * Open the backend an address names (podman when it names none). Cluster
 * backends fail with PAUDE_ENOTSUP until they exist. *out is the caller's.
 */
int paude_tunnel_backend_open(struct paude_backend **out, const struct paude_address *a,
			      struct paude_runner *runner, struct paude_error **err);

/* PAUDE_ENOTFOUND / PAUDE_ESTATE unless session NAME exists and is running. */
int paude_tunnel_check(struct paude_backend *b, const char *name, struct paude_error **err);

/*
 * Check that session NAME exists and is running, and build (not start) the
 * child that runs SERVICE on the workspace repository with stdin attached:
 * for podman, `podman exec -i paude-NAME SERVICE /pvc/workspace`.
 * PAUDE_ENOTFOUND: no such session; PAUDE_ESTATE: not running (the message
 * says how to start it). out must be initialised; it is filled on success.
 */
int paude_tunnel_prepare(struct paude_backend *b, const char *name, enum paude_git_service service,
			 struct paude_child *out, struct paude_error **err);

#endif
