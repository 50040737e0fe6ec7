/* SPDX-License-Identifier: MIT */
/*
 * Reading the session proxy's access log (squid's native format, one
 * request a line): when, allowed or refused, and which host. The log holds
 * what the agent asked for, so it is untrusted: a host name is kept only
 * when it is made of DNS name characters, and nothing else of the line is.
 */
#ifndef PAUDE_PROXY_LOG_H
#define PAUDE_PROXY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include "paude/core/error.h"

struct paude_proxy_entry {
	long long time; /* Unix seconds */
	int code; /* HTTP status squid answered */
	unsigned port; /* 0 when not given (HTTP: 80) */
	char method[16]; /* CONNECT, GET, ...: letters only */
	char host[254]; /* lower case; "" when the line named no valid host */
	bool refused; /* by the policy (squid: TCP_DENIED) */
};

/*
 * Parse one line (without its newline) into *out. PAUDE_EPROTO, *out
 * untouched, when it is not a squid access log line.
 */
int paude_proxy_log_parse(struct paude_proxy_entry *out, const char *line, size_t len,
			  struct paude_error **err);

#endif
