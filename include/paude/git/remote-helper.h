/* SPDX-License-Identifier: MIT */
/*
 * The git remote-helper protocol, as far as git-remote-paude speaks it
 * (gitremote-helpers(7)): git writes one command per line on the helper's
 * stdin and reads the answers on its stdout.
 *
 *   "capabilities"          -> we answer "*connect\n\n"
 *   "option NAME VALUE"     -> "unsupported\n" (we do not advertise options)
 *   "connect SERVICE"       -> "\n", then the stream belongs to SERVICE
 *   ""                      -> end of commands
 *
 * Parsing is a pure function over one line, so it can be fuzzed on its own.
 */
#ifndef PAUDE_REMOTE_HELPER_H
#define PAUDE_REMOTE_HELPER_H

#include <stddef.h>
#include "paude/core/error.h"
#include "paude/core/buf.h"

/* A command line longer than this is a protocol error (git's are < 100). */
#define PAUDE_RH_LINE_MAX 1024

enum paude_rh_kind {
	PAUDE_RH_END = 0, /* blank line */
	PAUDE_RH_CAPABILITIES,
	PAUDE_RH_OPTION,
	PAUDE_RH_CONNECT,
};

/* The git services a session can run for us. */
enum paude_git_service {
	PAUDE_GIT_UPLOAD_PACK = 0,
	PAUDE_GIT_RECEIVE_PACK,
	PAUDE_GIT_UPLOAD_ARCHIVE,
};

struct paude_rh_cmd {
	enum paude_rh_kind kind;
	enum paude_git_service service; /* PAUDE_RH_CONNECT only */
};

/*
 * Parse one command line (without its '\n'; a trailing '\r' is not
 * accepted). PAUDE_EPROTO for an unknown command, an unknown service, NUL
 * bytes or an over-long line; *out is untouched on failure.
 */
int paude_rh_parse(struct paude_rh_cmd *out, const char *line, size_t len,
		   struct paude_error **err);

/* "git-upload-pack", "git-receive-pack", "git-upload-archive". */
const char *paude_git_service_name(enum paude_git_service s);
/* Service by its name; PAUDE_EPROTO if unknown. */
int paude_git_service_from_name(enum paude_git_service *out, const char *name, size_t len,
				struct paude_error **err);

/*
 * Read one line from fd into line (reset first), without the '\n'. Reads a
 * byte at a time on purpose: nothing past the newline may be consumed,
 * because after "connect" the same fd is handed to another program.
 * Returns 0; PAUDE_ENOTFOUND at end of input before any byte (the normal
 * end: *err is not filled); PAUDE_EPROTO for a line longer than
 * PAUDE_RH_LINE_MAX or cut short by end of input.
 */
int paude_rh_read_line(int fd, struct paude_buf *line, struct paude_error **err);

#endif
