/* SPDX-License-Identifier: MIT */
/*
 * Building paude's images with podman: the files of containers/<dir>, a
 * content hash that names the tag, the base image (pulled, or built with
 * debootstrap when no registry can be reached), and the build itself.
 */
#include <string.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "paude/image.h"
#include "paude/embedded.h"
#include "paude/fs.h"
#include "paude/log.h"
#include "paude/signal.h"
#include "paude/buf.h"
#include "paude/strvec.h"
#include "image-internal.h"
#include "banned.h"

#ifndef PAUDE_VERSION
#define PAUDE_VERSION "0.0.0"
#endif

/* Caps for what we read: context files, podman's stderr, log tails. */
#define FILE_MAX (4u << 20)
#define CAPTURE_MAX (1u << 20)
#define LOG_TAIL 2048

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

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
	const char *env = getenv("PAUDE_CA_BUNDLE");
	if (env)
		return *env ? env : NULL;
	return paude_ca_bundle_first(ca_candidates);
}

static const char *
env_or(const char *set, const char *var, const char *fallback)
{
	if (set)
		return set;
	const char *v = getenv(var);
	return v && *v ? v : fallback;
}

const char *
paude_image_base(const struct paude_image_opts *o)
{
	return env_or(o ? o->base : NULL, "PAUDE_BASE_IMAGE", PAUDE_IMAGE_DEFAULT_BASE);
}

const char *
paude_image_agent_version(const struct paude_image_opts *o)
{
	return env_or(o ? o->agent_version : NULL, "PAUDE_CLAUDE_CODE_VERSION", "latest");
}

static const char *
ca_bundle(const struct paude_image_opts *o)
{
	if (o && o->ca_bundle)
		return *o->ca_bundle ? o->ca_bundle : NULL;
	return paude_ca_bundle_detect();
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
static bool
valid_arg_value(const char *s)
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
		if (!valid_arg_value(t->args[i].value))
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
	struct paude_image_file *v = realloc(f->v, (f->nr + 1) * sizeof(*v));
	if (!v)
		abort();
	f->v = v;
	struct paude_image_file *e = &v[f->nr++];
	e->path = strdup(path);
	e->data = malloc(size + 1);
	if (!e->path || !e->data)
		abort();
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
	const char *root = env_or(o ? o->containers_dir : NULL, "PAUDE_CONTAINERS_DIR", NULL);
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
	p->ref = paude_xstrfmt("%s:%.*s", t->repo, PAUDE_IMAGE_TAG_HEX, p->hash);
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

/* --- running podman --- */

static void
notify(const struct paude_image_opts *o, enum paude_image_event ev, const char *detail)
{
	if (o && o->notify)
		o->notify(o->notify_ctx, ev, detail);
}

/* Run argv, capture stderr, report the exit status (no error for non-zero). */
static int
run_status(struct paude_runner *r, const char *const *argv, int *status, struct paude_buf *errout,
	   struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	paude_strvec_pushv(&c.args, argv);
	return paude_run_capture(r, &c, NULL, 0, &out, errout, status, err);
}

/* `podman image exists REF`: 0 and *yes set, or an error if podman fails. */
int
paude_image__exists(struct paude_runner *r, const char *ref, bool *yes, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "image", "exists", ref, NULL };
	int ret = run_status(r, argv, &status, &errout, err);
	if (ret < 0)
		return ret;
	if (status > 1) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_strvec_pushv(&c.args, argv);
		return paude_child_error(err, &c, status, errout.buf, errout.len);
	}
	*yes = status == 0;
	return 0;
}

/* The ID of a local image, or NULL (missing, or podman failed: both only
 * mean there is nothing to clean up). */
char *
paude_image__id(struct paude_runner *r, const char *ref)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	paude_strvec_pushl(&c.args, "podman", "image", "inspect", "--format", "{{.Id}}", ref, NULL);
	int status = 0;
	if (paude_run_capture(r, &c, NULL, 0, &out, &errout, &status, NULL) < 0 || status != 0)
		return NULL;
	paude_buf_rtrim(&out);
	return out.len && !strchr(out.buf, '\n') ? paude_buf_detach(&out) : NULL;
}

/*
 * After a rebuild the old image has lost its tag: remove it, or every
 * rebuild would leave a dangling image of a gigabyte or more behind. If a
 * session still uses it (or another tag names it), podman refuses, and it
 * stays; that is fine.
 */
