/* SPDX-License-Identifier: MIT */
/*
 * The process runner. The real implementation forks and execs with a
 * CLOEXEC "notify" pipe: if exec fails, the child writes errno to it, so the
 * parent reports "program not found" instead of a bare exit 127 (git's
 * run-command does the same). Capture uses poll() over the pipes so that a
 * child that fills stderr while we write its stdin cannot deadlock us.
 */
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include "paude/core/run.h"
#include "paude/core/alloc.h"
#include "paude/core/log.h"
#include "paude/core/fs.h"
#include "core/banned.h"

extern char **environ;

void
paude_child_init(struct paude_child *c)
{
	memset(c, 0, sizeof(*c));
	paude_strvec_init(&c->args);
	paude_strvec_init(&c->env);
}

void
paude_child_release(struct paude_child *c)
{
	paude_strvec_clear(&c->args);
	paude_strvec_clear(&c->env);
}

bool
paude_looks_like_option(const char *s)
{
	return !s || s[0] == '-';
}

char *
paude_which(const char *prog)
{
	if (!prog || !*prog)
		return NULL;
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? paude_xstrdup(prog) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	const char *p = path;
	while (*p) {
		const char *colon = strchrnul(p, ':');
		size_t n = (size_t)(colon - p);
		char *cand = NULL;
		cand = paude_xasprintf("%.*s/%s", (int)n, n ? p : ".", prog);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p = *colon ? colon + 1 : colon;
	}
	return NULL;
}

void
paude_quote_argv(struct paude_buf *out, const char *const *argv)
{
	for (size_t i = 0; argv && argv[i]; i++) {
		if (i)
			paude_buf_addch(out, ' ', NULL);
		paude_buf_add_shell_quoted(out, argv[i]);
	}
}

/*
 * Secrets are handed to tools through the environment (podman -e NAME takes
 * the value from its own environment), so the trace shows the values of
 * variables whose names suggest a secret as "***".
 */
static bool
looks_secret(const char *kv)
{
	static const char *const words[] = { "KEY", "TOKEN", "SECRET", "PASSW", "AUTH", "CRED" };
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t wl = strlen(words[i]);
		for (size_t j = 0; j + wl <= klen; j++)
			if (!strncasecmp(kv + j, words[i], wl))
				return true;
	}
	return false;
}

static void
trace(const struct paude_child *c, const char *how)
{
	if (!paude_log_enabled(PAUDE_LOG_DEBUG))
		return;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	for (size_t i = 0; i < c->env.nr; i++) {
		const char *kv = c->env.v[i];
		if (strchr(kv, '=') && looks_secret(kv)) {
			_cleanup_free_ char *shown = NULL;
			shown = paude_xasprintf("%.*s=***", (int)strcspn(kv, "="), kv);
			paude_buf_add_shell_quoted(&b, shown);
		} else {
			paude_buf_add_shell_quoted(&b, kv);
		}
		paude_buf_addch(&b, ' ', NULL);
	}
	paude_quote_argv(&b, (const char *const *)c->args.v);
	paude_log(PAUDE_LOG_DEBUG, "%s%s", how, b.buf);
}

/* Build the child's environment: environ with c->env applied. */
static char **
build_env(const struct paude_child *c, struct paude_strvec *store)
{
	if (!c->env.nr)
		return environ;
	for (char **e = environ; *e; e++) {
		size_t klen = strcspn(*e, "=");
		bool overridden = false;
		for (size_t i = 0; i < c->env.nr; i++) {
			size_t l = strcspn(c->env.v[i], "=");
			if (l == klen && !strncmp(c->env.v[i], *e, klen))
				overridden = true;
		}
		if (!overridden)
			paude_strvec_push(store, *e);
	}
	for (size_t i = 0; i < c->env.nr; i++)
		if (strchr(c->env.v[i], '='))
			paude_strvec_push(store, c->env.v[i]);
	return store->v;
}

