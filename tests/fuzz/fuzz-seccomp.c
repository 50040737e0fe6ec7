/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for paude_seccomp_derive. Whatever the default profile holds,
 * the result is a profile (JSON that parses) in which clone, clone3 and
 * unshare appear only in the rules paude adds at the end: no rule of the
 * input can allow them.
 */
#include <stdint.h>
#include <string.h>
#include "paude/backend/seccomp.h"
#include "paude/core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
names_any(struct json_object *rule)
{
	static const char *const ns[] = { "clone", "clone3", "unshare" };
	const char *one = paude_json_get_str(rule, "name");
	for (size_t j = 0; one && j < 3; j++)
		if (!strcmp(one, ns[j]))
			return true;
	struct json_object *names = paude_json_get_array(rule, "names");
	for (size_t i = 0; names && i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		for (size_t j = 0; n && j < 3; j++)
			if (!strcmp(n, ns[j]))
				return true;
	}
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	int r = paude_seccomp_derive(&out, (const char *)data, size, &err);
	if (r < 0) {
		if (r != PAUDE_EPROTO || !err || out.len)
			abort();
		return 0;
	}
	_cleanup_json_ struct json_object *root = NULL;
	if (paude_json_parse(&root, out.buf, out.len, "derived", NULL) < 0)
		abort();
	struct json_object *sc = paude_json_get_array(root, "syscalls");
	if (!sc)
		abort();
	/* paude's own rules: 2 + 2 * 7 for clone, 1 + 8 for unshare, 1 for clone3. */
	size_t n = json_object_array_length(sc), ours = 2 + 2 * 7 + 1 + 8 + 1;
	if (n < ours)
		abort();
	for (size_t i = 0; i < n - ours; i++)
		if (names_any(json_object_array_get_idx(sc, i)))
			abort();
	for (size_t i = n - ours; i < n; i++)
		if (!names_any(json_object_array_get_idx(sc, i)))
			abort();
	return 0;
}