void
paude_image__remove_replaced(struct paude_runner *r, const char *old_id, const char *ref)
{
	_cleanup_free_ char *new_id = paude_image__id(r, ref);
	if (!new_id || !strcmp(new_id, old_id))
		return;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	paude_strvec_pushl(&c.args, "podman", "rmi", old_id, NULL);
	c.no_stdout = 1;
	int status = 0;
	if (paude_run_capture(r, &c, NULL, 0, NULL, &errout, &status, NULL) == 0 && status != 0)
		paude_debug("old image '%s' kept: %s", old_id, errout.buf);
}

/* Where the output of long steps goes when not verbose. */
struct logfile {
	char *path;
	bool keep; /* in the cache dir: name it in errors */
};

static void
logfile_init(struct logfile *l, const char *workdir, const char *name)
{
	_cleanup_free_ char *cache = paude_cache_dir();
	_cleanup_free_ char *dir = paude_path_join(cache, "logs");
	_cleanup_free_ char *file = NULL;
	file = paude_xstrfmt("%s.log", name);
	if (paude_mkdir_p(dir, 0700, NULL) == 0) {
		l->path = paude_path_join(dir, file);
		l->keep = true;
	} else {
		l->path = paude_path_join(workdir, file);
		l->keep = false;
	}
}

/*
 * A build's log, named after its image, opened for writing with an
 * exclusive lock: while another build of the same image holds NAME.log,
 * NAME-2.log (and so on) is used, so that concurrent builds never write
 * into each other's log. Returns the fd; l->path names the file.
 */
static int
logfile_open_locked(struct logfile *l, const char *workdir, const char *name,
		    struct paude_error **err)
{
	for (int i = 1; i <= 16; i++) {
		_cleanup_free_ char *n = i == 1 ? xstrdup(name) : paude_xstrfmt("%s-%d", name, i);
		struct logfile cand = { 0 };
		logfile_init(&cand, workdir, n);
		int fd = open(cand.path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			int e = errno;
			int r = paude_error_errno(err, e, "cannot create '%s'", cand.path);
			free(cand.path);
			return r;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || ftruncate(fd, 0) < 0) {
			close(fd);
			free(cand.path);
			continue;
		}
		*l = cand;
		return fd;
	}
	return paude_error_set(err, PAUDE_EGENERIC, 0,
			       "cannot open a log for '%s': 16 builds of it are running", name);
}

bool
paude_image_parse_step(const char *line, size_t len, struct paude_image_progress *p,
		       size_t *what_len)
{
	const char *q = line, *end = line + len;
	unsigned stage = 0, stages = 0, step = 0, steps = 0;
	/* digits into *v; false if none or too many */
	bool ok = true;
#define NUM(v)                                                                                     \
	do {                                                                                       \
		const char *s0_ = q;                                                               \
		unsigned n_ = 0;                                                                   \
		while (q < end && *q >= '0' && *q <= '9' && n_ < 100000)                           \
			n_ = n_ * 10 + (unsigned)(*q++ - '0');                                     \
		ok = ok && q > s0_ && q - s0_ <= 6;                                                \
		(v) = n_;                                                                          \
	} while (0)
	if (q < end && *q == '[') {
		q++;
		NUM(stage);
		ok = ok && q < end && *q++ == '/';
		NUM(stages);
		ok = ok && q + 1 < end && q[0] == ']' && q[1] == ' ';
		q += 2;
	}
	static const char kw[] = "STEP ";
	ok = ok && (size_t)(end - q) >= sizeof(kw) - 1 && !memcmp(q, kw, sizeof(kw) - 1);
	if (!ok)
		return false;
	q += sizeof(kw) - 1;
	NUM(step);
	ok = ok && q < end && *q++ == '/';
	NUM(steps);
	ok = ok && q < end && *q++ == ':';
#undef NUM
	if (!ok || step == 0 || step > steps || stage > stages)
		return false;
	while (q < end && *q == ' ')
		q++;
	p->stage = stage;
	p->stages = stages;
	p->step = step;
	p->steps = steps;
	p->what = q;
	*what_len = (size_t)(end - q);
	return true;
}

static long long
now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/*
 * Run a build: its output (stdout and stderr on one pipe) goes to log_fd,
 * and to our stderr too when verbose; the STEP lines in it, and a tick
 * about once a second, go to o->progress.
 */
