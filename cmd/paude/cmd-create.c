/* SPDX-License-Identifier: MIT */
/*
 * paude create: make a new session (workspace volume, agent container and,
 * when filtering, its network and proxy) for the current directory. Inside
 * a git repository it then puts the current branch into the session as
 * `paude remote add --push` does: the session is started for the push and
 * stopped again, and if the push fails the whole session is removed (a
 * session without its code is no use to the setup command). --no-push
 * skips that. --dry-run prints the plan instead and changes nothing.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "paude/core/alloc.h"
#include "cmd-remote.h"
#include "paude/core/fs.h"
#include "paude/git/git-remote.h"
#include "paude/core/signal.h"
#include "paude/core/log.h"
#include "paude/session/limits.h"
#include "paude/core/words.h"
#include "session-setup.h"
#include "paude/backend/create-plan.h"
#include "host.h"
#include "paude/session/index.h"

static const char usage[] =
    "usage: paude create [NAME] [options]\n"
    "\n"
    "Create a session for the current directory (NAME defaults to the directory's\n"
    "name). Inside a git repository, the current branch goes into the session as\n"
    "'paude remote add --push NAME' does (remote paude-NAME is added here; the\n"
    "session is started for the push and stopped again; if the push fails, the\n"
    "session is removed again). Outside one, the workspace starts empty. Run\n"
    "'paude start NAME' next: it runs the project's setup commands on the code.\n"
    "\n"
    "The model provider comes from this environment: ANTHROPIC_API_KEY, or Vertex\n"
    "AI (CLAUDE_CODE_USE_VERTEX=1, ANTHROPIC_VERTEX_PROJECT_ID and gcloud ADC),\n"
    "held by the session's gateway; without either, Claude Code's own claude.ai\n"
    "login, and the default network then allows Anthropic's hosts (anthropic).\n"
    "\n"
    "A project may bring its own environment: .devcontainer/devcontainer.json,\n"
    ".devcontainer.json, .devcontainer/NAME/devcontainer.json or, without any of\n"
    "them, paude.json (see " PAUDE_DOCDIR "/CONFIGURATION.md). Its image is built\n"
    "once and cached.\n"
    "\n"
    "Options:\n"
    "  --yolo                  let Claude Code act without permission prompts\n"
    "                          (passes --dangerously-skip-permissions)\n"
    "  --allowed-domains VALUE allow network access to VALUE; repeatable. An alias\n"
    "                          (default, vertexai, pypi, anthropic, all), a host\n"
    "                          (example.com) or a domain and its subdomains\n"
    "                          (.example.com).\n"
    "                          Custom values replace the default list unless\n"
    "                          'default' is given too; 'all' disables filtering.\n"
    "                          vertexai: REGION-aiplatform.googleapis.com,\n"
    "                          aiplatform, oauth2, sts, iamcredentials\n"
    "                          .googleapis.com; pypi: pypi.org,\n"
    "                          files.pythonhosted.org; anthropic: api.anthropic.com,\n"
    "                          claude.ai, console.anthropic.com,\n"
    "                          platform.claude.com. Wider forms (.googleapis.com,\n"
    "                          .google.com) only when given explicitly.\n"
    "  -a, --args ARGS         arguments for Claude Code, quoted as in a shell;\n"
    "                          repeatable: -a '-p \"explain this code\"'\n"
    "  --mount-workspace       mount this directory read-write in the session\n"
    "                          instead of keeping the code in the session's volume\n"
    "                          (the agent then changes your files directly; venv\n"
    "                          directories are hidden behind empty ones; podman only)\n"
    "  --no-push               leave the workspace empty even in a git repository\n"
    "                          (push later with: paude remote add --push NAME)\n"
    "  --rebuild               rebuild the session image even if it is cached\n"
    "                          (after changing the configuration's Dockerfile base\n"
    "                          or to get a newer Claude Code)\n"
    "  --config PATH           the configuration to use (needed when the project\n"
    "                          has several), relative to this directory\n"
    "  --dry-run               show what would be created, the configuration found\n"
    "                          (base, packages, features and where they would be\n"
    "                          fetched from, lifecycle commands, ports) and the\n"
    "                          image recipe; build, fetch and change nothing\n"
    "  --memory SIZE           memory limit of the agent (default 8g; units k, m,\n"
    "                          g, t): a process past it is killed, the session\n"
    "                          stays\n"
    "  --cpus N                CPU limit of the agent (default 2; 0.5 is half a CPU)\n"
    "  --disk SIZE             size limit of the workspace volume (default none;\n"
    "                          podman enforces it only on XFS with project quotas,\n"
    "                          and refuses otherwise; on a cluster: the PVC size)\n"
    "  --backend NAME          where the session runs: podman (default), or\n"
    "                          openshift (alias kubernetes) on a cluster\n"
    "  --host [USER@]HOST[:PORT]\n"
    "                          create it on the Podman of this host, over SSH\n"
    "                          (default: PAUDE_HOST; '' for this machine; see\n"
    "                          " PAUDE_DOCDIR "/REMOTE.md)\n"
    "\n"
    "Cluster options (imply --backend openshift; see\n" PAUDE_DOCDIR "/OPENSHIFT.md):\n"
    "  --openshift-context CTX kubeconfig context (default: the current one)\n"
    "  --openshift-namespace NS\n"
    "                          namespace, which must exist (default: the\n"
    "                          context's)\n"
    "  --pvc-size SIZE         workspace volume size (default 10Gi)\n"
    "  --storage-class NAME    storage class of the workspace volume\n"
    "  --registry REGISTRY     push the images there (plain Kubernetes; on\n"
    "                          OpenShift they are built in the cluster, but for\n"
    "                          a project's own Dockerfile, which needs it)\n"
    "  A project's configuration applies as with podman (its image, containerEnv,\n"
    "  setup command); the host CA bundle goes in a ConfigMap.\n"
    "  With --dry-run, the objects that would be applied are printed as JSON.\n"
    "\n"
    "Common options:\n"
    "  -v, --verbose           show more (repeat for debug traces of every command)\n"
    "  -q, --quiet             show only warnings and errors\n"
    "  -h, --help              show this help\n"
    "\n"
    "Environment: PAUDE_BASE_IMAGE (base OS image), PAUDE_IMAGE (use this agent\n"
    "image as is), PAUDE_CA_BUNDLE (CA bundle for TLS-inspecting proxies; empty to\n"
    "disable), PAUDE_PROXY_ALLOW_PRIVATE_DST (IPv4 ranges such as 10.20.0.0/16 that\n"
    "allowed names may lead to; the proxy refuses every other private address).\n";

enum {
	OPT_YOLO = CLI_OPT_FIRST_PRIVATE,
	OPT_DOMAINS,
	OPT_REBUILD,
	OPT_DRY_RUN,
	OPT_MOUNT_WORKSPACE,
	OPT_PVC_SIZE,
	OPT_STORAGE_CLASS,
	OPT_REGISTRY,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_DISK,
	OPT_CONFIG,
	OPT_NO_PUSH,
	OPT_HOST,
};

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "yolo", no_argument, NULL, OPT_YOLO },
	{ "allowed-domains", required_argument, NULL, OPT_DOMAINS },
	{ "args", required_argument, NULL, 'a' },
	{ "rebuild", no_argument, NULL, OPT_REBUILD },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "mount-workspace", no_argument, NULL, OPT_MOUNT_WORKSPACE },
	{ "pvc-size", required_argument, NULL, OPT_PVC_SIZE },
	{ "storage-class", required_argument, NULL, OPT_STORAGE_CLASS },
	{ "registry", required_argument, NULL, OPT_REGISTRY },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "no-push", no_argument, NULL, OPT_NO_PUSH },
	{ "host", required_argument, NULL, OPT_HOST },
	{ NULL, 0, NULL, 0 },
};

/* The dry run: the plan as the backend would run it. */
static int
show_plan(struct paude_backend *b, const struct paude_create_plan *p, struct paude_error **err)
{
	_cleanup_(paude_create_render_release) struct paude_create_render out =
	    PAUDE_CREATE_RENDER_INIT;
	int r = paude_create_render(b, p, &out, err);
	if (r < 0)
		return r;
	if (out.out.len)
		(void)fputs(out.out.buf, stdout);
	if (out.info.len && paude_log_enabled(PAUDE_LOG_INFO))
		(void)fputs(out.info.buf, stderr);
	return 0;
}

