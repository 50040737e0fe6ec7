/* SPDX-License-Identifier: MIT */
/*
 * The body shared by the config decoders' fuzz targets (fuzz-devcontainer,
 * fuzz-paude-json): decode the input as a KIND file at PATH, a file of
 * project /proj. Any input either fails with PAUDE_EUSAGE and a message
 * naming the file, or gives a config of that kind whose paths stay inside
 * the project, whose environment holds no host substitution, and whose
 * lifecycle commands are non-empty argvs that survive their label's JSON.
 */
#ifndef FUZZ_CONFIG_H
#define FUZZ_CONFIG_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "paude/session/config.h"

static int
fuzz_config(enum paude_config_kind kind, const char *path, const uint8_t *data, size_t size)
{
	struct paude_config c;
	paude_config_init(&c);
	_cleanup_error_ struct paude_error *err = NULL;
	int r = paude_config_parse(&c, kind, path, (const char *)data, size, &err);
	if (r < 0) {
		if (r != PAUDE_EUSAGE || !err || !strstr(err->msg, path))
			abort();
		return 0;
	}
	if (c.kind != kind || strcmp(c.workspace, "/proj") != 0)
		abort();
	if (c.dockerfile && strncmp(c.dockerfile, "/proj/", 6) != 0)
		abort();
	if (c.context && strcmp(c.context, "/proj") != 0 && strncmp(c.context, "/proj/", 6) != 0)
		abort();
	for (size_t i = 0; i < c.env.nr; i++)
		if (!strchr(c.env.v[i], '=') || strstr(c.env.v[i], "${localEnv:"))
			abort();
	for (size_t i = 0; i < c.remote_env.nr; i++)
		if (strstr(c.remote_env.v[i], "${localEnv:") || strchr(c.remote_env.v[i], '\n'))
			abort();
	/* Every lifecycle command is a non-empty argv, and survives its label. */
	for (size_t h = 0; h < PAUDE_HOOK_N; h++)
		for (size_t i = 0; i < c.lifecycle.hook[h].nr; i++)
			if (!c.lifecycle.hook[h].v[i].argv.nr)
				abort();
	char *enc = paude_lifecycle_encode(&c.lifecycle);
	if (enc) {
		struct paude_lifecycle back;
		paude_lifecycle_init(&back);
		if (paude_lifecycle_decode(&back, enc, NULL) < 0)
			abort();
		char *again = paude_lifecycle_encode(&back);
		if (!again || strcmp(enc, again) != 0)
			abort();
		free(again);
		paude_lifecycle_release(&back);
		free(enc);
	}
	for (size_t i = 0; i < c.n_forward_ports; i++)
		if (!c.forward_ports[i])
			abort();
	paude_config_release(&c);
	return 0;
}

#endif
