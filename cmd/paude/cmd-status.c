/* SPDX-License-Identifier: MIT */
/*
 * paude status: one session in full, from what was checked just now: the
 * container and the agent in it, uptime, the workspace's branches against
 * the local repository, the network policy, the proxy's recent refusals,
 * and resource use. --json for scripts.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "session-setup.h"
#include "paude/core/json.h"
#include "paude/core/log.h"
#include "paude/net/proxy-log.h"
#include "paude/core/sanitize.h"
#include "paude/git/workspace-compare.h"

static const char usage[] =
    "usage: paude status [NAME] [--json] [options]\n"
    "\n"
    "Show one session in full: the container's state and the agent's (running,\n"
    "exited (STATUS), starting), broken parts (proxy missing, network missing),\n"
    "uptime, the workspace's branches and how they stand against the local\n"
    "repository (commits only in the session, local commits the session lacks),\n"
    "the network policy, the proxy's recent refusals with the command that would\n"
    "allow each, and CPU, memory and process use. Without NAME: the session of\n"
    "the current directory, or the only one.\n"
    "\n"
    "Options:\n"
    "  --json           print a JSON object on stdout\n" CLI_COMMON_HELP;

enum { OPT_JSON = CLI_OPT_FIRST_PRIVATE };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

#define MAX_REFUSALS 5

struct usage_info {
	bool known;
	struct paude_usage u;
};

static void
read_usage(struct paude_backend *b, const struct paude_session *s, struct usage_info *u)
{
	memset(u, 0, sizeof(*u));
	if (s->state != PAUDE_SESSION_RUNNING)
		return;
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_backend_usage(b, s->name, &u->u, &err) < 0) {
		paude_debug("no resource use for '%s': %s", s->name, err->msg);
		return;
	}
	u->known = true;
}

/* The last refusals in the proxy's log, newest last. */
static size_t
read_refusals(struct paude_backend *b, const struct paude_session *s, struct paude_proxy_entry *out,
	      size_t max, const char **why)
{
	*why = NULL;
	if (!b->ops->proxy_log || paude_strvec_find(&s->allowed_domains, "all") >= 0) {
		*why = "no proxy (unrestricted network)";
		return 0;
	}
	_cleanup_buf_ struct paude_buf log = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	if (b->ops->proxy_log(b, s->name, &log, &err) < 0) {
		*why = "the proxy is not running";
		return 0;
	}
	size_t n = 0;
	for (const char *p = log.buf; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct paude_proxy_entry e;
		if (paude_proxy_log_parse(&e, p, len, NULL) == 0 && e.refused && e.host[0]) {
			if (n == max) {
				memmove(out, out + 1, (max - 1) * sizeof(*out));
				n--;
			}
			out[n++] = e;
		}
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

static void
format_local_time(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		(void)snprintf(buf, n, "-");
}

static void
format_uptime(long long started, char *buf, size_t n)
{
	long long d = (long long)time(NULL) - started;
	if (started <= 0 || d < 0)
		(void)snprintf(buf, n, "-");
	else if (d < 60)
		(void)snprintf(buf, n, "%llds", d);
	else if (d < 3600)
		(void)snprintf(buf, n, "%lldm %llds", d / 60, d % 60);
	else if (d < 86400)
		(void)snprintf(buf, n, "%lldh %lldm", d / 3600, d / 60 % 60);
	else
		(void)snprintf(buf, n, "%lldd %lldh", d / 86400, d / 3600 % 24);
}

static void
print_text(const struct paude_session *s, const struct paude_ws_compare *ws, bool ws_known,
	   const struct paude_proxy_entry *ref, size_t nref, const char *ref_why,
	   const struct usage_info *u)
{
	_cleanup_free_ char *state = paude_agent_state_describe(s);
	_cleanup_free_ char *net = paude_create_describe_network(s);
	char up[32];
	/* Branch names and the rest come from the session: all of it is
	 * printed through the sanitizer. */
	_cleanup_buf_ struct paude_buf o = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_buf_addf(&o, NULL, "Session:    %s (%s)\n", s->name, s->backend);
	paude_buf_addf(&o, NULL, "State:      %s\n", state);
	paude_buf_addf(&o, NULL, "Container:  %s%s\n",
		       s->paused ? "paused" : paude_session_state_str(s->state),
		       s->state == PAUDE_SESSION_RUNNING ? "" : " (the agent is not running)");
	if (s->state == PAUDE_SESSION_RUNNING && !s->paused) {
		if (s->agent_state == PAUDE_AGENT_EXITED)
			paude_buf_addf(
			    &o, NULL,
			    "Agent:      exited (%d); 'paude connect %s' starts it again\n",
			    s->agent_exit, s->name);
		else
			paude_buf_addf(&o, NULL, "Agent:      %s\n", paude_agent_state_word(s));
		format_uptime(s->started_at, up, sizeof(up));
		paude_buf_addf(&o, NULL, "Uptime:     %s\n", up);
	}
	paude_buf_addf(&o, NULL, "Workspace:  %s%s\n", s->workspace ? s->workspace : "-",
		       s->workspace_mode == PAUDE_WORKSPACE_MOUNT ? " (mounted)" : "");
	if (!ws_known)
		paude_buf_addf(&o, NULL, "Branches:   not checked (the session is not running)\n");
	else if (!ws->repo)
		paude_buf_addf(
		    &o, NULL,
		    "Branches:   none: the workspace has no code yet (push it with: paude remote "
		    "add --push %s)\n",
		    s->name);
	for (size_t i = 0; ws_known && i < ws->nr; i++) {
		const struct paude_ws_branch *br = &ws->v[i];
		paude_buf_addf(&o, NULL, "%s %s%s: ", i == 0 ? "Branches:  " : "           ",
			       br->name, br->head ? " (checked out)" : "");
		if (br->only_in_session > 0)
			paude_buf_addf(&o, NULL, "%ld commit%s not in the local repository",
				       br->only_in_session, br->only_in_session == 1 ? "" : "s");
		else if (br->only_in_session == 0)
			paude_buf_addf(&o, NULL, "all commits in the local repository");
		else
			paude_buf_addf(&o, NULL, "not compared");
		if (br->only_local > 0)
			paude_buf_addf(&o, NULL,
				       "; the local branch has %ld commit%s the session lacks",
				       br->only_local, br->only_local == 1 ? "" : "s");
		paude_buf_addf(&o, NULL, "\n");
	}
	paude_buf_addf(&o, NULL, "Network:    %s\n", net);
	if (ref_why)
		paude_buf_addf(&o, NULL, "Refused:    - (%s)\n", ref_why);
	else if (nref == 0)
		paude_buf_addf(&o, NULL, "Refused:    nothing recently\n");
	for (size_t i = 0; i < nref; i++) {
		char when[32];
		format_local_time(ref[i].time, when, sizeof(when));
		paude_buf_addf(&o, NULL,
			       "%s %s  refused  %s %s (allow with: paude network %s --allow %s)\n",
			       i == 0 ? "Refused:   " : "           ", when, ref[i].method,
			       ref[i].host, s->name, ref[i].host);
	}
	if (u->known)
		paude_buf_addf(&o, NULL, "Resources:  CPU %s, memory %s, %s processes\n", u->u.cpu,
			       u->u.mem, u->u.pids);
	paude_sanitize(&safe, o.buf, o.len, PAUDE_SANITIZE_LINES);
	(void)fputs(safe.buf, stdout);
}

static void
print_json(const struct paude_session *s, const struct paude_ws_compare *ws, bool ws_known,
	   const struct paude_proxy_entry *ref, size_t nref, const struct usage_info *u)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *net = paude_create_describe_network(s);
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "backend", json_object_new_string(s->backend));
	json_object_object_add(o, "state",
			       json_object_new_string(paude_session_state_str(s->state)));
	paude_cli_add_state_json(o, s);
	json_object_object_add(o, "started_at",
			       s->started_at > 0 ? json_object_new_int64(s->started_at) : NULL);
	json_object_object_add(o, "workspace",
			       s->workspace ? json_object_new_string(s->workspace) : NULL);
	struct json_object *branches = NULL;
	if (ws_known) {
		branches = json_object_new_array();
		for (size_t i = 0; i < ws->nr; i++) {
			struct json_object *b = json_object_new_object();
			json_object_object_add(b, "name", json_object_new_string(ws->v[i].name));
			json_object_object_add(b, "commit", json_object_new_string(ws->v[i].sha));
			json_object_object_add(b, "checked_out",
					       json_object_new_boolean(ws->v[i].head));
			json_object_object_add(b, "only_in_session",
					       ws->v[i].only_in_session >= 0
						   ? json_object_new_int64(ws->v[i].only_in_session)
						   : NULL);
			json_object_object_add(b, "only_local",
					       ws->v[i].only_local >= 0
						   ? json_object_new_int64(ws->v[i].only_local)
						   : NULL);
			json_object_array_add(branches, b);
		}
	}
	json_object_object_add(o, "branches", branches);
	json_object_object_add(o, "network", json_object_new_string(net));
	json_object_object_add(o, "allowed_domains",
			       paude_json_array_from_strvec(&s->allowed_domains));
	struct json_object *refused = json_object_new_array();
	for (size_t i = 0; i < nref; i++) {
		struct json_object *r = json_object_new_object();
		json_object_object_add(r, "time", json_object_new_int64(ref[i].time));
		json_object_object_add(r, "method", json_object_new_string(ref[i].method));
		json_object_object_add(r, "host", json_object_new_string(ref[i].host));
		json_object_array_add(refused, r);
	}
	json_object_object_add(o, "recent_refusals", refused);
	struct json_object *res = NULL;
	if (u->known) {
		res = json_object_new_object();
		json_object_object_add(res, "cpu", json_object_new_string(u->u.cpu));
		json_object_object_add(res, "memory", json_object_new_string(u->u.mem));
		json_object_object_add(res, "pids", json_object_new_string(u->u.pids));
	}
	json_object_object_add(o, "resources", res);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_json_write(&b, o, true);
	paude_sanitize(&safe, b.buf, b.len, PAUDE_SANITIZE_JSON);
	puts(safe.buf);
}

