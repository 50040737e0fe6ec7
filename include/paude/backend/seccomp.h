/* SPDX-License-Identifier: MIT */
/*
 * The seccomp profile of a session's containers: the engine's own default
 * profile, read from the host when the session is created, with one change:
 * no new namespaces. `unshare` and `clone` are allowed only without
 * namespace flags (EPERM otherwise), and `clone3`, whose flags sit in memory
 * where seccomp cannot look, answers ENOSYS so that the C library falls back
 * to `clone`. Without this, an unprivileged process may create a user
 * namespace and hold every capability inside it (mounts, raw sockets...).
 * Deriving instead of shipping a copy keeps the rest of the profile
 * exactly what the installed engine considers safe.
 */
#ifndef PAUDE_SECCOMP_H
#define PAUDE_SECCOMP_H

#include "paude/core/buf.h"
#include "paude/core/error.h"
#include "paude/core/run.h"

/* Where podman keeps its default profile: an administrator's override first. */
#define PAUDE_SECCOMP_DEFAULT_PATHS                                                                \
	"/etc/containers/seccomp.json", "/usr/share/containers/seccomp.json"

/* The namespace flags refused in clone() and unshare() (CLONE_NEW*). */
#define PAUDE_SECCOMP_CLONE_NS_FLAGS 0x7e020000u
#define PAUDE_SECCOMP_UNSHARE_NS_FLAGS (PAUDE_SECCOMP_CLONE_NS_FLAGS | 0x80u)

/*
 * Derive the profile from a default profile's JSON text into out (appended,
 * compact JSON). PAUDE_EPROTO if the input is not a seccomp profile (an
 * object with "defaultAction" and a "syscalls" array).
 */
int paude_seccomp_derive(struct paude_buf *out, const char *json, size_t len,
			 struct paude_error **err);

/*
 * Read the default profile (base, or the first of PAUDE_SECCOMP_DEFAULT_PATHS
 * that exists when base is NULL), derive, and write the result to a new
 * private file (mode 0600) in $XDG_RUNTIME_DIR, $TMPDIR or /tmp. *out_path:
 * its path, for the caller to unlink and free. PAUDE_ENOTFOUND naming the
 * paths when there is no default profile.
 */
int paude_seccomp_write_profile(char **out_path, const char *base, struct paude_error **err);

/*
 * The same for the podman runner starts: from the default profile of the
 * machine it runs on (read through the runner), written here to
 * *out_path (the caller unlinks it) and, for a remote runner, copied to
 * its host: *host_path is the file podman there reads (a copy of
 * *out_path for a local runner).
 */
int paude_seccomp_write_profile_for(struct paude_runner *runner, char **out_path, char **host_path,
				    struct paude_error **err);

#endif
