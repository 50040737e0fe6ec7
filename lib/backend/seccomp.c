/* SPDX-License-Identifier: MIT */
/* The session's seccomp profile, derived from the engine's default (seccomp.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "paude/backend/seccomp.h"
#include "paude/core/fs.h"
#include "paude/core/json.h"
#include "core/banned.h"

/* A default profile is about 16 KiB; anything far larger is not one. */
#define PROFILE_MAX (4u << 20)
#define ERRNO_EPERM 1
#define ERRNO_ENOSYS 38

static const char *const taken_over[] = { "clone", "clone3", "unshare" };

static bool
is_taken_over(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(taken_over); i++)
		if (!strcmp(name, taken_over[i]))
			return true;
	return false;
}

static struct json_object *
rule(const char *name, const char *action, int errno_ret)
{
	struct json_object *r = json_object_new_object();
	struct json_object *names = json_object_new_array();
	json_object_array_add(names, json_object_new_string(name));
	json_object_object_add(r, "names", names);
	json_object_object_add(r, "action", json_object_new_string(action));
	if (errno_ret)
		json_object_object_add(r, "errnoRet", json_object_new_int(errno_ret));
	return r;
}

/* (argument `index` & mask) == value */
static void
rule_arg(struct json_object *r, unsigned index, uint32_t mask, uint32_t value)
{
	struct json_object *args = json_object_new_array();
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, "index", json_object_new_int((int)index));
	json_object_object_add(a, "value", json_object_new_int64(mask));
	json_object_object_add(a, "valueTwo", json_object_new_int64(value));
	json_object_object_add(a, "op", json_object_new_string("SCMP_CMP_MASKED_EQ"));
	json_object_array_add(args, a);
	json_object_object_add(r, "args", args);
}

/* s390 passes clone's flags second (its first argument is the stack). */
static void
rule_arches(struct json_object *r, bool s390)
{
	struct json_object *arches = json_object_new_array();
	json_object_array_add(arches, json_object_new_string("s390"));
	json_object_array_add(arches, json_object_new_string("s390x"));
	struct json_object *sel = json_object_new_object();
	json_object_object_add(sel, "arches", arches);
	json_object_object_add(r, s390 ? "includes" : "excludes", sel);
}

/* Allow name when no flag of mask is set in argument index; EPERM for each flag. */
static void
add_flag_rules(struct json_object *syscalls, const char *name, uint32_t mask, unsigned index,
	       int arches)
{
	struct json_object *r = rule(name, "SCMP_ACT_ALLOW", 0);
	rule_arg(r, index, mask, 0);
	if (arches >= 0)
		rule_arches(r, arches);
	json_object_array_add(syscalls, r);
	for (unsigned bit = 0; bit < 32; bit++) {
		uint32_t f = (uint32_t)1 << bit;
		if (!(mask & f))
			continue;
		r = rule(name, "SCMP_ACT_ERRNO", ERRNO_EPERM);
		rule_arg(r, index, f, f);
		if (arches >= 0)
			rule_arches(r, arches);
		json_object_array_add(syscalls, r);
	}
}

int
paude_seccomp_derive(struct paude_buf *out, const char *json, size_t len, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r = paude_json_parse(&root, json, len, "seccomp profile", err);
	if (r < 0)
		return r;
	struct json_object *in = paude_json_get_array(root, "syscalls");
	if (!json_object_is_type(root, json_type_object) ||
	    !paude_json_get_str(root, "defaultAction") || !in)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "seccomp profile: expected an object with "
				       "\"defaultAction\" and a \"syscalls\" array");

	/* Every rule as it was, less the three calls this profile decides itself. */
	struct json_object *syscalls = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(in); i++) {
		struct json_object *ent = json_object_array_get_idx(in, i);
		struct json_object *names = paude_json_get_array(ent, "names");
		/* The older form names one call in "name". */
		const char *one = paude_json_get_str(ent, "name");
		if (one && is_taken_over(one))
			continue;
		if (!names) {
			json_object_array_add(syscalls, json_object_get(ent));
			continue;
		}
		struct json_object *kept = json_object_new_array();
		for (size_t j = 0; j < json_object_array_length(names); j++) {
			struct json_object *n = json_object_array_get_idx(names, j);
			const char *s = json_object_get_string(n);
			if (!json_object_is_type(n, json_type_string) || !is_taken_over(s))
				json_object_array_add(kept, json_object_get(n));
		}
		if (json_object_array_length(kept) == 0) {
			json_object_put(kept);
			continue;
		}
		struct json_object *copy = NULL;
		if (json_object_deep_copy(ent, &copy, NULL) != 0)
			copy = NULL; /* json-c fails only when memory runs out */
		paude_xnonnull(copy);
		json_object_object_add(copy, "names", kept);
		json_object_array_add(syscalls, copy);
	}
	add_flag_rules(syscalls, "clone", PAUDE_SECCOMP_CLONE_NS_FLAGS, 0, 0);
	add_flag_rules(syscalls, "clone", PAUDE_SECCOMP_CLONE_NS_FLAGS, 1, 1);
	add_flag_rules(syscalls, "unshare", PAUDE_SECCOMP_UNSHARE_NS_FLAGS, 0, -1);
	json_object_array_add(syscalls, rule("clone3", "SCMP_ACT_ERRNO", ERRNO_ENOSYS));
	json_object_object_add(root, "syscalls", syscalls);
	paude_json_write(out, root, false);
	return 0;
}

