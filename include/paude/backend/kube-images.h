/* SPDX-License-Identifier: MIT */
/*
 * The cluster backend's part of create (create-plan.h): its prepare_images
 * and render_plan operations, for the ops table.
 */
#ifndef PAUDE_KUBE_IMAGES_H
#define PAUDE_KUBE_IMAGES_H

#include "paude/backend/create-plan.h"

/* Images the cluster can pull: PAUDE_IMAGE / PAUDE_PROXY_IMAGE (p->env) as
 * given; with p->kube.registry built here and pushed there; otherwise
 * built in the cluster (OpenShift binary build, reused by content hash).
 * p->dry_run: the names only, as they would be pushed. */
int paude_kube_prepare_images(struct paude_backend *b, struct paude_create_plan *p,
			      struct paude_error **err);
/* The objects create would apply, as a JSON List (stdout text), and the
 * notes for the messages. */
int paude_kube_render_plan(struct paude_backend *b, const struct paude_create_plan *p,
			   struct paude_create_render *out, struct paude_error **err);

#endif