/* Names are unique across places (commands find a session by name):
 * PAUDE_EEXISTS when the index records name on a cluster or a host. */
static int
refuse_recorded(const char *name, struct paude_error **err)
{
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	const struct paude_index_entry *known = NULL;
	if (paude_index_load(&ix, NULL) < 0 || !(known = paude_index_find(&ix, name)))
		return 0;
	_cleanup_buf_ struct paude_buf where = PAUDE_BUF_INIT;
	paude_location_format_where(&known->where, &where);
	return paude_error_set(
	    err, PAUDE_EEXISTS, 0, "session '%s' already exists %s '%s' (see: paude list)", name,
	    known->where.kind == PAUDE_LOCATION_SSH ? "on host" : "in namespace", where.buf);
}

static int
create_kube(struct paude_cmd_ctx *ctx, struct paude_create_plan *p, struct paude_error **err)
{
	struct paude_session_spec *spec = p->spec;
	const char *name = spec->meta.name;
	const struct paude_location cluster = { .kind = PAUDE_LOCATION_CLUSTER,
						.context = ctx->where.context,
						.namespace = ctx->where.namespace };
	_cleanup_backend_ struct paude_backend *b = NULL;
	int r = paude_create_open(&b, &cluster, ctx->runner, p, err);
	if (r < 0)
		return r;
	if (p->dry_run) {
		/* As podman's: the configuration, its setup command and containerEnv. */
		if ((r = paude_create_prepare(b, p, err)) < 0)
			return r;
		return show_plan(b, p, err);
	}

	/* Before any build: a namespace that is not there is the first thing to say. */
	if ((r = paude_create_check_target(b, err)) < 0)
		return r;
	if ((r = refuse_recorded(name, err)) < 0)
		return r;
	_cleanup_backend_ struct paude_backend *pb = NULL;
	_cleanup_(paude_session_release) struct paude_session existing = PAUDE_SESSION_INIT;
	const struct paude_location here = { .kind = PAUDE_LOCATION_PODMAN };
	if (paude_backend_open(&pb, &here, ctx->runner, NULL) == 0 &&
	    paude_backend_get(pb, name, &existing, NULL) == 0)
		return paude_error_set(err, PAUDE_EEXISTS, 0,
				       "a podman session named '%s' exists (pick another name)",
				       name);
	_cleanup_error_ struct paude_error *gerr = NULL;
	r = paude_backend_get(b, name, &existing, &gerr);
	if (r == 0)
		return paude_error_set(err, PAUDE_EEXISTS, 0,
				       "session '%s' already exists in the namespace (connect "
				       "with: paude connect %s)",
				       name, name);
	if (r != PAUDE_ENOTFOUND) {
		*err = TAKE_PTR(gerr);
		return r;
	}

	if ((r = paude_create_prepare(b, p, err)) < 0)
		return r;
	paude_setup_warn_network(&spec->meta);
	if ((r = paude_backend_create(b, spec, err)) < 0)
		return r;

	_cleanup_location_ struct paude_location where = PAUDE_LOCATION_INIT;
	_cleanup_error_ struct paude_error *ierr = NULL;
	if (paude_create_where(b, &where, &ierr) < 0 || paude_index_put(name, &where, &ierr) < 0)
		paude_warn("session '%s' is created, but paude cannot record where (%s): name "
			   "the namespace with --openshift-namespace in later commands",
			   name, ierr ? ierr->msg : "unknown error");

	_cleanup_free_ char *net = paude_create_describe_network(&spec->meta);
	paude_info("Created session '%s' in namespace '%s' for %s", name,
		   where.namespace ? where.namespace : "?", spec->meta.workspace);
	paude_info("  network: %s%s", net, spec->meta.yolo ? "; yolo: no permission prompts" : "");
	_cleanup_free_ char *limits = paude_create_describe_limits(&spec->meta);
	paude_info("  limits: %s", limits);
	paude_setup_report_gateway(spec->gateway, &spec->meta);
	paude_info("  code: none yet; after 'paude start -d %s', push it from your repository "
		   "with: paude remote add --push %s",
		   name, name);
	paude_info("Start it with: paude start %s", name);
	return 0;
}

