/* SPDX-License-Identifier: MIT */
/*
 * Images for cluster sessions and the --dry-run plan. A cluster cannot use
 * the images podman built here: on OpenShift they are built again in the
 * cluster from the same files (same hash, same tag); on plain Kubernetes
 * they are pushed to a registry the user names.
 */
#include <stdio.h>
#include <string.h>
#include "kube-setup.h"
#include "paude/image.h"
#include "paude/json.h"
#include "paude/log.h"

static void
progress(void *ctx, enum paude_image_event ev, const char *detail)
{
	(void)ctx;
	if (ev == PAUDE_IMAGE_EV_BUILD)
		paude_info("Building image %s in the cluster (the first time takes a few minutes; "
			   "the build log follows)...",
			   detail);
	else if (ev == PAUDE_IMAGE_EV_BUILT)
		paude_info("Built image %s", detail);
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
	char *s = NULL;
	if (asprintf(&s, "%s/%s", registry, slash ? slash + 1 : local) < 0)
		abort();
	return s;
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
		return paude_error_wrap(err,
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
	const char *img = getenv("PAUDE_IMAGE"), *pimg = getenv("PAUDE_PROXY_IMAGE");
	bool given = img && *img && (!filtered(m) || (pimg && *pimg));
	if (given || o->registry || dry_run) {
		/* Local names (or the given ones) first; pushed below. */
		if (o->registry && !given && !dry_run)
			paude_info("Building the images locally to push them to %s", o->registry);
		if ((r = paude_setup_image(b->runner, m, setup, o->rebuild, dry_run || given,
					   err)) < 0)
			return r;
		if (given || !o->registry)
			return 0;
		struct {
			char **ref;
		} refs[] = { { &setup->image_ref }, { &setup->proxy_image_ref } };
		for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
			if (!*refs[i].ref)
				continue;
			char *remote = remote_ref(o->registry, *refs[i].ref);
			if (!dry_run && (r = push(b->runner, *refs[i].ref, remote, err)) < 0) {
				free(remote);
				return r;
			}
			free(*refs[i].ref);
			*refs[i].ref = remote;
		}
		return 0;
	}

	bool openshift = false;
	if ((r = paude_kube_is_openshift(b, &openshift, err)) < 0)
		return r;
	if (!openshift)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "this cluster cannot build images and cannot pull the local "
				       "ones (pass --registry REGISTRY to push them there, or set "
				       "PAUDE_IMAGE and PAUDE_PROXY_IMAGE)");
	struct paude_image_opts io = {
		.rebuild = o->rebuild,
		.notify = progress,
	};
	struct paude_image_target t;
	struct paude_image_arg a;
	paude_image_agent_target(&io, &t, &a);
	if ((r = paude_kube_image_ensure(b, &t, &io, &setup->image_ref, err)) < 0)
		return r;
	if (!filtered(m))
		return 0;
	const struct paude_image_target proxy = { .dir = "proxy", .repo = PAUDE_IMAGE_PROXY_REPO };
	return paude_kube_image_ensure(b, &proxy, &io, &setup->proxy_image_ref, err);
}

int
paude_kube_print_plan(const struct paude_session_spec *spec, const struct paude_kube_create_opts *o,
		      struct paude_error **err)
{
	const struct paude_kube_opts ko = {
		.pvc_size = o->pvc_size,
		.storage_class = o->storage_class,
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
