/* SPDX-License-Identifier: MIT */
/*
 * paude-NAME remotes and the in-process push, with libgit2.
 *
 * The push is libgit2's own smart protocol over a subtransport of ours
 * (libgit2's ssh_exec-style "spawn a process and talk to its pipes"): the
 * process is the backend's exec child, `podman exec -i paude-NAME
 * git-receive-pack /pvc/workspace`, built by paude_tunnel_prepare exactly as
 * for git-remote-paude. The smart transport is stateful (rpc = 0): the
 * stream opened for the ref advertisement (RECEIVEPACK_LS) must be the one
 * handed back for the push itself (RECEIVEPACK), so the subtransport keeps
 * one current stream, as libgit2's ssh subtransport does.
 */
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <git2.h>
#include <git2/sys/transport.h>
#include "paude/git-remote.h"
#include "paude/tunnel.h"
#include "paude/log.h"
#include "banned.h"

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
		struct paude_remote_entry *e = reallocarray(l.v, l.nr + 1, sizeof(*l.v));
		if (!e)
			abort();
		l.v = e;
		e = &l.v[l.nr++];
		e->remote = strdup(names.strings[i]);
		e->url = strdup(git_remote_url(rem));
		struct paude_address a = PAUDE_ADDRESS_INIT;
		e->session = paude_address_parse(&a, addr, NULL) == 0 ? strdup(a.name) : NULL;
		paude_address_release(&a);
		if (!e->remote || !e->url)
			abort();
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
	char *s = strdup(target + 11);
	if (!s)
		abort();
	*out = s;
	return 0;
}

/* --- the subtransport --------------------------------------------------- */

struct push_ctx {
	struct paude_backend *b;
	const char *session;
	struct paude_error *err; /* the tunnel's own failure, reported over libgit2's */
	git_smart_subtransport_definition def;
	char *rejected; /* first rejection reason from the session's receive-pack */
	char *rejected_ref;
	struct paude_buf remote_says; /* sideband text, capped */
};

struct tunnel_stream;
struct tunnel_sub {
	git_smart_subtransport parent;
	struct push_ctx *ctx;
	struct tunnel_stream *current;
};

struct tunnel_stream {
	git_smart_subtransport_stream parent;
	struct paude_child child;
	int errfd; /* the service's stderr (ours to read), -1 once at its end */
};

/*
 * The service's stderr is the session's text: it never goes to the user's
 * terminal as it is. What is there now is read (never blocking) into the
 * capped remote_says, which only ever reaches an error message (printed
 * through the sanitizer); past the cap it is read and dropped, so a full
 * pipe can never stall the service. block: read to the end.
 */
static void
drain_stderr(struct tunnel_stream *ts, struct push_ctx *ctx, bool block)
{
	char chunk[4096];
	while (ts->errfd >= 0) {
		if (block)
			(void)fcntl(ts->errfd, F_SETFL, 0);
		ssize_t n = read(ts->errfd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: nothing more for now */
		if (n == 0) {
			close(ts->errfd);
			ts->errfd = -1;
			return;
		}
		paude_debug("the session's stderr: %.*s", (int)n, chunk);
		paude_buf_add(&ctx->remote_says, chunk, (size_t)n, NULL);
	}
}

/* Wait until fd is ready for events, reading the service's stderr meanwhile. */
static int
wait_ready(struct tunnel_stream *ts, struct push_ctx *ctx, int fd, short events)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = events },
				       { .fd = ts->errfd, .events = POLLIN } };
		int n = poll(p, ts->errfd >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (ts->errfd >= 0 && p[1].revents)
			drain_stderr(ts, ctx, false);
		if (p[0].revents)
			return 0;
	}
}

static void
tunnel_set_error(const char *what, const char *detail)
{
	char msg[512];
	(void)snprintf(msg, sizeof(msg), "%s: %s", what, detail);
	git_error_set_str(GIT_ERROR_NET, msg);
}

static int
stream_read(git_smart_subtransport_stream *s, char *buf, size_t size, size_t *bytes_read)
{
	struct tunnel_stream *ts = (struct tunnel_stream *)s;
	struct tunnel_sub *sub = (struct tunnel_sub *)s->subtransport;
	ssize_t n = -1;
	if (wait_ready(ts, sub->ctx, ts->child.out, POLLIN) == 0) {
		do
			n = read(ts->child.out, buf, size);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0) {
		tunnel_set_error("cannot read from the session", strerror(errno));
		return -1;
	}
	*bytes_read = (size_t)n;
	return 0;
}

