/* SPDX-License-Identifier: MIT */
/*
 * Images for cluster sessions and the --dry-run plan. A cluster cannot use
 * the images podman built here: on OpenShift they are built again in the
 * cluster from the same files (same hash, same tag); on plain Kubernetes
 * they are pushed to a registry the user names.
 */
#include <stdio.h>
#include <string.h>
#include "env.h"
#include "kube-setup.h"
#include "paude/image.h"
#include "paude/image-custom.h"
#include "paude/json.h"
#include "paude/log.h"

/* ctx: where the build runs, "in the cluster" or "locally". */
static void
progress(void *ctx, enum paude_image_event ev, const char *detail)
{
	const char *where = ctx;
	switch (ev) {
	case PAUDE_IMAGE_EV_PULL_BASE:
		paude_verbose("Trying to pull base image %s...", detail);
		break;
	case PAUDE_IMAGE_EV_PULLED_BASE:
		paude_info("Pulled base image %s", detail);
		break;
	case PAUDE_IMAGE_EV_FALLBACK_BASE:
		paude_info("The base image cannot be pulled: using %s, built earlier from the "
			   "Debian package mirror",
			   detail);
		break;
	case PAUDE_IMAGE_EV_BUILD_LOG:
		paude_info("  build log: %s", detail);
		break;
	case PAUDE_IMAGE_EV_BOOTSTRAP_BASE:
		paude_info("Building the base image %s with debootstrap...", detail);
		break;
	case PAUDE_IMAGE_EV_BOOTSTRAP_BASE_UNSHARE:
		paude_info("Building the base image %s with mmdebstrap in unshare mode...", detail);
		break;
	case PAUDE_IMAGE_EV_BUILD:
		paude_info("Building image %s %s (the first time takes a few minutes)...", detail,
			   where);
		break;
	case PAUDE_IMAGE_EV_BUILT:
		paude_info("Built image %s", detail);
		break;
	}
}

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
	return paude_xstrfmt("%s/%s", registry, slash ? slash + 1 : local);
}

static int
push(struct paude_runner *r, const char *local, const char *remote, struct paude_error **err)
{
	_cleanup_child_ struct paude_child c;
	paude_child_init(&c);
	paude_strvec_pushl(&c.args, "podman", "tag", local, remote, NULL);
	int ret = paude_run_output(r, &c, NULL, err);
	if (ret < 0)
		return ret;
	paude_info("Pushing %s...", remote);
	_cleanup_child_ struct paude_child p;
	paude_child_init(&p);
	paude_strvec_pushl(&p.args, "podman", "push", remote, NULL);
	ret = paude_run_output(r, &p, NULL, err);
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

/* An image given by the user (PAUDE_IMAGE, PAUDE_PROXY_IMAGE), or NULL. */
static int
given_image(const char *var, char **out, struct paude_error **err)
{
	const char *v = getenv(var);
	if (!v || !*v)
		return 0;
	if (paude_looks_like_option(v) || strchr(v, '\n'))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid %s '%s'", var, v);
	*out = strdup(v);
	if (!*out)
		abort();
	return 1;
}

/*
 * One image (the agent's, or the proxy's when t is set): given, or pushed
 * to the registry after a local build, or built in the cluster.
 */
static int
one_image(struct paude_backend *b, const struct paude_image_target *t, const char *var,
	  const struct paude_kube_create_opts *o, bool openshift, char **out,
	  struct paude_error **err)
{
	int r = given_image(var, out, err);
	if (r != 0)
		return r < 0 ? r : 0;
	struct paude_image_opts io = {
		.rebuild = o->rebuild,
		.verbose = paude_log_enabled(PAUDE_LOG_VERBOSE),
		.notify = progress,
		.progress = paude_setup_build_progress,
		.notify_ctx = (void *)(openshift ? "in the cluster" : "locally"),
	};
	paude_cli_env_image(&io);
	struct paude_image_target agent;
	struct paude_image_arg a;
	paude_image_agent_target(&io, &agent, &a);
	if (!t)
		t = &agent;
	if (openshift)
		return paude_kube_image_ensure(b, t, &io, out, err);
	_cleanup_free_ char *local = NULL;
	paude_info("Building %s locally to push it to %s...", t->dir, o->registry);
	if ((r = paude_image_build_dir(b->runner, t, &io, &local, err)) < 0)
		return r;
	_cleanup_free_ char *remote = remote_ref(o->registry, local);
	if ((r = push(b->runner, local, remote, err)) < 0)
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
custom_image(struct paude_backend *b, struct paude_setup *s, const struct paude_kube_create_opts *o,
	     bool openshift, struct paude_error **err)
{
	struct paude_image_opts io = {
		.rebuild = o->rebuild,
		.verbose = paude_log_enabled(PAUDE_LOG_VERBOSE),
		.notify = progress,
		.progress = paude_setup_build_progress,
		.notify_ctx = (void *)(openshift ? "in the cluster" : "locally"),
	};
	paude_cli_env_image(&io);
	if (openshift && s->config.dockerfile)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "'%s' builds from a Dockerfile, which paude cannot build in "
				       "the cluster yet (pass --registry REGISTRY to build it here "
				       "and push it, or name an image instead)",
				       s->config.path);
	_cleanup_(paude_image_custom_release) struct paude_custom_plan plan = { 0 };
	int r = paude_setup_custom_plan(s, &io, false, &plan, err);
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
		return paude_kube_image_build(b, &kb, &io, &s->image_ref, err);
	}
	_cleanup_free_ char *local = NULL;
	paude_info("Building the project's image locally to push it to %s...", o->registry);
	if ((r = paude_image_custom_build(b->runner, &plan, &io, &local, err)) < 0)
		return r;
	_cleanup_free_ char *remote = remote_ref(o->registry, local);
	if ((r = push(b->runner, local, remote, err)) < 0)
		return r;
	s->image_ref = TAKE_PTR(remote);
	return 0;
}

