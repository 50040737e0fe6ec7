/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/session/session.c: names, labels and the agent's argv. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "paude/session/session.h"

static void
test_valid_names_are_accepted(void **state)
{
	(void)state;
	const char *ok[] = { "a",
			     "x1",
			     "my-project",
			     "a-b-c",
			     "abc123",
			     "a--b",
			     "abcdefghijabcdefghijabcdefghijabcdefghi0" /* 40 */ };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		_cleanup_error_ struct paude_error *err = NULL;
		if (paude_session_name_validate(ok[i], &err) != 0)
			fail_msg("'%s' rejected: %s", ok[i], err->msg);
	}
}

static void
check_invalid(const char *name, const char *msg_part)
{
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_session_name_validate(name, &err), PAUDE_EUSAGE);
	assert_non_null(err);
	if (!strstr(err->msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err->msg, msg_part);
}

static void
test_invalid_names_are_usage_errors(void **state)
{
	(void)state;
	check_invalid(NULL, "session name is empty");
	check_invalid("", "session name is empty");
	check_invalid("../x", "invalid session name '../x'");
	check_invalid("a;b", "invalid session name 'a;b'");
	check_invalid("-x", "invalid session name '-x'");
	check_invalid("a b", "invalid session name 'a b'");
	check_invalid("MyProject", "invalid session name 'MyProject'");
	check_invalid("1abc", "invalid session name '1abc'");
	check_invalid("abc-", "invalid session name 'abc-'");
	check_invalid("a_b", "invalid session name");
	check_invalid("a.b", "invalid session name");
	check_invalid("caf\xc3\xa9", "invalid session name 'caf\\xc3\\xa9'");
	/* Every message explains the rule. */
	check_invalid("X", "lowercase letters, digits and '-'");
}

static void
test_control_characters_are_shown_escaped(void **state)
{
	(void)state;
	check_invalid("a\nb", "'a\\x0ab'");
	check_invalid("a\033[31mb", "'a\\x1b[31mb'");
	check_invalid("a'b", "'a\\x27b'");
	_cleanup_error_ struct paude_error *err = NULL;
	paude_session_name_validate("x\t\r", &err);
	assert_null(strchr(err->msg, '\t'));
	assert_null(strchr(err->msg, '\r'));
}

static void
test_long_names_are_rejected(void **state)
{
	(void)state;
	char name[301];
	memset(name, 'a', sizeof(name) - 1);
	name[41] = '\0';
	check_invalid(name, "too long: 41 characters");
	name[41] = 'a';
	name[300] = '\0';
	check_invalid(name, "too long: 300 characters");
}

static void
test_long_invalid_name_is_shown_cut(void **state)
{
	(void)state;
	char name[40];
	memset(name, '\x01', sizeof(name) - 1);
	name[0] = 'a';
	name[39] = '\0';
	_cleanup_error_ struct paude_error *err = NULL;
	paude_session_name_validate(name, &err);
	assert_non_null(strstr(err->msg, "...' ("));
	assert_true(strlen(err->msg) < 300);
}

static void
check_from_dir(const char *dir, const char *want)
{
	_cleanup_free_ char *got = paude_session_name_from_dir(dir);
	assert_string_equal(got, want);
	assert_int_equal(paude_session_name_validate(got, NULL), 0);
}

static void
test_name_from_dir_derives_valid_names(void **state)
{
	(void)state;
	check_from_dir("/home/u/My Project", "my-project");
	check_from_dir("/home/u/my_project.git", "my-project-git");
	check_from_dir("/src/paude", "paude");
	check_from_dir("relative", "relative");
	check_from_dir("/src/2024-report", "report");
	check_from_dir("/x/--Weird__Name--", "weird-name");
	check_from_dir("/x/caf\xc3\xa9 menu", "caf-menu");
}

static void
test_name_from_dir_ignores_trailing_slashes(void **state)
{
	(void)state;
	check_from_dir("/home/u/My Project/", "my-project");
	check_from_dir("/src/paude///", "paude");
}

static void
test_name_from_dir_falls_back_to_session(void **state)
{
	(void)state;
	check_from_dir("/", "session");
	check_from_dir("", "session");
	check_from_dir(NULL, "session");
	check_from_dir("/x/123", "session");
	check_from_dir("/x/\xc3\xa9\xc3\xa9", "session");
}

