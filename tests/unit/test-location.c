/* SPDX-License-Identifier: MIT */
/*
 * Where a session lives: the location type's strings (stored and typed)
 * round trip, and the one resolver finds sessions through the local Podman
 * and the index, asking the engines exactly what it should.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "paude/session/address.h"
#include "paude/core/fs.h"
#include "paude/session/index.h"
#include "paude/backend/locate.h"

/* This machine's runner only: hosts cannot be reached. */
#define REACH(f) (&(const struct paude_reach){ .local = &(f).runner })
#include "paude/session/location.h"
#include "fake-runner.h"

static char tmpdir[] = "/tmp/paude-test-location-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	/* A private index, and no oc on PATH: the cluster backend drives kubectl. */
	setenv("XDG_STATE_HOME", tmpdir, 1);
	setenv("PATH", tmpdir, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char path[512];
	(void)snprintf(path, sizeof(path), "%s/paude/sessions.json", tmpdir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/paude", tmpdir);
	(void)rmdir(path);
	(void)rmdir(tmpdir);
	return 0;
}

static void
reset_index(void)
{
	char path[512];
	(void)snprintf(path, sizeof(path), "%s/paude/sessions.json", tmpdir);
	(void)unlink(path);
}

static int
record(const char *name, const char *context, const char *namespace)
{
	const struct paude_location at = {
		.kind = PAUDE_LOCATION_CLUSTER,
		.context = (char *)context,
		.namespace = (char *)namespace,
	};
	return paude_index_put(name, &at, NULL);
}

/* The address prefix of s's location, formatted back. */
static void
assert_address_round_trip(const char *s)
{
	struct paude_address a = PAUDE_ADDRESS_INIT;
	assert_int_equal(paude_address_parse(&a, s, NULL), 0);
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_address_format(&a, &b);
	assert_string_equal(b.buf, s);
	/* The location alone is the address without its name. */
	paude_buf_reset(&b);
	paude_location_format(&a.where, &b);
	assert_int_equal(strlen(s), b.len + strlen(a.name));
	assert_memory_equal(b.buf, s, b.len);
	paude_buf_release(&b);
	paude_address_release(&a);
}

static void
test_address_forms_format_back_to_themselves(void **state)
{
	(void)state;
	assert_address_round_trip("demo");
	assert_address_round_trip("podman/demo");
	assert_address_round_trip("openshift/team/demo");
	assert_address_round_trip("kubernetes/team/demo");
	assert_address_round_trip("openshift/admin@crc:6443/team/demo");
}

static void
test_stored_location_round_trips_and_splits_at_the_last_slash(void **state)
{
	(void)state;
	struct paude_location l = PAUDE_LOCATION_INIT;
	struct paude_buf b = PAUDE_BUF_INIT;
	static const char *const wheres[] = { "team", "ctx1/team", "ctx/with/slash/team" };
	for (size_t i = 0; i < ARRAY_SIZE(wheres); i++) {
		assert_int_equal(paude_location_from_stored(&l, "openshift", wheres[i], NULL), 0);
		assert_int_equal(l.kind, PAUDE_LOCATION_CLUSTER);
		assert_int_equal(l.flavour, PAUDE_CLUSTER_OPENSHIFT);
		assert_string_equal(l.namespace, "team");
		paude_buf_reset(&b);
		paude_location_format_where(&l, &b);
		assert_string_equal(b.buf, wheres[i]);
		assert_string_equal(paude_location_backend_name(&l), "openshift");
	}
	assert_string_equal(l.context, "ctx/with/slash");

	/* A podman session has no location string; it formats to none. */
	assert_int_equal(paude_location_from_stored(&l, "podman", NULL, NULL), 0);
	assert_int_equal(l.kind, PAUDE_LOCATION_PODMAN);
	assert_null(l.context);
	assert_null(l.namespace);
	paude_buf_reset(&b);
	paude_location_format_where(&l, &b);
	assert_int_equal(b.len, 0);
	paude_location_format(&l, &b);
	assert_string_equal(b.buf, "podman/");

	/* What cannot be a place is refused, and *out left alone. */
	struct paude_error *err = NULL;
	assert_int_equal(paude_location_from_stored(&l, "docker", NULL, &err), PAUDE_EPROTO);
	assert_string_equal(err->msg, "unknown backend 'docker'");
	paude_error_clear(&err);
	assert_int_equal(paude_location_from_stored(&l, "openshift", "", &err), PAUDE_EPROTO);
	paude_error_clear(&err);
	assert_int_equal(paude_location_from_stored(&l, NULL, "team", &err), PAUDE_EPROTO);
	paude_error_free(err);
	assert_int_equal(l.kind, PAUDE_LOCATION_PODMAN);
	paude_location_release(&l);
	paude_buf_release(&b);
}

static void
test_backend_names_are_the_only_spellings(void **state)
{
	(void)state;
	struct paude_location l = PAUDE_LOCATION_INIT;
	assert_null(paude_location_backend_name(&l));
	assert_true(paude_location_set_backend(&l, "kubernetes", 10));
	assert_int_equal(l.kind, PAUDE_LOCATION_CLUSTER);
	assert_int_equal(l.flavour, PAUDE_CLUSTER_KUBERNETES);
	assert_string_equal(paude_location_backend_name(&l), "kubernetes");
	/* Exact names only: no prefix, no case folding. */
	assert_false(paude_location_set_backend(&l, "podma", 5));
	assert_false(paude_location_set_backend(&l, "Podman", 6));
	assert_false(paude_location_set_backend(&l, "openshiftx", 10));
	assert_int_equal(l.kind, PAUDE_LOCATION_CLUSTER);
	assert_true(paude_location_set_backend(&l, "podman/x", 6));
	assert_int_equal(l.kind, PAUDE_LOCATION_PODMAN);
	l.kind = PAUDE_LOCATION_SSH;
	assert_string_equal(paude_location_backend_name(&l), "podman");
}

static void
test_equal_compares_the_place_not_the_spelling(void **state)
{
	(void)state;
	struct paude_location a = { .kind = PAUDE_LOCATION_CLUSTER, .namespace = (char *)"team" };
	struct paude_location b = a;
	b.flavour = PAUDE_CLUSTER_KUBERNETES;
	assert_true(paude_location_equal(&a, &b));
	b.context = (char *)"c1";
	assert_false(paude_location_equal(&a, &b));
	a.context = (char *)"c1";
	assert_true(paude_location_equal(&a, &b));
	b.namespace = (char *)"other";
	assert_false(paude_location_equal(&a, &b));

	struct paude_location p = { .kind = PAUDE_LOCATION_PODMAN };
	struct paude_location any = PAUDE_LOCATION_INIT;
	assert_false(paude_location_equal(&p, &any));
	assert_false(paude_location_equal(&p, &a));

	struct paude_location h1 = { .kind = PAUDE_LOCATION_SSH,
				     .host = (char *)"box",
				     .port = 22 };
	struct paude_location h2 = h1;
	assert_true(paude_location_equal(&h1, &h2));
	h2.port = 2222;
	assert_false(paude_location_equal(&h1, &h2));
	h2.port = 22;
	h2.user = (char *)"me";
	assert_false(paude_location_equal(&h1, &h2));
	assert_false(paude_location_equal(&h1, &p));
}

static void
test_copy_is_deep_and_ssh_formats_as_a_host(void **state)
{
	(void)state;
	char user[] = "me", host[] = "box.example";
	const struct paude_location h = {
		.kind = PAUDE_LOCATION_SSH, .user = user, .host = host, .port = 2222
	};
	_cleanup_location_ struct paude_location c = PAUDE_LOCATION_INIT;
	paude_location_copy(&c, &h);
	assert_ptr_not_equal(c.host, h.host);
	assert_true(paude_location_equal(&c, &h));
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_location_format(&c, &b);
	assert_string_equal(b.buf, "ssh://me@box.example:2222/");
	free(c.user);
	c.user = NULL;
	c.port = 0;
	paude_buf_reset(&b);
	paude_location_format(&c, &b);
	assert_string_equal(b.buf, "ssh://box.example/");
	paude_buf_release(&b);
}

/* The index is written as before the location type: existing files still read. */
static void
test_index_file_keeps_its_bytes(void **state)
{
	(void)state;
	reset_index();
	assert_int_equal(record("demo", "ctx/a", "team"), 0);
	assert_int_equal(record("two", NULL, "other"), 0);
	char path[512];
	(void)snprintf(path, sizeof(path), "%s/paude/sessions.json", tmpdir);
	struct paude_buf b = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&b, path, NULL), 0);
	assert_string_equal(b.buf, "{\n"
				   "  \"version\": 1,\n"
				   "  \"sessions\": {\n"
				   "    \"demo\": {\n"
				   "      \"backend\": \"openshift\",\n"
				   "      \"context\": \"ctx/a\",\n"
				   "      \"namespace\": \"team\"\n"
				   "    },\n"
				   "    \"two\": {\n"
				   "      \"backend\": \"openshift\",\n"
				   "      \"namespace\": \"other\"\n"
				   "    }\n"
				   "  }\n"
				   "}\n");
	paude_buf_release(&b);

	/* What an older paude wrote reads as cluster locations; other backends drop. */
	struct paude_index ix = { 0 };
	const char doc[] =
	    "{\"sessions\":{\"a\":{\"backend\":\"openshift\",\"namespace\":\"n\"},"
	    "\"k\":{\"backend\":\"kubernetes\",\"context\":\"c\",\"namespace\":\"n\"},"
	    "\"p\":{\"backend\":\"podman\",\"namespace\":\"n\"}}}";
	assert_int_equal(paude_index_parse(&ix, doc, strlen(doc), NULL), 0);
	assert_int_equal(ix.nr, 2);
	const struct paude_index_entry *k = paude_index_find(&ix, "k");
	assert_int_equal(k->where.kind, PAUDE_LOCATION_CLUSTER);
	assert_int_equal(k->where.flavour, PAUDE_CLUSTER_KUBERNETES);
	assert_string_equal(k->where.context, "c");
	assert_null(paude_index_find(&ix, "p"));
	paude_index_release(&ix);
	reset_index();
}

