/* SPDX-License-Identifier: MIT */
/*
 * paude list (and bare `paude`): the sessions, from one engine query.
 * --json prints them as a JSON array on stdout for scripts. Labels are
 * read from the engine and printed through the sanitizer: json-c escapes
 * C0 controls in JSON but copies DEL, C1 controls and invalid UTF-8.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "host.h"
#include "paude/backend/ssh.h"
#include "paude/core/json.h"
#include "paude/session/limits.h"
#include "paude/core/log.h"
#include "paude/core/sanitize.h"
#include "session-setup.h"

static const char usage[] =
    "usage: paude list [options]\n"
    "\n"
    "List sessions: name, state, network policy, workspace and age. The state of\n"
    "a running session is its agent's: running, exited (STATUS) or starting;\n"
    "broken parts follow it (proxy missing, proxy stopped, network missing).\n"
    "Without\n"
    "--backend or --host: this machine's Podman sessions, those of the cluster\n"
    "namespaces where 'paude create --backend openshift' made sessions, and those\n"
    "of the hosts where 'paude create --host' made sessions, with a HOST column\n"
    "(an unreachable cluster or host is a warning). A workspace mounted\n"
    "read-write (create --mount-workspace) is marked \"(mounted)\".\n"
    "\n"
    "Options:\n"
    "  --json           print a JSON array on stdout\n"
    "  --host [USER@]HOST[:PORT]\n"
    "                   list only the Podman sessions of this host, over SSH\n"
    "                   (see " PAUDE_DOCDIR "/REMOTE.md)\n"
    "  --backend NAME   list only this backend's sessions: podman, or openshift\n"
    "                   (alias kubernetes; the current or given namespace)\n"
    "  --openshift-context CTX    kubeconfig context (implies --backend openshift)\n"
    "  --openshift-namespace NS   namespace (implies --backend openshift)\n"
    "  -v, --verbose    show more (repeat for debug traces of every command)\n"
    "  -q, --quiet      show only warnings and errors\n"
    "  -h, --help       show this help\n";

enum { OPT_JSON = CLI_OPT_FIRST_PRIVATE, OPT_NAMES, OPT_HOST };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "json", no_argument, NULL, OPT_JSON },
	{ "host", required_argument, NULL, OPT_HOST },
	/* Hidden: one name a line, for the shell completions. */
	{ "names", no_argument, NULL, OPT_NAMES },
	{ NULL, 0, NULL, 0 },
};

static void
print_json(const struct paude_session_list *l)
{
	_cleanup_json_ struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < l->nr; i++) {
		const struct paude_session *s = &l->v[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "backend", json_object_new_string(s->backend));
		const char *host = paude_cli_session_host(s);
		if (host)
			json_object_object_add(o, "host", json_object_new_string(host));
		else if (s->location)
			json_object_object_add(o, "location", json_object_new_string(s->location));
		json_object_object_add(o, "state",
				       json_object_new_string(paude_session_state_str(s->state)));
		json_object_object_add(o, "status",
				       json_object_new_string(s->status ? s->status : ""));
		paude_cli_add_state_json(o, s);
		json_object_object_add(o, "workspace",
				       s->workspace ? json_object_new_string(s->workspace) : NULL);
		json_object_object_add(o, "created",
				       s->created ? json_object_new_string(s->created) : NULL);
		json_object_object_add(o, "image",
				       s->image ? json_object_new_string(s->image) : NULL);
		json_object_object_add(o, "yolo", json_object_new_boolean(s->yolo));
		json_object_object_add(o, "agent_args",
				       paude_json_array_from_strvec(&s->agent_args));
		json_object_object_add(o, "allowed_domains",
				       paude_json_array_from_strvec(&s->allowed_domains));
		json_object_object_add(o, "allow_private_dst",
				       paude_json_array_from_strvec(&s->allow_private_dst));
		_cleanup_free_ char *net = paude_create_describe_network(s);
		json_object_object_add(o, "network", json_object_new_string(net));
		json_object_object_add(
		    o, "workspace_mode",
		    json_object_new_string(paude_workspace_mode_str(s->workspace_mode)));
		json_object_object_add(o, "venv_shadows",
				       paude_json_array_from_strvec(&s->venv_shadows));
		json_object_object_add(o, "setup", paude_json_array_from_strvec(&s->setup));
		/* Limits as podman writes them ("8g", "1.5"); null: none recorded
		 * (disk: no size limit on the workspace volume). */
		_cleanup_free_ char *mem = s->memory ? paude_size_format(s->memory) : NULL;
		_cleanup_free_ char *cpus = s->cpus_milli ? paude_cpus_format(s->cpus_milli) : NULL;
		_cleanup_free_ char *disk = s->disk ? paude_size_format(s->disk) : NULL;
		json_object_object_add(o, "memory", mem ? json_object_new_string(mem) : NULL);
		json_object_object_add(o, "cpus", cpus ? json_object_new_string(cpus) : NULL);
		json_object_object_add(o, "disk", disk ? json_object_new_string(disk) : NULL);
		json_object_array_add(arr, o);
	}
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_json_write(&b, arr, true);
	paude_sanitize(&safe, b.buf, b.len, PAUDE_SANITIZE_JSON);
	puts(safe.buf);
}