static void
test_name_from_dir_caps_length(void **state)
{
	(void)state;
	char dir[200] = "/x/";
	memset(dir + 3, 'b', 150);
	dir[153] = '\0';
	_cleanup_free_ char *got = paude_session_name_from_dir(dir);
	assert_int_equal(strlen(got), PAUDE_SESSION_NAME_MAX);
	/* A separator at the cut must not leave a trailing dash. */
	char dir2[] = "/x/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbb";
	_cleanup_free_ char *got2 = paude_session_name_from_dir(dir2);
	assert_int_equal(paude_session_name_validate(got2, NULL), 0);
	assert_int_equal(strlen(got2), 39);
}

/* A label lookup over a strvec of "KEY=VALUE". */
static const char *
lookup(void *ctx, const char *key)
{
	const struct paude_strvec *labels = ctx;
	size_t n = strlen(key);
	for (size_t i = 0; i < labels->nr; i++)
		if (!strncmp(labels->v[i], key, n) && labels->v[i][n] == '=')
			return labels->v[i] + n + 1;
	return NULL;
}

static void
fill(struct paude_session *s)
{
	paude_session_init(s);
	s->name = strdup("my-proj");
	s->workspace = strdup("/home/u/My Project");
	s->created = strdup("2026-11-27T18:00:00Z");
	s->image = strdup("localhost/paude-agent:1");
	s->agent = strdup("claude");
	s->yolo = true;
	paude_strvec_pushl(&s->agent_args, "-p", "explain \"this\" code", "it's", "",
			   "caf\xc3\xa9 \xe2\x9c\x93", "a\\b", "--x=[1,2]", NULL);
	paude_strvec_pushl(&s->allowed_domains, "default", ".example.com", NULL);
	s->workspace_mode = PAUDE_WORKSPACE_MOUNT;
	paude_strvec_pushl(&s->venv_shadows, ".venv", "sub dir/venv", NULL);
	paude_strvec_pushl(&s->setup, "sh", "-c", "pip install --user \"pytest\" && echo ok", NULL);
	paude_strvec_pushl(&s->allow_private_dst, "10.89.0.0/24", "192.168.1.7/32", NULL);
}

static void
test_labels_round_trip(void **state)
{
	(void)state;
	struct paude_session s;
	fill(&s);
	_cleanup_strvec_ struct paude_strvec labels = PAUDE_STRVEC_INIT;
	paude_session_to_labels(&s, &labels);
	assert_true(paude_strvec_find(&labels, "app=paude") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/yolo=true") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/version=" PAUDE_VERSION) >= 0);

	struct paude_session back = PAUDE_SESSION_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_session_from_labels(&back, lookup, &labels, &err), 0);
	assert_string_equal(back.name, s.name);
	assert_string_equal(back.workspace, s.workspace);
	assert_string_equal(back.created, s.created);
	assert_string_equal(back.image, s.image);
	assert_string_equal(back.agent, s.agent);
	assert_true(back.yolo);
	assert_int_equal(back.agent_args.nr, s.agent_args.nr);
	for (size_t i = 0; i < s.agent_args.nr; i++)
		assert_string_equal(back.agent_args.v[i], s.agent_args.v[i]);
	assert_int_equal(back.allowed_domains.nr, 2);
	assert_string_equal(back.allowed_domains.v[1], ".example.com");
	assert_int_equal(back.workspace_mode, PAUDE_WORKSPACE_MOUNT);
	assert_true(paude_strvec_find(&labels, "paude.io/workspace-mode=mount") >= 0);
	assert_int_equal(back.venv_shadows.nr, 2);
	assert_string_equal(back.venv_shadows.v[1], "sub dir/venv");
	assert_int_equal(back.setup.nr, 3);
	assert_string_equal(back.setup.v[2], "pip install --user \"pytest\" && echo ok");
	assert_true(paude_strvec_find(&labels, "paude.io/allow-private-dst="
					       "[\"10.89.0.0/24\",\"192.168.1.7/32\"]") >= 0);
	assert_int_equal(back.allow_private_dst.nr, 2);
	assert_string_equal(back.allow_private_dst.v[0], "10.89.0.0/24");
	assert_string_equal(back.allow_private_dst.v[1], "192.168.1.7/32");
	paude_session_release(&s);
	paude_session_release(&back);
}