static const char *
runtime_dir(void)
{
	const char *d = getenv("XDG_RUNTIME_DIR");
	if (d && *d == '/' && paude_is_dir(d) && access(d, W_OK) == 0)
		return d;
	d = getenv("TMPDIR");
	if (d && *d == '/' && paude_is_dir(d))
		return d;
	return "/tmp";
}

/* Derive from the default profile text and write it to a new private file. */
static int
write_derived(char **out_path, const struct paude_buf *in, const char *base,
	      struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf prof = PAUDE_BUF_INIT;
	int r = paude_seccomp_derive(&prof, in->buf, in->len, err);
	if (r < 0) {
		paude_error_wrap(err, r, "'%s'", base);
		return r;
	}

	_cleanup_free_ char *path = paude_xasprintf("%s/paude-seccomp-XXXXXX.json", runtime_dir());
	_cleanup_close_ int fd = mkostemps(path, 5, O_CLOEXEC);
	if (fd < 0)
		return paude_error_errno(err, errno, "cannot create '%s'", path);
	const char *p = prof.buf;
	size_t n = prof.len;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			unlink(path);
			return paude_error_errno(err, e, "cannot write '%s'", path);
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(TAKE_FD(fd)) < 0) {
		int e = errno;
		unlink(path);
		return paude_error_errno(err, e, "cannot write '%s'", path);
	}
	*out_path = TAKE_PTR(path);
	return 0;
}

int
paude_seccomp_write_profile(char **out_path, const char *base, struct paude_error **err)
{
	static const char *const defaults[] = { PAUDE_SECCOMP_DEFAULT_PATHS };
	for (size_t i = 0; !base && i < ARRAY_SIZE(defaults); i++)
		if (paude_is_file(defaults[i]))
			base = defaults[i];
	if (!base)
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "cannot find podman's default seccomp profile '%s' (install "
				       "the containers-common files that come with podman)",
				       defaults[ARRAY_SIZE(defaults) - 1]);

	_cleanup_buf_ struct paude_buf in = PAUDE_BUF_INIT_MAX(PROFILE_MAX);
	int r = paude_buf_read_file(&in, base, err);
	if (r < 0)
		return r;
	return write_derived(out_path, &in, base, err);
}

int
paude_seccomp_write_profile_for(struct paude_runner *runner, char **out_path, char **host_path,
				struct paude_error **err)
{
	_cleanup_free_ char *path = NULL;
	int r;
	if (!paude_runner_is_remote(runner)) {
		if ((r = paude_seccomp_write_profile(&path, NULL, err)) < 0)
			return r;
	} else {
		/* The profile of the podman that runs the containers: the host's. */
		static const char *const defaults[] = { PAUDE_SECCOMP_DEFAULT_PATHS };
		_cleanup_buf_ struct paude_buf in = PAUDE_BUF_INIT_MAX(PROFILE_MAX);
		const char *base = NULL;
		for (size_t i = 0; !base && i < ARRAY_SIZE(defaults); i++) {
			_cleanup_error_ struct paude_error *e = NULL;
			r = paude_runner_read_file(runner, defaults[i], &in, &e);
			if (r == 0)
				base = defaults[i];
			else if (r != PAUDE_ENOTFOUND) {
				if (err)
					*err = TAKE_PTR(e);
				return r;
			}
		}
		if (!base)
			return paude_error_set(
			    err, PAUDE_ENOTFOUND, 0,
			    "cannot find podman's default seccomp profile '%s' on "
			    "the host (install the containers-common files that "
			    "come with podman there)",
			    defaults[ARRAY_SIZE(defaults) - 1]);
		if ((r = write_derived(&path, &in, base, err)) < 0)
			return r;
	}
	/* Both writers set path when they succeed. */
	if (!path)
		PAUDE_BUG("no seccomp profile written");
	_cleanup_free_ char *there = NULL;
	if ((r = paude_runner_host_path(runner, path, NULL, &there, err)) < 0) {
		(void)unlink(path);
		return r;
	}
	*out_path = TAKE_PTR(path);
	*host_path = TAKE_PTR(there);
	return 0;
}