static void
test_where_trusts_the_address_then_the_index_then_podman(void **state)
{
	(void)state;
	reset_index();
	assert_int_equal(record("demo", "c1", "team"), 0);
	const struct paude_location any = PAUDE_LOCATION_INIT;
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	paude_locate_where(&at, &any, "demo");
	assert_int_equal(at.kind, PAUDE_LOCATION_CLUSTER);
	assert_string_equal(at.context, "c1");
	assert_string_equal(at.namespace, "team");
	paude_locate_where(&at, &any, "elsewhere");
	assert_int_equal(at.kind, PAUDE_LOCATION_PODMAN);
	const struct paude_location given = { .kind = PAUDE_LOCATION_PODMAN };
	paude_locate_where(&at, &given, "demo");
	assert_int_equal(at.kind, PAUDE_LOCATION_PODMAN);
	reset_index();
}

static void
test_find_asks_podman_then_the_recorded_namespace(void **state)
{
	(void)state;
	reset_index();
	assert_int_equal(record("demo", NULL, "team"), 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
		{ .prefix = FAKE_ARGV("kubectl", "--namespace=team", "get", "statefulsets"),
		  .out = "{\"items\":[]}" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	const struct paude_location any = PAUDE_LOCATION_INIT;
	struct paude_backend *b = NULL;
	struct paude_session s;
	paude_session_init(&s);
	struct paude_error *err = NULL;
	assert_int_equal(paude_locate_find(&b, &s, "demo", &any, REACH(f), NULL, &err),
			 PAUDE_ENOTFOUND);
	assert_string_equal(err->msg,
			    "session 'demo' is recorded in namespace 'team' but is gone from the "
			    "cluster (forget it with: paude delete demo --confirm)");
	paude_error_clear(&err);
	assert_null(b);
	assert_int_equal(f.calls.nr, 2);
	assert_int_equal(strncmp(fake_runner_call(&f, 0), "podman ps ", 10), 0);
	assert_string_equal(fake_runner_call(&f, 1),
			    "kubectl --namespace=team get statefulsets --selector "
			    "app=paude,paude.io/session-name=demo --output json");
	fake_runner_release(&f);

	/* A session in neither: the local engine's answer. */
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(paude_locate_find(&b, &s, "ghost", &any, REACH(f), NULL, &err),
			 PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "session 'ghost' not found (list sessions with: paude list)");
	paude_error_clear(&err);
	assert_int_equal(f.calls.nr, 1);
	fake_runner_release(&f);

	/* Narrowed to a cluster: podman is not asked, the index not read. */
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	const struct paude_location ns = { .kind = PAUDE_LOCATION_CLUSTER,
					   .namespace = (char *)"team" };
	assert_int_equal(paude_locate_find(&b, &s, "ghost", &ns, REACH(f), NULL, &err),
			 PAUDE_ENOTFOUND);
	paude_error_clear(&err);
	assert_int_equal(f.calls.nr, 1);
	assert_int_equal(fake_runner_find(&f, "kubectl --namespace=team get statefulsets"), 0);
	fake_runner_release(&f);

	/* A bad name is refused before anything runs. */
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(paude_locate_find(&b, &s, "Bad!", &any, REACH(f), NULL, &err),
			 PAUDE_EUSAGE);
	paude_error_free(err);
	assert_int_equal(f.calls.nr, 0);
	fake_runner_release(&f);
	paude_session_release(&s);
	reset_index();
}

static void
test_list_asks_each_recorded_namespace_once_and_warns_for_failures(void **state)
{
	(void)state;
	reset_index();
	assert_int_equal(record("a", NULL, "team"), 0);
	assert_int_equal(record("b", NULL, "team"), 0);
	assert_int_equal(record("c", "c1", "other"), 0);
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
		{ .prefix = FAKE_ARGV("kubectl", "--namespace=team", "get", "statefulsets"),
		  .out = "{\"items\":[]}" },
		{ .prefix = FAKE_ARGV("kubectl", "--context=c1"),
		  .errout = "error: You must be logged in to the server (Unauthorized)\n",
		  .status = 1 },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	const struct paude_location any = PAUDE_LOCATION_INIT;
	struct paude_session_list l = { 0 };
	struct paude_strvec warnings = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_locate_list(&l, &any, REACH(f), &warnings, NULL), 0);
	assert_int_equal(l.nr, 0);
	assert_int_equal(f.calls.nr, 3);
	assert_int_equal(strncmp(fake_runner_call(&f, 0), "podman ps ", 10), 0);
	assert_int_equal(fake_runner_find(&f, "kubectl --namespace=team get statefulsets"), 1);
	assert_int_equal(
	    fake_runner_find(&f, "kubectl --context=c1 --namespace=other get statefulsets"), 2);
	assert_int_equal(warnings.nr, 1);
	assert_non_null(strstr(warnings.v[0], "cannot list the sessions in namespace 'other' "
					      "(context 'c1'): "));
	paude_strvec_clear(&warnings);
	fake_runner_release(&f);

	/* Narrowed: only that backend is asked. */
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	const struct paude_location podman = { .kind = PAUDE_LOCATION_PODMAN };
	assert_int_equal(paude_locate_list(&l, &podman, REACH(f), &warnings, NULL), 0);
	assert_int_equal(f.calls.nr, 1);
	assert_int_equal(warnings.nr, 0);
	fake_runner_release(&f);
	paude_session_list_release(&l);
	reset_index();
}

static void
test_list_fails_only_when_nothing_answered(void **state)
{
	(void)state;
	reset_index();
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"),
		  .errout = "Error: cannot connect to Podman\n",
		  .status = 125 },
		{ .prefix = FAKE_ARGV("kubectl"), .out = "{\"items\":[]}" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	const struct paude_location any = PAUDE_LOCATION_INIT;
	struct paude_session_list l = { 0 };
	struct paude_strvec warnings = PAUDE_STRVEC_INIT;
	struct paude_error *err = NULL;
	assert_true(paude_locate_list(&l, &any, REACH(f), &warnings, &err) < 0);
	assert_non_null(err);
	paude_error_clear(&err);
	assert_int_equal(warnings.nr, 0);
	fake_runner_release(&f);

	/* A recorded namespace answered: podman's failure is a warning. */
	assert_int_equal(record("a", NULL, "team"), 0);
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	assert_int_equal(paude_locate_list(&l, &any, REACH(f), &warnings, &err), 0);
	assert_null(err);
	assert_int_equal(warnings.nr, 1);
	assert_int_equal(strncmp(warnings.v[0], "cannot list the podman sessions: ", 33), 0);
	paude_strvec_clear(&warnings);
	paude_session_list_release(&l);
	fake_runner_release(&f);
	reset_index();
}

/* Two cluster sessions, one's workspace inside the other's. */
static const char two_sts[] =
    "{\"kind\":\"List\",\"items\":["
    "{\"metadata\":{\"name\":\"paude-demo\",\"labels\":{\"app\":\"paude\","
    "\"paude.io/session-name\":\"demo\"},\"annotations\":{"
    "\"paude.io/workspace\":\"/w/demo\"}},"
    "\"spec\":{\"replicas\":1},\"status\":{\"readyReplicas\":1}},"
    "{\"metadata\":{\"name\":\"paude-inner\",\"labels\":{\"app\":\"paude\","
    "\"paude.io/session-name\":\"inner\"},\"annotations\":{"
    "\"paude.io/workspace\":\"/w/demo/inner\"}},"
    "\"spec\":{\"replicas\":0},\"status\":{}}"
    "]}";

static void
test_resolve_by_directory_and_listed_sessions_reopen_where_they_are(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("kubectl", "--context=c1", "--namespace=team", "get",
				      "statefulsets"),
		  .out = two_sts },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	const struct paude_location at = { .kind = PAUDE_LOCATION_CLUSTER,
					   .context = (char *)"c1",
					   .namespace = (char *)"team" };
	struct paude_backend *b = NULL;
	struct paude_session s;
	paude_session_init(&s);
	struct paude_error *err = NULL;

	/* The innermost workspace holding the directory wins. */
	assert_int_equal(
	    paude_locate_resolve(&b, &s, NULL, "/w/demo/inner/src", &at, REACH(f), NULL, &err), 0);
	assert_string_equal(s.name, "inner");
	assert_true(paude_backend_is(b, PAUDE_LOCATION_CLUSTER));
	/* Its stored location is the place it was listed at. */
	assert_string_equal(s.location, "c1/team");
	_cleanup_location_ struct paude_location stored = PAUDE_LOCATION_INIT;
	assert_int_equal(paude_location_from_stored(&stored, s.backend, s.location, NULL), 0);
	assert_true(paude_location_equal(&stored, &at));
	paude_backend_free(b);
	b = NULL;

	/* Opening a listed session goes to its own place, whatever the narrowing. */
	const struct paude_location any = PAUDE_LOCATION_INIT;
	assert_int_equal(paude_locate_session_backend(&b, &s, &any, REACH(f), NULL), 0);
	assert_true(paude_backend_is(b, PAUDE_LOCATION_CLUSTER));
	paude_backend_free(b);
	b = NULL;

	assert_int_equal(
	    paude_locate_resolve(&b, &s, NULL, "/w/demo/docs", &at, REACH(f), NULL, &err), 0);
	assert_string_equal(s.name, "demo");
	paude_backend_free(b);
	b = NULL;

	/* Outside every workspace, two sessions: name one. */
	assert_int_equal(
	    paude_locate_resolve(&b, &s, NULL, "/elsewhere", &at, REACH(f), NULL, &err),
	    PAUDE_EUSAGE);
	assert_string_equal(err->msg,
			    "several sessions could be meant: demo, inner (name one of them)");
	paude_error_free(err);
	assert_null(b);
	paude_session_release(&s);
	fake_runner_release(&f);
}

