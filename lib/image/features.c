/* SPDX-License-Identifier: MIT */
/*
 * Dev container features once downloaded: reading the layer's tar,
 * devcontainer-feature.json (options and their defaults, containerEnv,
 * installsAfter, dependsOn), the environment names of options, and the
 * install order of the features specification.
 */
#include <string.h>
#include "paude/image/features.h"
#include "paude/image/oci.h"
#include "paude/core/alloc.h"
#include "paude/core/json.h"
#include "paude/core/log.h"
#include "core/banned.h"

#define TAR_BLOCK 512
#define TAR_MAX_FILES 4096

static void
feature_release(struct paude_feature *f)
{
	free(f->ref);
	free(f->resource);
	free(f->id);
	free(f->version);
	free(f->tag);
	for (size_t i = 0; i < f->n_files; i++) {
		free(f->files[i].path);
		free(f->files[i].data);
	}
	free(f->files);
	paude_strvec_clear(&f->options);
	paude_strvec_clear(&f->container_env);
	paude_strvec_clear(&f->installs_after);
	paude_strvec_clear(&f->depends_on);
	memset(f, 0, sizeof(*f));
}

void
paude_feature_set_release(struct paude_feature_set *s)
{
	for (size_t i = 0; i < s->nr; i++)
		feature_release(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->nr = 0;
}

char *
paude_feature_option_env(const char *id)
{
	size_t n = strlen(id);
	char *out = paude_xmalloc(n + 2);
	size_t i = 0, o = 0;
	/* A leading run of digits and underscores (after replacement) becomes one '_'. */
	bool lead = false;
	for (; i < n; i++) {
		char c = id[i];
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_';
		if (word && !((c >= '0' && c <= '9') || c == '_'))
			break;
		lead = true;
	}
	if (lead)
		out[o++] = '_';
	for (; i < n; i++) {
		char c = id[i];
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_';
		if (!word)
			c = '_';
		else if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/* --- tar --- */

static int
octal(const unsigned char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	if (i == n) {
		*out = 0;
		return 0;
	}
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = (v << 3) | (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

/* "./a/b" -> "a/b"; NULL for "", ".", absolute paths and any "..". */
static char *
clean_path(const char *name, size_t n)
{
	_cleanup_free_ char *s = paude_xstrndup(name, n);
	const char *p = s;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		return NULL;
	size_t len = strlen(p);
	while (len && p[len - 1] == '/')
		len--;
	if (!len || (len == 1 && p[0] == '.'))
		return NULL;
	char *out = paude_xstrndup(p, len);
	for (const char *c = out; *c;) {
		size_t k = strcspn(c, "/");
		if ((k == 2 && !strncmp(c, "..", 2)) || (k == 1 && c[0] == '.') || k == 0) {
			free(out);
			return NULL;
		}
		c += k + (c[k] == '/');
	}
	return out;
}

/* "path" of a pax extended header, or NULL. */
static char *
pax_path(const unsigned char *d, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t len = 0, j = i;
		while (j < n && d[j] >= '0' && d[j] <= '9' && len < 1000000)
			len = len * 10 + (size_t)(d[j++] - '0');
		if (j >= n || d[j] != ' ' || len == 0 || i + len > n || d[i + len - 1] != '\n')
			return NULL;
		const char *kv = (const char *)d + j + 1;
		size_t kvlen = i + len - 1 - (j + 1);
		if (kvlen > 5 && !strncmp(kv, "path=", 5))
			return paude_xstrndup(kv + 5, kvlen - 5);
		i += len;
	}
	return NULL;
}

static void
add_file(struct paude_feature *f, char *path, const unsigned char *data, size_t size, bool exec)
{
	/* A later entry for the same path replaces the earlier one, as tar does. */
	for (size_t i = 0; i < f->n_files; i++) {
		if (!strcmp(f->files[i].path, path)) {
			free(f->files[i].path);
			free(f->files[i].data);
			memmove(&f->files[i], &f->files[i + 1],
				(f->n_files - i - 1) * sizeof(*f->files));
			f->n_files--;
			break;
		}
	}
	struct paude_feature_file *v = paude_xrealloc(f->files, f->n_files + 1, sizeof(*v));
	f->files = v;
	struct paude_feature_file *e = &v[f->n_files++];
	e->path = path;
	e->data = paude_xmalloc(size + 1);
	if (size)
		memcpy(e->data, data, size);
	e->data[size] = '\0';
	e->size = size;
	e->mode = exec ? 0755 : 0644;
}

int
paude_feature_untar(struct paude_feature *f, const void *data, size_t n, struct paude_error **err)
{
	const unsigned char *d = data;
	size_t off = 0;
	_cleanup_free_ char *next_name = NULL;
	while (off + TAR_BLOCK <= n) {
		const unsigned char *h = d + off;
		bool zero = true;
		for (size_t i = 0; i < TAR_BLOCK && zero; i++)
			zero = h[i] == 0;
		if (zero)
			return 0;
		uint64_t size = 0, mode = 0;
		if (octal(h + 124, 12, &size) < 0 || octal(h + 100, 8, &mode) < 0)
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "feature '%s': malformed tar header at offset %zu",
					       f->ref ? f->ref : "?", off);
		off += TAR_BLOCK;
		if (size > n - off)
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "feature '%s': tar entry runs past the end",
					       f->ref ? f->ref : "?");
		const unsigned char *body = d + off;
		off += (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		char type = (char)h[156];
		if (type == 'x') {
			free(next_name);
			next_name = pax_path(body, size);
			continue;
		}
		if (type == 'L') {
			free(next_name);
			size_t len = strnlen((const char *)body, size);
			next_name = paude_xstrndup((const char *)body, len);
			continue;
		}
		if (type == 'g')
			continue;
		_cleanup_free_ char *raw = NULL;
		if (next_name) {
			raw = TAKE_PTR(next_name);
		} else {
			size_t nl = strnlen((const char *)h, 100);
			size_t pl =
			    !memcmp(h + 257, "ustar", 5) ? strnlen((const char *)h + 345, 155) : 0;
			raw = paude_xasprintf("%.*s%s%.*s", (int)pl, (const char *)h + 345,
					      pl ? "/" : "", (int)nl, (const char *)h);
		}
		if (type != '0' && type != '\0' && type != '7') {
			paude_debug("feature '%s': skipping tar entry '%s' of type '%c'",
				    f->ref ? f->ref : "?", raw, type ? type : '0');
			continue;
		}
		char *path = clean_path(raw, strlen(raw));
		if (!path)
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "feature '%s': unsafe path '%s' in its archive",
					       f->ref ? f->ref : "?", raw);
		if (f->n_files >= TAR_MAX_FILES) {
			free(path);
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "feature '%s': too many files in its archive",
					       f->ref ? f->ref : "?");
		}
		add_file(f, path, body, (size_t)size, (mode & 0111) != 0);
	}
	return 0;
}

/* --- devcontainer-feature.json --- */

static const struct paude_feature_file *
find_file(const struct paude_feature *f, const char *path)
{
	for (size_t i = 0; i < f->n_files; i++)
		if (!strcmp(f->files[i].path, path))
			return &f->files[i];
	return NULL;
}

/* A reference's resource name (tag and digest dropped), or a copy. */
static char *
resource_of(const char *ref)
{
	struct paude_oci_ref r = { 0 };
	if (paude_oci_ref_parse(&r, ref, NULL) < 0) {
		char *s = paude_xstrdup(ref);
		return s;
	}
	char *s = paude_oci_ref_resource(&r);
	paude_oci_ref_release(&r);
	return s;
}

static void
set_option(struct paude_strvec *env, const char *name, const char *value)
{
	_cleanup_free_ char *key = paude_feature_option_env(name);
	size_t k = strlen(key);
	for (size_t i = 0; i < env->nr; i++) {
		if (!strncmp(env->v[i], key, k) && env->v[i][k] == '=') {
			paude_strvec_remove(env, i);
			break;
		}
	}
	paude_strvec_pushf(env, "%s=%s", key, value);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
paude_feature_load_metadata(struct paude_feature *f, const struct paude_feature_ref *user,
			    struct paude_error **err)
{
	const struct paude_feature_file *meta = find_file(f, "devcontainer-feature.json");
	if (!meta)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "feature '%s' has no devcontainer-feature.json", f->ref);
	if (!find_file(f, "install.sh"))
		return paude_error_set(err, PAUDE_EPROTO, 0, "feature '%s' has no install.sh",
				       f->ref);
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("feature '%s': devcontainer-feature.json", f->ref);
	_cleanup_free_ char *text = paude_xstrndup((const char *)meta->data, meta->size);
	paude_jsonc_strip(text, strlen(text));
	_cleanup_json_ struct json_object *o = NULL;
	int r = paude_json_parse(&o, text, strlen(text), what, err);
	if (r < 0)
		return r;
	const char *id = paude_json_get_str(o, "id");
	if (!id || !*id || strlen(id) > 128 ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		strlen(id))
		return paude_error_set(err, PAUDE_EPROTO, 0, "%s: missing or invalid \"id\"", what);
	const char *ver = paude_json_get_str(o, "version");
	f->id = paude_xstrdup(id);
	f->version = paude_xstrdup(ver ? ver : "");
	struct json_object *opts = paude_json_get_obj(o, "options");
	if (opts) {
		json_object_object_foreach(opts, name, spec)
		{
			struct json_object *def = NULL;
			if (!json_object_is_type(spec, json_type_object) ||
			    !json_object_object_get_ex(spec, "default", &def))
				continue;
			if (json_object_is_type(def, json_type_boolean))
				set_option(&f->options, name,
					   json_object_get_boolean(def) ? "true" : "false");
			else if (json_object_is_type(def, json_type_string) ||
				 json_object_is_type(def, json_type_int) ||
				 json_object_is_type(def, json_type_double))
				set_option(&f->options, name, json_object_get_string(def));
		}
	}
	f->n_user_options = user ? user->options.nr : 0;
	for (size_t i = 0; user && i < user->options.nr; i++) {
		const char *kv = user->options.v[i];
		size_t k = strcspn(kv, "=");
		_cleanup_free_ char *name = paude_xstrndup(kv, k);
		set_option(&f->options, name, kv[k] ? kv + k + 1 : "");
	}
	if (f->options.nr > 1)
		qsort(f->options.v, f->options.nr, sizeof(char *), cmp_str);
	struct json_object *env = paude_json_get_obj(o, "containerEnv");
	if (env) {
		json_object_object_foreach(env, k, v)
		{
			size_t kl = strlen(k);
			if (!json_object_is_type(v, json_type_string) || !kl || kl > 255 ||
			    strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01234567"
				      "89_") != kl ||
			    (k[0] >= '0' && k[0] <= '9') ||
			    strpbrk(json_object_get_string(v), "\n\r"))
				return paude_error_set(err, PAUDE_EPROTO, 0,
						       "%s: invalid containerEnv '%s'", what, k);
			paude_strvec_pushf(&f->container_env, "%s=%s", k,
					   json_object_get_string(v));
		}
	}
	struct json_object *after = paude_json_get_array(o, "installsAfter");
	for (size_t i = 0; after && i < json_object_array_length(after); i++) {
		struct json_object *e = json_object_array_get_idx(after, i);
		if (json_object_is_type(e, json_type_string))
			paude_strvec_push_nodup(&f->installs_after,
						resource_of(json_object_get_string(e)));
	}
	struct json_object *deps = paude_json_get_obj(o, "dependsOn");
	if (deps) {
		json_object_object_foreach(deps, k, v)
		{
			(void)v;
			paude_strvec_push_nodup(&f->depends_on, resource_of(k));
		}
	}
	return 0;
}