int
paude_kube_setup_images(struct paude_backend *b, const struct paude_session *m,
			const struct paude_kube_create_opts *o, struct paude_setup *setup,
			bool dry_run, struct paude_error **err)
{
	int r;
	if (o->registry && !valid_registry(o->registry))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid registry '%s' (write HOST[:PORT]/PATH, e.g. "
				       "quay.io/me)",
				       o->registry);
	if (dry_run) {
		/* Names only (the local ones, or as they would be pushed). */
		if ((r = paude_setup_image(b->runner, m, setup, o->rebuild, true, err)) < 0)
			return r;
		if (!o->registry)
			return 0;
		char **refs[] = { &setup->image_ref, &setup->proxy_image_ref };
		const char *vars[] = { "PAUDE_IMAGE", "PAUDE_PROXY_IMAGE" };
		for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
			const char *g = getenv(vars[i]);
			if (!*refs[i] || (g && *g))
				continue;
			char *remote = remote_ref(o->registry, *refs[i]);
			free(*refs[i]);
			*refs[i] = remote;
		}
		return 0;
	}

	if ((r = paude_setup_load_config(m, setup, err)) < 0)
		return r;
	/* With a registry the cluster pulls from it; else OpenShift builds. */
	bool openshift = false;
	const char *g = getenv("PAUDE_IMAGE"), *pg = getenv("PAUDE_PROXY_IMAGE");
	bool all_given = g && *g && (!filtered(m) || (pg && *pg));
	if (!o->registry && !all_given) {
		if ((r = paude_kube_is_openshift(b, &openshift, err)) < 0)
			return r;
		if (!openshift)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "this cluster cannot build images and cannot pull "
					       "the local ones (pass --registry REGISTRY to push "
					       "them there, or set PAUDE_IMAGE and "
					       "PAUDE_PROXY_IMAGE)");
	}
	if (setup->config.kind != PAUDE_CONFIG_NONE && !(g && *g))
		r = custom_image(b, setup, o, openshift, err);
	else
		r = one_image(b, NULL, "PAUDE_IMAGE", o, openshift, &setup->image_ref, err);
	if (r < 0)
		return r;
	if (!filtered(m))
		return 0;
	const struct paude_image_target proxy = { .dir = "proxy", .repo = PAUDE_IMAGE_PROXY_REPO };
	return one_image(b, &proxy, "PAUDE_PROXY_IMAGE", o, openshift, &setup->proxy_image_ref,
			 err);
}

int
paude_kube_print_plan(const struct paude_session_spec *spec, const struct paude_kube_create_opts *o,
		      struct paude_error **err)
{
	const struct paude_kube_opts ko = {
		.pvc_size = o->pvc_size,
		.storage_class = o->storage_class,
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
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_json_write(&b, list, true);
	puts(b.buf);
	paude_info("Session '%s' (not created: dry run). At create, paude also gives the agent "
		   "the proxy's cluster IP as '" PAUDE_PROXY_HOST "' (hostAliases), and on "
		   "OpenShift leaves the user ids to the namespace's security context "
		   "constraints.",
		   spec->meta.name);
	return 0;
}