/* A session made with create --host: the index keeps the host as given. */
static int
record_host(const char *name, const char *addr)
{
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	int r = paude_location_ssh(&at, addr, NULL);
	return r < 0 ? r : paude_index_put(name, &at, NULL);
}

static void
test_index_records_a_host_as_given(void **state)
{
	(void)state;
	reset_index();
	assert_int_equal(record_host("r", "me@gpu-box:2222"), 0);
	assert_int_equal(record("c", NULL, "team"), 0);
	char path[512];
	(void)snprintf(path, sizeof(path), "%s/paude/sessions.json", tmpdir);
	struct paude_buf b = PAUDE_BUF_INIT;
	assert_int_equal(paude_buf_read_file(&b, path, NULL), 0);
	assert_string_equal(b.buf, "{\n"
				   "  \"version\": 1,\n"
				   "  \"sessions\": {\n"
				   "    \"r\": {\n"
				   "      \"backend\": \"podman\",\n"
				   "      \"host\": \"me@gpu-box:2222\"\n"
				   "    },\n"
				   "    \"c\": {\n"
				   "      \"backend\": \"openshift\",\n"
				   "      \"namespace\": \"team\"\n"
				   "    }\n"
				   "  }\n"
				   "}\n");
	paude_buf_release(&b);
	const struct paude_location any = PAUDE_LOCATION_INIT;
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	paude_locate_where(&at, &any, "r");
	assert_int_equal(at.kind, PAUDE_LOCATION_SSH);
	assert_string_equal(at.host, "me@gpu-box:2222");
	assert_null(at.user);
	assert_int_equal(at.port, 0);

	/* A host that could be taken for an option, or odd characters: dropped. */
	struct paude_index ix = { 0 };
	const char doc[] =
	    "{\"sessions\":{\"a\":{\"backend\":\"podman\",\"host\":\"-oProxyCommand=x\"},"
	    "\"b\":{\"backend\":\"podman\",\"host\":\"box;touch x\"},"
	    "\"c\":{\"backend\":\"podman\",\"host\":\"me@-x\"},"
	    "\"d\":{\"backend\":\"podman\",\"host\":\"box\"}}}";
	assert_int_equal(paude_index_parse(&ix, doc, strlen(doc), NULL), 0);
	assert_int_equal(ix.nr, 1);
	assert_string_equal(ix.v[0].name, "d");
	paude_index_release(&ix);

	/* A listed session's stored location says the same. */
	assert_int_equal(paude_location_from_stored(&at, "podman", "me@gpu-box:2222", NULL), 0);
	assert_int_equal(at.kind, PAUDE_LOCATION_SSH);
	assert_string_equal(at.host, "me@gpu-box:2222");
	assert_int_equal(paude_location_from_stored(&at, "podman", NULL, NULL), 0);
	assert_int_equal(at.kind, PAUDE_LOCATION_PODMAN);
	assert_int_equal(paude_location_from_stored(&at, "podman", "-oX", NULL), PAUDE_EPROTO);
	struct paude_error *err = NULL;
	assert_int_equal(paude_location_ssh(&at, "a b", &err), PAUDE_EUSAGE);
	assert_string_equal(err->msg, "bad host 'a b': bad character in the host (want "
				      "[USER@]HOST[:PORT] or a name from ~/.ssh/config)");
	paude_error_free(err);
	reset_index();
}

