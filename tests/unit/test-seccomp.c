/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/backend/seccomp.c: the default profile, less new namespaces. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/backend/seccomp.h"
#include "paude/core/json.h"
#include "paude/core/fs.h"

static struct json_object *
derive_file(const char *path)
{
	_cleanup_buf_ struct paude_buf in = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&in, path, NULL), 0);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_seccomp_derive(&out, in.buf, in.len, &err) < 0)
		fail_msg("%s", err->msg);
	struct json_object *root = NULL;
	assert_int_equal(paude_json_parse(&root, out.buf, out.len, "derived", NULL), 0);
	return root;
}

static bool
names_has(struct json_object *rule, const char *name)
{
	struct json_object *names = paude_json_get_array(rule, "names");
	for (size_t i = 0; names && i < json_object_array_length(names); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name))
			return true;
	return false;
}

static void
test_derive_keeps_the_rest_and_decides_clone_unshare_clone3(void **state)
{
	(void)state;
	_cleanup_json_ struct json_object *root =
	    derive_file(TEST_DATA_DIR "/seccomp-default.json");
	assert_string_equal(paude_json_get_str(root, "defaultAction"), "SCMP_ACT_ERRNO");
	assert_non_null(paude_json_get_array(root, "archMap"));
	struct json_object *sc = paude_json_get_array(root, "syscalls");

	/* The first rule keeps its other names; the cap-gated unshare rule is gone. */
	struct json_object *first = json_object_array_get_idx(sc, 0);
	assert_true(names_has(first, "read") && names_has(first, "write") &&
		    names_has(first, "setns"));
	assert_false(names_has(first, "clone") || names_has(first, "clone3") ||
		     names_has(first, "unshare"));
	assert_true(names_has(json_object_array_get_idx(sc, 1), "personality"));

	/* Then: clone allowed only with no namespace flag (index 0, and 1 on
	 * s390), EPERM per flag; the same for unshare; clone3 ENOSYS. */
	size_t n = json_object_array_length(sc);
	unsigned clone_allow = 0, clone_eperm = 0, unshare_allow = 0, unshare_eperm = 0, clone3 = 0;
	uint32_t unshare_denied = 0;
	for (size_t i = 2; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(sc, i);
		const char *action = paude_json_get_str(r, "action");
		struct json_object *args = paude_json_get_array(r, "args");
		struct json_object *a0 = args ? json_object_array_get_idx(args, 0) : NULL;
		if (names_has(r, "clone3")) {
			assert_string_equal(action, "SCMP_ACT_ERRNO");
			assert_int_equal(json_object_get_int(json_object_object_get(r, "errnoRet")),
					 38);
			assert_null(args);
			clone3++;
			continue;
		}
		assert_non_null(a0);
		assert_string_equal(paude_json_get_str(a0, "op"), "SCMP_CMP_MASKED_EQ");
		int64_t mask = json_object_get_int64(json_object_object_get(a0, "value"));
		int64_t want = json_object_get_int64(json_object_object_get(a0, "valueTwo"));
		bool allow = !strcmp(action, "SCMP_ACT_ALLOW");
		if (allow)
			assert_true(want == 0);
		else
			assert_true(want == mask && json_object_get_int(json_object_object_get(
							r, "errnoRet")) == 1);
		if (names_has(r, "clone")) {
			assert_int_equal(allow ? mask : mask & PAUDE_SECCOMP_CLONE_NS_FLAGS,
					 allow ? PAUDE_SECCOMP_CLONE_NS_FLAGS : mask);
			*(allow ? &clone_allow : &clone_eperm) += 1;
		} else {
			assert_true(names_has(r, "unshare"));
			if (allow)
				assert_true(mask == PAUDE_SECCOMP_UNSHARE_NS_FLAGS);
			else
				unshare_denied |= (uint32_t)mask;
			*(allow ? &unshare_allow : &unshare_eperm) += 1;
		}
	}
	assert_int_equal(clone_allow, 2);
	assert_int_equal(clone_eperm, 2 * 7);
	assert_int_equal(unshare_allow, 1);
	assert_int_equal(unshare_eperm, 8);
	assert_int_equal(unshare_denied, PAUDE_SECCOMP_UNSHARE_NS_FLAGS);
	assert_int_equal(clone3, 1);
	/* CLONE_NEWUSER is among them. */
	assert_true(PAUDE_SECCOMP_CLONE_NS_FLAGS & 0x10000000u);
}

static void
test_derive_refuses_what_is_not_a_profile(void **state)
{
	(void)state;
	static const char *const bad[] = { "[]", "{}", "{\"syscalls\":[]}",
					   "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "{" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
		_cleanup_error_ struct paude_error *err = NULL;
		assert_int_equal(paude_seccomp_derive(&out, bad[i], strlen(bad[i]), &err),
				 PAUDE_EPROTO);
		assert_int_equal(out.len, 0);
	}
}

static void
test_write_profile_is_private_and_missing_base_is_clear(void **state)
{
	(void)state;
	char dir[] = "/tmp/paude-test-seccomp-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(setenv("XDG_RUNTIME_DIR", dir, 1), 0);
	_cleanup_free_ char *path = NULL;
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_seccomp_write_profile(&path, TEST_DATA_DIR "/seccomp-default.json", &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(strncmp(path, dir, strlen(dir)), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	_cleanup_json_ struct json_object *root = derive_file(path);
	assert_non_null(paude_json_get_array(root, "syscalls"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);

	_cleanup_free_ char *none = NULL;
	assert_int_equal(paude_seccomp_write_profile(&none, "/nonexistent/seccomp.json", &err),
			 PAUDE_ENOTFOUND);
	assert_null(none);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive_keeps_the_rest_and_decides_clone_unshare_clone3),
		cmocka_unit_test(test_derive_refuses_what_is_not_a_profile),
		cmocka_unit_test(test_write_profile_is_private_and_missing_base_is_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
