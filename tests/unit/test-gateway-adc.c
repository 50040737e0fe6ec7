/* SPDX-License-Identifier: MIT */
/* Unit tests for cmd/paude-gateway/adc.c: Application Default Credentials,
 * the RS256 JWT of service accounts, and the token cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "../../cmd/paude-gateway/gateway.h"

static const char user_adc[] = "{\"type\":\"authorized_user\",\"client_id\":\"cid-1\","
			       "\"client_secret\":\"csecret-2\",\"refresh_token\":\"rtok-3\"}";

static void
test_authorized_user_credentials_make_a_refresh_grant(void **state)
{
	(void)state;
	struct gw_adc adc;
	char why[200] = "";
	assert_int_equal(gw_adc_parse(&adc, user_adc, strlen(user_adc), why, sizeof(why)), 0);
	assert_int_equal(adc.type, GW_ADC_AUTHORIZED_USER);
	struct gw_buf body = { 0 };
	assert_int_equal(
	    gw_adc_token_request(&adc, "https://t.example/token", 0, &body, why, sizeof(why)), 0);
	assert_string_equal(body.buf, "grant_type=refresh_token&client_id=cid-1&client_secret="
				      "csecret-2&refresh_token=rtok-3");
	gw_buf_release(&body);
	gw_adc_release(&adc);
}

static void
test_other_credentials_are_refused_naming_what_is_supported(void **state)
{
	(void)state;
	struct gw_adc adc;
	char why[200] = "";
	static const char ext[] = "{\"type\":\"external_account\",\"audience\":\"x\"}";
	assert_int_equal(gw_adc_parse(&adc, ext, strlen(ext), why, sizeof(why)), -1);
	assert_string_equal(why, "unsupported credentials type 'external_account' (supported: "
				 "authorized_user, service_account)");
	static const char partial[] = "{\"type\":\"authorized_user\",\"client_id\":\"c\","
				      "\"refresh_token\":\"SECRET-R\"}";
	assert_int_equal(gw_adc_parse(&adc, partial, strlen(partial), why, sizeof(why)), -1);
	assert_null(strstr(why, "SECRET-R"));
	assert_non_null(strstr(why, "client_secret"));
	assert_int_equal(gw_adc_parse(&adc, "[1]", 3, why, sizeof(why)), -1);
	assert_int_equal(gw_adc_parse(&adc, "{\"type\":", 8, why, sizeof(why)), -1);
	assert_string_equal(why, "the credentials file is not a JSON object");
}

/* A fresh RSA key, its private half in PEM. */
static EVP_PKEY *
new_key(char **pem)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	assert_non_null(k);
	BIO *b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	*pem = strndup(data, (size_t)n);
	BIO_free(b);
	return k;
}