int
cmd_status(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "status", usage, CLI_COMMON_SHORT, opts };
	bool json = false;
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_JSON:
			json = true;
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	if (argc - optind > 1)
		return paude_cli_usage_error(err, "status", "too many arguments");
	const char *name = optind < argc ? argv[optind] : NULL;

	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_(paude_session_list_release) struct paude_session_list one =
	    PAUDE_SESSION_LIST_INIT;
	struct paude_session *s = paude_session_list_add(&one);
	if ((r = paude_cli_resolve_session(ctx, name, &b, s, err)) < 0)
		return r;
	paude_cli_check_agents(ctx, &one);

	struct paude_ws_compare ws = { 0 };
	bool ws_known = false;
	if (s->state == PAUDE_SESSION_RUNNING && !s->paused) {
		_cleanup_error_ struct paude_error *werr = NULL;
		if (paude_ws_compare(b, s->name, s->workspace, &ws, &werr) == 0)
			ws_known = true;
		else
			paude_debug("cannot compare the workspace of '%s': %s", s->name, werr->msg);
	}
	struct paude_proxy_entry ref[MAX_REFUSALS];
	const char *ref_why = NULL;
	size_t nref = read_refusals(b, s, ref, MAX_REFUSALS, &ref_why);
	struct usage_info u;
	read_usage(b, s, &u);
	if (json)
		print_json(s, &ws, ws_known, ref, nref, &u);
	else
		print_text(s, &ws, ws_known, ref, nref, ref_why, &u);
	paude_ws_compare_release(&ws);
	return 0;
}
