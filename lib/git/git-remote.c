/* SPDX-License-Identifier: MIT */
/*
 * paude-NAME remotes, with libgit2, and the first push, with git itself
 * (through git-remote-paude, like any `git push paude-NAME`).
 */
#include <string.h>
#include <git2.h>
#include "paude/git/git-remote.h"
#include "paude/core/alloc.h"
#include "paude/git/tunnel.h"
#include "paude/core/log.h"
#include "core/banned.h"

/* libgit2 is initialised per call (it counts); cleanup attribute ends it. */
static void
libgit2_endp(int *inited)
{
	if (*inited > 0)
		git_libgit2_shutdown();
}
/* A guard that exists for its cleanup only, hence _unused_. */
#define _cleanup_libgit2_ _cleanup_(libgit2_endp) _unused_

DEFINE_TRIVIAL_CLEANUP_FUNC(git_repository *, git_repository_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_remote *, git_remote_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(git_reference *, git_reference_free)

static int
git_fail(struct paude_error **err, int code, const char *what)
{
	const git_error *e = git_error_last();
	return paude_error_set(err, code, 0, "%s: %s", what,
			       e && e->message ? e->message : "unknown libgit2 error");
}

static int
open_repo(git_repository **out, const char *repo_dir, struct paude_error **err)
{
	int r = git_repository_open_ext(out, repo_dir, 0, NULL);
	if (r == GIT_ENOTFOUND) {
		if (!strcmp(repo_dir, "."))
			return paude_error_set(err, PAUDE_ENOTFOUND, 0,
					       "the current directory is not in a git repository "
					       "(run this inside your project's repository, or "
					       "create one with: git init)");
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "'%s' is not in a git repository (run this inside your "
				       "project's repository, or create one with: git init)",
				       repo_dir);
	}
	if (r < 0)
		return git_fail(err, PAUDE_EGENERIC, "cannot open the git repository");
	return 0;
}

void
paude_remote_name(struct paude_buf *out, const char *session)
{
	paude_buf_addstr(out, PAUDE_REMOTE_PREFIX, NULL);
	paude_buf_addstr(out, session, NULL);
}

/* The address of a paude:: or paude:// URL, or NULL. */
static const char *
url_address(const char *url)
{
	if (!url)
		return NULL;
	if (!strncmp(url, PAUDE_URL_PREFIX, strlen(PAUDE_URL_PREFIX)))
		return url + strlen(PAUDE_URL_PREFIX);
	if (!strncmp(url, "paude://", 8))
		return url;
	return NULL;
}

void
paude_remote_list_release(struct paude_remote_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->v[i].remote);
		free(l->v[i].url);
		free(l->v[i].session);
	}
	free(l->v);
	l->v = NULL;
	l->nr = 0;
}

int
paude_remote_list(const char *repo_dir, struct paude_remote_list *out, struct paude_error **err)
{
	_cleanup_libgit2_ int inited = git_libgit2_init();
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	int r = open_repo(&repo, repo_dir, err);
	if (r < 0)
		return r;
	git_strarray names = { 0 };
	if (git_remote_list(&names, repo) < 0)
		return git_fail(err, PAUDE_EGENERIC, "cannot list the git remotes");
	struct paude_remote_list l = { 0 };
	for (size_t i = 0; i < names.count; i++) {
		_cleanup_(git_remote_freep) git_remote *rem = NULL;
		if (git_remote_lookup(&rem, repo, names.strings[i]) < 0)
			continue; /* e.g. a remote section without a url */
		const char *addr = url_address(git_remote_url(rem));
		if (!addr)
			continue;
		l.v = paude_xrealloc(l.v, l.nr + 1, sizeof(*l.v));
		struct paude_remote_entry *e = &l.v[l.nr++];
		e->remote = paude_xstrdup(names.strings[i]);
		e->url = paude_xstrdup(git_remote_url(rem));
		struct paude_address a = PAUDE_ADDRESS_INIT;
		e->session =
		    paude_address_parse(&a, addr, NULL) == 0 ? paude_xstrdup(a.name) : NULL;
		paude_address_release(&a);
	}
	git_strarray_dispose(&names);
	*out = l;
	return 0;
}

