/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the gateway's GET /paude/refusals answer
 * (gw_refusals_collect over any log text): never crashes, and every line it
 * writes is "DIGITS HOST\n" with HOST of DNS name characters only, at most
 * GW_REFUSALS_MAX lines, each host once: what the agent's pane prints.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../cmd/paude-gateway/gateway.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	struct gw_buf out = { 0 };
	gw_refusals_collect((const char *)data, size, GW_REFUSALS_MAX, &out);
	size_t lines = 0;
	const char *p = out.buf ? out.buf : "";
	char seen[GW_REFUSALS_MAX][256];
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (!nl || ++lines > GW_REFUSALS_MAX)
			abort();
		const char *q = p;
		while (q < nl && *q >= '0' && *q <= '9')
			q++;
		if (q == p || q >= nl || *q != ' ' || q + 1 == nl)
			abort();
		size_t n = (size_t)(nl - q - 1);
		if (n >= 256)
			abort();
		for (const char *h = q + 1; h < nl; h++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-_", *h))
				abort();
		for (size_t i = 0; i + 1 < lines; i++)
			if (strlen(seen[i]) == n && !memcmp(seen[i], q + 1, n))
				abort();
		memcpy(seen[lines - 1], q + 1, n);
		seen[lines - 1][n] = '\0';
		p = nl + 1;
	}
	gw_buf_release(&out);
	return 0;
}
