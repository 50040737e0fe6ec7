/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: session addresses. Whatever parses must consist only of the
 * characters the grammar allows, and must format back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "paude/session/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_chars(const char *s, const char *extra)
{
	for (; s && *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      strchr(extra, *s)))
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct paude_address a = PAUDE_ADDRESS_INIT;
	struct paude_error *err = NULL;
	if (paude_address_parse(&a, s, &err) == 0) {
		if (!a.name || a.name[0] == '-')
			__builtin_trap();
		check_chars(a.name, "");
		check_chars(a.where.namespace, "");
		check_chars(a.where.context, "ABCDEFGHIJKLMNOPQRSTUVWXYZ._:@");
		if (a.where.context && (a.where.context[0] == '-' || a.where.context[0] == '.'))
			__builtin_trap();
		struct paude_buf b = PAUDE_BUF_INIT;
		paude_address_format(&a, &b);
		const char *spec = strncmp(s, "paude://", 8) ? s : s + 8;
		if (strcmp(b.buf, spec))
			__builtin_trap();
		paude_buf_release(&b);
		paude_address_release(&a);
	} else {
		if (!err || !err->msg || err->code != PAUDE_EUSAGE)
			__builtin_trap();
		for (const char *p = err->msg; *p; p++)
			if ((unsigned char)*p < 0x20)
				__builtin_trap();
	}
	paude_error_free(err);
	free(s);
	return 0;
}
