/* SPDX-License-Identifier: MIT */
/*
 * The git tunnel: what runs inside a session when git (or libgit2, or
 * paude itself) talks to its workspace repository. Everything is built as
 * an argv by the session's backend (podman exec -i paude-NAME ...); nothing
 * goes through a shell.
 */
#ifndef PAUDE_TUNNEL_H
#define PAUDE_TUNNEL_H

#include "paude/session/address.h"
#include "paude/backend/backend.h"
#include "paude/git/remote-helper.h"

/*
 * Open the backend of the session an address names: the cluster backend,
 * with the address's context and namespace, for openshift/kubernetes;
 * podman for podman; for a bare NAME, the cluster the local session index
 * puts it on, else podman (paude_locate_where: no engine is asked). *out is
 * the caller's.
 */
int paude_tunnel_backend_open(struct paude_backend **out, const struct paude_address *a,
			      struct paude_runner *runner, struct paude_error **err);

/* PAUDE_ENOTFOUND / PAUDE_ESTATE unless session NAME exists and is running
 * (and not paused); the messages say what to do. */
int paude_tunnel_check(struct paude_backend *b, const char *name, struct paude_error **err);

/*
 * Build (not start) the child that runs SERVICE on session NAME's workspace
 * repository with stdin attached: `podman exec -i paude-NAME paude-session
 * git SERVICE NAME`, behind `env GIT_PROTOCOL=version=N` when VERSION (0, 1
 * or 2) is not 0. The session is not asked whether it runs: the exec's own
 * failure says so, and paude_tunnel_check explains it afterwards. out must
 * be initialised; it is filled on success.
 */
int paude_tunnel_prepare(struct paude_backend *b, const char *name, enum paude_git_service service,
			 int version, struct paude_child *out, struct paude_error **err);

/*
 * The protocol version the user's git wants for SERVICE, as git itself
 * decides it (git does not tell a connect helper): `git config --get
 * protocol.version` in git's environment (GIT_DIR, -c options), else
 * GIT_TEST_PROTOCOL_VERSION, else 2; then what the service speaks: v2 only
 * for upload-pack (receive-pack gets 0 for 2), none for upload-archive.
 * runner NULL: the default one.
 */
int paude_tunnel_protocol_version(struct paude_runner *runner, enum paude_git_service service,
				  int *out, struct paude_error **err);

#endif
