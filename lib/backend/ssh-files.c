/* SPDX-License-Identifier: MIT */
/*
 * This machine's files for the commands of an SSH runner (see run.h,
 * paude_runner_host_path). A file or directory is streamed over one exec
 * channel: a local `tar -c` (run here, with the default runner) piped into
 * `tar -x` of the remote shell, in a directory only the remote user can
 * enter, modes kept, owned by that user. Copies for one command's life go
 * to a staging directory the connection makes once (`mktemp -d` under the
 * host's $TMPDIR, else /tmp) and removes when it is freed; copies that
 * a container bind-mounts go to the session's own directory,
 * ${XDG_DATA_HOME:-$HOME/.local/share}/paude/sessions/NAME/, which stays
 * until the session is deleted. A killed paude leaves its staging
 * directory behind (paude-staging.* under the host's temporary directory).
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "ssh-internal.h"
#include "paude/core/alloc.h"
#include "paude/core/log.h"
#include "core/banned.h"

/* Exit status of the read script for a missing file. */
#define READ_MISSING 66

/* The per-session directories, as the remote shell expands them. */
#define SESSIONS_DIR "${XDG_DATA_HOME:-$HOME/.local/share}/paude/sessions"

/* A session name as a directory name: nothing the shell or a path could take apart. */
static int
check_key(const char *key, struct paude_error **err)
{
	bool ok = key && *key && *key != '.' && *key != '-' && strlen(key) <= 128;
	for (const char *p = key; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
	if (!ok)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "cannot keep files on a remote host under '%s' (not a "
				       "session name)",
				       key ? key : "");
	return 0;
}

/* `sh -c SCRIPT sh ARGS...` on the host. */
static void
remote_sh(struct paude_child *c, const char *script, const char *arg1, const char *arg2)
{
	paude_strvec_pushl(&c->args, "sh", "-c", script, "sh", NULL);
	if (arg1)
		paude_strvec_push(&c->args, arg1);
	if (arg2)
		paude_strvec_push(&c->args, arg2);
}

/* The directory the remote shell printed (the first line of out), or PAUDE_EPROTO. */
static int
printed_dir(struct paude_ssh *s, const struct paude_buf *out, char **dir, struct paude_error **err)
{
	const char *text = out->buf ? out->buf : "";
	size_t n = strcspn(text, "\n");
	if (!n || text[0] != '/')
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "'%s' gave no directory for paude's files",
				       paude_ssh_name(s));
	*dir = paude_xasprintf("%.*s", (int)n, text);
	return 0;
}

/* Run a script on the host; its first line of output into *line (if wanted). */
static int
run_script(struct paude_ssh *s, const char *script, const char *arg1, const char *arg2, char **line,
	   struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	remote_sh(&c, script, arg1, arg2);
	c.no_stdin = 1;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(1 << 16);
	int r = paude_run_output(paude_ssh_runner(s), &c, &out, err);
	if (r < 0)
		return r;
	return line ? printed_dir(s, &out, line, err) : 0;
}

static int
staging_dir(struct paude_ssh *s, const char **out, struct paude_error **err)
{
	struct paude_ssh_files *f = paude_ssh__files(s);
	if (!f->staging) {
		int r = run_script(
		    s, "umask 077; exec mktemp -d \"${TMPDIR:-/tmp}/paude-staging.XXXXXX\"", NULL,
		    NULL, &f->staging, err);
		if (r < 0)
			return paude_error_wrap(err, r, "cannot make a staging directory on '%s'",
						paude_ssh_name(s));
		paude_debug("ssh: staging directory '%s' on '%s'", f->staging, paude_ssh_name(s));
	}
	*out = f->staging;
	return 0;
}

/*
 * Stream local_path (dir/base) into the directory the script makes and
 * enters (its first output line, if it prints one, is that directory).
 */
static int
stream(struct paude_ssh *s, const char *dir, const char *base, const char *script, const char *arg1,
       const char *arg2, struct paude_buf *printed, struct paude_error **err)
{
	struct paude_runner *here = paude_runner_default();
	_cleanup_child_ struct paude_child tar = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&tar.args, "tar", "-c", "-f", "-", "-C", dir, "--", base, NULL);
	tar.no_stdin = 1;
	tar.out = -1;
	int r = paude_child_start(here, &tar, err);
	if (r < 0)
		return r;
	_cleanup_child_ struct paude_child x = PAUDE_CHILD_INIT;
	remote_sh(&x, script, arg1, arg2);
	x.in = tar.out; /* handed over: start closes our copy */
	_cleanup_buf_ struct paude_buf xerr = PAUDE_BUF_INIT_MAX(1 << 16);
	int xst = 0, tst = 0;
	r = paude_run_capture(paude_ssh_runner(s), &x, NULL, 0, printed, &xerr, &xst, err);
	int fr = paude_child_finish(here, &tar, &tst, r < 0 ? NULL : err);
	if (r < 0)
		return r;
	if (fr < 0)
		return fr;
	if (tst != 0)
		return paude_error_set(err, PAUDE_ECHILD, 0, "cannot read '%s/%s' (tar: exit %d)",
				       dir, base, tst);
	if (xst != 0)
		return paude_child_error(err, &x, xst, xerr.buf, xerr.len);
	return 0;
}

