/* SPDX-License-Identifier: MIT */
/*
 * One `podman build` of a paude image: its context written to a temporary
 * directory, its output logged (one locked log per image) with the STEP
 * lines reported as progress, and the small podman calls around it
 * (exists, the image ID, removing a replaced image).
 */
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "paude/image/image.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/core/signal.h"
#include "paude/core/buf.h"
#include "paude/core/strvec.h"
#include "image/image-internal.h"
#include "core/banned.h"

#ifndef PAUDE_VERSION
#define PAUDE_VERSION "0.0.0"
#endif

/* The tail of a log shown in an error. */
#define LOG_TAIL 2048

static const char *
ca_bundle(const struct paude_image_opts *o)
{
	if (o && o->ca_bundle)
		return *o->ca_bundle ? o->ca_bundle : NULL;
	return paude_ca_bundle_detect();
}

/* --- running podman --- */

void
paude_image__notify(const struct paude_image_opts *o, enum paude_image_event ev, const char *detail)
{
	if (o && o->notify)
		o->notify(o->notify_ctx, ev, detail);
}

/* Run argv, capture stderr, report the exit status (no error for non-zero). */
int
paude_image__run_status(struct paude_runner *r, const char *const *argv, int *status,
			struct paude_buf *errout, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	paude_strvec_pushv(&c.args, argv);
	return paude_run_capture(r, &c, NULL, 0, &out, errout, status, err);
}

/* `podman image exists REF`: 0 and *yes set, or an error if podman fails. */
int
paude_image__exists(struct paude_runner *r, const char *ref, bool *yes, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "image", "exists", ref, NULL };
	int ret = paude_image__run_status(r, argv, &status, &errout, err);
	if (ret < 0)
		return ret;
	if (status > 1) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_strvec_pushv(&c.args, argv);
		return paude_child_error(err, &c, status, errout.buf, errout.len);
	}
	*yes = status == 0;
	return 0;
}

/* The ID of a local image, or NULL (missing, or podman failed: both only
 * mean there is nothing to clean up). */
char *
paude_image__id(struct paude_runner *r, const char *ref)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	paude_strvec_pushl(&c.args, "podman", "image", "inspect", "--format", "{{.Id}}", ref, NULL);
	int status = 0;
	if (paude_run_capture(r, &c, NULL, 0, &out, &errout, &status, NULL) < 0 || status != 0)
		return NULL;
	paude_buf_rtrim(&out);
	return out.len && !strchr(out.buf, '\n') ? paude_buf_detach(&out) : NULL;
}

/*
 * After a rebuild the old image has lost its tag: remove it, or every
 * rebuild would leave a dangling image of a gigabyte or more behind. If a
 * session still uses it (or another tag names it), podman refuses, and it
 * stays; that is fine.
 */
void
paude_image__remove_replaced(struct paude_runner *r, const char *old_id, const char *ref)
{
	_cleanup_free_ char *new_id = paude_image__id(r, ref);
	if (!new_id || !strcmp(new_id, old_id))
		return;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	paude_strvec_pushl(&c.args, "podman", "rmi", old_id, NULL);
	c.no_stdout = 1;
	int status = 0;
	if (paude_run_capture(r, &c, NULL, 0, NULL, &errout, &status, NULL) == 0 && status != 0)
		paude_debug("old image '%s' kept: %s", old_id, errout.buf);
}

void
paude_image__logfile_init(struct logfile *l, const char *workdir, const char *name)
{
	_cleanup_free_ char *cache = paude_cache_dir();
	_cleanup_free_ char *dir = paude_path_join(cache, "logs");
	_cleanup_free_ char *file = NULL;
	file = paude_xasprintf("%s.log", name);
	if (paude_mkdir_p(dir, 0700, NULL) == 0) {
		l->path = paude_path_join(dir, file);
		l->keep = true;
	} else {
		l->path = paude_path_join(workdir, file);
		l->keep = false;
	}
}

