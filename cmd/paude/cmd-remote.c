/* SPDX-License-Identifier: MIT */
/*
 * paude remote: the git remotes that connect the current repository to
 * sessions. `add` prepares the session's workspace repository (on the local
 * branch's name, with receive.denyCurrentBranch=updateInstead so pushes
 * update the files the agent sees), adds remote paude-NAME = paude::NAME and,
 * with --push, pushes the current branch in process through libgit2 over the
 * same tunnel git-remote-paude uses. `list` and `remove` do what they say.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cmd-remote.h"
#include "setup-run.h"
#include "paude/git/git-remote.h"
#include "paude/core/alloc.h"
#include "paude/session/index.h"
#include "paude/core/log.h"
#include "paude/git/workspace.h"

static const char usage[] =
    "usage: paude remote [add [--push] [NAME] | list | remove [NAME]] [options]\n"
    "\n"
    "Manage the git remotes that connect this repository to sessions. A session's\n"
    "remote is called paude-NAME and its URL is paude::NAME; git reaches the\n"
    "session through git-remote-paude, so plain git push, fetch and pull work:\n"
    "  git push paude-NAME main       send your branch to the session\n"
    "  git pull paude-NAME main       get what the agent committed\n"
    "\n"
    "Commands:\n"
    "  add [--push] [NAME]   prepare the session's workspace repository and add\n"
    "                        the remote; --push also pushes the current branch\n"
    "  list                  list the paude remotes of this repository (default)\n"
    "  remove [NAME]         remove the session's remote\n"
    "\n"
    "Without NAME: the session of the current directory, or the only one.\n"
    "'paude remote COMMAND --help' shows the options of a command.\n";

static const char usage_add[] =
    "usage: paude remote add [--push] [NAME] [options]\n"
    "\n"
    "Prepare the workspace repository of running session NAME on the current\n"
    "branch's name (git init, receive.denyCurrentBranch=updateInstead), and add\n"
    "remote paude-NAME with URL paude::NAME to this repository ('paude delete'\n"
    "removes it again).\n"
    "\n"
    "Options:\n"
    "  --push           push the current branch to the session as well (git push)\n"
    "  --backend NAME   look for the session in this backend only (podman)\n"
    "  -v, --verbose    show more (repeat for debug traces of every command)\n"
    "  -q, --quiet      show only warnings and errors\n"
    "  -h, --help       show this help\n";

static const char usage_list[] = "usage: paude remote list [options]\n"
				 "\n"
				 "List the paude remotes of this repository with the state of "
				 "their sessions.\n"
				 "\n"
				 "Options:\n"
				 "  -h, --help       show this help\n";

static const char usage_remove[] = "usage: paude remote remove [NAME] [options]\n"
				   "\n"
				   "Remove remote paude-NAME from this repository. The session "
				   "and its workspace\n"
				   "are not touched.\n"
				   "\n"
				   "Options:\n"
				   "  -h, --help       show this help\n";

enum { OPT_PUSH = CLI_OPT_FIRST_PRIVATE };

static const struct option opts_add[] = {
	CLI_COMMON_LONG,
	{ "push", no_argument, NULL, OPT_PUSH },
	{ NULL, 0, NULL, 0 },
};

static const struct option opts_common[] = {
	CLI_COMMON_LONG,
	{ NULL, 0, NULL, 0 },
};

/*
 * getopt over a subcommand's argv (argv[0] is the subcommand). Returns 1 if
 * --help was shown, 0 to go on, or an error. *push gets --push when allowed.
 */
static int
parse(int argc, char **argv, const char *verb, const char *use, const struct option *opts,
      bool *push, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	const struct paude_cli_opts o = { verb, use, CLI_COMMON_SHORT, opts };
	int opt;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_PUSH:
			if (push) {
				*push = true;
				break;
			}
			_fallthrough_;
		default:
			/* 1: --help was shown. */
			return opt == CLI_HELP_DONE ? 1 : paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	if (argc - optind > 1)
		return paude_cli_usage_error(err, verb, "too many arguments");
	return 0;
}

