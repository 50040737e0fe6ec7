/* SPDX-License-Identifier: MIT */
/*
 * paude doctor: check that this host can run sessions, and say how to fix
 * what it cannot. Recognises the podman failures of nested and VM hosts
 * (crun on hybrid cgroups, nofile limits the host will not grant) and what
 * rootless podman needs from the host (see docs/ROOTLESS.md).
 */
#include <stdio.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "host.h"
#include "paude/backend/ssh.h"
#include "paude/backend/podman-check.h"
#include "paude/backend/podman-diag.h"
#include "paude/core/fs.h"
#include "paude/session/index.h"
#include "paude/core/json.h"
#include "paude/core/log.h"
#include "paude/core/sanitize.h"

static const char usage[] =
    "usage: paude doctor [options]\n"
    "\n"
    "Check that this host can run paude sessions: podman works and can run a\n"
    "container on an internal network the way a session does, git and\n"
    "git-remote-paude are installed, credentials are in place. As a normal user\n"
    "(rootless podman) it also checks what podman needs from the host: a runtime\n"
    "directory (XDG_RUNTIME_DIR), subordinate user and group ids, slirp4netns (or\n"
    "pasta), a usable /dev/net/tun, and no stale rootless network state.\n"
    "Prints a fix for each problem found. Exit status 1 if a check failed.\n"
    "\n"
    "With --host (or PAUDE_HOST): check that host's Podman over SSH instead\n"
    "(logging in, podman there, a container run on an internal network).\n"
    "\n"
    "Options:\n"
    "  --host [USER@]HOST[:PORT]\n"
    "                   check the Podman of this host over SSH (see\n"
    "                   " PAUDE_DOCDIR "/REMOTE.md)\n"
    "  --backend openshift [--openshift-context CTX] [--openshift-namespace NS]\n"
    "                   also check the cluster (done anyway when cluster sessions\n"
    "                   were created from here)\n"
    "  -v, --verbose    show more (repeat for debug traces of every command)\n"
    "  -q, --quiet      print only the problems (warnings and failures)\n"
    "  -h, --help       show this help\n";

enum { OPT_HOST = CLI_OPT_FIRST_PRIVATE };

static const struct option opts[] = {
	CLI_COMMON_LONG,
	{ "host", required_argument, NULL, OPT_HOST },
	{ NULL, 0, NULL, 0 },
};

static int failures;

static void report(const char *status, const char *fmt, ...) _printf_(2, 3);

static void
report(const char *status, const char *fmt, ...)
{
	if (!strcmp(status, "FAIL"))
		failures++;
	/* -q: only what needs the user's attention. */
	if ((!strcmp(status, "ok") || !strcmp(status, "skip")) &&
	    !paude_log_enabled(PAUDE_LOG_INFO))
		return;
	va_list ap;
	va_start(ap, fmt);
	/* Checks quote what podman and oc said: printed through the sanitizer. */
	_cleanup_buf_ struct paude_buf msg = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_buf_vaddf(&msg, NULL, fmt, ap);
	va_end(ap);
	paude_sanitize(&safe, msg.buf, msg.len, PAUDE_SANITIZE_LINES);
	printf("%-5s %s\n", status, safe.buf);
}

static const char conf_hint[] =
    "containers.conf (/etc/containers/containers.conf, or ~/.config/containers/containers.conf "
    "for rootless podman)";

static void
print_fix(enum paude_podman_problem p)
{
	_cleanup_free_ char *fix = paude_podman_problem_fix(p);
	if (fix)
		printf("      fix: %s\n", fix);
}

/* Known host problems, recognised by podman's own words. */
static void
explain_run_failure(const char *text)
{
	enum paude_podman_problem p = paude_podman_diagnose(text);
	if (p != PAUDE_PODMAN_OK) {
		printf("      %s\n", paude_podman_problem_what(p));
		print_fix(p);
		/* The failure left a half-made namespace that would break the
		 * next attempt whatever is fixed: remove it. */
		unsigned removed = 0;
		if ((p == PAUDE_PODMAN_NO_NET_HELPER || p == PAUDE_PODMAN_TUN) &&
		    paude_podman_rootless_netns_reset(&removed, NULL) == 0 && removed)
			printf("      (removed the rootless network state this failure left)\n");
	} else if (strstr(text, "cgroups in hybrid mode") ||
		   strstr(text, "hybrid mode not supported"))
		printf("      fix: crun cannot run on this host's hybrid cgroups; use runc: "
		       "install it\n"
		       "           and set [engine] runtime = \"runc\" in %s\n",
		       conf_hint);
	else if (strstr(text, "rlimit") || strstr(text, "RLIMIT"))
		printf("      fix: the host will not grant podman's default open-file limit; set\n"
		       "           [containers] default_ulimits = [\"nofile=20000:20000\", "
		       "\"nproc=32768:32768\"]\n"
		       "           (at most the host's hard limit, see: ulimit -Hn) in %s\n",
		       conf_hint);
	else if (strstr(text, "OCI runtime") && strstr(text, "not found"))
		printf("      fix: install the configured OCI runtime (runc or crun), or set\n"
		       "           [engine] runtime in %s\n",
		       conf_hint);
}