/*
 * The branch to put into the new session: the current one of the git
 * repository the workspace is in; NULL with a mounted workspace, with
 * --no-push, or outside a repository (hint_code says how code gets in).
 * A detached HEAD or a branch without commits cannot be pushed: said now,
 * before anything is made.
 */
static int
plan_code(const struct paude_session *m, bool no_push, char **branch, struct paude_error **err)
{
	*branch = NULL;
	if (m->workspace_mode == PAUDE_WORKSPACE_MOUNT || no_push)
		return 0;
	_cleanup_error_ struct paude_error *e = NULL;
	int r = paude_repo_current_branch(m->workspace, branch, &e);
	if (r == PAUDE_ENOTFOUND)
		return 0;
	if (r < 0) {
		*err = TAKE_PTR(e);
		return paude_error_wrap(err, r,
					"cannot put this repository's code into the session "
					"(create it with --no-push to leave the workspace empty)");
	}
	bool yes = false;
	if ((r = paude_repo_branch_has_commits(m->workspace, *branch, &yes, err)) < 0)
		return r;
	if (!yes)
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "branch '%s' has no commits yet, so there is no code to put "
				       "into the session (commit first, or create it with "
				       "--no-push and push later with: paude remote add --push %s)",
				       *branch, m->name);
	return 0;
}

