/* SPDX-License-Identifier: MIT */
/*
 * Application Default Credentials and the access tokens minted from them.
 * Two kinds of ADC exist in practice, and both are supported:
 *   authorized_user   (gcloud auth application-default login): a refresh
 *                     token, exchanged with the refresh_token grant;
 *   service_account   (a key file): an RS256-signed JWT, exchanged with
 *                     the JWT-bearer grant (RFC 7523).
 * Tokens are cached until GW_TOKEN_MARGIN seconds before they expire, and
 * the file is read again whenever it changes (a new `gcloud auth
 * application-default login` on the host takes effect at the next call).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "gateway.h"

#define GOOGLE_TOKEN_URL "https://oauth2.googleapis.com/token"
#define VERTEX_SCOPE "https://www.googleapis.com/auth/cloud-platform"

static void
why(char *buf, size_t n, const char *msg)
{
	if (buf && n)
		(void)snprintf(buf, n, "%s", msg);
}

static char *
dup_field(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	if (!s || !*s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void
free_secret(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void
gw_adc_release(struct gw_adc *adc)
{
	free(adc->client_id);
	free_secret(&adc->client_secret);
	free_secret(&adc->refresh_token);
	free(adc->client_email);
	free_secret(&adc->private_key);
	free(adc->private_key_id);
	memset(adc, 0, sizeof(*adc));
}

int
gw_adc_parse(struct gw_adc *adc, const char *json, size_t len, char *why_buf, size_t why_len)
{
	memset(adc, 0, sizeof(*adc));
	if (len > GW_MAX_ADC || len > INT32_MAX) {
		why(why_buf, why_len, "the credentials file is too large to be ADC");
		return -1;
	}
	struct json_tokener *tok = json_tokener_new_ex(8);
	if (!tok)
		abort();
	struct json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	bool complete = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	if (!root || !complete || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		why(why_buf, why_len, "the credentials file is not a JSON object");
		return -1;
	}
	struct json_object *t;
	const char *type = NULL;
	if (json_object_object_get_ex(root, "type", &t) && json_object_is_type(t, json_type_string))
		type = json_object_get_string(t);
	int ret = 0;
	if (type && !strcmp(type, "authorized_user")) {
		adc->type = GW_ADC_AUTHORIZED_USER;
		adc->client_id = dup_field(root, "client_id");
		adc->client_secret = dup_field(root, "client_secret");
		adc->refresh_token = dup_field(root, "refresh_token");
		if (!adc->client_id || !adc->client_secret || !adc->refresh_token) {
			why(why_buf, why_len,
			    "authorized_user credentials need client_id, client_secret and "
			    "refresh_token (run: gcloud auth application-default login)");
			ret = -1;
		}
	} else if (type && !strcmp(type, "service_account")) {
		adc->type = GW_ADC_SERVICE_ACCOUNT;
		adc->client_email = dup_field(root, "client_email");
		adc->private_key = dup_field(root, "private_key");
		adc->private_key_id = dup_field(root, "private_key_id");
		if (!adc->client_email || !adc->private_key) {
			why(why_buf, why_len,
			    "service_account credentials need client_email and private_key");
			ret = -1;
		}
	} else {
		char msg[200];
		(void)snprintf(msg, sizeof(msg),
			       "unsupported credentials type '%.40s' (supported: authorized_user, "
			       "service_account)",
			       type ? type : "(none)");
		why(why_buf, why_len, msg);
		ret = -1;
	}
	json_object_put(root);
	if (ret < 0)
		gw_adc_release(adc);
	return ret;
}

void
gw_base64url(struct gw_buf *out, const unsigned char *data, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < n)
			v |= data[i + 2];
		char q[4] = { tab[(v >> 18) & 63], tab[(v >> 12) & 63], tab[(v >> 6) & 63],
			      tab[v & 63] };
		size_t k = n - i >= 3 ? 4 : n - i + 1;
		(void)gw_buf_add(out, q, k);
	}
}

int
gw_jwt_rs256(const char *pem_key, const char *header_json, const char *claims_json,
	     struct gw_buf *out)
{
	BIO *bio = BIO_new_mem_buf(pem_key, -1);
	if (!bio)
		return -1;
	EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		return -1;
	int ret = -1;
	size_t start = out->len;
	gw_base64url(out, (const unsigned char *)header_json, strlen(header_json));
	(void)gw_buf_add(out, ".", 1);
	gw_base64url(out, (const unsigned char *)claims_json, strlen(claims_json));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t siglen = 0;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		goto out;
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)out->buf + start,
			   out->len - start) != 1)
		goto out;
	sig = malloc(siglen);
	if (!sig)
		abort();
	if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)out->buf + start,
			   out->len - start) != 1)
		goto out;
	(void)gw_buf_add(out, ".", 1);
	gw_base64url(out, sig, siglen);
	ret = 0;
out:
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	if (ret < 0) {
		out->len = start;
		if (out->buf)
			out->buf[start] = '\0';
	}
	return ret;
}

static void
add_form(struct gw_buf *b, const char *key, const char *value)
{
	char *e = curl_easy_escape(NULL, value, 0);
	if (!e)
		abort();
	(void)gw_buf_addf(b, "%s%s=%s", b->len ? "&" : "", key, e);
	explicit_bzero(e, strlen(e));
	curl_free(e);
}

int
gw_adc_token_request(const struct gw_adc *adc, const char *token_url, time_t now,
		     struct gw_buf *body, char *why_buf, size_t why_len)
{
	if (adc->type == GW_ADC_AUTHORIZED_USER) {
		add_form(body, "grant_type", "refresh_token");
		add_form(body, "client_id", adc->client_id);
		add_form(body, "client_secret", adc->client_secret);
		add_form(body, "refresh_token", adc->refresh_token);
		return 0;
	}
	struct json_object *hdr = json_object_new_object();
	struct json_object *claims = json_object_new_object();
	if (!hdr || !claims)
		abort();
	json_object_object_add(hdr, "alg", json_object_new_string("RS256"));
	json_object_object_add(hdr, "typ", json_object_new_string("JWT"));
	if (adc->private_key_id)
		json_object_object_add(hdr, "kid", json_object_new_string(adc->private_key_id));
	json_object_object_add(claims, "iss", json_object_new_string(adc->client_email));
	json_object_object_add(claims, "scope", json_object_new_string(VERTEX_SCOPE));
	json_object_object_add(claims, "aud", json_object_new_string(token_url));
	json_object_object_add(claims, "iat", json_object_new_int64((int64_t)now));
	json_object_object_add(claims, "exp", json_object_new_int64((int64_t)now + 3600));
	struct gw_buf jwt = { 0 };
	int r = gw_jwt_rs256(adc->private_key,
			     json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN),
			     json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN), &jwt);
	json_object_put(hdr);
	json_object_put(claims);
	if (r < 0) {
		gw_buf_release(&jwt);
		why(why_buf, why_len,
		    "cannot sign with the service account's private_key (not an RSA key in PEM "
		    "form)");
		return -1;
	}
	add_form(body, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
	add_form(body, "assertion", jwt.buf);
	gw_buf_release(&jwt);
	return 0;
}

int
gw_token_parse(const char *json, size_t len, char **token, long *expires_in)
{
	*token = NULL;
	if (len > GW_MAX_TOKEN_RESPONSE)
		return -1;
	struct json_tokener *tok = json_tokener_new_ex(8);
	if (!tok)
		abort();
	struct json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	bool complete = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	int ret = -1;
	struct json_object *v;
	if (root && complete && json_object_is_type(root, json_type_object)) {
		char *t = dup_field(root, "access_token");
		long exp = 3600;
		if (json_object_object_get_ex(root, "expires_in", &v) &&
		    (json_object_is_type(v, json_type_int) ||
		     json_object_is_type(v, json_type_string)))
			exp = (long)json_object_get_int64(v);
		/* A token is a header value: printable ASCII only. */
		bool ok = t != NULL;
		for (const char *p = t; ok && *p; p++)
			ok = *p > 0x20 && *p < 0x7f;
		if (ok && exp > 0) {
			*token = t;
			*expires_in = exp;
			ret = 0;
		} else {
			free_secret(&t);
		}
	}
	json_object_put(root);
	return ret;
}

