/* SPDX-License-Identifier: MIT */
/*
 * What the commands share: the common options, finding the session a
 * command is about, and getting the user's terminal into the agent's tmux.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdarg.h>
#include "cli.h"
#include "paude/fs.h"
#include "paude/log.h"
#include "paude/podman.h"
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

int
paude_cli_bad_option(struct paude_error **err, const char *verb, char **argv,
		     const char *optstring)
{
	const char *arg = argv[optind - 1] ? argv[optind - 1] : "";
	if (!strncmp(arg, "--", 2)) {
		size_t n = strcspn(arg, "=");
		if (optopt)
			return paude_cli_usage_error(err, verb, "option '%.*s' needs a value",
						     (int)n, arg);
		return paude_cli_usage_error(err, verb, "unknown option '%.*s'", (int)n, arg);
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
		fputs(usage, stdout);
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
		if (!strcmp(optarg, "openshift") || !strcmp(optarg, "kubernetes"))
			return paude_error_set(err, PAUDE_ENOTSUP, 0,
					       "backend '%s' is not available in this version yet "
					       "(use: --backend=podman)",
					       optarg);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "unknown backend '%s' (use: --backend=podman)", optarg);
	default:
		return 0;
	}
}

int
paude_cli_open_backend(struct paude_cmd_ctx *ctx, struct paude_backend **out,
		       struct paude_error **err)
{
	return paude_backend_open(out, ctx->backend ? ctx->backend : "podman", ctx->runner, err);
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
	int r = paude_cli_open_backend(ctx, &be, err);
	if (r < 0)
		return r;
	if (name_or_null) {
		if ((r = paude_session_name_validate(name_or_null, err)) < 0)
			return r;
		if ((r = paude_backend_get(be, name_or_null, out, err)) < 0)
			return r;
		*b = TAKE_PTR(be);
		return 0;
	}

	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	if ((r = paude_backend_list(be, &l, err)) < 0)
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
	paude_session_release(out);
	*out = l.v[match];
	paude_session_init(&l.v[match]);
	*b = TAKE_PTR(be);
	return 0;
}

/* Host files under ~/.claude that belong to the host's own sessions. */
static const char *const claude_excludes[] = {
	".claude/history.jsonl", ".claude/tasks",	 ".claude/todos",
	".claude/cache",	 ".claude/stats-cache.json", ".claude/debug",
	".claude/file-history",	 ".claude/projects",	 ".claude/shell-snapshots",
	".claude/ide",
};

int
paude_cli_sync_config(struct paude_backend *b, const char *name, struct paude_error **err)
{
	const char *home = paude_home_dir();
	_cleanup_free_ char *dir = paude_path_join(home, ".claude");
	_cleanup_free_ char *file = paude_path_join(home, ".claude.json");
	bool have_dir = paude_is_dir(dir), have_file = paude_is_file(file);
	if (!have_dir && !have_file) {
		paude_debug("no ~/.claude or ~/.claude.json to copy");
		return 0;
	}
	/*
	 * Copied, never mounted: whatever the agent writes to its config stays
	 * in the session. tar on both ends keeps modes and lets the receiving
	 * side own the files as the session user.
	 */
	_cleanup_child_ struct paude_child tar;
	paude_child_init(&tar);
	paude_strvec_pushl(&tar.args, "tar", "-C", home, "-c", "-f", "-", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(claude_excludes); i++)
		paude_strvec_pushf(&tar.args, "--exclude=%s", claude_excludes[i]);
	paude_strvec_push(&tar.args, "--");
	if (have_dir)
		paude_strvec_push(&tar.args, ".claude");
	if (have_file)
		paude_strvec_push(&tar.args, ".claude.json");
	tar.out = -1; /* its stderr is ours: warnings reach the user as they happen */
	int r = paude_child_start(b->runner, &tar, err);
	if (r < 0)
		return r;

	_cleanup_child_ struct paude_child x;
	paude_child_init(&x);
	const char *const untar[] = { "tar", "-x", "-f", "-", "-C", PAUDE_AGENT_HOME, NULL };
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
		return paude_error_wrap(err, "cannot copy Claude config into session '%s'", name);
	if (fr < 0)
		return fr;
	if (tst != 0)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "cannot read Claude config from '%s' (tar: exit %d)", home, tst);
	if (xst != 0) {
		paude_child_error(err, &x, xst, xerr.buf, xerr.len);
		return paude_error_wrap(err, "cannot copy Claude config into session '%s'", name);
	}
	return 0;
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
paude_cli_launch_agent(struct paude_backend *b, const char *name, struct paude_error **err)
{
	const char *const argv[] = { "paude-session", "launch", NULL };
	int r = run_in_session(b, name, argv, err);
	if (r < 0)
		return paude_error_wrap(err, "cannot launch the agent in session '%s'", name);
	return 0;
}

int
paude_cli_attach(struct paude_backend *b, const char *name, struct paude_error **err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "cannot attach to session '%s' without a terminal (run "
				       "'paude connect %s' from a terminal)",
				       name, name);
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	const char *const argv[] = { "paude-session", "attach", NULL };
	int r = paude_backend_exec_prepare(b, name, PAUDE_EXEC_STDIN | PAUDE_EXEC_TTY, argv, &c,
					   err);
	if (r < 0)
		return r;
	if ((r = paude_child_start(b->runner, &c, err)) < 0)
		return r;
	int status = 0;
	if ((r = paude_child_finish(b->runner, &c, &status, err)) < 0)
		return r;
	if (status != 0)
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
		snprintf(buf, n, "-");
		return buf;
	}
	time_t then = timegm(&tm), now = time(NULL);
	long d = (long)difftime(now, then);
	if (d < 0)
		d = 0;
	if (d < 60)
		snprintf(buf, n, "just now");
	else if (d < 3600)
		snprintf(buf, n, "%ld minute%s ago", d / 60, d / 60 == 1 ? "" : "s");
	else if (d < 86400)
		snprintf(buf, n, "%ld hour%s ago", d / 3600, d / 3600 == 1 ? "" : "s");
	else
		snprintf(buf, n, "%ld day%s ago", d / 86400, d / 86400 == 1 ? "" : "s");
	return buf;
}
