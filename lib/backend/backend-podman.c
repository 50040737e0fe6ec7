/* SPDX-License-Identifier: MIT */
/*
 * The Podman backend. A session is a container `paude-NAME` with a named
 * volume `paude-NAME-workspace` on /pvc. All metadata lives in the
 * container's labels, so `list` is one `podman ps` call and nothing local
 * can disagree with the engine. Every podman call goes through b->runner.
 */
#include <string.h>
#include <unistd.h>
#include "paude/backend/backend.h"
#include "paude/core/alloc.h"
#include "paude/backend/create-podman.h"
#include "paude/core/env-file.h"
#include "paude/backend/podman.h"
#include "paude/backend/podman-diag.h"
#include "paude/core/json.h"
#include "paude/core/log.h"
#include "paude/core/signal.h"
#include "paude/net/allowlist.h"
#include "paude/backend/net-podman.h"
#include "paude/session/limits.h"
#include "paude/backend/seccomp.h"
#include "core/banned.h"

#define PS_OUTPUT_MAX (16u << 20)

char *
paude_podman_container_name(const char *session)
{
	return paude_xasprintf("paude-%s", session);
}

char *
paude_podman_volume_name(const char *session)
{
	return paude_xasprintf("paude-%s-workspace", session);
}

void
paude_podman_volume_create_argv(const struct paude_session *m, struct paude_strvec *out)
{
	_cleanup_free_ char *vol = paude_podman_volume_name(m->name);
	paude_strvec_pushl(out, "podman", "volume", "create", "--label", "app=paude", NULL);
	paude_strvec_push(out, "--label");
	paude_strvec_pushf(out, PAUDE_LABEL_NAME "=%s", m->name);
	if (m->disk) {
		_cleanup_free_ char *disk = paude_size_format(m->disk);
		paude_strvec_push(out, "--opt");
		paude_strvec_pushf(out, "size=%s", disk);
	}
	paude_strvec_push(out, vol);
}

static int
check_name(const char *name, struct paude_error **err)
{
	/* Names reach argv: they must be valid (and so never start with '-'). */
	return paude_session_name_validate(name, err);
}

static void
podman_child(struct paude_child *c)
{
	paude_child_init(c);
	paude_strvec_push(&c->args, "podman");
}

/* Run podman ARGS...; stdout into out (may be NULL). */
static int
podman_run(struct paude_backend *b, struct paude_buf *out, struct paude_error **err, ...)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	podman_child(&c);
	va_list ap;
	va_start(ap, err);
	const char *s;
	while ((s = va_arg(ap, const char *)))
		paude_strvec_push(&c.args, s);
	va_end(ap);
	return paude_run_output(b->runner, &c, out, err);
}

/* Exit status of `podman ... exists`: 0 yes, 1 no; anything else is an error. */
static int
podman_exists(struct paude_backend *b, const char *what, const char *name, bool *out,
	      struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	podman_child(&c);
	if (strcmp(what, "container") != 0)
		paude_strvec_pushl(&c.args, what, "exists", name, NULL);
	else
		paude_strvec_pushl(&c.args, "container", "exists", name, NULL);
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(1 << 16);
	int status = 0;
	int r = paude_run_capture(b->runner, &c, NULL, 0, NULL, &errbuf, &status, err);
	if (r < 0)
		return r;
	if (status != 0 && status != 1)
		return paude_child_error(err, &c, status, errbuf.buf, errbuf.len);
	*out = status == 0;
	return 0;
}

void
paude_podman_no_ipv6(struct paude_strvec *out)
{
	/*
	 * Off in the container's network namespace, on every interface and on
	 * any added later: no link-local path to the host's services on "::"
	 * and no ICMPv6, whatever the networks offer. Unprivileged ICMP
	 * sockets (ping) are off too.
	 */
	paude_strvec_pushl(out, "--sysctl=net.ipv6.conf.all.disable_ipv6=1",
			   "--sysctl=net.ipv6.conf.default.disable_ipv6=1",
			   "--sysctl=net.ipv4.ping_group_range=" PAUDE_PING_GROUP_RANGE_OFF, NULL);
}

