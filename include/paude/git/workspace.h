/* SPDX-License-Identifier: MIT */
/* The workspace repository of a session (/pvc/workspace). */
#ifndef PAUDE_WORKSPACE_H
#define PAUDE_WORKSPACE_H

#include "paude/backend/backend.h"

enum paude_workspace_state {
	PAUDE_WORKSPACE_NO_REPO = 0, /* /pvc/workspace is not a git repository */
	PAUDE_WORKSPACE_EMPTY, /* a repository without any ref */
	PAUDE_WORKSPACE_HAS_COMMITS,
};

/* What the workspace repository of a running session holds (one exec). */
int paude_workspace_probe(struct paude_backend *b, const char *name,
			  enum paude_workspace_state *out, struct paude_error **err);

/*
 * Make the workspace a repository ready to be pushed to: `git init -b BRANCH`
 * when it is not one yet, and receive.denyCurrentBranch=updateInstead so a
 * push to the checked-out branch updates the files the agent sees. An
 * existing repository keeps its branches. branch is validated (no leading
 * '-', a valid ref component).
 */
int paude_workspace_init(struct paude_backend *b, const char *name, const char *branch,
			 struct paude_error **err);

#endif
