/* SPDX-License-Identifier: MIT */
/*
 * Dev container features from OCI registries (oci.c): the reference
 * syntax, and fetching a feature's layer with libcurl, verified against its
 * sha256 digest and cached by digest.
 *
 * Registries: https, except loopback hosts (localhost, 127.x.x.x, [::1])
 * and the hosts of paude_oci_opts.insecure_registries (paude takes them from
 * $PAUDE_INSECURE_REGISTRIES), which are spoken to over plain http.
 * Anonymous pulls, with the bearer token flow (401 + WWW-Authenticate:
 * Bearer realm=,service=,scope=) when the registry asks. The CA bundle of
 * paude_oci_opts and the usual proxy variables (read by libcurl) apply.
 * Every response has a size cap.
 */
#ifndef PAUDE_OCI_H
#define PAUDE_OCI_H

#include <stdbool.h>
#include "paude/core/buf.h"
#include "paude/core/error.h"

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
#define PAUDE_OCI_REF_INIT                                                                         \
	{                                                                                          \
		0                                                                                  \
	}

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
 * is cached by digest under o->cache_dir, and read from there when present
 * and intact.
 */
struct paude_oci_fetched {
	char manifest_digest[7 + 64 + 1];
	char layer_digest[7 + 64 + 1];
	struct paude_buf layer;
	bool from_cache;
};
/* Where and how features are fetched; a NULL opts means all defaults. */
struct paude_oci_opts {
	const char *cache_dir; /* NULL: paude_cache_dir()/features */
	const char *ca_bundle; /* NULL: paude_ca_bundle_detect(); "": none */
	/* Comma-separated host[:port] reached over plain http, or NULL. */
	const char *insecure_registries;
};
int paude_oci_fetch_feature(struct paude_oci_fetched *out, const char *ref,
			    const struct paude_oci_opts *o, struct paude_error **err);

#endif
