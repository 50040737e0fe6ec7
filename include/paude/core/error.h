/* SPDX-License-Identifier: MIT */
/*
 * The error type. Every fallible library function returns int (PAUDE_OK or
 * a negative PAUDE_E* code) and takes `struct paude_error **err` last. On
 * failure it fills *err (if err is not NULL and *err is NULL: the first, most
 * specific error wins) and returns the code; outputs are left untouched.
 * Only main() prints errors.
 *
 * Message style: lower case, no full stop, subject in single quotes, the
 * failure first, then a hint in parentheses:
 *   session 'x' is not running (start it with: paude start x)
 */
#ifndef PAUDE_ERROR_H
#define PAUDE_ERROR_H

#include "paude/core/macro.h"

enum {
	PAUDE_OK = 0,
	PAUDE_EGENERIC = -1,
	PAUDE_ENOTFOUND = -2,
	PAUDE_EEXISTS = -3,
	PAUDE_EUSAGE = -4, /* bad user input: exit status 2 */
	PAUDE_ECHILD = -5, /* a tool exited non-zero; msg carries its stderr tail */
	PAUDE_EPROTO = -6, /* malformed data from a tool, a file or a peer */
	PAUDE_ENOTSUP = -7, /* backend operation not provided */
	PAUDE_ESTATE = -8, /* object in the wrong state (not running, ...) */
	PAUDE_EOS = -9, /* a system call failed; sys_errno says why */
	PAUDE_EINTR = -10, /* interrupted by a signal (Ctrl-C): exit status 130 */
};

struct paude_error {
	int code;
	int sys_errno; /* errno when the failure came from the OS, else 0 */
	int child_status; /* exit status of the failed child for PAUDE_ECHILD */
	char *msg;
};

/* Fill *err (if err && !*err) and return code. */
int paude_error_set(struct paude_error **err, int code, int sys_errno, const char *fmt, ...)
    _printf_(4, 5);
/* Like paude_error_set with PAUDE_EOS and ": strerror(errno)" appended. */
int paude_error_errno(struct paude_error **err, int sys_errno, const char *fmt, ...) _printf_(3, 4);
/* Prefix the message of *err (when there is one) with context: "ctx: old
 * message". Returns code whatever err holds, so a caller can pass the code
 * it got on: `return paude_error_wrap(err, r, "cannot stop '%s'", name);` */
int paude_error_wrap(struct paude_error **err, int code, const char *fmt, ...) _printf_(3, 4);
void paude_error_free(struct paude_error *err);
/* Release *err and set it to NULL (for code that recovers from an error). */
void paude_error_clear(struct paude_error **err);
/* The exit status for an error code: 0 ok, 2 usage, 130 interrupted, 1 anything else. */
int paude_error_exit_code(int code);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct paude_error *, paude_error_free)
#define _cleanup_error_ _cleanup_(paude_error_freep)

#endif
