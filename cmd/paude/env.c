/* SPDX-License-Identifier: MIT */
/* The PAUDE_* variables the library's options come from (see env.h). */
#include <stdlib.h>
#include "env.h"

static void
set_from(const char **field, const char *var)
{
	const char *v = getenv(var);
	if (!*field && v && *v)
		*field = v;
}

void
paude_cli_env_image(struct paude_image_opts *o)
{
	set_from(&o->base, "PAUDE_BASE_IMAGE");
	set_from(&o->agent_version, "PAUDE_CLAUDE_CODE_VERSION");
	set_from(&o->containers_dir, "PAUDE_CONTAINERS_DIR");
	set_from(&o->mirror, "PAUDE_DEBIAN_MIRROR");
	set_from(&o->fallback_base, "PAUDE_FALLBACK_BASE_IMAGE");
	if (!o->ca_bundle)
		o->ca_bundle = getenv("PAUDE_CA_BUNDLE");
}

void
paude_cli_env_oci(struct paude_oci_opts *o)
{
	if (!o->ca_bundle)
		o->ca_bundle = getenv("PAUDE_CA_BUNDLE");
	if (!o->insecure_registries)
		o->insecure_registries = getenv("PAUDE_INSECURE_REGISTRIES");
}

const char *
paude_cli_env_ca_bundle(void)
{
	const char *v = getenv("PAUDE_CA_BUNDLE");
	if (v)
		return *v ? v : NULL;
	return paude_ca_bundle_detect();
}
