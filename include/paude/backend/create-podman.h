/* SPDX-License-Identifier: MIT */
/*
 * The Podman backend's part of create (create-plan.h): its prepare_images
 * and render_plan operations, for the ops table and the cluster backend's
 * dry run (which names the images as podman would build them).
 */
#ifndef PAUDE_CREATE_PODMAN_H
#define PAUDE_CREATE_PODMAN_H

#include "paude/backend/create-plan.h"

/* Build here (or reuse) the session's image, the project's own when it has
 * a configuration, and the proxy's; PAUDE_IMAGE / PAUDE_PROXY_IMAGE
 * (p->env) as given. p->dry_run: the names and the recipe only. */
int paude_podman_prepare_images(struct paude_backend *b, struct paude_create_plan *p,
				struct paude_error **err);
/* The plan in words and the commands create would run (stdout text). */
int paude_podman_render_plan(struct paude_backend *b, const struct paude_create_plan *p,
			     struct paude_create_render *out, struct paude_error **err);

#endif