static size_t
unb64url(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		const char *tab =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *p = strchr(tab, s[i]);
		assert_non_null(p);
		acc = acc << 6 | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

static void
test_service_account_jwt_verifies_with_the_public_key(void **state)
{
	(void)state;
	char *pem = NULL;
	EVP_PKEY *key = new_key(&pem);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("service_account"));
	json_object_object_add(o, "client_email", json_object_new_string("sa@p.iam.example"));
	json_object_object_add(o, "private_key", json_object_new_string(pem));
	json_object_object_add(o, "private_key_id", json_object_new_string("kid-9"));
	const char *text = json_object_to_json_string(o);
	struct gw_adc adc;
	char why[200] = "";
	assert_int_equal(gw_adc_parse(&adc, text, strlen(text), why, sizeof(why)), 0);
	json_object_put(o);
	struct gw_buf body = { 0 };
	assert_int_equal(
	    gw_adc_token_request(&adc, "https://t.example/token", 1000, &body, why, sizeof(why)),
	    0);
	const char *prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&"
			     "assertion=";
	assert_int_equal(strncmp(body.buf, prefix, strlen(prefix)), 0);
	const char *jwt = body.buf + strlen(prefix);
	const char *dot1 = strchr(jwt, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	assert_non_null(dot2);
	unsigned char claims[1024];
	size_t cn = unb64url(dot1 + 1, (size_t)(dot2 - dot1 - 1), claims);
	claims[cn] = '\0';
	struct json_object *c = json_tokener_parse((char *)claims);
	assert_non_null(c);
	struct json_object *v;
	assert_true(json_object_object_get_ex(c, "iss", &v));
	assert_string_equal(json_object_get_string(v), "sa@p.iam.example");
	assert_true(json_object_object_get_ex(c, "aud", &v));
	assert_string_equal(json_object_get_string(v), "https://t.example/token");
	assert_true(json_object_object_get_ex(c, "scope", &v));
	assert_string_equal(json_object_get_string(v),
			    "https://www.googleapis.com/auth/cloud-platform");
	assert_true(json_object_object_get_ex(c, "iat", &v));
	assert_int_equal(json_object_get_int64(v), 1000);
	assert_true(json_object_object_get_ex(c, "exp", &v));
	assert_int_equal(json_object_get_int64(v), 4600);
	json_object_put(c);

	unsigned char sig[512];
	size_t sn = unb64url(dot2 + 1, strlen(dot2 + 1), sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(
	    EVP_DigestVerify(md, sig, sn, (const unsigned char *)jwt, (size_t)(dot2 - jwt)), 1);
	/* One changed byte of the signed part and it no longer verifies. */
	char *tampered = strndup(jwt, (size_t)(dot2 - jwt));
	tampered[3] ^= 1;
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_not_equal(
	    EVP_DigestVerify(md, sig, sn, (const unsigned char *)tampered, strlen(tampered)), 1);
	free(tampered);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	gw_buf_release(&body);
	gw_adc_release(&adc);
	free(pem);
}

static void
test_a_bad_private_key_is_a_clear_error(void **state)
{
	(void)state;
	static const char sa[] = "{\"type\":\"service_account\",\"client_email\":\"a@b\","
				 "\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nnope\\n\"}";
	struct gw_adc adc;
	char why[200] = "";
	assert_int_equal(gw_adc_parse(&adc, sa, strlen(sa), why, sizeof(why)), 0);
	struct gw_buf body = { 0 };
	assert_int_equal(gw_adc_token_request(&adc, "https://t/", 0, &body, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot sign"));
	gw_buf_release(&body);
	gw_adc_release(&adc);
}

static void
test_token_answers_are_parsed_strictly(void **state)
{
	(void)state;
	char *t = NULL;
	long exp = 0;
	static const char ok[] = "{\"access_token\":\"ya29.x\",\"expires_in\":3599}";
	assert_int_equal(gw_token_parse(ok, strlen(ok), &t, &exp), 0);
	assert_string_equal(t, "ya29.x");
	assert_int_equal(exp, 3599);
	free(t);
	static const char crlf[] = "{\"access_token\":\"a\\r\\nX-Evil: 1\"}";
	assert_int_equal(gw_token_parse(crlf, strlen(crlf), &t, &exp), -1);
	static const char none[] = "{\"error\":\"invalid_grant\"}";
	assert_int_equal(gw_token_parse(none, strlen(none), &t, &exp), -1);
}

/* --- the token cache, with a fake token endpoint and clock --- */

static time_t fake_time;
static time_t
fake_now(void)
{
	return fake_time;
}

struct fake_endpoint {
	int calls;
	long status;
	long expires_in;
	char last_body[512];
};

static int
fake_post(void *ctx, const char *url, const char *body, struct gw_buf *resp, long *status)
{
	struct fake_endpoint *f = ctx;
	assert_string_equal(url, "http://token.test/token");
	(void)snprintf(f->last_body, sizeof(f->last_body), "%s", body);
	f->calls++;
	*status = f->status;
	(void)gw_buf_addf(resp, "{\"access_token\":\"tok-%d\",\"expires_in\":%ld}", f->calls,
			  f->expires_in);
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
test_tokens_are_minted_once_reused_and_refreshed(void **state)
{
	(void)state;
	char dir[] = "/tmp/paude-gw-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	(void)snprintf(path, sizeof(path), "%s/adc.json", dir);
	write_file(path, user_adc);
	struct gw_config c = { .provider = GW_PROVIDER_VERTEX,
			       .adc_path = strdup(path),
			       .token_url = strdup("http://token.test/token") };
	struct fake_endpoint f = { .status = 200, .expires_in = 3600 };
	struct gw_tokens t;
	gw_tokens_init(&t, &c, fake_post, &f);
	t.now = fake_now;
	fake_time = 1000;
	char why[200] = "";
	char *tok = NULL;

	assert_int_equal(gw_tokens_get(&t, NULL, &tok, why, sizeof(why)), 0);
	assert_string_equal(tok, "tok-1");
	assert_non_null(strstr(f.last_body, "refresh_token=rtok-3"));
	free(tok);
	/* Reused while it is good for more than the margin. */
	fake_time = 1000 + 3600 - GW_TOKEN_MARGIN - 1;
	assert_int_equal(gw_tokens_get(&t, NULL, &tok, why, sizeof(why)), 0);
	assert_string_equal(tok, "tok-1");
	free(tok);
	assert_int_equal(f.calls, 1);
	/* Refreshed shortly before it expires. */
	fake_time = 1000 + 3600 - GW_TOKEN_MARGIN;
	assert_int_equal(gw_tokens_get(&t, NULL, &tok, why, sizeof(why)), 0);
	assert_string_equal(tok, "tok-2");
	free(tok);
	/* A 401 with tok-2 mints tok-3; a second caller holding the same stale
	 * tok-2 gets tok-3 without another mint. */
	assert_int_equal(gw_tokens_get(&t, "tok-2", &tok, why, sizeof(why)), 0);
	assert_string_equal(tok, "tok-3");
	free(tok);
	assert_int_equal(gw_tokens_get(&t, "tok-2", &tok, why, sizeof(why)), 0);
	assert_string_equal(tok, "tok-3");
	free(tok);
	assert_int_equal(f.calls, 3);
	assert_int_equal(t.mints, 3);

	/* New credentials in the file: read again, and the old token is dropped. */
	write_file(path, "{\"type\":\"authorized_user\",\"client_id\":\"cid-1\","
			 "\"client_secret\":\"csecret-2\",\"refresh_token\":\"rtok-NEW-file\"}");
	assert_int_equal(gw_tokens_get(&t, NULL, &tok, why, sizeof(why)), 0);
	assert_string_equal(tok, "tok-4");
	assert_non_null(strstr(f.last_body, "refresh_token=rtok-NEW-file"));
	free(tok);

	/* A refusal by the endpoint is an error that says what to do. */
	f.status = 400;
	assert_int_equal(gw_tokens_get(&t, "tok-4", &tok, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "HTTP 400"));
	assert_non_null(strstr(why, "gcloud auth application-default login"));

	/* An unsupported file is reported, and no token is minted from it. */
	f.status = 200;
	int before = f.calls;
	write_file(path, "{\"type\":\"impersonated_service_account\"}");
	assert_int_equal(gw_tokens_get(&t, NULL, &tok, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "supported: authorized_user, service_account"));
	assert_int_equal(f.calls, before);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(gw_tokens_get(&t, NULL, &tok, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot read the credentials file"));

	gw_tokens_release(&t);
	gw_config_release(&c);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authorized_user_credentials_make_a_refresh_grant),
		cmocka_unit_test(test_other_credentials_are_refused_naming_what_is_supported),
		cmocka_unit_test(test_service_account_jwt_verifies_with_the_public_key),
		cmocka_unit_test(test_a_bad_private_key_is_a_clear_error),
		cmocka_unit_test(test_token_answers_are_parsed_strictly),
		cmocka_unit_test(test_tokens_are_minted_once_reused_and_refreshed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
