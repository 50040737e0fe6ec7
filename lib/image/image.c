/* SPDX-License-Identifier: MIT */
/*
 * paude's images: the files of containers/<dir>, a content hash that names
 * the tag, the recipe --dry-run shows, and building one image with podman
 * when its tag is missing (image-build.c runs the build, image-base.c finds
 * or makes the base image).
 */
#include <string.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include "paude/image/image.h"
#include "paude/core/alloc.h"
#include "paude/image/embedded.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/core/buf.h"
#include "paude/core/strvec.h"
#include "image/image-internal.h"
#include "core/banned.h"

#ifndef PAUDE_VERSION
#define PAUDE_VERSION "0.0.0"
#endif

/* Caps for what we read: context files. */
#define FILE_MAX (4u << 20)

static const char *const ca_candidates[] = {
	"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Arch, Gentoo */
	"/etc/pki/tls/certs/ca-bundle.crt", /* Fedora, RHEL, CentOS */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
	"/etc/ssl/ca-bundle.pem", /* openSUSE */
	"/etc/ssl/cert.pem", /* Alpine, macOS, BSDs */
	"/usr/local/etc/openssl/cert.pem", /* Homebrew */
	NULL,
};

const char *
paude_ca_bundle_first(const char *const *candidates)
{
	for (size_t i = 0; candidates[i]; i++)
		if (paude_is_file(candidates[i]))
			return candidates[i];
	return NULL;
}

const char *
paude_ca_bundle_detect(void)
{
	return paude_ca_bundle_first(ca_candidates);
}

const char *
paude_image__opt_or(const char *set, const char *fallback)
{
	return set ? set : fallback;
}

const char *
paude_image_base(const struct paude_image_opts *o)
{
	return paude_image__opt_or(o ? o->base : NULL, PAUDE_IMAGE_DEFAULT_BASE);
}

const char *
paude_image_agent_version(const struct paude_image_opts *o)
{
	return paude_image__opt_or(o ? o->agent_version : NULL, "latest");
}

/* --- validation of what lands in argv and in the Containerfile --- */

bool
paude_image__valid_ref(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 255 ||
	    !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", s[0]))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:/@") ==
	       n;
}

/* A build argument value: printable, and nothing a Containerfile or a
 * shell would expand or split ($, quotes, backslash, whitespace). */
bool
paude_image__valid_arg_value(const char *s)
{
	if (!*s || strlen(s) > 255 || *s == '-')
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p >= 127 || strchr("$'\"\\`", *p))
			return false;
	return true;
}

static bool
valid_arg_name(const char *s)
{
	size_t n = strlen(s);
	return n && n < 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static bool
valid_dir(const char *s)
{
	size_t n = strlen(s);
	return n && n < 64 && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int
check_target(const struct paude_image_target *t, const char *base, struct paude_error **err)
{
	if (!valid_dir(t->dir))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image directory '%s'",
				       t->dir);
	if (!paude_image__valid_ref(t->repo))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image repository '%s'",
				       t->repo);
	if (!paude_image__valid_ref(base))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid base image '%s' (expected a reference such as %s)",
				       base, PAUDE_IMAGE_DEFAULT_BASE);
	for (size_t i = 0; i < t->nargs; i++) {
		if (!valid_arg_name(t->args[i].name))
			return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid build argument '%s'",
					       t->args[i].name);
		if (!paude_image__valid_arg_value(t->args[i].value))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid value '%s' for build argument '%s'",
					       t->args[i].value, t->args[i].name);
	}
	return 0;
}

/* --- the files of containers/<dir> --- */

void
paude_image_files_release(struct paude_image_files *f)
{
	for (size_t i = 0; i < f->nr; i++) {
		free(f->v[i].path);
		free(f->v[i].data);
	}
	free(f->v);
	f->v = NULL;
	f->nr = 0;
}