/* The address a remote for session s should carry ("x", or "openshift/ns/x"). */
static int
session_address(const struct paude_session *s, struct paude_address *out, struct paude_error **err)
{
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	if (paude_location_from_stored(&at, s->backend, s->location, NULL) < 0 ||
	    at.kind != PAUDE_LOCATION_CLUSTER)
		return paude_address_parse(out, s->name, err);
	_cleanup_buf_ struct paude_buf spec = PAUDE_BUF_INIT;
	paude_location_format(&at, &spec);
	paude_buf_addstr(&spec, s->name, NULL);
	/* A context with '/' in its name cannot be written in an address: the
	 * bare name then finds the session through the local index. */
	if (paude_address_parse(out, spec.buf, NULL) == 0)
		return 0;
	return paude_address_parse(out, s->name, err);
}

int
paude_cmd_remote_setup(struct paude_backend *b, const struct paude_session *s, const char *repo_dir,
		       const char *branch, bool push, bool *added, struct paude_error **err)
{
	*added = false;
	_cleanup_address_ struct paude_address addr = PAUDE_ADDRESS_INIT;
	int r = session_address(s, &addr, err);
	if (r < 0)
		return r;
	if ((r = paude_workspace_init(b, s->name, branch, err)) < 0)
		return r;
	/* Whether the remote is ours to take away again if what follows fails. */
	_cleanup_(paude_remote_list_release) struct paude_remote_list before =
	    PAUDE_REMOTE_LIST_INIT;
	if ((r = paude_remote_list(repo_dir, &before, err)) < 0)
		return r;
	_cleanup_buf_ struct paude_buf rname = PAUDE_BUF_INIT;
	paude_remote_name(&rname, s->name);
	bool existed = false;
	for (size_t i = 0; i < before.nr; i++)
		existed |= !strcmp(before.v[i].remote, rname.buf);
	if ((r = paude_remote_add(repo_dir, &addr, err)) < 0)
		return r;
	*added = !existed;
	/* Remembered, so that `paude delete` removes this remote too. */
	_cleanup_free_ char *here = realpath(repo_dir, NULL);
	_cleanup_error_ struct paude_error *ierr = NULL;
	if (here && paude_index_remote_record(s->name, here, &ierr) < 0)
		paude_warn("%s", ierr->msg);
	_cleanup_buf_ struct paude_buf url = PAUDE_BUF_INIT;
	paude_address_format(&addr, &url);
	paude_info("Remote 'paude-%s' -> paude::%s is ready (workspace branch '%s').", s->name,
		   url.buf, branch);
	if (!push)
		return 0;
	if ((r = paude_remote_push(repo_dir, b, s->name, branch, err)) < 0)
		return r;
	paude_info("Pushed '%s' to session '%s'.", branch, s->name);
	return 0;
}

static int
remote_add(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	bool push = false;
	int r = parse(argc, argv, "remote add", usage_add, opts_add, &push, ctx, err);
	if (r != 0)
		return r < 0 ? r : 0;
	const char *name = optind < argc ? argv[optind] : NULL;

	_cleanup_free_ char *branch = NULL;
	if ((r = paude_repo_current_branch(".", &branch, err)) < 0)
		return r;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	if ((r = paude_cli_resolve_session(ctx, name, &b, &s, err)) < 0)
		return r;
	if (s.state != PAUDE_SESSION_RUNNING)
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' is not running (start it with: paude start -d %s)", s.name,
		    s.name);
	bool added = false;
	if ((r = paude_cmd_remote_setup(b, &s, ".", branch, push, &added, err)) < 0)
		return r;
	/* The code has arrived: the lifecycle commands that waited for it. */
	if (push && (r = paude_cli_run_setup(b, &s, err)) < 0)
		return r;
	paude_info("Send more with:   git push paude-%s %s\n"
		   "Get the agent's work with: git pull paude-%s %s",
		   s.name, branch, s.name, branch);
	return 0;
}