static int
run_build(struct paude_runner *r, struct paude_child *c, const struct paude_image_opts *o,
	  const char *ref, int log_fd, int *status, struct paude_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return paude_error_errno(err, errno, "cannot create a pipe");
	c->no_stdin = 1;
	c->out = p[1];
	c->err = fcntl(p[1], F_DUPFD_CLOEXEC, 3);
	if (c->err < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		c->out = c->err = 0;
		return paude_error_errno(err, e, "cannot duplicate a file descriptor");
	}
	_cleanup_close_ int rd = p[0];
	int ret = paude_child_start(r, c, err);
	if (ret < 0)
		return ret;
	bool verbose = o && o->verbose;
	paude_image_progress_fn cb = o ? o->progress : NULL;
	struct paude_image_progress prog = { .image = ref, .what = "" };
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
	long long start = now_sec(), shown = -1;
	for (;;) {
		struct pollfd pfd = { .fd = rd, .events = POLLIN };
		int n = poll(&pfd, 1, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0) {
			char chunk[8192];
			ssize_t got = read(rd, chunk, sizeof(chunk));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got <= 0)
				break;
			/* The log is best effort: a full disk must not fail the build. */
			(void)!write(log_fd, chunk, (size_t)got);
			if (verbose)
				(void)!write(STDERR_FILENO, chunk, (size_t)got);
			for (ssize_t i = 0; i < got; i++) {
				if (chunk[i] != '\n') {
					if (line.len < 4096)
						paude_buf_addch(&line, chunk[i], NULL);
					continue;
				}
				size_t wl = 0;
				struct paude_image_progress np = prog;
				if (paude_image_parse_step(line.buf, line.len, &np, &wl)) {
					paude_buf_reset(&what);
					paude_buf_add(&what, np.what, wl, NULL);
					prog = np;
					prog.what = what.buf;
					if (cb) {
						prog.elapsed = now_sec() - start;
						cb(o->progress_ctx, &prog);
						shown = prog.elapsed;
					}
				}
				paude_buf_reset(&line);
			}
		}
		long long el = now_sec() - start;
		if (cb && el != shown) {
			prog.elapsed = el;
			cb(o->progress_ctx, &prog);
			shown = el;
		}
	}
	ret = paude_child_finish(r, c, status, err);
	if (cb) {
		prog.elapsed = now_sec() - start;
		prog.done = true;
		cb(o->progress_ctx, &prog);
	}
	return ret;
}

/* The last lines of a log file (at most LOG_TAIL bytes, from a line start). */
static void
read_tail(const char *path, struct paude_buf *out)
{
	if (!path)
		return;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return;
	off_t from = end > LOG_TAIL ? end - LOG_TAIL : 0;
	if (lseek(fd, from, SEEK_SET) < 0)
		return;
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(LOG_TAIL + 1);
	if (paude_buf_read_fd(&b, fd, NULL) < 0)
		return;
	paude_buf_rtrim(&b);
	const char *s = b.buf;
	if (from > 0) {
		const char *nl = strchr(s, '\n');
		if (nl)
			s = nl + 1;
	}
	paude_buf_addstr(out, s, NULL);
}

/*
 * Run a long step: its stdout and stderr go to our stderr when verbose,
 * else to the log file. *status is its exit status.
 */
static int
run_logged(struct paude_runner *r, struct paude_child *c, const struct paude_image_opts *o,
	   const struct logfile *log, int *status, struct paude_error **err)
{
	int ret = 0;
	c->no_stdin = c->in == 0;
	if (o && o->verbose) {
		c->out = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (c->out < 0)
			ret = paude_error_errno(err, errno, "cannot duplicate stderr");
	} else {
		c->out = open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (c->out < 0)
			ret = paude_error_errno(err, errno, "cannot create '%s'", log->path);
		else if ((c->err = fcntl(c->out, F_DUPFD_CLOEXEC, 3)) < 0)
			ret = paude_error_errno(err, errno, "cannot duplicate a file descriptor");
	}
	if (ret < 0) {
		/* As paude_child_start does on failure: the child's fds are ours to close. */
		int *fds[3] = { &c->in, &c->out, &c->err };
		for (size_t i = 0; i < 3; i++) {
			if (*fds[i] > 0)
				close(*fds[i]);
			*fds[i] = 0;
		}
		return ret;
	}
	ret = paude_child_start(r, c, err);
	if (ret < 0)
		return ret;
	return paude_child_finish(r, c, status, err);
}