void
paude_image__files_add(struct paude_image_files *f, const char *path, const void *data, size_t size,
		       unsigned mode)
{
	struct paude_image_file *v = paude_xrealloc(f->v, f->nr + 1, sizeof(*v));
	f->v = v;
	struct paude_image_file *e = &v[f->nr++];
	e->path = paude_xstrdup(path);
	e->data = paude_xmalloc(size + 1);
	memcpy(e->data, data, size);
	e->data[size] = '\0';
	e->size = size;
	e->mode = mode;
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct paude_image_file *)a)->path,
		      ((const struct paude_image_file *)b)->path);
}

static int
files_from_dir(const char *root, const char *dir, struct paude_image_files *out,
	       struct paude_error **err)
{
	_cleanup_free_ char *path = paude_path_join(root, dir);
	DIR *d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
					       "no directory '%s' (check PAUDE_CONTAINERS_DIR)",
					       path);
		return paude_error_errno(err, errno, "cannot open '%s'", path);
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		/* Hidden files and editor backups are not part of an image. */
		if (de->d_name[0] == '.' || de->d_name[n - 1] == '~')
			continue;
		_cleanup_free_ char *fp = paude_path_join(path, de->d_name);
		struct stat st;
		if (stat(fp, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(FILE_MAX);
		r = paude_buf_read_file(&b, fp, err);
		if (r < 0)
			break;
		paude_image__files_add(out, de->d_name, b.buf, b.len,
				       (st.st_mode & 0111) ? 0755 : 0644);
	}
	closedir(d);
	return r;
}

static void
files_from_embedded(const char *dir, struct paude_image_files *out)
{
	size_t dl = strlen(dir);
	for (const struct paude_embedded_file *e = paude_embedded_files; e->path; e++) {
		/* Subdirectories too: proxy/gateway/ holds the gateway's sources. */
		if (strncmp(e->path, dir, dl) != 0 || e->path[dl] != '/')
			continue;
		paude_image__files_add(out, e->path + dl + 1, e->data, e->size, e->mode);
	}
}

int
paude_image_files_load(const char *dir, const struct paude_image_opts *o,
		       struct paude_image_files *out, struct paude_error **err)
{
	if (!valid_dir(dir))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image directory '%s'", dir);
	const char *root = paude_image__opt_or(o ? o->containers_dir : NULL, NULL);
	struct paude_image_files f = { 0 };
	if (root) {
		int r = files_from_dir(root, dir, &f, err);
		if (r < 0) {
			paude_image_files_release(&f);
			return r;
		}
	} else {
		files_from_embedded(dir, &f);
	}
	if (f.nr)
		qsort(f.v, f.nr, sizeof(*f.v), cmp_file);
	bool has_containerfile = false;
	for (size_t i = 0; i < f.nr; i++)
		has_containerfile |= !strcmp(f.v[i].path, "Containerfile");
	if (!has_containerfile) {
		paude_image_files_release(&f);
		return paude_error_set(err, PAUDE_ENOTFOUND, 0, "no Containerfile for image '%s'%s",
				       dir, root ? " (check PAUDE_CONTAINERS_DIR)" : "");
	}
	*out = f;
	return 0;
}

static const struct paude_image_file *
files_find(const struct paude_image_files *f, const char *path)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->v[i].path, path))
			return &f->v[i];
	return NULL;
}

/* --- the content hash --- */

/* Each field is "NAME LENGTH\n" followed by its bytes: no two different
 * input sets can produce the same byte stream. */
void
paude_image__hash_field(struct paude_sha256 *h, const char *name, const void *data, size_t n)
{
	char head[96];
	int k = snprintf(head, sizeof(head), "%s %zu\n", name, n);
	paude_sha256_update(h, head, (size_t)k);
	paude_sha256_update(h, data, n);
}

void
paude_image__hash_str(struct paude_sha256 *h, const char *name, const char *s)
{
	paude_image__hash_field(h, name, s, strlen(s));
}