static int
stream_write(git_smart_subtransport_stream *s, const char *buf, size_t len)
{
	struct tunnel_stream *ts = (struct tunnel_stream *)s;
	struct tunnel_sub *sub = (struct tunnel_sub *)s->subtransport;
	while (len) {
		ssize_t n = -1;
		if (wait_ready(ts, sub->ctx, ts->child.in, POLLOUT) == 0)
			n = write(ts->child.in, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			tunnel_set_error("cannot write to the session",
					 n < 0 ? strerror(errno) : "short write");
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
stream_free(git_smart_subtransport_stream *s)
{
	struct tunnel_stream *ts = (struct tunnel_stream *)s;
	struct tunnel_sub *sub = (struct tunnel_sub *)s->subtransport;
	if (sub->current == ts)
		sub->current = NULL;
	/* EOF first, so the service finishes, then reap it. */
	if (ts->child.in > 0)
		close(ts->child.in);
	if (ts->child.out > 0)
		close(ts->child.out);
	drain_stderr(ts, sub->ctx, true);
	if (ts->child.pid > 0) {
		int status = 0;
		if (paude_child_finish(sub->ctx->b->runner, &ts->child, &status, NULL) == 0 &&
		    status != 0)
			paude_debug("tunnel child exited with status %d", status);
	}
	paude_child_release(&ts->child);
	free(ts);
}

static int
stream_open(struct tunnel_sub *sub, enum paude_git_service service)
{
	struct push_ctx *ctx = sub->ctx;
	struct tunnel_stream *ts = calloc(1, sizeof(*ts));
	if (!ts)
		abort();
	paude_child_init(&ts->child);
	ts->parent.subtransport = &sub->parent;
	ts->parent.read = stream_read;
	ts->parent.write = stream_write;
	ts->parent.free = stream_free;
	int r = paude_tunnel_prepare(ctx->b, ctx->session, service, &ts->child, &ctx->err);
	ts->errfd = -1;
	if (r == 0) {
		ts->child.in = -1;
		ts->child.out = -1;
		ts->child.err = -1;
		r = paude_child_start(ctx->b->runner, &ts->child, &ctx->err);
	}
	if (r == 0) {
		ts->errfd = ts->child.err;
		(void)fcntl(ts->errfd, F_SETFL, O_NONBLOCK);
	}
	if (r < 0) {
		git_error_set_str(GIT_ERROR_NET, ctx->err ? ctx->err->msg : "cannot reach session");
		paude_child_release(&ts->child);
		free(ts);
		return -1;
	}
	sub->current = ts;
	return 0;
}

static int
sub_action(git_smart_subtransport_stream **out, git_smart_subtransport *t, const char *url,
	   git_smart_service_t action)
{
	struct tunnel_sub *sub = (struct tunnel_sub *)t;
	(void)url; /* the session was resolved from the remote's name already */
	enum paude_git_service service = PAUDE_GIT_UPLOAD_PACK;
	bool fresh = false;
	switch (action) {
	case GIT_SERVICE_UPLOADPACK_LS:
		fresh = true;
		_fallthrough_;
	case GIT_SERVICE_UPLOADPACK:
		service = PAUDE_GIT_UPLOAD_PACK;
		break;
	case GIT_SERVICE_RECEIVEPACK_LS:
		fresh = true;
		_fallthrough_;
	case GIT_SERVICE_RECEIVEPACK:
		service = PAUDE_GIT_RECEIVE_PACK;
		break;
	default:
		git_error_set_str(GIT_ERROR_NET, "unknown git service requested");
		return -1;
	}
	if (fresh && sub->current) {
		stream_free(&sub->current->parent);
	}
	if (!sub->current && stream_open(sub, service) < 0)
		return -1;
	*out = &sub->current->parent;
	return 0;
}

static int
sub_close(git_smart_subtransport *t)
{
	struct tunnel_sub *sub = (struct tunnel_sub *)t;
	if (sub->current)
		stream_free(&sub->current->parent);
	return 0;
}

static void
sub_free(git_smart_subtransport *t)
{
	sub_close(t);
	free(t);
}

static int
sub_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	(void)owner;
	struct tunnel_sub *sub = calloc(1, sizeof(*sub));
	if (!sub)
		abort();
	sub->ctx = param;
	sub->parent.action = sub_action;
	sub->parent.close = sub_close;
	sub->parent.free = sub_free;
	*out = &sub->parent;
	return 0;
}

static int
transport_new(git_transport **out, git_remote *owner, void *param)
{
	struct push_ctx *ctx = param;
	ctx->def =
	    (git_smart_subtransport_definition){ .callback = sub_new, .rpc = 0, .param = ctx };
	return git_transport_smart(out, owner, &ctx->def);
}

static int
on_update_reference(const char *refname, const char *status, void *data)
{
	struct push_ctx *ctx = data;
	if (status && !ctx->rejected) {
		ctx->rejected = strdup(status);
		ctx->rejected_ref = strdup(refname);
	}
	return 0;
}

static int
on_sideband(const char *str, int len, void *data)
{
	struct push_ctx *ctx = data;
	/* What the session's git says, kept (capped) for the error message. */
	if (len > 0) {
		paude_debug("remote: %.*s", len, str);
		paude_buf_add(&ctx->remote_says, str, (size_t)len, NULL);
	}
	return 0;
}

/* Append "(the session says: ...)" from the sideband text to *err's message. */
static void
add_remote_says(struct paude_error **err, struct paude_buf *says)
{
	paude_buf_rtrim(says);
	if (!err || !*err || !says->len)
		return;
	for (size_t i = 0; i < says->len; i++)
		if ((unsigned char)says->buf[i] < 0x20)
			says->buf[i] = ' ';
	char *msg = NULL;
	if (asprintf(&msg, "%s; the session said: %s", (*err)->msg, says->buf) < 0)
		abort();
	free((*err)->msg);
	(*err)->msg = msg;
}

int
paude_remote_push(const char *repo_dir, struct paude_backend *b, const char *session,
		  const char *branch, struct paude_error **err)
{
	int r = paude_session_name_validate(session, err);
	if (r < 0)
		return r;
	_cleanup_libgit2_ int inited = git_libgit2_init();
	_cleanup_(git_repository_freep) git_repository *repo = NULL;
	_cleanup_(git_remote_freep) git_remote *rem = NULL;
	_cleanup_buf_ struct paude_buf name = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf refspec = PAUDE_BUF_INIT;
	r = open_repo(&repo, repo_dir, err);
	if (r < 0)
		return r;
	paude_remote_name(&name, session);
	if (git_remote_lookup(&rem, repo, name.buf) < 0)
		return git_fail(err, PAUDE_ENOTFOUND, "cannot find the session's git remote");
	int valid = 0;
	if (!branch || paude_looks_like_option(branch) ||
	    git_branch_name_is_valid(&valid, branch) < 0 || !valid)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid branch name '%s'",
				       branch ? branch : "");
	_cleanup_buf_ struct paude_buf ref = PAUDE_BUF_INIT;
	paude_buf_addf(&ref, NULL, "refs/heads/%s", branch);
	paude_buf_addf(&refspec, NULL, "%s:%s", ref.buf, ref.buf);
	_cleanup_(git_reference_freep) git_reference *local = NULL;
	if (git_reference_lookup(&local, repo, ref.buf) < 0)
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "nothing to push: branch '%s' has no commits yet (commit "
				       "first, then: git push %s %s)",
				       branch, name.buf, branch);

	struct push_ctx ctx = { .b = b,
				.session = session,
				.remote_says = PAUDE_BUF_INIT_MAX(2048) };
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	opts.callbacks.transport = transport_new;
	opts.callbacks.payload = &ctx;
	opts.callbacks.push_update_reference = on_update_reference;
	opts.callbacks.sideband_progress = on_sideband;
	char *specs[] = { refspec.buf };
	git_strarray refspecs = { .strings = specs, .count = 1 };

	/* A session that dies mid-push must be an error, not a signal. */
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	int gr = git_remote_push(rem, &refspecs, &opts);
	(void)signal(SIGPIPE, old_pipe);

	if (ctx.err) {
		r = ctx.err->code;
		if (err && !*err)
			*err = ctx.err;
		else
			paude_error_free(ctx.err);
		ctx.err = NULL;
	} else if (gr == GIT_ENONFASTFORWARD || gr == GIT_EEXISTS) {
		const git_error *e = git_error_last();
		r = paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "push of '%s' to session '%s' rejected: %s (get its work first: "
		    "git pull %s %s)",
		    branch, session, e && e->message ? e->message : "not a fast-forward", name.buf,
		    branch);
	} else if (gr < 0) {
		r = git_fail(err, PAUDE_EGENERIC, "push failed");
		paude_error_wrap(err, "cannot push '%s' to session '%s'", branch, session);
	} else if (ctx.rejected) {
		r = paude_error_set(err, PAUDE_ESTATE, 0,
				    "session '%s' rejected '%s': %s (get its work first: git pull "
				    "%s %s)",
				    session, ctx.rejected_ref, ctx.rejected, name.buf, branch);
	}
	if (r < 0)
		add_remote_says(err, &ctx.remote_says);
	paude_buf_release(&ctx.remote_says);
	free(ctx.rejected);
	free(ctx.rejected_ref);
	return r;
}