/* PAUDE_ECHILD for a failed long step: what failed, where the log is, its tail. */
static int
step_error(struct paude_error **err, const char *what, const char *prog, int status,
	   const struct paude_image_opts *o, const struct logfile *log)
{
	int r;
	if (o && o->verbose) {
		r = paude_error_set(err, PAUDE_ECHILD, 0, "%s: %s exited with status %d", what,
				    prog, status);
	} else {
		_cleanup_buf_ struct paude_buf tail = PAUDE_BUF_INIT;
		read_tail(log->path, &tail);
		if (log->keep)
			r = paude_error_set(
			    err, PAUDE_ECHILD, 0, "%s: %s exited with status %d (full log: %s)%s%s",
			    what, prog, status, log->path, tail.len ? "\n" : "", tail.buf);
		else
			r = paude_error_set(err, PAUDE_ECHILD, 0,
					    "%s: %s exited with status %d (run with -v to see "
					    "its output)%s%s",
					    what, prog, status, tail.len ? "\n" : "", tail.buf);
	}
	if (err && *err && (*err)->code == PAUDE_ECHILD)
		(*err)->child_status = status;
	return r;
}

/* --- temporary directories --- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct workdir {
	char *path;
};

static void
workdir_release(struct workdir *w)
{
	if (w->path) {
		rm_tree(w->path);
		free(w->path);
		w->path = NULL;
	}
}

static int
workdir_create(struct workdir *w, struct paude_error **err)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || *tmp != '/')
		tmp = "/var/tmp";
	_cleanup_free_ char *tmpl = paude_path_join(tmp, "paude-build-XXXXXX");
	if (!mkdtemp(tmpl))
		return paude_error_errno(err, errno, "cannot create a directory in '%s'", tmp);
	w->path = TAKE_PTR(tmpl);
	return 0;
}

/* Write a file with exactly this mode (the umask must not decide what a
 * COPY in the Containerfile gets). */
static int
write_file_mode(const char *path, const void *data, size_t n, unsigned mode,
		struct paude_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return paude_error_errno(err, errno, "cannot create '%s'", path);
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return paude_error_errno(err, errno, "cannot write '%s'", path);
		}
		p += w;
		n -= (size_t)w;
	}
	if (fchmod(fd, mode) < 0)
		return paude_error_errno(err, errno, "cannot change the mode of '%s'", path);
	if (close(TAKE_FD(fd)) < 0)
		return paude_error_errno(err, errno, "cannot write '%s'", path);
	return 0;
}

/* --- the base image --- */

long paude_image__test_euid = -1;

const char *
paude_image_fallback_base(const struct paude_image_opts *o)
{
	return env_or(o ? o->fallback_base : NULL, "PAUDE_FALLBACK_BASE_IMAGE",
		      PAUDE_IMAGE_FALLBACK_BASE);
}

static char *
find_debootstrap(void)
{
	char *p = paude_which("debootstrap");
	if (p)
		return p;
	/* Often in sbin, which a normal user's PATH lacks. */
	static const char *const sbin[] = { "/usr/sbin/debootstrap", "/sbin/debootstrap" };
	for (size_t i = 0; i < ARRAY_SIZE(sbin); i++)
		if (access(sbin[i], X_OK) == 0)
			return xstrdup(sbin[i]);
	return NULL;
}

/* Remove an image this build made before it failed. */
static void
remove_image(struct paude_runner *r, const char *ref)
{
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "image", "rm", ref, NULL };
	if (run_status(r, argv, &status, &errout, NULL) == 0 && status != 0)
		paude_debug("cannot remove '%s': %s", ref, errout.buf);
}

/* Open where a long step's output goes: our stderr when verbose, else the log. */
static int
log_fd(const struct paude_image_opts *o, const struct logfile *log, struct paude_error **err)
{
	int fd;
	if (o && o->verbose) {
		fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return paude_error_errno(err, errno, "cannot duplicate stderr");
	} else {
		fd = open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return paude_error_errno(err, errno, "cannot create '%s'", log->path);
	}
	return fd;
}

static int
dup_fd(int fd, struct paude_error **err)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return paude_error_errno(err, errno, "cannot duplicate a file descriptor");
	return d;
}

/*
 * Not root: debootstrap cannot make device nodes in a user namespace, but
 * mmdebstrap's unshare mode needs no root at all (it maps the user's
 * subordinate ids, as podman does). Its tarball goes straight into
 * `podman import`: nothing to remove afterwards.
 *   mmdebstrap --mode=unshare --variant=minbase --format=tar SUITE - MIRROR |
 *   podman import - REF
 */