/* The fake host: one runner per address asked for, counted. */
struct fake_hosts {
	struct fake_runner *runner;
	int calls;
	char last[64];
	int fail;
};

static int
fake_host(void *ud, const struct paude_location *at, struct paude_runner **out,
	  struct paude_error **err)
{
	struct fake_hosts *h = ud;
	h->calls++;
	(void)snprintf(h->last, sizeof(h->last), "%s", at->host);
	if (h->fail)
		return paude_error_set(err, PAUDE_EOS, 0, "connection refused");
	*out = &h->runner->runner;
	return 0;
}

static const char remote_ps[] =
    "[{\"Names\":[\"paude-r\"],\"State\":\"running\",\"Status\":\"Up\",\"Labels\":{"
    "\"app\":\"paude\",\"paude.io/role\":\"agent\",\"paude.io/session-name\":\"r\","
    "\"paude.io/workspace\":\"/w/r\",\"paude.io/allowed-domains\":\"[\\\"all\\\"]\"}}]";

static void
test_a_recorded_host_is_asked_first_and_its_sessions_carry_it(void **state)
{
	(void)state;
	reset_index();
	assert_int_equal(record_host("r", "me@gpu-box"), 0);
	/* The host is this machine (ssh to localhost): both list the container. */
	const struct fake_reply here[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = remote_ps },
	};
	const struct fake_reply there[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = remote_ps },
	};
	struct fake_runner local, remote;
	fake_runner_init(&local, here, ARRAY_SIZE(here));
	fake_runner_init(&remote, there, ARRAY_SIZE(there));
	struct fake_hosts h = { .runner = &remote };
	const struct paude_reach reach = { .local = &local.runner, .host = fake_host, .ud = &h };
	const struct paude_location any = PAUDE_LOCATION_INIT;
	struct paude_backend *b = NULL;
	struct paude_session s;
	paude_session_init(&s);

	/* By name: the host the index records; this machine is not asked. */
	assert_int_equal(paude_locate_find(&b, &s, "r", &any, &reach, NULL, NULL), 0);
	assert_int_equal(local.calls.nr, 0);
	assert_int_equal(h.calls, 1);
	assert_string_equal(h.last, "me@gpu-box");
	assert_ptr_equal(b->runner, &remote.runner);
	assert_string_equal(s.location, "me@gpu-box");
	paude_backend_free(b);
	b = NULL;
	/* Reopened from what was listed: the same host. */
	assert_int_equal(paude_locate_session_backend(&b, &s, &any, &reach, NULL), 0);
	assert_ptr_equal(b->runner, &remote.runner);
	paude_backend_free(b);
	b = NULL;
	paude_session_release(&s);
	paude_session_init(&s);

	/* Listed: this machine's and the host's, the host's marked; the
	 * recorded one once, as the host's. */
	struct paude_session_list l = { 0 };
	struct paude_strvec warnings = PAUDE_STRVEC_INIT;
	assert_int_equal(paude_locate_list(&l, &any, &reach, &warnings, NULL), 0);
	assert_int_equal(l.nr, 1);
	assert_string_equal(l.v[0].name, "r");
	assert_string_equal(l.v[0].location, "me@gpu-box");
	assert_int_equal(local.calls.nr, 1);
	assert_int_equal(warnings.nr, 0);
	paude_session_list_release(&l);

	/* A host that cannot be reached: a warning, this machine's list stands. */
	h.fail = 1;
	assert_int_equal(paude_locate_list(&l, &any, &reach, &warnings, NULL), 0);
	assert_int_equal(l.nr, 1);
	assert_null(l.v[0].location);
	paude_session_list_release(&l);
	assert_int_equal(warnings.nr, 1);
	assert_string_equal(warnings.v[0],
			    "cannot list the sessions on host 'me@gpu-box': connection refused");
	paude_strvec_clear(&warnings);
	/* Without a way to hosts: said so, nothing run here instead. */
	const struct paude_reach here_only = { .local = &local.runner };
	size_t before = local.calls.nr;
	struct paude_error *err = NULL;
	assert_int_equal(paude_locate_find(&b, &s, "r", &any, &here_only, NULL, &err),
			 PAUDE_ENOTSUP);
	assert_string_equal(err->msg, "cannot reach host 'me@gpu-box' from here");
	assert_int_equal(local.calls.nr, before);
	paude_error_clear(&err);

	/* Gone from the host: a stale entry, in words that say how to forget it. */
	h.fail = 0;
	const struct fake_reply empty[] = {
		{ .prefix = FAKE_ARGV("podman", "ps"), .out = "[]" },
	};
	fake_runner_release(&remote);
	fake_runner_init(&remote, empty, ARRAY_SIZE(empty));
	assert_int_equal(paude_locate_find(&b, &s, "r", &any, &reach, NULL, &err), PAUDE_ENOTFOUND);
	assert_string_equal(err->msg, "session 'r' is recorded on host 'me@gpu-box' but is gone "
				      "from it (forget it with: paude delete r --confirm)");
	paude_error_free(err);
	assert_null(b);
	paude_session_release(&s);
	fake_runner_release(&local);
	fake_runner_release(&remote);
	reset_index();
}

