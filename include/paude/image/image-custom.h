/* SPDX-License-Identifier: MIT */
/*
 * The image of a project with its own environment (see config.h): the
 * files of containers/custom (a Containerfile template and
 * paude-install-deps, which finds the base's package manager at build
 * time: apt-get, dnf, microdnf, yum or apk), paude's runtime files from
 * containers/paude, the "packages" list and the features, layered on
 *   - the config's image (devcontainer "image", paude "base"), or
 *   - the image built first from the project's Dockerfile, with its
 *     context and build args (tagged localhost/paude-user:HASH), or
 *   - paude's default base (paude_image_base) when the config names none.
 * The tag, localhost/paude-custom:HASH, covers everything that goes in:
 * paude's version, the generated context (Containerfile, scripts, the
 * packages, the features' files and options), the base reference, the
 * Claude Code version and, with a Dockerfile, the Dockerfile, every file
 * of its context (but .git) and the build args.
 */
#ifndef PAUDE_IMAGE_CUSTOM_H
#define PAUDE_IMAGE_CUSTOM_H

#include "paude/core/buf.h"
#include "paude/session/config.h"
#include "paude/image/features.h"
#include "paude/image/image.h"

#define PAUDE_IMAGE_CUSTOM_REPO "localhost/paude-custom"
#define PAUDE_IMAGE_USER_REPO "localhost/paude-user"
#define PAUDE_IMAGE_CUSTOM_DIR "custom"
/* Caps on a Dockerfile's build context as paude hashes it. */
#define PAUDE_IMAGE_CONTEXT_MAX_FILES 50000
#define PAUDE_IMAGE_CONTEXT_MAX_BYTES (2ull << 30)

struct paude_custom_plan {
	char *base; /* what the generated Containerfile builds on */
	char *user_ref; /* the image built from the project's Dockerfile, or NULL */
	char user_hash[PAUDE_SHA256_HEX_LEN + 1];
	char *ref; /* localhost/paude-custom:HASH16 */
	char hash[PAUDE_SHA256_HEX_LEN + 1];
	struct paude_image_files files; /* the generated context, Containerfile included */
	/* Borrowed from the caller, who keeps them alive as long as the plan. */
	const struct paude_config *config;
	const struct paude_feature_set *features;
};
#define PAUDE_CUSTOM_PLAN_INIT                                                                     \
	{                                                                                          \
		0                                                                                  \
	}

void paude_image_custom_release(struct paude_custom_plan *p);

/*
 * Work out the image of config c with its features already resolved (in
 * install order): the context, the Containerfile and the tag. Reads the
 * Dockerfile's context to hash it; runs nothing. *out must be zeroed.
 */
int paude_image_custom_plan(struct paude_custom_plan *out, const struct paude_config *c,
			    const struct paude_feature_set *features,
			    const struct paude_image_opts *o, struct paude_error **err);

/* The generated Containerfile (borrowed from the plan). */
const char *paude_image_custom_containerfile(const struct paude_custom_plan *p);

/* For --dry-run: configuration file, base, packages, features (in install
 * order, with digests and options), setup command, then the Containerfile. */
void paude_image_custom_describe(const struct paude_custom_plan *p, struct paude_buf *out);

/*
 * Make sure the image exists (unless o->rebuild, a present tag is used as
 * is): build the project's Dockerfile first if there is one, else make
 * sure the base is present (pulling it; the default base may fall back to
 * the debootstrap image), then build the generated context. *out_ref
 * (caller frees) is the image.
 */
int paude_image_custom_build(struct paude_runner *r, const struct paude_custom_plan *p,
			     const struct paude_image_opts *o, char **out_ref,
			     struct paude_error **err);

#endif