/* --- install order --- */

static bool
matches(const struct paude_feature *f, const char *want)
{
	return !strcmp(f->resource, want) || !strcmp(f->id, want);
}

static int
cmp_round(const void *pa, const void *pb)
{
	const struct paude_feature *a = pa, *b = pb;
	int c = strcmp(a->resource, b->resource);
	if (c)
		return c;
	if ((c = strcmp(a->tag, b->tag)))
		return c;
	if (a->n_user_options != b->n_user_options)
		return a->n_user_options > b->n_user_options ? -1 : 1;
	return a->file_order < b->file_order ? -1 : a->file_order > b->file_order;
}

int
paude_feature_set_order(struct paude_feature_set *s, struct paude_error **err)
{
	size_t n = s->nr;
	if (n < 2)
		return 0;
	/* Hard dependencies must be present: paude does not add features by itself. */
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < s->v[i].depends_on.nr; d++) {
			bool found = false;
			for (size_t j = 0; j < n && !found; j++)
				found = j != i && matches(&s->v[j], s->v[i].depends_on.v[d]);
			if (!found)
				return paude_error_set(err, PAUDE_EUSAGE, 0,
						       "feature '%s' depends on '%s', which is not "
						       "in the configuration "
						       "(add it to \"features\")",
						       s->v[i].ref, s->v[i].depends_on.v[d]);
		}
	}
	bool *done = paude_xcalloc(n, sizeof(bool));
	struct paude_feature *out = paude_xcalloc(n, sizeof(*out));
	struct paude_feature *round = paude_xcalloc(n, sizeof(*round));
	size_t *idx = paude_xcalloc(n, sizeof(size_t));
	size_t placed = 0;
	int ret = 0;
	while (placed < n) {
		size_t nr = 0;
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			bool ready = true;
			const struct paude_feature *f = &s->v[i];
			for (size_t j = 0; j < n && ready; j++) {
				if (j == i || done[j])
					continue;
				for (size_t d = 0; d < f->depends_on.nr && ready; d++)
					ready = !matches(&s->v[j], f->depends_on.v[d]);
				for (size_t d = 0; d < f->installs_after.nr && ready; d++)
					ready = !matches(&s->v[j], f->installs_after.v[d]);
			}
			if (ready) {
				round[nr] = s->v[i];
				idx[nr++] = i;
			}
		}
		if (!nr) {
			ret = paude_error_set(err, PAUDE_EUSAGE, 0,
					      "the features' installsAfter/dependsOn form a cycle "
					      "(remove one of them)");
			break;
		}
		for (size_t k = 0; k < nr; k++)
			done[idx[k]] = true;
		qsort(round, nr, sizeof(*round), cmp_round);
		for (size_t k = 0; k < nr; k++)
			out[placed++] = round[k];
	}
	if (ret == 0) {
		memcpy(s->v, out, n * sizeof(*out));
	}
	free(done);
	free(out);
	free(round);
	free(idx);
	return ret;
}

