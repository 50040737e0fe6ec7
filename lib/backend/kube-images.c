/* SPDX-License-Identifier: MIT */
/*
 * The create plan on a cluster: images the cluster can pull, and the
 * objects the dry run shows. A cluster cannot use the images podman built
 * here: on OpenShift they are built again in the cluster from the same
 * files (same hash, same tag); on plain Kubernetes they are pushed to a
 * registry the user names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "paude/core/alloc.h"
#include "paude/backend/create-podman.h"
#include "paude/backend/kube-images.h"
#include "paude/image/image.h"
#include "paude/image/image-custom.h"
#include "paude/core/json.h"
#include "paude/backend/kube.h"

static bool
valid_registry(const char *s)
{
	return *s && !paude_looks_like_option(s) && !strstr(s, "://") &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:/") ==
		   strlen(s) &&
	       s[strlen(s) - 1] != '/';
}

/* localhost/paude-agent:TAG -> REGISTRY/paude-agent:TAG */
static char *
remote_ref(const char *registry, const char *local)
{
	const char *slash = strrchr(local, '/');
	return paude_xasprintf("%s/%s", registry, slash ? slash + 1 : local);
}

static int
push(const struct paude_create_plan *p, struct paude_runner *r, const char *local,
     const char *remote, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c.args, "podman", "tag", local, remote, NULL);
	int ret = paude_run_output(r, &c, NULL, err);
	if (ret < 0)
		return ret;
	paude_create_say(p, PAUDE_LOG_INFO, "Pushing %s...", remote);
	_cleanup_child_ struct paude_child c2 = PAUDE_CHILD_INIT;
	paude_strvec_pushl(&c2.args, "podman", "push", remote, NULL);
	ret = paude_run_output(r, &c2, NULL, err);
	if (ret < 0)
		return paude_error_wrap(err, ret,
					"cannot push '%s' (log in first with: podman login, or "
					"check --registry)",
					remote);
	return 0;
}

static bool
filtered(const struct paude_session *m)
{
	return paude_strvec_find(&m->allowed_domains, "all") < 0;
}

/* An image given by the user (PAUDE_IMAGE, PAUDE_PROXY_IMAGE): 1, or 0 for none. */
static int
given_image(const char *var, const char *v, char **out, struct paude_error **err)
{
	if (!v || !*v)
		return 0;
	if (paude_looks_like_option(v) || strchr(v, '\n'))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid %s '%s'", var, v);
	*out = paude_xstrdup(v);
	return 1;
}

static struct paude_image_opts
image_opts(const struct paude_create_plan *p, bool openshift)
{
	struct paude_image_opts o = p->env->image_opts;
	o.rebuild = p->rebuild;
	o.verbose = p->verbose;
	o.notify = p->notify;
	o.progress = p->progress;
	o.notify_ctx = (void *)(openshift ? "in the cluster" : "locally");
	return o;
}

/*
 * One image (the agent's, or the proxy's when t is set): given, or pushed
 * to the registry after a local build, or built in the cluster.
 */
static int
one_image(struct paude_backend *b, const struct paude_create_plan *p,
	  const struct paude_image_target *t, const char *var, const char *given, bool openshift,
	  char **out, struct paude_error **err)
{
	int r = given_image(var, given, out, err);
	if (r != 0)
		return r < 0 ? r : 0;
	struct paude_image_opts io = image_opts(p, openshift);
	struct paude_image_target agent;
	struct paude_image_arg a;
	paude_image_agent_target(&io, &agent, &a);
	if (!t)
		t = &agent;
	if (openshift)
		return paude_kube_image_ensure(b, t, &io, out, err);
	_cleanup_free_ char *local = NULL;
	paude_create_say(p, PAUDE_LOG_INFO, "Building %s locally to push it to %s...", t->dir,
			 p->kube.registry);
	if ((r = paude_image_build_dir(b->runner, t, &io, &local, err)) < 0)
		return r;
	_cleanup_free_ char *remote = remote_ref(p->kube.registry, local);
	if ((r = push(p, b->runner, local, remote, err)) < 0)
		return r;
	*out = TAKE_PTR(remote);
	return 0;
}

/*
 * The project's own image (its configuration loaded): on OpenShift built in
 * the cluster from the same generated context as podman builds here; with a
 * registry built here and pushed.
 */
