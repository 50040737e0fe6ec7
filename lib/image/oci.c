/* SPDX-License-Identifier: MIT */
/*
 * Pulling dev container features from OCI registries with libcurl: the
 * reference syntax, the anonymous bearer token flow, the manifest, the
 * feature layer, sha256 verification and the digest-keyed cache.
 */
#include <string.h>
#include <curl/curl.h>
#include "paude/image/oci.h"
#include "paude/core/alloc.h"
#include "paude/core/fs.h"
#include "paude/image/image.h"
#include "paude/core/json.h"
#include "paude/core/log.h"
#include "paude/core/sha256.h"
#include "core/banned.h"

void
paude_oci_ref_release(struct paude_oci_ref *r)
{
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

static bool
is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static bool
valid_digest(const char *d)
{
	return !strncmp(d, "sha256:", 7) && is_hex64(d + 7);
}

static int
bad_ref(const char *ref, struct paude_error **err)
{
	/* Not `return paude_error_set(...)`: the analyzer cannot see it never returns 0. */
	(void)paude_error_set(err, PAUDE_EUSAGE, 0,
			      "invalid feature reference '%s' (expected REGISTRY/PATH:TAG, such as "
			      "ghcr.io/devcontainers/features/go:1)",
			      ref);
	return PAUDE_EUSAGE;
}

int
paude_oci_ref_parse(struct paude_oci_ref *out, const char *ref, struct paude_error **err)
{
	static const char repo_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789._-/";
	static const char tag_chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	static const char host_chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]";
	const char *slash = strchr(ref, '/');
	if (!slash || slash == ref || strlen(ref) > 255 || ref[0] == '-')
		return bad_ref(ref, err);
	size_t host_len = (size_t)(slash - ref);
	if (strspn(ref, host_chars) < host_len)
		return bad_ref(ref, err);
	const char *rest = slash + 1;
	const char *at = strchr(rest, '@');
	const char *colon = strrchr(rest, ':');
	size_t repo_len = at ? (size_t)(at - rest) : colon ? (size_t)(colon - rest) : strlen(rest);
	if (at && !valid_digest(at + 1))
		return bad_ref(ref, err);
	_cleanup_(paude_oci_ref_release) struct paude_oci_ref r = PAUDE_OCI_REF_INIT;
	r.registry = paude_xstrndup(ref, host_len);
	r.repository = paude_xstrndup(rest, repo_len);
	if (at)
		r.digest = paude_xstrndup(at + 1, strlen(at + 1));
	else
		r.tag = colon ? paude_xstrndup(colon + 1, strlen(colon + 1))
			      : paude_xstrndup("latest", 6);
	if (!repo_len || strspn(r.repository, repo_chars) != repo_len ||
	    strstr(r.repository, "..") || strstr(r.repository, "//") || r.repository[0] == '/' ||
	    r.repository[repo_len - 1] == '/' ||
	    (r.tag &&
	     (!*r.tag || strlen(r.tag) > 128 || strspn(r.tag, tag_chars) != strlen(r.tag))))
		return bad_ref(ref, err);
	*out = r;
	memset(&r, 0, sizeof(r));
	return 0;
}

char *
paude_oci_ref_resource(const struct paude_oci_ref *r)
{
	return paude_xasprintf("%s/%s", r->registry, r->repository);
}

/* --- WWW-Authenticate --- */

int
paude_oci_parse_challenge(const char *h, char **realm, char **service, char **scope)
{
	*realm = *service = *scope = NULL;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return -1;
	h += 7;
	while (*h) {
		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		const char *eq = strchr(h, '=');
		if (!eq)
			break;
		size_t klen = (size_t)(eq - h);
		const char *v = eq + 1;
		_cleanup_buf_ struct paude_buf val = PAUDE_BUF_INIT_MAX(4096);
		if (*v == '"') {
			v++;
			while (*v && *v != '"') {
				if (*v == '\\' && v[1])
					v++;
				if (paude_buf_addch(&val, *v, NULL) < 0)
					return -1;
				v++;
			}
			if (*v == '"')
				v++;
		} else {
			while (*v && *v != ',' && *v != ' ') {
				if (paude_buf_addch(&val, *v, NULL) < 0)
					return -1;
				v++;
			}
		}
		char **dst = NULL;
		if (klen == 5 && !strncasecmp(h, "realm", 5))
			dst = realm;
		else if (klen == 7 && !strncasecmp(h, "service", 7))
			dst = service;
		else if (klen == 5 && !strncasecmp(h, "scope", 5))
			dst = scope;
		if (dst) {
			free(*dst);
			*dst = paude_buf_detach(&val);
		}
		h = v;
	}
	if (!*realm) {
		free(*service);
		free(*scope);
		*service = *scope = NULL;
		return -1;
	}
	return 0;
}

