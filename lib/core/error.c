/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <string.h>
#include "paude/core/error.h"
#include "paude/core/alloc.h"
#include "core/banned.h"

int
paude_error_set(struct paude_error **err, int code, int sys_errno, const char *fmt, ...)
{
	if (!err || *err)
		return code;
	struct paude_error *e = paude_xcalloc(1, sizeof(*e));
	va_list ap;
	va_start(ap, fmt);
	e->msg = paude_xvasprintf(fmt, ap);
	va_end(ap);
	e->code = code;
	e->sys_errno = sys_errno;
	*err = e;
	return code;
}

int
paude_error_errno(struct paude_error **err, int sys_errno, const char *fmt, ...)
{
	if (!err || *err)
		return PAUDE_EOS;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = paude_xvasprintf(fmt, ap);
	va_end(ap);
	return paude_error_set(err, PAUDE_EOS, sys_errno, "%s: %s", msg, strerror(sys_errno));
}

int
paude_error_wrap(struct paude_error **err, int code, const char *fmt, ...)
{
	if (!err || !*err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *ctx = paude_xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = paude_xasprintf("%s: %s", ctx, (*err)->msg);
	free((*err)->msg);
	(*err)->msg = msg;
	return code;
}

void
paude_error_free(struct paude_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}

void
paude_error_clear(struct paude_error **err)
{
	if (err) {
		paude_error_free(*err);
		*err = NULL;
	}
}

int
paude_error_exit_code(int code)
{
	if (code == PAUDE_OK)
		return 0;
	if (code == PAUDE_EUSAGE)
		return 2;
	if (code == PAUDE_EINTR)
		return 130;
	return 1;
}