int
paude_ssh__host_path(void *ctx, const char *local_path, const char *keep_key, char **out,
		     struct paude_error **err)
{
	struct paude_ssh *s = ctx;
	int r;
	if (keep_key && (r = check_key(keep_key, err)) < 0)
		return r;
	/* The file itself, not a symbolic link to it (~/.gitconfig often is one). */
	_cleanup_free_ char *real = realpath(local_path, NULL);
	if (!real)
		return paude_error_errno(err, errno, "cannot copy '%s' to '%s'", local_path,
					 paude_ssh_name(s));
	_cleanup_free_ char *d1 = paude_xstrdup(real), *b1 = paude_xstrdup(real);
	const char *dir = dirname(d1), *base = basename(b1);
	if (!strcmp(base, "/"))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "cannot copy '/' to '%s'",
				       paude_ssh_name(s));
	_cleanup_buf_ struct paude_buf printed = PAUDE_BUF_INIT_MAX(1 << 16);
	_cleanup_free_ char *dest = NULL;
	if (keep_key) {
		r = stream(s, dir, base,
			   "umask 077; b=\"" SESSIONS_DIR "/$1\"; mkdir -p -- \"$b\" && "
			   "d=$(mktemp -d \"$b/XXXXXX\") && cd -- \"$d\" && pwd && "
			   "exec tar -x -p --no-same-owner -f -",
			   keep_key, NULL, &printed, err);
		if (r == 0)
			r = printed_dir(s, &printed, &dest, err);
	} else {
		const char *staging = NULL;
		if ((r = staging_dir(s, &staging, err)) < 0)
			return r;
		dest = paude_xasprintf("%s/%u", staging, ++paude_ssh__files(s)->n);
		r = stream(s, dir, base,
			   "umask 077; mkdir -- \"$1\" && cd -- \"$1\" && "
			   "exec tar -x -p --no-same-owner -f -",
			   dest, NULL, NULL, err);
	}
	if (r < 0)
		return paude_error_wrap(err, r, "cannot copy '%s' to '%s'", local_path,
					paude_ssh_name(s));
	*out = paude_xasprintf("%s/%s", dest, base);
	paude_debug("ssh: '%s' is '%s' on '%s'", local_path, *out, paude_ssh_name(s));
	return 0;
}

int
paude_ssh__host_drop(void *ctx, const char *host_path, struct paude_error **err)
{
	struct paude_ssh *s = ctx;
	const struct paude_ssh_files *f = paude_ssh__files(s);
	size_t n = f->staging ? strlen(f->staging) : 0;
	if (!n || strncmp(host_path, f->staging, n) != 0 || host_path[n] != '/' ||
	    strstr(host_path, "/.."))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "'%s' is not a copy staged on '%s'",
				       host_path, paude_ssh_name(s));
	/* The whole staging/N of this copy. */
	_cleanup_free_ char *top = paude_xasprintf(
	    "%.*s%.*s", (int)n, host_path, (int)strcspn(host_path + n + 1, "/") + 1, host_path + n);
	return run_script(s, "exec rm -rf -- \"$1\"", top, NULL, NULL, err);
}

int
paude_ssh__forget(void *ctx, const char *keep_key, struct paude_error **err)
{
	struct paude_ssh *s = ctx;
	int r = check_key(keep_key, err);
	if (r < 0)
		return r;
	r = run_script(s, "exec rm -rf -- \"" SESSIONS_DIR "/$1\"", keep_key, NULL, NULL, err);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot remove the files of session '%s' on '%s'",
					keep_key, paude_ssh_name(s));
	return 0;
}

int
paude_ssh__read_file(void *ctx, const char *path, struct paude_buf *out, struct paude_error **err)
{
	struct paude_ssh *s = ctx;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	remote_sh(&c, "test -f \"$1\" || exit 66; exec cat -- \"$1\"", path, NULL);
	c.no_stdin = 1;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 16);
	int status = 0;
	int r = paude_run_capture(paude_ssh_runner(s), &c, NULL, 0, out, &errout, &status, err);
	if (r < 0)
		return r;
	if (status == READ_MISSING)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT, "'%s' not found on '%s'", path,
				       paude_ssh_name(s));
	if (status != 0)
		return paude_child_error(err, &c, status, errout.buf, errout.len);
	return 0;
}

struct paude_runner *
paude_ssh__local(void *ctx)
{
	(void)ctx;
	return paude_runner_default();
}

void
paude_ssh__files_release(struct paude_ssh *s, bool connected)
{
	struct paude_ssh_files *f = paude_ssh__files(s);
	if (f->staging && connected) {
		_cleanup_error_ struct paude_error *e = NULL;
		if (run_script(s, "exec rm -rf -- \"$1\"", f->staging, NULL, NULL, &e) < 0)
			paude_debug("ssh: cannot remove '%s' on '%s': %s", f->staging,
				    paude_ssh_name(s), e->msg);
	}
	free(f->staging);
	f->staging = NULL;
}
