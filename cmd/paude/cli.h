/* SPDX-License-Identifier: MIT */
/* Helpers shared by the commands: options, session lookup, attaching. */
#ifndef PAUDE_CLI_H
#define PAUDE_CLI_H

#include <getopt.h>
#include "cmd.h"
#include "paude/agent/agent-state.h"
#include "paude/backend/backend.h"
#include "paude/agent/detach-keys.h"

/* Options every command accepts, for getopt_long tables. */
enum {
	CLI_OPT_HELP = 'h',
	CLI_OPT_VERBOSE = 'v',
	CLI_OPT_QUIET = 'q',
	CLI_OPT_BACKEND = 0x100,
	CLI_OPT_KUBE_CONTEXT,
	CLI_OPT_KUBE_NAMESPACE,
	CLI_OPT_FIRST_PRIVATE = 0x200,
};
#define CLI_COMMON_SHORT "hvq"
#define CLI_COMMON_LONG                                                                            \
	{ "help", no_argument, NULL, CLI_OPT_HELP },                                               \
	    { "verbose", no_argument, NULL, CLI_OPT_VERBOSE },                                     \
	    { "quiet", no_argument, NULL, CLI_OPT_QUIET },                                         \
	    { "backend", required_argument, NULL, CLI_OPT_BACKEND },                               \
	    { "openshift-context", required_argument, NULL, CLI_OPT_KUBE_CONTEXT },                \
	{                                                                                          \
		"openshift-namespace", required_argument, NULL, CLI_OPT_KUBE_NAMESPACE             \
	}

/* The help lines of the common options, for the end of a command's usage. */
#define CLI_COMMON_HELP                                                                            \
	"  --backend NAME   look for the session in this backend only: podman or\n"                \
	"                   openshift (alias kubernetes)\n"                                        \
	"  --openshift-context CTX, --openshift-namespace NS\n"                                    \
	"                   where on the cluster (imply --backend openshift)\n"                    \
	"  -v, --verbose    show more (repeat for debug traces of every command)\n"                \
	"  -q, --quiet      show only warnings and errors\n"                                       \
	"  -h, --help       show this help\n"

/*
 * Handle a common option. Returns 1 if handled, 0 if not one of ours, or a
 * negative error (bad --backend). On -h prints usage to stdout and sets
 * *help_done.
 */
int paude_cli_common_opt(int opt, const char *usage, struct paude_cmd_ctx *ctx, bool *help_done,
			 struct paude_error **err);
/* Usage error: "VERB: message (try 'paude VERB --help')"; returns PAUDE_EUSAGE. */
int paude_cli_usage_error(struct paude_error **err, const char *verb, const char *fmt, ...)
    _printf_(3, 4);
/*
 * getopt_long, except that long options must be written in full: an
 * abbreviation (--conf for --confirm) is returned as '?', an unknown option.
 * Commands call this instead of getopt_long so that paude_cli_bad_option
 * can suggest the options meant.
 */
int paude_cli_getopt_long(int argc, char **argv, const char *shortopts,
			  const struct option *longopts);
/* Append " (did you mean 'PREFIXa'?)" or " (did you mean one of 'PREFIXa' or
 * 'PREFIXb'?)" to msg; nothing when s is empty. */
void paude_cli_add_suggestions(struct paude_buf *msg, const struct paude_strvec *s,
			       const char *prefix);
/* getopt's own complaint for the last option (unknown, missing argument),
 * with the closest long options of the last paude_cli_getopt_long call. */
int paude_cli_bad_option(struct paude_error **err, const char *verb, char **argv,
			 const char *optstring);
/* Reset getopt for a command's argv (argv[0] is the verb). */
void paude_cli_getopt_reset(void);

/* A command's options, for paude_cli_getopt. */
struct paude_cli_opts {
	const char *verb;
	const char *usage; /* printed by --help */
	const char *shortopts; /* CLI_COMMON_SHORT plus the command's own */
	const struct option *longopts; /* starts with CLI_COMMON_LONG */
};
enum {
	CLI_END = 0x10000, /* no more options: positional arguments start at optind */
	CLI_HELP_DONE, /* --help was printed: the command returns 0 */
};
/*
 * The option loop every command shares: common options are handled here,
 * unknown ones become a usage error. Returns the next option of the
 * command's own, CLI_END, CLI_HELP_DONE, or a negative error. Every command
 * parses with this one idiom:
 *
 *	paude_cli_getopt_reset();
 *	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
 *		switch (opt) {
 *		case OPT_JSON:
 *			json = true;
 *			break;
 *		default:
 *			return paude_cli_getopt_stop(&o, opt, argv, err);
 *		}
 *	}
 *	(positional arguments: argv[optind] to argv[argc - 1])
 */
int paude_cli_getopt(const struct paude_cli_opts *o, int argc, char **argv,
		     struct paude_cmd_ctx *ctx, struct paude_error **err);
/* What a command returns for an option its loop does not take: 0 after
 * --help (CLI_HELP_DONE), the error itself (negative), else a usage error
 * for the option. */
