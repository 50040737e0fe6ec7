/* SPDX-License-Identifier: MIT */
/*
 * Images built in the cluster (OpenShift): an ImageStream and a Docker
 * BuildConfig, fed the build context from a temporary directory.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "paude/backend/kube.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/fs.h"
#include "paude/core/json.h"
#include "backend/kube-internal.h"
#include "core/banned.h"

int
paude_kube_build_manifests(const char *stream, const char *tag, const char *base,
			   const struct paude_image_target *t, bool no_cache,
			   struct json_object **out, struct paude_error **err)
{
	if (paude_session_name_validate(stream, NULL) < 0 || !tag || !*tag ||
	    strspn(tag, "0123456789abcdef") != strlen(tag))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image stream '%s:%s'", stream,
				       tag ? tag : "");
	_cleanup_json_ struct json_object *items = jarr();
	struct json_object *is = push(items, jobj());
	put(is, "apiVersion", jstr("image.openshift.io/v1"));
	put(is, "kind", jstr("ImageStream"));
	struct json_object *md = put(is, "metadata", jobj());
	put(md, "name", jstr(stream));
	put(put(md, "labels", jobj()), PAUDE_LABEL_APP, jstr(PAUDE_LABEL_APP_VALUE));
	/* Pods of this namespace may name the stream's tags directly. */
	put(put(put(is, "spec", jobj()), "lookupPolicy", jobj()), "local",
	    json_object_new_boolean(1));

	struct json_object *bc = push(items, jobj());
	put(bc, "apiVersion", jstr("build.openshift.io/v1"));
	put(bc, "kind", jstr("BuildConfig"));
	md = put(bc, "metadata", jobj());
	put(md, "name", jstr(stream));
	put(put(md, "labels", jobj()), PAUDE_LABEL_APP, jstr(PAUDE_LABEL_APP_VALUE));
	struct json_object *spec = put(bc, "spec", jobj());
	put(spec, "runPolicy", jstr("Serial"));
	struct json_object *src = put(spec, "source", jobj());
	put(src, "type", jstr("Binary"));
	put(src, "binary", jobj());
	struct json_object *strat = put(spec, "strategy", jobj());
	put(strat, "type", jstr("Docker"));
	struct json_object *ds = put(strat, "dockerStrategy", jobj());
	put(ds, "dockerfilePath", jstr("Containerfile"));
	put(ds, "noCache", json_object_new_boolean(no_cache));
	struct json_object *args = put(ds, "buildArgs", jarr());
	push(args, env_var("BASE_IMAGE", base));
	for (size_t i = 0; i < t->nargs; i++)
		push(args, env_var(t->args[i].name, t->args[i].value));
	struct json_object *to = put(put(spec, "output", jobj()), "to", jobj());
	put(to, "kind", jstr("ImageStreamTag"));
	_cleanup_free_ char *ist = NULL;
	ist = paude_xasprintf("%s:%s", stream, tag);
	put(to, "name", jstr(ist));
	*out = TAKE_PTR(items);
	return 0;
}

/* The pull spec of STREAM:TAG, or PAUDE_ENOTFOUND. */
static int
image_stream_tag(struct paude_backend *b, const char *ist, char **out, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_kube__child(b, &c, true);
	paude_strvec_pushl(&c.args, "get", "imagestreamtag", ist, "--output",
			   "jsonpath={.image.dockerImageReference}", NULL);
	_cleanup_buf_ struct paude_buf o = PAUDE_BUF_INIT_MAX(4096);
	_cleanup_buf_ struct paude_buf e = PAUDE_BUF_INIT_MAX(ERR_MAX);
	int status = 0;
	int r = paude_run_capture(b->runner, &c, NULL, 0, &o, &e, &status, err);
	if (r < 0)
		return r;
	if (status != 0 && (has(e.buf, "NotFound") || has(e.buf, "not found")))
		return PAUDE_ENOTFOUND;
	if (status != 0)
		return paude_kube_error(err, "cannot look up the session image", &c, status, e.buf,
					e.len);
	paude_buf_rtrim(&o);
	if (!o.len || paude_looks_like_option(o.buf) || strchr(o.buf, '\n'))
		return PAUDE_ENOTFOUND;
	*out = paude_buf_detach(&o);
	return 0;
}

static int
write_context(const char *dir, const struct paude_image_files *files, struct paude_error **err)
{
	for (size_t i = 0; i < files->nr; i++) {
		const struct paude_image_file *f = &files->v[i];
		/* Generated paths: relative, no "..", but may have directories
		 * (the features of a custom image). */
		if (f->path[0] == '/' || strstr(f->path, ".."))
			return paude_error_set(err, PAUDE_EPROTO, 0, "invalid build file '%s'",
					       f->path);
		_cleanup_free_ char *p = paude_path_join(dir, f->path);
		char *slash = strrchr(p, '/');
		*slash = '\0';
		int r = paude_mkdir_p(p, 0700, err);
		*slash = '/';
		if (r < 0)
			return r;
		if ((r = paude_write_file(p, f->data, f->size, f->mode & 0755, err)) < 0)
			return r;
		if (chmod(p, f->mode & 0755) < 0)
			return paude_error_errno(err, errno, "cannot change the mode of '%s'", p);
	}
	return 0;
}

