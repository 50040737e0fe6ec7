/* SPDX-License-Identifier: MIT */
/* The remote-helper command parser and the unbuffered line reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <fcntl.h>
#include <cmocka.h>
#include "paude/git/remote-helper.h"

static int
parse(struct paude_rh_cmd *c, const char *s, struct paude_error **err)
{
	return paude_rh_parse(c, s, strlen(s), err);
}

static void
test_rh_parses_protocol_commands(void **state)
{
	(void)state;
	struct paude_rh_cmd c;
	assert_int_equal(parse(&c, "capabilities", NULL), 0);
	assert_int_equal(c.kind, PAUDE_RH_CAPABILITIES);
	assert_int_equal(parse(&c, "", NULL), 0);
	assert_int_equal(c.kind, PAUDE_RH_END);
	assert_int_equal(parse(&c, "option verbosity 1", NULL), 0);
	assert_int_equal(c.kind, PAUDE_RH_OPTION);
	assert_int_equal(parse(&c, "connect git-upload-pack", NULL), 0);
	assert_int_equal(c.kind, PAUDE_RH_CONNECT);
	assert_int_equal(c.service, PAUDE_GIT_UPLOAD_PACK);
	assert_int_equal(parse(&c, "connect git-receive-pack", NULL), 0);
	assert_int_equal(c.service, PAUDE_GIT_RECEIVE_PACK);
	assert_int_equal(parse(&c, "connect git-upload-archive", NULL), 0);
	assert_int_equal(c.service, PAUDE_GIT_UPLOAD_ARCHIVE);
	assert_string_equal(paude_git_service_name(PAUDE_GIT_RECEIVE_PACK), "git-receive-pack");
}

static void
bad(const char *s, size_t len, const char *what)
{
	struct paude_rh_cmd c = { .kind = PAUDE_RH_OPTION };
	struct paude_error *err = NULL;
	assert_int_equal(paude_rh_parse(&c, s, len, &err), PAUDE_EPROTO);
	assert_non_null(err);
	if (!strstr(err->msg, what))
		fail_msg("message '%s' lacks '%s'", err->msg, what);
	assert_int_equal(c.kind, PAUDE_RH_OPTION); /* untouched */
	paude_error_free(err);
}

static void
test_rh_rejects_everything_else(void **state)
{
	(void)state;
	bad("connect", 7, "unknown remote-helper command 'connect'");
	bad("connect ", 8, "unsupported service ''");
	bad("connect git-upload-pack ", 24, "unsupported service 'git-upload-pack '");
	bad("connect  git-upload-pack", 24, "unsupported service");
	bad("connect sh", 10, "unsupported service 'sh'");
	bad("connect git-upload-pack;id", 26, "unsupported service 'git-upload-pack;id'");
	bad("connect /usr/bin/git-upload-pack", 32, "unsupported service");
	bad("capabilities ", 13, "unknown remote-helper command");
	bad("capabilitiesx", 13, "unknown remote-helper command");
	bad("list", 4, "unknown remote-helper command 'list'");
	bad("fetch 0000 HEAD", 15, "unknown remote-helper command");
	bad("option", 6, "unknown remote-helper command");
	bad("option ", 7, "unknown remote-helper command");
	bad("capabilities\r", 13, "'capabilities\\x0d'");
	bad("connect git-upload-pack\0x", 25, "NUL byte");
	char big[PAUDE_RH_LINE_MAX + 2];
	memset(big, 'a', sizeof(big));
	bad(big, sizeof(big), "too long");
}

static int
pipe_with(const char *data, size_t n)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], data, n), (ssize_t)n);
	close(p[1]);
	return p[0];
}

static void
test_rh_read_line_stops_at_newline(void **state)
{
	(void)state;
	static const char in[] = "capabilities\nconnect git-upload-pack\nPACKDATA";
	int fd = pipe_with(in, sizeof(in) - 1);
	struct paude_buf line = PAUDE_BUF_INIT;
	assert_int_equal(paude_rh_read_line(fd, &line, NULL), 0);
	assert_string_equal(line.buf, "capabilities");
	assert_int_equal(paude_rh_read_line(fd, &line, NULL), 0);
	assert_string_equal(line.buf, "connect git-upload-pack");
	/* Whatever follows the connect line is still in the pipe for the service. */
	char rest[16] = { 0 };
	assert_int_equal(read(fd, rest, sizeof(rest)), 8);
	assert_string_equal(rest, "PACKDATA");
	close(fd);
	paude_buf_release(&line);
}

static void
test_rh_read_line_end_and_errors(void **state)
{
	(void)state;
	struct paude_buf line = PAUDE_BUF_INIT;
	struct paude_error *err = NULL;
	int fd = pipe_with("\n", 1);
	assert_int_equal(paude_rh_read_line(fd, &line, NULL), 0);
	assert_int_equal(line.len, 0);
	assert_int_equal(paude_rh_read_line(fd, &line, &err), PAUDE_ENOTFOUND);
	assert_null(err);
	close(fd);

	fd = pipe_with("capab", 5);
	assert_int_equal(paude_rh_read_line(fd, &line, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "cut short"));
	paude_error_clear(&err);
	close(fd);

	char big[PAUDE_RH_LINE_MAX + 10];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	fd = pipe_with(big, sizeof(big));
	assert_int_equal(paude_rh_read_line(fd, &line, &err), PAUDE_EPROTO);
	assert_non_null(strstr(err->msg, "too long"));
	paude_error_clear(&err);
	close(fd);
	paude_buf_release(&line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rh_parses_protocol_commands),
		cmocka_unit_test(test_rh_rejects_everything_else),
		cmocka_unit_test(test_rh_read_line_stops_at_newline),
		cmocka_unit_test(test_rh_read_line_end_and_errors),
	};
	return cmocka_run_group_tests_name("remote-helper", tests, NULL, NULL);
}
