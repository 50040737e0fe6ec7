/* SPDX-License-Identifier: MIT */
/*
 * The squid configuration for a session's proxy. squid runs as an
 * unprivileged user in its own container, in the foreground, with no cache:
 * its only job is to say yes to allowlisted names and no to everything
 * else, and to write down each answer.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "paude/net/squid.h"
#include "paude/net/net.h"
#include "paude/core/alloc.h"
#include "core/banned.h"

static bool
is_ipv4(const char *s)
{
	struct in_addr a;
	return inet_pton(AF_INET, s, &a) == 1;
}

static bool
is_regional(const char *entry)
{
	return !strncmp(entry, PAUDE_ALLOWLIST_REGIONAL, strlen(PAUDE_ALLOWLIST_REGIONAL));
}

struct range {
	uint32_t first, last; /* host order, inclusive */
};

/*
 * The IPv4 destinations an allowed name may not lead to (squid.h). Kept in
 * ranges so that exceptions can be cut out of them exactly: squid's dst
 * ACL matches when any address of a name matches, so "deny private" plus
 * "allow the exception" would let a name with one excepted address and
 * one loopback address through.
 */
static const struct {
	const char *cidr;
	const char *what; /* for the reader */
} private_v4[] = {
	{ "0.0.0.0/8", "this network" },
	{ "10.0.0.0/8", "private (RFC 1918)" },
	{ "100.64.0.0/10", "shared address space (CGNAT)" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local, cloud metadata" },
	{ "172.16.0.0/12", "private (RFC 1918)" },
	{ "192.168.0.0/16", "private (RFC 1918)" },
	{ "198.18.0.0/15", "benchmarking" },
	{ "224.0.0.0/4", "multicast" },
	{ "240.0.0.0/4", "reserved, broadcast" },
};
/* The proxy has no IPv6 (its network namespace has it off); these are
 * refused all the same, in case an engine gives it IPv6 anyway. */
static const char *const private_v6 = "::/128 ::1/128 fc00::/7 fe80::/10 ff00::/8";

/* "A.B.C.D/P" or "A.B.C.D" into a range; false if malformed or host bits set. */
static bool
parse_v4_range(const char *s, struct range *out)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long p = 32;
	if (n == 0 || n >= sizeof(addr))
		return false;
	memcpy(addr, s, n);
	addr[n] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return false;
	if (slash) {
		const char *d = slash + 1;
		if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 2)
			return false;
		p = strtol(d, NULL, 10);
		if (p > 32)
			return false;
	}
	uint32_t mask = p == 0 ? 0 : ~(uint32_t)0 << (32 - p);
	uint32_t ip = ntohl(a.s_addr);
	if (ip & ~mask)
		return false;
	out->first = ip;
	out->last = ip | ~mask;
	return true;
}

static void
push_cidr(struct paude_buf *b, uint32_t ip, unsigned prefix)
{
	paude_buf_addf(b, NULL, " %u.%u.%u.%u/%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		       ip & 0xff, prefix);
}

/* Append [first, last] as the fewest CIDR blocks that cover exactly it. */
static void
push_range(struct paude_buf *b, uint32_t first, uint32_t last)
{
	uint64_t f = first;
	while (f <= last) {
		unsigned bits = 0;
		/* The largest block aligned at f that still ends by last. */
		while (bits < 32 && (f & (((uint64_t)1 << (bits + 1)) - 1)) == 0 &&
		       f + ((uint64_t)1 << (bits + 1)) - 1 <= last)
			bits++;
		push_cidr(b, (uint32_t)f, 32 - bits);
		f += (uint64_t)1 << bits;
	}
}

int
paude_private_dst_parse(struct paude_strvec *out, const char *value, struct paude_error **err)
{
	_cleanup_strvec_ struct paude_strvec got = PAUDE_STRVEC_INIT;
	const char *p = value ? value : "";
	while (*p) {
		size_t n = strcspn(p, ",");
		_cleanup_free_ char *w = paude_xstrndup(p, n);
		struct range r;
		if (n == 0 || !parse_v4_range(w, &r)) {
			_cleanup_buf_ struct paude_buf shown = PAUDE_BUF_INIT;
			for (size_t i = 0; i < 60 && w[i]; i++) {
				unsigned char ch = (unsigned char)w[i];
				if (ch >= 0x20 && ch < 0x7f && ch != '\'')
					paude_buf_addch(&shown, (char)ch, NULL);
				else
					paude_buf_addf(&shown, NULL, "\\x%02x", ch);
			}
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "invalid range '%s' in " PAUDE_PRIVATE_DST_ENV
					       " (give IPv4 ranges such as 10.89.0.0/24 or "
					       "addresses, separated by commas)",
					       shown.buf);
		}
		if (got.nr >= PAUDE_PRIVATE_DST_MAX)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "too many ranges in " PAUDE_PRIVATE_DST_ENV
					       " (at most %d)",
					       PAUDE_PRIVATE_DST_MAX);
		_cleanup_buf_ struct paude_buf c = PAUDE_BUF_INIT;
		uint32_t size = r.last - r.first;
		unsigned prefix = 32;
		while (size) {
			prefix--;
			size >>= 1;
		}
		push_cidr(&c, r.first, prefix);
		if (paude_strvec_find(&got, c.buf + 1) < 0)
			paude_strvec_push(&got, c.buf + 1);
		p += n;
		if (*p == ',' && !*++p)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "empty range in " PAUDE_PRIVATE_DST_ENV
					       " (remove the trailing comma)");
	}
	paude_strvec_pushv(out, (const char *const *)got.v);
	return 0;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * The private ranges minus the exceptions, as a dst ACL line. Ranges are
 * cut one exception at a time: each cut leaves at most two pieces.
 */
