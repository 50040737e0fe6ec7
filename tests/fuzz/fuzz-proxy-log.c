/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for paude_proxy_log_parse: never crashes, and what it keeps
 * of a line is safe to print: a host of DNS name characters only and a
 * method of letters only, both terminated within their buffers.
 */
#include <stdint.h>
#include <string.h>
#include "paude/net/proxy-log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	struct paude_proxy_entry e;
	memset(&e, 0x55, sizeof(e));
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_proxy_log_parse(&e, (const char *)data, size, &err) < 0) {
		if (!err || err->code != PAUDE_EPROTO)
			abort();
		return 0;
	}
	if (!memchr(e.host, '\0', sizeof(e.host)) || !memchr(e.method, '\0', sizeof(e.method)))
		abort();
	for (const char *p = e.host; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-_", *p))
			abort();
	for (const char *p = e.method; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			abort();
	if (e.port > 65535)
		abort();
	return 0;
}
