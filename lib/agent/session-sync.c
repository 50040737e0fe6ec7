/* SPDX-License-Identifier: MIT */
/*
 * Config streaming into a session: tar on the host, tar -x in the session,
 * so that whatever the agent writes to its config stays in the session and
 * nothing of the host is mounted into it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "paude/agent/agent-state.h"
#include "paude/core/fs.h"
#include "paude/backend/kube.h"
#include "paude/backend/podman.h"
#include "paude/agent/session-sync.h"
#include "paude/core/strvec.h"
#include "core/banned.h"

/* The host's ADC file is read whole, up to this size. */
#define ADC_MAX ((size_t)64 * 1024)

static void say(const struct paude_session_sync_opts *o, enum paude_log_level level,
		const char *fmt, ...) _printf_(3, 4);

static void
say(const struct paude_session_sync_opts *o, enum paude_log_level level, const char *fmt, ...)
{
	if (!o->say)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_buf_ struct paude_buf msg = PAUDE_BUF_INIT;
	paude_buf_vaddf(&msg, NULL, fmt, ap);
	va_end(ap);
	o->say(o->ud, level, msg.buf);
}

/* Host files under ~/.claude that belong to the host's own sessions. */
static const char *const claude_excludes[] = {
	".claude/history.jsonl",    ".claude/tasks", ".claude/todos",        ".claude/cache",
	".claude/stats-cache.json", ".claude/debug", ".claude/file-history", ".claude/projects",
	".claude/shell-snapshots",  ".claude/ide",
};

/*
 * Stream `tar -C from -c ENTRIES` into `tar -x -C dest` inside the session.
 * Copied, never mounted: whatever the agent writes to its config stays in
 * the session. tar on both ends keeps modes and lets the receiving side own
 * the files as the session user.
 */
static int
copy_in(struct paude_backend *b, const char *name, const char *from, const char *const *entries,
	size_t n, const char *const *excludes, size_t nex, const char *dest, const char *what,
	struct paude_error **err)
{
	_cleanup_child_ struct paude_child tar = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&tar.args, "tar", "-C", from, "-c", "-f", "-", NULL);
	for (size_t i = 0; i < nex; i++)
		paude_strvec_pushf(&tar.args, "--exclude=%s", excludes[i]);
	paude_strvec_push(&tar.args, "--");
	for (size_t i = 0; i < n; i++)
		paude_strvec_push(&tar.args, entries[i]);
	tar.out = -1; /* its stderr is ours: warnings reach the user as they happen */
	/* These are this machine's files, wherever the session runs. */
	struct paude_runner *here = paude_runner_local(b->runner);
	int r = paude_child_start(here, &tar, err);
	if (r < 0)
		return r;

	_cleanup_child_ struct paude_child x = PAUDE_CHILD_INIT;
	const char *const untar[] = { "tar", "-x", "-f", "-", "-C", dest, NULL };
	r = paude_backend_exec_prepare(b, name, PAUDE_EXEC_STDIN, untar, &x, err);
	if (r < 0) {
		close(tar.out);
		int st;
		paude_child_finish(here, &tar, &st, NULL);
		return r;
	}
	x.in = tar.out; /* handed over: start closes our copy */
	_cleanup_buf_ struct paude_buf xerr = PAUDE_BUF_INIT_MAX(1 << 16);
	int xst = 0, tst = 0;
	r = paude_run_capture(b->runner, &x, NULL, 0, NULL, &xerr, &xst, err);
	int fr = paude_child_finish(here, &tar, &tst, r < 0 ? NULL : err);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot copy %s into session '%s'", what, name);
	if (fr < 0)
		return fr;
	if (tst != 0)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "cannot read %s from '%s' (tar: exit %d)", what, from, tst);
	if (xst != 0) {
		paude_child_error(err, &x, xst, xerr.buf, xerr.len);
		return paude_error_wrap(err, PAUDE_ECHILD, "cannot copy %s into session '%s'", what,
					name);
	}
	return 0;
}