int
paude_remote_add(const char *repo_dir, const struct paude_address *a, struct paude_error **err)
{
	_cleanup_libgit2_ int inited = git_libgit2_init();
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	_cleanup_(git_remote_freep) git_remote *rem = NULL;
	_cleanup_buf_ struct paude_buf name = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf url = PAUDE_BUF_INIT;
	int r = open_repo(&repo, repo_dir, err);
	if (r < 0)
		return r;
	paude_remote_name(&name, a->name);
	paude_buf_addstr(&url, PAUDE_URL_PREFIX, NULL);
	paude_address_format(a, &url);

	r = git_remote_lookup(&rem, repo, name.buf);
	if (r == 0) {
		const char *have = git_remote_url(rem);
		if (have && !strcmp(have, url.buf))
			return 0;
		return paude_error_set(err, PAUDE_EEXISTS, 0,
				       "remote '%s' already exists with URL '%s' (remove it with: "
				       "git remote remove %s)",
				       name.buf, have ? have : "", name.buf);
	}
	if (r != GIT_ENOTFOUND)
		return git_fail(err, PAUDE_EGENERIC, "cannot read the git remotes");
	if (git_remote_create(&rem, repo, name.buf, url.buf) < 0)
		return git_fail(err, PAUDE_EGENERIC, "cannot add the git remote");
	return 0;
}

int
paude_remote_remove(const char *repo_dir, const char *session, struct paude_error **err)
{
	int r = paude_session_name_validate(session, err);
	if (r < 0)
		return r;
	_cleanup_libgit2_ int inited = git_libgit2_init();
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	_cleanup_(git_remote_freep) git_remote *rem = NULL;
	_cleanup_buf_ struct paude_buf name = PAUDE_BUF_INIT;
	r = open_repo(&repo, repo_dir, err);
	if (r < 0)
		return r;
	paude_remote_name(&name, session);
	r = git_remote_lookup(&rem, repo, name.buf);
	if (r == GIT_ENOTFOUND || (r == 0 && !url_address(git_remote_url(rem))))
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "there is no paude remote '%s' in this repository",
				       name.buf);
	if (r < 0)
		return git_fail(err, PAUDE_EGENERIC, "cannot read the git remotes");
	if (git_remote_delete(repo, name.buf) < 0)
		return git_fail(err, PAUDE_EGENERIC, "cannot remove the git remote");
	return 0;
}

int
paude_repo_current_branch(const char *repo_dir, char **out, struct paude_error **err)
{
	_cleanup_libgit2_ int inited = git_libgit2_init();
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	_cleanup_(git_reference_freep) git_reference *head = NULL;
	int r = open_repo(&repo, repo_dir, err);
	if (r < 0)
		return r;
	/* HEAD itself, not resolved: an unborn branch has a name but no commit. */
	if (git_reference_lookup(&head, repo, "HEAD") < 0)
		return git_fail(err, PAUDE_EGENERIC, "cannot read HEAD");
	const char *target = git_reference_symbolic_target(head);
	if (!target || strncmp(target, "refs/heads/", 11) != 0)
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "HEAD is detached (check out a branch first: git switch "
				       "BRANCH)");
	char *s = paude_xstrdup(target + 11);
	*out = s;
	return 0;
}

