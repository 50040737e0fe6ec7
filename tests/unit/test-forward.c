/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/agent/forward.c: port specs, the relay's argv, listening on
 * loopback only, and a connection carried through the session's exec
 * channel (the fake runner answers for podman exec, so the bytes a client
 * gets are the reply's).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "fake-runner.h"
#include "scratch.h"
#include "paude/backend/backend.h"
#include "paude/agent/forward.h"

static char scratch[256];

static int
setup(void **state)
{
	(void)state;
	(void)snprintf(scratch, sizeof(scratch), "/tmp/paude-test-forward-XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	setenv("XDG_STATE_HOME", scratch, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	scratch_remove(scratch);
	return 0;
}

static void
test_port_specs(void **state)
{
	(void)state;
	struct paude_forward f;
	assert_int_equal(paude_forward_parse(&f, "web", "3000", NULL), 0);
	assert_int_equal(f.port, 3000);
	assert_int_equal(f.host_port, 3000);
	assert_int_equal(f.fd, -1);
	assert_string_equal(f.session, "web");
	assert_int_equal(paude_forward_parse(&f, "web", "5173:15173", NULL), 0);
	assert_int_equal(f.port, 5173);
	assert_int_equal(f.host_port, 15173);
	const char *bad[] = { "0", "65536", "", ":1", "1:", "x", "1:2:3", "-1", "123456", "80 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct paude_error *err = NULL;
		assert_int_equal(paude_forward_parse(&f, "web", bad[i], &err), PAUDE_EUSAGE);
		assert_non_null(strstr(err->msg, "invalid port"));
		paude_error_free(err);
	}
	struct paude_error *err = NULL;
	assert_int_equal(paude_forward_parse(&f, "-x", "80", &err), PAUDE_EUSAGE);
	paude_error_free(err);
}

static void
test_relay_is_fixed_text_with_the_port_as_an_argument(void **state)
{
	(void)state;
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	paude_forward_relay_argv(&argv, 8080);
	assert_int_equal(argv.nr, 5);
	assert_string_equal(argv.v[0], "bash");
	assert_string_equal(argv.v[1], "-c");
	assert_non_null(strstr(argv.v[2], "exec 3<>\"/dev/tcp/127.0.0.1/$1\""));
	assert_null(strstr(argv.v[2], "8080"));
	assert_string_equal(argv.v[3], "paude-forward");
	assert_string_equal(argv.v[4], "8080");
}

static unsigned short
free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t n = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void
test_listens_on_loopback_only_and_says_when_taken(void **state)
{
	(void)state;
	struct paude_forward f;
	char spec[16];
	(void)snprintf(spec, sizeof(spec), "80:%u", free_port());
	assert_int_equal(paude_forward_parse(&f, "web", spec, NULL), 0);
	assert_int_equal(paude_forward_listen(&f, NULL), 0);
	struct sockaddr_in a;
	socklen_t n = sizeof(a);
	assert_int_equal(getsockname(f.fd, (struct sockaddr *)&a, &n), 0);
	assert_int_equal(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(a.sin_port), f.host_port);
	struct paude_forward g = f;
	g.fd = -1;
	struct paude_error *err = NULL;
	assert_int_equal(paude_forward_listen(&g, &err), PAUDE_EEXISTS);
	assert_non_null(strstr(err->msg, "is already in use"));
	paude_error_free(err);
	close(f.fd);
}

struct serve_args {
	struct paude_backend *b;
	struct paude_forward *f;
	int r;
};

static void *
serve_thread(void *p)
{
	struct serve_args *a = p;
	a->r = paude_forward_serve(a->b, a->f, 1, true, NULL);
	return NULL;
}

static void
test_a_connection_goes_through_the_session_exec_channel(void **state)
{
	(void)state;
	const struct fake_reply replies[] = {
		{ .prefix = FAKE_ARGV("podman", "exec", "--interactive", "paude-web", "bash", "-c"),
		  .out = "HTTP/1.0 200 OK\r\n\r\nfrom the session\n" },
	};
	struct fake_runner fr;
	fake_runner_init(&fr, replies, 1);
	struct paude_backend *b = NULL;
	assert_int_equal(paude_backend_open_name(&b, "podman", &fr.runner, NULL), 0);
	struct paude_forward f;
	char spec[16];
	(void)snprintf(spec, sizeof(spec), "3000:%u", free_port());
	assert_int_equal(paude_forward_parse(&f, "web", spec, NULL), 0);
	assert_int_equal(paude_forward_listen(&f, NULL), 0);
	struct serve_args args = { .b = b, .f = &f, .r = -1 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, serve_thread, &args), 0);

	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(f.host_port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	char buf[256] = { 0 };
	size_t got = 0;
	for (ssize_t k; (k = read(c, buf + got, sizeof(buf) - 1 - got)) > 0;)
		got += (size_t)k;
	close(c);
	assert_string_equal(buf, "HTTP/1.0 200 OK\r\n\r\nfrom the session\n");
	assert_string_equal(
	    fake_runner_call(&fr, 0),
	    "podman exec --interactive paude-web bash -c 'exec "
	    "3<>\"/dev/tcp/127.0.0.1/$1\" || exit 1\ncat <&0 >&3 &\ncat <&3\nkill $! "
	    "2>/dev/null\nexit 0\n' paude-forward 3000");

	/* While it serves, it is listed with our pid; stopped, it is not. */
	struct paude_forward *v = NULL;
	size_t n = 0;
	assert_int_equal(paude_forward_list(&v, &n, "web", NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].pid, getpid());
	assert_int_equal(v[0].port, 3000);
	assert_int_equal(v[0].host_port, f.host_port);
	free(v);
	assert_int_equal(paude_forward_list(&v, &n, "other", NULL), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(args.r, 0);
	assert_int_equal(paude_forward_list(&v, &n, NULL, NULL), 0);
	assert_int_equal(n, 0);
	free(v);
	close(f.fd);
	paude_backend_free(b);
	fake_runner_release(&fr);
}

static void
test_stale_records_are_dropped(void **state)
{
	(void)state;
	char dir[300], path[400];
	(void)snprintf(dir, sizeof(dir), "%s/paude/forwards", scratch);
	scratch_write(scratch, "paude/forwards/web-3000", "999999999 web 3000 3000\n");
	scratch_write(scratch, "paude/forwards/junk", "not a record\n");
	struct paude_forward *v = NULL;
	size_t n = 0;
	assert_int_equal(paude_forward_list(&v, &n, NULL, NULL), 0);
	assert_int_equal(n, 0);
	free(v);
	(void)snprintf(path, sizeof(path), "%s/web-3000", dir);
	assert_int_equal(access(path, F_OK), -1);
	size_t stopped = 9;
	assert_int_equal(paude_forward_stop("web", 0, &stopped, NULL), 0);
	assert_int_equal(stopped, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_specs),
		cmocka_unit_test(test_relay_is_fixed_text_with_the_port_as_an_argument),
		cmocka_unit_test(test_listens_on_loopback_only_and_says_when_taken),
		cmocka_unit_test_setup_teardown(
		    test_a_connection_goes_through_the_session_exec_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_records_are_dropped, setup, teardown),
	};
	/* PAUDE_TEST_FILTER=PATTERN (with * and ?) runs only the matching tests. */
	cmocka_set_test_filter(getenv("PAUDE_TEST_FILTER"));
	return cmocka_run_group_tests_name("forward", tests, NULL, NULL);
}