int paude_cli_getopt_stop(const struct paude_cli_opts *o, int opt, char **argv,
			  struct paude_error **err);
/* Parse options (the command has none of its own) and at most one NAME.
 * Returns 0, CLI_HELP_DONE, or a negative error; *name is NULL if absent. */
int paude_cli_parse_name(const struct paude_cli_opts *o, int argc, char **argv,
			 struct paude_cmd_ctx *ctx, const char **name, struct paude_error **err);

/* Thin wrappers of lib/backend/locate.c's resolver for ctx's location and runner;
 * they print the resolver's warnings. */
/* The backend of ctx's location (the local Podman when it says none). */
int paude_cli_open_backend(struct paude_cmd_ctx *ctx, struct paude_backend **out,
			   struct paude_error **err);
/* The backend a listed session lives in (its stored location). */
int paude_cli_open_session_backend(struct paude_cmd_ctx *ctx, const struct paude_session *s,
				   struct paude_backend **out, struct paude_error **err);
/*
 * The sessions ctx can see: with a location (--backend, --host, ...), that
 * backend's (an error is an error); without, Podman's and those in the
 * namespaces the local index names (a backend that cannot be asked is a
 * warning, unless none answers).
 */
int paude_cli_collect_sessions(struct paude_cmd_ctx *ctx, struct paude_session_list *out,
			       struct paude_error **err);

/*
 * Find the session a command works on: NAME if given; otherwise the one
 * created for the current directory, or the only one. Several candidates or
 * none: an error listing them. *b receives the backend it lives in.
 */
int paude_cli_resolve_session(struct paude_cmd_ctx *ctx, const char *name_or_null,
			      struct paude_backend **b, struct paude_session *out,
			      struct paude_error **err);

/* paude_session_sync_config (session-sync.h) with this host's home and
 * ADC file, its notes logged. */
int paude_cli_sync_config(struct paude_backend *b, const struct paude_session *s,
			  struct paude_error **err);
/* paude_session_sync_credentials (session-sync.h) with this host's home
 * and ADC file. */
int paude_cli_sync_credentials(struct paude_backend *b, const struct paude_session *s,
			       struct paude_error **err);
/* How start and connect attach: --detach-keys (keys.len 0: only the
 * session's own Ctrl-b d), as parsed and as given (NULL: not given). */
struct paude_cli_attach_opts {
	struct paude_detach_keys keys;
	const char *keys_spec;
};
/* The --detach-keys help lines of start and connect. */
#define CLI_DETACH_KEYS_HELP                                                                       \
	"  --detach-keys KEYS  keys that detach, as podman writes them: ctrl-X\n"                  \
	"                   (X one of a-z @ [ \\ ] ^ _) or one character, comma-\n"                \
	"                   separated (ctrl-p,ctrl-q); paude watches for them, so\n"               \
	"                   they work inside another tmux too (where Ctrl-b d\n"                   \
	"                   detaches that tmux: there, Ctrl-b Ctrl-b d detaches)\n"
/*
 * What to say about detaching, appended to out: the --detach-keys given,
 * or, inside tmux ($TMUX set) without them, that Ctrl-b d would detach
 * that tmux and what does detach. Nothing in the plain case.
 */
void paude_cli_detach_hint(const struct paude_cli_attach_opts *o, const char *name,
			   struct paude_buf *out);
/*
 * Attach the terminal to the agent's tmux session (paude_attach_session);
 * returns after detaching (Ctrl-b d, or o's --detach-keys). The hint above
 * is printed first and shown on the session's status line. o may be NULL.
 */
int paude_cli_attach(struct paude_backend *b, const char *name,
		     const struct paude_cli_attach_opts *o, struct paude_error **err);

/* paude_agent_lacks_provider (agent-state.h), with whether this host has a
 * claude.ai login for start to copy in. */
bool paude_cli_lacks_provider(struct paude_backend *b, const struct paude_session *s);

/* Tell the user how to push code when the session's workspace has none. */
void paude_cli_hint_empty_workspace(struct paude_backend *b, const char *name);

/*
 * Ask each running, unpaused session of l how its agent is
 * (paude_agent_state_check), each in the backend it lives in; fills
 * agent_state and agent_exit.
 */
/* The address of the remote host a listed session is on (locate.h); NULL
 * for this machine's Podman and for a cluster's. Borrowed from s. */
const char *paude_cli_session_host(const struct paude_session *s);
void paude_cli_check_agents(struct paude_cmd_ctx *ctx, struct paude_session_list *l);
/* Add "agent": {"state", "exit_status"}, "paused" and "problems" to a JSON object. */
struct json_object;
void paude_cli_add_state_json(struct json_object *o, const struct paude_session *s);
/* After the terminal detached: say what was checked (the agent runs on, or exited). */
void paude_cli_after_detach(struct paude_cmd_ctx *ctx, const struct paude_session *s);

/* "3 minutes ago" style age of an RFC 3339 time; writes into buf. */
const char *paude_cli_age(const char *rfc3339, char *buf, size_t n);

#endif