/*
 * Sessions work on both of podman's network backends: paude creates each
 * session's internal network with --disable-dns, which both honour (CNI
 * has no DNS on internal networks at all). Say which one is in use, since
 * it decides what podman's own container DNS can do on other networks.
 */
static void
report_network_backend(const char *backend)
{
	if (!backend || !*backend)
		report("warn", "network backend: podman did not say (podman 4 or later is needed)");
	else if (!strcmp(backend, "netavark"))
		report("ok",
		       "network backend: netavark (session networks are created without DNS)");
	else if (!strcmp(backend, "cni"))
		report("ok", "network backend: cni (session networks have no DNS; podman's "
			     "container DNS needs netavark and aardvark-dns)");
	else
		report("warn", "network backend: '%s' is not one paude knows (netavark or cni)",
		       backend);
}

/* The uid ranges rootless podman maps (from podman info), -1 if unknown. */
static int podman_uid_ranges = -1;

static void
check_podman(struct paude_runner *r)
{
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(4 << 20);
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_podman_info_read(r, &out, &err) < 0) {
		report("FAIL", "podman: %s", err->msg);
		explain_run_failure(err->msg);
		return;
	}
	_cleanup_(paude_podman_info_release) struct paude_podman_info info = PAUDE_PODMAN_INFO_INIT;
	if (paude_podman_info_parse(&info, out.buf, out.len, &err) < 0) {
		report("FAIL", "podman info: %s", err->msg);
		return;
	}
	report("ok", "podman %s (%s, runtime %s, cgroups %s)", info.version ? info.version : "?",
	       info.rootless ? "rootless" : "rootful", info.runtime ? info.runtime : "?",
	       info.cgroups ? info.cgroups : "?");
	report_network_backend(info.network_backend);
	if (info.rootless && info.graph_driver && !strcmp(info.graph_driver, "vfs"))
		report("warn",
		       "podman stores images with the vfs driver: slow, and every layer a "
		       "full copy (set driver = \"overlay\" in "
		       "~/.config/containers/storage.conf; Debian: install containers-storage "
		       "and fuse-overlayfs; then: podman system reset)");
	if (info.rootless && info.cgroups && !strcmp(info.cgroups, "v1"))
		report("warn", "rootless podman cannot apply resource limits on cgroups v1: "
			       "sessions run without their memory, CPU and process limits (boot "
			       "with cgroups v2, or use rootful podman)");
	if (info.uid_ranges >= 0)
		podman_uid_ranges = info.uid_ranges;
}

/*
 * What rootless podman needs from the host, checked directly: a session's
 * network cannot start without any of them, and podman's own errors for
 * them are cryptic.
 */
static void
check_runtime_dir(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *dir = paude_podman_runtime_dir();
	struct stat st;
	bool usable = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() &&
		      access(dir, W_OK | X_OK) == 0;
	if (usable && x && *x)
		report("ok", "runtime directory: %s", dir);
	else if (usable)
		report("warn",
		       "XDG_RUNTIME_DIR is not set: podman uses %s (export "
		       "XDG_RUNTIME_DIR=%s)",
		       dir, dir);
	else if (x && *x)
		report("FAIL",
		       "XDG_RUNTIME_DIR '%s' is not a directory of yours that you can "
		       "write (su keeps the old user's: use su - or a fresh login)",
		       x);
	else
		report("FAIL",
		       "no runtime directory: XDG_RUNTIME_DIR is not set and %s is "
		       "not usable",
		       dir);
	if (!usable)
		print_fix(PAUDE_PODMAN_RUNTIME_DIR);
}

