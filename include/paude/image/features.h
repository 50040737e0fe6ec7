/* SPDX-License-Identifier: MIT */
/*
 * Dev container features: OCI artifacts (a manifest whose layer is a tar of
 * devcontainer-feature.json, install.sh and friends), fetched from their
 * registry with libcurl, verified against their sha256 digests, cached by
 * digest under $XDG_CACHE_HOME/paude/features/, and installed by the image
 * build (as root) in the order the features specification defines.
 *
 * oci.h fetches them from their registry.
 */
#ifndef PAUDE_FEATURES_H
#define PAUDE_FEATURES_H

#include <stddef.h>
#include "paude/core/buf.h"
#include "paude/session/config.h"
#include "paude/core/error.h"
#include "paude/core/strvec.h"

/* One file of a feature's layer. */
struct paude_feature_file {
	char *path; /* relative, never absolute, never with ".." */
	unsigned char *data;
	size_t size;
	unsigned mode; /* 0755 or 0644 */
};

struct paude_feature {
	char *ref; /* as written in the config */
	char *resource; /* ref without tag or digest */
	char *id; /* devcontainer-feature.json "id" */
	char *version; /* its "version", or "" */
	char *tag; /* the ref's tag, or "" */
	char digest[7 + 64 + 1]; /* the layer's digest */
	struct paude_feature_file *files;
	size_t n_files;
	/* Install-time environment: sanitised option names, "NAME=value",
	 * user values over defaults, sorted by name. */
	struct paude_strvec options;
	size_t n_user_options; /* how many the user set */
	struct paude_strvec container_env; /* the feature's containerEnv, "K=V" */
	struct paude_strvec installs_after; /* resource names or ids */
	struct paude_strvec depends_on; /* resource names (tags dropped) */
	size_t file_order; /* position in the config */
};

struct paude_feature_set {
	struct paude_feature *v;
	size_t nr;
};
#define PAUDE_FEATURE_SET_INIT                                                                     \
	{                                                                                          \
		0                                                                                  \
	}

void paude_feature_set_release(struct paude_feature_set *s);

/*
 * The spec's environment variable name for option `id`: characters other
 * than [A-Za-z0-9_] become '_', a leading run of digits and underscores
 * becomes a single '_', then upper case. Caller frees.
 */
char *paude_feature_option_env(const char *id);

/* Read a feature tar (ustar/pax/GNU): regular files only, no absolute or
 * ".." paths. PAUDE_EPROTO when malformed. */
int paude_feature_untar(struct paude_feature *f, const void *data, size_t n,
			struct paude_error **err);

/*
 * Decode the feature's devcontainer-feature.json (from its files) and the
 * user's options into f: id, version, options (with defaults),
 * containerEnv, installsAfter, dependsOn.
 */
int paude_feature_load_metadata(struct paude_feature *f, const struct paude_feature_ref *user,
				struct paude_error **err);

/*
 * Fetch (or take from the cache) every feature of the config and decode
 * it: *out gets them in install order (paude_feature_set_order). o (oci.h)
 * says where from; NULL: the defaults.
 */
struct paude_oci_opts;
int paude_features_resolve(struct paude_feature_set *out, const struct paude_config *c,
			   const struct paude_oci_opts *o, struct paude_error **err);

/*
 * Sort s into the specification's install order: rounds, each taking the
 * features whose dependsOn and (present) installsAfter features are
 * already installed, ordered within a round by resource name, tag, more
 * user options first, then file order. A dependsOn that no configured
 * feature satisfies, or a cycle, is PAUDE_EUSAGE.
 */
int paude_feature_set_order(struct paude_feature_set *s, struct paude_error **err);

#endif
