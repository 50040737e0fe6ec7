/* SPDX-License-Identifier: MIT */
/*
 * The session's branches against the local repository. Counting happens
 * where the objects are: commits only in the session are counted in the
 * session (`rev-list --count BRANCH --not LOCAL-TIPS --ignore-missing`, so
 * local tips it never saw are skipped), local commits the session lacks
 * are counted locally when the session's tip is known there.
 */
#include <string.h>
#include <stdlib.h>
#include "paude/git/workspace-compare.h"
#include "paude/core/alloc.h"
#include "paude/core/run.h"
#include "paude/core/log.h"
#include "core/banned.h"

#define GIT_OUTPUT_MAX (4u << 20)

/* git in the session's workspace; *status is git's exit status. */
static int
git_in_session(struct paude_backend *b, const char *name, const struct paude_strvec *args,
	       struct paude_buf *out, int *status, struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&argv, "git", "-C", PAUDE_WORKSPACE_DIR, NULL);
	for (size_t i = 0; i < args->nr; i++)
		paude_strvec_push(&argv, args->v[i]);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	int r = paude_backend_exec_prepare(b, name, 0, (const char *const *)argv.v, &c, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 16);
	return paude_run_capture(b->runner, &c, NULL, 0, out, &errout, status, err);
}

static int
git_local(struct paude_runner *r, const char *dir, const struct paude_strvec *args,
	  struct paude_buf *out, int *status, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "git", "-C", dir, NULL);
	for (size_t i = 0; i < args->nr; i++)
		paude_strvec_push(&c.args, args->v[i]);
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 16);
	return paude_run_capture(r, &c, NULL, 0, out, &errout, status, err);
}

static bool
is_sha(const char *s, size_t n)
{
	if (n != 40 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* "SHA NAME" lines of for-each-ref into pairs (sha, name). */
static void
read_refs(const char *text, struct paude_strvec *shas, struct paude_strvec *names)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *sp = memchr(p, ' ', len);
		if (sp && is_sha(p, (size_t)(sp - p))) {
			_cleanup_free_ char *sha = paude_xstrndup(p, (size_t)(sp - p));
			_cleanup_free_ char *nm =
			    paude_xstrndup(sp + 1, len - (size_t)(sp + 1 - p));
			paude_strvec_push(shas, sha);
			if (names)
				paude_strvec_push(names, nm);
		}
		p = nl ? nl + 1 : NULL;
	}
}

static long
read_count(const struct paude_buf *b)
{
	char *end = NULL;
	long n = b->buf ? strtol(b->buf, &end, 10) : -1;
	return end && end != b->buf && n >= 0 ? n : -1;
}

int
paude_ws_compare(struct paude_backend *b, const char *name, const char *local_dir,
		 struct paude_ws_compare *out, struct paude_error **err)
{
	struct paude_ws_compare c = { 0 };
	int status = 0, r;
	_cleanup_strvec_ struct paude_strvec args = PAUDE_STRVEC_INIT;
	_cleanup_buf_ struct paude_buf refs = PAUDE_BUF_INIT_MAX(GIT_OUTPUT_MAX);
	/* %(HEAD) is '*' on the checked-out branch: one exec says both. */
	paude_strvec_pushl(&args, "for-each-ref", "--format=%(HEAD)%(objectname) %(refname:short)",
			   "refs/heads/", NULL);
	if ((r = git_in_session(b, name, &args, &refs, &status, err)) < 0)
		return r;
	if (status != 0) {
		*out = c; /* no repository (yet) */
		return 0;
	}
	c.repo = true;
	_cleanup_strvec_ struct paude_strvec shas = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec names = PAUDE_STRVEC_INIT;
	_cleanup_free_ char *head = NULL;
	/* Lines start with '*' (checked out) or ' '; strip it, noting which. */
	_cleanup_buf_ struct paude_buf plain = PAUDE_BUF_INIT_MAX(GIT_OUTPUT_MAX);
	for (const char *p = refs.buf; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (*p == '*' && !head) {
			const char *sp = memchr(p, ' ', len);
			if (sp)
				head = paude_xstrndup(sp + 1,
						      len - (size_t)(sp + 1 - p) - (nl ? 1 : 0));
		}
		paude_buf_add(&plain, p + 1, len - 1, NULL);
		p = nl ? nl + 1 : NULL;
	}
	read_refs(plain.buf ? plain.buf : "", &shas, &names);

	/* The local tips: branches and remote-tracking refs (a fetched branch
	 * is safe too). */
	_cleanup_strvec_ struct paude_strvec local = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec local_names = PAUDE_STRVEC_INIT;
	if (local_dir) {
		_cleanup_buf_ struct paude_buf lrefs = PAUDE_BUF_INIT_MAX(GIT_OUTPUT_MAX);
		paude_strvec_clear(&args);
		paude_strvec_pushl(&args, "for-each-ref", "--format=%(objectname) %(refname)",
				   "refs/heads/", "refs/remotes/", NULL);
		if ((r = git_local(paude_runner_local(b->runner), local_dir, &args, &lrefs, &status,
				   err)) < 0)
			return r;
		if (status == 0) {
			c.local_repo = true;
			read_refs(lrefs.buf, &local, &local_names);
		}
	}

	c.v = paude_xcalloc(names.nr ? names.nr : 1, sizeof(*c.v));
	for (size_t i = 0; i < names.nr; i++) {
		struct paude_ws_branch *br = &c.v[c.nr++];
		br->name = paude_xstrdup(names.v[i]);
		br->sha = paude_xstrdup(shas.v[i]);
		br->head = head && !strcmp(head, names.v[i]);
		br->only_local = -1;

		_cleanup_buf_ struct paude_buf cnt = PAUDE_BUF_INIT_MAX(1 << 12);
		paude_strvec_clear(&args);
		paude_strvec_pushl(&args, "rev-list", "--count", "--ignore-missing", br->sha,
				   "--not", NULL);
		for (size_t j = 0; j < local.nr; j++)
			paude_strvec_push(&args, local.v[j]);
		if ((r = git_in_session(b, name, &args, &cnt, &status, err)) < 0) {
			paude_ws_compare_release(&c);
			return r;
		}
		br->only_in_session = status == 0 ? read_count(&cnt) : -1;

		/* The local branch of the same name, counted locally when the
		 * session's tip is known there. */
		_cleanup_free_ char *lref = paude_xasprintf("refs/heads/%s", br->name);
		long li = paude_strvec_find(&local_names, lref);
		if (li < 0)
			continue;
		_cleanup_buf_ struct paude_buf lcnt = PAUDE_BUF_INIT_MAX(1 << 12);
		paude_strvec_clear(&args);
		paude_strvec_pushl(&args, "rev-list", "--count", local.v[li], "--not", NULL);
		paude_strvec_push(&args, br->sha);
		if ((r = git_local(paude_runner_local(b->runner), local_dir, &args, &lcnt, &status,
				   err)) < 0) {
			paude_ws_compare_release(&c);
			return r;
		}
		if (status == 0)
			br->only_local = read_count(&lcnt);
	}
	*out = c;
	return 0;
}

void
paude_ws_compare_release(struct paude_ws_compare *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->v[i].name);
		free(c->v[i].sha);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
