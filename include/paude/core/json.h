/* SPDX-License-Identifier: MIT */
/*
 * The JSON boundary (json-c). Parsing has a depth limit and rejects trailing
 * bytes. Getters return borrowed pointers that live as long as the root
 * object: strdup what must outlive it. Free a tree with one _cleanup_json_
 * root.
 */
#ifndef PAUDE_JSON_H
#define PAUDE_JSON_H

#include <stdbool.h>
#include <json-c/json.h>
#include "paude/core/error.h"
#include "paude/core/strvec.h"
#include "paude/core/buf.h"

#define PAUDE_JSON_MAX_DEPTH 64

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Parse exactly one JSON value from s[0..n). `what` names the source in errors. */
int paude_json_parse(struct json_object **out, const char *s, size_t n, const char *what,
		     struct paude_error **err);
/* The same; on failure *bad_offset (if not NULL) is the byte offset where
 * the input stopped making sense (n for a document cut short). */
int paude_json_parse_at(struct json_object **out, const char *s, size_t n, const char *what,
			size_t *bad_offset, struct paude_error **err);

/* Borrowed string member, or NULL if missing or not a string. */
const char *paude_json_get_str(struct json_object *obj, const char *key);
/* Member as bool (false if missing / not bool). */
bool paude_json_get_bool(struct json_object *obj, const char *key);
/* Member of the given type, or NULL. */
struct json_object *paude_json_get_obj(struct json_object *obj, const char *key);
struct json_object *paude_json_get_array(struct json_object *obj, const char *key);

/* Append the strings of a JSON array to sv; PAUDE_EPROTO if any element is not a string. */
int paude_json_array_to_strvec(struct paude_strvec *sv, struct json_object *arr,
			       struct paude_error **err);
/* New JSON array of strings (caller puts it). */
struct json_object *paude_json_array_from_strvec(const struct paude_strvec *sv);
/* Serialise compactly into out (appended). */
void paude_json_write(struct paude_buf *out, struct json_object *obj, bool pretty);

#endif