static int
run_in_session(struct paude_backend *b, const char *name, const char *const *argv,
	       struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	int r = paude_backend_exec_prepare(b, name, 0, argv, &c, err);
	if (r < 0)
		return r;
	return paude_run_output(b->runner, &c, NULL, err);
}

static void
closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static bool
on_cluster(struct paude_backend *b)
{
	return paude_backend_is(b, PAUDE_LOCATION_CLUSTER);
}

/*
 * Plugin metadata names host paths ($HOME/.claude/plugins/...): copy those
 * JSON files again with the session's home in their place. Only regular
 * files inside ~/.claude are read: every step is opened with O_NOFOLLOW,
 * so a symlink (to a host file that happens to name the home directory)
 * is never read through; tar copied it as the symlink it is.
 */
static int
rewrite_plugin_paths(struct paude_backend *b, const char *name,
		     const struct paude_session_sync_opts *o, struct paude_error **err)
{
	const char *home = o->home;
	_cleanup_free_ char *plugins = paude_path_join(home, ".claude/plugins");
	_cleanup_close_ int home_fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int claude_fd =
	    home_fd < 0
		? -1
		: openat(home_fd, ".claude", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int plugins_fd = claude_fd < 0 ? -1
				       : openat(claude_fd, "plugins",
						O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (plugins_fd < 0)
		return 0;
	/* fdopendir owns plugins_fd from here on. */
	_cleanup_(closedirp) DIR *d = fdopendir(plugins_fd);
	if (!d) {
		close(plugins_fd);
		return 0;
	}
	_cleanup_free_ char *old = paude_path_join(home, ".claude");
	const char *new = PAUDE_AGENT_HOME "/.claude";
	char stage[] = "/tmp/paude-plugins-XXXXXX";
	_cleanup_strvec_ struct paude_strvec entries = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec written = PAUDE_STRVEC_INIT;
	bool staged = false;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		_cleanup_close_ int fd =
		    openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 && errno == ELOOP) {
			say(o, PAUDE_LOG_WARN,
			    "not reading '%s/%s': it is a symlink (copied into the session as a "
			    "symlink; paude never reads through one)",
			    plugins, de->d_name);
			continue;
		}
		struct stat st;
		_cleanup_buf_ struct paude_buf in = PAUDE_BUF_INIT_MAX(8u << 20);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    paude_buf_read_fd(&in, fd, NULL) < 0 || !strstr(in.buf, old))
			continue;
		_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
		for (const char *p = in.buf, *q; *p; p = q + strlen(old)) {
			if (!(q = strstr(p, old))) {
				paude_buf_addstr(&out, p, NULL);
				break;
			}
			paude_buf_add(&out, p, (size_t)(q - p), NULL);
			paude_buf_addstr(&out, new, NULL);
		}
		if (!staged) {
			if (!mkdtemp(stage))
				return paude_error_errno(err, errno, "cannot create '%s'", stage);
			staged = true;
			_cleanup_free_ char *sub = paude_path_join(stage, ".claude/plugins");
			if ((r = paude_mkdir_p(sub, 0700, err)) < 0)
				break;
		}
		_cleanup_free_ char *rel = paude_path_join(".claude/plugins", de->d_name);
		_cleanup_free_ char *dst = paude_path_join(stage, rel);
		r = paude_write_file(dst, out.buf, out.len, 0600, err);
		paude_strvec_push(&entries, rel);
		paude_strvec_push(&written, dst);
	}
	if (r == 0 && entries.nr)
		r = copy_in(b, name, stage, (const char *const *)entries.v, entries.nr, NULL, 0,
			    PAUDE_AGENT_HOME, "plugin settings", err);
	if (staged) {
		for (size_t i = 0; i < written.nr; i++)
			unlink(written.v[i]);
		_cleanup_free_ char *sub = paude_path_join(stage, ".claude/plugins");
		rmdir(sub);
		_cleanup_free_ char *sub2 = paude_path_join(stage, ".claude");
		rmdir(sub2);
		rmdir(stage);
	}
	return r;
}

