/* SPDX-License-Identifier: MIT */
/*
 * paude delete: remove a session and everything it owns (containers,
 * workspace volume, network). Requires --confirm: the workspace is lost.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "paude/core/log.h"
#include "paude/backend/podman.h"
#include "paude/git/git-remote.h"
#include "paude/session/index.h"
#include "paude/core/sanitize.h"
#include "paude/git/workspace-compare.h"

static const char usage[] =
    "usage: paude delete NAME --confirm [--force] [options]\n"
    "\n"
    "Delete a session and all its resources, including its workspace volume,\n"
    "and its git remote paude-NAME from every repository where 'paude remote add'\n"
    "added it. Work not pulled out of the session (git pull) is lost, so delete\n"
    "first compares the session's branches with the repository it was created for\n"
    "and refuses, naming the branches and their commits, when the session holds\n"
    "commits that repository lacks (a stopped session is started for the check\n"
    "and stopped again; Podman sessions only, so far). A session whose container\n"
    "was removed by hand is deleted too: its volume, network and proxy.\n"
    "\n"
    "Options:\n"
    "  --confirm        really delete (required)\n"
    "  --force          delete even when the session holds commits that your\n"
    "                   repository lacks, or when that cannot be checked\n" CLI_COMMON_HELP;

enum { OPT_CONFIRM = CLI_OPT_FIRST_PRIVATE, OPT_FORCE };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "confirm", no_argument, NULL, OPT_CONFIRM },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 },
};

/*
 * Leftovers of a podman session whose agent container is gone (removed by
 * hand): its workspace volume, proxy and network. Returns 1 if any exists
 * (removed when remove is set), 0 if there is nothing; negative on error.
 */
static int
leftovers(struct paude_cmd_ctx *ctx, const char *name, bool remove, struct paude_error **err)
{
	_cleanup_backend_ struct paude_backend *b = NULL;
	const struct paude_location here = { .kind = PAUDE_LOCATION_PODMAN };
	bool any = false;
	int r = paude_backend_open(&b, &here, ctx->runner, err);
	if (r == 0)
		r = paude_backend_leftovers(b, name, &any, err);
	if (r < 0)
		return r;
	if (!any || !remove)
		return any;
	r = paude_backend_remove(b, name, err);
	return r < 0 ? r : 1;
}

/*
 * Refuse (PAUDE_ESTATE) when the session holds commits the local
 * repository lacks, naming the branches and their counts. A stopped
 * session is started for the check and stopped again.
 */
static int
check_unpulled(struct paude_backend *b, const struct paude_session *s, struct paude_error **err)
{
	if (s->workspace_mode == PAUDE_WORKSPACE_MOUNT || s->state == PAUDE_SESSION_CREATED)
		return 0; /* the user's own tree; or never started, so never given code */
	if (!paude_backend_is(b, PAUDE_LOCATION_PODMAN))
		return 0; /* cluster sessions: not checked yet (see docs/GIT.md) */
	bool started = false;
	int r;
	if (s->state != PAUDE_SESSION_RUNNING || s->paused) {
		if (s->paused)
			return paude_error_set(
			    err, PAUDE_ESTATE, 0,
			    "session '%s' is paused, so its commits cannot be "
			    "checked (unpause it, or delete anyway with --force)",
			    s->name);
		paude_info("Starting session '%s' to check for commits your repository lacks...",
			   s->name);
		_cleanup_error_ struct paude_error *serr = NULL;
		if (paude_backend_start(b, s->name, &serr) < 0)
			return paude_error_set(err, PAUDE_ESTATE, 0,
					       "cannot check session '%s' for commits your "
					       "repository lacks: %s (delete anyway with --force)",
					       s->name, serr->msg);
		started = true;
	}
	struct paude_ws_compare ws = { 0 };
	_cleanup_error_ struct paude_error *cerr = NULL;
	r = paude_ws_compare(b, s->name, s->workspace, &ws, &cerr);
	if (started) {
		_cleanup_error_ struct paude_error *xerr = NULL;
		if (paude_backend_stop(b, s->name, &xerr) < 0)
			paude_warn("%s", xerr->msg);
	}
	if (r < 0)
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "cannot check session '%s' for commits your repository "
				       "lacks: %s (delete anyway with --force)",
				       s->name, cerr->msg);
	_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf how = PAUDE_BUF_INIT;
	for (size_t i = 0; i < ws.nr; i++) {
		const struct paude_ws_branch *br = &ws.v[i];
		if (br->only_in_session == 0)
			continue;
		if (br->only_in_session < 0)
			paude_buf_addf(&what, NULL, "%s%s (commits not counted)",
				       what.len ? ", " : "", br->name);
		else
			paude_buf_addf(&what, NULL, "%s%s (%ld commit%s)", what.len ? ", " : "",
				       br->name, br->only_in_session,
				       br->only_in_session == 1 ? "" : "s");
		if (!how.len)
			paude_buf_addf(&how, NULL, "git pull paude-%s %s", s->name, br->name);
	}
	paude_ws_compare_release(&ws);
	if (!what.len)
		return 0;
	_cleanup_free_ char *safe = paude_sanitize_str(what.buf, 0);
	return paude_error_set(err, PAUDE_ESTATE, 0,
			       "session '%s' holds commits that %s lacks: %s (pull them first, "
			       "e.g. %s%s%s, or delete anyway with --force)",
			       s->name, s->workspace ? s->workspace : "your repository", safe,
			       how.buf, s->workspace ? " in " : "",
			       s->workspace ? s->workspace : "");
}

