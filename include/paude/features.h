/* SPDX-License-Identifier: MIT */
/*
 * Dev container features: OCI artifacts (a manifest whose layer is a tar of
 * devcontainer-feature.json, install.sh and friends), fetched from their
 * registry with libcurl, verified against their sha256 digests, cached by
 * digest under $XDG_CACHE_HOME/paude/features/, and installed by the image
 * build (as root) in the order the features specification defines.
 *
 * Registries: https, except loopback hosts (localhost, 127.x.x.x, [::1])
 * and hosts listed in $PAUDE_INSECURE_REGISTRIES (comma-separated host[:port]),
 * which are spoken to over plain http. Anonymous pulls, with the bearer
 * token flow (401 + WWW-Authenticate: Bearer realm=,service=,scope=) when
 * the registry asks. The host CA bundle (paude_ca_bundle_detect) and the
 * usual proxy variables apply. Every response has a size cap.
 */
#ifndef PAUDE_FEATURES_H
#define PAUDE_FEATURES_H

#include <stddef.h>
#include "buf.h"
#include "config.h"
#include "error.h"
#include "strvec.h"

#define PAUDE_OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define PAUDE_FEATURE_LAYER_TYPE "application/vnd.devcontainers.layer.v1+tar"
#define PAUDE_FEATURE_MAX_BYTES (64u << 20) /* one feature's layer */
#define PAUDE_OCI_SMALL_MAX (1u << 20) /* manifests, tokens */

struct paude_oci_ref {
	char *registry; /* "ghcr.io", "localhost:5000" */
	char *repository; /* "devcontainers/features/go" */
	char *tag; /* "1" ("latest" if none given), NULL with a digest */
	char *digest; /* "sha256:<64 hex>" or NULL */
};

void paude_oci_ref_release(struct paude_oci_ref *r);
/* Parse "host[:port]/path[:tag|@sha256:hex]". PAUDE_EUSAGE if malformed. */
int paude_oci_ref_parse(struct paude_oci_ref *out, const char *ref, struct paude_error **err);
/* "registry/repository": the feature's resource name, without tag or digest. */
char *paude_oci_ref_resource(const struct paude_oci_ref *r);

/* Parse a WWW-Authenticate Bearer challenge; each out is malloc'd or NULL. */
int paude_oci_parse_challenge(const char *header, char **realm, char **service, char **scope);

/*
 * Fetch blob `digest` of the artifact named by ref (manifest first, then
 * its feature layer): on success *out holds the layer's bytes, verified,
 * and manifest_digest/layer_digest ("sha256:...") are filled. The layer
 * is cached by digest under cache_dir (NULL: paude_cache_dir()/features),
 * and read from there when present and intact.
 */
struct paude_oci_fetched {
	char manifest_digest[7 + 64 + 1];
	char layer_digest[7 + 64 + 1];
	struct paude_buf layer;
	bool from_cache;
};
int paude_oci_fetch_feature(struct paude_oci_fetched *out, const char *ref, const char *cache_dir,
			    struct paude_error **err);

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
 * it: *out gets them in install order (paude_feature_set_order).
 */
int paude_features_resolve(struct paude_feature_set *out, const struct paude_config *c,
			   const char *cache_dir, struct paude_error **err);

/*
 * Sort s into the specification's install order: rounds, each taking the
 * features whose dependsOn and (present) installsAfter features are
 * already installed, ordered within a round by resource name, tag, more
 * user options first, then file order. A dependsOn that no configured
 * feature satisfies, or a cycle, is PAUDE_EUSAGE.
 */
int paude_feature_set_order(struct paude_feature_set *s, struct paude_error **err);

#endif
