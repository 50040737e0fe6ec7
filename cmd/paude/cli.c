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
#include "session-setup.h"
#include "paude/agent-state.h"
#include "paude/attach.h"
#include "paude/alloc.h"
#include "paude/fs.h"
#include "paude/index.h"
#include "paude/kube.h"
#include "paude/log.h"
#include "paude/session-sync.h"
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

void
paude_cli_check_agents(struct paude_cmd_ctx *ctx, struct paude_session_list *l)
{
	/* Over SSH the containers' processes are not on this host. */
	const struct paude_agent_check o = {
		.runner = ctx->runner,
		.proc = ctx->ssh ? NULL : "/proc",
		.open = open_for_agent,
		.ud = ctx,
	};
	paude_agent_state_check(&o, l);
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
