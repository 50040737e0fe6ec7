/* SPDX-License-Identifier: MIT */
/*
 * A project's own image: the generated Containerfile (containers/custom
 * with the features filled in), its context, the hash that names it, and
 * the builds (the project's Dockerfile first, when it has one).
 */
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "paude/image/image-custom.h"
#include "paude/core/alloc.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/image/oci.h"
#include "image/image-internal.h"
#include "core/banned.h"

#ifndef PAUDE_VERSION
#define PAUDE_VERSION "0.0.0"
#endif

#define FEATURES_MARKER "# @FEATURES@"
#define FEATURE_DIR "/tmp/paude/features"
/* The agent image's files a custom image needs too. */
static const char *const runtime_files[] = { "paude-entrypoint", "paude-session", "tmux.conf" };

void
paude_image_custom_release(struct paude_custom_plan *p)
{
	free(p->base);
	free(p->user_ref);
	free(p->ref);
	paude_image_files_release(&p->files);
	memset(p, 0, sizeof(*p));
}

static const struct paude_image_file *
find(const struct paude_image_files *f, const char *path)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->v[i].path, path))
			return &f->v[i];
	return NULL;
}

const char *
paude_image_custom_containerfile(const struct paude_custom_plan *p)
{
	const struct paude_image_file *f = find(&p->files, "Containerfile");
	return f ? (const char *)f->data : "";
}

/* value inside "..." for a POSIX shell (the features' env file). */
static void
add_sh_dquoted(struct paude_buf *b, const char *s)
{
	paude_buf_addch(b, '"', NULL);
	for (; *s; s++) {
		if (strchr("\"\\$`", *s))
			paude_buf_addch(b, '\\', NULL);
		paude_buf_addch(b, *s, NULL);
	}
	paude_buf_addch(b, '"', NULL);
}

/* value inside "..." of a Containerfile ENV ($VAR still expands, as the
 * features specification intends for containerEnv). */
static void
add_cf_dquoted(struct paude_buf *b, const char *s)
{
	paude_buf_addch(b, '"', NULL);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			paude_buf_addch(b, '\\', NULL);
		paude_buf_addch(b, *s, NULL);
	}
	paude_buf_addch(b, '"', NULL);
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct paude_image_file *)a)->path,
		      ((const struct paude_image_file *)b)->path);
}

static void
feature_block(struct paude_buf *cf, struct paude_image_files *ctx, const struct paude_feature *f,
	      size_t i, size_t n)
{
	_cleanup_free_ char *dir = NULL;
	dir = paude_xasprintf("features/%02zu-%s", i + 1, f->id);
	for (size_t k = 0; k < f->n_files; k++) {
		_cleanup_free_ char *p = paude_path_join(dir, f->files[k].path);
		paude_image__files_add(ctx, p, f->files[k].data, f->files[k].size,
				       f->files[k].mode);
	}
	/* Options as the specification names them, plus the user variables. */
	_cleanup_buf_ struct paude_buf env = PAUDE_BUF_INIT;
	paude_buf_addf(&env, NULL, "# %s (%s)\n", f->ref, f->digest);
	for (size_t k = 0; k < f->options.nr; k++) {
		const char *kv = f->options.v[k];
		size_t kl = strcspn(kv, "=");
		paude_buf_addf(&env, NULL, "%.*s=", (int)kl, kv);
		add_sh_dquoted(&env, kv[kl] ? kv + kl + 1 : "");
		paude_buf_addch(&env, '\n', NULL);
	}
	paude_buf_addstr(&env,
			 "_REMOTE_USER=\"paude\"\n_REMOTE_USER_HOME=\"/home/paude\"\n"
			 "_CONTAINER_USER=\"paude\"\n_CONTAINER_USER_HOME=\"/home/paude\"\n",
			 NULL);
	_cleanup_free_ char *envp = paude_path_join(dir, "devcontainer-features.env");
	paude_image__files_add(ctx, envp, env.buf, env.len, 0644);

	paude_buf_addf(cf, NULL, "# Feature %zu of %zu: %s (id %s, version %s)\n# layer %s\n",
		       i + 1, n, f->ref, f->id, *f->version ? f->version : "unknown", f->digest);
	paude_buf_addf(cf, NULL, "COPY %s/ " FEATURE_DIR "/%02zu-%s/\n", dir, i + 1, f->id);
	paude_buf_addf(cf, NULL,
		       "RUN --mount=type=secret,id=paude-ca,target=/run/secrets/paude-ca \\\n"
		       "    cd " FEATURE_DIR "/%02zu-%s && \\\n"
		       "    if [ -s /run/secrets/paude-ca ]; then export "
		       "SSL_CERT_FILE=/run/secrets/paude-ca CURL_CA_BUNDLE=/run/secrets/paude-ca "
		       "NODE_EXTRA_CA_CERTS=/run/secrets/paude-ca; fi && \\\n"
		       "    set -a && . ./devcontainer-features.env && set +a && \\\n"
		       "    chmod +x install.sh && ./install.sh\n",
		       i + 1, f->id);
	for (size_t k = 0; k < f->container_env.nr; k++) {
		const char *kv = f->container_env.v[k];
		size_t kl = strcspn(kv, "=");
		paude_buf_addf(cf, NULL, "ENV %.*s=", (int)kl, kv);
		add_cf_dquoted(cf, kv + kl + 1);
		paude_buf_addch(cf, '\n', NULL);
	}
}