void
paude_podman_create_argv(const struct paude_session_spec *spec, const char *const *net_args,
			 const char *env_file, struct paude_strvec *out)
{
	const struct paude_session *m = &spec->meta;
	_cleanup_free_ char *ctr = paude_podman_container_name(m->name);
	_cleanup_free_ char *vol = paude_podman_volume_name(m->name);
	_cleanup_strvec_ struct paude_strvec labels = PAUDE_STRVEC_INIT;

	/* Images are built locally: never let create reach for a registry. */
	paude_strvec_pushl(out, "podman", "create", "--pull=never", "--name", ctr, "--hostname",
			   m->name, NULL);
	paude_session_to_labels(m, &labels);
	paude_strvec_push(&labels, PAUDE_LABEL_ROLE "=agent");
	for (size_t i = 0; i < labels.nr; i++)
		paude_strvec_pushl(out, "--label", labels.v[i], NULL);
	/*
	 * Isolation: an init reaps zombies; a non-root user in group 0 (the
	 * OpenShift convention); no capabilities, no privilege gain, bounded
	 * process count.
	 */
	paude_strvec_push(out, "--init");
	if (m->workspace_mode == PAUDE_WORKSPACE_MOUNT && spec->rootless) {
		/* The calling user becomes the agent's uid: files the agent writes
		 * in the mounted tree belong to the user, not to a subordinate uid. */
		paude_strvec_pushl(out, "--userns=keep-id:uid=" PAUDE_AGENT_UID ",gid=0", "--user",
				   PAUDE_AGENT_UID ":0", NULL);
	} else if (m->workspace_mode == PAUDE_WORKSPACE_MOUNT) {
		/* Rootful: run as the tree's owner (group 0 keeps HOME writable). */
		paude_strvec_push(out, "--user");
		paude_strvec_pushf(out, "%u:0", spec->workspace_uid);
	} else if (spec->rootless) {
		paude_strvec_pushl(out, "--user", PAUDE_AGENT_UID ":0", NULL);
	} else {
		/* Rootful: the session's ids are a range of unprivileged host ids
		 * of its own (rootless podman maps them already). */
		paude_strvec_pushl(out, "--userns=auto", "--user", PAUDE_AGENT_UID ":0", NULL);
	}
	paude_strvec_pushl(out, "--cap-drop=ALL", "--security-opt=no-new-privileges",
			   "--pids-limit=" PAUDE_PIDS_LIMIT, NULL);
	if (spec->seccomp_profile)
		paude_strvec_pushf(out, "--security-opt=seccomp=%s", spec->seccomp_profile);
	/* One bound for memory and swap: a runaway process is killed, not swapped. */
	if (m->memory) {
		_cleanup_free_ char *mem = paude_size_format(m->memory);
		paude_strvec_pushf(out, "--memory=%s", mem);
		paude_strvec_pushf(out, "--memory-swap=%s", mem);
	}
	if (m->cpus_milli) {
		_cleanup_free_ char *cpus = paude_cpus_format(m->cpus_milli);
		paude_strvec_pushf(out, "--cpus=%s", cpus);
	}
	paude_podman_no_ipv6(out);
	paude_strvec_pushf(out, "--volume=%s:/pvc", vol);
	paude_strvec_pushl(out, "--workdir", PAUDE_WORKSPACE_DIR, NULL);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct paude_mount *mt = &spec->mounts[i];
		paude_strvec_pushf(out, "--mount=type=bind,source=%s,target=%s%s%s", mt->host,
				   mt->target, mt->read_only ? ",readonly=true" : "",
				   mt->relabel ? ",relabel=shared" : "");
	}
	/* Empty, writable, executable directories over the host's venvs: the
	 * session builds its own without touching (or running) the host's. */
	for (size_t i = 0; m->workspace_mode == PAUDE_WORKSPACE_MOUNT && i < m->venv_shadows.nr;
	     i++)
		paude_strvec_pushf(out,
				   "--mount=type=tmpfs,destination=" PAUDE_WORKSPACE_DIR
				   "/%s,tmpfs-mode=0775,U=true,notmpcopyup",
				   m->venv_shadows.v[i]);
	/* Values only in a private file: argv is visible to every user in ps. */
	if (env_file && spec->env.nr)
		paude_strvec_pushf(out, "--env-file=%s", env_file);
	if (net_args)
		paude_strvec_pushv(out, net_args);
	paude_strvec_push(out, m->image);
	paude_session_agent_argv(m, out);
}

