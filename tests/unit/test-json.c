/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/core/json.c: the parsing boundary and small accessors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/core/json.h"

static int
parse(struct json_object **out, const char *s, size_t n, struct paude_error **err)
{
	return paude_json_parse(out, s, n, "test input", err);
}

static void
test_parses_an_object(void **state)
{
	(void)state;
	_cleanup_json_ struct json_object *o = NULL;
	const char *s = "{\"name\":\"x\",\"on\":true,\"list\":[\"a\"],\"sub\":{}}";
	assert_int_equal(parse(&o, s, strlen(s), NULL), 0);
	assert_string_equal(paude_json_get_str(o, "name"), "x");
	assert_true(paude_json_get_bool(o, "on"));
	assert_non_null(paude_json_get_array(o, "list"));
	assert_non_null(paude_json_get_obj(o, "sub"));
}

static void
test_parses_top_level_scalars_and_arrays(void **state)
{
	(void)state;
	const char *ok[] = { "123", "-1.5e3", "true", "false", "\"s\"", "[1,2]", " [ ] \n" };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		_cleanup_json_ struct json_object *o = NULL;
		_cleanup_error_ struct paude_error *err = NULL;
		assert_int_equal(parse(&o, ok[i], strlen(ok[i]), &err), 0);
		assert_non_null(o);
	}
}

static void
test_only_uses_the_given_length(void **state)
{
	(void)state;
	_cleanup_json_ struct json_object *o = NULL;
	const char *s = "[1]garbage";
	assert_int_equal(parse(&o, s, 3, NULL), 0);
	assert_int_equal(json_object_array_length(o), 1);
}

static void
check_rejected(const char *s, size_t n, const char *msg_part)
{
	struct json_object *o = NULL;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(parse(&o, s, n, &err), PAUDE_EPROTO);
	assert_null(o);
	assert_non_null(err);
	if (!strstr(err->msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err->msg, msg_part);
	assert_non_null(strstr(err->msg, "test input: "));
}

static void
test_empty_input_is_rejected(void **state)
{
	(void)state;
	check_rejected("", 0, "unexpected end of JSON");
	check_rejected("   \n", 4, "unexpected end of JSON");
	check_rejected("null", 4, "empty JSON document");
}

static void
test_truncated_input_is_rejected(void **state)
{
	(void)state;
	check_rejected("{\"a\":", 5, "unexpected end");
	check_rejected("[1,2", 4, "unexpected end");
	check_rejected("tru", 3, "unexpected end");
}

static void
test_trailing_garbage_is_rejected(void **state)
{
	(void)state;
	check_rejected("{} x", 4, "offset 3");
	check_rejected("{}{}", 4, "offset 2");
	check_rejected("1 2", 3, "offset 2");
	check_rejected("{}\0", 3, "unexpected data after JSON at offset 2");
	check_rejected("[]\n\0 ", 5, "unexpected data after JSON at offset 3");
}

static void
test_invalid_syntax_is_rejected_in_strict_mode(void **state)
{
	(void)state;
	/* json-c 0.16 still takes single-quoted object keys in strict mode,
	 * but not single-quoted values. */
	check_rejected("['a']", 5, "invalid JSON");
	check_rejected("{\"a\":'b'}", 9, "invalid JSON");
	check_rejected("[1,]", 4, "invalid JSON");
	check_rejected("{\"a\" 1}", 7, "invalid JSON");
	check_rejected("\"a\0b\"", 5, "");
}

static char *
nested(size_t depth)
{
	char *s = malloc(2 * depth + 1);
	assert_non_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\0';
	return s;
}

static void
test_depth_limit(void **state)
{
	(void)state;
	_cleanup_free_ char *ok = nested(PAUDE_JSON_MAX_DEPTH);
	_cleanup_json_ struct json_object *o = NULL;
	assert_int_equal(parse(&o, ok, strlen(ok), NULL), 0);
	_cleanup_free_ char *deep = nested(PAUDE_JSON_MAX_DEPTH + 1);
	check_rejected(deep, strlen(deep), "nesting too deep");
	_cleanup_free_ char *deeper = nested(100000);
	check_rejected(deeper, strlen(deeper), "nesting too deep");
}

static void
test_output_untouched_on_failure(void **state)
{
	(void)state;
	struct json_object *sentinel = (struct json_object *)&sentinel;
	struct json_object *o = sentinel;
	assert_int_equal(parse(&o, "[", 1, NULL), PAUDE_EPROTO);
	assert_ptr_equal(o, sentinel);
}

static void
test_getters_check_types_and_missing_keys(void **state)
{
	(void)state;
	_cleanup_json_ struct json_object *o = NULL;
	const char *s = "{\"s\":1,\"b\":\"true\",\"a\":{},\"o\":[]}";
	assert_int_equal(parse(&o, s, strlen(s), NULL), 0);
	assert_null(paude_json_get_str(o, "s"));
	assert_null(paude_json_get_str(o, "missing"));
	assert_false(paude_json_get_bool(o, "b"));
	assert_null(paude_json_get_array(o, "a"));
	assert_null(paude_json_get_obj(o, "o"));
	assert_null(paude_json_get_str(NULL, "s"));
	/* Not an object at all. */
	struct json_object *arr = paude_json_get_array(o, "o");
	assert_non_null(paude_json_get_obj(o, "a"));
	assert_null(paude_json_get_array(o, "o") ? paude_json_get_str(arr, "x") : "bad");
}

static void
test_array_to_strvec_appends_strings(void **state)
{
	(void)state;
	_cleanup_json_ struct json_object *o = NULL;
	const char *s = "[\"-p\",\"explain this\",\"\",\"caf\xc3\xa9\"]";
	assert_int_equal(parse(&o, s, strlen(s), NULL), 0);
	_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
	paude_strvec_push(&sv, "first");
	assert_int_equal(paude_json_array_to_strvec(&sv, o, NULL), 0);
	assert_int_equal(sv.nr, 5);
	assert_string_equal(sv.v[2], "explain this");
	assert_string_equal(sv.v[3], "");
	assert_string_equal(sv.v[4], "caf\xc3\xa9");
}

static void
test_array_to_strvec_rejects_non_strings_without_partial_output(void **state)
{
	(void)state;
	const char *bad[] = { "[\"a\",1]", "[\"a\",null]", "[[\"a\"]]", "{\"a\":\"b\"}", "\"a\"" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_json_ struct json_object *o = NULL;
		_cleanup_error_ struct paude_error *err = NULL;
		_cleanup_strvec_ struct paude_strvec sv = PAUDE_STRVEC_INIT;
		assert_int_equal(parse(&o, bad[i], strlen(bad[i]), NULL), 0);
		assert_int_equal(paude_json_array_to_strvec(&sv, o, &err), PAUDE_EPROTO);
		assert_int_equal(sv.nr, 0);
		assert_string_equal(err->msg, "expected a JSON array of strings");
	}
}

static void
test_strvec_array_round_trip(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec in = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&in, "a \"q\"", "back\\slash", "", "new\nline", "/x", "\xe2\x9c\x93",
			   NULL);
	_cleanup_json_ struct json_object *arr = paude_json_array_from_strvec(&in);
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	paude_json_write(&text, arr, false);
	/* Compact, and slashes are not escaped. */
	assert_null(strchr(text.buf, '\n'));
	assert_non_null(strstr(text.buf, "\"/x\""));
	_cleanup_json_ struct json_object *back = NULL;
	assert_int_equal(parse(&back, text.buf, text.len, NULL), 0);
	_cleanup_strvec_ struct paude_strvec out = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_json_array_to_strvec(&out, back, NULL), 0);
	assert_int_equal(out.nr, in.nr);
	for (size_t i = 0; i < in.nr; i++)
		assert_string_equal(out.v[i], in.v[i]);
}