static void
test_backends_open_by_location(void **state)
{
	(void)state;
	struct paude_backend *b = NULL;
	const struct paude_location any = PAUDE_LOCATION_INIT;
	assert_int_equal(paude_backend_open(&b, &any, NULL, NULL), 0);
	assert_string_equal(b->ops->name, "podman");
	assert_true(paude_backend_is(b, PAUDE_LOCATION_PODMAN));
	assert_true(paude_backend_is(b, PAUDE_LOCATION_SSH));
	assert_false(paude_backend_is(b, PAUDE_LOCATION_CLUSTER));
	paude_backend_free(b);
	const struct paude_location at = { .kind = PAUDE_LOCATION_CLUSTER,
					   .context = (char *)"c1",
					   .namespace = (char *)"team" };
	assert_int_equal(paude_backend_open(&b, &at, NULL, NULL), 0);
	assert_true(paude_backend_is(b, PAUDE_LOCATION_CLUSTER));
	paude_backend_free(b);
	/* The cluster backend checks what it is given. */
	b = NULL;
	struct paude_error *err = NULL;
	const struct paude_location bad = { .kind = PAUDE_LOCATION_CLUSTER,
					    .namespace = (char *)"Not_A_Namespace" };
	assert_int_equal(paude_backend_open(&b, &bad, NULL, &err), PAUDE_EUSAGE);
	assert_null(b);
	paude_error_clear(&err);
	/* A remote host's sessions: never this machine's runner by default. */
	const struct paude_location host = { .kind = PAUDE_LOCATION_SSH, .host = (char *)"box" };
	assert_int_equal(paude_backend_open(&b, &host, NULL, &err), PAUDE_ENOTSUP);
	assert_string_equal(err->msg,
			    "sessions on host 'box' are reached through a connection to it");
	assert_null(b);
	paude_error_free(err);
	struct fake_runner f;
	fake_runner_init(&f, NULL, 0);
	assert_int_equal(paude_backend_open(&b, &host, &f.runner, NULL), 0);
	assert_ptr_equal(b->runner, &f.runner);
	assert_string_equal(b->ops->name, "podman");
	paude_backend_free(b);
	fake_runner_release(&f);
}