static int
dup_to(int fd, int target)
{
	if (fd == target) {
		int fl = fcntl(fd, F_GETFD);
		return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return dup2(fd, target) < 0 ? -1 : 0;
}

/*
 * In the child: make sure none of the fds we are about to dup2 onto 0..2 is
 * itself one of 0..2 (possible when our own stdin/stdout/stderr were closed
 * and pipe2 handed out a low number), or an earlier dup2 would clobber it.
 */
static int
lift_fd(int *fd, int target)
{
	if (*fd < 0 || *fd > 2 || *fd == target)
		return 0;
	int n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -1;
	*fd = n;
	return 0;
}

/* Close the fds the caller handed over (> 0), each once even if repeated. */
static void
close_given_fds(struct paude_child *c)
{
	if (c->in > 0)
		close(c->in);
	if (c->out > 0 && c->out != c->in)
		close(c->out);
	if (c->err > 0 && c->err != c->in && c->err != c->out)
		close(c->err);
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static int
posix_start(void *ctx, struct paude_child *c, struct paude_error **err)
{
	(void)ctx;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int notify[2] = { -1, -1 };
	int r = 0, child_errno = 0;
	char **envp = NULL;
	pid_t pid;
	_cleanup_free_ char *path = NULL;
	_cleanup_strvec_ struct paude_strvec envstore = PAUDE_STRVEC_INIT;
	const char *prog = c->args.nr ? c->args.v[0] : NULL;

	if (!prog)
		PAUDE_BUG("child without argv");
	trace(c, "+ ");
	path = paude_which(prog);
	if (!path) {
		r = paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				    "'%s' not found (is it installed and on PATH?)", prog);
		goto fail;
	}
	if ((c->in < 0 && pipe2(pin, O_CLOEXEC) < 0) ||
	    (c->out < 0 && pipe2(pout, O_CLOEXEC) < 0) ||
	    (c->err < 0 && pipe2(perr, O_CLOEXEC) < 0) || pipe2(notify, O_CLOEXEC) < 0) {
		r = paude_error_errno(err, errno, "cannot create pipe");
		goto fail;
	}
	envp = build_env(c, &envstore);
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = paude_error_errno(err, errno, "cannot fork");
		goto fail;
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls from here on. */
		int e;
		(void)signal(SIGPIPE, SIG_DFL);
		int nullfd = -1;
		if (c->no_stdin || c->no_stdout || c->no_stderr)
			nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
		/* -1 here means "inherit": leave the fd alone. */
		int in = c->no_stdin ? nullfd : c->in < 0 ? pin[0] : c->in > 0 ? c->in : -1;
		int out = c->no_stdout ? nullfd : c->out < 0 ? pout[1] : c->out > 0 ? c->out : -1;
		int errfd = c->no_stderr ? nullfd : c->err < 0 ? perr[1] : c->err > 0 ? c->err : -1;
		if (lift_fd(&in, 0) < 0 || lift_fd(&out, 1) < 0 || lift_fd(&errfd, 2) < 0)
			goto child_fail;
		if ((in >= 0 && dup_to(in, 0) < 0) || (out >= 0 && dup_to(out, 1) < 0) ||
		    (errfd >= 0 && dup_to(errfd, 2) < 0))
			goto child_fail;
		/* The caller's fds need not be CLOEXEC: keep only the copies. */
		if (in > 2)
			close(in);
		if (out > 2 && out != in)
			close(out);
		if (errfd > 2 && errfd != in && errfd != out)
			close(errfd);
		if (c->dir && chdir(c->dir) < 0)
			goto child_fail;
		execve(path, c->args.v, envp);
	child_fail:
		e = errno;
		if (write(notify[1], &e, sizeof(e)) < 0) {
			/* nothing more we can do */
		}
		_exit(127);
	}
	close(notify[1]);
	notify[1] = -1;
	ssize_t n;
	do
		n = read(notify[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(notify[0]);
	notify[0] = -1;
	if (n == sizeof(child_errno)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (child_errno == ENOENT && c->dir)
			r = paude_error_errno(err, child_errno, "cannot run '%s' in '%s'", prog,
					      c->dir);
		else
			r = paude_error_errno(err, child_errno, "cannot run '%s'", prog);
		goto fail;
	}
	c->pid = pid;
	close_given_fds(c);
	if (c->in < 0) {
		close(pin[0]);
		c->in = pin[1];
	}
	if (c->out < 0) {
		close(pout[1]);
		c->out = pout[0];
	}
	if (c->err < 0) {
		close(perr[1]);
		c->err = perr[0];
	}
	return 0;
fail:
	close_pair(pin);
	close_pair(pout);
	close_pair(perr);
	close_pair(notify);
	close_given_fds(c);
	return r;
}

static int
posix_finish(void *ctx, struct paude_child *c, int *ret_status, struct paude_error **err)
{
	(void)ctx;
	int st = 0;
	pid_t p;
	/* waitpid(0) would reap any child of our process group. */
	if (c->pid <= 0)
		PAUDE_BUG("finish without a started child");
	do
		p = waitpid(c->pid, &st, 0);
	while (p < 0 && errno == EINTR);
	if (p < 0)
		return paude_error_errno(err, errno, "waiting for '%s' failed", c->args.v[0]);
	c->pid = 0;
	if (WIFEXITED(st))
		*ret_status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*ret_status = 128 + WTERMSIG(st);
	else
		*ret_status = 255;
	paude_log(PAUDE_LOG_TRACE, "'%s' exited with status %d", c->args.v[0], *ret_status);
	return 0;
}

static int
posix_exec(void *ctx, struct paude_child *c, struct paude_error **err)
{
	(void)ctx;
	const char *prog = c->args.nr ? c->args.v[0] : NULL;
	if (!prog)
		PAUDE_BUG("exec without argv");
	trace(c, "+ exec ");
	_cleanup_free_ char *path = paude_which(prog);
	if (!path)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				       "'%s' not found (is it installed and on PATH?)", prog);
	_cleanup_strvec_ struct paude_strvec envstore = PAUDE_STRVEC_INIT;
	char **envp = build_env(c, &envstore);
	if (c->dir && chdir(c->dir) < 0)
		return paude_error_errno(err, errno, "cannot change to '%s'", c->dir);
	(void)fflush(NULL);
	execve(path, c->args.v, envp);
	return paude_error_errno(err, errno, "cannot run '%s'", prog);
}

static const struct paude_runner_ops posix_ops = {
	.start = posix_start,
	.finish = posix_finish,
	.exec = posix_exec,
};

struct paude_runner *
paude_runner_default(void)
{
	static struct paude_runner r = { .ops = &posix_ops };
	return &r;
}

bool
paude_runner_is_remote(const struct paude_runner *r)
{
	return r->ops->host_path != NULL;
}

int
paude_runner_host_path(struct paude_runner *r, const char *local_path, const char *keep_key,
		       char **out, struct paude_error **err)
{
	if (!r->ops->host_path) {
		*out = paude_xstrdup(local_path);
		return 0;
	}
	return r->ops->host_path(r->ctx, local_path, keep_key, out, err);
}

int
paude_runner_host_drop(struct paude_runner *r, const char *host_path, struct paude_error **err)
{
	return r->ops->host_drop ? r->ops->host_drop(r->ctx, host_path, err) : 0;
}

int
paude_runner_forget(struct paude_runner *r, const char *keep_key, struct paude_error **err)
{
	return r->ops->forget ? r->ops->forget(r->ctx, keep_key, err) : 0;
}

int
paude_runner_read_file(struct paude_runner *r, const char *path, struct paude_buf *out,
		       struct paude_error **err)
{
	if (r->ops->read_file)
		return r->ops->read_file(r->ctx, path, out, err);
	if (!paude_is_file(path))
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT, "'%s' not found", path);
	return paude_buf_read_file(out, path, err);
}

