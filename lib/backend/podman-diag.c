/* SPDX-License-Identifier: MIT */
/*
 * Podman's host problems and their fixes (see paude/podman-diag.h). The
 * texts matched are podman's, slirp4netns's and runc's own, as podman 4
 * prints them; the fixes are commands a user can paste.
 */
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>
#include "paude/backend/podman-diag.h"
#include "paude/core/buf.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/core/run.h"
#include "core/banned.h"

#define NETNS_PREFIX "rootless-netns-"
#define SUBID_FIRST 100000ul
#define SUBID_RANGE 65536ul

struct pattern {
	enum paude_podman_problem problem;
	const char *text;
};

/* First match wins: the stale state is named before the runtime directory
 * its message also mentions. */
static const struct pattern patterns[] = {
	{ PAUDE_PODMAN_STALE_NETNS, "runtime directory for rootless netns" },
	{ PAUDE_PODMAN_STALE_NETNS, "rootless netns: no such file" },
	{ PAUDE_PODMAN_TUN, "/dev/net/tun" },
	{ PAUDE_PODMAN_NO_NET_HELPER, "\"slirp4netns\": executable file not found" },
	{ PAUDE_PODMAN_NO_NET_HELPER, "could not find slirp4netns" },
	{ PAUDE_PODMAN_NO_NET_HELPER, "\"pasta\": executable file not found" },
	{ PAUDE_PODMAN_NO_NET_HELPER, "could not find pasta" },
	{ PAUDE_PODMAN_RUNTIME_DIR, "XDG_RUNTIME_DIR" },
	{ PAUDE_PODMAN_RUNTIME_DIR, "no runtime directory" },
	{ PAUDE_PODMAN_SUBIDS, "no subuid ranges found" },
	{ PAUDE_PODMAN_SUBIDS, "no subgid ranges found" },
	{ PAUDE_PODMAN_SUBIDS, "insufficient UIDs or GIDs" },
	{ PAUDE_PODMAN_SUBIDS, "not enough IDs available" },
	{ PAUDE_PODMAN_SUBIDS, "cannot find mappings for user" },
};

enum paude_podman_problem
paude_podman_diagnose(const char *text)
{
	if (!text)
		return PAUDE_PODMAN_OK;
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		if (strstr(text, patterns[i].text))
			return patterns[i].problem;
	return PAUDE_PODMAN_OK;
}