int
paude_session_sync_credentials(struct paude_backend *b, const struct paude_session *s,
			       const struct paude_session_sync_opts *o, struct paude_error **err)
{
	const char *name = s->name;
	/* Podman: the gateway in the sidecar gets the ADC file, read here by
	 * its owner (the proxy's user could not read it through a mount). */
	if (!on_cluster(b)) {
		if (!s->gateway || strcmp(s->gateway, "vertex") != 0 ||
		    !b->ops->gateway_credentials)
			return 0;
		_cleanup_buf_ struct paude_buf data = PAUDE_BUF_INIT_MAX(ADC_MAX);
		int r = o->read_adc(o->ud, &data, err);
		if (r < 0)
			return r;
		r = b->ops->gateway_credentials(b, name, data.buf, data.len, err);
		explicit_bzero(data.buf, data.len);
		if (r < 0)
			return paude_error_wrap(err, r,
						"cannot give the credentials to the gateway of "
						"session '%s'",
						name);
		return 0;
	}
	/* A cluster session with a gateway: its proxy pod has them (a Secret). */
	if (s->gateway)
		return 0;
	_cleanup_free_ char *config = paude_path_join(o->home, ".config");
	_cleanup_free_ char *gcloud = paude_path_join(config, "gcloud");
	if (!paude_is_dir(gcloud)) {
		say(o, PAUDE_LOG_VERBOSE, "no ~/.config/gcloud to copy");
		return 0;
	}
	/* Into the memory-backed volume: never on the session's disk. */
	const char *const entries[] = { "gcloud" };
	static const char *const excludes[] = { "gcloud/logs" };
	int r = copy_in(b, name, config, entries, 1, excludes, ARRAY_SIZE(excludes),
			PAUDE_KUBE_CREDENTIALS_DIR, "gcloud credentials", err);
	if (r < 0)
		return r;
	/*
	 * CLOUDSDK_CONFIG (set in the pod) serves gcloud and Python; Node's
	 * Google auth library only looks in ~/.config/gcloud: a link there.
	 */
	const char *const link[] = {
		"sh", "-c",
		"mkdir -p \"$HOME/.config\" && ln -sfn " PAUDE_KUBE_CREDENTIALS_DIR
		"/gcloud \"$HOME/.config/gcloud\"",
		NULL
	};
	r = run_in_session(b, name, link, err);
	if (r < 0)
		return paude_error_wrap(err, r,
					"cannot link the gcloud credentials in session '%s'", name);
	return 0;
}

int
paude_session_sync_config(struct paude_backend *b, const struct paude_session *s,
			  const struct paude_session_sync_opts *o, struct paude_error **err)
{
	const char *name = s->name;
	const char *home = o->home;
	static const struct {
		const char *rel;
		bool dir, cluster_only; /* podman mounts these read-only instead */
	} files[] = {
		{ ".claude", true, false },
		{ ".claude.json", false, false },
		{ ".gitconfig", false, true },
		{ ".config/git/ignore", false, true },
	};
	const char *entries[ARRAY_SIZE(files)];
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (files[i].cluster_only && !on_cluster(b))
			continue;
		_cleanup_free_ char *p = paude_path_join(home, files[i].rel);
		if (files[i].dir ? paude_is_dir(p) : paude_is_file(p))
			entries[n++] = files[i].rel;
	}
	int r = paude_session_sync_credentials(b, s, o, err);
	if (r < 0)
		return r;
	if (n == 0) {
		say(o, PAUDE_LOG_VERBOSE, "no Claude or git config to copy");
		return 0;
	}
	/* With a model provider behind the gateway, a claude.ai login's token
	 * has no business in the session either. */
	const char *excludes[ARRAY_SIZE(claude_excludes) + 1];
	size_t nx = 0;
	for (; nx < ARRAY_SIZE(claude_excludes); nx++)
		excludes[nx] = claude_excludes[nx];
	if (s->gateway && strcmp(s->gateway, "none") != 0)
		excludes[nx++] = PAUDE_CLAUDE_LOGIN_FILE;
	r = copy_in(b, name, home, entries, n, excludes, nx, PAUDE_AGENT_HOME, "Claude config",
		    err);
	if (r < 0)
		return r;
	return rewrite_plugin_paths(b, name, o, err);
}