/* --- the token cache --- */

static time_t
real_now(void)
{
	return time(NULL);
}

void
gw_tokens_init(struct gw_tokens *t, const struct gw_config *c, gw_post_fn post, void *post_ctx)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->config = c;
	t->post = post;
	t->post_ctx = post_ctx;
	t->now = real_now;
}

void
gw_tokens_release(struct gw_tokens *t)
{
	gw_adc_release(&t->adc);
	free_secret(&t->token);
	pthread_mutex_destroy(&t->lock);
}

/* Read the ADC file again if it changed since the last read (or never was). */
static int
reload_adc(struct gw_tokens *t, char *why_buf, size_t why_len)
{
	const char *path = t->config->adc_path;
	struct stat st;
	if (!path || stat(path, &st) < 0) {
		char msg[160];
		(void)snprintf(msg, sizeof(msg), "cannot read the credentials file: %s",
			       path ? strerror(errno) : "none configured");
		why(why_buf, why_len, msg);
		return -1;
	}
	if (t->have_adc && st.st_dev == t->dev && st.st_ino == t->ino && st.st_size == t->size &&
	    st.st_mtim.tv_sec == t->mtime.tv_sec && st.st_mtim.tv_nsec == t->mtime.tv_nsec)
		return 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		why(why_buf, why_len, "cannot open the credentials file");
		return -1;
	}
	struct gw_buf b = { .max = GW_MAX_ADC };
	char chunk[4096];
	size_t n;
	int ret = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (gw_buf_add(&b, chunk, n) < 0) {
			ret = -1;
			break;
		}
	(void)fclose(f);
	struct gw_adc adc;
	if (ret < 0) {
		why(why_buf, why_len, "the credentials file is too large to be ADC");
	} else if ((ret = gw_adc_parse(&adc, b.buf ? b.buf : "", b.len, why_buf, why_len)) == 0) {
		gw_adc_release(&t->adc);
		t->adc = adc;
		t->have_adc = true;
		t->dev = st.st_dev;
		t->ino = st.st_ino;
		t->size = st.st_size;
		t->mtime = st.st_mtim;
		/* Other credentials: the cached token is not theirs. */
		free_secret(&t->token);
	}
	if (b.buf)
		explicit_bzero(b.buf, b.len);
	gw_buf_release(&b);
	return ret;
}