int
paude_repo_branch_has_commits(const char *repo_dir, const char *branch, bool *yes,
			      struct paude_error **err)
{
	_cleanup_libgit2_ int inited = git_libgit2_init();
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	_cleanup_(git_reference_freep) git_reference *ref = NULL;
	int r = open_repo(&repo, repo_dir, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct paude_buf name = PAUDE_BUF_INIT;
	paude_buf_addf(&name, NULL, "refs/heads/%s", branch);
	r = git_reference_lookup(&ref, repo, name.buf);
	if (r < 0 && r != GIT_ENOTFOUND)
		return git_fail(err, PAUDE_EGENERIC, "cannot read the branch");
	*yes = r == 0;
	return 0;
}

/* --- the push: handed to git --------------------------------------------- */

/* Control characters out of text that came from the session. */
static void
flatten(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = ' ';
}

/*
 * The status of our ref in `git push --porcelain` output: a line
 * "FLAG\tFROM:TO\tSUMMARY". Returns the flag ('\0' when absent) and the
 * summary in *summary (malloc'd).
 */
static char
porcelain_status(const char *out, const char *to_ref, char **summary)
{
	*summary = NULL;
	for (const char *line = out; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);
		const char *t1 = memchr(line, '\t', n);
		const char *t2 = t1 ? memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - line)) : NULL;
		if (t1 == line + 1 && t2) {
			const char *colon = memchr(t1 + 1, ':', (size_t)(t2 - t1 - 1));
			size_t tolen = colon ? (size_t)(t2 - colon - 1) : 0;
			if (colon && tolen == strlen(to_ref) && !memcmp(colon + 1, to_ref, tolen)) {
				*summary = paude_xstrndup(t2 + 1, n - (size_t)(t2 + 1 - line));
				flatten(*summary);
				return line[0];
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return '\0';
}

int
paude_remote_push(const char *repo_dir, struct paude_backend *b, const char *session,
		  const char *branch, struct paude_error **err)
{
	int r = paude_session_name_validate(session, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct paude_buf name = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf ref = PAUDE_BUF_INIT;
	{
		_cleanup_libgit2_ int inited = git_libgit2_init();
		_cleanup_(git_repository_freep) git_repository *repo = NULL;
		_cleanup_(git_remote_freep) git_remote *rem = NULL;
		r = open_repo(&repo, repo_dir, err);
		if (r < 0)
			return r;
		paude_remote_name(&name, session);
		if (git_remote_lookup(&rem, repo, name.buf) < 0)
			return git_fail(err, PAUDE_ENOTFOUND,
					"cannot find the session's git remote");
		int valid = 0;
		if (!branch || paude_looks_like_option(branch) ||
		    git_branch_name_is_valid(&valid, branch) < 0 || !valid)
			return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid branch name '%s'",
					       branch ? branch : "");
		paude_buf_addf(&ref, NULL, "refs/heads/%s", branch);
		_cleanup_(git_reference_freep) git_reference *local = NULL;
		if (git_reference_lookup(&local, repo, ref.buf) < 0)
			return paude_error_set(err, PAUDE_ESTATE, 0,
					       "nothing to push: branch '%s' has no commits yet "
					       "(commit first, then: git push %s %s)",
					       branch, name.buf, branch);
	}
	/* Once per push: clear words for a session that is gone, stopped or
	 * paused, before git says it less clearly. */
	r = paude_tunnel_check(b, session, err);
	if (r < 0)
		return r;

	/*
	 * git itself does the transfer, through git-remote-paude: it reuses
	 * the deltas already in the repository's packs, where libgit2's
	 * packbuilder would compute them all again (the first push of a large
	 * history took about three times as long). --porcelain: one status
	 * line per ref on stdout, which is what we read.
	 */
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf refspec = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 20);
	paude_buf_addf(&refspec, NULL, "%s:%s", ref.buf, ref.buf);
	paude_strvec_pushl(&c.args, "git", "-C", repo_dir, "push", "--porcelain", "--", name.buf,
			   refspec.buf, NULL);
	c.no_stdin = 1;
	/* git's stderr carries the session's text (hooks are off, but its
	 * progress and errors are still the session's words) in any amount:
	 * not for the terminal, and not worth a buffer. The status is in the
	 * porcelain lines. */
	c.no_stderr = 1;
	int status = 0;
	/* git reads this machine's repository, wherever the session runs. */
	r = paude_run_capture(paude_runner_local(b->runner), &c, NULL, 0, &out, NULL, &status, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *summary = NULL;
	char flag = porcelain_status(out.buf ? out.buf : "", ref.buf, &summary);
	if (status == 0 && flag && flag != '!')
		return 0;
	if (flag == '!' && summary && strstr(summary, "Working directory has"))
		/* updateInstead: the agent's uncommitted changes, which no pull
		 * can fetch; they must become a commit first. */
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' rejected '%s': %s (the agent has uncommitted changes there, "
		    "which git pull cannot fetch: have the agent commit them (paude connect %s), "
		    "then: git pull %s %s, and push again)",
		    session, ref.buf, summary, session, name.buf, branch);
	if (flag == '!' && summary && strstr(summary, "remote rejected"))
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' rejected '%s': %s (get its work first: git pull "
		    "%s %s)",
		    session, ref.buf, summary, name.buf, branch);
	if (flag == '!')
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "push of '%s' to session '%s' rejected: %s (get its work "
				       "first: git pull %s %s)",
				       branch, session, summary ? summary : "", name.buf, branch);
	return paude_error_set(err, PAUDE_ECHILD, 0,
			       "cannot push '%s' to session '%s': git push exited with status %d "
			       "(see why with: git push %s %s)",
			       branch, session, status, name.buf, branch);
}