/*
 * Put branch into the new session m as `paude remote add --push` does,
 * starting the session for it and stopping it again. On failure the
 * session and the remote go again: nothing half-made stays.
 */
static int
push_code(struct paude_backend *b, const struct paude_session *m, const char *branch,
	  struct paude_error **err)
{
	paude_info("Putting branch '%s' into session '%s' (started for the push)...", branch,
		   m->name);
	bool added = false;
	int r = paude_backend_start(b, m->name, err);
	if (r == 0)
		r = paude_cmd_remote_setup(b, m, m->workspace, branch, true, &added, err);
	if (r == 0)
		r = paude_signal_check(err);
	if (r == 0)
		r = paude_backend_stop(b, m->name, err);
	if (r == 0)
		return 0;
	if (added)
		(void)paude_remote_remove(m->workspace, m->name, NULL);
	(void)paude_index_remote_forget(m->name, NULL);
	_cleanup_error_ struct paude_error *rerr = NULL;
	if (paude_backend_remove(b, m->name, &rerr) < 0)
		return paude_error_wrap(err, r,
					"cannot put branch '%s' into session '%s', and cannot "
					"remove the session again (%s; remove it with: paude "
					"delete %s --confirm --force)",
					branch, m->name, rerr->msg, m->name);
	return paude_error_wrap(err, r,
				"cannot put branch '%s' into session '%s', so the session was "
				"removed again (create it with --no-push to skip the push)",
				branch, m->name);
}

