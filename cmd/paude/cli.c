/* SPDX-License-Identifier: MIT */
/*
 * What the commands share: the common options, finding the session a
 * command is about, and getting the user's terminal into the agent's tmux.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdarg.h>
#include "cli.h"
#include "session-setup.h"
#include "setup-run.h"
#include "paude/agent-proc.h"
#include "paude/detach-keys.h"
#include "paude/fs.h"
#include "paude/index.h"
#include "paude/kube.h"
#include "paude/log.h"
#include "paude/podman.h"
#include "paude/signal.h"
#include "paude/term-filter.h"
#include "paude/suggest.h"
#include "paude/workspace.h"

void
paude_cli_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

int
paude_cli_usage_error(struct paude_error **err, const char *verb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (verb)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "%s (try 'paude %s --help')", msg,
				       verb);
	return paude_error_set(err, PAUDE_EUSAGE, 0, "%s (try 'paude --help')", msg);
}

/* The long options of the last paude_cli_getopt_long call, for suggestions. */
static const struct option *last_longopts;

int
paude_cli_getopt_long(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	int idx = -1;
	last_longopts = longopts;
	int opt = getopt_long(argc, argv, shortopts, longopts, &idx);
	if (opt == -1 || opt == '?' || opt == ':' || idx < 0)
		return opt;
	/*
	 * getopt_long takes any unambiguous prefix (--conf for --confirm);
	 * paude takes names in full, as podman does: a typo must never
	 * become a destructive option.
	 */
	bool separate = longopts[idx].has_arg != no_argument && optarg && optind >= 2 &&
			optarg == argv[optind - 1];
	const char *tok = argv[optind - (separate ? 2 : 1)];
	size_t n = strcspn(tok, "=");
	if (!strncmp(tok, "--", 2) && (n - 2 != strlen(longopts[idx].name) ||
				       strncmp(tok + 2, longopts[idx].name, n - 2) != 0)) {
		if (separate)
			optind--;
		optopt = 0;
		return '?';
	}
	return opt;
}

void
paude_cli_add_suggestions(struct paude_buf *msg, const struct paude_strvec *s, const char *prefix)
{
	if (s->nr == 0)
		return;
	paude_buf_addstr(msg, s->nr == 1 ? " (did you mean " : " (did you mean one of ", NULL);
	for (size_t i = 0; i < s->nr; i++)
		paude_buf_addf(msg, NULL, "%s'%s%s'",
			       i == 0           ? ""
			       : i + 1 == s->nr ? " or "
						: ", ",
			       prefix, s->v[i]);
	paude_buf_addstr(msg, "?)", NULL);
}

int
paude_cli_bad_option(struct paude_error **err, const char *verb, char **argv, const char *optstring)
{
	const char *arg = argv[optind - 1] ? argv[optind - 1] : "";
	if (!strncmp(arg, "--", 2)) {
		size_t n = strcspn(arg, "=");
		_cleanup_free_ char *typed = strndup(arg + 2, n - 2);
		if (!typed)
			abort();
		_cleanup_strvec_ struct paude_strvec names = PAUDE_STRVEC_INIT;
		bool known = false;
		for (const struct option *o = last_longopts; o && o->name; o++) {
			paude_strvec_push(&names, o->name);
			known |= !strcmp(o->name, typed);
		}
		if (known && arg[n] == '=')
			return paude_cli_usage_error(err, verb, "option '%.*s' takes no value",
						     (int)n, arg);
		if (known || (optopt && !last_longopts))
			return paude_cli_usage_error(err, verb, "option '%.*s' needs a value",
						     (int)n, arg);
		_cleanup_strvec_ struct paude_strvec best = PAUDE_STRVEC_INIT;
		paude_suggest(&best, typed, (const char *const *)names.v, names.nr);
		_cleanup_buf_ struct paude_buf hint = PAUDE_BUF_INIT;
		paude_cli_add_suggestions(&hint, &best, "--");
		return paude_cli_usage_error(err, verb, "unknown option '%.*s'%s", (int)n, arg,
					     hint.len ? hint.buf : "");
	}
	const char *p = optopt > 0 && optopt < 0x100 ? strchr(optstring, optopt) : NULL;
	if (p && p[1] == ':')
		return paude_cli_usage_error(err, verb, "option '-%c' needs a value", optopt);
	return paude_cli_usage_error(err, verb, "unknown option '-%c'", optopt ? optopt : '?');
}

