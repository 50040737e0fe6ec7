/* SPDX-License-Identifier: MIT */
/*
 * The local side of the git tunnel: the `paude-NAME` remotes in the user's
 * repository (libgit2), and the first push (git itself, through
 * git-remote-paude).
 *
 * repo_dir may be any directory inside a work tree; the repository is
 * discovered upwards from it, as git does.
 */
#ifndef PAUDE_GIT_REMOTE_H
#define PAUDE_GIT_REMOTE_H

#include "paude/session/address.h"
#include "paude/backend/backend.h"
#include "paude/core/buf.h"

#define PAUDE_REMOTE_PREFIX "paude-"
#define PAUDE_URL_PREFIX "paude::"

/* "paude-NAME" for session NAME. */
void paude_remote_name(struct paude_buf *out, const char *session);

struct paude_remote_entry {
	char *remote; /* "paude-x" */
	char *url; /* "paude::x" */
	char *session; /* the session the URL names; NULL if it does not parse */
};

struct paude_remote_list {
	struct paude_remote_entry *v;
	size_t nr;
};
#define PAUDE_REMOTE_LIST_INIT                                                                     \
	{                                                                                          \
		0                                                                                  \
	}

void paude_remote_list_release(struct paude_remote_list *l);

/* The remotes of the repository whose URL is a paude:: (or paude://) URL. */
int paude_remote_list(const char *repo_dir, struct paude_remote_list *out,
		      struct paude_error **err);

/*
 * Add remote paude-NAME with URL "paude::" + the address. Already there with
 * the same URL: 0 (nothing changes). There with another URL: PAUDE_EEXISTS.
 * PAUDE_ENOTFOUND when repo_dir is not in a git repository.
 */
int paude_remote_add(const char *repo_dir, const struct paude_address *a, struct paude_error **err);

/*
 * Remove remote paude-SESSION if it points at a paude:: URL (a remote of the
 * same name that points elsewhere is the user's and is left alone).
 * PAUDE_ENOTFOUND when there is no such remote or no repository: callers
 * such as `paude delete` may ignore that.
 */
int paude_remote_remove(const char *repo_dir, const char *session, struct paude_error **err);

/*
 * The short name of the branch HEAD points at ("main"), also when it has no
 * commit yet. PAUDE_ESTATE on a detached HEAD. *out is the caller's.
 */
int paude_repo_current_branch(const char *repo_dir, char **out, struct paude_error **err);

/* Whether refs/heads/BRANCH exists (false: an unborn branch, no commit yet). */
int paude_repo_branch_has_commits(const char *repo_dir, const char *branch, bool *yes,
				  struct paude_error **err);

/*
 * Push refs/heads/BRANCH to the same branch in session SESSION's workspace
 * through remote paude-SESSION: checks (the remote, the branch, the session
 * through b), then `git -C REPO_DIR push --porcelain -- paude-SESSION
 * refs/heads/BRANCH:refs/heads/BRANCH` through b's runner, so git (and
 * git-remote-paude) do the transfer, reusing the repository's deltas; it
 * updates refs/remotes/paude-SESSION/BRANCH. A rejected update
 * (non-fast-forward, the session's checkout refusing it) is PAUDE_ESTATE
 * with the reason and what to do.
 */
int paude_remote_push(const char *repo_dir, struct paude_backend *b, const char *session,
		      const char *branch, struct paude_error **err);

#endif
