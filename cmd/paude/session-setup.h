/* SPDX-License-Identifier: MIT */
/*
 * What goes into a new session besides the user's options: host credentials
 * and config (read-only mounts), passed-through environment, the CA bundle,
 * the network policy and the image.
 */
#ifndef PAUDE_SESSION_SETUP_H
#define PAUDE_SESSION_SETUP_H

#include "paude/session.h"
#include "paude/run.h"

struct paude_setup {
	char *image_ref; /* image the session runs */
	char *recipe; /* Containerfile text, for --dry-run */
	char *proxy_image_ref; /* the proxy's image (filtered networks only) */
	char *ca_bundle; /* host CA bundle passed in, or NULL */
	struct paude_strvec strings; /* owns the mount paths */
	struct paude_mount *mounts;
	size_t n_mounts;
};

void paude_setup_release(struct paude_setup *s);
/* Mounts and env for the agent container (spec->mounts point into s). */
int paude_setup_environment(struct paude_session_spec *spec, struct paude_setup *s,
			    struct paude_error **err);
/* Validate and normalise m->allowed_domains. */
int paude_setup_network(struct paude_session *m, struct paude_error **err);
/* The network policy in words. Caller frees. */
char *paude_setup_describe_network(const struct paude_session *m);
/* Print the warnings an unrestricted network deserves. */
void paude_setup_warn_network(const struct paude_session *m);
/*
 * Find or build the agent image, and the proxy image when m's network is
 * filtered (dry_run: only compute their names and the recipe).
 * PAUDE_IMAGE and PAUDE_PROXY_IMAGE name images to use as they are.
 */
int paude_setup_image(struct paude_runner *r, const struct paude_session *m, struct paude_setup *s,
		      bool rebuild, bool dry_run, struct paude_error **err);

#endif