static int
validate_spec(const struct paude_session_spec *spec, struct paude_error **err)
{
	int r = check_name(spec->meta.name, err);
	if (r < 0)
		return r;
	if (!spec->meta.image || !*spec->meta.image || paude_looks_like_option(spec->meta.image))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image reference '%s'",
				       spec->meta.image ? spec->meta.image : "");
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct paude_mount *mt = &spec->mounts[i];
		/* --mount is comma-separated: a comma in a path would inject options. */
		if (!mt->host || mt->host[0] != '/' || strchr(mt->host, ',') ||
		    strchr(mt->host, '\n') || !mt->target || mt->target[0] != '/' ||
		    strchr(mt->target, ','))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "cannot mount '%s' (paths must be absolute and "
					       "contain no ',')",
					       mt->host ? mt->host : "");
	}
	for (size_t i = 0; i < spec->meta.venv_shadows.nr; i++) {
		int r2 = paude_workspace_subdir_validate(spec->meta.venv_shadows.v[i], err);
		if (r2 < 0)
			return r2;
	}
	if (spec->meta.disk && spec->rootless)
		return paude_error_set(err, PAUDE_ENOTSUP, 0,
				       "cannot limit the size of the workspace volume: rootless "
				       "podman has no volume size limits (leave out --disk)");
	if (spec->meta.workspace_mode == PAUDE_WORKSPACE_MOUNT && !spec->rootless &&
	    spec->workspace_uid == 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "cannot mount workspace '%s': it belongs to root, and the "
				       "agent never runs as root (chown it to your user, or leave "
				       "out --mount-workspace)",
				       spec->meta.workspace ? spec->meta.workspace : "");
	return 0;
}

/* The bind-mount sources of a session as a remote host has them. */
struct host_mounts {
	struct paude_mount *v;
	char **hosts;
	size_t n;
};

static void
host_mounts_free(struct host_mounts *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->hosts[i]);
	free(m->hosts);
	free(m->v);
}

/* Copy each bind-mount source to the runner's host, kept under the session's name. */
static int
host_mounts(struct paude_runner *runner, const struct paude_session_spec *spec,
	    struct host_mounts *out, struct paude_error **err)
{
	out->v = paude_xcalloc(spec->n_mounts, sizeof(*out->v));
	out->hosts = paude_xcalloc(spec->n_mounts, sizeof(*out->hosts));
	for (size_t i = 0; i < spec->n_mounts; i++) {
		out->v[i] = spec->mounts[i];
		int r = paude_runner_host_path(runner, spec->mounts[i].host, spec->meta.name,
					       &out->hosts[i], err);
		out->n = i + 1;
		if (r < 0)
			return r;
		out->v[i].host = out->hosts[i];
	}
	return 0;
}

static void
unlink_freep(char **p)
{
	if (*p) {
		(void)unlink(*p);
		free(*p);
	}
}

/*
 * Podman accepts a size for any volume but can enforce it only with XFS
 * project quotas under its volume directory; elsewhere the volume cannot
 * be mounted at all. Mounting it once now turns a session that could
 * never start into a clear error at create.
 */
static int
check_volume_size(struct paude_backend *b, const char *vol, const char *size,
		  struct paude_error **err)
{
	_cleanup_error_ struct paude_error *merr = NULL;
	if (podman_run(b, NULL, &merr, "volume", "mount", vol, NULL) < 0) {
		paude_debug("podman volume mount: %s", merr->msg);
		return paude_error_set(err, PAUDE_ENOTSUP, 0,
				       "cannot limit the workspace volume to %s on this host: "
				       "podman enforces volume sizes only when its volume "
				       "directory is on XFS with project quotas (leave out --disk)",
				       size);
	}
	return podman_run(b, NULL, err, "volume", "unmount", vol, NULL);
}

/*
 * Put what failed in front of a podman error: "WHAT: podman's words", or,
 * for a host problem paude knows (rootless podman's needs), "WHAT: what is
 * wrong (fix: ...)" instead of podman's words.
 */
static void _printf_(2, 3) explain_or_wrap(struct paude_error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
	paude_buf_vaddf(&what, NULL, fmt, ap);
	va_end(ap);
	if (paude_podman_explain(err, what.buf) == PAUDE_PODMAN_OK)
		paude_error_wrap(err, PAUDE_EGENERIC, "%s", what.buf);
}

/*
 * Whether the podman of a remote runner is rootless: its user's, not ours
 * (a local runner's podman is ours, and the caller knows: geteuid).
 */
static int
host_rootless(struct paude_backend *b, bool *out, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf o = PAUDE_BUF_INIT_MAX(4096);
	int r = podman_run(b, &o, err, "info", "--format", "{{.Host.Security.Rootless}}", NULL);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot ask the host's podman how it runs");
	paude_buf_rtrim(&o);
	*out = o.buf && !strcmp(o.buf, "true");
	return 0;
}