/*
 * A build's log, named after its image, opened for writing with an
 * exclusive lock: while another build of the same image holds NAME.log,
 * NAME-2.log (and so on) is used, so that concurrent builds never write
 * into each other's log. Returns the fd; l->path names the file.
 */
static int
logfile_open_locked(struct logfile *l, const char *workdir, const char *name,
		    struct paude_error **err)
{
	for (int i = 1; i <= 16; i++) {
		_cleanup_free_ char *n = i == 1 ? xstrdup(name) : paude_xasprintf("%s-%d", name, i);
		struct logfile cand = { 0 };
		paude_image__logfile_init(&cand, workdir, n);
		int fd = open(cand.path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			int e = errno;
			int r = paude_error_errno(err, e, "cannot create '%s'", cand.path);
			free(cand.path);
			return r;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || ftruncate(fd, 0) < 0) {
			close(fd);
			free(cand.path);
			continue;
		}
		*l = cand;
		return fd;
	}
	return paude_error_set(err, PAUDE_EGENERIC, 0,
			       "cannot open a log for '%s': 16 builds of it are running", name);
}

bool
paude_image_parse_step(const char *line, size_t len, struct paude_image_progress *p,
		       size_t *what_len)
{
	const char *q = line, *end = line + len;
	unsigned stage = 0, stages = 0, step = 0, steps = 0;
	/* digits into *v; false if none or too many */
	bool ok = true;
#define NUM(v)                                                                                     \
	do {                                                                                       \
		const char *s0_ = q;                                                               \
		unsigned n_ = 0;                                                                   \
		while (q < end && *q >= '0' && *q <= '9' && n_ < 100000)                           \
			n_ = n_ * 10 + (unsigned)(*q++ - '0');                                     \
		ok = ok && q > s0_ && q - s0_ <= 6;                                                \
		(v) = n_;                                                                          \
	} while (0)
	if (q < end && *q == '[') {
		q++;
		NUM(stage);
		ok = ok && q < end && *q++ == '/';
		NUM(stages);
		ok = ok && q + 1 < end && q[0] == ']' && q[1] == ' ';
		q += 2;
	}
	static const char kw[] = "STEP ";
	ok = ok && (size_t)(end - q) >= sizeof(kw) - 1 && !memcmp(q, kw, sizeof(kw) - 1);
	if (!ok)
		return false;
	q += sizeof(kw) - 1;
	NUM(step);
	ok = ok && q < end && *q++ == '/';
	NUM(steps);
	ok = ok && q < end && *q++ == ':';
#undef NUM
	if (!ok || step == 0 || step > steps || stage > stages)
		return false;
	while (q < end && *q == ' ')
		q++;
	p->stage = stage;
	p->stages = stages;
	p->step = step;
	p->steps = steps;
	p->what = q;
	*what_len = (size_t)(end - q);
	return true;
}

static long long
now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/*
 * Run a build: its output (stdout and stderr on one pipe) goes to log_fd,
 * and to our stderr too when verbose; the STEP lines in it, and a tick
 * about once a second, go to o->progress.
 */