/* --- HTTP --- */

struct response {
	long status;
	struct paude_buf body;
	char *www_authenticate;
	char *content_type;
};

static void
response_release(struct response *r)
{
	paude_buf_release(&r->body);
	free(r->www_authenticate);
	free(r->content_type);
}

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
	struct response *r = ud;
	if (paude_buf_add(&r->body, p, size * n, NULL) < 0)
		return 0; /* over the cap: abort the transfer */
	return size * n;
}

static char *
header_value(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return NULL;
	p += k + 1;
	n -= k + 1;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	return paude_xstrndup(p, n);
}

static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
	struct response *r = ud;
	size_t len = size * n;
	/* A new response (after a redirect) starts over. */
	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		free(r->www_authenticate);
		free(r->content_type);
		r->www_authenticate = r->content_type = NULL;
		return len;
	}
	char *v;
	if ((v = header_value(p, len, "WWW-Authenticate"))) {
		free(r->www_authenticate);
		r->www_authenticate = v;
	} else if ((v = header_value(p, len, "Content-Type"))) {
		free(r->content_type);
		r->content_type = v;
	}
	return len;
}

static bool
loopback_url(const char *url)
{
	const char *h = strstr(url, "://");
	if (!h)
		return false;
	h += 3;
	return (!strncmp(h, "localhost", 9) && (h[9] == ':' || h[9] == '/' || !h[9])) ||
	       !strncmp(h, "127.", 4) || !strncmp(h, "[::1]", 5);
}

static int
http_get(const struct paude_oci_opts *o, const char *url, const char *accept, const char *token,
	 size_t max, struct response *out, struct paude_error **err)
{
	static bool inited;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
	CURL *h = paude_xnonnull(curl_easy_init());
	struct curl_slist *hdrs = NULL;
	_cleanup_free_ char *acc = NULL, *auth = NULL;
	if (accept) {
		acc = paude_xasprintf("Accept: %s", accept);
		hdrs = curl_slist_append(hdrs, acc);
	}
	if (token) {
		auth = paude_xasprintf("Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	paude_buf_init(&out->body, max);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "paude");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	const char *ca = o && o->ca_bundle ? o->ca_bundle : paude_ca_bundle_detect();
	if (ca && *ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	/* A registry on this machine is never reached through a proxy. */
	if (loopback_url(url))
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	paude_debug("+ GET %s", url);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "cannot download '%s': larger than %zu bytes", url, max);
	if (rc != CURLE_OK)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "cannot download '%s': %s", url,
				       errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return 0;
}

static bool
plain_http(const struct paude_oci_opts *o, const char *registry)
{
	if (!strncmp(registry, "localhost", 9) && (!registry[9] || registry[9] == ':'))
		return true;
	if (!strncmp(registry, "127.", 4) || !strncmp(registry, "[::1]", 5))
		return true;
	const char *list = o ? o->insecure_registries : NULL;
	if (!list)
		return false;
	size_t n = strlen(registry);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && !strncmp(p, registry, n))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

/* A GET against the registry that answers a Bearer challenge once. */
struct session {
	const struct paude_oci_opts *o;
	const struct paude_oci_ref *ref;
	char *token;
};

static void
session_release(struct session *s)
{
	free(s->token);
	s->token = NULL;
}

static int
fetch_token(struct session *s, const char *challenge, struct paude_error **err)
{
	_cleanup_free_ char *realm = NULL, *service = NULL, *scope = NULL;
	if (paude_oci_parse_challenge(challenge, &realm, &service, &scope) < 0 || !realm)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "registry '%s' asks for authentication paude cannot do "
				       "('%s'; only anonymous pulls are supported)",
				       s->ref->registry, challenge);
	if (strncmp(realm, "https://", 8) != 0 && strncmp(realm, "http://", 7) != 0)
		return paude_error_set(
		    err, PAUDE_EPROTO, 0,
		    "registry '%s' names a token service that is not http(s): '%s'",
		    s->ref->registry, realm);
	CURL *h = paude_xnonnull(curl_easy_init());
	_cleanup_buf_ struct paude_buf url = PAUDE_BUF_INIT;
	paude_buf_addstr(&url, realm, NULL);
	char sep = strchr(realm, '?') ? '&' : '?';
	if (service) {
		char *e = curl_easy_escape(h, service, 0);
		paude_buf_addf(&url, NULL, "%cservice=%s", sep, e);
		curl_free(e);
		sep = '&';
	}
	/* Ask for pull access to this repository, whatever the challenge says. */
	_cleanup_free_ char *want = NULL;
	want = paude_xasprintf("repository:%s:pull", s->ref->repository);
	char *e = curl_easy_escape(h, scope ? scope : want, 0);
	paude_buf_addf(&url, NULL, "%cscope=%s", sep, e);
	curl_free(e);
	curl_easy_cleanup(h);
	_cleanup_(response_release) struct response r = { 0 };
	int ret = http_get(s->o, url.buf, "application/json", NULL, PAUDE_OCI_SMALL_MAX, &r, err);
	if (ret < 0)
		return ret;
	if (r.status != 200)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "registry '%s': token service '%s' answered HTTP %ld",
				       s->ref->registry, realm, r.status);
	_cleanup_json_ struct json_object *o = NULL;
	ret = paude_json_parse(&o, r.body.buf, r.body.len, "token response", err);
	if (ret < 0)
		return ret;
	const char *tok = paude_json_get_str(o, "token");
	if (!tok || !*tok)
		tok = paude_json_get_str(o, "access_token");
	if (!tok || !*tok || strpbrk(tok, "\r\n"))
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "registry '%s': the token service gave no usable token",
				       s->ref->registry);
	free(s->token);
	s->token = paude_xstrdup(tok);
	return 0;
}

