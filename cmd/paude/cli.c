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
#include "host.h"
#include "session-setup.h"
#include "paude/agent/agent-state.h"
#include "paude/agent/attach.h"
#include "paude/core/alloc.h"
#include "paude/core/json.h"
#include "paude/core/fs.h"
#include "paude/backend/locate.h"
#include "paude/core/log.h"
#include "paude/agent/session-sync.h"
#include "paude/core/suggest.h"
#include "paude/git/workspace.h"

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
	_cleanup_free_ char *msg = paude_xvasprintf(fmt, ap);
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
		_cleanup_free_ char *typed = paude_xstrndup(arg + 2, n - 2);
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
	case CLI_OPT_BACKEND: {
		struct paude_location asked = PAUDE_LOCATION_INIT;
		if (!paude_location_set_backend(&asked, optarg, strlen(optarg)))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "unknown backend '%s' (use: --backend=podman, "
					       "openshift or kubernetes)",
					       optarg);
		/* One backend for both cluster names: it drives oc, or kubectl without it. */
		ctx->where.kind = asked.kind;
		ctx->where.flavour = PAUDE_CLUSTER_OPENSHIFT;
		return 1;
	}
	case CLI_OPT_KUBE_CONTEXT:
	case CLI_OPT_KUBE_NAMESPACE: {
		char **field =
		    opt == CLI_OPT_KUBE_CONTEXT ? &ctx->where.context : &ctx->where.namespace;
		free(*field);
		*field = paude_xstrdup(optarg);
		if (ctx->where.kind != PAUDE_LOCATION_ANY &&
		    ctx->where.kind != PAUDE_LOCATION_CLUSTER)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "--openshift-context and --openshift-namespace need "
					       "--backend=openshift");
		ctx->where.kind = PAUDE_LOCATION_CLUSTER;
		ctx->where.flavour = PAUDE_CLUSTER_OPENSHIFT;
		return 1;
	}
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
paude_cli_getopt_stop(const struct paude_cli_opts *o, int opt, char **argv,
		      struct paude_error **err)
{
	if (opt == CLI_HELP_DONE)
		return 0;
	if (opt < 0)
		return opt;
	return paude_cli_bad_option(err, o->verb, argv, o->shortopts);
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
	const struct paude_reach reach = paude_cli_reach(ctx);
	if (ctx->where.kind == PAUDE_LOCATION_ANY)
		return paude_backend_open(out, &ctx->where, ctx->runner, err);
	return paude_locate_open(out, &ctx->where, &reach, err);
}

int
paude_cli_open_session_backend(struct paude_cmd_ctx *ctx, const struct paude_session *s,
			       struct paude_backend **out, struct paude_error **err)
{
	const struct paude_reach reach = paude_cli_reach(ctx);
	return paude_locate_session_backend(out, s, &ctx->where, &reach, err);
}

static void
show_warnings(const struct paude_strvec *w)
{
	for (size_t i = 0; i < w->nr; i++)
		paude_warn("%s", w->v[i]);
}

int
paude_cli_collect_sessions(struct paude_cmd_ctx *ctx, struct paude_session_list *out,
			   struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec warnings = PAUDE_STRVEC_INIT;
	const struct paude_reach reach = paude_cli_reach(ctx);
	int r = paude_locate_list(out, &ctx->where, &reach, &warnings, err);
	show_warnings(&warnings);
	return r;
}

int
paude_cli_resolve_session(struct paude_cmd_ctx *ctx, const char *name_or_null,
			  struct paude_backend **b, struct paude_session *out,
			  struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec warnings = PAUDE_STRVEC_INIT;
	_cleanup_free_ char *cwd = name_or_null ? NULL : realpath(".", NULL);
	const struct paude_reach reach = paude_cli_reach(ctx);
	int r =
	    paude_locate_resolve(b, out, name_or_null, cwd, &ctx->where, &reach, &warnings, err);
	show_warnings(&warnings);
	if (r < 0)
		return r;
	/* A remote host's session: the rest of the command runs there. */
	return paude_cli_follow_session(ctx, out, err);
}

/* The host's ADC file, read when a session's gateway needs it. */
static int
read_host_adc(void *ud, struct paude_buf *out, struct paude_error **err)
{
	(void)ud;
	_cleanup_free_ char *adc = paude_setup_adc_path();
	return paude_setup_read_adc(adc, out, err);
}