static int
podman_create(struct paude_backend *b, const struct paude_session_spec *spec,
	      struct paude_error **err)
{
	const char *name = spec->meta.name;
	int r;
	struct paude_session_spec there;
	if (paude_runner_is_remote(b->runner)) {
		there = *spec;
		if ((r = host_rootless(b, &there.rootless, err)) < 0)
			return r;
		spec = &there;
	}
	if ((r = validate_spec(spec, err)) < 0)
		return r;
	_cleanup_free_ char *ctr = paude_podman_container_name(name);
	_cleanup_free_ char *vol = paude_podman_volume_name(name);
	bool exists = false;
	if ((r = podman_exists(b, "container", ctr, &exists, err)) < 0)
		return r;
	if (exists)
		return paude_error_set(
		    err, PAUDE_EEXISTS, 0,
		    "session '%s' already exists (connect with: paude connect %s, "
		    "or delete it with: paude delete %s --confirm)",
		    name, name, name);
	if ((r = podman_exists(b, "volume", vol, &exists, err)) < 0)
		return r;
	if (exists)
		return paude_error_set(err, PAUDE_EEXISTS, 0,
				       "volume '%s' already exists without a session (remove it "
				       "with: podman volume rm %s)",
				       vol, vol);

	/* The network policy: an unrestricted session has a proxy only to run
	 * the model gateway. */
	_cleanup_(paude_allowlist_release) struct paude_allowlist al = PAUDE_ALLOWLIST_INIT;
	if ((r = paude_allowlist_parse(&al, (const char *const *)spec->meta.allowed_domains.v,
				       err)) < 0)
		return r;
	struct paude_net_podman_opts nopts = {
		.proxy_image = spec->proxy_image,
		.egress_network = spec->proxy_network,
		.gateway = spec->gateway,
		.allow_private_dst = (const char *const *)spec->meta.allow_private_dst.v,
	};
	if (nopts.egress_network && !*nopts.egress_network)
		nopts.egress_network = NULL;
	if ((!al.unrestricted || spec->gateway) && (!nopts.proxy_image || !*nopts.proxy_image))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "no network proxy image for session '%s' (set "
				       "PAUDE_PROXY_IMAGE, or use --allowed-domains all for no "
				       "filtering)",
				       name);

	/* Podman reads the profile at create and keeps it: the file is ours
	 * for the length of this call only. */
	_cleanup_(unlink_freep) char *profile = NULL;
	_cleanup_free_ char *profile_there = NULL;
	struct paude_session_spec s = *spec;
	if (!s.seccomp_profile) {
		if ((r = paude_seccomp_write_profile_for(b->runner, &profile, &profile_there,
							 err)) < 0)
			return r;
		s.seccomp_profile = profile_there;
	} else if (paude_runner_is_remote(b->runner)) {
		if ((r = paude_runner_host_path(b->runner, s.seccomp_profile, NULL, &profile_there,
						err)) < 0)
			return r;
		s.seccomp_profile = profile_there;
	}
	nopts.rootless = spec->rootless;
	nopts.seccomp_profile = s.seccomp_profile;

	/* Declared before the first jump to rollback, which their cleanup outlives. */
	_cleanup_strvec_ struct paude_strvec net_args = PAUDE_STRVEC_INIT;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_child_ struct paude_child vc = PAUDE_CHILD_INIT;
	_cleanup_(paude_env_file_remove) struct paude_env_file envf = PAUDE_ENV_FILE_INIT;
	_cleanup_free_ char *disk = NULL;
	_cleanup_(host_mounts_free) struct host_mounts hm = { 0 };
	/* First: an entry the file cannot carry fails before anything exists. */
	if (spec->env.nr && (r = paude_env_file_write(&envf, &spec->env, err)) < 0)
		return r;
	if ((r = paude_env_file_upload(&envf, b->runner, err)) < 0)
		return r;
	/* A remote host bind-mounts its own copies of these files (kept with the session). */
	if (paude_runner_is_remote(b->runner) && spec->n_mounts) {
		r = host_mounts(b->runner, spec, &hm, err);
		s.mounts = hm.v;
		/* Their paths there go into --mount too. */
		if (r == 0)
			r = validate_spec(&s, err);
		if (r < 0)
			goto rollback;
	}
	/*
	 * From here on every step is undone if a later one fails or the user
	 * interrupts (a Ctrl-C kills the podman child and is recorded here).
	 */
	paude_child_init(&vc);
	paude_podman_volume_create_argv(&spec->meta, &vc.args);
	if (spec->meta.disk)
		disk = paude_size_format(spec->meta.disk);
	r = paude_run_output(b->runner, &vc, NULL, err);
	if (r < 0) {
		explain_or_wrap(err, "cannot create volume '%s'", vol);
		goto rollback;
	}
	if ((r = paude_signal_check(err)) < 0)
		goto rollback;
	if (disk && (r = check_volume_size(b, vol, disk, err)) < 0)
		goto rollback;

	r = paude_net_podman_create(b->runner, name, &al, &nopts, &net_args, err);
	if (r < 0) {
		explain_or_wrap(err, "cannot create the network of session '%s'", name);
		goto rollback;
	}
	if ((r = paude_signal_check(err)) < 0)
		goto rollback;

	paude_podman_create_argv(&s, (const char *const *)net_args.v, paude_env_file_arg(&envf),
				 &c.args);
	r = paude_run_output(b->runner, &c, NULL, err);
	/* podman has read it into the container's configuration. */
	paude_env_file_remove(&envf);
	if (r < 0) {
		explain_or_wrap(err, "cannot create container '%s'", ctr);
		goto rollback;
	}
	if ((r = paude_signal_check(err)) < 0)
		goto rollback;
	return 0;

