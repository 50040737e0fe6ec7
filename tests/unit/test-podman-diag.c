/* SPDX-License-Identifier: MIT */
/* Podman's host problems: recognised from podman's own words (as podman 4.3
 * printed them on a real host), with fixes; subordinate id files; the
 * removal of a half-made rootless network namespace. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/backend/podman-diag.h"
#include "paude/core/fs.h"
#include "scratch.h"

static char *scratch;

static int
setup(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/paude-test-diag.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	scratch = strdup(tmpl);
	setenv("XDG_RUNTIME_DIR", scratch, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	scratch_remove(scratch);
	free(scratch);
	unsetenv("XDG_RUNTIME_DIR");
	return 0;
}

static void
test_podman_errors_are_recognised(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum paude_podman_problem want;
	} cases[] = {
		{ "Error: exec: \"slirp4netns\": executable file not found in $PATH",
		  PAUDE_PODMAN_NO_NET_HELPER },
		{ "Error: could not find pasta, the network namespace can't be configured",
		  PAUDE_PODMAN_NO_NET_HELPER },
		{ "Error: /usr/bin/slirp4netns failed: \"open(\\\"/dev/net/tun\\\"): Permission "
		  "denied\\nchild failed(1)\\n\"",
		  PAUDE_PODMAN_TUN },
		{ "Error: failed to mount runtime directory for rootless netns: no such file or "
		  "directory",
		  PAUDE_PODMAN_STALE_NETNS },
		{ "the path in $XDG_RUNTIME_DIR must be writable by the user",
		  PAUDE_PODMAN_RUNTIME_DIR },
		{ "Error: cannot find UID/GID for user paude: no subuid ranges found for user "
		  "\"paude\" in /etc/subuid",
		  PAUDE_PODMAN_SUBIDS },
		{ "Error: writing blob: adding layer: potentially insufficient UIDs or GIDs "
		  "available in user namespace",
		  PAUDE_PODMAN_SUBIDS },
		{ "Error: crun: cgroups in hybrid mode not supported", PAUDE_PODMAN_OK },
		{ "", PAUDE_PODMAN_OK },
		{ NULL, PAUDE_PODMAN_OK },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (paude_podman_diagnose(cases[i].text) != cases[i].want)
			fail_msg("case %zu (%s): got %d, want %d", i,
				 cases[i].text ? cases[i].text : "NULL",
				 paude_podman_diagnose(cases[i].text), cases[i].want);
}

static void
test_each_problem_has_a_fix_with_this_users_values(void **state)
{
	(void)state;
	char *uid = NULL;
	assert_true(asprintf(&uid, "/run/user/%lu", (unsigned long)getuid()) > 0);
	char *fix = paude_podman_problem_fix(PAUDE_PODMAN_RUNTIME_DIR);
	assert_non_null(strstr(fix, "loginctl enable-linger"));
	assert_non_null(strstr(fix, uid));
	free(fix);
	fix = paude_podman_problem_fix(PAUDE_PODMAN_STALE_NETNS);
	char *rm = NULL;
	assert_true(
	    asprintf(&rm, "podman system migrate; rm -f %s/netns/rootless-netns-*", scratch) > 0);
	assert_non_null(strstr(fix, rm));
	free(fix);
	fix = paude_podman_problem_fix(PAUDE_PODMAN_NO_NET_HELPER);
	assert_non_null(strstr(fix, "apt-get install slirp4netns"));
	free(fix);
	fix = paude_podman_problem_fix(PAUDE_PODMAN_TUN);
	assert_non_null(strstr(fix, "chmod 0666 /dev/net/tun"));
	free(fix);
	fix = paude_podman_problem_fix(PAUDE_PODMAN_SUBIDS);
	assert_non_null(strstr(fix, "usermod --add-subuids "));
	assert_non_null(strstr(fix, "podman system migrate"));
	free(fix);
	assert_null(paude_podman_problem_fix(PAUDE_PODMAN_OK));
	free(rm);
	free(uid);
}

static void
test_subid_files_are_counted_and_the_next_free_range_found(void **state)
{
	(void)state;
	const char *text = "# comment\n"
			   "alice:100000:65536\n"
			   "1001:165536:65536\n"
			   "bob:231072:1000\n"
			   "broken line\n"
			   "carol::5\n"
			   "alice:300000:10";
	assert_int_equal(paude_subid_count(text, "alice", 1000), 65546);
	assert_int_equal(paude_subid_count(text, "bob", 1001), 1000 + 65536);
	assert_int_equal(paude_subid_count(text, "dave", 1002), 0);
	assert_int_equal(paude_subid_count(text, NULL, 1001), 65536);
	assert_int_equal(paude_subid_count("", "alice", 1000), 0);
	/* alice 100000+65536, 1001 165536+65536, bob 231072+1000: then 232072,
	 * where 65536 fit before alice's 300000+10. */
	assert_int_equal(paude_subid_next_free(text), 232072);
	assert_int_equal(paude_subid_next_free("a:100000:65536\nb:165536:100000\nc:270000:5\n"),
			 270005);
	assert_int_equal(paude_subid_next_free(""), 100000);
	assert_int_equal(paude_subid_next_free("x:1:10\n"), 100000);
	/* A range far above (rootful podman's "containers") does not count;
	 * a gap too small is skipped. */
	assert_int_equal(paude_subid_next_free("containers:2147483647:2147483648\n"
					       "a:100000:65536\n"),
			 165536);
	assert_int_equal(paude_subid_next_free("a:100000:65536\nb:200000:65536\n"), 265536);
	assert_int_equal(paude_subid_next_free("a:100000:65536\nb:300000:65536\n"), 165536);
}