static unsigned long
subids(const char *file, const char *user)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(1 << 20);
	if (paude_buf_read_file(&b, file, NULL) < 0)
		return 0;
	return paude_subid_count(b.buf, user, getuid());
}

static void
check_subids(void)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *user = pw ? pw->pw_name : NULL;
	unsigned long u = subids("/etc/subuid", user), g = subids("/etc/subgid", user);
	if (u >= 65536 && g >= 65536 && podman_uid_ranges == 1) {
		report("FAIL",
		       "subordinate ids: %lu user, %lu group, but podman still runs "
		       "without them (it started before they were added)",
		       u, g);
		printf("      fix: podman system migrate\n");
		return;
	}
	if (u >= 65536 && g >= 65536) {
		report("ok", "subordinate ids: %lu user, %lu group", u, g);
		return;
	}
	if (podman_uid_ranges > 1) {
		/* Given from elsewhere than the files (NSS, libsubid). */
		report("ok", "subordinate ids: podman maps %d uid ranges", podman_uid_ranges);
		return;
	}
	report(u && g ? "warn" : "FAIL",
	       "subordinate ids for %s: %lu user (/etc/subuid), %lu group (/etc/subgid); images "
	       "need 65536 of each",
	       user ? user : "this user", u, g);
	print_fix(PAUDE_PODMAN_SUBIDS);
}

static void
check_net_helper(void)
{
	static const char *const libexec[] = { "/usr/libexec/podman", "/usr/lib/podman",
					       "/usr/local/libexec/podman" };
	static const char *const helpers[] = { "slirp4netns", "pasta" };
	for (size_t i = 0; i < ARRAY_SIZE(helpers); i++) {
		_cleanup_free_ char *p = paude_which(helpers[i]);
		for (size_t k = 0; !p && k < ARRAY_SIZE(libexec); k++) {
			_cleanup_free_ char *q = paude_path_join(libexec[k], helpers[i]);
			if (access(q, X_OK) == 0)
				p = TAKE_PTR(q);
		}
		if (p) {
			report("ok", "network helper for rootless podman: %s", p);
			return;
		}
	}
	report("FAIL", "neither slirp4netns nor pasta is installed (rootless podman needs one "
		       "for container networks)");
	print_fix(PAUDE_PODMAN_NO_NET_HELPER);
}

static void
check_tun(void)
{
	if (access("/dev/net/tun", R_OK | W_OK) == 0) {
		report("ok", "/dev/net/tun is usable");
		return;
	}
	report("FAIL", "/dev/net/tun is %s (slirp4netns and pasta need it)",
	       paude_exists("/dev/net/tun") ? "not readable and writable by this user" : "missing");
	print_fix(PAUDE_PODMAN_TUN);
}

static void
check_rootless(void)
{
	check_runtime_dir();
	check_net_helper();
	check_tun();
}

static void
check_run(struct paude_runner *r)
{
	_cleanup_free_ char *image = paude_podman_check_image(r, getenv("PAUDE_BASE_IMAGE"));
	if (!image) {
		report("skip", "container run test: no local paude image yet (paude create "
			       "builds one)");
		return;
	}
	_cleanup_error_ struct paude_error *err = NULL;
	enum paude_podman_check_step failed = PAUDE_PODMAN_CHECK_RUN;
	if (paude_podman_check_run(r, image, &failed, &err) < 0) {
		if (failed == PAUDE_PODMAN_CHECK_NETWORK) {
			report("FAIL", "cannot create a container network: %s", err->msg);
			explain_run_failure(err->msg);
			return;
		}
		/* A recognised failure needs only podman's first line. */
		int len = (int)strlen(err->msg);
		if (paude_podman_diagnose(err->msg) != PAUDE_PODMAN_OK)
			len = (int)strcspn(err->msg, "\n");
		report("FAIL", "containers cannot run on an internal network: %.*s", len, err->msg);
		explain_run_failure(err->msg);
		return;
	}
	report("ok", "containers run on an internal network (tested with %s)", image);
}

static void
check_tool(const char *prog, const char *why)
{
	_cleanup_free_ char *p = paude_which(prog);
	if (p)
		report("ok", "%s: %s", prog, p);
	else
		report("FAIL", "%s not found on PATH (%s)", prog, why);
}