int
paude_podman_rm_retrying(struct paude_runner *r, const struct paude_child *proto,
			 struct paude_error **err)
{
	for (unsigned i = 1;; i++) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_strvec_pushv(&c.args, (const char *const *)proto->args.v);
		c.no_stdout = 1; /* the names of what was removed */
		_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(1 << 20);
		_cleanup_error_ struct paude_error *e = NULL;
		int status = 0;
		int ret = paude_run_capture(r, &c, NULL, 0, NULL, &errout, &status, err);
		if (ret < 0)
			return ret;
		if (status == 0)
			return 0;
		paude_child_error(&e, &c, status, errout.buf, errout.len);
		if (i >= PAUDE_PODMAN_RM_TRIES || !paude_podman_rm_raced(e)) {
			if (err && !*err) {
				*err = e;
				e = NULL;
			}
			return PAUDE_ECHILD;
		}
		paude_debug("podman rm raced the container's clean-up (try %u): %s", i, e->msg);
		const struct timespec ts = { 0, PAUDE_PODMAN_RM_RETRY_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
}

bool
paude_podman_rm_raced(const struct paude_error *e)
{
	return e && e->code == PAUDE_ECHILD && e->msg && strstr(e->msg, "unlinkat ") &&
	       strstr(e->msg, "device or resource busy");
}

const char *
paude_podman_problem_what(enum paude_podman_problem p)
{
	switch (p) {
	case PAUDE_PODMAN_NO_NET_HELPER:
		return "rootless podman cannot make container networks: slirp4netns is not "
		       "installed";
	case PAUDE_PODMAN_TUN:
		return "rootless podman cannot make container networks: /dev/net/tun is not usable "
		       "by this user";
	case PAUDE_PODMAN_RUNTIME_DIR:
		return "rootless podman has no usable runtime directory (XDG_RUNTIME_DIR)";
	case PAUDE_PODMAN_SUBIDS:
		return "rootless podman has no subordinate user and group ids for this user";
	case PAUDE_PODMAN_STALE_NETNS:
		return "podman's rootless network state is stale (\"failed to mount runtime "
		       "directory for rootless netns\")";
	case PAUDE_PODMAN_OK:
		break;
	}
	return "no problem";
}

char *
paude_podman_runtime_dir(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	if (x && *x == '/')
		return paude_xasprintf("%s", x);
	return paude_xasprintf("/run/user/%lu", (unsigned long)getuid());
}

static char *
user_name(void)
{
	const struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return paude_xasprintf("%s", pw->pw_name);
	return paude_xasprintf("%lu", (unsigned long)getuid());
}

static char *
group_name(void)
{
	const struct group *gr = getgrgid(getgid());
	if (gr && gr->gr_name && *gr->gr_name)
		return paude_xasprintf("%s", gr->gr_name);
	return paude_xasprintf("%lu", (unsigned long)getgid());
}

/* The first id free in both /etc/subuid and /etc/subgid. */
static unsigned long
free_subids(void)
{
	unsigned long first = SUBID_FIRST;
	static const char *const files[] = { "/etc/subuid", "/etc/subgid" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(1 << 20);
		if (paude_buf_read_file(&b, files[i], NULL) < 0)
			continue;
		unsigned long n = paude_subid_next_free(b.buf);
		if (n > first)
			first = n;
	}
	return first;
}

char *
paude_podman_problem_fix(enum paude_podman_problem p)
{
	_cleanup_free_ char *user = user_name();
	_cleanup_free_ char *rundir = paude_podman_runtime_dir();
	switch (p) {
	case PAUDE_PODMAN_NO_NET_HELPER:
		return paude_xasprintf(
		    "%s", "install slirp4netns (Debian/Ubuntu: sudo apt-get install "
			  "slirp4netns; podman 4.4 and later can use pasta, from the passt "
			  "package, instead), or run scripts/setup-host.sh");
	case PAUDE_PODMAN_TUN:
		return paude_xasprintf(
		    "%s", "make /dev/net/tun usable (sudo modprobe tun; sudo chmod 0666 "
			  "/dev/net/tun, its usual mode; in a container, pass the device in: "
			  "--device /dev/net/tun)");
	case PAUDE_PODMAN_RUNTIME_DIR: {
		_cleanup_free_ char *group = group_name();
		return paude_xasprintf(
		    "log in with a session that makes one (a desktop or ssh login; su and sudo "
		    "do not), or keep one for %s: sudo loginctl enable-linger %s; without "
		    "systemd: sudo install -d -m 0700 -o %s -g %s /run/user/%lu; then "
		    "export XDG_RUNTIME_DIR=/run/user/%lu",
		    user, user, user, group, (unsigned long)getuid(), (unsigned long)getuid());
	}
	case PAUDE_PODMAN_SUBIDS: {
		unsigned long first = free_subids();
		unsigned long last = first + SUBID_RANGE - 1;
		return paude_xasprintf(
		    "sudo usermod --add-subuids %lu-%lu --add-subgids %lu-%lu %s; "
		    "then: podman system migrate",
		    first, last, first, last, user);
	}
	case PAUDE_PODMAN_STALE_NETNS:
		return paude_xasprintf("stop your running containers, then: podman system migrate; "
				       "rm -f %s/netns/" NETNS_PREFIX "*",
				       rundir);
	case PAUDE_PODMAN_OK:
		break;
	}
	return NULL;
}

int
paude_podman_rootless_netns_reset(unsigned *removed, struct paude_error **err)
{
	_cleanup_free_ char *rundir = paude_podman_runtime_dir();
	_cleanup_free_ char *dir = paude_path_join(rundir, "netns");
	unsigned n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (removed)
			*removed = 0;
		return errno == ENOENT ? 0 : paude_error_errno(err, errno, "cannot read '%s'", dir);
	}
	int ret = 0;
	const struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, NETNS_PREFIX, strlen(NETNS_PREFIX)) != 0)
			continue;
		_cleanup_free_ char *path = paude_path_join(dir, e->d_name);
		if (unlink(path) == 0) {
			paude_debug("removed podman's stale rootless network namespace '%s'", path);
			n++;
		} else if (errno != ENOENT && ret == 0) {
			ret = paude_error_errno(err, errno, "cannot remove '%s'", path);
		}
	}
	closedir(d);
	if (ret == 0 && removed)
		*removed = n;
	return ret;
}

