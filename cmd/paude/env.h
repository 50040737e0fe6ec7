/* SPDX-License-Identifier: MIT */
/*
 * The environment variables paude's library takes as options. lib/ reads
 * no environment: the program reads these here and passes them down.
 */
#ifndef PAUDE_CLI_ENV_H
#define PAUDE_CLI_ENV_H

#include "paude/image/oci.h"
#include "paude/image/image.h"

/* Fill the fields of o that are NULL from $PAUDE_BASE_IMAGE,
 * $PAUDE_CLAUDE_CODE_VERSION, $PAUDE_CONTAINERS_DIR, $PAUDE_DEBIAN_MIRROR and
 * $PAUDE_FALLBACK_BASE_IMAGE (when set and not empty) and $PAUDE_CA_BUNDLE
 * (when set; empty means none). */
void paude_cli_env_image(struct paude_image_opts *o);
/* Fill o's CA bundle and insecure registries ($PAUDE_INSECURE_REGISTRIES). */
void paude_cli_env_oci(struct paude_oci_opts *o);
/* The CA bundle to use: $PAUDE_CA_BUNDLE if set (empty: none, NULL), else
 * paude_ca_bundle_detect(). */
const char *paude_cli_env_ca_bundle(void);

#endif