void
paude_image_hash(const struct paude_image_inputs *in, char out[PAUDE_SHA256_HEX_LEN + 1])
{
	struct paude_sha256 h;
	paude_sha256_init(&h);
	paude_image__hash_str(&h, "paude-image", "1");
	paude_image__hash_str(&h, "paude-version", in->paude_version);
	paude_image__hash_str(&h, "dir", in->dir);
	paude_image__hash_str(&h, "base", in->base);
	for (size_t i = 0; i < in->nargs; i++) {
		paude_image__hash_str(&h, "arg", in->args[i].name);
		paude_image__hash_str(&h, "value", in->args[i].value);
	}
	for (size_t i = 0; i < in->files->nr; i++) {
		const struct paude_image_file *f = &in->files->v[i];
		char mode[16];
		(void)snprintf(mode, sizeof(mode), "%04o", f->mode);
		paude_image__hash_str(&h, "file", f->path);
		paude_image__hash_str(&h, "mode", mode);
		paude_image__hash_field(&h, "data", f->data, f->size);
	}
	paude_sha256_final_hex(&h, out);
}

/* Everything about one build, resolved once. */
struct plan {
	const struct paude_image_target *t;
	const char *base;
	struct paude_image_files files;
	char hash[PAUDE_SHA256_HEX_LEN + 1];
	char *ref;
};

static void
plan_release(struct plan *p)
{
	paude_image_files_release(&p->files);
	free(p->ref);
}

static int
plan_init(struct plan *p, const struct paude_image_target *t, const struct paude_image_opts *o,
	  struct paude_error **err)
{
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->base = paude_image_base(o);
	int r = check_target(t, p->base, err);
	if (r < 0)
		return r;
	r = paude_image_files_load(t->dir, o, &p->files, err);
	if (r < 0)
		return r;
	struct paude_image_inputs in = {
		.paude_version = PAUDE_VERSION,
		.dir = t->dir,
		.base = p->base,
		.args = t->args,
		.nargs = t->nargs,
		.files = &p->files,
	};
	paude_image_hash(&in, p->hash);
	p->ref = paude_xasprintf("%s:%.*s", t->repo, PAUDE_IMAGE_TAG_HEX, p->hash);
	return 0;
}

int
paude_image_tag(const struct paude_image_target *t, const struct paude_image_opts *o, char **out,
		char hash[PAUDE_SHA256_HEX_LEN + 1], struct paude_error **err)
{
	struct plan p = { 0 };
	int r = plan_init(&p, t, o, err);
	if (r == 0) {
		if (hash)
			memcpy(hash, p.hash, sizeof(p.hash));
		*out = TAKE_PTR(p.ref);
	}
	plan_release(&p);
	return r;
}

/* --- the recipe (--dry-run) --- */

/* If line is "ARG NAME[=...]" for a name we set, return the value. */
static const char *
arg_override(const struct plan *p, const char *line, size_t len, size_t *name_len,
	     const char **name)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < 4 || strncasecmp(line + i, "ARG", 3) != 0 ||
	    (line[i + 3] != ' ' && line[i + 3] != '\t'))
		return NULL;
	i += 3;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t start = i;
	while (i < len && line[i] != '=' && line[i] != ' ' && line[i] != '\t')
		i++;
	*name = line + start;
	*name_len = i - start;
	if (*name_len == strlen("BASE_IMAGE") && !strncmp(*name, "BASE_IMAGE", *name_len))
		return p->base;
	for (size_t k = 0; k < p->t->nargs; k++)
		if (strlen(p->t->args[k].name) == *name_len &&
		    !strncmp(*name, p->t->args[k].name, *name_len))
			return p->t->args[k].value;
	return NULL;
}

static int
recipe(const struct plan *p, struct paude_buf *out, struct paude_error **err)
{
	const struct paude_image_file *cf = files_find(&p->files, "Containerfile");
	paude_buf_addf(out, err, "# paude image %s (paude %s, containers/%s)\n", p->ref,
		       PAUDE_VERSION, p->t->dir);
	paude_buf_addstr(out, "# build context:", err);
	for (size_t i = 0; i < p->files.nr; i++)
		paude_buf_addf(out, err, " %s", p->files.v[i].path);
	paude_buf_addstr(out, "\n", err);
	const char *s = (const char *)cf->data, *end = s + cf->size;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		const char *name;
		size_t name_len;
		const char *v = arg_override(p, s, len, &name_len, &name);
		if (v)
			paude_buf_addf(out, err, "ARG %.*s=%s\n", (int)name_len, name, v);
		else
			paude_buf_addf(out, err, "%.*s\n", (int)len, s);
		s += len + 1;
	}
	return 0;
}