static void
print_table(const struct paude_session_list *l)
{
	if (l->nr == 0) {
		(void)fputs("No sessions. Create one for this directory with: paude create\n",
			    stderr);
		return;
	}
	int wname = 4, wnet = 7, wstate = 7;
	for (size_t i = 0; i < l->nr; i++) {
		_cleanup_free_ char *raw = paude_create_describe_network(&l->v[i]);
		_cleanup_free_ char *net = paude_sanitize_str(raw, 0);
		_cleanup_free_ char *name = paude_sanitize_str(l->v[i].name, 0);
		_cleanup_free_ char *state = paude_agent_state_describe(&l->v[i]);
		if ((int)strlen(name) > wname)
			wname = (int)strlen(name);
		if ((int)strlen(state) > wstate)
			wstate = (int)strlen(state);
		if ((int)strlen(net) > wnet)
			wnet = (int)strlen(net);
	}
	if (wnet > 40)
		wnet = 40;
	/* Sessions of remote hosts: a HOST column first ("-": this machine or a cluster). */
	int whost = 0;
	for (size_t i = 0; i < l->nr; i++) {
		const char *host = paude_cli_session_host(&l->v[i]);
		_cleanup_free_ char *h = host ? paude_sanitize_str(host, 0) : NULL;
		if (h && (int)strlen(h) > whost)
			whost = (int)strlen(h);
	}
	if (whost && whost < 4)
		whost = 4;
	if (whost)
		printf("%-*s  ", whost, "HOST");
	printf("%-*s  %-9s  %-*s  %-*s  %-4s  %-14s  %s\n", wname, "NAME", "BACKEND", wstate,
	       "STATE", wnet, "NETWORK", "YOLO", "CREATED", "WORKSPACE");
	for (size_t i = 0; i < l->nr; i++) {
		const struct paude_session *s = &l->v[i];
		_cleanup_free_ char *raw = paude_create_describe_network(s);
		_cleanup_free_ char *net = paude_sanitize_str(raw, 0);
		_cleanup_free_ char *name = paude_sanitize_str(s->name, 0);
		_cleanup_free_ char *backend = paude_sanitize_str(s->backend, 0);
		_cleanup_free_ char *ws = paude_sanitize_str(s->workspace ? s->workspace : "-", 0);
		_cleanup_free_ char *state = paude_agent_state_describe(s);
		char age[32];
		const char *host = paude_cli_session_host(s);
		_cleanup_free_ char *h = host ? paude_sanitize_str(host, 0) : NULL;
		if (whost)
			printf("%-*s  ", whost, h ? h : "-");
		/* A mounted workspace is the user's real tree: say so where it is shown. */
		printf("%-*s  %-9s  %-*s  %-*.*s  %-4s  %-14s  %s%s\n", wname, name, backend,
		       wstate, state, wnet, wnet, net, s->yolo ? "yes" : "no",
		       paude_cli_age(s->created, age, sizeof(age)), ws,
		       s->workspace_mode == PAUDE_WORKSPACE_MOUNT ? " (mounted)" : "");
	}
}

int
cmd_list(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "list", usage, CLI_COMMON_SHORT, opts };
	bool json = false, names = false;
	const char *host = NULL;
	int opt, r;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_NAMES:
			names = true;
			break;
		case OPT_HOST:
			host = optarg;
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	if (optind < argc)
		return paude_cli_usage_error(err, "list", "unexpected argument '%s'", argv[optind]);

	if (host && *host) {
		/* A remote host runs Podman sessions only. */
		if (ctx->where.kind == PAUDE_LOCATION_CLUSTER)
			return paude_cli_usage_error(err, "list",
						     "--host lists a host's Podman sessions: it "
						     "cannot go with --backend %s",
						     paude_location_backend_name(&ctx->where));
		if ((r = paude_cli_use_host(ctx, host, err)) < 0)
			return r;
	}
	_cleanup_(paude_session_list_release) struct paude_session_list l = PAUDE_SESSION_LIST_INIT;
	if ((r = paude_cli_collect_sessions(ctx, &l, err)) < 0)
		return r;
	if (names) {
		for (size_t i = 0; i < l.nr; i++)
			puts(l.v[i].name);
		return 0;
	}
	/* Only running sessions are asked, all at once: one exec's time. */
	paude_cli_check_agents(ctx, &l);
	if (json)
		print_json(&l);
	else
		print_table(&l);
	return 0;
}