static int
run_build(struct paude_runner *r, struct paude_child *c, const struct paude_image_opts *o,
	  const char *ref, int log_fd, int *status, struct paude_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return paude_error_errno(err, errno, "cannot create a pipe");
	c->no_stdin = 1;
	c->out = p[1];
	c->err = fcntl(p[1], F_DUPFD_CLOEXEC, 3);
	if (c->err < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		c->out = c->err = 0;
		return paude_error_errno(err, e, "cannot duplicate a file descriptor");
	}
	_cleanup_close_ int rd = p[0];
	int ret = paude_child_start(r, c, err);
	if (ret < 0)
		return ret;
	bool verbose = o && o->verbose;
	paude_image_progress_fn cb = o ? o->progress : NULL;
	struct paude_image_progress prog = { .image = ref, .what = "" };
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
	long long start = now_sec(), shown = -1;
	for (;;) {
		struct pollfd pfd = { .fd = rd, .events = POLLIN };
		int n = poll(&pfd, 1, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0) {
			char chunk[8192];
			ssize_t got = read(rd, chunk, sizeof(chunk));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got <= 0)
				break;
			/* The log is best effort: a full disk must not fail the build. */
			(void)!write(log_fd, chunk, (size_t)got);
			if (verbose)
				(void)!write(STDERR_FILENO, chunk, (size_t)got);
			for (ssize_t i = 0; i < got; i++) {
				if (chunk[i] != '\n') {
					if (line.len < 4096)
						paude_buf_addch(&line, chunk[i], NULL);
					continue;
				}
				size_t wl = 0;
				struct paude_image_progress np = prog;
				if (paude_image_parse_step(line.buf, line.len, &np, &wl)) {
					paude_buf_reset(&what);
					paude_buf_add(&what, np.what, wl, NULL);
					prog = np;
					prog.what = what.buf;
					if (cb) {
						prog.elapsed = now_sec() - start;
						cb(o->progress_ctx, &prog);
						shown = prog.elapsed;
					}
				}
				paude_buf_reset(&line);
			}
		}
		long long el = now_sec() - start;
		if (cb && el != shown) {
			prog.elapsed = el;
			cb(o->progress_ctx, &prog);
			shown = el;
		}
	}
	ret = paude_child_finish(r, c, status, err);
	if (cb) {
		prog.elapsed = now_sec() - start;
		prog.done = true;
		cb(o->progress_ctx, &prog);
	}
	return ret;
}

/* The last lines of a log file (at most LOG_TAIL bytes, from a line start). */
static void
read_tail(const char *path, struct paude_buf *out)
{
	if (!path)
		return;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return;
	off_t from = end > LOG_TAIL ? end - LOG_TAIL : 0;
	if (lseek(fd, from, SEEK_SET) < 0)
		return;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(LOG_TAIL + 1);
	if (paude_buf_read_fd(&b, fd, NULL) < 0)
		return;
	paude_buf_rtrim(&b);
	const char *s = b.buf;
	if (from > 0) {
		const char *nl = strchr(s, '\n');
		if (nl)
			s = nl + 1;
	}
	paude_buf_addstr(out, s, NULL);
}

/*
 * Run a long step: its stdout and stderr go to our stderr when verbose,
 * else to the log file. *status is its exit status.
 */
int
paude_image__run_logged(struct paude_runner *r, struct paude_child *c,
			const struct paude_image_opts *o, const struct logfile *log, int *status,
			struct paude_error **err)
{
	int ret = 0;
	c->no_stdin = c->in == 0;
	if (o && o->verbose) {
		c->out = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (c->out < 0)
			ret = paude_error_errno(err, errno, "cannot duplicate stderr");
	} else {
		c->out = open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (c->out < 0)
			ret = paude_error_errno(err, errno, "cannot create '%s'", log->path);
		else if ((c->err = fcntl(c->out, F_DUPFD_CLOEXEC, 3)) < 0)
			ret = paude_error_errno(err, errno, "cannot duplicate a file descriptor");
	}
	if (ret < 0) {
		/* As paude_child_start does on failure: the child's fds are ours to close. */
		int *fds[3] = { &c->in, &c->out, &c->err };
		for (size_t i = 0; i < 3; i++) {
			if (*fds[i] > 0)
				close(*fds[i]);
			*fds[i] = 0;
		}
		return ret;
	}
	ret = paude_child_start(r, c, err);
	if (ret < 0)
		return ret;
	return paude_child_finish(r, c, status, err);
}

