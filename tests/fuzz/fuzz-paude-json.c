/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the paude.json decoder (paude_config_parse): JSONC
 * stripping, json-c, and the decoding into struct paude_config. The checks
 * are fuzz-config.h's, shared with the devcontainer target.
 */
#include "fuzz-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_config(PAUDE_CONFIG_PAUDE, "/proj/paude.json", data, size);
}