static int
remote_list(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	int r = parse(argc, argv, "remote list", usage_list, opts_common, NULL, ctx, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (optind < argc)
		return paude_cli_usage_error(err, "remote list", "too many arguments");
	_cleanup_(paude_remote_list_release) struct paude_remote_list l = PAUDE_REMOTE_LIST_INIT;
	if ((r = paude_remote_list(".", &l, err)) < 0)
		return r;
	if (!l.nr) {
		paude_info("This repository has no paude remotes (add one with: paude remote add "
			   "NAME).");
		return 0;
	}

	/* One engine call for the states; without it the remotes still list. */
	_cleanup_(paude_session_list_release) struct paude_session_list sessions =
	    PAUDE_SESSION_LIST_INIT;
	struct paude_error *lerr = NULL;
	bool listed = paude_cli_collect_sessions(ctx, &sessions, &lerr) == 0;
	if (!listed) {
		paude_debug("cannot list sessions: %s", lerr ? lerr->msg : "?");
		paude_error_free(lerr);
	}

	size_t w = strlen("REMOTE");
	for (size_t i = 0; i < l.nr; i++)
		if (strlen(l.v[i].remote) > w)
			w = strlen(l.v[i].remote);
	printf("%-*s  %-9s  %s\n", (int)w, "REMOTE", "STATE", "URL");
	for (size_t i = 0; i < l.nr; i++) {
		const char *state = "missing";
		for (size_t k = 0; l.v[i].session && k < sessions.nr; k++)
			if (!strcmp(sessions.v[k].name, l.v[i].session))
				state = paude_session_state_str(sessions.v[k].state);
		if (!listed || !l.v[i].session)
			state = "unknown";
		printf("%-*s  %-9s  %s\n", (int)w, l.v[i].remote, state, l.v[i].url);
	}
	return 0;
}

static int
remote_remove(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	int r = parse(argc, argv, "remote remove", usage_remove, opts_common, NULL, ctx, err);
	if (r != 0)
		return r < 0 ? r : 0;
	const char *given = optind < argc ? argv[optind] : NULL;
	_cleanup_free_ char *name = given ? paude_xstrdup(given) : NULL;
	if (!name) {
		/* The only paude remote here; else the usual session defaulting. */
		_cleanup_(paude_remote_list_release) struct paude_remote_list l =
		    PAUDE_REMOTE_LIST_INIT;
		if ((r = paude_remote_list(".", &l, err)) < 0)
			return r;
		if (l.nr == 1 && l.v[0].session) {
			name = paude_xstrdup(l.v[0].session);
		} else {
			_cleanup_backend_ struct paude_backend *b = NULL;
			_cleanup_(paude_session_release) struct paude_session s =
			    PAUDE_SESSION_INIT;
			if ((r = paude_cli_resolve_session(ctx, NULL, &b, &s, err)) < 0)
				return r;
			name = paude_xstrdup(s.name);
		}
	}
	if ((r = paude_remote_remove(".", name, err)) < 0)
		return r;
	paude_info("Removed remote 'paude-%s'.", name);
	return 0;
}

int
cmd_remote(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **, struct paude_cmd_ctx *, struct paude_error **);
	} subs[] = {
		{ "add", remote_add },
		{ "list", remote_list },
		{ "remove", remote_remove },
		{ "rm", remote_remove },
	};
	if (argc < 2)
		return remote_list(1, (char *[]){ (char *)"list", NULL }, ctx, err);
	const char *sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		(void)fputs(usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(sub, subs[i].name))
			return subs[i].fn(argc - 1, argv + 1, ctx, err);
	if (sub[0] == '-')
		return remote_list(argc, argv, ctx, err);
	return paude_cli_usage_error(err, "remote",
				     "unknown command '%s' (use add, list or remove)", sub);
}
