/* SPDX-License-Identifier: MIT */
/*
 * What `create --backend openshift` needs besides the podman path: images
 * the cluster can pull, the printed manifests of --dry-run, and the local
 * index entry.
 */
#ifndef PAUDE_KUBE_SETUP_H
#define PAUDE_KUBE_SETUP_H

#include "paude/kube.h"
#include "session-setup.h"

struct paude_kube_create_opts {
	const char *pvc_size;
	const char *storage_class;
	const char *registry; /* push local images here (plain Kubernetes) */
	bool rebuild;
};

/*
 * Make setup->image_ref and setup->proxy_image_ref names the cluster can
 * pull: PAUDE_IMAGE / PAUDE_PROXY_IMAGE as given; with a registry, build
 * locally and `podman push` to it; otherwise build in the cluster (OpenShift
 * binary build, reused by content hash). dry_run: names only.
 */
int paude_kube_setup_images(struct paude_backend *b, const struct paude_session *m,
			    const struct paude_kube_create_opts *o, struct paude_setup *setup,
			    bool dry_run, struct paude_error **err);

/* Print the objects create would apply, as a JSON List, on stdout. */
int paude_kube_print_plan(const struct paude_session_spec *spec,
			  const struct paude_kube_create_opts *o, struct paude_error **err);

#endif