static int
bootstrap_base_unshare(struct paude_runner *r, const struct paude_image_opts *o, const char *ref,
		       const char *mirror, struct paude_error **err)
{
	_cleanup_free_ char *mmdebstrap = paude_which("mmdebstrap");
	if (!mmdebstrap)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				       "cannot build base image '%s' as a normal user: "
				       "'mmdebstrap' not found (install mmdebstrap, or set "
				       "PAUDE_BASE_IMAGE to an image available locally)",
				       ref);
	_cleanup_(workdir_release) struct workdir w = { 0 };
	int ret = workdir_create(&w, err);
	if (ret < 0)
		return ret;
	struct logfile log = { 0 };
	logfile_init(&log, w.path, "base");
	_cleanup_free_ _unused_ char *logpath = log.path; /* frees log.path */
	_cleanup_close_ int out = log_fd(o, &log, err);
	if (out < 0)
		return out;

	notify(o, PAUDE_IMAGE_EV_BOOTSTRAP_BASE_UNSHARE, ref);
	_cleanup_child_ struct paude_child mm = PAUDE_CHILD_INIT;
	_cleanup_child_ struct paude_child imp = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&mm.args, mmdebstrap, "--mode=unshare", "--variant=minbase",
			   "--format=tar", PAUDE_IMAGE_FALLBACK_SUITE, "-", mirror, NULL);
	mm.no_stdin = 1;
	mm.out = -1;
	int fd = dup_fd(out, err);
	if (fd < 0)
		return fd;
	mm.err = fd;
	ret = paude_child_start(r, &mm, err);
	if (ret < 0)
		return ret;
	paude_strvec_pushl(&imp.args, "podman", "import", "-", ref, NULL);
	imp.in = TAKE_FD(mm.out);
	int st_imp = 0, st_mm = 0;
	if ((fd = dup_fd(out, err)) >= 0) {
		imp.out = fd;
		if ((fd = dup_fd(out, err)) >= 0)
			imp.err = fd;
	}
	if (fd < 0) {
		/* imp never starts: its fds are ours to close, and mm ends on the
		 * closed pipe. */
		close(imp.in);
		if (imp.out > 0)
			close(imp.out);
		(void)paude_child_finish(r, &mm, &st_mm, NULL);
		return fd;
	}
	ret = paude_child_start(r, &imp, err);
	if (ret == 0)
		ret = paude_child_finish(r, &imp, &st_imp, err);
	int rm = paude_child_finish(r, &mm, &st_mm, ret < 0 ? NULL : err);
	if (ret == 0 && rm < 0)
		ret = rm;
	/* A cut-short tarball imports fine: never keep what a failed run made. */
	if (ret == 0 && st_imp == 0 && (st_mm != 0 || paude_signal_pending()))
		remove_image(r, ref);
	if (ret == 0 && st_mm != 0)
		ret = step_error(err, "cannot build the base image with mmdebstrap", "mmdebstrap",
				 st_mm, o, &log);
	if (ret == 0 && st_imp != 0)
		ret = step_error(err, "cannot import the base image", "podman import", st_imp, o,
				 &log);
	return ret;
}

