/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for paude_json_parse (depth limit, trailing data, caps) and
 * the helpers that read parsed trees. A document that parses must print and
 * parse again to the same text.
 */
#include <stdint.h>
#include <string.h>
#include "paude/core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ struct json_object *obj = NULL;
	_cleanup_error_ struct paude_error *err = NULL;
	int r = paude_json_parse(&obj, (const char *)data, size, "fuzz", &err);
	if (r < 0) {
		if (r != PAUDE_EPROTO || !err || obj)
			abort();
		return 0;
	}
	if (!obj)
		abort();
	/* Exercise the accessors the decoders use. */
	(void)paude_json_get_str(obj, "Name");
	(void)paude_json_get_bool(obj, "Running");
	(void)paude_json_get_obj(obj, "Labels");
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	struct json_object *arr =
	    json_object_is_type(obj, json_type_array) ? obj : paude_json_get_array(obj, "Names");
	if (arr && paude_json_array_to_strvec(&sv, arr, NULL) == 0) {
		_cleanup_json_ struct json_object *back = paude_json_array_from_strvec(&sv);
		if (json_object_array_length(back) != json_object_array_length(arr))
			abort();
	}
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	paude_json_write(&text, obj, false);
	_cleanup_json_ struct json_object *again = NULL;
	if (paude_json_parse(&again, text.buf, text.len, "fuzz again", NULL) < 0)
		abort();
	_cleanup_buf_ struct paude_buf text2 = PAUDE_BUF_INIT;
	paude_json_write(&text2, again, false);
	if (strcmp(text.buf, text2.buf))
		abort();
	return 0;
}
