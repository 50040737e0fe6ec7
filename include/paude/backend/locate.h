/* SPDX-License-Identifier: MIT */
/*
 * Where is session NAME, and the backend to reach it: the one resolver both
 * programs use (paude's commands, git-remote-paude's tunnel).
 *
 * A command may narrow the search (`narrow`, a location from --backend,
 * --openshift-context/-namespace or --host; kind ANY: anywhere). Without a
 * narrowing a session NAME is looked for in this order:
 *   1. the host the local index (index.h) records for NAME, when it
 *      records one (a session made with `create --host`),
 *   2. the local Podman (always asked: it is here and cheap),
 *   3. the cluster namespace the index records for NAME.
 * A listing without a narrowing takes the local Podman's sessions and
 * those of every namespace and host the index records; a remote host's
 * sessions carry its address as their location (session.h). The index is
 * a hint: a recorded session the cluster or host no longer has is
 * reported as such, never trusted. Problems that do not stop the search
 * (a damaged index, a namespace or host that cannot be listed) are
 * appended to `warnings`, one line each, for the caller to show; the
 * library prints nothing.
 */
#ifndef PAUDE_LOCATE_H
#define PAUDE_LOCATE_H

#include "paude/backend/backend.h"
#include "paude/session/location.h"
#include "paude/core/strvec.h"

/*
 * How the resolver reaches the places sessions live: `local` runs this
 * machine's engines and tools (NULL: the default runner); `host`, for a
 * remote host's Podman, connects to the SSH location at (once per host:
 * the caller keeps its connections for the rest of the process) and
 * gives that connection's runner. host NULL: hosts cannot be reached
 * (their recorded sessions are left out, with a warning).
 */
struct paude_reach {
	struct paude_runner *local;
	int (*host)(void *ud, const struct paude_location *at, struct paude_runner **out,
		    struct paude_error **err);
	void *ud;
};

/* Open the backend at location at (any kind but ANY) through reach. */
int paude_locate_open(struct paude_backend **out, const struct paude_location *at,
		      const struct paude_reach *reach, struct paude_error **err);

/*
 * Where a session lives by what is written down alone (no engine is
 * asked): `given` when it says (an address's location), else the index's
 * entry for name, else the local Podman. *out is released first.
 */
void paude_locate_where(struct paude_location *out, const struct paude_location *given,
			const char *name);

/* Open the backend of a listed or fetched session s: at its stored
 * location when it has one (a cluster or remote host's session), else the
 * narrowing's. */
int paude_locate_session_backend(struct paude_backend **out, const struct paude_session *s,
				 const struct paude_location *narrow,
				 const struct paude_reach *reach, struct paude_error **err);

/*
 * Every session the narrowing allows, sorted: with a narrowing, its
 * backend's list; without, the local Podman's and those of every namespace
 * and host the index records. Fails only when no backend answered.
 */
int paude_locate_list(struct paude_session_list *out, const struct paude_location *narrow,
		      const struct paude_reach *reach, struct paude_strvec *warnings,
		      struct paude_error **err);

/*
 * Session name (validated) and its backend. PAUDE_ENOTFOUND when it is
 * nowhere (or recorded in the index but gone from its cluster or host, in
 * words that say so).
 */
int paude_locate_find(struct paude_backend **b, struct paude_session *out, const char *name,
		      const struct paude_location *narrow, const struct paude_reach *reach,
		      struct paude_strvec *warnings, struct paude_error **err);

/*
 * Session name if not NULL, else the one meant from directory cwd: the
 * session whose workspace holds cwd (the innermost), else the only one.
 * PAUDE_EUSAGE naming the candidates when several could be meant,
 * PAUDE_ENOTFOUND when there are none. *out is released first.
 */
int paude_locate_resolve(struct paude_backend **b, struct paude_session *out,
			 const char *name_or_null, const char *cwd,
			 const struct paude_location *narrow, const struct paude_reach *reach,
			 struct paude_strvec *warnings, struct paude_error **err);

#endif
