/* SPDX-License-Identifier: MIT */
/*
 * paude delete: remove a session and everything it owns (containers,
 * workspace volume, network). Requires --confirm: the workspace is lost.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "paude/log.h"
#include "paude/podman.h"
#include "paude/git-remote.h"
#include "paude/index.h"

static const char usage[] =
    "usage: paude delete NAME --confirm [options]\n"
    "\n"
    "Delete a session and all its resources, including its workspace volume,\n"
    "and its git remote paude-NAME from every repository where 'paude remote add'\n"
    "added it. Work not pulled out of the session (git pull) is lost.\n"
    "\n"
    "Options:\n"
    "  --confirm        really delete (required)\n" CLI_COMMON_HELP;

enum { OPT_CONFIRM = CLI_OPT_FIRST_PRIVATE };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "confirm", no_argument, NULL, OPT_CONFIRM },
	{ NULL, 0, NULL, 0 },
};

PAUDE_CMD(delete)
{
	static const struct paude_cli_opts o = { "delete", usage, CLI_COMMON_SHORT, opts };
	bool confirm = false;
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) == OPT_CONFIRM)
		confirm = true;
	if (opt != CLI_END)
		return opt == CLI_HELP_DONE ? 0 : opt;
	if (argc - optind != 1)
		return paude_cli_usage_error(err, "delete", "name the session to delete");
	const char *name = argv[optind];
	if ((r = paude_session_name_validate(name, err)) < 0)
		return r;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s;
	paude_session_init(&s);
	_cleanup_error_ struct paude_error *lerr = NULL;
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, &lerr)) < 0) {
		/* The index names a cluster session that is gone: forget it. */
		_cleanup_(paude_index_release) struct paude_index ix = { 0 };
		if (r == PAUDE_ENOTFOUND && confirm && paude_index_load(&ix, NULL) == 0 &&
		    paude_index_find(&ix, name)) {
			if ((r = paude_index_remove(name, err)) < 0)
				return r;
			paude_info("Session '%s' was already gone from the cluster; forgot it.",
				   name);
			return 0;
		}
		*err = TAKE_PTR(lerr);
		return r;
	}
	bool cluster = s.backend && !strcmp(s.backend, "openshift");
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
	if ((r = paude_backend_remove(b, name, err)) < 0)
		return r;
	_cleanup_error_ struct paude_error *ierr = NULL;
	if (cluster && paude_index_remove(name, &ierr) < 0)
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