rollback:
	/* Leave nothing half-created; keep the first error. */
	podman_run(b, NULL, NULL, "rm", "--force", "--ignore", ctr, NULL);
	if (!al.unrestricted || spec->gateway)
		paude_net_podman_remove(b->runner, name, NULL, NULL);
	podman_run(b, NULL, NULL, "volume", "rm", "--force", vol, NULL);
	(void)paude_runner_forget(b->runner, name, NULL);
	/* --userns=auto takes ids from the subordinate ranges of "containers". */
	if (err && *err && !spec->rootless &&
	    (strstr((*err)->msg, "subuid") || strstr((*err)->msg, "subgid")))
		paude_error_wrap(err, r,
				 "rootful sessions need subordinate ids for the user 'containers' "
				 "(run scripts/setup-host.sh, or add "
				 "'containers:2147483647:2147483648' to /etc/subuid and "
				 "/etc/subgid)");
	return r;
}

static int
podman_start(struct paude_backend *b, const char *name, struct paude_error **err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *ctr = paude_podman_container_name(name);
	/* The proxy first: the agent's only way out must be there when it is. */
	r = paude_net_podman_start(b->runner, name, NULL, err);
	if (r < 0) {
		explain_or_wrap(err, "cannot start the network proxy of session '%s'", name);
		return r;
	}
	r = podman_run(b, NULL, err, "start", ctr, NULL);
	if (r < 0) {
		explain_or_wrap(err, "cannot start session '%s'", name);
		/* The proxy would keep its network namespace alive for nothing. */
		paude_net_podman_stop(b->runner, name, NULL, NULL);
		return r;
	}
	return 0;
}

static int
podman_stop(struct paude_backend *b, const char *name, struct paude_error **err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *ctr = paude_podman_container_name(name);
	/* Both at once: the agent gets its grace period while the proxy,
	 * which holds nothing, goes at once. */
	_cleanup_child_ struct paude_child agent = PAUDE_CHILD_INIT;
	podman_child(&agent);
	paude_strvec_pushl(&agent.args, "stop", "--time", "10", ctr, NULL);
	_cleanup_child_ struct paude_child proxy = PAUDE_CHILD_INIT;
	if ((r = paude_net_podman_stop_prepare(name, NULL, &proxy, err)) < 0)
		return r;
	struct paude_child *const both[] = { &agent, &proxy };
	r = paude_run_all(b->runner, both, ARRAY_SIZE(both), NULL, NULL, err);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot stop session '%s'", name);
	return 0;
}

static int
podman_remove(struct paude_backend *b, const char *name, struct paude_error **err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *ctr = paude_podman_container_name(name);
	_cleanup_free_ char *vol = paude_podman_volume_name(name);
	_cleanup_child_ struct paude_child rm = PAUDE_CHILD_INIT;
	podman_child(&rm);
	paude_strvec_pushl(&rm.args, "rm", "--force", "--ignore", "--time", "10", ctr, NULL);
	r = paude_podman_rm_retrying(b->runner, &rm, err);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot remove container '%s'", ctr);
	/* After the agent: a network with a container on it cannot go. */
	r = paude_net_podman_remove(b->runner, name, NULL, err);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot remove the network of session '%s'", name);
	bool exists = false;
	if ((r = podman_exists(b, "volume", vol, &exists, err)) < 0)
		return r;
	if (exists) {
		r = podman_run(b, NULL, err, "volume", "rm", "--force", vol, NULL);
		if (r < 0)
			return paude_error_wrap(err, r, "cannot remove volume '%s'", vol);
	}
	/* What a remote host keeps for the session's bind mounts (nothing here). */
	return paude_runner_forget(b->runner, name, err);
}