/* PAUDE_ECHILD for a failed long step: what failed, where the log is, its tail. */
int
paude_image__step_error(struct paude_error **err, const char *what, const char *prog, int status,
			const struct paude_image_opts *o, const struct logfile *log)
{
	int r;
	if (o && o->verbose) {
		r = paude_error_set(err, PAUDE_ECHILD, 0, "%s: %s exited with status %d", what,
				    prog, status);
	} else {
		_cleanup_buf_ struct paude_buf tail = PAUDE_BUF_INIT;
		read_tail(log->path, &tail);
		if (log->keep)
			r = paude_error_set(
			    err, PAUDE_ECHILD, 0, "%s: %s exited with status %d (full log: %s)%s%s",
			    what, prog, status, log->path, tail.len ? "\n" : "", tail.buf);
		else
			r = paude_error_set(err, PAUDE_ECHILD, 0,
					    "%s: %s exited with status %d (run with -v to see "
					    "its output)%s%s",
					    what, prog, status, tail.len ? "\n" : "", tail.buf);
	}
	if (err && *err && (*err)->code == PAUDE_ECHILD)
		(*err)->child_status = status;
	return r;
}

/* --- temporary directories --- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
paude_image__workdir_release(struct workdir *w)
{
	if (w->path) {
		rm_tree(w->path);
		free(w->path);
		w->path = NULL;
	}
}

int
paude_image__workdir_create(struct workdir *w, struct paude_error **err)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || *tmp != '/')
		tmp = "/var/tmp";
	_cleanup_free_ char *tmpl = paude_path_join(tmp, "paude-build-XXXXXX");
	if (!mkdtemp(tmpl))
		return paude_error_errno(err, errno, "cannot create a directory in '%s'", tmp);
	w->path = TAKE_PTR(tmpl);
	return 0;
}

/* Write a file with exactly this mode (the umask must not decide what a
 * COPY in the Containerfile gets). */
static int
write_file_mode(const char *path, const void *data, size_t n, unsigned mode,
		struct paude_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return paude_error_errno(err, errno, "cannot create '%s'", path);
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return paude_error_errno(err, errno, "cannot write '%s'", path);
		}
		p += w;
		n -= (size_t)w;
	}
	if (fchmod(fd, mode) < 0)
		return paude_error_errno(err, errno, "cannot change the mode of '%s'", path);
	if (close(TAKE_FD(fd)) < 0)
		return paude_error_errno(err, errno, "cannot write '%s'", path);
	return 0;
}

/* --- the build --- */