/* How code gets into a session created with an empty workspace. */
static void
hint_code(const struct paude_session *m, bool no_push)
{
	if (m->workspace_mode == PAUDE_WORKSPACE_MOUNT)
		return;
	if (no_push)
		paude_info("  code: none (--no-push); from your repository, push it with: paude "
			   "remote add --push %s (after: paude start -d %s)",
			   m->name, m->name);
	else
		paude_info("  code: none, as %s is not in a git repository; the agent starts "
			   "in an empty workspace. To bring code in: make it a repository (git "
			   "init, git add, git commit) and run: paude start -d %s && paude remote "
			   "add --push %s; or create the session with --mount-workspace to work "
			   "on this directory itself",
			   m->workspace, m->name, m->name);
}

int
cmd_create(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	struct paude_kube_create_opts ko = { 0 };
	static const struct paude_cli_opts o = { "create", usage, CLI_COMMON_SHORT "a:", opts };
	bool dry_run = false, rebuild = false, no_push = false;
	const char *host_opt = NULL;
	_cleanup_(paude_session_spec_release) struct paude_session_spec spec = { 0 };
	_cleanup_(paude_create_plan_release) struct paude_create_plan setup =
	    PAUDE_CREATE_PLAN_INIT;
	paude_session_init(&spec.meta);
	paude_strvec_init(&spec.env);
	int opt, r;

	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_YOLO:
			spec.meta.yolo = true;
			break;
		case OPT_DOMAINS:
			paude_strvec_push(&spec.meta.allowed_domains, optarg);
			break;
		case 'a':
			if (paude_words_split(&spec.meta.agent_args, optarg, err) < 0)
				return paude_error_wrap(err, PAUDE_EUSAGE, "bad -a/--args value");
			break;
		case OPT_REBUILD:
			rebuild = true;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_MOUNT_WORKSPACE:
			spec.meta.workspace_mode = PAUDE_WORKSPACE_MOUNT;
			break;
		case OPT_MEMORY:
			if (paude_size_parse(&spec.meta.memory, optarg, "--memory value",
					     PAUDE_MEMORY_MIN, PAUDE_MEMORY_MAX, err) < 0)
				return PAUDE_EUSAGE;
			break;
		case OPT_CPUS:
			if (paude_cpus_parse(&spec.meta.cpus_milli, optarg, "--cpus value", err) <
			    0)
				return PAUDE_EUSAGE;
			break;
		case OPT_DISK:
			if (paude_size_parse(&spec.meta.disk, optarg, "--disk value",
					     PAUDE_DISK_MIN, PAUDE_DISK_MAX, err) < 0)
				return PAUDE_EUSAGE;
			break;
		case OPT_CONFIG:
			setup.config_choice = optarg;
			break;
		case OPT_NO_PUSH:
			no_push = true;
			break;
		case OPT_HOST:
			host_opt = optarg;
			break;
		case OPT_PVC_SIZE:
		case OPT_STORAGE_CLASS:
		case OPT_REGISTRY:
			if (ctx->where.kind != PAUDE_LOCATION_ANY &&
			    ctx->where.kind != PAUDE_LOCATION_CLUSTER)
				return paude_cli_usage_error(err, "create",
							     "--pvc-size, --storage-class and "
							     "--registry need --backend=openshift");
			ctx->where.kind = PAUDE_LOCATION_CLUSTER;
			*(opt == OPT_PVC_SIZE        ? &ko.pvc_size
			  : opt == OPT_STORAGE_CLASS ? &ko.storage_class
						     : &ko.registry) = optarg;
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	/* getopt moved NAME after the options ("paude create NAME --yolo" works). */
	if (optind < argc)
		spec.meta.name = paude_xstrdup(argv[optind++]);
	if (optind < argc)
		return paude_cli_usage_error(err, "create", "unexpected argument '%s'",
					     argv[optind]);

	/* A remote host's Podman (PAUDE_HOST applies to podman sessions only). */
	const char *host = host_opt && *host_opt                       ? host_opt
			   : ctx->where.kind == PAUDE_LOCATION_CLUSTER ? NULL
								       : paude_cli_host(host_opt);
	if (host && ctx->where.kind == PAUDE_LOCATION_CLUSTER)
		return paude_cli_usage_error(err, "create",
					     "--host creates the session on a host's Podman: it "
					     "cannot go with --backend %s",
					     paude_location_backend_name(&ctx->where));
	if (host && spec.meta.workspace_mode == PAUDE_WORKSPACE_MOUNT)
		return paude_cli_usage_error(err, "create",
					     "--mount-workspace cannot go with --host (a remote "
					     "host cannot mount this machine's directory)");
	if (host && (r = paude_cli_use_host(ctx, host, err)) < 0)
		return r;

	if ((r = paude_realpath(&spec.meta.workspace, ".", err)) < 0)
		return r;
	if (!spec.meta.name)
		spec.meta.name = paude_session_name_from_dir(spec.meta.workspace);
	if ((r = paude_session_name_validate(spec.meta.name, err)) < 0)
		return r;
	/* The plan of what is created, for the dry run and the real run alike;
	 * the host's environment is read here and handed to it. */
	struct paude_create_env env;
	paude_setup_read_env(&env);
	_cleanup_free_ char *adc = paude_setup_adc_path();
	env.adc_path = adc;
	setup.spec = &spec;
	setup.env = &env;
	setup.rebuild = rebuild;
	setup.dry_run = dry_run;
	setup.verbose = paude_log_enabled(PAUDE_LOG_VERBOSE);
	setup.say = paude_setup_say;
	setup.notify = paude_setup_image_notify;
	setup.progress = paude_setup_build_progress;
	spec.meta.agent = paude_xstrdup("claude");
	spec.meta.created = paude_now_rfc3339();
	paude_setup_network_follow_provider(&spec.meta, paude_setup_provider_from_env());
	if ((r = paude_create_plan_network(&setup, err)) < 0)
		return r;
	setup.memory_given = spec.meta.memory != 0;
	setup.cpus_given = spec.meta.cpus_milli != 0;
	paude_session_limits_default(&spec.meta);
	if ((r = paude_create_plan_environment(&setup, err)) < 0)
		return r;
	/* The pane names the session in the commands it suggests (paude-session). */
	paude_strvec_pushf(&spec.env, "PAUDE_SESSION_NAME=%s", spec.meta.name);
	/* A later --backend podman must not leave a cluster option unsaid. */
	if ((ko.pvc_size || ko.storage_class || ko.registry) &&
	    ctx->where.kind != PAUDE_LOCATION_CLUSTER)
		return paude_cli_usage_error(err, "create",
					     "--pvc-size, --storage-class and --registry need "
					     "--backend=openshift");
	if (ctx->where.kind == PAUDE_LOCATION_CLUSTER) {
		/* On a cluster the volume's size is its claim. */
		if (spec.meta.disk && ko.pvc_size)
			return paude_cli_usage_error(err, "create",
						     "--disk and --pvc-size both set the volume's "
						     "size: give one");
		_cleanup_free_ char *pvc =
		    spec.meta.disk ? paude_size_format_kube(spec.meta.disk) : NULL;
		if (pvc)
			ko.pvc_size = pvc;
		if (spec.meta.workspace_mode == PAUDE_WORKSPACE_MOUNT)
			return paude_cli_usage_error(err, "create",
						     "--mount-workspace works with podman only (a "
						     "cluster cannot mount this directory)");
		setup.kube = ko;
		/* A cluster session without a proxy (all) has nowhere to hold the
		 * credentials: it keeps the host's variables and gets the gcloud
		 * directory copied in at start (docs/OPENSHIFT.md). */
		if (paude_strvec_find(&spec.meta.allowed_domains, "all") < 0 &&
		    (r = paude_create_plan_gateway(&setup, err)) < 0)
			return r;
		return create_kube(ctx, &setup, err);
	}
	/* The credentials stay in the sidecar's gateway, whatever the network. */
	if ((r = paude_create_plan_gateway(&setup, err)) < 0)
		return r;

	_cleanup_backend_ struct paude_backend *b = NULL;
	if ((r = paude_cli_open_backend(ctx, &b, err)) < 0)
		return r;

	if (dry_run) {
		if ((r = plan_code(&spec.meta, no_push, &setup.branch, err)) < 0 ||
		    (r = paude_create_prepare(b, &setup, err)) < 0)
			return r;
		return show_plan(b, &setup, err);
	}

	/* Refuse an existing name before spending minutes on an image build:
	 * one the index records elsewhere, one this machine has (for a host),
	 * one the engine has. */
	if ((r = refuse_recorded(spec.meta.name, err)) < 0)
		return r;
	_cleanup_(paude_session_release) struct paude_session existing = PAUDE_SESSION_INIT;
	if (ctx->ssh) {
		const struct paude_reach reach = paude_cli_reach(ctx);
		const struct paude_location here = { .kind = PAUDE_LOCATION_PODMAN };
		_cleanup_backend_ struct paude_backend *lb = NULL;
		if (paude_backend_open(&lb, &here, reach.local, NULL) == 0 &&
		    paude_backend_get(lb, spec.meta.name, &existing, NULL) == 0)
			return paude_error_set(err, PAUDE_EEXISTS, 0,
					       "a podman session named '%s' exists on this machine "
					       "(pick another name)",
					       spec.meta.name);
	}
	_cleanup_error_ struct paude_error *gerr = NULL;
	r = paude_backend_get(b, spec.meta.name, &existing, &gerr);
	if (r == 0)
		return paude_error_set(err, PAUDE_EEXISTS, 0,
				       "session '%s' already exists (connect with: paude connect "
				       "%s, or delete it with: paude delete %s --confirm)",
				       spec.meta.name, spec.meta.name, spec.meta.name);
	if (r != PAUDE_ENOTFOUND) {
		*err = TAKE_PTR(gerr);
		return r;
	}

	/* What goes in, and whether it can, before anything is built or made. */
	if ((r = plan_code(&spec.meta, no_push, &setup.branch, err)) < 0)
		return r;

	if ((r = paude_create_prepare(b, &setup, err)) < 0)
		return r;
	paude_setup_warn_network(&spec.meta);
	if ((r = paude_backend_create(b, &spec, err)) < 0)
		return r;
	/* A remote host's session: the index remembers where, so later
	 * commands (and git's paude::NAME, which the push below uses) find it. */
	if (ctx->ssh && (r = paude_index_put(spec.meta.name, &ctx->where, err)) < 0) {
		_cleanup_error_ struct paude_error *rerr = NULL;
		if (paude_backend_remove(b, spec.meta.name, &rerr) < 0)
			paude_warn("could not remove the session again: %s", rerr->msg);
		return r;
	}
	if (setup.branch && (r = push_code(b, &spec.meta, setup.branch, err)) < 0) {
		/* Removed again: nothing is left to remember either. */
		_cleanup_(paude_session_release) struct paude_session gone = PAUDE_SESSION_INIT;
		if (ctx->ssh &&
		    paude_backend_get(b, spec.meta.name, &gone, NULL) == PAUDE_ENOTFOUND)
			(void)paude_index_remove(spec.meta.name, NULL);
		return r;
	}

	_cleanup_free_ char *net = paude_create_describe_network(&spec.meta);
	paude_info("Created session '%s' for %s%s", spec.meta.name, spec.meta.workspace,
		   spec.meta.workspace_mode == PAUDE_WORKSPACE_MOUNT ? " (mounted read-write)"
								     : "");
	paude_info("  network: %s%s", net, spec.meta.yolo ? "; yolo: no permission prompts" : "");
	_cleanup_free_ char *limits = paude_create_describe_limits(&spec.meta);
	paude_info("  limits: %s", limits);
	paude_setup_report_gateway(spec.gateway, &spec.meta);
	if (!setup.branch)
		hint_code(&spec.meta, no_push);
	paude_info("Start it with: paude start %s", spec.meta.name);
	return 0;
}
