/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/image/features.c and lib/image/oci.c: option names, install
 * order, the feature tar, metadata defaults, references, the Bearer
 * challenge, and the whole anonymous token flow against a small HTTP
 * server on loopback run by the test itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "scratch.h"
#include "paude/image/features.h"
#include "paude/core/fs.h"
#include "paude/image/oci.h"
#include "paude/core/sha256.h"

static void
test_option_env_names_follow_the_spec(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "version", "VERSION" },
		{ "installTools", "INSTALLTOOLS" },
		{ "node-version", "NODE_VERSION" },
		{ "2nd-word", "_ND_WORD" },
		{ "__x", "_X" },
		{ "9", "_" },
		{ "a.b c", "A_B_C" },
		{ "-lead", "_LEAD" },
		{ "Already_OK1", "ALREADY_OK1" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = paude_feature_option_env(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

static void
test_ref_parse(void **state)
{
	(void)state;
	struct paude_oci_ref r = { 0 };
	assert_int_equal(paude_oci_ref_parse(&r, "ghcr.io/devcontainers/features/go:1", NULL), 0);
	assert_string_equal(r.registry, "ghcr.io");
	assert_string_equal(r.repository, "devcontainers/features/go");
	assert_string_equal(r.tag, "1");
	assert_null(r.digest);
	char *res = paude_oci_ref_resource(&r);
	assert_string_equal(res, "ghcr.io/devcontainers/features/go");
	free(res);
	paude_oci_ref_release(&r);
	assert_int_equal(paude_oci_ref_parse(&r, "localhost:5000/a/b", NULL), 0);
	assert_string_equal(r.registry, "localhost:5000");
	assert_string_equal(r.tag, "latest");
	paude_oci_ref_release(&r);
	assert_int_equal(
	    paude_oci_ref_parse(&r,
				"r.io/x@sha256:"
				"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				NULL),
	    0);
	assert_null(r.tag);
	assert_non_null(r.digest);
	paude_oci_ref_release(&r);
	const char *bad[] = { "noslash",          "/x/y",      "r.io/../x:1", "r.io/x:", "r.io/X:1",
			      "r.io/x@sha256:12", "-r.io/x:1", "r.io/x:a b" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct paude_error *err = NULL;
		assert_int_equal(paude_oci_ref_parse(&r, bad[i], &err), PAUDE_EUSAGE);
		paude_error_free(err);
	}
}

static void
test_challenge_parse(void **state)
{
	(void)state;
	char *realm, *service, *scope;
	assert_int_equal(
	    paude_oci_parse_challenge("Bearer realm=\"https://ghcr.io/token\","
				      "service=\"ghcr.io\",scope=\"repository:a/b:pull\"",
				      &realm, &service, &scope),
	    0);
	assert_string_equal(realm, "https://ghcr.io/token");
	assert_string_equal(service, "ghcr.io");
	assert_string_equal(scope, "repository:a/b:pull");
	free(realm);
	free(service);
	free(scope);
	assert_int_equal(paude_oci_parse_challenge("Basic realm=\"x\"", &realm, &service, &scope),
			 -1);
	assert_int_equal(paude_oci_parse_challenge("Bearer service=x", &realm, &service, &scope),
			 -1);
	assert_null(realm);
}

/* Release a feature that is not in a set. */
static void
release_one(struct paude_feature *f)
{
	struct paude_feature_set s = { .v = malloc(sizeof(*f)), .nr = 1 };
	s.v[0] = *f;
	paude_feature_set_release(&s);
}

/* --- a tar writer for the tests --- */

static void
tar_add(struct paude_buf *t, const char *name, const char *data, unsigned mode, char type)
{
	unsigned char h[512] = { 0 };
	size_t n = data ? strlen(data) : 0;
	(void)snprintf((char *)h, 100, "%s", name);
	(void)snprintf((char *)h + 100, 8, "%07o", mode);
	(void)snprintf((char *)h + 124, 12, "%011o", (unsigned)(n & 077777777));
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	paude_buf_add(t, h, sizeof(h), NULL);
	if (n) {
		paude_buf_add(t, data, n, NULL);
		static const char zero[512];
		paude_buf_add(t, zero, (512 - n % 512) % 512, NULL);
	}
}

static void
tar_end(struct paude_buf *t)
{
	static const char zero[1024];
	paude_buf_add(t, zero, sizeof(zero), NULL);
}

static void
test_untar_reads_files_and_refuses_unsafe_paths(void **state)
{
	(void)state;
	_cleanup_buf_ struct paude_buf t = PAUDE_BUF_INIT;
	tar_add(&t, "./", NULL, 0755, '5');
	tar_add(&t, "./install.sh", "#!/bin/sh\necho hi\n", 0755, '0');
	tar_add(&t, "./devcontainer-feature.json", "{\"id\":\"x\"}", 0644, '0');
	tar_add(&t, "./lib/", NULL, 0755, '5');
	tar_add(&t, "./lib/a.sh", "a", 0644, '0');
	tar_add(&t, "./link", NULL, 0777, '2');
	tar_end(&t);
	struct paude_feature f = { 0 };
	assert_int_equal(paude_feature_untar(&f, t.buf, t.len, NULL), 0);
	assert_int_equal(f.n_files, 3);
	assert_string_equal(f.files[0].path, "install.sh");
	assert_int_equal(f.files[0].mode, 0755);
	assert_string_equal((char *)f.files[0].data, "#!/bin/sh\necho hi\n");
	assert_string_equal(f.files[2].path, "lib/a.sh");
	assert_int_equal(f.files[2].mode, 0644);
	release_one(&f);

	const char *bad[] = { "../evil", "/etc/passwd", "a/../../b" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
		tar_add(&b, bad[i], "x", 0644, '0');
		tar_end(&b);
		struct paude_feature g = { 0 };
		struct paude_error *err = NULL;
		assert_int_equal(paude_feature_untar(&g, b.buf, b.len, &err), PAUDE_EPROTO);
		assert_non_null(strstr(err->msg, "unsafe path"));
		paude_error_free(err);
		release_one(&g);
	}
	/* Cut short. */
	_cleanup_buf_ struct paude_buf c = PAUDE_BUF_INIT;
	tar_add(&c, "x", "0123456789", 0644, '0');
	struct paude_feature g = { 0 };
	struct paude_error *err = NULL;
	assert_int_equal(paude_feature_untar(&g, c.buf, 515, &err), PAUDE_EPROTO);
	paude_error_free(err);
	release_one(&g);
}

/* A feature built in memory with the given metadata. */
static void
make_feature(struct paude_feature *f, const char *ref, const char *resource, const char *meta,
	     const char *const *user_opts, size_t order)
{
	memset(f, 0, sizeof(*f));
	paude_strvec_init(&f->options);
	paude_strvec_init(&f->container_env);
	paude_strvec_init(&f->installs_after);
	paude_strvec_init(&f->depends_on);
	f->ref = strdup(ref);
	f->resource = strdup(resource);
	f->tag = strdup("1");
	f->file_order = order;
	_cleanup_buf_ struct paude_buf t = PAUDE_BUF_INIT;
	tar_add(&t, "devcontainer-feature.json", meta, 0644, '0');
	tar_add(&t, "install.sh", "#!/bin/sh\n", 0755, '0');
	tar_end(&t);
	assert_int_equal(paude_feature_untar(f, t.buf, t.len, NULL), 0);
	struct paude_feature_ref u = { .ref = (char *)ref, .options = PAUDE_STRVEC_INIT };
	for (size_t i = 0; user_opts && user_opts[i]; i++)
		paude_strvec_push(&u.options, user_opts[i]);
	struct paude_error *err = NULL;
	int r = paude_feature_load_metadata(f, &u, &err);
	if (r < 0)
		fail_msg("%s", err->msg);
	paude_strvec_clear(&u.options);
}

static void
test_metadata_applies_defaults_and_user_options(void **state)
{
	(void)state;
	struct paude_feature_set s = { .v = calloc(1, sizeof(struct paude_feature)), .nr = 1 };
	const char *opts[] = { "version=1.21", "install-tools=true", NULL };
	make_feature(&s.v[0], "r.io/f/go:1", "r.io/f/go",
		     "{ // JSONC\n\"id\":\"go\",\"version\":\"1.0.0\",\"options\":{"
		     "\"version\":{\"type\":\"string\",\"default\":\"latest\"},"
		     "\"golangciLintVersion\":{\"type\":\"string\",\"default\":\"\"},"
		     "\"install-tools\":{\"type\":\"boolean\",\"default\":false},"
		     "\"debug\":{\"type\":\"boolean\",\"default\":true}},"
		     "\"containerEnv\":{\"GOPATH\":\"/go\",\"PATH\":\"/go/bin:${PATH}\"},"
		     "\"installsAfter\":[\"r.io/f/common:1\"],\"dependsOn\":{\"r.io/f/x:2\":{}},}",
		     opts, 0);
	struct paude_feature *f = &s.v[0];
	assert_string_equal(f->id, "go");
	assert_string_equal(f->version, "1.0.0");
	assert_int_equal(f->options.nr, 4);
	assert_string_equal(f->options.v[0], "DEBUG=true");
	assert_string_equal(f->options.v[1], "GOLANGCILINTVERSION=");
	assert_string_equal(f->options.v[2], "INSTALL_TOOLS=true");
	assert_string_equal(f->options.v[3], "VERSION=1.21");
	assert_int_equal(f->n_user_options, 2);
	assert_string_equal(f->container_env.v[1], "PATH=/go/bin:${PATH}");
	assert_string_equal(f->installs_after.v[0], "r.io/f/common");
	assert_string_equal(f->depends_on.v[0], "r.io/f/x");
	paude_feature_set_release(&s);
}

static void
test_metadata_without_install_sh_or_id_is_an_error(void **state)
{
	(void)state;
	struct paude_feature f = { 0 };
	f.ref = strdup("r.io/x:1");
	_cleanup_buf_ struct paude_buf t = PAUDE_BUF_INIT;
	tar_add(&t, "devcontainer-feature.json", "{\"version\":\"1\"}", 0644, '0');
	tar_add(&t, "install.sh", "#!/bin/sh\n", 0755, '0');
	tar_end(&t);
	assert_int_equal(paude_feature_untar(&f, t.buf, t.len, NULL), 0);
	struct paude_error *err = NULL;
	assert_int_equal(paude_feature_load_metadata(&f, NULL, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "\"id\""));
	paude_error_free(err);
	release_one(&f);
}

static const char *
order_of(struct paude_feature_set *s, char *buf, size_t n)
{
	buf[0] = '\0';
	size_t o = 0;
	for (size_t i = 0; i < s->nr; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? " " : "", s->v[i].id);
	return buf;
}

static void
test_install_order_rounds_installs_after_depends_on(void **state)
{
	(void)state;
	struct paude_feature_set s = { .v = calloc(5, sizeof(struct paude_feature)), .nr = 5 };
	/* File order: node, python, common, zed, alpha. node installsAfter
	 * python and common; python dependsOn common; zed installsAfter a
	 * feature that is not configured (ignored). */
	make_feature(&s.v[0], "r.io/f/node:1", "r.io/f/node",
		     "{\"id\":\"node\",\"installsAfter\":[\"r.io/f/python\",\"r.io/f/common:2\"]}",
		     NULL, 0);
	make_feature(&s.v[1], "r.io/f/python:1", "r.io/f/python",
		     "{\"id\":\"python\",\"dependsOn\":{\"r.io/f/common:1\":{}}}", NULL, 1);
	make_feature(&s.v[2], "r.io/f/common:1", "r.io/f/common", "{\"id\":\"common\"}", NULL, 2);
	make_feature(&s.v[3], "r.io/f/zed:1", "r.io/f/zed",
		     "{\"id\":\"zed\",\"installsAfter\":[\"r.io/f/absent\"]}", NULL, 3);
	make_feature(&s.v[4], "r.io/f/alpha:1", "r.io/f/alpha", "{\"id\":\"alpha\"}", NULL, 4);
	assert_int_equal(paude_feature_set_order(&s, NULL), 0);
	char buf[256];
	/* Round 1 (by resource name): alpha common zed; round 2: python; round 3: node. */
	assert_string_equal(order_of(&s, buf, sizeof(buf)), "alpha common zed python node");
	paude_feature_set_release(&s);
}

static void
test_install_order_more_user_options_first_then_file_order(void **state)
{
	(void)state;
	struct paude_feature_set s = { .v = calloc(3, sizeof(struct paude_feature)), .nr = 3 };
	const char *one[] = { "a=1", NULL };
	make_feature(&s.v[0], "r.io/f/same:1", "r.io/f/same", "{\"id\":\"first\"}", NULL, 0);
	make_feature(&s.v[1], "r.io/f/same:1", "r.io/f/same", "{\"id\":\"second\"}", NULL, 1);
	make_feature(&s.v[2], "r.io/f/same:1", "r.io/f/same", "{\"id\":\"opts\"}", one, 2);
	assert_int_equal(paude_feature_set_order(&s, NULL), 0);
	char buf[256];
	assert_string_equal(order_of(&s, buf, sizeof(buf)), "opts first second");
	paude_feature_set_release(&s);
}

static void
test_install_order_missing_dependency_and_cycle_are_errors(void **state)
{
	(void)state;
	struct paude_feature_set s = { .v = calloc(2, sizeof(struct paude_feature)), .nr = 2 };
	make_feature(&s.v[0], "r.io/f/a:1", "r.io/f/a",
		     "{\"id\":\"a\",\"dependsOn\":{\"r.io/f/gone:1\":{}}}", NULL, 0);
	make_feature(&s.v[1], "r.io/f/b:1", "r.io/f/b", "{\"id\":\"b\"}", NULL, 1);
	struct paude_error *err = NULL;
	assert_int_equal(paude_feature_set_order(&s, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "'r.io/f/gone', which is not in the configuration"));
	paude_error_free(err);
	paude_feature_set_release(&s);

	s.v = calloc(2, sizeof(struct paude_feature));
	s.nr = 2;
	make_feature(&s.v[0], "r.io/f/a:1", "r.io/f/a",
		     "{\"id\":\"a\",\"installsAfter\":[\"r.io/f/b\"]}", NULL, 0);
	make_feature(&s.v[1], "r.io/f/b:1", "r.io/f/b",
		     "{\"id\":\"b\",\"installsAfter\":[\"r.io/f/a\"]}", NULL, 1);
	err = NULL;
	assert_int_equal(paude_feature_set_order(&s, &err), PAUDE_EUSAGE);
	assert_non_null(strstr(err->msg, "cycle"));
	paude_error_free(err);
	paude_feature_set_release(&s);
}

/* --- a registry on loopback that wants a bearer token --- */

struct fake_registry {
	int fd;
	unsigned port;
	pthread_t thread;
	struct paude_buf layer; /* the feature tar */
	char manifest[1024];
	char layer_digest[80];
	bool corrupt; /* serve different bytes than the digest says */
	struct paude_strvec log; /* "METHOD PATH auth=..." per request */
	int requests;
};

static void
respond(int c, const char *status, const char *headers, const void *body, size_t n)
{
	char head[1024];
	int k = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			 status, n, headers);
	(void)!write(c, head, (size_t)k);
	if (n)
		(void)!write(c, body, n);
}

static void *
serve(void *arg)
{
	struct fake_registry *f = arg;
	for (;;) {
		int c = accept(f->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		char req[4096];
		size_t got = 0;
		while (got < sizeof(req) - 1) {
			ssize_t n = read(c, req + got, sizeof(req) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[got] = '\0';
		char method[8] = "", path[1024] = "";
		(void)sscanf(req, "%7s %1023s", method, path);
		const char *auth = strcasestr(req, "\r\nAuthorization: Bearer ");
		char token[64] = "";
		if (auth)
			(void)sscanf(auth + 24, "%63s", token);
		paude_strvec_pushf(&f->log, "%s %s auth=%s", method, path, token);
		f->requests++;
		if (!strncmp(path, "/token?", 7)) {
			const char *b = "{\"token\":\"t0k3n\"}";
			respond(c, "200 OK", "Content-Type: application/json\r\n", b, strlen(b));
		} else if (strcmp(token, "t0k3n") != 0) {
			char h[512];
			(void)snprintf(
			    h, sizeof(h),
			    "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%u/token\","
			    "service=\"fake-registry\",scope=\"repository:feat/x:pull\"\r\n",
			    f->port);
			respond(c, "401 Unauthorized", h, "", 0);
		} else if (!strcmp(path, "/v2/feat/x/manifests/1")) {
			respond(c, "200 OK",
				"Content-Type: application/vnd.oci.image.manifest.v1+json\r\n",
				f->manifest, strlen(f->manifest));
		} else if (!strncmp(path, "/v2/feat/x/blobs/", 17)) {
			if (f->corrupt)
				respond(c, "200 OK", "", "not the layer", 13);
			else
				respond(c, "200 OK", "", f->layer.buf, f->layer.len);
		} else {
			respond(c, "404 Not Found", "", "", 0);
		}
		close(c);
	}
}

static char cache_dir[256];
static const struct paude_oci_opts oci = { .cache_dir = cache_dir };

static int
registry_setup(void **state)
{
	struct fake_registry *f = calloc(1, sizeof(*f));
	paude_strvec_init(&f->log);
	paude_buf_init(&f->layer, 0);
	tar_add(&f->layer, "./devcontainer-feature.json", "{\"id\":\"x\",\"version\":\"1.0.0\"}",
		0644, '0');
	tar_add(&f->layer, "./install.sh", "#!/bin/sh\necho x\n", 0755, '0');
	tar_end(&f->layer);
	char hex[PAUDE_SHA256_HEX_LEN + 1];
	paude_sha256_hex(f->layer.buf, f->layer.len, hex);
	(void)snprintf(f->layer_digest, sizeof(f->layer_digest), "sha256:%s", hex);
	(void)snprintf(f->manifest, sizeof(f->manifest),
		       "{\"schemaVersion\":2,\"mediaType\":\"" PAUDE_OCI_MANIFEST_TYPE "\","
		       "\"layers\":[{\"mediaType\":\"" PAUDE_FEATURE_LAYER_TYPE "\","
		       "\"digest\":\"%s\",\"size\":%zu}]}",
		       f->layer_digest, f->layer.len);
	f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (bind(f->fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(f->fd, 16) < 0)
		return -1;
	socklen_t len = sizeof(a);
	getsockname(f->fd, (struct sockaddr *)&a, &len);
	f->port = ntohs(a.sin_port);
	pthread_create(&f->thread, NULL, serve, f);
	(void)snprintf(cache_dir, sizeof(cache_dir), "/tmp/paude-test-features-XXXXXX");
	if (!mkdtemp(cache_dir))
		return -1;
	*state = f;
	return 0;
}

static int
registry_teardown(void **state)
{
	struct fake_registry *f = *state;
	shutdown(f->fd, SHUT_RDWR);
	close(f->fd);
	pthread_join(f->thread, NULL);
	paude_buf_release(&f->layer);
	paude_strvec_clear(&f->log);
	free(f);
	scratch_remove(cache_dir);
	return 0;
}

static void
test_fetch_follows_the_token_flow_verifies_and_caches(void **state)
{
	struct fake_registry *f = *state;
	char ref[128];
	(void)snprintf(ref, sizeof(ref), "127.0.0.1:%u/feat/x:1", f->port);
	struct paude_oci_fetched got = { 0 };
	struct paude_error *err = NULL;
	int r = paude_oci_fetch_feature(&got, ref, &oci, &err);
	if (r < 0)
		fail_msg("%s", err->msg);
	assert_false(got.from_cache);
	assert_string_equal(got.layer_digest, f->layer_digest);
	assert_int_equal(got.layer.len, f->layer.len);
	assert_memory_equal(got.layer.buf, f->layer.buf, f->layer.len);
	paude_buf_release(&got.layer);
	/* 401, token, manifest with the token, blob with the token. */
	assert_int_equal(f->log.nr, 4);
	assert_string_equal(f->log.v[0], "GET /v2/feat/x/manifests/1 auth=");
	assert_non_null(strstr(
	    f->log.v[1], "GET /token?service=fake-registry&scope=repository%3Afeat%2Fx%3Apull"));
	assert_string_equal(f->log.v[2], "GET /v2/feat/x/manifests/1 auth=t0k3n");
	assert_non_null(strstr(f->log.v[3], "/v2/feat/x/blobs/sha256:"));
	assert_non_null(strstr(f->log.v[3], "auth=t0k3n"));

	/* Again: the manifest is asked for, the layer comes from the cache. */
	paude_strvec_clear(&f->log);
	struct paude_oci_fetched again = { 0 };
	assert_int_equal(paude_oci_fetch_feature(&again, ref, &oci, NULL), 0);
	assert_true(again.from_cache);
	assert_int_equal(again.layer.len, f->layer.len);
	paude_buf_release(&again.layer);
	for (size_t i = 0; i < f->log.nr; i++)
		assert_null(strstr(f->log.v[i], "/blobs/"));
}

static void
test_fetch_refuses_a_layer_that_does_not_match_its_digest(void **state)
{
	struct fake_registry *f = *state;
	f->corrupt = true;
	char ref[128];
	(void)snprintf(ref, sizeof(ref), "127.0.0.1:%u/feat/x:1", f->port);
	struct paude_oci_fetched got = { 0 };
	struct paude_error *err = NULL;
	assert_int_equal(paude_oci_fetch_feature(&got, ref, &oci, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "does not match its digest"));
	paude_error_free(err);
	/* Nothing cached. */
	char path[512];
	(void)snprintf(path, sizeof(path), "%s/%s/layer.tar", cache_dir, f->layer_digest + 7);
	assert_false(paude_exists(path));
}

static void
test_fetch_missing_feature_is_not_found(void **state)
{
	struct fake_registry *f = *state;
	char ref[128];
	(void)snprintf(ref, sizeof(ref), "127.0.0.1:%u/feat/x:2", f->port);
	struct paude_oci_fetched got = { 0 };
	struct paude_error *err = NULL;
	assert_int_equal(paude_oci_fetch_feature(&got, ref, &oci, &err), PAUDE_ENOTFOUND);
	assert_non_null(strstr(err->msg, "not found"));
	paude_error_free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_env_names_follow_the_spec),
		cmocka_unit_test(test_ref_parse),
		cmocka_unit_test(test_challenge_parse),
		cmocka_unit_test(test_untar_reads_files_and_refuses_unsafe_paths),
		cmocka_unit_test(test_metadata_applies_defaults_and_user_options),
		cmocka_unit_test(test_metadata_without_install_sh_or_id_is_an_error),
		cmocka_unit_test(test_install_order_rounds_installs_after_depends_on),
		cmocka_unit_test(test_install_order_more_user_options_first_then_file_order),
		cmocka_unit_test(test_install_order_missing_dependency_and_cycle_are_errors),
		cmocka_unit_test_setup_teardown(
		    test_fetch_follows_the_token_flow_verifies_and_caches, registry_setup,
		    registry_teardown),
		cmocka_unit_test_setup_teardown(
		    test_fetch_refuses_a_layer_that_does_not_match_its_digest, registry_setup,
		    registry_teardown),
		cmocka_unit_test_setup_teardown(test_fetch_missing_feature_is_not_found,
						registry_setup, registry_teardown),
	};
	return cmocka_run_group_tests_name("features", tests, NULL, NULL);
}