struct label_ctx {
	struct json_object *labels;
};

static const char *
label_lookup(void *ctx, const char *key)
{
	return paude_json_get_str(((struct label_ctx *)ctx)->labels, key);
}

static enum paude_session_state
state_from_podman(const char *state)
{
	if (!state)
		return PAUDE_SESSION_UNKNOWN;
	if (!strcmp(state, "running") || !strcmp(state, "paused"))
		return PAUDE_SESSION_RUNNING;
	if (!strcmp(state, "created") || !strcmp(state, "configured"))
		return PAUDE_SESSION_CREATED;
	if (!strcmp(state, "exited") || !strcmp(state, "stopped"))
		return PAUDE_SESSION_STOPPED;
	return PAUDE_SESSION_UNKNOWN;
}

/* Whether a ps entry lists the network (podman 4: "Networks": [names]). */
static bool
on_network(struct json_object *ent, const char *net)
{
	struct json_object *nets = paude_json_get_array(ent, "Networks");
	if (!nets)
		return true; /* not said: not known to be missing */
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(nets, i));
		if (n && !strcmp(n, net))
			return true;
	}
	return false;
}

/* Whether a ps entry is the container PREFIX+NAME (podman 4: "Names":
 * [name]); an entry that does not say is taken to be. */
static bool
named(struct json_object *ent, const char *prefix, const char *name)
{
	struct json_object *names = paude_json_get_array(ent, "Names");
	if (!names)
		return true;
	size_t np = strlen(prefix);
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		if (n && !strncmp(n, prefix, np) && !strcmp(n + np, name))
			return true;
	}
	return false;
}

int
paude_podman_parse_ps(struct paude_session_list *out, const char *json, size_t len,
		      struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r = paude_json_parse(&root, json, len, "podman ps output", err);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_array))
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "podman ps output: expected a JSON array");
	size_t n = json_object_array_length(root);
	for (size_t i = 0; i < n; i++) {
		struct json_object *ent = json_object_array_get_idx(root, i);
		struct json_object *labels = paude_json_get_obj(ent, "Labels");
		const char *role = paude_json_get_str(labels, PAUDE_LABEL_ROLE);
		const char *app = paude_json_get_str(labels, PAUDE_LABEL_APP);
		if (!labels || !app || strcmp(app, PAUDE_LABEL_APP_VALUE) != 0 ||
		    (role && strcmp(role, "agent") != 0))
			continue;
		struct paude_session s = PAUDE_SESSION_INIT;
		struct label_ctx lc = { labels };
		_cleanup_error_ struct paude_error *lerr = NULL;
		if (paude_session_from_labels(&s, label_lookup, &lc, &lerr) < 0) {
			/* One damaged container must not hide the others. */
			paude_debug("skipping container with bad labels: %s", lerr->msg);
			continue;
		}
		struct paude_session *d = paude_session_list_add(out);
		*d = s;
		d->backend = paude_xstrdup(paude_backend_podman.name);
		d->state = state_from_podman(paude_json_get_str(ent, "State"));
		const char *status = paude_json_get_str(ent, "Status");
		d->status = paude_xstrdup(status ? status : "");
		const char *st = paude_json_get_str(ent, "State");
		d->paused = st && !strcmp(st, "paused");
		struct json_object *started = NULL;
		if (json_object_object_get_ex(ent, "StartedAt", &started) &&
		    json_object_is_type(started, json_type_int))
			d->started_at = json_object_get_int64(started);
		struct json_object *pid = NULL;
		if (json_object_object_get_ex(ent, "Pid", &pid) &&
		    json_object_is_type(pid, json_type_int))
			d->host_pid = (long)json_object_get_int64(pid);
		if (paude_strvec_find(&d->allowed_domains, "all") < 0) {
			_cleanup_free_ char *net = paude_xasprintf("paude-net-%s", d->name);
			d->network_missing = !on_network(ent, net);
			d->proxy_missing = true; /* until its container turns up */
		}
	}
	/* The proxies: in the same listing, labelled with their session. */
	for (size_t i = 0; i < n; i++) {
		struct json_object *ent = json_object_array_get_idx(root, i);
		struct json_object *labels = paude_json_get_obj(ent, "Labels");
		const char *role = paude_json_get_str(labels, PAUDE_LABEL_ROLE);
		const char *name = paude_json_get_str(labels, PAUDE_LABEL_NAME);
		if (!role || strcmp(role, "proxy") != 0 || !name)
			continue;
		for (size_t j = 0; j < out->nr; j++) {
			struct paude_session *d = &out->v[j];
			if (strcmp(d->name, name) != 0 ||
			    paude_location_backend_kind(d->backend) != PAUDE_LOCATION_PODMAN)
				continue;
			/* A replacement being made, or an old one being
			 * swapped out (paude_net_podman_update), is not it. */
			if (!named(ent, "paude-proxy-", d->name))
				continue;
			const char *st = paude_json_get_str(ent, "State");
			d->proxy_missing = false;
			/* The policy in effect: the proxy is made again when it
			 * changes; the agent's label keeps the one at create. */
			const char *doms = paude_json_get_str(labels, PAUDE_LABEL_DOMAINS);
			_cleanup_strvec_ struct paude_strvec dv = PAUDE_STRVEC_INIT;
			_cleanup_error_ struct paude_error *derr = NULL;
			if (doms && *doms &&
			    paude_session_decode_list(&dv, PAUDE_LABEL_DOMAINS, doms, &derr) == 0 &&
			    dv.nr) {
				paude_strvec_clear(&d->allowed_domains);
				d->allowed_domains = dv;
				paude_strvec_init(&dv);
			} else if (derr) {
				paude_debug("proxy of '%s': %s", d->name, derr->msg);
			}
			d->proxy_stopped =
			    d->state == PAUDE_SESSION_RUNNING && !(st && !strcmp(st, "running"));
		}
	}
	return 0;
}