enum paude_podman_problem
paude_podman_explain(struct paude_error **err, const char *what)
{
	if (!err || !*err)
		return PAUDE_PODMAN_OK;
	enum paude_podman_problem p = paude_podman_diagnose((*err)->msg);
	/* Rootful, missing subordinate ids are those of the user "containers"
	 * that --userns=auto takes from: the caller says so, not this. */
	if (p == PAUDE_PODMAN_SUBIDS && geteuid() == 0)
		p = PAUDE_PODMAN_OK;
	if (p == PAUDE_PODMAN_OK)
		return p;
	paude_debug("%s: %s", what, (*err)->msg);
	bool reset = p == PAUDE_PODMAN_NO_NET_HELPER || p == PAUDE_PODMAN_TUN;
	if (reset)
		(void)paude_podman_rootless_netns_reset(NULL, NULL);
	_cleanup_free_ char *fix = paude_podman_problem_fix(p);
	int code = (*err)->code;
	paude_error_clear(err);
	paude_error_set(err, code, 0, "%s: %s (fix: %s; paude doctor checks the rest)", what,
			paude_podman_problem_what(p), fix);
	return p;
}

/* --- /etc/subuid and /etc/subgid --- */

/* Parse "NAME:START:COUNT" at s (up to its end of line). */
static bool
subid_line(const char *s, size_t len, const char **name, size_t *name_len, unsigned long *start,
	   unsigned long *count)
{
	const char *c1 = memchr(s, ':', len);
	if (!c1 || c1 == s)
		return false;
	const char *c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s));
	if (!c2)
		return false;
	unsigned long v[2] = { 0, 0 };
	const char *from[2] = { c1 + 1, c2 + 1 };
	const char *to[2] = { c2, s + len };
	for (size_t k = 0; k < 2; k++) {
		if (from[k] == to[k])
			return false;
		for (const char *q = from[k]; q < to[k]; q++) {
			if (*q < '0' || *q > '9' || v[k] > (~0ul - 9) / 10)
				return false;
			v[k] = v[k] * 10 + (unsigned long)(*q - '0');
		}
	}
	*name = s;
	*name_len = (size_t)(c1 - s);
	*start = v[0];
	*count = v[1];
	return true;
}

/* Call fn for every valid line. */
static void
subid_each(const char *text,
	   void (*fn)(void *ctx, const char *name, size_t name_len, unsigned long start,
		      unsigned long count),
	   void *ctx)
{
	const char *s = text;
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		const char *name = NULL;
		size_t name_len = 0;
		unsigned long start = 0, count = 0;
		if (*s != '#' && subid_line(s, len, &name, &name_len, &start, &count))
			fn(ctx, name, name_len, start, count);
		s = nl ? nl + 1 : NULL;
	}
}

struct count_ctx {
	const char *name;
	char id[24];
	unsigned long total;
};

static void
count_one(void *ctx, const char *name, size_t name_len, unsigned long start, unsigned long count)
{
	struct count_ctx *c = ctx;
	(void)start;
	bool by_name = c->name && strlen(c->name) == name_len && !memcmp(name, c->name, name_len);
	bool by_id = strlen(c->id) == name_len && !memcmp(name, c->id, name_len);
	if ((by_name || by_id) && c->total <= ~0ul - count)
		c->total += count;
}

unsigned long
paude_subid_count(const char *text, const char *name, uid_t id)
{
	struct count_ctx c = { .name = name };
	(void)snprintf(c.id, sizeof(c.id), "%lu", (unsigned long)id);
	subid_each(text, count_one, &c);
	return c.total;
}

#define SUBID_MAX_RANGES 256

struct ranges {
	unsigned long start[SUBID_MAX_RANGES], end[SUBID_MAX_RANGES];
	size_t nr;
};

static void
range_one(void *ctx, const char *name, size_t name_len, unsigned long start, unsigned long count)
{
	struct ranges *r = ctx;
	(void)name;
	(void)name_len;
	if (r->nr < SUBID_MAX_RANGES && start <= ~0ul - count) {
		r->start[r->nr] = start;
		r->end[r->nr] = start + count;
		r->nr++;
	}
}

unsigned long
paude_subid_next_free(const char *text)
{
	/* Ranges can be anywhere (rootful podman's "containers" range usually
	 * ends at 2^32): move past each one that overlaps, until none does. */
	struct ranges r = { .nr = 0 };
	subid_each(text, range_one, &r);
	unsigned long c = SUBID_FIRST;
	bool moved = true;
	while (moved) {
		moved = false;
		for (size_t i = 0; i < r.nr; i++) {
			if (r.start[i] < c + SUBID_RANGE && r.end[i] > c) {
				c = r.end[i];
				moved = true;
			}
		}
	}
	return c;
}