static int
private_dst_acl(struct paude_buf *b, const char *const *allow, struct paude_error **err)
{
	struct range keep[ARRAY_SIZE(private_v4) + PAUDE_PRIVATE_DST_MAX + 1];
	size_t nr = 0;
	for (size_t i = 0; i < ARRAY_SIZE(private_v4); i++)
		if (!parse_v4_range(private_v4[i].cidr, &keep[nr++]))
			PAUDE_BUG("bad built-in private range");
	for (size_t e = 0; allow && allow[e]; e++) {
		struct range x;
		if (e >= PAUDE_PRIVATE_DST_MAX || !parse_v4_range(allow[e], &x))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0, "invalid private destination exception '%s'",
			    e >= PAUDE_PRIVATE_DST_MAX ? "(too many)" : allow[e]);
		for (size_t i = 0; i < nr;) {
			struct range r = keep[i];
			if (x.last < r.first || x.first > r.last) {
				i++;
				continue;
			}
			/* Remove r, then put back what lies outside x. */
			keep[i] = keep[--nr];
			if (r.first < x.first)
				keep[nr++] = (struct range){ r.first, x.first - 1 };
			if (r.last > x.last)
				keep[nr++] = (struct range){ x.last + 1, r.last };
			/* Pieces put back at the end lie outside x: no need to revisit. */
		}
	}
	qsort(keep, nr, sizeof(*keep), cmp_range);
	paude_buf_addstr(b, "acl paude_private_dst dst", NULL);
	for (size_t i = 0; i < nr; i++)
		push_range(b, keep[i].first, keep[i].last);
	paude_buf_addf(b, NULL, " %s\n", private_v6);
	return 0;
}

