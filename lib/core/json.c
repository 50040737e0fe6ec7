/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <stdint.h>
#include "paude/core/json.h"
#include "paude/core/alloc.h"
#include "core/banned.h"

static bool
is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
paude_json_parse(struct json_object **out, const char *s, size_t n, const char *what,
		 struct paude_error **err)
{
	return paude_json_parse_at(out, s, n, what, NULL, err);
}

int
paude_json_parse_at(struct json_object **out, const char *s, size_t n, const char *what,
		    size_t *bad_offset, struct paude_error **err)
{
	if (n >= (size_t)INT32_MAX)
		return paude_error_set(err, PAUDE_EPROTO, 0, "%s: document too large", what);
	/*
	 * json-c cannot tell that a top-level number or literal ("123", "true")
	 * has ended until it sees one more byte, so parse a NUL-terminated copy
	 * and hand it the terminator too. A NUL inside the input stops the
	 * tokener early and is then reported as trailing data.
	 */
	_cleanup_free_ char *copy = paude_xmalloc(n + 1);
	if (n)
		memcpy(copy, s, n);
	copy[n] = '\0';
	struct json_tokener *tok = paude_xnonnull(json_tokener_new_ex(PAUDE_JSON_MAX_DEPTH));
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *obj = json_tokener_parse_ex(tok, copy, (int)n + 1);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue || (jerr != json_tokener_success && off >= n)) {
		json_object_put(obj);
		if (bad_offset)
			*bad_offset = n;
		return paude_error_set(err, PAUDE_EPROTO, 0, "%s: unexpected end of JSON", what);
	}
	if (jerr != json_tokener_success) {
		json_object_put(obj);
		if (bad_offset)
			*bad_offset = off;
		return paude_error_set(err, PAUDE_EPROTO, 0, "%s: invalid JSON at offset %zu: %s",
				       what, off, json_tokener_error_desc(jerr));
	}
	for (; off < n; off++) {
		if (!is_json_space(s[off])) {
			json_object_put(obj);
			if (bad_offset)
				*bad_offset = off;
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "%s: unexpected data after JSON at offset %zu", what,
					       off);
		}
	}
	if (!obj) {
		if (bad_offset)
			*bad_offset = 0;
		return paude_error_set(err, PAUDE_EPROTO, 0, "%s: empty JSON document (null)",
				       what);
	}
	*out = obj;
	return 0;
}

const char *
paude_json_get_str(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool
paude_json_get_bool(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_boolean))
		return false;
	return json_object_get_boolean(v);
}

static struct json_object *
get_typed(struct json_object *obj, const char *key, enum json_type t)
{
	struct json_object *v = NULL;
	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

struct json_object *
paude_json_get_obj(struct json_object *obj, const char *key)
{
	return get_typed(obj, key, json_type_object);
}

struct json_object *
paude_json_get_array(struct json_object *obj, const char *key)
{
	return get_typed(obj, key, json_type_array);
}

int
paude_json_array_to_strvec(struct paude_strvec *sv, struct json_object *arr,
			   struct paude_error **err)
{
	if (!json_object_is_type(arr, json_type_array))
		return paude_error_set(err, PAUDE_EPROTO, 0, "expected a JSON array of strings");
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string))
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "expected a JSON array of strings");
	for (size_t i = 0; i < n; i++)
		paude_strvec_push(sv, json_object_get_string(json_object_array_get_idx(arr, i)));
	return 0;
}

struct json_object *
paude_json_array_from_strvec(const struct paude_strvec *sv)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < sv->nr; i++)
		json_object_array_add(arr, json_object_new_string(sv->v[i]));
	return arr;
}

void
paude_json_write(struct paude_buf *out, struct json_object *obj, bool pretty)
{
	int flags =
	    JSON_C_TO_STRING_NOSLASHESCAPE |
	    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
	paude_buf_addstr(out, json_object_to_json_string_ext(obj, flags), NULL);
}