static int
custom_image(struct paude_backend *b, struct paude_create_plan *p, bool openshift,
	     struct paude_error **err)
{
	struct paude_image_opts io = image_opts(p, openshift);
	if (openshift && p->config.dockerfile)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "'%s' builds from a Dockerfile, which paude cannot build in "
				       "the cluster yet (pass --registry REGISTRY to build it here "
				       "and push it, or name an image instead)",
				       p->config.path);
	_cleanup_(paude_image_custom_release) struct paude_custom_plan plan =
	    PAUDE_CUSTOM_PLAN_INIT;
	int r = paude_create_plan_custom(p, &io, &plan, err);
	if (r < 0)
		return r;
	if (openshift) {
		const struct paude_image_arg arg = { "CLAUDE_CODE_VERSION",
						     paude_image_agent_version(&io) };
		const struct paude_kube_build kb = {
			.local_ref = plan.ref,
			.files = &plan.files,
			.base = plan.base,
			.args = &arg,
			.nargs = 1,
		};
		return paude_kube_image_build(b, &kb, &io, &p->image_ref, err);
	}
	_cleanup_free_ char *local = NULL;
	paude_create_say(p, PAUDE_LOG_INFO,
			 "Building the project's image locally to push it to %s...",
			 p->kube.registry);
	if ((r = paude_image_custom_build(b->runner, &plan, &io, &local, err)) < 0)
		return r;
	_cleanup_free_ char *remote = remote_ref(p->kube.registry, local);
	if ((r = push(p, b->runner, local, remote, err)) < 0)
		return r;
	p->image_ref = TAKE_PTR(remote);
	return 0;
}

/* The dry run: the names only (the local ones, or as they would be pushed). */
static int
name_images(struct paude_backend *b, struct paude_create_plan *p, struct paude_error **err)
{
	int r = paude_podman_prepare_images(b, p, err);
	if (r < 0 || !p->kube.registry)
		return r;
	char **refs[] = { &p->image_ref, &p->proxy_image_ref };
	const char *given[] = { p->env->image, p->env->proxy_image };
	for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
		if (!*refs[i] || (given[i] && *given[i]))
			continue;
		char *remote = remote_ref(p->kube.registry, *refs[i]);
		free(*refs[i]);
		*refs[i] = remote;
	}
	return 0;
}

int
paude_kube_prepare_images(struct paude_backend *b, struct paude_create_plan *p,
			  struct paude_error **err)
{
	const char *registry = p->kube.registry;
	int r;
	if (registry && !valid_registry(registry))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid registry '%s' (write HOST[:PORT]/PATH, e.g. "
				       "quay.io/me)",
				       registry);
	if (p->dry_run)
		return name_images(b, p, err);

	if ((r = paude_create_plan_load_config(p, err)) < 0)
		return r;
	/* With a registry the cluster pulls from it; else OpenShift builds. */
	bool openshift = false;
	const char *g = p->env->image, *pg = p->env->proxy_image;
	bool all_given = g && *g && (!filtered(&p->spec->meta) || (pg && *pg));
	if (!registry && !all_given) {
		if ((r = paude_kube_is_openshift(b, &openshift, err)) < 0)
			return r;
		if (!openshift)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "this cluster cannot build images and cannot pull "
					       "the local ones (pass --registry REGISTRY to push "
					       "them there, or set PAUDE_IMAGE and "
					       "PAUDE_PROXY_IMAGE)");
	}
	if (p->config.kind != PAUDE_CONFIG_NONE && !(g && *g))
		r = custom_image(b, p, openshift, err);
	else
		r = one_image(b, p, NULL, "PAUDE_IMAGE", g, openshift, &p->image_ref, err);
	if (r < 0)
		return r;
	if (!filtered(&p->spec->meta))
		return 0;
	const struct paude_image_target proxy = { .dir = "proxy", .repo = PAUDE_IMAGE_PROXY_REPO };
	return one_image(b, p, &proxy, "PAUDE_PROXY_IMAGE", pg, openshift, &p->proxy_image_ref,
			 err);
}

int
paude_kube_render_plan(struct paude_backend *b, const struct paude_create_plan *p,
		       struct paude_create_render *out, struct paude_error **err)
{
	(void)b;
	const struct paude_session_spec *spec = p->spec;
	const struct paude_kube_opts ko = {
		.pvc_size = p->kube.pvc_size,
		.storage_class = p->kube.storage_class,
		.redact = true,
	};
	_cleanup_json_ struct json_object *items = NULL;
	int r = paude_kube_manifests(spec, &ko, NULL, &items, err);
	if (r < 0)
		return r;
	_cleanup_json_ struct json_object *list = json_object_new_object();
	json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(list, "kind", json_object_new_string("List"));
	json_object_object_add(list, "items", json_object_get(items));
	paude_json_write(&out->out, list, true);
	paude_buf_addstr(&out->out, "\n", NULL);
	struct paude_buf *i = &out->info;
	paude_buf_addf(i, NULL,
		       "Session '%s' (not created: dry run). At create, paude also gives the "
		       "agent the proxy's cluster IP as '" PAUDE_PROXY_HOST "' (hostAliases), and "
		       "on OpenShift leaves the user ids to the namespace's security context "
		       "constraints.\n",
		       spec->meta.name);
	/* stdout is the objects (JSON); the recipe goes with the messages. */
	if (p->recipe && p->config.kind != PAUDE_CONFIG_NONE) {
		paude_buf_addf(i, NULL, "\nCustom environment (built %s if missing):\n",
			       p->kube.registry ? "here and pushed" : "in the cluster");
		paude_buf_addstr(i, p->recipe, NULL);
	}
	if (p->config.dockerfile && !p->kube.registry)
		paude_buf_addstr(i,
				 "Note: on OpenShift, a configuration with a Dockerfile needs "
				 "--registry (paude cannot build it in the cluster yet)\n",
				 NULL);
	return 0;
}