int
paude_cli_common_opt(int opt, const char *usage, struct paude_cmd_ctx *ctx, bool *help_done,
		     struct paude_error **err)
{
	switch (opt) {
	case CLI_OPT_HELP:
		(void)fputs(usage, stdout);
		*help_done = true;
		return 1;
	case CLI_OPT_VERBOSE:
		if (paude_log_get_level() < PAUDE_LOG_TRACE)
			paude_log_set_level(paude_log_get_level() + 1);
		return 1;
	case CLI_OPT_QUIET:
		paude_log_set_level(PAUDE_LOG_WARN);
		return 1;
	case CLI_OPT_BACKEND:
		if (!strcmp(optarg, "podman")) {
			ctx->backend = "podman";
			return 1;
		}
		/* One backend for both: it drives oc, or kubectl without it. */
		if (!strcmp(optarg, "openshift") || !strcmp(optarg, "kubernetes")) {
			ctx->backend = "openshift";
			return 1;
		}
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "unknown backend '%s' (use: --backend=podman, openshift or "
				       "kubernetes)",
				       optarg);
	case CLI_OPT_KUBE_CONTEXT:
	case CLI_OPT_KUBE_NAMESPACE:
		if (opt == CLI_OPT_KUBE_CONTEXT)
			ctx->kube_context = optarg;
		else
			ctx->kube_namespace = optarg;
		if (ctx->backend && strcmp(ctx->backend, "openshift") != 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "--openshift-context and --openshift-namespace need "
					       "--backend=openshift");
		ctx->backend = "openshift";
		return 1;
	default:
		return 0;
	}
}

int
paude_cli_getopt(const struct paude_cli_opts *o, int argc, char **argv, struct paude_cmd_ctx *ctx,
		 struct paude_error **err)
{
	bool help = false;
	for (;;) {
		int opt = paude_cli_getopt_long(argc, argv, o->shortopts, o->longopts);
		if (opt == -1)
			return CLI_END;
		if (opt == '?' || opt == ':')
			return paude_cli_bad_option(err, o->verb, argv, o->shortopts);
		int r = paude_cli_common_opt(opt, o->usage, ctx, &help, err);
		if (r < 0)
			return r;
		if (help)
			return CLI_HELP_DONE;
		if (r == 0)
			return opt;
	}
}

int
paude_cli_parse_name(const struct paude_cli_opts *o, int argc, char **argv,
		     struct paude_cmd_ctx *ctx, const char **name, struct paude_error **err)
{
	paude_cli_getopt_reset();
	int opt = paude_cli_getopt(o, argc, argv, ctx, err);
	if (opt == CLI_HELP_DONE || opt < 0)
		return opt;
	if (opt != CLI_END)
		return paude_cli_bad_option(err, o->verb, argv, o->shortopts);
	if (argc - optind > 1)
		return paude_cli_usage_error(err, o->verb, "too many arguments");
	*name = optind < argc ? argv[optind] : NULL;
	return 0;
}

int
paude_cli_open_backend(struct paude_cmd_ctx *ctx, struct paude_backend **out,
		       struct paude_error **err)
{
	if (ctx->backend && !strcmp(ctx->backend, "openshift")) {
		const struct paude_kube_opts o = {
			.context = ctx->kube_context,
			.namespace = ctx->kube_namespace,
		};
		return paude_kube_open(out, ctx->runner, &o, err);
	}
	return paude_backend_open(out, ctx->backend ? ctx->backend : "podman", ctx->runner, err);
}

static int
open_kube_at(struct paude_cmd_ctx *ctx, const char *context, const char *ns,
	     struct paude_backend **out, struct paude_error **err)
{
	const struct paude_kube_opts o = { .context = context, .namespace = ns };
	return paude_kube_open(out, ctx->runner, &o, err);
}

int
paude_cli_open_session_backend(struct paude_cmd_ctx *ctx, const struct paude_session *s,
			       struct paude_backend **out, struct paude_error **err)
{
	if (!s->backend || strcmp(s->backend, "openshift") != 0 || !s->location)
		return paude_cli_open_backend(ctx, out, err);
	/* location is "[CONTEXT/]NAMESPACE"; a namespace has no '/'. */
	const char *slash = strrchr(s->location, '/');
	if (!slash)
		return open_kube_at(ctx, NULL, s->location, out, err);
	_cleanup_free_ char *context = strndup(s->location, (size_t)(slash - s->location));
	if (!context)
		abort();
	return open_kube_at(ctx, context, slash + 1, out, err);
}

static bool
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int
paude_cli_collect_sessions(struct paude_cmd_ctx *ctx, struct paude_session_list *out,
			   struct paude_error **err)
{
	int r;
	if (ctx->backend) {
		_cleanup_backend_ struct paude_backend *b = NULL;
		if ((r = paude_cli_open_backend(ctx, &b, err)) < 0)
			return r;
		return paude_backend_list(b, out, err);
	}
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	_cleanup_error_ struct paude_error *ierr = NULL;
	if (paude_index_load(&ix, &ierr) < 0)
		paude_warn("%s", ierr->msg);
	size_t answered = 0;