static int
ps(struct paude_backend *b, const char *session, struct paude_session_list *out,
   struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(PS_OUTPUT_MAX);
	_cleanup_free_ char *filter = NULL;
	filter = paude_xasprintf("label=" PAUDE_LABEL_NAME "%s%s", session ? "=" : "",
				 session ? session : "");
	int r = podman_run(b, &buf, err, "ps", "--all", "--filter", "label=app=paude", "--filter",
			   filter, "--format", "json", NULL);
	if (r < 0)
		return r;
	return paude_podman_parse_ps(out, buf.buf, buf.len, err);
}

static int
podman_list(struct paude_backend *b, struct paude_session_list *out, struct paude_error **err)
{
	_cleanup_(paude_session_list_release) struct paude_session_list l = PAUDE_SESSION_LIST_INIT;
	int r = ps(b, NULL, &l, err);
	if (r < 0)
		return r;
	paude_session_list_take_all(out, &l);
	paude_session_list_sort(out);
	return 0;
}

static int
podman_get(struct paude_backend *b, const char *name, struct paude_session *out,
	   struct paude_error **err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	_cleanup_(paude_session_list_release) struct paude_session_list l = PAUDE_SESSION_LIST_INIT;
	r = ps(b, name, &l, err);
	if (r < 0)
		return r;
	if (paude_session_list_take(out, &l, name))
		return 0;
	return paude_error_set(err, PAUDE_ENOTFOUND, 0,
			       "session '%s' not found (list sessions with: paude list)", name);
}

static int
podman_exec_prepare(struct paude_backend *b, const char *name, unsigned flags,
		    const char *const *argv, struct paude_child *out, struct paude_error **err)
{
	(void)b;
	int r = check_name(name, err);
	if (r < 0)
		return r;
	if (!argv || !argv[0] || !*argv[0])
		return paude_error_set(err, PAUDE_EUSAGE, 0, "no command to run in session '%s'",
				       name);
	_cleanup_free_ char *ctr = paude_podman_container_name(name);
	paude_strvec_pushl(&out->args, "podman", "exec", NULL);
	if (flags & PAUDE_EXEC_STDIN)
		paude_strvec_push(&out->args, "--interactive");
	if (flags & PAUDE_EXEC_TTY) {
		paude_strvec_push(&out->args, "--tty");
		/* The terminal type must reach tmux inside, or it draws garbage. */
		const char *term = getenv("TERM");
		if (term && *term && !strchr(term, '\n'))
			paude_strvec_pushf(&out->args, "--env=TERM=%s", term);
	}
	paude_strvec_push(&out->args, ctr);
	paude_strvec_pushv(&out->args, argv);
	return 0;
}

static int
podman_proxy_log(struct paude_backend *b, const char *name, struct paude_buf *out,
		 struct paude_error **err)
{
	return paude_net_podman_proxy_log(b->runner, name, 0, NULL, out, err);
}

static int
podman_gateway_credentials(struct paude_backend *b, const char *name, const char *data, size_t len,
			   struct paude_error **err)
{
	return paude_net_podman_gateway_credentials(b->runner, name, data, len, NULL, err);
}

static int
podman_gateway_log(struct paude_backend *b, const char *name, struct paude_buf *out,
		   struct paude_error **err)
{
	return paude_net_podman_gateway_log(b->runner, name, 0, NULL, out, err);
}