struct paude_runner *
paude_runner_local(struct paude_runner *r)
{
	return r->ops->local ? r->ops->local(r->ctx) : r;
}

int
paude_child_start(struct paude_runner *r, struct paude_child *c, struct paude_error **err)
{
	return r->ops->start(r->ctx, c, err);
}

int
paude_child_finish(struct paude_runner *r, struct paude_child *c, int *ret_status,
		   struct paude_error **err)
{
	return r->ops->finish(r->ctx, c, ret_status, err);
}

int
paude_child_exec(struct paude_runner *r, struct paude_child *c, struct paude_error **err)
{
	return r->ops->exec(r->ctx, c, err);
}

int
paude_run_capture(struct paude_runner *r, struct paude_child *c, const char *in, size_t in_len,
		  struct paude_buf *out, struct paude_buf *errout, int *ret_status,
		  struct paude_error **err)
{
	if (in)
		c->in = -1;
	else if (!c->in)
		c->no_stdin = 1;
	if (out)
		c->out = -1;
	if (errout)
		c->err = -1;
	int ret = paude_child_start(r, c, err);
	if (ret < 0)
		return ret;

	struct pollfd pfd[3];
	int infd = in ? c->in : -1, outfd = out ? c->out : -1, errfd = errout ? c->err : -1;
	size_t written = 0;
	if (infd >= 0 && in_len == 0) {
		close(infd);
		infd = -1;
	}
	/*
	 * Our end of the stdin pipe must not block: a blocking write of a large
	 * input would wait for the child to read while the child waits for us
	 * to drain its stderr.
	 */
	if (infd >= 0) {
		int fl = fcntl(infd, F_GETFL);
		if (fl < 0 || fcntl(infd, F_SETFL, fl | O_NONBLOCK) < 0)
			ret = paude_error_errno(err, errno, "cannot set up stdin of '%s'",
						c->args.v[0]);
	}
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	while (ret == 0 && (infd >= 0 || outfd >= 0 || errfd >= 0)) {
		nfds_t n = 0;
		int idx_in = -1, idx_out = -1, idx_err = -1;
		if (infd >= 0) {
			pfd[n] = (struct pollfd){ .fd = infd, .events = POLLOUT };
			idx_in = (int)n++;
		}
		if (outfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = outfd, .events = POLLIN };
			idx_out = (int)n++;
		}
		if (errfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = errfd, .events = POLLIN };
			idx_err = (int)n++;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = paude_error_errno(err, errno, "poll failed");
			break;
		}
		if (idx_in >= 0 && pfd[idx_in].revents) {
			ssize_t w = write(infd, in + written, in_len - written);
			if (w < 0 && errno != EINTR && errno != EAGAIN) {
				close(infd); /* EPIPE: the child does not want more */
				infd = -1;
			} else if (w > 0) {
				written += (size_t)w;
				if (written == in_len) {
					close(infd);
					infd = -1;
				}
			}
		}
		int *fds[2] = { &outfd, &errfd };
		int idx[2] = { idx_out, idx_err };
		struct paude_buf *bufs[2] = { out, errout };
		for (int k = 0; k < 2; k++) {
			if (idx[k] < 0 || !pfd[idx[k]].revents)
				continue;
			char tmp[16384];
			ssize_t rd = read(*fds[k], tmp, sizeof(tmp));
			if (rd < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (rd <= 0) {
				close(*fds[k]);
				*fds[k] = -1;
				continue;
			}
			struct paude_error *cap = NULL;
			int ar = paude_buf_add(bufs[k], tmp, (size_t)rd, &cap);
			if (ar < 0) {
				if (ret == 0)
					ret = paude_error_wrap(&cap, ar, "output of '%s'",
							       c->args.v[0]);
				if (err && !*err)
					*err = cap;
				else
					paude_error_free(cap);
				close(*fds[k]);
				*fds[k] = -1;
			}
		}
	}
	(void)signal(SIGPIPE, old_pipe);
	if (infd >= 0)
		close(infd);
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	int status = 0;
	int fr = paude_child_finish(r, c, &status, ret < 0 ? NULL : err);
	if (ret < 0)
		return ret;
	if (fr < 0)
		return fr;
	*ret_status = status;
	return 0;
}