static int
registry_get(struct session *s, const char *what, const char *accept, size_t max,
	     struct response *out, struct paude_error **err)
{
	_cleanup_free_ char *url = NULL;
	url = paude_xasprintf("%s://%s/v2/%s/%s",
			      plain_http(s->o, s->ref->registry) ? "http" : "https",
			      s->ref->registry, s->ref->repository, what);
	for (int attempt = 0;; attempt++) {
		struct response r = { 0 };
		int ret = http_get(s->o, url, accept, s->token, max, &r, err);
		if (ret < 0) {
			response_release(&r);
			return ret;
		}
		if (r.status == 401 && attempt == 0 && r.www_authenticate) {
			ret = fetch_token(s, r.www_authenticate, err);
			response_release(&r);
			if (ret < 0)
				return ret;
			continue;
		}
		if (r.status != 200) {
			long st = r.status;
			response_release(&r);
			if (st == 401 || st == 403)
				return paude_error_set(
				    err, PAUDE_EPROTO, 0,
				    "%s: access denied (HTTP %ld; paude pulls "
				    "anonymously, so only public features can be "
				    "used)",
				    url, st);
			if (st == 404)
				return paude_error_set(err, PAUDE_ENOTFOUND, 0,
						       "feature '%s/%s' not found in its registry "
						       "(%s: HTTP 404)",
						       s->ref->registry, s->ref->repository, url);
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "cannot download '%s': HTTP %ld", url, st);
		}
		*out = r;
		return 0;
	}
}

static void
digest_of(const void *data, size_t n, char out[7 + 64 + 1])
{
	char hex[PAUDE_SHA256_HEX_LEN + 1];
	paude_sha256_hex(data, n, hex);
	(void)snprintf(out, 7 + 64 + 1, "sha256:%s", hex);
}

/* The feature layer's digest and size from a manifest. */
static int
pick_layer(const char *manifest, size_t n, const char *what, char digest[7 + 64 + 1], int64_t *size,
	   struct paude_error **err)
{
	_cleanup_json_ struct json_object *m = NULL;
	int ret = paude_json_parse(&m, manifest, n, what, err);
	if (ret < 0)
		return ret;
	struct json_object *layers = paude_json_get_array(m, "layers");
	size_t nl = layers ? json_object_array_length(layers) : 0;
	struct json_object *pick = NULL;
	for (size_t i = 0; i < nl; i++) {
		struct json_object *l = json_object_array_get_idx(layers, i);
		const char *mt = paude_json_get_str(l, "mediaType");
		if (mt && !strcmp(mt, PAUDE_FEATURE_LAYER_TYPE)) {
			pick = l;
			break;
		}
	}
	if (!pick && nl == 1)
		pick = json_object_array_get_idx(layers, 0);
	const char *d = pick ? paude_json_get_str(pick, "digest") : NULL;
	if (!d || !valid_digest(d))
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "%s: no feature layer (%s) with a sha256 digest", what,
				       PAUDE_FEATURE_LAYER_TYPE);
	struct json_object *sz = NULL;
	*size = json_object_object_get_ex(pick, "size", &sz) ? json_object_get_int64(sz) : -1;
	memcpy(digest, d, 7 + 64 + 1);
	return 0;
}

