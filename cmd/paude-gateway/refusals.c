/* SPDX-License-Identifier: MIT */
/*
 * GET /paude/refusals: the hosts squid (next to the gateway in the sidecar)
 * refused lately, for the agent's pane to show when the agent exits
 * (paude-session). Only what the agent itself asked for is in that log, so
 * the answer tells it nothing it could not know; no header, path or query
 * of a request ever leaves the sidecar this way, only host names (letters,
 * digits, '.', '-', '_') and the time of the refusal.
 *
 * squid's native log line:
 *   TIME.MS ELAPSED CLIENT ACTION/CODE SIZE METHOD URL USER HIER TYPE
 * where a CONNECT's URL is host:port and any other's scheme://host[:port]/...
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gateway.h"

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

int
gw_refusal_parse(const char *line, size_t len, long long *when, char *host, size_t host_len)
{
	const char *f[7], *fe[7];
	size_t nf = 0;
	const char *p = line, *end = line + len;
	while (p < end && nf < GW_ARRAY_SIZE(f)) {
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
		return -1;
	static const char denied[] = "TCP_DENIED/";
	if ((size_t)(fe[3] - f[3]) < sizeof(denied) - 1 ||
	    memcmp(f[3], denied, sizeof(denied) - 1) != 0)
		return -1;
	long long t = 0;
	const char *q = f[0];
	for (; q < fe[0] && *q >= '0' && *q <= '9' && t < (1LL << 40); q++)
		t = t * 10 + (*q - '0');
	if (q == f[0] || (q < fe[0] && *q != '.'))
		return -1;
	const char *u = f[6], *ue = fe[6];
	for (q = u; q + 2 < ue; q++)
		if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
			u = q + 3;
			break;
		}
	size_t n = 0;
	while (u + n < ue && name_char(u[n]))
		n++;
	if (n == 0 || n >= host_len || (u + n < ue && u[n] != ':' && u[n] != '/'))
		return -1;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)(u[i] >= 'A' && u[i] <= 'Z' ? u[i] - 'A' + 'a' : u[i]);
	host[n] = '\0';
	*when = t;
	return 0;
}

void
gw_refusals_collect(const char *log, size_t len, size_t max, struct gw_buf *out)
{
	struct {
		long long when;
		char host[256];
	} seen[GW_REFUSALS_MAX];
	size_t n = 0;
	if (max > GW_REFUSALS_MAX)
		max = GW_REFUSALS_MAX;
	for (const char *p = log, *end = log + len; p < end && max;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break; /* a line squid is still writing */
		long long when = 0;
		char host[256];
		if (gw_refusal_parse(p, (size_t)(eol - p), &when, host, sizeof(host)) == 0) {
			/* One line per host, at its latest refusal, in order of those. */
			size_t i = 0;
			while (i < n && strcmp(seen[i].host, host) != 0)
				i++;
			if (i < n || n == max) {
				if (i == n)
					i = 0; /* full: the oldest goes */
				memmove(&seen[i], &seen[i + 1], (n - i - 1) * sizeof(seen[0]));
				n--;
			}
			seen[n].when = when;
			memcpy(seen[n].host, host, strlen(host) + 1);
			n++;
		}
		p = eol + 1;
	}
	for (size_t i = 0; i < n; i++)
		(void)gw_buf_addf(out, "%lld %s\n", seen[i].when, seen[i].host);
}

int
gw_refusals_read(const char *path, struct gw_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0; /* no squid here (an unrestricted session): nothing refused */
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	off_t from =
	    st.st_size > (off_t)GW_REFUSALS_TAIL ? st.st_size - (off_t)GW_REFUSALS_TAIL : 0;
	struct gw_buf tail = { .max = GW_REFUSALS_TAIL };
	char chunk[8192];
	ssize_t r;
	while ((r = pread(fd, chunk, sizeof(chunk), from)) > 0) {
		if (gw_buf_add(&tail, chunk, (size_t)r) < 0)
			break;
		from += r;
	}
	close(fd);
	const char *p = tail.buf ? tail.buf : "";
	size_t len = tail.len;
	/* A tail that starts mid-line: from the first whole line. */
	if (st.st_size > (off_t)GW_REFUSALS_TAIL) {
		const char *nl = memchr(p, '\n', len);
		len = nl ? len - (size_t)(nl + 1 - p) : 0;
		p = nl ? nl + 1 : p;
	}
	gw_refusals_collect(p, len, GW_REFUSALS_MAX, out);
	gw_buf_release(&tail);
	return 0;
}
