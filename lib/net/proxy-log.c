/* SPDX-License-Identifier: MIT */
/*
 * squid's native access log line:
 *   TIME.MS ELAPSED CLIENT ACTION/CODE SIZE METHOD URL USER HIERARCHY/PEER TYPE
 * e.g. "1732900000.123 0 10.98.3.2 TCP_DENIED/403 3902 CONNECT
 * api.anthropic.com:443 - HIER_NONE/- text/html". A CONNECT's URL is
 * host:port; other methods have scheme://host[:port]/path.
 */
#include <string.h>
#include <stdlib.h>
#include "paude/net/proxy-log.h"
#include "core/banned.h"

#define MAX_FIELDS 10

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* host[:port] from the start of s (up to end); false if not a name. */
static bool
take_host(struct paude_proxy_entry *e, const char *s, const char *end)
{
	const char *p = s;
	while (p < end && name_char(*p))
		p++;
	size_t n = (size_t)(p - s);
	if (n == 0 || n >= sizeof(e->host))
		return false;
	unsigned port = 0;
	if (p < end && *p == ':') {
		const char *q = ++p;
		while (p < end && *p >= '0' && *p <= '9' && port <= 65535)
			port = port * 10 + (unsigned)(*p++ - '0');
		if (p == q || port > 65535)
			return false;
	}
	if (p < end && *p != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		e->host[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	e->host[n] = '\0';
	e->port = port;
	return true;
}

int
paude_proxy_log_parse(struct paude_proxy_entry *out, const char *line, size_t len,
		      struct paude_error **err)
{
	const char *f[MAX_FIELDS], *fe[MAX_FIELDS];
	size_t nf = 0;
	const char *p = line, *end = line + len;
	while (p < end && nf < MAX_FIELDS) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		f[nf] = p;
		while (p < end && *p != ' ')
			p++;
		fe[nf++] = p;
	}
	if (nf < 7)
		return paude_error_set(err, PAUDE_EPROTO, 0, "not a proxy log line");
	struct paude_proxy_entry e = { 0 };
	/* TIME: digits, then an optional fraction. */
	long long t = 0;
	const char *q = f[0];
	for (; q < fe[0] && *q >= '0' && *q <= '9' && t < (1LL << 40); q++)
		t = t * 10 + (*q - '0');
	if (q == f[0] || (q < fe[0] && *q != '.'))
		return paude_error_set(err, PAUDE_EPROTO, 0, "not a proxy log line");
	e.time = t;
	/* ACTION/CODE */
	const char *slash = memchr(f[3], '/', (size_t)(fe[3] - f[3]));
	if (!slash)
		return paude_error_set(err, PAUDE_EPROTO, 0, "not a proxy log line");
	int code = 0;
	for (q = slash + 1; q < fe[3] && *q >= '0' && *q <= '9' && code < 1000; q++)
		code = code * 10 + (*q - '0');
	if (q != fe[3])
		return paude_error_set(err, PAUDE_EPROTO, 0, "not a proxy log line");
	e.code = code;
	static const char denied[] = "TCP_DENIED";
	e.refused = (size_t)(slash - f[3]) >= sizeof(denied) - 1 &&
		    !memcmp(f[3], denied, sizeof(denied) - 1);
	/* METHOD: letters */
	size_t mlen = (size_t)(fe[5] - f[5]);
	if (mlen == 0 || mlen >= sizeof(e.method))
		return paude_error_set(err, PAUDE_EPROTO, 0, "not a proxy log line");
	for (size_t i = 0; i < mlen; i++) {
		char c = f[5][i];
		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z'))
			return paude_error_set(err, PAUDE_EPROTO, 0, "not a proxy log line");
		e.method[i] = c;
	}
	/* URL */
	const char *u = f[6], *ue = fe[6];
	const char *scheme = NULL;
	for (q = u; q + 2 < ue; q++)
		if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
			scheme = q + 3;
			break;
		}
	if (!take_host(&e, scheme ? scheme : u, ue))
		e.host[0] = '\0';
	*out = e;
	return 0;
}