int
paude_child_error(struct paude_error **err, const struct paude_child *c, int status,
		  const char *errtext, size_t errlen)
{
	/* Keep the last non-empty lines of stderr, at most ~1 KiB. */
	while (errlen && strchr(" \t\r\n", errtext[errlen - 1]))
		errlen--;
	size_t start = errlen > 1024 ? errlen - 1024 : 0;
	/* Whole lines: never a tail that starts in the middle of a word. */
	if (start) {
		const char *nl = memchr(errtext + start, '\n', errlen - start);
		if (nl)
			start = (size_t)(nl - errtext) + 1;
	}
	const char *tail = errtext + start;
	size_t tlen = errlen - start;
	_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
	paude_buf_addstr(&what, c->args.v[0], NULL);
	if (c->args.nr > 1 && !paude_looks_like_option(c->args.v[1])) {
		paude_buf_addch(&what, ' ', NULL);
		paude_buf_addstr(&what, c->args.v[1], NULL);
	}
	int r;
	if (tlen)
		r = paude_error_set(err, PAUDE_ECHILD, 0, "%s: exit %d: %.*s", what.buf, status,
				    (int)tlen, tail);
	else
		r = paude_error_set(err, PAUDE_ECHILD, 0, "%s: exit %d", what.buf, status);
	if (err && *err && (*err)->code == PAUDE_ECHILD)
		(*err)->child_status = status;
	return r;
}