static int
bootstrap_base(struct paude_runner *r, const struct paude_image_opts *o, const char *ref,
	       struct paude_error **err)
{
	const char *mirror =
	    env_or(o ? o->mirror : NULL, "PAUDE_DEBIAN_MIRROR", PAUDE_IMAGE_DEFAULT_MIRROR);
	if (!valid_arg_value(mirror))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid Debian mirror '%s'", mirror);
	uid_t euid = paude_image__test_euid >= 0 ? (uid_t)paude_image__test_euid : geteuid();
	if (euid != 0)
		return bootstrap_base_unshare(r, o, ref, mirror, err);
	_cleanup_free_ char *debootstrap = find_debootstrap();
	if (!debootstrap)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				       "cannot build base image '%s': 'debootstrap' not found "
				       "(install debootstrap, or set PAUDE_BASE_IMAGE to an image "
				       "available locally)",
				       ref);
	_cleanup_(workdir_release) struct workdir w = { 0 };
	int ret = workdir_create(&w, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *rootfs = paude_path_join(w.path, "rootfs");
	if (mkdir(rootfs, 0755) < 0)
		return paude_error_errno(err, errno, "cannot create '%s'", rootfs);
	struct logfile log = { 0 };
	logfile_init(&log, w.path, "base");
	_cleanup_free_ _unused_ char *logpath = log.path; /* frees log.path */

	notify(o, PAUDE_IMAGE_EV_BOOTSTRAP_BASE, ref);
	int status = 0;
	{
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_strvec_pushl(&c.args, debootstrap, "--variant=minbase",
				   PAUDE_IMAGE_FALLBACK_SUITE, rootfs, mirror, NULL);
		ret = run_logged(r, &c, o, &log, &status, err);
		if (ret == 0 && status != 0)
			ret = step_error(err, "cannot build the base image with debootstrap",
					 "debootstrap", status, o, &log);
	}
	if (ret == 0) {
		/* tar -C ROOTFS -c . | podman import - REF */
		_cleanup_child_ struct paude_child tar = PAUDE_CHILD_INIT;
		_cleanup_child_ struct paude_child imp = PAUDE_CHILD_INIT;
		paude_strvec_pushl(&tar.args, "tar", "-C", rootfs, "-c", ".", NULL);
		tar.out = -1;
		tar.no_stdin = 1;
		ret = paude_child_start(r, &tar, err);
		if (ret == 0) {
			paude_strvec_pushl(&imp.args, "podman", "import", "-", ref, NULL);
			imp.in = TAKE_FD(tar.out);
			int st_imp = 0, st_tar = 0;
			ret = run_logged(r, &imp, o, &log, &st_imp, err);
			int rt = paude_child_finish(r, &tar, &st_tar, ret < 0 ? NULL : err);
			if (ret == 0 && rt < 0)
				ret = rt;
			if (ret == 0 && st_imp != 0)
				ret = step_error(err, "cannot import the base image",
						 "podman import", st_imp, o, &log);
			if (ret == 0 && st_tar != 0) {
				ret = paude_error_set(err, PAUDE_ECHILD, 0,
						      "cannot import the base image: tar exited "
						      "with status %d",
						      st_tar);
				if (err && *err)
					(*err)->child_status = st_tar;
			}
		}
	}
	_cleanup_child_ struct paude_child rm = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&rm.args, "rm", "-rf", "--", rootfs, NULL);
	rm.no_stdout = rm.no_stderr = rm.no_stdin = 1;
	if (paude_child_start(r, &rm, NULL) == 0) {
		int st = 0;
		paude_child_finish(r, &rm, &st, NULL);
	}
	return ret;
}

int
paude_image_base_ensure(struct paude_runner *r, const char *base, const struct paude_image_opts *o,
			char **out_ref, bool *out_fallback, struct paude_error **err)
{
	const char *fallback = paude_image_fallback_base(o);
	if (!paude_image__valid_ref(base))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid base image '%s'", base);
	if (!paude_image__valid_ref(fallback))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid fallback base image '%s'",
				       fallback);
	bool is_fallback = !strcmp(base, fallback);
	bool yes = false;
	int ret = paude_image__exists(r, base, &yes, err);
	if (ret < 0)
		return ret;
	if (yes) {
		*out_ref = xstrdup(base);
		*out_fallback = is_fallback;
		return 0;
	}
	_cleanup_buf_ struct paude_buf why = PAUDE_BUF_INIT;
	/* The fallback lives only in local storage: there is nothing to pull. */
	if (!is_fallback) {
		notify(o, PAUDE_IMAGE_EV_PULL_BASE, base);
		_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
		int status = 0;
		const char *const pull[] = { "podman", "pull", base, NULL };
		ret = run_status(r, pull, &status, &errout, err);
		if (ret < 0)
			return ret;
		if (status == 0) {
			notify(o, PAUDE_IMAGE_EV_PULLED_BASE, base);
			*out_ref = xstrdup(base);
			*out_fallback = false;
			return 0;
		}
		paude_buf_rtrim(&errout);
		const char *nl = strrchr(errout.buf, '\n');
		paude_buf_addstr(&why, nl ? nl + 1 : errout.buf, NULL);
		paude_debug("cannot pull '%s': %s", base, why.buf);
		/* Only the default has an equivalent we can build from packages.
		 * PAUDE_BASE_IMAGE chooses paude's base only: for an image a
		 * project's configuration names, it would change nothing. */
		if (strcmp(base, PAUDE_IMAGE_DEFAULT_BASE) != 0)
			return paude_error_set(err, PAUDE_ECHILD, 0,
					       "cannot pull base image '%s': %s (%s)", base,
					       why.len ? why.buf : "unknown error",
					       !strcmp(base, paude_image_base(o))
						   ? "set PAUDE_BASE_IMAGE to an image available "
						     "locally"
						   : "check the image the configuration names, or "
						     "pull it yourself first");
		ret = paude_image__exists(r, fallback, &yes, err);
		if (ret < 0)
			return ret;
	}
	if (!yes) {
		ret = bootstrap_base(r, o, fallback, err);
		if (ret < 0)
			return ret;
	} else if (!is_fallback) {
		notify(o, PAUDE_IMAGE_EV_FALLBACK_BASE, fallback);
	}
	*out_ref = xstrdup(fallback);
	*out_fallback = true;
	return 0;
}

