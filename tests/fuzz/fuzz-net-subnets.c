/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: choosing a free session subnet from `podman network ls
 * --format json` output. Whatever the input, the answer is either an error
 * or a /24 in range that overlaps none of the IPv4 subnets listed.
 */
#include <stdint.h>
#include <string.h>
#include "paude/backend/net-podman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	unsigned k = 1000;
	struct paude_error *e = NULL;
	unsigned start = size ? data[0] : 0;
	int r = paude_net_pick_subnet(&k, (const char *)data, size, start, &e);
	if (r == 0) {
		if (k > 255 || k < start || e)
			abort();
	} else if (!e || !e->msg || k != 1000) {
		abort();
	}
	paude_error_free(e);
	return 0;
}