static void
test_limits_round_trip_through_labels_and_default(void **state)
{
	(void)state;
	struct paude_session s = PAUDE_SESSION_INIT;
	s.name = strdup("x");
	_cleanup_strvec_ struct paude_strvec labels = PAUDE_STRVEC_INIT;
	paude_session_to_labels(&s, &labels);
	/* No limits recorded (a session from before them): no labels. */
	assert_null(lookup(&labels, PAUDE_LABEL_MEMORY));
	assert_null(lookup(&labels, PAUDE_LABEL_CPUS));
	assert_null(lookup(&labels, PAUDE_LABEL_DISK));
	paude_session_limits_default(&s);
	assert_true(s.memory == 8ull << 30);
	assert_int_equal(s.cpus_milli, 2000);
	assert_true(s.disk == 0);
	s.cpus_milli = 1250;
	s.disk = 20ull << 30;
	paude_strvec_clear(&labels);
	paude_session_to_labels(&s, &labels);
	assert_true(paude_strvec_find(&labels, "paude.io/memory=8g") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/cpus=1.25") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/disk=20g") >= 0);
	struct paude_session back = PAUDE_SESSION_INIT;
	assert_int_equal(paude_session_from_labels(&back, lookup, &labels, NULL), 0);
	assert_true(back.memory == s.memory);
	assert_int_equal(back.cpus_milli, 1250);
	assert_true(back.disk == s.disk);
	paude_session_release(&back);

	/* A damaged limit label is an error naming the label. */
	_cleanup_strvec_ struct paude_strvec bad = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&bad, "paude.io/session-name=x", "paude.io/cpus=two", NULL);
	_cleanup_error_ struct paude_error *err = NULL;
	paude_session_init(&back);
	assert_int_equal(paude_session_from_labels(&back, lookup, &bad, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "label 'paude.io/cpus'"));
	paude_session_release(&back);
	paude_session_release(&s);
}

static void
test_labels_round_trip_empty_lists_and_no_yolo(void **state)
{
	(void)state;
	struct paude_session s = PAUDE_SESSION_INIT;
	s.name = strdup("x");
	_cleanup_strvec_ struct paude_strvec labels = PAUDE_STRVEC_INIT;
	paude_session_to_labels(&s, &labels);
	assert_true(paude_strvec_find(&labels, "paude.io/agent-args=[]") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/allowed-domains=[]") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/yolo=false") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/agent=claude") >= 0);
	assert_true(paude_strvec_find(&labels, "paude.io/workspace-mode=volume") >= 0);
	/* Unset strings and empty optional lists produce no label. */
	assert_null(lookup(&labels, PAUDE_LABEL_WORKSPACE));
	assert_null(lookup(&labels, PAUDE_LABEL_SETUP));
	assert_null(lookup(&labels, PAUDE_LABEL_VENVS));
	assert_null(lookup(&labels, PAUDE_LABEL_PRIVATE_DST));
	struct paude_session back = PAUDE_SESSION_INIT;
	assert_int_equal(paude_session_from_labels(&back, lookup, &labels, NULL), 0);
	assert_false(back.yolo);
	assert_int_equal(back.agent_args.nr, 0);
	assert_int_equal(back.allowed_domains.nr, 0);
	assert_null(back.workspace);
	paude_session_release(&s);
	paude_session_release(&back);
}

static void
test_from_labels_tolerates_missing_optional_labels(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec labels = PAUDE_STRVEC_INIT;
	paude_strvec_pushl(&labels, "paude.io/session-name=old", "unrelated=1",
			   "paude.io/agent-args=", NULL);
	struct paude_session back = PAUDE_SESSION_INIT;
	assert_int_equal(paude_session_from_labels(&back, lookup, &labels, NULL), 0);
	assert_string_equal(back.name, "old");
	assert_null(back.agent);
	assert_int_equal(back.agent_args.nr, 0);
	/* A session from before workspace modes existed lives in its volume. */
	assert_int_equal(back.workspace_mode, PAUDE_WORKSPACE_VOLUME);
	assert_int_equal(back.setup.nr, 0);
	paude_session_release(&back);
}

