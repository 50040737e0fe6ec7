/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr only (stdout belongs to machine-readable output and, in
 * git-remote-paude, to the protocol). Library code logs at DEBUG or TRACE
 * only. The level comes from -v/-q and from PAUDE_LOG
 * (error|warn|info|verbose|debug|trace), so the remote helper can be traced
 * too: -v is verbose (more messages, build output), -vv debug (every
 * command paude runs, shell-quoted), -vvv trace.
 */
#ifndef PAUDE_LOG_H
#define PAUDE_LOG_H

#include <stdbool.h>
#include <stdarg.h>
#include "paude/core/macro.h"

enum paude_log_level {
	PAUDE_LOG_ERROR = 0,
	PAUDE_LOG_WARN = 1,
	PAUDE_LOG_INFO = 2,
	PAUDE_LOG_VERBOSE = 3,
	PAUDE_LOG_DEBUG = 4,
	PAUDE_LOG_TRACE = 5,
};

/*
 * Call once at program start with what the program read from its
 * environment: level is $PAUDE_LOG (NULL or "": keep the level; an unknown
 * value is a warning, and ignored); no_color and term are $NO_COLOR and
 * $TERM (colour only on a terminal, without NO_COLOR, unless TERM is
 * "dumb"). progname NULL keeps the name.
 */
void paude_log_init(const char *progname, const char *level, const char *no_color,
		    const char *term);
void paude_log_set_level(enum paude_log_level level);
enum paude_log_level paude_log_get_level(void);
bool paude_log_enabled(enum paude_log_level level);
/* ERROR: "paude: error: msg"; WARN: "paude: warning: msg"; INFO, VERBOSE: "msg";
 * DEBUG/TRACE: "paude: debug: msg". A trailing newline is added. */
void paude_log(enum paude_log_level level, const char *fmt, ...) _printf_(2, 3);
void paude_vlog(enum paude_log_level level, const char *fmt, va_list ap) _printf_(2, 0);
/* True when stderr is a terminal and NO_COLOR is unset. */
bool paude_log_color(void);

#define paude_debug(...) paude_log(PAUDE_LOG_DEBUG, __VA_ARGS__)
#define paude_info(...) paude_log(PAUDE_LOG_INFO, __VA_ARGS__)
#define paude_verbose(...) paude_log(PAUDE_LOG_VERBOSE, __VA_ARGS__)
#define paude_warn(...) paude_log(PAUDE_LOG_WARN, __VA_ARGS__)

#endif