static void
test_netns_reset_removes_only_rootless_netns_files(void **state)
{
	(void)state;
	scratch_write(scratch, "netns/rootless-netns-0691b084177f5fd7d40f", "");
	scratch_write(scratch, "netns/netns-other", "");
	unsigned removed = 9;
	assert_int_equal(paude_podman_rootless_netns_reset(&removed, NULL), 0);
	assert_int_equal(removed, 1);
	char *gone = paude_path_join(scratch, "netns/rootless-netns-0691b084177f5fd7d40f");
	char *kept = paude_path_join(scratch, "netns/netns-other");
	assert_false(paude_exists(gone));
	assert_true(paude_exists(kept));
	free(gone);
	free(kept);
	/* No netns directory at all: nothing to do. */
	setenv("XDG_RUNTIME_DIR", "/nonexistent/run", 1);
	assert_int_equal(paude_podman_rootless_netns_reset(&removed, NULL), 0);
	assert_int_equal(removed, 0);
}

static void
test_explain_replaces_podman_text_and_clears_the_half_made_netns(void **state)
{
	(void)state;
	scratch_write(scratch, "netns/rootless-netns-abc", "");
	struct paude_error *err = NULL;
	paude_error_set(&err, PAUDE_ECHILD, 0,
			"podman start: exit 127: Error: exec: \"slirp4netns\": executable file "
			"not found in $PATH");
	assert_int_equal(paude_podman_explain(&err, "cannot start session 'x'"),
			 PAUDE_PODMAN_NO_NET_HELPER);
	assert_int_equal(err->code, PAUDE_ECHILD);
	assert_true(!strncmp(err->msg,
			     "cannot start session 'x': rootless podman cannot make container "
			     "networks: slirp4netns is not installed (fix: install slirp4netns",
			     120));
	assert_non_null(strstr(err->msg, "; paude doctor checks the rest)"));
	char *gone = paude_path_join(scratch, "netns/rootless-netns-abc");
	assert_false(paude_exists(gone));
	free(gone);
	paude_error_free(err);

	/* An unknown failure is left as it is, and so is the namespace. */
	scratch_write(scratch, "netns/rootless-netns-def", "");
	err = NULL;
	paude_error_set(&err, PAUDE_ECHILD, 0, "podman start: exit 125: Error: no such container");
	assert_int_equal(paude_podman_explain(&err, "cannot start session 'x'"), PAUDE_PODMAN_OK);
	assert_string_equal(err->msg, "podman start: exit 125: Error: no such container");
	char *kept = paude_path_join(scratch, "netns/rootless-netns-def");
	assert_true(paude_exists(kept));
	free(kept);
	paude_error_free(err);

	/* The stale state itself: its fix is printed, nothing removed behind the
	 * user's back (running containers may use the namespace). */
	err = NULL;
	paude_error_set(&err, PAUDE_ECHILD, 0,
			"podman start: exit 127: Error: failed to mount runtime directory for "
			"rootless netns: no such file or directory");
	assert_int_equal(paude_podman_explain(&err, "cannot start session 'x'"),
			 PAUDE_PODMAN_STALE_NETNS);
	assert_non_null(strstr(err->msg, "podman system migrate; rm -f "));
	kept = paude_path_join(scratch, "netns/rootless-netns-def");
	assert_true(paude_exists(kept));
	free(kept);
	paude_error_free(err);
	assert_int_equal(paude_podman_explain(NULL, "x"), PAUDE_PODMAN_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_errors_are_recognised),
		cmocka_unit_test_setup_teardown(test_each_problem_has_a_fix_with_this_users_values,
						setup, teardown),
		cmocka_unit_test(test_subid_files_are_counted_and_the_next_free_range_found),
		cmocka_unit_test_setup_teardown(test_netns_reset_removes_only_rootless_netns_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_explain_replaces_podman_text_and_clears_the_half_made_netns, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