static int
write_files(const struct paude_image_files *files, const char *dir, struct paude_error **err)
{
	for (size_t i = 0; i < files->nr; i++) {
		const struct paude_image_file *f = &files->v[i];
		if (strchr(f->path, '/')) {
			_cleanup_free_ char *sub = paude_path_join(dir, f->path);
			*strrchr(sub, '/') = '\0';
			int ret = paude_mkdir_p(sub, 0755, err);
			if (ret < 0)
				return ret;
		}
		_cleanup_free_ char *path = paude_path_join(dir, f->path);
		int ret = write_file_mode(path, f->data, f->size, f->mode, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * An interrupted `podman build` leaves its buildah working container
 * behind, mounted, named after the FROM image ("IMAGE-working-container",
 * "-1", ...). So that ours can be told from those of builds running at the
 * same time, each build starts from a name of its own for the base image:
 * localhost/paude-from-PID-N:base, tagged before and untagged after.
 */
static char *
base_alias(struct paude_runner *r, const char *base)
{
	static unsigned counter;
	char *alias =
	    paude_xasprintf("localhost/paude-from-%ld-%u:base", (long)getpid(), ++counter);
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "tag", base, alias, NULL };
	if (paude_image__run_status(r, argv, &status, &errout, NULL) < 0 || status != 0) {
		paude_debug("cannot tag '%s' as '%s': %s", base, alias, errout.buf);
		free(alias);
		return NULL;
	}
	return alias;
}

/* Remove the working containers of a build from ALIAS, then the alias. */
static void
base_alias_release(struct paude_runner *r, const char *alias, bool failed)
{
	if (failed) {
		/* "localhost/paude-from-1-2:base" -> "paude-from-1-2-working-container" */
		const char *name = strrchr(alias, '/');
		name = name ? name + 1 : alias;
		_cleanup_free_ char *prefix =
		    paude_xasprintf("%.*s-working-container", (int)strcspn(name, ":"), name);
		_cleanup_child_ struct paude_child ps = PAUDE_CHILD_INIT;
		_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
		paude_strvec_pushl(&ps.args, "podman", "ps", "--all", "--external", "--format",
				   "{{.ID}} {{.Names}}", NULL);
		int status = 0;
		if (paude_run_capture(r, &ps, NULL, 0, &out, NULL, &status, NULL) == 0 &&
		    status == 0) {
			size_t plen = strlen(prefix);
			for (char *line = out.buf; line && *line;) {
				char *nl = strchr(line, '\n');
				if (nl)
					*nl = '\0';
				const char *sp = strchr(line, ' ');
				const char *n = sp ? sp + 1 : "";
				if (sp && !strncmp(n, prefix, plen) &&
				    (n[plen] == '\0' || n[plen] == '-') &&
				    !paude_looks_like_option(line)) {
					_cleanup_child_ struct paude_child rm = PAUDE_CHILD_INIT;
					paude_strvec_pushl(&rm.args, "podman", "rm", "--force",
							   NULL);
					paude_strvec_pushf(&rm.args, "%.*s", (int)(sp - line),
							   line);
					rm.no_stdout = rm.no_stderr = 1;
					int st = 0;
					(void)paude_run_capture(r, &rm, NULL, 0, NULL, NULL, &st,
								NULL);
					paude_debug("removed the working container '%s' of an "
						    "unfinished build",
						    n);
				}
				line = nl ? nl + 1 : NULL;
			}
		}
	}
	/* With the name twice: `podman untag IMAGE` alone would remove every name. */
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "untag", alias, alias, NULL };
	if (paude_image__run_status(r, argv, &status, &errout, NULL) == 0 && status != 0)
		paude_debug("cannot untag '%s': %s", alias, errout.buf);
}

/*
 * Copy the build context *ctx to r's host and point *ctx and *cf at the
 * copy there: the Containerfile inside the context with it, one outside it
 * (a devcontainer's dockerfile may be) copied on its own.
 */
static int
context_there(struct paude_runner *r, char **ctx, char **cf, struct paude_error **err)
{
	_cleanup_free_ char *rctx = NULL, *rcf = NULL;
	int ret = paude_runner_host_path(r, *ctx, NULL, &rctx, err);
	if (ret < 0)
		return ret;
	/* Compared as real paths: a configuration's context is often "..". */
	_cleanup_free_ char *real_ctx = realpath(*ctx, NULL), *real_cf = realpath(*cf, NULL);
	size_t n = real_ctx ? strlen(real_ctx) : 0;
	if (n && real_cf && !strncmp(real_cf, real_ctx, n) && real_cf[n] == '/')
		rcf = paude_xasprintf("%s%s", rctx, real_cf + n);
	else if ((ret = paude_runner_host_path(r, *cf, NULL, &rcf, err)) < 0)
		return ret;
	free(*ctx);
	free(*cf);
	*ctx = TAKE_PTR(rctx);
	*cf = TAKE_PTR(rcf);
	return 0;
}

int
paude_image__build(struct paude_runner *r, const struct paude_image__build *b,
		   const struct paude_image_opts *o, struct paude_error **err)
{
	_cleanup_(paude_image__workdir_release) struct workdir w = { 0 };
	int ret = paude_image__workdir_create(&w, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *ctx = NULL, *cf = NULL;
	if (b->context_dir) {
		ctx = xstrdup(b->context_dir);
		cf = xstrdup(b->containerfile);
	} else {
		ctx = paude_path_join(w.path, "context");
		if (mkdir(ctx, 0755) < 0)
			return paude_error_errno(err, errno, "cannot create '%s'", ctx);
		ret = write_files(b->files, ctx, err);
		if (ret < 0)
			return ret;
		cf = paude_path_join(ctx, "Containerfile");
	}

	/* A remote podman builds from a copy of the context streamed to its host. */
	if (paude_runner_is_remote(r) && (ret = context_there(r, &ctx, &cf, err)) < 0)
		return ret;

	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "podman", "build", NULL);
	if (b->pull_never)
		paude_strvec_push(&c.args, "--pull=never");
	/* A rebuild also refreshes what the layer cache cannot see change,
	 * such as the Claude Code release that "latest" names. */
	if (o && o->rebuild)
		paude_strvec_push(&c.args, "--no-cache");
	paude_strvec_pushl(&c.args, "-f", cf, "-t", b->ref, NULL);
	paude_strvec_pushf(&c.args, "--label=paude.io/image=%s", b->label);
	paude_strvec_pushf(&c.args, "--label=paude.io/image-hash=%s", b->hash);
	paude_strvec_pushf(&c.args, "--label=paude.io/version=%s", PAUDE_VERSION);
	_cleanup_free_ char *alias = b->base ? base_alias(r, b->base) : NULL;
	if (b->base)
		paude_strvec_pushf(&c.args, "--build-arg=BASE_IMAGE=%s", alias ? alias : b->base);
	for (size_t i = 0; i < b->nargs; i++)
		paude_strvec_pushf(&c.args, "--build-arg=%s=%s", b->args[i].name, b->args[i].value);
	for (size_t i = 0; b->raw_args && i < b->raw_args->nr; i++)
		paude_strvec_pushf(&c.args, "--build-arg=%s", b->raw_args->v[i]);
	const char *ca = b->ca_secret ? ca_bundle(o) : NULL;
	_cleanup_free_ char *ca_there = NULL;
	if (ca) {
		if (strchr(ca, ','))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "cannot use CA bundle '%s': a comma in its path "
					       "(set PAUDE_CA_BUNDLE to another path)",
					       ca);
		if (!paude_is_file(ca))
			return paude_error_set(err, PAUDE_ENOTFOUND, 0,
					       "CA bundle '%s' not found (set PAUDE_CA_BUNDLE to a "
					       "file, or to an empty string for none)",
					       ca);
		if ((ret = paude_runner_host_path(r, ca, NULL, &ca_there, err)) < 0)
			return ret;
		if (strchr(ca_there, ','))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "cannot use CA bundle '%s': a comma in its path there", ca_there);
		paude_strvec_pushf(&c.args, "--secret=id=paude-ca,src=%s", ca_there);
	}
	/* ctx is absolute: it cannot be taken for an option. */
	paude_strvec_push(&c.args, ctx);

	/* One log per image: concurrent builds of others never share it. */
	struct logfile log = { 0 };
	_cleanup_free_ char *logname = NULL;
	logname = paude_xasprintf("build-%s-%.*s", b->label, PAUDE_IMAGE_TAG_HEX, b->hash);
	_cleanup_close_ int log_fd = logfile_open_locked(&log, w.path, logname, err);
	if (log_fd < 0)
		return log_fd;
	_cleanup_free_ _unused_ char *logpath = log.path; /* frees log.path */

	paude_image__notify(o, PAUDE_IMAGE_EV_BUILD, b->ref);
	paude_image__notify(o, PAUDE_IMAGE_EV_BUILD_LOG, log.path);
	int status = 0;
	ret = run_build(r, &c, o, b->ref, log_fd, &status, err);
	if (alias)
		base_alias_release(r, alias, ret < 0 || status != 0 || paude_signal_pending());
	if (ret < 0)
		return ret;
	if (status != 0) {
		_cleanup_free_ char *what = NULL;
		what = paude_xasprintf("cannot build image '%s'", b->ref);
		/* The log exists in verbose mode too: name it and show its tail. */
		struct paude_image_opts logged = { 0 };
		if (o)
			logged = *o;
		logged.verbose = false;
		return paude_image__step_error(err, what, "podman build", status, &logged, &log);
	}
	paude_image__notify(o, PAUDE_IMAGE_EV_BUILT, b->ref);
	return 0;
}