static void
test_cluster_check_says_where_it_looked(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("kubectl", "--namespace=team", "get", "statefulsets"),
		  .out = "{\"items\":[]}" },
	};
	struct fake_runner f;
	fake_runner_init(&f, replies, ARRAY_SIZE(replies));
	const struct paude_location at = { .kind = PAUDE_LOCATION_CLUSTER,
					   .namespace = (char *)"team" };
	struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open(&b, &at, &f.runner, NULL), 0);
	struct paude_buf said = PAUDE_BUF_INIT;
	assert_int_equal(paude_backend_check(b, &said, NULL), 0);
	assert_string_equal(said.buf, "kubectl answers in namespace team (0 sessions)");
	paude_buf_release(&said);
	paude_backend_free(b);
	fake_runner_release(&f);

	/* Podman has no such check. */
	const struct paude_location podman = { .kind = PAUDE_LOCATION_PODMAN };
	struct paude_error *err = NULL;
	assert_int_equal(paude_backend_open(&b, &podman, NULL, NULL), 0);
	assert_int_equal(paude_backend_check(b, &said, &err), PAUDE_ENOTSUP);
	paude_error_free(err);
	paude_backend_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_forms_format_back_to_themselves),
		cmocka_unit_test(test_stored_location_round_trips_and_splits_at_the_last_slash),
		cmocka_unit_test(test_backend_names_are_the_only_spellings),
		cmocka_unit_test(test_equal_compares_the_place_not_the_spelling),
		cmocka_unit_test(test_copy_is_deep_and_ssh_formats_as_a_host),
		cmocka_unit_test(test_index_file_keeps_its_bytes),
		cmocka_unit_test(test_where_trusts_the_address_then_the_index_then_podman),
		cmocka_unit_test(test_find_asks_podman_then_the_recorded_namespace),
		cmocka_unit_test(
		    test_list_asks_each_recorded_namespace_once_and_warns_for_failures),
		cmocka_unit_test(test_list_fails_only_when_nothing_answered),
		cmocka_unit_test(
		    test_resolve_by_directory_and_listed_sessions_reopen_where_they_are),
		cmocka_unit_test(test_index_records_a_host_as_given),
		cmocka_unit_test(test_a_recorded_host_is_asked_first_and_its_sessions_carry_it),
		cmocka_unit_test(test_backends_open_by_location),
		cmocka_unit_test(test_cluster_check_says_where_it_looked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