int
paude_squid_config(struct paude_buf *out, const struct paude_allowlist *al,
		   const struct paude_squid_opts *opts, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	unsigned port = opts && opts->port ? opts->port : PAUDE_PROXY_PORT;
	const char *listen = opts ? opts->listen_addr : NULL;
	const char *session = opts && opts->session ? opts->session : NULL;

	if (al->unrestricted)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "an unrestricted session has no proxy configuration");
	if (al->domains.nr == 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "the allowlist is empty");
	if (listen && !is_ipv4(listen))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "proxy listen address '%s' is not an IPv4 address", listen);
	if (port > 65535)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "proxy port %u is out of range", port);
	/* Domains were validated by paude_allowlist_parse; a stray byte here
	 * would let a value inject squid directives, so check again. */
	for (size_t i = 0; i < al->domains.nr; i++) {
		int r = paude_allowlist_check_entry(al->domains.v[i], err);
		if (r < 0)
			return r;
	}

	paude_buf_addf(&b, NULL, "# squid configuration generated by paude%s%s%s; do not edit\n",
		       session ? " for session '" : "", session ? session : "", session ? "'" : "");
	if (listen)
		paude_buf_addf(&b, NULL, "http_port %s:%u\n", listen, port);
	else
		paude_buf_addf(&b, NULL, "http_port %u\n", port);
	paude_buf_addstr(&b,
			 "visible_hostname " PAUDE_PROXY_HOST "\n"
			 "pid_filename none\n"
			 "\n"
			 "# No cache: nothing a session fetched stays behind.\n"
			 "cache deny all\n"
			 "cache_mem 0 MB\n"
			 "\n"
			 "# Logs go to files squid owns (it runs unprivileged).\n"
			 "access_log stdio:" PAUDE_PROXY_ACCESS_LOG " squid\n"
			 "cache_log " PAUDE_PROXY_CACHE_LOG "\n"
			 "cache_store_log none\n"
			 "logfile_rotate 0\n"
			 "netdb_filename none\n"
			 "coredump_dir none\n"
			 "\n"
			 "# Say as little as possible about the client.\n"
			 "forwarded_for delete\n"
			 "httpd_suppress_version_string on\n"
			 "max_filedescriptors 4096\n"
			 "shutdown_lifetime 1 seconds\n"
			 "\n"
			 "# The allowlist. -n: never look up the name of an IP address,\n"
			 "# so an address is simply not on the list.\n",
			 NULL);

	size_t nregional = 0, nplain = 0;
	for (size_t i = 0; i < al->domains.nr; i++) {
		if (is_regional(al->domains.v[i]))
			nregional++;
		else
			nplain++;
	}
	if (nplain) {
		paude_buf_addstr(&b, "acl paude_allowed dstdomain -n", NULL);
		for (size_t i = 0; i < al->domains.nr; i++)
			if (!is_regional(al->domains.v[i]))
				paude_buf_addf(&b, NULL, " %s", al->domains.v[i]);
		paude_buf_addch(&b, '\n', NULL);
	}
	if (nregional) {
		/* "*-x.com": one label ending in "-" before x.com. */
		paude_buf_addstr(&b, "acl paude_allowed_regional dstdom_regex -n -i", NULL);
		for (size_t i = 0; i < al->domains.nr; i++) {
			const char *d = al->domains.v[i];
			if (!is_regional(d))
				continue;
			paude_buf_addstr(&b, " ^[a-z0-9-]+-", NULL);
			for (d += strlen(PAUDE_ALLOWLIST_REGIONAL); *d; d++) {
				if (*d == '.')
					paude_buf_addch(&b, '\\', NULL);
				paude_buf_addch(&b, *d, NULL);
			}
			paude_buf_addch(&b, '$', NULL);
		}
		paude_buf_addch(&b, '\n', NULL);
	}
	paude_buf_addstr(&b,
			 "acl paude_https port 443\n"
			 "acl paude_http port 80\n"
			 "acl paude_connect method CONNECT\n"
			 "\n"
			 "# Where an allowed name may not lead: loopback, private, link-local\n"
			 "# (cloud metadata), CGNAT, multicast, reserved; IPv6 likewise.\n",
			 NULL);
	if (opts && opts->allow_private_dst && opts->allow_private_dst[0]) {
		paude_buf_addstr(&b, "# Except (" PAUDE_PRIVATE_DST_ENV "):", NULL);
		for (size_t i = 0; opts->allow_private_dst[i]; i++)
			paude_buf_addf(&b, NULL, " %s", opts->allow_private_dst[i]);
		paude_buf_addch(&b, '\n', NULL);
	}
	int r = private_dst_acl(&b, opts ? opts->allow_private_dst : NULL, err);
	if (r < 0)
		return r;
	paude_buf_addstr(&b,
			 "\n"
			 "# Fast checks first: a denied request never reaches DNS.\n"
			 "http_access deny paude_connect !paude_https\n"
			 "http_access deny !paude_connect !paude_http\n"
			 "http_access deny",
			 NULL);
	if (nplain)
		paude_buf_addstr(&b, " !paude_allowed", NULL);
	if (nregional)
		paude_buf_addstr(&b, " !paude_allowed_regional", NULL);
	paude_buf_addstr(&b,
			 "\n"
			 "# Only an allowed name is looked up, to see where it leads.\n"
			 "http_access deny paude_private_dst\n",
			 NULL);
	if (nplain)
		paude_buf_addstr(&b, "http_access allow paude_allowed\n", NULL);
	if (nregional)
		paude_buf_addstr(&b, "http_access allow paude_allowed_regional\n", NULL);
	paude_buf_addstr(&b,
			 "http_access deny all\n"
			 "icp_access deny all\n"
			 "htcp_access deny all\n"
			 "snmp_access deny all\n",
			 NULL);

	return paude_buf_add(out, b.buf, b.len, err);
}
