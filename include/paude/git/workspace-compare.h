/* SPDX-License-Identifier: MIT */
/*
 * How a session's workspace repository stands against the local repository
 * it was created for: its branches, and for each the commits the local
 * repository lacks (what `delete` would destroy) and the local commits the
 * session lacks. Asked with git in the session (the same exec the git
 * tunnel uses) and git in the local repository.
 */
#ifndef PAUDE_WORKSPACE_COMPARE_H
#define PAUDE_WORKSPACE_COMPARE_H

#include "paude/backend/backend.h"

struct paude_ws_branch {
	char *name; /* the branch in the session */
	char *sha;
	bool head; /* checked out in the session */
	/* Commits on this branch that no local branch or remote-tracking ref has. */
	long only_in_session;
	/* Commits of the local branch of the same name that the session lacks;
	 * -1: no such local branch, or not known. */
	long only_local;
};

struct paude_ws_compare {
	bool repo; /* the workspace is a git repository */
	bool local_repo; /* the local directory is one */
	struct paude_ws_branch *v;
	size_t nr;
};
#define PAUDE_WS_COMPARE_INIT                                                                      \
	{                                                                                          \
		0                                                                                  \
	}

/*
 * Compare the workspace of running session NAME with the repository at
 * local_dir (may be NULL: nothing local, every commit counts as missing
 * locally). Fails only when the session cannot be asked.
 */
int paude_ws_compare(struct paude_backend *b, const char *name, const char *local_dir,
		     struct paude_ws_compare *out, struct paude_error **err);
void paude_ws_compare_release(struct paude_ws_compare *c);

#endif