	_cleanup_(paude_session_list_release) struct paude_session_list all = { 0 };
	_cleanup_error_ struct paude_error *perr = NULL;
	_cleanup_backend_ struct paude_backend *pb = NULL;
	r = paude_backend_open(&pb, "podman", ctx->runner, &perr);
	if (r == 0)
		r = paude_backend_list(pb, &all, &perr);
	if (r == 0)
		answered++;
	int podman_r = r;

	for (size_t i = 0; i < ix.nr; i++) {
		const struct paude_index_entry *e = &ix.v[i];
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			if (same_str(ix.v[j].context, e->context) &&
			    same_str(ix.v[j].namespace, e->namespace))
				seen = true;
		if (seen || strcmp(e->backend, "openshift") != 0)
			continue;
		_cleanup_backend_ struct paude_backend *kb = NULL;
		_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
		_cleanup_error_ struct paude_error *kerr = NULL;
		if (open_kube_at(ctx, e->context, e->namespace, &kb, &kerr) < 0 ||
		    paude_backend_list(kb, &l, &kerr) < 0) {
			paude_warn("cannot list the sessions in namespace '%s'%s%s%s: %s",
				   e->namespace, e->context ? " (context '" : "",
				   e->context ? e->context : "", e->context ? "')" : "",
				   kerr ? kerr->msg : "unknown error");
			continue;
		}
		answered++;
		paude_session_list_take_all(&all, &l);
	}
	if (podman_r < 0) {
		if (answered == 0) {
			*err = TAKE_PTR(perr);
			return podman_r;
		}
		paude_warn("cannot list the podman sessions: %s", perr->msg);
	}
	paude_session_list_sort(&all);
	paude_session_list_take_all(out, &all);
	return 0;
}

/* A named session found nowhere: a stale index entry deserves its own words. */
static int
find_named(struct paude_cmd_ctx *ctx, const char *name, struct paude_backend **b,
	   struct paude_session *out, struct paude_error **err)
{
	_cleanup_backend_ struct paude_backend *pb = NULL;
	_cleanup_error_ struct paude_error *perr = NULL;
	int r = paude_backend_open(&pb, "podman", ctx->runner, &perr);
	if (r == 0)
		r = paude_backend_get(pb, name, out, &perr);
	if (r == 0) {
		*b = TAKE_PTR(pb);
		return 0;
	}
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	_cleanup_error_ struct paude_error *ierr = NULL;
	if (paude_index_load(&ix, &ierr) < 0)
		paude_warn("%s", ierr->msg);
	const struct paude_index_entry *e = paude_index_find(&ix, name);
	if (!e || strcmp(e->backend, "openshift") != 0) {
		*err = TAKE_PTR(perr);
		return r;
	}
	_cleanup_backend_ struct paude_backend *kb = NULL;
	if ((r = open_kube_at(ctx, e->context, e->namespace, &kb, err)) < 0)
		return r;
	_cleanup_error_ struct paude_error *kerr = NULL;
	r = paude_backend_get(kb, name, out, &kerr);
	if (r == PAUDE_ENOTFOUND)
		return paude_error_set(
		    err, PAUDE_ENOTFOUND, 0,
		    "session '%s' is recorded in namespace '%s' but is gone from "
		    "the cluster (forget it with: paude delete %s --confirm)",
		    name, e->namespace, name);
	if (r < 0) {
		*err = TAKE_PTR(kerr);
		return r;
	}
	*b = TAKE_PTR(kb);
	return 0;
}

static bool
same_or_inside(const char *dir, const char *workspace)
{
	size_t n = strlen(workspace);
	return workspace[0] && !strncmp(dir, workspace, n) && (dir[n] == '\0' || dir[n] == '/');
}