static int
mint(struct gw_tokens *t, char *why_buf, size_t why_len)
{
	const char *url = t->config->token_url ? t->config->token_url : GOOGLE_TOKEN_URL;
	time_t now = t->now();
	struct gw_buf body = { 0 };
	int r = gw_adc_token_request(&t->adc, url, now, &body, why_buf, why_len);
	if (r < 0) {
		gw_buf_release(&body);
		return r;
	}
	struct gw_buf resp = { .max = GW_MAX_TOKEN_RESPONSE };
	long status = 0;
	r = t->post(t->post_ctx, url, body.buf, &resp, &status);
	explicit_bzero(body.buf, body.len);
	gw_buf_release(&body);
	char *token = NULL;
	long exp = 0;
	if (r < 0) {
		why(why_buf, why_len, "the token endpoint cannot be reached");
	} else if (status != 200) {
		char msg[200];
		(void)snprintf(msg, sizeof(msg),
			       "the token endpoint refused the credentials (HTTP %ld; run: gcloud "
			       "auth application-default login)",
			       status);
		why(why_buf, why_len, msg);
		r = -1;
	} else if (gw_token_parse(resp.buf ? resp.buf : "", resp.len, &token, &exp) < 0) {
		why(why_buf, why_len, "the token endpoint's answer has no access_token");
		r = -1;
	}
	if (resp.buf)
		explicit_bzero(resp.buf, resp.len);
	gw_buf_release(&resp);
	if (r < 0)
		return r;
	free_secret(&t->token);
	t->token = token;
	t->expires = now + exp;
	t->mints++;
	return 0;
}

int
gw_tokens_get(struct gw_tokens *t, const char *stale, char **token, char *why_buf, size_t why_len)
{
	pthread_mutex_lock(&t->lock);
	int r = reload_adc(t, why_buf, why_len);
	if (r == 0) {
		bool fresh = t->token && t->now() < t->expires - GW_TOKEN_MARGIN;
		/* Someone already replaced the token that got a 401: use theirs. */
		if (fresh && stale && !strcmp(stale, t->token))
			fresh = false;
		if (!fresh)
			r = mint(t, why_buf, why_len);
	}
	if (r == 0) {
		*token = strdup(t->token);
		if (!*token)
			abort();
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}
