/* SPDX-License-Identifier: MIT */
/*
 * The base image of paude's images: present, pulled, or (for the default
 * base, when no registry can be reached) the local fallback, built from
 * Debian packages with debootstrap (root) or mmdebstrap (a normal user).
 */
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "paude/image/image.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/core/signal.h"
#include "paude/core/buf.h"
#include "paude/core/strvec.h"
#include "image/image-internal.h"
#include "core/banned.h"

long paude_image__test_euid = -1;

const char *
paude_image_fallback_base(const struct paude_image_opts *o)
{
	return paude_image__opt_or(o ? o->fallback_base : NULL, PAUDE_IMAGE_FALLBACK_BASE);
}

static char *
find_debootstrap(void)
{
	char *p = paude_which("debootstrap");
	if (p)
		return p;
	/* Often in sbin, which a normal user's PATH lacks. */
	static const char *const sbin[] = { "/usr/sbin/debootstrap", "/sbin/debootstrap" };
	for (size_t i = 0; i < ARRAY_SIZE(sbin); i++)
		if (access(sbin[i], X_OK) == 0)
			return xstrdup(sbin[i]);
	return NULL;
}

/* Remove an image this build made before it failed. */
static void
remove_image(struct paude_runner *r, const char *ref)
{
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "image", "rm", ref, NULL };
	if (paude_image__run_status(r, argv, &status, &errout, NULL) == 0 && status != 0)
		paude_debug("cannot remove '%s': %s", ref, errout.buf);
}

/* Open where a long step's output goes: our stderr when verbose, else the log. */
static int
log_fd(const struct paude_image_opts *o, const struct logfile *log, struct paude_error **err)
{
	int fd;
	if (o && o->verbose) {
		fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return paude_error_errno(err, errno, "cannot duplicate stderr");
	} else {
		fd = open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return paude_error_errno(err, errno, "cannot create '%s'", log->path);
	}
	return fd;
}

static int
dup_fd(int fd, struct paude_error **err)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return paude_error_errno(err, errno, "cannot duplicate a file descriptor");
	return d;
}

/*
 * Not root: debootstrap cannot make device nodes in a user namespace, but
 * mmdebstrap's unshare mode needs no root at all (it maps the user's
 * subordinate ids, as podman does). Its tarball goes straight into
 * `podman import`: nothing to remove afterwards.
 *   mmdebstrap --mode=unshare --variant=minbase --format=tar SUITE - MIRROR |
 *   podman import - REF
 */
