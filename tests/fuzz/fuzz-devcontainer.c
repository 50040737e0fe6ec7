/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the devcontainer decoder (paude_config_parse): JSONC
 * stripping, json-c, and the decoding into struct paude_config. Any input
 * either fails with PAUDE_EUSAGE and a message naming the file, or gives
 * a config whose paths stay inside the project.
 */
#include <stdint.h>
#include <string.h>
#include "paude/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH "/proj/.devcontainer/devcontainer.json"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct paude_config c;
	paude_config_init(&c);
	_cleanup_error_ struct paude_error *err = NULL;
	int r =
	    paude_config_parse(&c, PAUDE_CONFIG_DEVCONTAINER, PATH, (const char *)data, size, &err);
	if (r < 0) {
		if (r != PAUDE_EUSAGE || !err || !strstr(err->msg, PATH))
			abort();
		return 0;
	}
	if (c.kind != PAUDE_CONFIG_DEVCONTAINER || strcmp(c.workspace, "/proj"))
		abort();
	if (c.dockerfile && strncmp(c.dockerfile, "/proj/", 6))
		abort();
	if (c.context && strcmp(c.context, "/proj") && strncmp(c.context, "/proj/", 6))
		abort();
	for (size_t i = 0; i < c.env.nr; i++)
		if (!strchr(c.env.v[i], '=') || strstr(c.env.v[i], "${localEnv:"))
			abort();
	paude_config_release(&c);
	return 0;
}
