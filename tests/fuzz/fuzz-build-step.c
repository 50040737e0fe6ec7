/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for paude_image_parse_step (podman's "[s/S] STEP n/N: WHAT"
 * lines, read from a build's output): never crashes, leaves its output
 * alone when the line is not a step, and otherwise gives numbers that make
 * sense (1 <= step <= steps, stage <= stages) and a WHAT that lies inside
 * the line and ends with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "paude/image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	const char *line = (const char *)data;
	struct paude_image_progress p;
	memset(&p, 0x55, sizeof(p));
	struct paude_image_progress before = p;
	size_t wl = 12345;
	if (!paude_image_parse_step(line, size, &p, &wl)) {
		if (memcmp(&p, &before, sizeof(p)) != 0 || wl != 12345)
			abort();
		return 0;
	}
	if (p.step < 1 || p.step > p.steps || p.stage > p.stages)
		abort();
	if (p.what < line || p.what > line + size || p.what + wl != line + size)
		abort();
	return 0;
}