int
paude_cli_resolve_session(struct paude_cmd_ctx *ctx, const char *name_or_null,
			  struct paude_backend **b, struct paude_session *out,
			  struct paude_error **err)
{
	_cleanup_backend_ struct paude_backend *be = NULL;
	int r;
	if (name_or_null) {
		if ((r = paude_session_name_validate(name_or_null, err)) < 0)
			return r;
		if (!ctx->backend)
			return find_named(ctx, name_or_null, b, out, err);
		if ((r = paude_cli_open_backend(ctx, &be, err)) < 0)
			return r;
		if ((r = paude_backend_get(be, name_or_null, out, err)) < 0)
			return r;
		*b = TAKE_PTR(be);
		return 0;
	}

	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	if ((r = paude_cli_collect_sessions(ctx, &l, err)) < 0)
		return r;
	if (l.nr == 0)
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "there are no sessions (create one with: paude create)");
	_cleanup_free_ char *cwd = realpath(".", NULL);
	size_t match = l.nr, nmatch = 0, best_len = 0;
	for (size_t i = 0; cwd && i < l.nr; i++) {
		const char *ws = l.v[i].workspace;
		if (!ws || !same_or_inside(cwd, ws))
			continue;
		/* The innermost workspace wins; equal ones are ambiguous. */
		size_t len = strlen(ws);
		if (len > best_len) {
			best_len = len;
			match = i;
			nmatch = 1;
		} else if (len == best_len) {
			nmatch++;
		}
	}
	if (nmatch == 0 && l.nr == 1) {
		match = 0;
		nmatch = 1;
	}
	if (nmatch != 1) {
		_cleanup_buf_ struct paude_buf names = PAUDE_BUF_INIT;
		for (size_t i = 0; i < l.nr; i++) {
			if (nmatch > 1 &&
			    !(l.v[i].workspace && strlen(l.v[i].workspace) == best_len &&
			      same_or_inside(cwd, l.v[i].workspace)))
				continue;
			paude_buf_addf(&names, NULL, "%s%s", names.len ? ", " : "", l.v[i].name);
		}
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "several sessions could be meant: %s (name one of them)",
				       names.buf);
	}
	if ((r = paude_cli_open_session_backend(ctx, &l.v[match], &be, err)) < 0)
		return r;
	paude_session_release(out);
	*out = l.v[match];
	paude_session_init(&l.v[match]);
	*b = TAKE_PTR(be);
	return 0;
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
	_cleanup_child_ struct paude_child tar;
	paude_child_init(&tar);
	paude_strvec_pushl(&tar.args, "tar", "-C", from, "-c", "-f", "-", NULL);
	for (size_t i = 0; i < nex; i++)
		paude_strvec_pushf(&tar.args, "--exclude=%s", excludes[i]);
	paude_strvec_push(&tar.args, "--");
	for (size_t i = 0; i < n; i++)
		paude_strvec_push(&tar.args, entries[i]);
	tar.out = -1; /* its stderr is ours: warnings reach the user as they happen */
	int r = paude_child_start(b->runner, &tar, err);
	if (r < 0)
		return r;

	_cleanup_child_ struct paude_child x;
	paude_child_init(&x);
	const char *const untar[] = { "tar", "-x", "-f", "-", "-C", dest, NULL };
	r = paude_backend_exec_prepare(b, name, PAUDE_EXEC_STDIN, untar, &x, err);
	if (r < 0) {
		close(tar.out);
		int st;
		paude_child_finish(b->runner, &tar, &st, NULL);
		return r;
	}
	x.in = tar.out; /* handed over: start closes our copy */
	_cleanup_buf_ struct paude_buf xerr = PAUDE_BUF_INIT_MAX(1 << 16);
	int xst = 0, tst = 0;
	r = paude_run_capture(b->runner, &x, NULL, 0, NULL, &xerr, &xst, err);
	int fr = paude_child_finish(b->runner, &tar, &tst, r < 0 ? NULL : err);
	if (r < 0)
		return paude_error_wrap(err, "cannot copy %s into session '%s'", what, name);
	if (fr < 0)
		return fr;
	if (tst != 0)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "cannot read %s from '%s' (tar: exit %d)", what, from, tst);
	if (xst != 0) {
		paude_child_error(err, &x, xst, xerr.buf, xerr.len);
		return paude_error_wrap(err, "cannot copy %s into session '%s'", what, name);
	}
	return 0;
}

static int run_in_session(struct paude_backend *b, const char *name, const char *const *argv,
			  struct paude_error **err);

static void
closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static bool
on_cluster(struct paude_backend *b)
{
	return b->ops == &paude_backend_kube;
}

/*
 * Plugin metadata names host paths ($HOME/.claude/plugins/...): copy those
 * JSON files again with the session's home in their place. Only regular
 * files inside ~/.claude are read: every step is opened with O_NOFOLLOW,
 * so a symlink (to a host file that happens to name the home directory)
 * is never read through; tar copied it as the symlink it is.
 */