int
paude_features_resolve(struct paude_feature_set *out, const struct paude_config *c,
		       const struct paude_oci_opts *o, struct paude_error **err)
{
	struct paude_feature_set s = { 0 };
	s.v = paude_xcalloc(c->n_features ? c->n_features : 1, sizeof(*s.v));
	int r = 0;
	for (size_t i = 0; i < c->n_features && r == 0; i++) {
		const struct paude_feature_ref *u = &c->features[i];
		struct paude_feature *f = &s.v[s.nr++];
		paude_strvec_init(&f->options);
		paude_strvec_init(&f->container_env);
		paude_strvec_init(&f->installs_after);
		paude_strvec_init(&f->depends_on);
		f->ref = paude_xstrdup(u->ref);
		f->file_order = i;
		struct paude_oci_ref ref = { 0 };
		if ((r = paude_oci_ref_parse(&ref, u->ref, err)) < 0)
			break;
		f->resource = paude_oci_ref_resource(&ref);
		f->tag = paude_xstrdup(ref.tag ? ref.tag : "");
		paude_oci_ref_release(&ref);
		struct paude_oci_fetched got = { 0 };
		if ((r = paude_oci_fetch_feature(&got, u->ref, o, err)) < 0)
			break;
		memcpy(f->digest, got.layer_digest, sizeof(f->digest));
		r = paude_feature_untar(f, got.layer.buf, got.layer.len, err);
		paude_buf_release(&got.layer);
		if (r == 0)
			r = paude_feature_load_metadata(f, u, err);
	}
	if (r == 0)
		r = paude_feature_set_order(&s, err);
	if (r < 0) {
		paude_feature_set_release(&s);
		return r;
	}
	*out = s;
	return 0;
}
