/* SPDX-License-Identifier: MIT */
/*
 * The gateway's small pieces: a byte buffer, its configuration from the
 * environment, the recent-calls log and the private-address test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "gateway.h"

void
gw_free_ptr(void *p)
{
	free(*(void **)p);
}

static void
grow(struct gw_buf *b, size_t need)
{
	if (b->alloc >= need)
		return;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < need)
		n *= 2;
	char *p = realloc(b->buf, n);
	if (!p)
		abort();
	b->buf = p;
	b->alloc = n;
}

int
gw_buf_add(struct gw_buf *b, const void *data, size_t n)
{
	if (b->max && b->len + n > b->max)
		return -1;
	grow(b, b->len + n + 1);
	if (n)
		memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int
gw_buf_addf(struct gw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		va_end(ap);
		return -1;
	}
	if ((size_t)n < sizeof(tmp)) {
		va_end(ap);
		return gw_buf_add(b, tmp, (size_t)n);
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		abort();
	(void)vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int r = gw_buf_add(b, big, (size_t)n);
	free(big);
	return r;
}

void
gw_buf_reset(struct gw_buf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

void
gw_buf_release(struct gw_buf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->alloc = 0;
}

/* --- configuration --- */

void
gw_config_release(struct gw_config *c)
{
	free(c->project);
	for (size_t i = 0; i < c->n_regions; i++)
		free(c->regions[i]);
	free(c->vertex_url);
	free(c->token_url);
	free(c->adc_path);
	free(c->anthropic_url);
	if (c->anthropic_key) {
		explicit_bzero(c->anthropic_key, strlen(c->anthropic_key));
		free(c->anthropic_key);
	}
	free(c->ca_file);
	free(c->log_path);
	free(c->squid_log);
	memset(c, 0, sizeof(*c));
}

static char *
xstrdup_or_null(const char *s)
{
	if (!s || !*s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* A region name: lower-case letters, digits and '-' ("us-east5", "global"). */
static bool
region_ok(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof(((struct gw_route *)0)->region))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

int
gw_config_set_regions(struct gw_config *c, const char *list)
{
	const char *p = list;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (n) {
			if (!region_ok(p, n) || c->n_regions >= GW_MAX_REGIONS)
				return -1;
			bool dup = false;
			for (size_t i = 0; i < c->n_regions; i++)
				dup |= strlen(c->regions[i]) == n && !strncmp(c->regions[i], p, n);
			if (!dup) {
				char *r = strndup(p, n);
				if (!r)
					abort();
				c->regions[c->n_regions++] = r;
			}
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* A Google Cloud project id, or a domain-scoped one ("example.com:proj"). */
static bool
project_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 100)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '.' || s[i] == ':'))
			return false;
	return true;
}

/* A test-hook URL: http or https, a host, no user info, no query. */
static bool
hook_url_ok(const char *u)
{
	const char *rest;
	if (!strncmp(u, "http://", 7))
		rest = u + 7;
	else if (!strncmp(u, "https://", 8))
		rest = u + 8;
	else
		return false;
	if (!*rest || *rest == '/' || strpbrk(rest, "@?#% \t\r\n"))
		return false;
	return true;
}