/* Generate the Containerfile from the template and fill the context. */
static int
generate(struct paude_custom_plan *p, const struct paude_image_opts *o, struct paude_error **err)
{
	_cleanup_(paude_image_files_release) struct paude_image_files tmpl = PAUDE_IMAGE_FILES_INIT;
	_cleanup_(paude_image_files_release) struct paude_image_files agent =
	    PAUDE_IMAGE_FILES_INIT;
	int r = paude_image_files_load(PAUDE_IMAGE_CUSTOM_DIR, o, &tmpl, err);
	if (r < 0)
		return r;
	r = paude_image_files_load(PAUDE_IMAGE_AGENT_DIR, o, &agent, err);
	if (r < 0)
		return r;
	struct paude_image_files *ctx = &p->files;
	for (size_t i = 0; i < tmpl.nr; i++)
		if (strcmp(tmpl.v[i].path, "Containerfile") != 0)
			paude_image__files_add(ctx, tmpl.v[i].path, tmpl.v[i].data, tmpl.v[i].size,
					       tmpl.v[i].mode);
	for (size_t i = 0; i < ARRAY_SIZE(runtime_files); i++) {
		const struct paude_image_file *f = find(&agent, runtime_files[i]);
		if (!f)
			return paude_error_set(err, PAUDE_ENOTFOUND, 0,
					       "no '%s' in the agent image's files",
					       runtime_files[i]);
		paude_image__files_add(ctx, f->path, f->data, f->size, f->mode);
	}
	_cleanup_buf_ struct paude_buf pk = PAUDE_BUF_INIT;
	for (size_t i = 0; i < p->config->packages.nr; i++)
		paude_buf_addf(&pk, NULL, "%s\n", p->config->packages.v[i]);
	paude_image__files_add(ctx, "paude-packages", pk.buf, pk.len, 0644);

	_cleanup_buf_ struct paude_buf feats = PAUDE_BUF_INIT;
	size_t nf = p->features ? p->features->nr : 0;
	for (size_t i = 0; i < nf; i++)
		feature_block(&feats, ctx, &p->features->v[i], i, nf);
	if (!nf && p->config->n_features)
		paude_buf_addf(&feats, NULL,
			       "# (%zu feature%s: fetched and added here by paude create)\n",
			       p->config->n_features, p->config->n_features == 1 ? "" : "s");
	else if (!nf)
		paude_buf_addstr(&feats, "# (no features)\n", NULL);

	const struct paude_image_file *t = find(&tmpl, "Containerfile");
	const char *text = (const char *)t->data;
	const char *mark = strstr(text, FEATURES_MARKER "\n");
	if (!mark)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "the custom image template has no '" FEATURES_MARKER
				       "' line");
	_cleanup_buf_ struct paude_buf cf = PAUDE_BUF_INIT;
	/* Relative: the image depends on what is in it, not on where the project is. */
	paude_buf_addf(&cf, NULL, "# paude image of a project's %s\n",
		       p->config->rel_path ? p->config->rel_path : "configuration");
	/* The default of BASE_IMAGE shows what it is built on. */
	for (const char *s = text; s < mark;) {
		const char *nl = strchr(s, '\n');
		size_t len = (size_t)(nl - s);
		if (!strncmp(s, "ARG BASE_IMAGE=", 15))
			paude_buf_addf(&cf, NULL, "ARG BASE_IMAGE=%s\n", p->base);
		else if (!strncmp(s, "ARG CLAUDE_CODE_VERSION=", 24))
			paude_buf_addf(&cf, NULL, "ARG CLAUDE_CODE_VERSION=%s\n",
				       paude_image_agent_version(o));
		else
			paude_buf_addf(&cf, NULL, "%.*s\n", (int)len, s);
		s = nl + 1;
	}
	paude_buf_add(&cf, feats.buf, feats.len, NULL);
	paude_buf_addstr(&cf, mark + strlen(FEATURES_MARKER "\n"), NULL);
	paude_image__files_add(ctx, "Containerfile", cf.buf, cf.len, 0644);
	qsort(ctx->v, ctx->nr, sizeof(*ctx->v), cmp_file);
	return 0;
}