static void
test_empty_strvec_gives_empty_array(void **state)
{
	(void)state;
	struct paude_strvec empty = PAUDE_STRVEC_INIT;
	_cleanup_json_ struct json_object *arr = paude_json_array_from_strvec(&empty);
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	paude_json_write(&text, arr, false);
	assert_string_equal(text.buf, "[]");
}

static void
test_pretty_write_is_multiline(void **state)
{
	(void)state;
	_cleanup_json_ struct json_object *o = json_object_new_object();
	json_object_object_add(o, "k", json_object_new_string("v"));
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	paude_json_write(&text, o, true);
	assert_non_null(strchr(text.buf, '\n'));
	_cleanup_json_ struct json_object *back = NULL;
	assert_int_equal(parse(&back, text.buf, text.len, NULL), 0);
	assert_string_equal(paude_json_get_str(back, "k"), "v");
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_an_object),
		cmocka_unit_test(test_parses_top_level_scalars_and_arrays),
		cmocka_unit_test(test_only_uses_the_given_length),
		cmocka_unit_test(test_empty_input_is_rejected),
		cmocka_unit_test(test_truncated_input_is_rejected),
		cmocka_unit_test(test_trailing_garbage_is_rejected),
		cmocka_unit_test(test_invalid_syntax_is_rejected_in_strict_mode),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_output_untouched_on_failure),
		cmocka_unit_test(test_getters_check_types_and_missing_keys),
		cmocka_unit_test(test_array_to_strvec_appends_strings),
		cmocka_unit_test(test_array_to_strvec_rejects_non_strings_without_partial_output),
		cmocka_unit_test(test_strvec_array_round_trip),
		cmocka_unit_test(test_empty_strvec_gives_empty_array),
		cmocka_unit_test(test_pretty_write_is_multiline),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