static char *
cache_path(const char *cache_dir, const char *digest)
{
	_cleanup_free_ char *root = NULL;
	if (!cache_dir) {
		_cleanup_free_ char *c = paude_cache_dir();
		root = paude_path_join(c, "features");
		cache_dir = root;
	}
	_cleanup_free_ char *dir = paude_path_join(cache_dir, digest + 7);
	return paude_path_join(dir, "layer.tar");
}

int
paude_oci_fetch_feature(struct paude_oci_fetched *out, const char *ref,
			const struct paude_oci_opts *o, struct paude_error **err)
{
	_cleanup_(paude_oci_ref_release) struct paude_oci_ref r = PAUDE_OCI_REF_INIT;
	int ret = paude_oci_ref_parse(&r, ref, err);
	if (ret < 0)
		return ret;
	_cleanup_(session_release) struct session s = { .o = o, .ref = &r };
	_cleanup_(response_release) struct response man = { 0 };
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("manifests/%s", r.digest ? r.digest : r.tag);
	ret = registry_get(&s, what, PAUDE_OCI_MANIFEST_TYPE, PAUDE_OCI_SMALL_MAX, &man, err);
	if (ret < 0) {
		paude_error_wrap(err, ret, "feature '%s'", ref);
		return ret;
	}
	struct paude_oci_fetched f = { 0 };
	digest_of(man.body.buf, man.body.len, f.manifest_digest);
	if (r.digest && strcmp(r.digest, f.manifest_digest) != 0)
		return paude_error_set(
		    err, PAUDE_EPROTO, 0,
		    "feature '%s': the manifest's digest is %s, not the one asked "
		    "for",
		    ref, f.manifest_digest);
	int64_t size = -1;
	_cleanup_free_ char *mwhat = NULL;
	mwhat = paude_xasprintf("feature '%s' manifest", ref);
	ret = pick_layer(man.body.buf, man.body.len, mwhat, f.layer_digest, &size, err);
	if (ret < 0)
		return ret;
	if (size > (int64_t)PAUDE_FEATURE_MAX_BYTES)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "feature '%s' is too large (%lld bytes; at most %u)", ref,
				       (long long)size, PAUDE_FEATURE_MAX_BYTES);
	_cleanup_free_ char *cached = cache_path(o ? o->cache_dir : NULL, f.layer_digest);
	paude_buf_init(&f.layer, PAUDE_FEATURE_MAX_BYTES);
	if (paude_buf_read_file(&f.layer, cached, NULL) == 0) {
		char got[7 + 64 + 1];
		digest_of(f.layer.buf, f.layer.len, got);
		if (!strcmp(got, f.layer_digest)) {
			paude_debug("feature '%s': layer %s from the cache", ref, f.layer_digest);
			f.from_cache = true;
			*out = f;
			return 0;
		}
		paude_debug("feature '%s': cached layer is corrupt, downloading again", ref);
	}
	paude_buf_release(&f.layer);
	_cleanup_free_ char *bwhat = NULL;
	bwhat = paude_xasprintf("blobs/%s", f.layer_digest);
	struct response blob = { 0 };
	ret = registry_get(&s, bwhat, NULL, PAUDE_FEATURE_MAX_BYTES, &blob, err);
	if (ret < 0) {
		paude_error_wrap(err, ret, "feature '%s'", ref);
		return ret;
	}
	char got[7 + 64 + 1];
	digest_of(blob.body.buf, blob.body.len, got);
	if (strcmp(got, f.layer_digest) != 0) {
		response_release(&blob);
		return paude_error_set(
		    err, PAUDE_EPROTO, 0,
		    "feature '%s': the layer's content does not match its digest "
		    "(got %s, expected %s)",
		    ref, got, f.layer_digest);
	}
	_cleanup_free_ char *dir = paude_xstrdup(cached);
	*strrchr(dir, '/') = '\0';
	if (paude_mkdir_p(dir, 0700, NULL) < 0 ||
	    paude_write_file(cached, blob.body.buf, blob.body.len, 0600, NULL) < 0)
		paude_debug("cannot cache feature layer in '%s'", dir);
	f.layer = blob.body;
	blob.body = (struct paude_buf)PAUDE_BUF_INIT;
	response_release(&blob);
	*out = f;
	return 0;
}