int
paude_run_output(struct paude_runner *r, struct paude_child *c, struct paude_buf *out,
		 struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(1 << 20);
	_cleanup_buf_ struct paude_buf discard = PAUDE_BUF_INIT_MAX(64 << 20);
	int status = 0;
	if (!out && !c->out)
		out = &discard;
	int ret = paude_run_capture(r, c, NULL, 0, out, &errbuf, &status, err);
	if (ret < 0)
		return ret;
	if (status != 0)
		return paude_child_error(err, c, status, errbuf.buf, errbuf.len);
	if (errbuf.len)
		paude_log(PAUDE_LOG_TRACE, "stderr of '%s': %s", c->args.v[0], errbuf.buf);
	return 0;
}

/* A memory file for a child's output; its copy for the child in *theirs. */
static int
memfile(int *ours, int *theirs, struct paude_error **err)
{
	*ours = memfd_create("paude-output", MFD_CLOEXEC);
	if (*ours < 0)
		return paude_error_errno(err, errno, "cannot create a memory file");
	*theirs = fcntl(*ours, F_DUPFD_CLOEXEC, 3);
	if (*theirs < 0)
		return paude_error_errno(err, errno, "cannot duplicate a file descriptor");
	return 0;
}

static void
read_memfile(int fd, struct paude_buf *out)
{
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) == 0)
		(void)paude_buf_read_fd(out, fd, NULL);
}

int
paude_run_all(struct paude_runner *r, struct paude_child *const *cs, size_t n,
	      struct paude_buf *outs, int *statuses, struct paude_error **err)
{
	/* Each child writes to memory files of its own, read after it ended:
	 * no pipe to drain while the others run. */
	int errfds[PAUDE_RUN_ALL_MAX], outfds[PAUDE_RUN_ALL_MAX];
	size_t started = 0;
	int ret = 0;
	if (n > PAUDE_RUN_ALL_MAX)
		PAUDE_BUG("paude_run_all: too many children");
	for (size_t i = 0; i < n; i++)
		errfds[i] = outfds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		int theirs = -1;
		if ((ret = memfile(&errfds[i], &theirs, err)) < 0)
			break;
		cs[i]->err = theirs; /* start closes it in the parent */
		if (outs) {
			if ((ret = memfile(&outfds[i], &theirs, err)) < 0)
				break;
			cs[i]->out = theirs;
		} else if (!cs[i]->out) {
			cs[i]->no_stdout = 1;
		}
		if ((ret = paude_child_start(r, cs[i], err)) < 0)
			break;
		started++;
	}
	for (size_t i = 0; i < started; i++) {
		int status = 0;
		/* Wait for every child, even after one failed: none is left behind. */
		int fr = paude_child_finish(r, cs[i], &status, ret < 0 ? NULL : err);
		if (ret < 0)
			continue;
		if (fr < 0) {
			ret = fr;
			continue;
		}
		if (outs)
			read_memfile(outfds[i], &outs[i]);
		if (statuses) {
			statuses[i] = status;
		} else if (status != 0) {
			_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT_MAX(1 << 20);
			read_memfile(errfds[i], &text);
			ret = paude_child_error(err, cs[i], status, text.buf, text.len);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (errfds[i] >= 0)
			close(errfds[i]);
		if (outfds[i] >= 0)
			close(outfds[i]);
	}
	return ret;
}