int
cmd_delete(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "delete", usage, CLI_COMMON_SHORT, opts };
	bool confirm = false, force = false;
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_CONFIRM:
			confirm = true;
			break;
		case OPT_FORCE:
			force = true;
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	if (argc - optind != 1)
		return paude_cli_usage_error(err, "delete", "name the session to delete");
	const char *name = argv[optind];
	if ((r = paude_session_name_validate(name, err)) < 0)
		return r;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	_cleanup_error_ struct paude_error *lerr = NULL;
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, &lerr)) < 0) {
		/* The index names a cluster or remote host's session that is gone: forget it. */
		_cleanup_(paude_index_release) struct paude_index ix = PAUDE_INDEX_INIT;
		if (r == PAUDE_ENOTFOUND && confirm && paude_index_load(&ix, NULL) == 0 &&
		    paude_index_find(&ix, name)) {
			if ((r = paude_index_remove(name, err)) < 0)
				return r;
			paude_info("Session '%s' was already gone from %s; forgot it.", name,
				   paude_index_find(&ix, name)->where.kind == PAUDE_LOCATION_SSH
				       ? "its host"
				       : "the cluster");
			return 0;
		}
		/* Its container removed by hand: what is left of it still goes. */
		if (r == PAUDE_ENOTFOUND && ctx->where.kind != PAUDE_LOCATION_CLUSTER) {
			int lr = leftovers(ctx, name, confirm, err);
			if (lr < 0)
				return lr;
			if (lr > 0 && !confirm)
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "session '%s' has no container, but its "
						       "workspace volume, proxy "
						       "or network is left (remove them with: "
						       "paude delete %s --confirm)",
						       name, name);
			if (lr > 0) {
				paude_info("Session '%s' had no container (removed by hand?); "
					   "removed its workspace volume, proxy and network.",
					   name);
				return 0;
			}
		}
		*err = TAKE_PTR(lerr);
		return r;
	}
	bool cluster = paude_backend_is(b, PAUDE_LOCATION_CLUSTER);
	if (!confirm) {
		_cleanup_free_ char *vol = paude_podman_volume_name(name);
		if (cluster)
			(void)fprintf(
			    stderr,
			    "This deletes session '%s' and everything in it: its StatefulSet,\n"
			    "proxy, network policies and workspace volume (PVC). Work not pulled\n"
			    "out with git is lost.\n",
			    name);
		else
			(void)fprintf(
			    stderr,
			    "This deletes session '%s' and everything in it: its containers and "
			    "its\n"
			    "workspace volume '%s'. Work not pulled out with git is lost.\n",
			    name, vol);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "not deleting without --confirm (run: paude delete %s "
				       "--confirm)",
				       name);
	}
	if (!force && (r = check_unpulled(b, &s, err)) < 0)
		return r;
	if ((r = paude_backend_remove(b, name, err)) < 0)
		return r;
	_cleanup_error_ struct paude_error *ierr = NULL;
	/* The index records cluster sessions and remote hosts' (the command followed it there). */
	if ((cluster || ctx->ssh) && paude_index_remove(name, &ierr) < 0)
		paude_warn("%s", ierr->msg);
	paude_info("Deleted session '%s'.", name);
	/* Its git remotes go too: in the repository it was created for, and in
	 * every one where `paude remote add` put one. */
	_cleanup_strvec_ struct paude_strvec dirs = PAUDE_STRVEC_INIT;
	if (s.workspace)
		paude_strvec_push(&dirs, s.workspace);
	_cleanup_error_ struct paude_error *xerr = NULL;
	if (paude_index_remote_dirs(name, &dirs, &xerr) < 0)
		paude_warn("%s", xerr->msg);
	for (size_t i = 0; i < dirs.nr; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || !strcmp(dirs.v[i], dirs.v[j]);
		if (seen)
			continue;
		_cleanup_error_ struct paude_error *rerr = NULL;
		int rr = paude_remote_remove(dirs.v[i], name, &rerr);
		if (rr == 0)
			paude_info("Removed git remote 'paude-%s' from %s.", name, dirs.v[i]);
		else if (rr != PAUDE_ENOTFOUND)
			paude_warn("could not remove git remote 'paude-%s' from %s: %s", name,
				   dirs.v[i], rerr->msg);
	}
	paude_error_clear(&xerr);
	if (paude_index_remote_forget(name, &xerr) < 0)
		paude_warn("%s", xerr->msg);
	return 0;
}