static int
podman_set_allowlist(struct paude_backend *b, const struct paude_session *s,
		     const struct paude_allowlist *al, struct paude_error **err)
{
	int r = check_name(s->name, err);
	if (r < 0)
		return r;
	/* The new proxy gets the profile create gives (podman keeps what it
	 * reads at create: the file is ours for this call only). */
	_cleanup_(unlink_freep) char *profile = NULL;
	_cleanup_free_ char *profile_there = NULL;
	if ((r = paude_seccomp_write_profile_for(b->runner, &profile, &profile_there, err)) < 0)
		return r;
	bool rootless = geteuid() != 0;
	if (paude_runner_is_remote(b->runner) && (r = host_rootless(b, &rootless, err)) < 0)
		return r;
	const struct paude_net_podman_opts o = {
		.rootless = rootless,
		.seccomp_profile = profile_there,
		/* The proxy made again keeps the network it reaches the
		 * allowed domains on (paude_net_podman_update reads it). */
		.allow_private_dst = (const char *const *)s->allow_private_dst.v,
	};
	r = paude_net_podman_update(b->runner, s->name, al, &o, err);
	if (r < 0)
		explain_or_wrap(err, "cannot change the network policy of session '%s'", s->name);
	return r;
}

static int
podman_leftovers(struct paude_backend *b, const char *name, bool *any, struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *vol = paude_podman_volume_name(name);
	_cleanup_free_ char *proxy = paude_xasprintf("paude-proxy-%s", name);
	_cleanup_free_ char *net = paude_xasprintf("paude-net-%s", name);
	const char *const checks[][3] = {
		{ "volume", "exists", vol },
		{ "container", "exists", proxy },
		{ "network", "exists", net },
	};
	*any = false;
	for (size_t i = 0; i < ARRAY_SIZE(checks) && !*any; i++) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		podman_child(&c);
		for (size_t j = 0; j < 3; j++)
			paude_strvec_push(&c.args, checks[i][j]);
		int status = 0;
		if ((r = paude_run_capture(b->runner, &c, NULL, 0, NULL, NULL, &status, err)) < 0)
			return r;
		*any = status == 0;
	}
	return 0;
}

/* Copy a podman stats field if it is plain text (digits, units, '/', '.', '%'). */
static void
copy_usage_field(char *dst, size_t n, const char *src)
{
	size_t j = 0;
	for (const char *p = src ? src : ""; *p && j + 1 < n; p++)
		if (strchr("0123456789.%/ kKMGTiBb", *p))
			dst[j++] = *p;
	dst[j] = '\0';
}

static int
podman_usage(struct paude_backend *b, const char *name, struct paude_usage *out,
	     struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *ctr = paude_xasprintf("paude-%s", name);
	_cleanup_buf_ struct paude_buf o = PAUDE_BUF_INIT_MAX(1 << 20);
	if ((r = podman_run(b, &o, err, "stats", "--no-stream", "--format", "json", ctr, NULL)) < 0)
		return r;
	_cleanup_json_ struct json_object *root = NULL;
	if ((r = paude_json_parse(&root, o.buf, o.len, "podman stats output", err)) < 0)
		return r;
	if (!json_object_is_type(root, json_type_array) || json_object_array_length(root) < 1)
		return paude_error_set(err, PAUDE_EPROTO, 0, "podman stats gave no entry for '%s'",
				       ctr);
	struct json_object *e = json_object_array_get_idx(root, 0);
	copy_usage_field(out->cpu, sizeof(out->cpu), paude_json_get_str(e, "cpu_percent"));
	copy_usage_field(out->mem, sizeof(out->mem), paude_json_get_str(e, "mem_usage"));
	copy_usage_field(out->pids, sizeof(out->pids), paude_json_get_str(e, "pids"));
	return 0;
}

const struct paude_backend_ops paude_backend_podman = {
	.name = "podman",
	.kind = PAUDE_LOCATION_PODMAN,
	.create = podman_create,
	.start = podman_start,
	.stop = podman_stop,
	.remove = podman_remove,
	.list = podman_list,
	.get = podman_get,
	.exec_prepare = podman_exec_prepare,
	.proxy_log = podman_proxy_log,
	.gateway_credentials = podman_gateway_credentials,
	.gateway_log = podman_gateway_log,
	.set_allowlist = podman_set_allowlist,
	.leftovers = podman_leftovers,
	.usage = podman_usage,
	.prepare_images = paude_podman_prepare_images,
	.render_plan = paude_podman_render_plan,
};