/* --- hashing a Dockerfile's build context --- */

struct walk {
	struct paude_sha256 *h;
	size_t files;
	unsigned long long bytes;
	const char *root;
};

static int
cmp_dirent(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
hash_file(struct walk *w, const char *path, const char *rel, const struct stat *st,
	  struct paude_error **err)
{
	paude_image__hash_str(w->h, "path", rel);
	char mode[16];
	(void)snprintf(mode, sizeof(mode), "%o", (unsigned)(st->st_mode & 07777));
	paude_image__hash_str(w->h, "mode", mode);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return paude_error_errno(err, errno, "cannot read '%s'", path);
	char head[64];
	int k = snprintf(head, sizeof(head), "data %lld\n", (long long)st->st_size);
	paude_sha256_update(w->h, head, (size_t)k);
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return paude_error_errno(err, errno, "cannot read '%s'", path);
		if (n == 0)
			break;
		paude_sha256_update(w->h, buf, (size_t)n);
		w->bytes += (unsigned long long)n;
	}
	return 0;
}

static int
walk_dir(struct walk *w, const char *dir, const char *rel, struct paude_error **err)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, cmp_dirent);
	if (n < 0)
		return paude_error_errno(err, errno, "cannot read directory '%s'", dir);
	int r = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (r == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
		    strcmp(name, ".git") != 0) {
			_cleanup_free_ char *path = paude_path_join(dir, name);
			_cleanup_free_ char *sub =
			    *rel ? paude_path_join(rel, name) : paude_xstrdup(name);
			struct stat st;
			if (lstat(path, &st) < 0) {
				r = paude_error_errno(err, errno, "cannot stat '%s'", path);
			} else if (++w->files > PAUDE_IMAGE_CONTEXT_MAX_FILES ||
				   w->bytes > PAUDE_IMAGE_CONTEXT_MAX_BYTES) {
				r = paude_error_set(
				    err, PAUDE_EUSAGE, 0,
				    "build context '%s' is too large to hash (more "
				    "than %d files or %llu bytes; point build.context "
				    "at a smaller directory)",
				    w->root, PAUDE_IMAGE_CONTEXT_MAX_FILES,
				    PAUDE_IMAGE_CONTEXT_MAX_BYTES);
			} else if (S_ISDIR(st.st_mode)) {
				paude_image__hash_str(w->h, "dir", sub);
				r = walk_dir(w, path, sub, err);
			} else if (S_ISLNK(st.st_mode)) {
				char target[4096];
				ssize_t k = readlink(path, target, sizeof(target) - 1);
				target[k > 0 ? k : 0] = '\0';
				paude_image__hash_str(w->h, "symlink", sub);
				paude_image__hash_str(w->h, "target", target);
			} else if (S_ISREG(st.st_mode)) {
				r = hash_file(w, path, sub, &st, err);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

static int
user_image(struct paude_custom_plan *p, struct paude_error **err)
{
	const struct paude_config *c = p->config;
	struct paude_sha256 h;
	paude_sha256_init(&h);
	paude_image__hash_str(&h, "paude-user-image", "1");
	_cleanup_buf_ struct paude_buf df = PAUDE_BUF_INIT_MAX(4u << 20);
	int r = paude_buf_read_file(&df, c->dockerfile, err);
	if (r < 0) {
		paude_error_wrap(err, r, "build.dockerfile");
		return r;
	}
	paude_image__hash_field(&h, "dockerfile", df.buf, df.len);
	for (size_t i = 0; i < c->build_args.nr; i++)
		paude_image__hash_str(&h, "arg", c->build_args.v[i]);
	struct walk w = { .h = &h, .root = c->context };
	if (!paude_is_dir(c->context))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "%s: build context '%s' is not a directory", c->path,
				       c->context);
	r = walk_dir(&w, c->context, "", err);
	if (r < 0)
		return r;
	paude_sha256_final_hex(&h, p->user_hash);
	p->user_ref =
	    paude_xasprintf("%s:%.*s", PAUDE_IMAGE_USER_REPO, PAUDE_IMAGE_TAG_HEX, p->user_hash);
	return 0;
}

int
paude_image_custom_plan(struct paude_custom_plan *out, const struct paude_config *c,
			const struct paude_feature_set *features, const struct paude_image_opts *o,
			struct paude_error **err)
{
	struct paude_custom_plan p = { .config = c, .features = features };
	int r = 0;
	const char *ver = paude_image_agent_version(o);
	if (!*ver || strlen(ver) > 64 ||
	    strspn(ver, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+") !=
		strlen(ver))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid Claude Code version '%s'",
				       ver);
	if (c->dockerfile) {
		r = user_image(&p, err);
		if (r == 0 && p.user_ref)
			p.base = paude_xstrdup(p.user_ref);
	} else {
		p.base = paude_xstrdup(c->image ? c->image : paude_image_base(o));
	}
	if (r == 0 && !paude_image__valid_ref(p.base))
		r = paude_error_set(err, PAUDE_EUSAGE, 0, "invalid base image '%s'", p.base);
	if (r == 0)
		r = generate(&p, o, err);
	if (r < 0) {
		paude_image_custom_release(&p);
		return r;
	}
	struct paude_sha256 h;
	paude_sha256_init(&h);
	paude_image__hash_str(&h, "paude-custom-image", "1");
	paude_image__hash_str(&h, "paude-version", PAUDE_VERSION);
	paude_image__hash_str(&h, "base", p.base);
	paude_image__hash_str(&h, "user-image", c->dockerfile ? p.user_hash : "");
	paude_image__hash_str(&h, "claude-code", paude_image_agent_version(o));
	for (size_t i = 0; i < p.files.nr; i++) {
		const struct paude_image_file *f = &p.files.v[i];
		char mode[16];
		(void)snprintf(mode, sizeof(mode), "%04o", f->mode);
		paude_image__hash_str(&h, "file", f->path);
		paude_image__hash_str(&h, "mode", mode);
		paude_image__hash_field(&h, "data", f->data, f->size);
	}
	paude_sha256_final_hex(&h, p.hash);
	if (c->n_features && !(features && features->nr))
		p.ref = paude_xasprintf("%s:(tag known once the features are fetched)",
					PAUDE_IMAGE_CUSTOM_REPO);
	else
		p.ref = paude_xasprintf("%s:%.*s", PAUDE_IMAGE_CUSTOM_REPO, PAUDE_IMAGE_TAG_HEX,
					p.hash);
	*out = p;
	return 0;
}

void
paude_image_custom_describe(const struct paude_custom_plan *p, struct paude_buf *out)
{
	const struct paude_config *c = p->config;
	paude_buf_addf(out, NULL, "Configuration: %s (%s)\n", c->path ? c->path : "(none)",
		       paude_config_kind_name(c->kind));
	if (c->dockerfile)
		paude_buf_addf(out, NULL, "Base:          %s, built from %s (context %s)\n",
			       p->user_ref, c->dockerfile, c->context);
	else
		paude_buf_addf(out, NULL, "Base:          %s\n", p->base);
	for (size_t i = 0; i < c->build_args.nr; i++)
		paude_buf_addf(out, NULL, "Build arg:     %s\n", c->build_args.v[i]);
	paude_buf_addstr(out, "Packages:     ", NULL);
	for (size_t i = 0; i < c->packages.nr; i++)
		paude_buf_addf(out, NULL, " %s", c->packages.v[i]);
	paude_buf_addstr(out, c->packages.nr ? "\n" : " (none)\n", NULL);
	size_t nf = p->features ? p->features->nr : 0;
	if (!nf && !c->n_features)
		paude_buf_addstr(out, "Features:      (none)\n", NULL);
	for (size_t i = 0; i < nf; i++) {
		const struct paude_feature *f = &p->features->v[i];
		paude_buf_addf(out, NULL, "Feature %zu:     %s (id %s, %s)\n", i + 1, f->ref, f->id,
			       f->digest);
		for (size_t k = 0; k < f->options.nr; k++)
			paude_buf_addf(out, NULL, "               %s\n", f->options.v[k]);
	}
	/* Not fetched (a dry run): where each would come from, in file order. */
	for (size_t i = 0; !nf && i < c->n_features; i++) {
		const struct paude_feature_ref *f = &c->features[i];
		struct paude_oci_ref r = { 0 };
		if (paude_oci_ref_parse(&r, f->ref, NULL) == 0)
			paude_buf_addf(out, NULL,
				       "Feature:       %s (to fetch: registry %s, repository %s, "
				       "%s %s)\n",
				       f->ref, r.registry, r.repository,
				       r.digest ? "digest" : "tag", r.digest ? r.digest : r.tag);
		else
			paude_buf_addf(out, NULL, "Feature:       %s\n", f->ref);
		paude_oci_ref_release(&r);
		for (size_t k = 0; k < f->options.nr; k++)
			paude_buf_addf(out, NULL, "               %s\n", f->options.v[k]);
	}
	/* In the order they run; the commands of one hook run in parallel. */
	bool any = false;
	for (size_t h = 0; h < PAUDE_HOOK_N; h++) {
		const struct paude_hook_cmds *cmds = &c->lifecycle.hook[h];
		for (size_t i = 0; i < cmds->nr; i++) {
			paude_buf_addstr(out, any ? "               " : "Setup:         ", NULL);
			if (c->kind != PAUDE_CONFIG_PAUDE)
				paude_buf_addf(out, NULL, "%s: ", paude_hook_name(h));
			if (cmds->v[i].name)
				paude_buf_addf(out, NULL, "[%s] ", cmds->v[i].name);
			paude_quote_argv(out, (const char *const *)cmds->v[i].argv.v);
			paude_buf_addstr(out, cmds->nr > 1 ? " (in parallel)\n" : "\n", NULL);
			any = true;
		}
	}
	if (!any)
		paude_buf_addstr(out, "Setup:         (none)\n", NULL);
	/* The configuration's own values (variables substituted): the file shows
	 * them anyway, and no host value is among them (${localEnv} is refused). */
	for (size_t i = 0; i < c->env.nr; i++)
		paude_buf_addf(out, NULL, "Container env: %s\n", c->env.v[i]);
	for (size_t i = 0; i < c->remote_env.nr; i++)
		paude_buf_addf(out, NULL, "Remote env:    %s%s\n", c->remote_env.v[i],
			       strchr(c->remote_env.v[i], '=') ? "" : " (unset)");
	if (c->remote_user || c->container_user)
		paude_buf_addf(out, NULL, "User:          paude (uid 1000) stands in for %s%s%s\n",
			       c->remote_user ? c->remote_user : "",
			       c->remote_user && c->container_user ? " and " : "",
			       c->container_user ? c->container_user : "");
	if (c->host_cpus || c->host_memory) {
		paude_buf_addstr(out, "Host needs:   ", NULL);
		if (c->host_cpus)
			paude_buf_addf(out, NULL, " %u CPU%s", c->host_cpus,
				       c->host_cpus == 1 ? "" : "s");
		if (c->host_memory)
			paude_buf_addf(out, NULL, " %llu MiB of memory", c->host_memory >> 20);
		paude_buf_addch(out, '\n', NULL);
	}
	if (c->n_forward_ports) {
		paude_buf_addstr(out, "Ports:        ", NULL);
		for (size_t i = 0; i < c->n_forward_ports; i++)
			paude_buf_addf(out, NULL, " %u", c->forward_ports[i]);
		paude_buf_addstr(out, " (forwarded by: paude start --forward-ports)\n", NULL);
	}
	paude_buf_addf(out, NULL, "Image:         %s\n\nContainerfile:\n%s", p->ref,
		       paude_image_custom_containerfile(p));
}

int
paude_image_custom_build(struct paude_runner *r, const struct paude_custom_plan *p,
			 const struct paude_image_opts *o, char **out_ref, struct paude_error **err)
{
	bool rebuild = o && o->rebuild;
	bool yes = false;
	int ret;
	_cleanup_free_ char *old_id = NULL;
	if (!rebuild) {
		if ((ret = paude_image__exists(r, p->ref, &yes, err)) < 0)
			return ret;
		if (yes) {
			paude_debug("image '%s' exists", p->ref);
			*out_ref = paude_xstrdup(p->ref);
			return 0;
		}
	} else {
		old_id = paude_image__id(r, p->ref);
	}
	_cleanup_free_ char *base = NULL;
	const struct paude_config *c = p->config;
	if (c->dockerfile) {
		yes = false;
		if (!rebuild && (ret = paude_image__exists(r, p->user_ref, &yes, err)) < 0)
			return ret;
		if (!yes) {
			const struct paude_image__build ub = {
				.ref = p->user_ref,
				.hash = p->user_hash,
				.label = "user",
				.context_dir = c->context,
				.containerfile = c->dockerfile,
				.raw_args = &c->build_args,
			};
			if ((ret = paude_image__build(r, &ub, o, err)) < 0)
				return ret;
		}
		base = paude_xstrdup(p->user_ref);
	} else {
		bool fallback = false;
		if ((ret = paude_image_base_ensure(r, p->base, o, &base, &fallback, err)) < 0)
			return ret;
	}
	const struct paude_image_arg arg = { "CLAUDE_CODE_VERSION", paude_image_agent_version(o) };
	const struct paude_image__build b = {
		.ref = p->ref,
		.hash = p->hash,
		.label = PAUDE_IMAGE_CUSTOM_DIR,
		.files = &p->files,
		.base = base,
		.args = &arg,
		.nargs = 1,
		.pull_never = true,
		.ca_secret = true,
	};
	if ((ret = paude_image__build(r, &b, o, err)) < 0)
		return ret;
	if (old_id)
		paude_image__remove_replaced(r, old_id, p->ref);
	*out_ref = paude_xstrdup(p->ref);
	return 0;
}