int
gw_config_from_env(struct gw_config *c, const char **why)
{
	memset(c, 0, sizeof(*c));
	c->max_body = GW_MAX_BODY_DEFAULT;
	const char *p = getenv("PAUDE_GATEWAY_PROVIDER");
	if (!p || !*p || !strcmp(p, "none")) {
		c->provider = GW_PROVIDER_NONE;
	} else if (!strcmp(p, "vertex")) {
		c->provider = GW_PROVIDER_VERTEX;
	} else if (!strcmp(p, "anthropic")) {
		c->provider = GW_PROVIDER_ANTHROPIC;
	} else {
		*why = "PAUDE_GATEWAY_PROVIDER must be vertex, anthropic or none";
		return -1;
	}
	static const struct {
		const char *name;
		size_t off;
	} hooks[] = {
		{ "PAUDE_GATEWAY_TOKEN_URL", offsetof(struct gw_config, token_url) },
		{ "PAUDE_GATEWAY_VERTEX_URL", offsetof(struct gw_config, vertex_url) },
		{ "PAUDE_GATEWAY_ANTHROPIC_URL", offsetof(struct gw_config, anthropic_url) },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(hooks); i++) {
		const char *v = getenv(hooks[i].name);
		if (!v || !*v)
			continue;
		if (!hook_url_ok(v)) {
			*why =
			    "a PAUDE_GATEWAY_*_URL is not an http:// or https:// URL with a host";
			return -1;
		}
		char *d = xstrdup_or_null(v);
		/* No trailing '/': paths are appended. */
		size_t n = strlen(d);
		while (n && d[n - 1] == '/')
			d[--n] = '\0';
		*(char **)((char *)c + hooks[i].off) = d;
		c->allow_private = true;
	}
	c->adc_path = xstrdup_or_null(getenv("PAUDE_GATEWAY_ADC"));
	c->ca_file = xstrdup_or_null(getenv("PAUDE_GATEWAY_CA_FILE"));
	c->log_path = xstrdup_or_null(getenv("PAUDE_GATEWAY_LOG"));
	const char *sq = getenv("PAUDE_GATEWAY_SQUID_LOG");
	c->squid_log = xstrdup_or_null(sq && *sq ? sq : GW_SQUID_LOG_DEFAULT);
	const char *mb = getenv("PAUDE_GATEWAY_MAX_BODY");
	if (mb && *mb) {
		char *end = NULL;
		errno = 0;
		unsigned long long v = strtoull(mb, &end, 10);
		if (errno || *end || v < 1024 || v > (1ull << 30)) {
			*why = "PAUDE_GATEWAY_MAX_BODY must be a number of bytes (1 KiB to 1 GiB)";
			return -1;
		}
		c->max_body = (size_t)v;
	}
	if (c->provider == GW_PROVIDER_VERTEX) {
		const char *proj = getenv("PAUDE_GATEWAY_PROJECT");
		if (!proj || !project_ok(proj)) {
			*why = "PAUDE_GATEWAY_PROJECT must name the Vertex AI project";
			return -1;
		}
		c->project = xstrdup_or_null(proj);
		if (gw_config_set_regions(c, getenv("PAUDE_GATEWAY_REGIONS")) < 0 ||
		    c->n_regions == 0) {
			*why = "PAUDE_GATEWAY_REGIONS must list the Vertex AI regions "
			       "(comma-separated)";
			return -1;
		}
		if (!c->adc_path) {
			*why = "PAUDE_GATEWAY_ADC must name the Application Default Credentials "
			       "file";
			return -1;
		}
	}
	if (c->provider == GW_PROVIDER_ANTHROPIC) {
		const char *k = getenv("ANTHROPIC_API_KEY");
		if (!k || !*k || strpbrk(k, "\r\n")) {
			*why = "ANTHROPIC_API_KEY is not set in the gateway's environment";
			return -1;
		}
		c->anthropic_key = xstrdup_or_null(k);
	}
	return 0;
}

/* --- the recent-calls log --- */

void
gw_calllog_init(struct gw_calllog *l, const char *path)
{
	pthread_mutex_init(&l->lock, NULL);
	l->path = xstrdup_or_null(path);
	l->max_bytes = (size_t)1024 * 1024;
}

void
gw_calllog_release(struct gw_calllog *l)
{
	free(l->path);
	l->path = NULL;
	pthread_mutex_destroy(&l->lock);
}

void
gw_calllog_format(struct gw_buf *out, const struct gw_call_record *r)
{
	struct tm tm;
	char when[32] = "-";
	if (gmtime_r(&r->when, &tm))
		(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	(void)gw_buf_addf(out, "%s %s %s model=%s status=%d ms=%ld in=%llu out=%llu", when,
			  r->method, r->what, r->model && *r->model ? r->model : "-", r->status,
			  r->ms, r->bytes_in, r->bytes_out);
	if (r->reason)
		(void)gw_buf_addf(out, " reason=\"%s\"", r->reason);
	(void)gw_buf_add(out, "\n", 1);
}

void
gw_calllog_write(struct gw_calllog *l, const struct gw_call_record *r)
{
	if (!l->path)
		return;
	struct gw_buf line = { 0 };
	gw_calllog_format(&line, r);
	pthread_mutex_lock(&l->lock);
	FILE *f = fopen(l->path, "ae");
	if (f) {
		(void)fwrite(line.buf, 1, line.len, f);
		long size = ftell(f);
		(void)fclose(f);
		if (size > 0 && (size_t)size > l->max_bytes) {
			struct gw_buf old = { 0 };
			(void)gw_buf_addf(&old, "%s.1", l->path);
			(void)rename(l->path, old.buf);
			gw_buf_release(&old);
		}
	}
	pthread_mutex_unlock(&l->lock);
	gw_buf_release(&line);
}

/* --- private addresses --- */

static bool
v4_private(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	       (a >> 16) == ((169u << 8) | 254) || (a >> 20) == ((172u << 4) | 1) ||
	       (a >> 16) == ((192u << 8) | 168) || (a >> 22) == ((100u << 2) | 1) ||
	       (a >> 28) >= 14; /* multicast, reserved, broadcast */
}

bool
gw_addr_is_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_private(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};
		if (!memcmp(b, mapped, 12))
			return v4_private((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
					  (uint32_t)b[14] << 8 | b[15]);
		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ||
		    IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return (b[0] & 0xfe) == 0xfc /* ULA */ || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
		       b[0] == 0xff;
	}
	return true; /* anything else is not a public Internet address */
}