static int
bootstrap_base_unshare(struct paude_runner *r, const struct paude_image_opts *o, const char *ref,
		       const char *mirror, struct paude_error **err)
{
	_cleanup_free_ char *mmdebstrap = paude_which("mmdebstrap");
	if (!mmdebstrap)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				       "cannot build base image '%s' as a normal user: "
				       "'mmdebstrap' not found (install mmdebstrap, or set "
				       "PAUDE_BASE_IMAGE to an image available locally)",
				       ref);
	_cleanup_(paude_image__workdir_release) struct workdir w = { 0 };
	int ret = paude_image__workdir_create(&w, err);
	if (ret < 0)
		return ret;
	struct logfile log = { 0 };
	paude_image__logfile_init(&log, w.path, "base");
	_cleanup_free_ _unused_ char *logpath = log.path; /* frees log.path */
	_cleanup_close_ int out = log_fd(o, &log, err);
	if (out < 0)
		return out;

	paude_image__notify(o, PAUDE_IMAGE_EV_BOOTSTRAP_BASE_UNSHARE, ref);
	_cleanup_child_ struct paude_child mm = PAUDE_CHILD_INIT;
	_cleanup_child_ struct paude_child imp = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&mm.args, mmdebstrap, "--mode=unshare", "--variant=minbase",
			   "--format=tar", PAUDE_IMAGE_FALLBACK_SUITE, "-", mirror, NULL);
	mm.no_stdin = 1;
	mm.out = -1;
	int fd = dup_fd(out, err);
	if (fd < 0)
		return fd;
	mm.err = fd;
	/* The tarball is made here; the podman of r imports it (over SSH too). */
	ret = paude_child_start(paude_runner_local(r), &mm, err);
	if (ret < 0)
		return ret;
	paude_strvec_pushl(&imp.args, "podman", "import", "-", ref, NULL);
	imp.in = TAKE_FD(mm.out);
	int st_imp = 0, st_mm = 0;
	if ((fd = dup_fd(out, err)) >= 0) {
		imp.out = fd;
		if ((fd = dup_fd(out, err)) >= 0)
			imp.err = fd;
	}
	if (fd < 0) {
		/* imp never starts: its fds are ours to close, and mm ends on the
		 * closed pipe. */
		close(imp.in);
		if (imp.out > 0)
			close(imp.out);
		(void)paude_child_finish(paude_runner_local(r), &mm, &st_mm, NULL);
		return fd;
	}
	ret = paude_child_start(r, &imp, err);
	if (ret == 0)
		ret = paude_child_finish(r, &imp, &st_imp, err);
	int rm = paude_child_finish(paude_runner_local(r), &mm, &st_mm, ret < 0 ? NULL : err);
	if (ret == 0 && rm < 0)
		ret = rm;
	/* A cut-short tarball imports fine: never keep what a failed run made. */
	if (ret == 0 && st_imp == 0 && (st_mm != 0 || paude_signal_pending()))
		remove_image(r, ref);
	if (ret == 0 && st_mm != 0)
		ret = paude_image__step_error(err, "cannot build the base image with mmdebstrap",
					      "mmdebstrap", st_mm, o, &log);
	if (ret == 0 && st_imp != 0)
		ret = paude_image__step_error(err, "cannot import the base image", "podman import",
					      st_imp, o, &log);
	return ret;
}

static int
bootstrap_base(struct paude_runner *r, const struct paude_image_opts *o, const char *ref,
	       struct paude_error **err)
{
	const char *mirror = paude_image__opt_or(o ? o->mirror : NULL, PAUDE_IMAGE_DEFAULT_MIRROR);
	if (!paude_image__valid_arg_value(mirror))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid Debian mirror '%s'", mirror);
	uid_t euid = paude_image__test_euid >= 0 ? (uid_t)paude_image__test_euid : geteuid();
	if (euid != 0)
		return bootstrap_base_unshare(r, o, ref, mirror, err);
	_cleanup_free_ char *debootstrap = find_debootstrap();
	if (!debootstrap)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				       "cannot build base image '%s': 'debootstrap' not found "
				       "(install debootstrap, or set PAUDE_BASE_IMAGE to an image "
				       "available locally)",
				       ref);
	_cleanup_(paude_image__workdir_release) struct workdir w = { 0 };
	int ret = paude_image__workdir_create(&w, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *rootfs = paude_path_join(w.path, "rootfs");
	if (mkdir(rootfs, 0755) < 0)
		return paude_error_errno(err, errno, "cannot create '%s'", rootfs);
	struct logfile log = { 0 };
	paude_image__logfile_init(&log, w.path, "base");
	_cleanup_free_ _unused_ char *logpath = log.path; /* frees log.path */

	paude_image__notify(o, PAUDE_IMAGE_EV_BOOTSTRAP_BASE, ref);
	int status = 0;
	{
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_strvec_pushl(&c.args, debootstrap, "--variant=minbase",
				   PAUDE_IMAGE_FALLBACK_SUITE, rootfs, mirror, NULL);
		ret = paude_image__run_logged(paude_runner_local(r), &c, o, &log, &status, err);
		if (ret == 0 && status != 0)
			ret = paude_image__step_error(
			    err, "cannot build the base image with debootstrap", "debootstrap",
			    status, o, &log);
	}
	if (ret == 0) {
		/* tar -C ROOTFS -c . | podman import - REF */
		_cleanup_child_ struct paude_child tar = PAUDE_CHILD_INIT;
		_cleanup_child_ struct paude_child imp = PAUDE_CHILD_INIT;
		paude_strvec_pushl(&tar.args, "tar", "-C", rootfs, "-c", ".", NULL);
		tar.out = -1;
		tar.no_stdin = 1;
		ret = paude_child_start(paude_runner_local(r), &tar, err);
		if (ret == 0) {
			paude_strvec_pushl(&imp.args, "podman", "import", "-", ref, NULL);
			imp.in = TAKE_FD(tar.out);
			int st_imp = 0, st_tar = 0;
			ret = paude_image__run_logged(r, &imp, o, &log, &st_imp, err);
			int rt = paude_child_finish(paude_runner_local(r), &tar, &st_tar,
						    ret < 0 ? NULL : err);
			if (ret == 0 && rt < 0)
				ret = rt;
			if (ret == 0 && st_imp != 0)
				ret = paude_image__step_error(err, "cannot import the base image",
							      "podman import", st_imp, o, &log);
			if (ret == 0 && st_tar != 0) {
				ret = paude_error_set(err, PAUDE_ECHILD, 0,
						      "cannot import the base image: tar exited "
						      "with status %d",
						      st_tar);
				if (err && *err)
					(*err)->child_status = st_tar;
			}
		}
	}
	_cleanup_child_ struct paude_child rm = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&rm.args, "rm", "-rf", "--", rootfs, NULL);
	rm.no_stdout = rm.no_stderr = rm.no_stdin = 1;
	if (paude_child_start(r, &rm, NULL) == 0) {
		int st = 0;
		paude_child_finish(r, &rm, &st, NULL);
	}
	return ret;
}