static void
check_credentials(void)
{
	const char *home = paude_home_dir();
	_cleanup_free_ char *gcloud = paude_path_join(home, ".config/gcloud");
	if (paude_is_dir(gcloud))
		report("ok", "gcloud credentials: %s (held by the session's gateway)", gcloud);
	else
		report("warn", "no %s (for Vertex AI: gcloud auth application-default login)",
		       gcloud);
	const char *vertex = getenv("CLAUDE_CODE_USE_VERTEX");
	const char *project = getenv("ANTHROPIC_VERTEX_PROJECT_ID");
	if (vertex && *vertex && project && *project)
		report("ok", "Vertex AI: project %s", project);
	else
		report("warn", "Vertex AI variables not set (CLAUDE_CODE_USE_VERTEX, "
			       "ANTHROPIC_VERTEX_PROJECT_ID, GOOGLE_CLOUD_PROJECT)");
}

/*
 * Clusters: checked when asked for (--backend openshift) or when the local
 * index names cluster sessions. One list call shows that the tool is there,
 * logged in, and may read the namespace.
 */
static void
check_cluster(struct paude_cmd_ctx *ctx)
{
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	bool recorded = paude_index_load(&ix, NULL) == 0 && ix.nr > 0;
	bool asked = ctx->where.kind == PAUDE_LOCATION_CLUSTER;
	if (!asked && !recorded)
		return;
	_cleanup_free_ char *oc = paude_which("oc");
	_cleanup_free_ char *kubectl = paude_which("kubectl");
	if (!oc && !kubectl) {
		report("FAIL", "neither oc nor kubectl is on PATH (needed for cluster sessions)");
		return;
	}
	const struct paude_location *at = asked ? &ctx->where : &ix.v[0].where;
	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_buf_ struct paude_buf said = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	if (paude_backend_open(&b, at, ctx->runner, &e) < 0 ||
	    paude_backend_check(b, &said, &e) < 0) {
		report("FAIL", "cluster: %s", e ? e->msg : "unknown error");
		return;
	}
	report("ok", "cluster: %s", said.buf);
}

/* A remote host's Podman, over SSH: the login, podman there, a container run. */
static void
check_host(struct paude_cmd_ctx *ctx, const char *host)
{
	_cleanup_error_ struct paude_error *e = NULL;
	if (paude_cli_use_host(ctx, host, &e) < 0) {
		report("FAIL", "ssh: %s", e->msg);
		return;
	}
	report("ok", "ssh: logged in to %s", paude_ssh_name(ctx->ssh));
	podman_uid_ranges = -1;
	int before = failures;
	check_podman(ctx->runner);
	if (failures == before)
		check_run(ctx->runner);
}

int
cmd_doctor(int argc, char **argv, struct paude_cmd_ctx *ctx, struct paude_error **err)
{
	static const struct paude_cli_opts o = { "doctor", usage, CLI_COMMON_SHORT, opts };
	const char *host_opt = NULL;
	int opt;
	paude_cli_getopt_reset();
	while ((opt = paude_cli_getopt(&o, argc, argv, ctx, err)) != CLI_END) {
		switch (opt) {
		case OPT_HOST:
			host_opt = optarg;
			break;
		default:
			return paude_cli_getopt_stop(&o, opt, argv, err);
		}
	}
	if (optind < argc)
		return paude_cli_usage_error(err, "doctor", "unexpected argument '%s'",
					     argv[optind]);
	failures = 0;
	const char *host = paude_cli_host(host_opt);
	if (host) {
		check_host(ctx, host);
		check_tool("git-remote-paude", "git uses it for paude:: URLs; install paude fully");
		if (failures)
			return paude_error_set(err, PAUDE_EGENERIC, 0, "%d check%s failed",
					       failures, failures == 1 ? "" : "s");
		return 0;
	}
	_cleanup_free_ char *podman = paude_which("podman");
	if (!podman) {
		report("FAIL", "podman not found on PATH (install it: "
			       "https://podman.io/docs/installation)");
	} else {
		podman_uid_ranges = -1;
		if (geteuid() != 0)
			check_rootless();
		check_podman(ctx->runner);
		if (geteuid() != 0)
			check_subids();
		check_run(ctx->runner);
	}
	check_tool("git", "needed to move code in and out of sessions");
	check_tool("git-remote-paude", "git uses it for paude:: URLs; install paude fully");
	check_credentials();
	check_cluster(ctx);
	if (failures)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "%d check%s failed", failures,
				       failures == 1 ? "" : "s");
	return 0;
}
