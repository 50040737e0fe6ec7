/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the remote-helper command parser, fed one input as a stream
 * of lines through the same reader the helper uses, as git would send them.
 */
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "paude/git/remote-helper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Whole input as a single line first. */
	struct paude_rh_cmd cmd;
	struct paude_error *err = NULL;
	if (paude_rh_parse(&cmd, (const char *)data, size, &err) == 0) {
		if (cmd.kind == PAUDE_RH_CONNECT && !paude_git_service_name(cmd.service))
			__builtin_trap();
	} else if (!err || !err->msg) {
		__builtin_trap();
	}
	paude_error_free(err);

	/* Then line by line through the reader (inputs bigger than a pipe are cut). */
	int p[2];
	if (size > 60000 || pipe2(p, O_CLOEXEC) < 0)
		return 0;
	if (write(p[1], data, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	close(p[1]);
	struct paude_buf line = PAUDE_BUF_INIT;
	for (;;) {
		err = NULL;
		int r = paude_rh_read_line(p[0], &line, &err);
		if (r < 0) {
			paude_error_free(err);
			break;
		}
		if (line.len > PAUDE_RH_LINE_MAX || memchr(line.buf, '\n', line.len))
			__builtin_trap();
		if (paude_rh_parse(&cmd, line.buf, line.len, &err) < 0) {
			paude_error_free(err);
			continue;
		}
		if (cmd.kind == PAUDE_RH_END || cmd.kind == PAUDE_RH_CONNECT)
			break;
	}
	paude_buf_release(&line);
	close(p[0]);
	return 0;
}