static void
say(void *ud, enum paude_log_level level, const char *msg)
{
	(void)ud;
	paude_log(level, "%s", msg);
}

static struct paude_session_sync_opts
sync_opts(void)
{
	return (struct paude_session_sync_opts){
		.home = paude_home_dir(),
		.read_adc = read_host_adc,
		.say = say,
	};
}

int
paude_cli_sync_credentials(struct paude_backend *b, const struct paude_session *s,
			   struct paude_error **err)
{
	const struct paude_session_sync_opts o = sync_opts();
	return paude_session_sync_credentials(b, s, &o, err);
}

int
paude_cli_sync_config(struct paude_backend *b, const struct paude_session *s,
		      struct paude_error **err)
{
	const struct paude_session_sync_opts o = sync_opts();
	return paude_session_sync_config(b, s, &o, err);
}

bool
paude_cli_lacks_provider(struct paude_backend *b, const struct paude_session *s)
{
	return paude_agent_lacks_provider(b, s, paude_setup_host_login());
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

int
paude_cli_attach(struct paude_backend *b, const char *name, const struct paude_cli_attach_opts *o,
		 struct paude_error **err)
{
	int r = paude_attach_check_terminal(name, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct paude_buf hint = PAUDE_BUF_INIT;
	paude_cli_detach_hint(o, name, &hint);
	if (hint.len)
		paude_info("%s", hint.buf);
	struct paude_attach_opts ao = { .hint = hint.buf };
	if (o)
		ao.keys = o->keys;
	return paude_attach_session(b, name, &ao, err);
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

static int
open_for_agent(void *ud, const struct paude_session *s, struct paude_backend **out,
	       struct paude_error **err)
{
	return paude_cli_open_session_backend(ud, s, out, err);
}

const char *
paude_cli_session_host(const struct paude_session *s)
{
	return paude_location_backend_kind(s->backend) == PAUDE_LOCATION_PODMAN ? s->location
										: NULL;
}

static bool
same_host(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

void
paude_cli_check_agents(struct paude_cmd_ctx *ctx, struct paude_session_list *l)
{
	/* The sessions of each place together, on that place's runner: this
	 * machine's (and clusters'), then each host's, whose containers'
	 * processes are not on this machine. */
	const struct paude_reach reach = paude_cli_reach(ctx);
	_cleanup_free_ bool *done = paude_xcalloc(l->nr ? l->nr : 1, sizeof(*done));
	_cleanup_free_ struct paude_session *part = paude_xcalloc(l->nr ? l->nr : 1, sizeof(*part));
	for (size_t i = 0; i < l->nr; i++) {
		if (done[i])
			continue;
		const char *host = paude_cli_session_host(&l->v[i]);
		struct paude_agent_check o = {
			.runner = reach.local,
			.proc = host ? NULL : "/proc",
			.open = open_for_agent,
			.ud = ctx,
		};
		_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
		_cleanup_error_ struct paude_error *e = NULL;
		bool reached = !host || (paude_location_ssh(&at, host, &e) == 0 &&
					 paude_cli_host_runner(ctx, &at, &o.runner, &e) == 0);
		if (!reached)
			paude_debug("cannot ask the sessions on '%s' about their agents: %s", host,
				    e ? e->msg : "?");
		/* Shallow copies: the check only sets their state fields. */
		size_t n = 0;
		for (size_t j = i; j < l->nr; j++) {
			if (done[j] || !same_host(paude_cli_session_host(&l->v[j]), host))
				continue;
			part[n++] = l->v[j];
		}
		struct paude_session_list one = { .v = part, .nr = n, .alloc = n };
		if (reached)
			paude_agent_state_check(&o, &one);
		for (size_t j = i, k = 0; j < l->nr; j++) {
			if (done[j] || !same_host(paude_cli_session_host(&l->v[j]), host))
				continue;
			l->v[j].agent_state = part[k].agent_state;
			l->v[j].agent_exit = part[k].agent_exit;
			k++;
			done[j] = true;
		}
	}
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
	json_object_object_add(agent, "state", json_object_new_string(paude_agent_state_word(s)));
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