static int
rewrite_plugin_paths(struct paude_backend *b, const char *name, struct paude_error **err)
{
	const char *home = paude_home_dir();
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
			paude_warn("not reading '%s/%s': it is a symlink (copied into the session "
				   "as a symlink; paude never reads through one)",
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
paude_cli_sync_credentials(struct paude_backend *b, const struct paude_session *s,
			   struct paude_error **err)
{
	const char *name = s->name;
	/* Podman: the gateway in the sidecar gets the ADC file, read here by
	 * its owner (the proxy's user could not read it through a mount). */
	if (!on_cluster(b)) {
		if (!s->gateway || strcmp(s->gateway, "vertex") != 0 ||
		    !b->ops->gateway_credentials)
			return 0;
		_cleanup_free_ char *adc = paude_setup_adc_path();
		_cleanup_buf_ struct paude_buf data = PAUDE_BUF_INIT_MAX(PAUDE_SETUP_ADC_MAX);
		int r = paude_setup_read_adc(adc, &data, err);
		if (r < 0)
			return r;
		r = b->ops->gateway_credentials(b, name, data.buf, data.len, err);
		explicit_bzero(data.buf, data.len);
		if (r < 0)
			return paude_error_wrap(err,
						"cannot give the credentials to the gateway of "
						"session '%s'",
						name);
		return 0;
	}
	/* A cluster session with a gateway: its proxy pod has them (a Secret). */
	if (s->gateway)
		return 0;
	const char *home = paude_home_dir();
	_cleanup_free_ char *config = paude_path_join(home, ".config");
	_cleanup_free_ char *gcloud = paude_path_join(config, "gcloud");
	if (!paude_is_dir(gcloud)) {
		paude_verbose("no ~/.config/gcloud to copy");
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
		return paude_error_wrap(err, "cannot link the gcloud credentials in session '%s'",
					name);
	return 0;
}

int
paude_cli_sync_config(struct paude_backend *b, const struct paude_session *s,
		      struct paude_error **err)
{
	const char *name = s->name;
	const char *home = paude_home_dir();
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
	int r = paude_cli_sync_credentials(b, s, err);
	if (r < 0)
		return r;
	if (n == 0) {
		paude_verbose("no Claude or git config to copy");
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
	return rewrite_plugin_paths(b, name, err);
}

static int
run_in_session(struct paude_backend *b, const char *name, const char *const *argv,
	       struct paude_error **err)
{
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	int r = paude_backend_exec_prepare(b, name, 0, argv, &c, err);
	if (r < 0)
		return r;
	return paude_run_output(b->runner, &c, NULL, err);
}

int
paude_cli_launch_agent(struct paude_backend *b, const struct paude_session *s,
		       struct paude_error **err)
{
	/* remoteEnv: tmux, started by this launch, hands it on to the agent. */
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	int r = paude_cli_remote_env_prefix(b, s, &argv, err);
	if (r < 0)
		return r;
	paude_strvec_pushl(&argv, "paude-session", "launch", NULL);
	r = run_in_session(b, s->name, (const char *const *)argv.v, err);
	if (r < 0)
		return paude_error_wrap(err, "cannot launch the agent in session '%s'", s->name);
	return 0;
}

bool
paude_cli_lacks_provider(struct paude_backend *b, const struct paude_session *s)
{
	if (!s->gateway || strcmp(s->gateway, "none") != 0 || paude_setup_host_login())
		return false;
	/* A login made inside the session (paude connect, then /login) counts. */
	const char *const argv[] = { "test", "-s", PAUDE_AGENT_HOME "/" PAUDE_CLAUDE_LOGIN_FILE,
				     NULL };
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	_cleanup_error_ struct paude_error *e = NULL;
	int status = 0;
	if (paude_backend_exec_prepare(b, s->name, 0, argv, &c, &e) < 0)
		return false;
	c.no_stdout = 1;
	c.no_stderr = 1;
	if (paude_run_capture(b->runner, &c, NULL, 0, NULL, NULL, &status, &e) < 0)
		return false;
	return status == 1;
}

static volatile sig_atomic_t window_changed;

static void
on_winch(int sig)
{
	(void)sig;
	window_changed = 1;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The session's tmux detaches the client on its prefix, then d. */
#define TMUX_DETACH "\002d"
/* How long a detach through --detach-keys may take before the attach is cut. */
#define DETACH_GRACE_MS 3000

/*
 * Copy between the user's terminal (raw) and the pty master the child runs
 * on, until the child lets go of the pty: keys go in as they are (but for
 * the --detach-keys sequence, which asks the session's tmux to detach this
 * client), and what the session draws comes out through the terminal
 * filter. A window size change is passed on to the pty and to the child.
 * Returns true when the detach keys were typed and the tmux client did not
 * let go in time.
 */
static bool
relay(int master, pid_t child, struct paude_detach_keys *keys)
{
	struct paude_term_filter filter;
	paude_term_filter_init(&filter);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf in = PAUDE_BUF_INIT;
	char buf[16384];
	bool in_open = true;
	struct timespec deadline = { 0 };
	while (!paude_signal_pending()) {
		if (window_changed) {
			window_changed = 0;
			struct winsize ws;
			if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
				(void)ioctl(master, TIOCSWINSZ, &ws);
				/* The pty is not its controlling terminal: tell it. */
				(void)kill(child, SIGWINCH);
			}
		}
		int timeout = -1;
		if (deadline.tv_sec) {
			struct timespec now;
			(void)clock_gettime(CLOCK_MONOTONIC, &now);
			long long ms = (deadline.tv_sec - now.tv_sec) * 1000LL +
				       (deadline.tv_nsec - now.tv_nsec) / 1000000;
			if (ms <= 0)
				return true;
			timeout = (int)ms;
		}
		struct pollfd p[2] = { { .fd = master, .events = POLLIN },
				       { .fd = STDIN_FILENO, .events = POLLIN } };
		if (poll(p, in_open ? 2 : 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (in_open && p[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			paude_buf_reset(&in);
			if (n <= 0) {
				in_open = false;
			} else if (paude_detach_keys_feed(keys, buf, (size_t)n, &in)) {
				/* Typed keys stop here; the session's tmux lets go of us. */
				if (write_all(master, in.buf, in.len) < 0 ||
				    write_all(master, TMUX_DETACH, strlen(TMUX_DETACH)) < 0)
					return true;
				in_open = false;
				(void)clock_gettime(CLOCK_MONOTONIC, &deadline);
				deadline.tv_sec += DETACH_GRACE_MS / 1000;
			} else if (in.len && write_all(master, in.buf, in.len) < 0) {
				return false;
			}
		}
		if (p[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return false; /* EIO: the child and all it started let go of the pty
					       */
			paude_buf_reset(&out);
			paude_term_filter_feed(&filter, &out, buf, (size_t)n);
			if (write_all(STDOUT_FILENO, out.buf, out.len) < 0)
				return false;
		}
	}
	return false;
}

void
paude_cli_detach_hint(const struct paude_cli_attach_opts *o, const char *name,
		      struct paude_buf *out)
{
	const char *tmux = getenv("TMUX");
	bool in_tmux = tmux && *tmux;
	if (o && o->keys_spec && *o->keys_spec)
		paude_buf_addf(out, NULL, "Detach from '%s' with %s (--detach-keys)%s", name,
			       o->keys_spec, in_tmux ? "" : " or Ctrl-b d");
	else if (in_tmux)
		paude_buf_addf(out, NULL,
			       "Inside tmux, Ctrl-b d detaches your own tmux: detach from '%s' "
			       "with Ctrl-b Ctrl-b d (your prefix twice, then d), or attach with "
			       "--detach-keys ctrl-q (paude connect --detach-keys ctrl-q %s)",
			       name, name);
}

/*
 * The session gets a terminal of paude's (a pty pair), never the user's:
 * the agent owns the session's end of the terminal (podman exec --tty makes
 * it the session user's) and can write anything to it, so everything it
 * draws passes the terminal filter (term-filter.h) on its way to the user.
 */
int
paude_cli_attach(struct paude_backend *b, const char *name, const struct paude_cli_attach_opts *o,
		 struct paude_error **err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "cannot attach to session '%s' without a terminal (run "
				       "'paude connect %s' from a terminal)",
				       name, name);
	struct paude_detach_keys keys = { 0 };
	if (o)
		keys = o->keys;
	_cleanup_buf_ struct paude_buf hint = PAUDE_BUF_INIT;
	paude_cli_detach_hint(o, name, &hint);
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	if (hint.len) {
		paude_info("%s", hint.buf);
		/* Also on the session's status line, where it stays in view. */
		paude_strvec_push(&argv, "env");
		paude_strvec_pushf(&argv, "PAUDE_DETACH_HINT=%s", hint.buf);
	}
	paude_strvec_pushl(&argv, "paude-session", "attach", NULL);
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	int r = paude_backend_exec_prepare(b, name, PAUDE_EXEC_STDIN | PAUDE_EXEC_TTY,
					   (const char *const *)argv.v, &c, err);
	if (r < 0)
		return r;
	struct termios saved;
	struct winsize ws;
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return paude_error_errno(err, errno, "cannot read the terminal's settings");
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		memset(&ws, 0, sizeof(ws));
	int master = -1, slave = -1;
	if (openpty(&master, &slave, NULL, &saved, &ws) < 0)
		return paude_error_errno(err, errno, "cannot open a terminal for the session");
	(void)fcntl(master, F_SETFD, FD_CLOEXEC);
	_cleanup_close_ int master_fd = master;
	c.in = c.out = c.err = slave; /* start closes it */
	if ((r = paude_child_start(b->runner, &c, err)) < 0)
		return r;
	struct sigaction sa = { .sa_handler = on_winch }, old_sa;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGWINCH, &sa, &old_sa);
	window_changed = 0;
	struct termios raw = saved;
	cfmakeraw(&raw);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	bool cut = relay(master_fd, c.pid, &keys);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	(void)sigaction(SIGWINCH, &old_sa, NULL);
	close(TAKE_FD(master_fd));
	/* Interrupted (SIGTERM, SIGHUP), or detached by keys the session's
	 * tmux did not act on: the attach ends with us; the agent goes on. */
	if (paude_signal_pending() || cut)
		(void)kill(c.pid, SIGHUP);
	int status = 0;
	if ((r = paude_child_finish(b->runner, &c, &status, err)) < 0)
		return r;
	if (status != 0 && !cut)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "attaching to session '%s' failed (exit %d)", name, status);
	return 0;
}

void
paude_cli_hint_empty_workspace(struct paude_backend *b, const char *name)
{
	enum paude_workspace_state st = PAUDE_WORKSPACE_NO_REPO;
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_workspace_probe(b, name, &st, &err) < 0) {
		paude_debug("cannot look into the workspace of '%s': %s", name, err->msg);
		return;
	}
	if (st != PAUDE_WORKSPACE_HAS_COMMITS)
		paude_info("The workspace of '%s' has no code yet. From your repository, push it "
			   "with: paude remote add --push %s",
			   name, name);
}

const char *
paude_cli_age(const char *rfc3339, char *buf, size_t n)
{
	struct tm tm = { 0 };
	if (!rfc3339 || !strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		(void)snprintf(buf, n, "-");
		return buf;
	}
	time_t then = timegm(&tm), now = time(NULL);
	long d = (long)difftime(now, then);
	if (d < 0)
		d = 0;
	if (d < 60)
		(void)snprintf(buf, n, "just now");
	else if (d < 3600)
		(void)snprintf(buf, n, "%ld minute%s ago", d / 60, d / 60 == 1 ? "" : "s");
	else if (d < 86400)
		(void)snprintf(buf, n, "%ld hour%s ago", d / 3600, d / 3600 == 1 ? "" : "s");
	else
		(void)snprintf(buf, n, "%ld day%s ago", d / 86400, d / 86400 == 1 ? "" : "s");
	return buf;
}

/* paude-session status: "running" (0), "exited N" or "exited signal N" (1),
 * "not-running" (3). */
static void
read_agent_status(struct paude_session *s, const char *out, int status)
{
	int n = 0;
	if (status == 0 && !strncmp(out, "running", 7)) {
		s->agent_state = PAUDE_AGENT_RUNNING;
	} else if (status == 1 && sscanf(out, "exited signal %d", &n) == 1) {
		s->agent_state = PAUDE_AGENT_EXITED;
		s->agent_exit = 128 + n;
	} else if (status == 1 && sscanf(out, "exited %d", &n) == 1) {
		s->agent_state = PAUDE_AGENT_EXITED;
		s->agent_exit = n;
	} else if (status == 3) {
		s->agent_state = PAUDE_AGENT_STARTING;
	} else {
		paude_debug("cannot tell the agent's state in '%s' (exit %d: %.80s)", s->name,
			    status, out);
	}
}

void
paude_cli_check_agents(struct paude_cmd_ctx *ctx, struct paude_session_list *l)
{
	static const char *const argv[] = { "paude-session", "status", NULL };
	for (size_t from = 0; from < l->nr;) {
		struct paude_child kids[PAUDE_RUN_ALL_MAX];
		struct paude_child *ptrs[PAUDE_RUN_ALL_MAX];
		struct paude_session *who[PAUDE_RUN_ALL_MAX];
		struct paude_buf outs[PAUDE_RUN_ALL_MAX];
		int statuses[PAUDE_RUN_ALL_MAX];
		size_t n = 0;
		for (; from < l->nr && n < PAUDE_RUN_ALL_MAX; from++) {
			struct paude_session *s = &l->v[from];
			if (s->state != PAUDE_SESSION_RUNNING || s->paused)
				continue;
			/* A local container: its processes are ours to look at. */
			_cleanup_error_ struct paude_error *perr = NULL;
			if (!strcmp(s->backend, "podman") && s->host_pid > 0 && !ctx->ssh &&
			    paude_agent_proc_state("/proc", s->host_pid, &s->agent_state,
						   &s->agent_exit, &perr) == 0)
				continue;
			if (perr)
				paude_debug("'%s': %s; asking the session", s->name, perr->msg);
			_cleanup_backend_ struct paude_backend *b = NULL;
			_cleanup_error_ struct paude_error *berr = NULL;
			paude_child_init(&kids[n]);
			if (paude_cli_open_session_backend(ctx, s, &b, &berr) < 0 ||
			    paude_backend_exec_prepare(b, s->name, 0, argv, &kids[n], &berr) < 0) {
				paude_debug("cannot ask '%s' about its agent: %s", s->name,
					    berr ? berr->msg : "?");
				paude_child_release(&kids[n]);
				continue;
			}
			ptrs[n] = &kids[n];
			who[n] = s;
			outs[n] = (struct paude_buf)PAUDE_BUF_INIT_MAX(1 << 12);
			n++;
		}
		_cleanup_error_ struct paude_error *rerr = NULL;
		if (n && paude_run_all(ctx->runner, ptrs, n, outs, statuses, &rerr) < 0)
			paude_debug("cannot ask the sessions about their agents: %s", rerr->msg);
		else
			for (size_t i = 0; i < n; i++)
				read_agent_status(who[i], outs[i].buf ? outs[i].buf : "",
						  statuses[i]);
		for (size_t i = 0; i < n; i++) {
			paude_buf_release(&outs[i]);
			paude_child_release(&kids[i]);
		}
	}
}

char *
paude_cli_describe_state(const struct paude_session *s)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	if (s->paused)
		paude_buf_addstr(&b, "paused", NULL);
	else if (s->state != PAUDE_SESSION_RUNNING)
		paude_buf_addstr(&b, paude_session_state_str(s->state), NULL);
	else if (s->agent_state == PAUDE_AGENT_EXITED)
		paude_buf_addf(&b, NULL, "exited (%d)", s->agent_exit);
	else if (s->agent_state == PAUDE_AGENT_STARTING)
		paude_buf_addstr(&b, "starting", NULL);
	else
		paude_buf_addstr(&b, "running", NULL);
	if (s->proxy_missing)
		paude_buf_addstr(&b, ", proxy missing", NULL);
	else if (s->proxy_stopped)
		paude_buf_addstr(&b, ", proxy stopped", NULL);
	if (s->network_missing)
		paude_buf_addstr(&b, ", network missing", NULL);
	return paude_buf_detach(&b);
}

const char *
paude_cli_agent_state_str(const struct paude_session *s)
{
	switch (s->agent_state) {
	case PAUDE_AGENT_RUNNING:
		return "running";
	case PAUDE_AGENT_EXITED:
		return "exited";
	case PAUDE_AGENT_STARTING:
		return "starting";
	case PAUDE_AGENT_UNCHECKED:
		break;
	}
	return s->state == PAUDE_SESSION_RUNNING && !s->paused ? "unknown" : "not-running";
}

void
paude_cli_after_detach(struct paude_cmd_ctx *ctx, const struct paude_session *s)
{
	/* A shallow copy: check_agents only sets its state fields. */
	struct paude_session copy = *s;
	struct paude_session_list one = { .v = &copy, .nr = 1, .alloc = 1 };
	copy.agent_state = PAUDE_AGENT_UNCHECKED;
	copy.state = PAUDE_SESSION_RUNNING;
	copy.paused = false;
	paude_cli_check_agents(ctx, &one);
	switch (copy.agent_state) {
	case PAUDE_AGENT_RUNNING:
		paude_info("Detached from '%s'; the agent keeps running. Reconnect with: paude "
			   "connect %s",
			   s->name, s->name);
		break;
	case PAUDE_AGENT_EXITED:
		paude_info("The agent in '%s' exited (%d); the session is still up. Restart the "
			   "agent with: paude connect %s",
			   s->name, copy.agent_exit, s->name);
		break;
	default:
		paude_info("Detached from '%s'. Reconnect with: paude connect %s", s->name,
			   s->name);
		break;
	}
}

void
paude_cli_add_state_json(struct json_object *o, const struct paude_session *s)
{
	struct json_object *agent = json_object_new_object();
	json_object_object_add(agent, "state",
			       json_object_new_string(paude_cli_agent_state_str(s)));
	json_object_object_add(
	    agent, "exit_status",
	    s->agent_state == PAUDE_AGENT_EXITED ? json_object_new_int(s->agent_exit) : NULL);
	json_object_object_add(o, "agent", agent);
	json_object_object_add(o, "paused", json_object_new_boolean(s->paused));
	struct json_object *problems = json_object_new_array();
	if (s->proxy_missing)
		json_object_array_add(problems, json_object_new_string("proxy missing"));
	else if (s->proxy_stopped)
		json_object_array_add(problems, json_object_new_string("proxy stopped"));
	if (s->network_missing)
		json_object_array_add(problems, json_object_new_string("network missing"));
	json_object_object_add(o, "problems", problems);
}
