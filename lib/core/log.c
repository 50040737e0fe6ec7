/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <stdarg.h>
#include "paude/core/log.h"
#include "paude/core/sanitize.h"
#include "core/banned.h"

static enum paude_log_level current_level = PAUDE_LOG_INFO;
static const char *prog = "paude";
static int color = -1;
static bool color_allowed = true;

void
paude_log_init(const char *progname, const char *level, const char *no_color, const char *term)
{
	if (progname)
		prog = progname;
	color_allowed = !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
	color = -1;
	const char *env = level;
	if (!env || !*env)
		return;
	static const char *const names[] = { "error", "warn", "info", "verbose", "debug", "trace" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(env, names[i])) {
			current_level = (enum paude_log_level)i;
			return;
		}
	/* A typo must not silently cost the user the traces they asked for. */
	paude_log(PAUDE_LOG_WARN,
		  "unknown PAUDE_LOG value '%.40s' ignored (use: error, warn, info, verbose, "
		  "debug, trace)",
		  env);
}

void
paude_log_set_level(enum paude_log_level level)
{
	current_level = level;
}

enum paude_log_level
paude_log_get_level(void)
{
	return current_level;
}

bool
paude_log_enabled(enum paude_log_level level)
{
	return level <= current_level;
}

bool
paude_log_color(void)
{
	if (color < 0)
		color = color_allowed && isatty(STDERR_FILENO);
	return color;
}

void
paude_vlog(enum paude_log_level level, const char *fmt, va_list ap)
{
	if (!paude_log_enabled(level))
		return;
	int saved = errno;
	bool c = paude_log_color();
	switch (level) {
	case PAUDE_LOG_ERROR:
		(void)fprintf(stderr, "%s%s: error:%s ", c ? "\033[1;31m" : "", prog,
			      c ? "\033[0m" : "");
		break;
	case PAUDE_LOG_WARN:
		(void)fprintf(stderr, "%s%s: warning:%s ", c ? "\033[1;33m" : "", prog,
			      c ? "\033[0m" : "");
		break;
	case PAUDE_LOG_INFO:
	case PAUDE_LOG_VERBOSE:
		break;
	case PAUDE_LOG_DEBUG:
	case PAUDE_LOG_TRACE:
		(void)fprintf(stderr, "%s: debug: ", prog);
		break;
	}
	/*
	 * Messages carry what sessions produced (a failed command's stderr, a
	 * name from a label): one sanitizer for all of them, so nothing here
	 * can reach the terminal as an escape sequence.
	 */
	_cleanup_buf_ struct paude_buf msg = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_buf_vaddf(&msg, NULL, fmt, ap);
	paude_sanitize(&safe, msg.buf, msg.len, PAUDE_SANITIZE_LINES);
	/* Nothing sensible to do when stderr itself fails. */
	(void)fputs(safe.buf, stderr);
	(void)fputc('\n', stderr);
	(void)fflush(stderr);
	errno = saved;
}

void
paude_log(enum paude_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	paude_vlog(level, fmt, ap);
	va_end(ap);
}