int
paude_image_base_ensure(struct paude_runner *r, const char *base, const struct paude_image_opts *o,
			char **out_ref, bool *out_fallback, struct paude_error **err)
{
	const char *fallback = paude_image_fallback_base(o);
	if (!paude_image__valid_ref(base))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid base image '%s'", base);
	if (!paude_image__valid_ref(fallback))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid fallback base image '%s'",
				       fallback);
	bool is_fallback = !strcmp(base, fallback);
	bool yes = false;
	int ret = paude_image__exists(r, base, &yes, err);
	if (ret < 0)
		return ret;
	if (yes) {
		*out_ref = xstrdup(base);
		*out_fallback = is_fallback;
		return 0;
	}
	_cleanup_buf_ struct paude_buf why = PAUDE_BUF_INIT;
	/* The fallback lives only in local storage: there is nothing to pull. */
	if (!is_fallback) {
		paude_image__notify(o, PAUDE_IMAGE_EV_PULL_BASE, base);
		_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
		int status = 0;
		const char *const pull[] = { "podman", "pull", base, NULL };
		ret = paude_image__run_status(r, pull, &status, &errout, err);
		if (ret < 0)
			return ret;
		if (status == 0) {
			paude_image__notify(o, PAUDE_IMAGE_EV_PULLED_BASE, base);
			*out_ref = xstrdup(base);
			*out_fallback = false;
			return 0;
		}
		paude_buf_rtrim(&errout);
		const char *nl = strrchr(errout.buf, '\n');
		paude_buf_addstr(&why, nl ? nl + 1 : errout.buf, NULL);
		paude_debug("cannot pull '%s': %s", base, why.buf);
		/* Only the default has an equivalent we can build from packages.
		 * PAUDE_BASE_IMAGE chooses paude's base only: for an image a
		 * project's configuration names, it would change nothing. */
		if (strcmp(base, PAUDE_IMAGE_DEFAULT_BASE) != 0)
			return paude_error_set(err, PAUDE_ECHILD, 0,
					       "cannot pull base image '%s': %s (%s)", base,
					       why.len ? why.buf : "unknown error",
					       !strcmp(base, paude_image_base(o))
						   ? "set PAUDE_BASE_IMAGE to an image available "
						     "locally"
						   : "check the image the configuration names, or "
						     "pull it yourself first");
		ret = paude_image__exists(r, fallback, &yes, err);
		if (ret < 0)
			return ret;
	}
	if (!yes) {
		ret = bootstrap_base(r, o, fallback, err);
		if (ret < 0)
			return ret;
	} else if (!is_fallback) {
		paude_image__notify(o, PAUDE_IMAGE_EV_FALLBACK_BASE, fallback);
	}
	*out_ref = xstrdup(fallback);
	*out_fallback = true;
	return 0;
}