static void
rm_context(const char *dir, const struct paude_image_files *files)
{
	for (size_t i = 0; i < files->nr; i++) {
		_cleanup_free_ char *p = paude_path_join(dir, files->v[i].path);
		unlink(p);
		/* Then its directories, deepest first, while empty. */
		size_t n = strlen(dir);
		for (char *slash; (slash = strrchr(p, '/')) && (size_t)(slash - p) > n;) {
			*slash = '\0';
			if (rmdir(p) < 0)
				break;
		}
	}
	rmdir(dir);
}

int
paude_kube_image_ensure(struct paude_backend *b, const struct paude_image_target *t,
			const struct paude_image_opts *o, char **out_ref, struct paude_error **err)
{
	_cleanup_free_ char *local = NULL;
	int r = paude_image_tag(t, o, &local, NULL, err);
	if (r < 0)
		return r;
	_cleanup_(paude_image_files_release) struct paude_image_files files = { 0 };
	if ((r = paude_image_files_load(t->dir, o, &files, err)) < 0)
		return r;
	const struct paude_kube_build kb = {
		.local_ref = local,
		.files = &files,
		.base = paude_image_base(o),
		.args = t->args,
		.nargs = t->nargs,
	};
	return paude_kube_image_build(b, &kb, o, out_ref, err);
}

int
paude_kube_image_build(struct paude_backend *b, const struct paude_kube_build *kb,
		       const struct paude_image_opts *o, char **out_ref, struct paude_error **err)
{
	const char *ns = NULL;
	int r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	/* localhost/paude-agent:HASH -> stream paude-agent, tag HASH */
	const char *local = kb->local_ref;
	const char *colon = strrchr(local, ':');
	const char *slash = strrchr(local, '/');
	const char *start = slash ? slash + 1 : local;
	if (!colon || colon < start)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image reference '%s'", local);
	_cleanup_free_ char *stream = paude_xstrndup(start, (size_t)(colon - start));
	const char *tag = colon + 1;
	_cleanup_free_ char *ist = NULL;
	ist = paude_xasprintf("%s:%s", stream, tag);
	if (!o->rebuild) {
		r = image_stream_tag(b, ist, out_ref, err);
		if (r != PAUDE_ENOTFOUND)
			return r;
	}
	const struct paude_image_target t = { .args = kb->args, .nargs = kb->nargs };
	_cleanup_json_ struct json_object *items = NULL;
	if ((r = paude_kube_build_manifests(stream, tag, kb->base, &t, o->rebuild, &items, err)) <
	    0)
		return r;
	_cleanup_json_ struct json_object *list = jobj();
	put(list, "apiVersion", jstr("v1"));
	put(list, "kind", jstr("List"));
	put(list, "items", json_object_get(items));
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("cannot set up the in-cluster build of '%s'", ist);
	if ((r = paude_kube__apply(b, list, what, err)) < 0)
		return r;

	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *dir =
	    paude_path_join(tmp && *tmp == '/' ? tmp : "/var/tmp", "paude-kube-build-XXXXXX");
	if (!mkdtemp(dir))
		return paude_error_errno(err, errno, "cannot create a build directory");
	r = write_context(dir, kb->files, err);
	if (r == 0) {
		if (o->notify)
			o->notify(o->notify_ctx, PAUDE_IMAGE_EV_BUILD, ist);
		/* The build log streams to the user's terminal as it happens. */
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_kube__child(b, &c, true);
		paude_strvec_pushl(&c.args, "start-build", stream, NULL);
		paude_strvec_pushf(&c.args, "--from-dir=%s", dir);
		paude_strvec_pushl(&c.args, "--follow", "--wait", NULL);
		int status = 0;
		r = paude_run_capture(b->runner, &c, NULL, 0, NULL, NULL, &status, err);
		if (r == 0 && status != 0)
			r = paude_error_set(err, PAUDE_ECHILD, 0,
					    "the in-cluster build of '%s' failed (exit %d; see the "
					    "build log above, or: %s logs bc/%s)",
					    ist, status, priv(b)->tool, stream);
	}
	rm_context(dir, kb->files);
	if (r < 0)
		return r;
	if ((r = image_stream_tag(b, ist, out_ref, err)) == PAUDE_ENOTFOUND)
		return paude_error_set(
		    err, PAUDE_EPROTO, 0,
		    "the build of '%s' finished but the image stream has no such "
		    "tag",
		    ist);
	if (r == 0 && o->notify)
		o->notify(o->notify_ctx, PAUDE_IMAGE_EV_BUILT, *out_ref);
	return r;
}