/* --- the build --- */

static int
write_files(const struct paude_image_files *files, const char *dir, struct paude_error **err)
{
	for (size_t i = 0; i < files->nr; i++) {
		const struct paude_image_file *f = &files->v[i];
		if (strchr(f->path, '/')) {
			_cleanup_free_ char *sub = paude_path_join(dir, f->path);
			*strrchr(sub, '/') = '\0';
			int ret = paude_mkdir_p(sub, 0755, err);
			if (ret < 0)
				return ret;
		}
		_cleanup_free_ char *path = paude_path_join(dir, f->path);
		int ret = write_file_mode(path, f->data, f->size, f->mode, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * An interrupted `podman build` leaves its buildah working container
 * behind, mounted, named after the FROM image ("IMAGE-working-container",
 * "-1", ...). So that ours can be told from those of builds running at the
 * same time, each build starts from a name of its own for the base image:
 * localhost/paude-from-PID-N:base, tagged before and untagged after.
 */
static char *
base_alias(struct paude_runner *r, const char *base)
{
	static unsigned counter;
	char *alias = paude_xstrfmt("localhost/paude-from-%ld-%u:base", (long)getpid(), ++counter);
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "tag", base, alias, NULL };
	if (run_status(r, argv, &status, &errout, NULL) < 0 || status != 0) {
		paude_debug("cannot tag '%s' as '%s': %s", base, alias, errout.buf);
		free(alias);
		return NULL;
	}
	return alias;
}

/* Remove the working containers of a build from ALIAS, then the alias. */
static void
base_alias_release(struct paude_runner *r, const char *alias, bool failed)
{
	if (failed) {
		/* "localhost/paude-from-1-2:base" -> "paude-from-1-2-working-container" */
		const char *name = strrchr(alias, '/');
		name = name ? name + 1 : alias;
		_cleanup_free_ char *prefix =
		    paude_xstrfmt("%.*s-working-container", (int)strcspn(name, ":"), name);
		_cleanup_child_ struct paude_child ps = PAUDE_CHILD_INIT;
		_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
		paude_strvec_pushl(&ps.args, "podman", "ps", "--all", "--external", "--format",
				   "{{.ID}} {{.Names}}", NULL);
		int status = 0;
		if (paude_run_capture(r, &ps, NULL, 0, &out, NULL, &status, NULL) == 0 &&
		    status == 0) {
			size_t plen = strlen(prefix);
			for (char *line = out.buf; line && *line;) {
				char *nl = strchr(line, '\n');
				if (nl)
					*nl = '\0';
				const char *sp = strchr(line, ' ');
				const char *n = sp ? sp + 1 : "";
				if (sp && !strncmp(n, prefix, plen) &&
				    (n[plen] == '\0' || n[plen] == '-') &&
				    !paude_looks_like_option(line)) {
					_cleanup_child_ struct paude_child rm = PAUDE_CHILD_INIT;
					paude_strvec_pushl(&rm.args, "podman", "rm", "--force",
							   NULL);
					paude_strvec_pushf(&rm.args, "%.*s", (int)(sp - line),
							   line);
					rm.no_stdout = rm.no_stderr = 1;
					int st = 0;
					(void)paude_run_capture(r, &rm, NULL, 0, NULL, NULL, &st,
								NULL);
					paude_debug("removed the working container '%s' of an "
						    "unfinished build",
						    n);
				}
				line = nl ? nl + 1 : NULL;
			}
		}
	}
	/* With the name twice: `podman untag IMAGE` alone would remove every name. */
	_cleanup_buf_ struct paude_buf errout = PAUDE_BUF_INIT_MAX(CAPTURE_MAX);
	int status = 0;
	const char *const argv[] = { "podman", "untag", alias, alias, NULL };
	if (run_status(r, argv, &status, &errout, NULL) == 0 && status != 0)
		paude_debug("cannot untag '%s': %s", alias, errout.buf);
}

int
paude_image__build(struct paude_runner *r, const struct paude_image__build *b,
		   const struct paude_image_opts *o, struct paude_error **err)
{
	_cleanup_(workdir_release) struct workdir w = { 0 };
	int ret = workdir_create(&w, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *ctx = NULL, *cf = NULL;
	if (b->context_dir) {
		ctx = xstrdup(b->context_dir);
		cf = xstrdup(b->containerfile);
	} else {
		ctx = paude_path_join(w.path, "context");
		if (mkdir(ctx, 0755) < 0)
			return paude_error_errno(err, errno, "cannot create '%s'", ctx);
		ret = write_files(b->files, ctx, err);
		if (ret < 0)
			return ret;
		cf = paude_path_join(ctx, "Containerfile");
	}

	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "podman", "build", NULL);
	if (b->pull_never)
		paude_strvec_push(&c.args, "--pull=never");
	/* A rebuild also refreshes what the layer cache cannot see change,
	 * such as the Claude Code release that "latest" names. */
	if (o && o->rebuild)
		paude_strvec_push(&c.args, "--no-cache");
	paude_strvec_pushl(&c.args, "-f", cf, "-t", b->ref, NULL);
	paude_strvec_pushf(&c.args, "--label=paude.io/image=%s", b->label);
	paude_strvec_pushf(&c.args, "--label=paude.io/image-hash=%s", b->hash);
	paude_strvec_pushf(&c.args, "--label=paude.io/version=%s", PAUDE_VERSION);
	_cleanup_free_ char *alias = b->base ? base_alias(r, b->base) : NULL;
	if (b->base)
		paude_strvec_pushf(&c.args, "--build-arg=BASE_IMAGE=%s", alias ? alias : b->base);
	for (size_t i = 0; i < b->nargs; i++)
		paude_strvec_pushf(&c.args, "--build-arg=%s=%s", b->args[i].name, b->args[i].value);
	for (size_t i = 0; b->raw_args && i < b->raw_args->nr; i++)
		paude_strvec_pushf(&c.args, "--build-arg=%s", b->raw_args->v[i]);
	const char *ca = b->ca_secret ? ca_bundle(o) : NULL;
	if (ca) {
		if (strchr(ca, ','))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "cannot use CA bundle '%s': a comma in its path "
					       "(set PAUDE_CA_BUNDLE to another path)",
					       ca);
		if (!paude_is_file(ca))
			return paude_error_set(err, PAUDE_ENOTFOUND, 0,
					       "CA bundle '%s' not found (set PAUDE_CA_BUNDLE to a "
					       "file, or to an empty string for none)",
					       ca);
		paude_strvec_pushf(&c.args, "--secret=id=paude-ca,src=%s", ca);
	}
	/* ctx is absolute: it cannot be taken for an option. */
	paude_strvec_push(&c.args, ctx);

	/* One log per image: concurrent builds of others never share it. */
	struct logfile log = { 0 };
	_cleanup_free_ char *logname = NULL;
	logname = paude_xstrfmt("build-%s-%.*s", b->label, PAUDE_IMAGE_TAG_HEX, b->hash);
	_cleanup_close_ int log_fd = logfile_open_locked(&log, w.path, logname, err);
	if (log_fd < 0)
		return log_fd;
	_cleanup_free_ _unused_ char *logpath = log.path; /* frees log.path */

	notify(o, PAUDE_IMAGE_EV_BUILD, b->ref);
	notify(o, PAUDE_IMAGE_EV_BUILD_LOG, log.path);
	int status = 0;
	ret = run_build(r, &c, o, b->ref, log_fd, &status, err);
	if (alias)
		base_alias_release(r, alias, ret < 0 || status != 0 || paude_signal_pending());
	if (ret < 0)
		return ret;
	if (status != 0) {
		_cleanup_free_ char *what = NULL;
		what = paude_xstrfmt("cannot build image '%s'", b->ref);
		/* The log exists in verbose mode too: name it and show its tail. */
		struct paude_image_opts logged = { 0 };
		if (o)
			logged = *o;
		logged.verbose = false;
		return step_error(err, what, "podman build", status, &logged, &log);
	}
	notify(o, PAUDE_IMAGE_EV_BUILT, b->ref);
	return 0;
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