int
paude_image_recipe_dir(const struct paude_image_target *t, const struct paude_image_opts *o,
		       char **out, struct paude_error **err)
{
	struct plan p = { 0 };
	int r = plan_init(&p, t, o, err);
	if (r == 0) {
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
		r = recipe(&p, &b, err);
		if (r == 0)
			*out = paude_buf_detach(&b);
	}
	plan_release(&p);
	return r;
}

static int
build(struct paude_runner *r, const struct plan *p, const char *base,
      const struct paude_image_opts *o, struct paude_error **err)
{
	const struct paude_image__build b = {
		.ref = p->ref,
		.hash = p->hash,
		.label = p->t->dir,
		.files = &p->files,
		.base = base,
		.args = p->t->args,
		.nargs = p->t->nargs,
		.pull_never = true,
		.ca_secret = true,
	};
	return paude_image__build(r, &b, o, err);
}

int
paude_image_build_dir(struct paude_runner *r, const struct paude_image_target *t,
		      const struct paude_image_opts *o, char **out_ref, struct paude_error **err)
{
	_cleanup_(plan_release) struct plan p = { 0 };
	int ret = plan_init(&p, t, o, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *old_id = NULL;
	if (!(o && o->rebuild)) {
		bool yes = false;
		ret = paude_image__exists(r, p.ref, &yes, err);
		if (ret < 0)
			return ret;
		if (yes) {
			paude_debug("image '%s' exists", p.ref);
			*out_ref = TAKE_PTR(p.ref);
			return 0;
		}
	} else {
		old_id = paude_image__id(r, p.ref);
	}
	_cleanup_free_ char *base = NULL;
	bool fallback = false;
	ret = paude_image_base_ensure(r, p.base, o, &base, &fallback, err);
	if (ret < 0)
		return ret;
	if (fallback && strcmp(base, p.base) != 0)
		paude_debug("building '%s' on '%s' instead of '%s'", p.ref, base, p.base);
	ret = build(r, &p, base, o, err);
	if (ret < 0)
		return ret;
	if (old_id)
		paude_image__remove_replaced(r, old_id, p.ref);
	*out_ref = TAKE_PTR(p.ref);
	return 0;
}

/* --- the agent image --- */

void
paude_image_agent_target(const struct paude_image_opts *o, struct paude_image_target *t,
			 struct paude_image_arg *arg)
{
	arg->name = "CLAUDE_CODE_VERSION";
	arg->value = paude_image_agent_version(o);
	*t = (struct paude_image_target){
		.dir = PAUDE_IMAGE_AGENT_DIR,
		.repo = PAUDE_IMAGE_AGENT_REPO,
		.args = arg,
		.nargs = 1,
	};
}

int
paude_image_recipe(const struct paude_image_opts *o, char **out, struct paude_error **err)
{
	struct paude_image_target t;
	struct paude_image_arg a;
	paude_image_agent_target(o, &t, &a);
	return paude_image_recipe_dir(&t, o, out, err);
}

int
paude_image_agent_tag(const struct paude_image_opts *o, char **out, struct paude_error **err)
{
	struct paude_image_target t;
	struct paude_image_arg a;
	paude_image_agent_target(o, &t, &a);
	return paude_image_tag(&t, o, out, NULL, err);
}

int
paude_image_ensure(struct paude_runner *r, const struct paude_image_opts *o, char **out_ref,
		   struct paude_error **err)
{
	struct paude_image_target t;
	struct paude_image_arg a;
	paude_image_agent_target(o, &t, &a);
	return paude_image_build_dir(r, &t, o, out_ref, err);
}