static void
check_from_labels_fails(const char *const *kv, int code, const char *msg_part)
{
	_cleanup_strvec_ struct paude_strvec labels = PAUDE_STRVEC_INIT;
	paude_strvec_pushv(&labels, kv);
	struct paude_session out = PAUDE_SESSION_INIT;
	out.name = strdup("untouched");
	_cleanup_error_ struct paude_error *err = NULL;
	assert_int_equal(paude_session_from_labels(&out, lookup, &labels, &err), code);
	if (!strstr(err->msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err->msg, msg_part);
	assert_string_equal(out.name, "untouched");
	/* Same code when the caller does not want the message. */
	assert_int_equal(paude_session_from_labels(&out, lookup, &labels, NULL), code);
	paude_session_release(&out);
}

static void
test_malformed_labels_are_eproto(void **state)
{
	(void)state;
	check_from_labels_fails((const char *const[]){ "app=paude", NULL }, PAUDE_EPROTO,
				"missing or invalid label 'paude.io/session-name'");
	check_from_labels_fails((const char *const[]){ "paude.io/session-name=../x", NULL },
				PAUDE_EPROTO, "missing or invalid label");
	check_from_labels_fails(
	    (const char *const[]){ "paude.io/session-name=x", "paude.io/agent-args=[\"a\"", NULL },
	    PAUDE_EPROTO, "label 'paude.io/agent-args': unexpected end of JSON");
	check_from_labels_fails(
	    (const char *const[]){ "paude.io/session-name=x", "paude.io/agent-args=[1]", NULL },
	    PAUDE_EPROTO, "label 'paude.io/agent-args': expected a JSON array of strings");
	check_from_labels_fails(
	    (const char *const[]){ "paude.io/session-name=x", "paude.io/allowed-domains={}", NULL },
	    PAUDE_EPROTO, "label 'paude.io/allowed-domains'");
	check_from_labels_fails((const char *const[]){ "paude.io/session-name=x",
						       "paude.io/allowed-domains=[] x", NULL },
				PAUDE_EPROTO, "label 'paude.io/allowed-domains'");
	check_from_labels_fails((const char *const[]){ "paude.io/session-name=x",
						       "paude.io/workspace-mode=host", NULL },
				PAUDE_EPROTO,
				"label 'paude.io/workspace-mode': unknown workspace mode 'host'");
	check_from_labels_fails(
	    (const char *const[]){ "paude.io/session-name=x", "paude.io/setup=\"ls\"", NULL },
	    PAUDE_EPROTO, "label 'paude.io/setup'");
}

static void
test_agent_argv_without_yolo(void **state)
{
	(void)state;
	struct paude_session s = PAUDE_SESSION_INIT;
	paude_strvec_pushl(&s.agent_args, "-p", "explain this code", NULL);
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	paude_session_agent_argv(&s, &argv);
	assert_int_equal(argv.nr, 3);
	assert_string_equal(argv.v[0], "claude");
	assert_string_equal(argv.v[1], "-p");
	assert_string_equal(argv.v[2], "explain this code");
	paude_session_release(&s);
}

static void
test_agent_argv_with_yolo_puts_flag_before_args(void **state)
{
	(void)state;
	struct paude_session s = PAUDE_SESSION_INIT;
	s.yolo = true;
	s.agent = strdup("other-agent");
	paude_strvec_push(&s.agent_args, "--verbose");
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	paude_session_agent_argv(&s, &argv);
	assert_int_equal(argv.nr, 3);
	assert_string_equal(argv.v[0], "other-agent");
	assert_string_equal(argv.v[1], "--dangerously-skip-permissions");
	assert_string_equal(argv.v[2], "--verbose");
	assert_null(argv.v[3]);
	paude_session_release(&s);
}

static void
test_list_add_and_sort_by_name(void **state)
{
	(void)state;
	struct paude_session_list l = { 0 };
	const char *names[] = { "zeta", "alpha", "mid", NULL, "beta" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct paude_session *s = paude_session_list_add(&l);
		assert_null(s->name);
		assert_non_null(s->agent_args.v);
		s->name = names[i] ? strdup(names[i]) : NULL;
	}
	/* Many more to force reallocation. */
	for (int i = 0; i < 20; i++)
		paude_session_list_add(&l)->name = strdup("zz");
	paude_session_list_sort(&l);
	assert_null(l.v[0].name);
	assert_string_equal(l.v[1].name, "alpha");
	assert_string_equal(l.v[2].name, "beta");
	assert_string_equal(l.v[3].name, "mid");
	assert_string_equal(l.v[4].name, "zeta");
	assert_int_equal(l.nr, 25);
	paude_session_list_release(&l);
	assert_int_equal(l.nr, 0);
	assert_null(l.v);
}

static void
test_state_strings(void **state)
{
	(void)state;
	assert_string_equal(paude_session_state_str(PAUDE_SESSION_RUNNING), "running");
	assert_string_equal(paude_session_state_str(PAUDE_SESSION_STOPPED), "stopped");
	assert_string_equal(paude_session_state_str(PAUDE_SESSION_CREATED), "created");
	assert_string_equal(paude_session_state_str(PAUDE_SESSION_UNKNOWN), "unknown");
	assert_string_equal(paude_session_state_str((enum paude_session_state)42), "unknown");
}

static void
test_now_is_rfc3339_utc(void **state)
{
	(void)state;
	_cleanup_free_ char *t = paude_now_rfc3339();
	assert_int_equal(strlen(t), 20);
	assert_int_equal(t[4], '-');
	assert_int_equal(t[10], 'T');
	assert_int_equal(t[19], 'Z');
	assert_true(strncmp(t, "2020", 4) > 0);
}

static void
test_list_take_moves_sessions_out(void **state)
{
	(void)state;
	struct paude_session_list from = { 0 }, to = { 0 };
	const char *names[] = { "b", "a", "c" };
	for (size_t i = 0; i < 3; i++)
		paude_session_list_add(&from)->name = strdup(names[i]);
	struct paude_session s = PAUDE_SESSION_INIT;
	s.name = strdup("old");
	assert_false(paude_session_list_take(&s, &from, "zz"));
	assert_string_equal(s.name, "old");
	assert_true(paude_session_list_take(&s, &from, "a"));
	assert_string_equal(s.name, "a");
	assert_null(from.v[1].name);
	paude_session_list_take_all(&to, &from);
	assert_int_equal(from.nr, 0);
	assert_int_equal(to.nr, 3);
	assert_string_equal(to.v[0].name, "b");
	assert_string_equal(to.v[2].name, "c");
	assert_false(paude_session_list_take(&s, &to, "a"));
	paude_session_release(&s);
	paude_session_list_release(&from);
	paude_session_list_release(&to);
}

static void
assert_empty_vec(const struct paude_strvec *sv)
{
	assert_int_equal(sv->nr, 0);
	assert_non_null(sv->v);
	assert_null(sv->v[0]);
}

/* Declared with the _INIT macros, a session is what paude_session_init makes:
 * every vector empty and usable, every pointer NULL, and release frees what
 * was added (the leak checkers of `make asan` and valgrind see it). */
static void
test_init_macros_give_empty_usable_sessions(void **state)
{
	(void)state;
	struct paude_session s = PAUDE_SESSION_INIT;
	struct paude_session_spec spec = PAUDE_SESSION_SPEC_INIT;
	struct paude_session_list l = PAUDE_SESSION_LIST_INIT;
	struct paude_session *both[] = { &s, &spec.meta };
	for (size_t i = 0; i < 2; i++) {
		struct paude_session *x = both[i];
		struct paude_strvec *vecs[] = {
			&x->agent_args,   &x->allowed_domains, &x->allow_private_dst,
			&x->venv_shadows, &x->setup,           &x->remote_env,
			&x->forward_ports
		};
		assert_null(x->name);
		assert_null(x->backend);
		assert_null(x->location);
		assert_null(x->gateway);
		assert_int_equal(x->state, 0);
		assert_true(paude_lifecycle_empty(&x->lifecycle));
		for (size_t k = 0; k < sizeof(vecs) / sizeof(vecs[0]); k++) {
			assert_empty_vec(vecs[k]);
			paude_strvec_push(vecs[k], "x");
		}
		paude_lifecycle_add(&x->lifecycle, PAUDE_HOOK_POST_CREATE, "a");
	}
	assert_empty_vec(&spec.env);
	paude_strvec_push(&spec.env, "K=V");
	assert_null(spec.mounts);
	assert_null(l.v);
	assert_int_equal(l.nr, 0);
	paude_session_list_add(&l)->name = strdup("n");
	paude_session_release(&s);
	paude_session_spec_release(&spec);
	paude_session_list_release(&l);
}

int
main(void)
{
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_macros_give_empty_usable_sessions),
		cmocka_unit_test(test_valid_names_are_accepted),
		cmocka_unit_test(test_list_take_moves_sessions_out),
		cmocka_unit_test(test_invalid_names_are_usage_errors),
		cmocka_unit_test(test_control_characters_are_shown_escaped),
		cmocka_unit_test(test_long_names_are_rejected),
		cmocka_unit_test(test_long_invalid_name_is_shown_cut),
		cmocka_unit_test(test_name_from_dir_derives_valid_names),
		cmocka_unit_test(test_name_from_dir_ignores_trailing_slashes),
		cmocka_unit_test(test_name_from_dir_falls_back_to_session),
		cmocka_unit_test(test_name_from_dir_caps_length),
		cmocka_unit_test(test_labels_round_trip),
		cmocka_unit_test(test_labels_round_trip_empty_lists_and_no_yolo),
		cmocka_unit_test(test_from_labels_tolerates_missing_optional_labels),
		cmocka_unit_test(test_malformed_labels_are_eproto),
		cmocka_unit_test(test_agent_argv_without_yolo),
		cmocka_unit_test(test_agent_argv_with_yolo_puts_flag_before_args),
		cmocka_unit_test(test_list_add_and_sort_by_name),
		cmocka_unit_test(test_state_strings),
		cmocka_unit_test(test_limits_round_trip_through_labels_and_default),
		cmocka_unit_test(test_now_is_rfc3339_utc),
	};
	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
