/* SPDX-License-Identifier: MIT */
/*
 * The gateway's HTTP side. libmicrohttpd serves, one thread per
 * connection, so each request may block while it talks to upstream:
 *   1. the request target is checked as the client sent it (filter.c);
 *      a refusal is answered at once, before the body is read;
 *   2. the body is collected (up to max_body);
 *   3. libcurl sends it upstream with the credentials added, and is
 *      driven until the response's headers are in; an upstream 401 on
 *      Vertex AI mints a new token and tries once more;
 *   4. the response is passed on through a callback that drives libcurl
 *      for the next bytes whenever the client can take them: nothing is
 *      buffered beyond what one read brings, so server-sent events reach
 *      the agent as they arrive, and a slow client slows the upstream.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include "gateway.h"

struct gw_server {
	struct MHD_Daemon *daemon;
	const struct gw_config *config;
	struct gw_tokens tokens;
	struct gw_calllog log;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

struct upstream {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	struct gw_buf out; /* response bytes not yet passed on */
	size_t out_off;
	struct gw_buf resp_headers; /* "name\0value\0" pairs worth passing on */
	bool headers_done, done;
	CURLcode result;
	long status;
};

struct request {
	struct gw_server *s;
	char *raw_uri;
	bool started;
	bool answered;
	bool internal; /* GET /paude/refusals: not a model call, not logged */
	const char *reason; /* refused, or a gateway error: what the log says */
	int status;
	struct gw_route route;
	struct gw_buf body;
	struct gw_buf fwd_headers; /* client headers to pass on, "Name: value" lines */
	size_t header_bytes;
	struct timespec t0;
	char method[16];
	char *token;
	struct upstream up;
	unsigned long long bytes_out;
};

static const char *
call_name(enum gw_call c)
{
	switch (c) {
	case GW_CALL_RAW_PREDICT:
		return "rawPredict";
	case GW_CALL_STREAM_RAW_PREDICT:
		return "streamRawPredict";
	case GW_CALL_COUNT_TOKENS:
		return "countTokens";
	case GW_CALL_MESSAGES:
		return "messages";
	}
	return "?";
}

/* --- curl share locks --- */

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *ctx)
{
	(void)h;
	(void)a;
	struct gw_server *s = ctx;
	pthread_mutex_lock(&s->share_locks[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
	(void)h;
	struct gw_server *s = ctx;
	pthread_mutex_unlock(&s->share_locks[data]);
}

/* Upstream connections never go to private addresses, unless a test hook
 * named the upstream (the only way to reach a test server or a private
 * endpoint). */
static curl_socket_t
open_public(void *ctx, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)purpose;
	bool allow_private = ctx != NULL;
	if (!allow_private && gw_addr_is_private(&a->addr))
		return CURL_SOCKET_BAD;
	int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static void
easy_common(CURL *e, const struct gw_server *s, bool allow_private)
{
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, allow_private ? "http,https" : "https");
	(void)curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_public);
	(void)curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, allow_private ? (void *)e : NULL);
	(void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stream may be quiet while the model thinks, not for ten minutes. */
	(void)curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	(void)curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 600L);
	(void)curl_easy_setopt(e, CURLOPT_SHARE, s->share);
	if (s->config->ca_file)
		(void)curl_easy_setopt(e, CURLOPT_CAINFO, s->config->ca_file);
}

/* --- the token endpoint --- */

static size_t
collect(char *p, size_t size, size_t n, void *ctx)
{
	struct gw_buf *b = ctx;
	return gw_buf_add(b, p, size * n) < 0 ? 0 : size * n;
}

static int
post_form(void *ctx, const char *url, const char *body, struct gw_buf *resp, long *status)
{
	struct gw_server *s = ctx;
	CURL *e = curl_easy_init();
	if (!e)
		return -1;
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	easy_common(e, s, s->config->token_url != NULL);
	(void)curl_easy_setopt(e, CURLOPT_URL, url);
	(void)curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	(void)curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	(void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	(void)curl_easy_setopt(e, CURLOPT_WRITEDATA, resp);
	CURLcode rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		(void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	else
		(void)fprintf(stderr, "paude-gateway: token endpoint: %s\n",
			      curl_easy_strerror(rc));
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	return rc == CURLE_OK ? 0 : -1;
}

/* --- upstream --- */

static size_t
on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct upstream *u = ctx;
	(void)gw_buf_add(&u->out, p, size * n);
	return size * n;
}

static bool
pass_back(const char *name, size_t n)
{
	static const char *const exact[] = { "content-type", "request-id", "x-request-id",
					     "retry-after", "x-should-retry" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(exact); i++)
		if (strlen(exact[i]) == n && !strncasecmp(name, exact[i], n))
			return true;
	return n > 10 && !strncasecmp(name, "anthropic-", 10);
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct upstream *u = ctx;
	size_t len = size * n;
	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		gw_buf_reset(&u->resp_headers);
		return len;
	}
	if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		long code = 0;
		(void)curl_easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200) {
			u->status = code;
			u->headers_done = true;
		}
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon || !pass_back(p, (size_t)(colon - p)))
		return len;
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	(void)gw_buf_add(&u->resp_headers, p, (size_t)(colon - p));
	(void)gw_buf_add(&u->resp_headers, "", 1);
	(void)gw_buf_add(&u->resp_headers, v, (size_t)(end - v));
	(void)gw_buf_add(&u->resp_headers, "", 1);
	return len;
}

static void
upstream_release(struct upstream *u)
{
	if (u->multi && u->easy)
		(void)curl_multi_remove_handle(u->multi, u->easy);
	if (u->easy)
		curl_easy_cleanup(u->easy);
	if (u->multi)
		(void)curl_multi_cleanup(u->multi);
	curl_slist_free_all(u->headers);
	gw_buf_release(&u->out);
	gw_buf_release(&u->resp_headers);
	memset(u, 0, sizeof(*u));
}

/* Let curl make progress: returns once something happened or a second passed. */
static void
drive(struct upstream *u)
{
	int running = 0;
	size_t before = u->out.len;
	(void)curl_multi_perform(u->multi, &running);
	int left = 0;
	CURLMsg *m;
	while ((m = curl_multi_info_read(u->multi, &left)))
		if (m->msg == CURLMSG_DONE) {
			u->done = true;
			u->result = m->data.result;
		}
	if (!running)
		u->done = true;
	if (u->done || u->out.len > before)
		return;
	(void)curl_multi_poll(u->multi, NULL, 0, 1000, NULL);
}

static int
upstream_start(struct request *rq, const char *cred_header)
{
	struct gw_server *s = rq->s;
	struct upstream *u = &rq->up;
	const struct gw_config *c = s->config;
	char *url = gw_upstream_url(c, &rq->route, rq->raw_uri);
	if (!url)
		return -1;
	u->multi = curl_multi_init();
	u->easy = curl_easy_init();
	if (!u->multi || !u->easy) {
		free(url);
		return -1;
	}
	bool hooked =
	    c->provider == GW_PROVIDER_VERTEX ? c->vertex_url != NULL : c->anthropic_url != NULL;
	easy_common(u->easy, s, hooked);
	(void)curl_easy_setopt(u->easy, CURLOPT_URL, url);
	free(url);
	(void)curl_easy_setopt(u->easy, CURLOPT_POST, 1L);
	(void)curl_easy_setopt(u->easy, CURLOPT_POSTFIELDS, rq->body.buf ? rq->body.buf : "");
	(void)curl_easy_setopt(u->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
	u->headers = curl_slist_append(u->headers, "Expect:");
	u->headers = curl_slist_append(u->headers, cred_header);
	for (const char *p = rq->fwd_headers.buf; p && *p; p += strlen(p) + 1)
		u->headers = curl_slist_append(u->headers, p);
	(void)curl_easy_setopt(u->easy, CURLOPT_HTTPHEADER, u->headers);
	(void)curl_easy_setopt(u->easy, CURLOPT_WRITEFUNCTION, on_data);
	(void)curl_easy_setopt(u->easy, CURLOPT_WRITEDATA, u);
	(void)curl_easy_setopt(u->easy, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(u->easy, CURLOPT_HEADERDATA, u);
	if (curl_multi_add_handle(u->multi, u->easy) != CURLM_OK)
		return -1;
	while (!u->headers_done && !u->done)
		drive(u);
	return u->headers_done ? 0 : -1;
}

/* --- answers --- */

static enum MHD_Result
answer_error(struct MHD_Connection *con, struct request *rq, unsigned status, const char *type,
	     const char *reason)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();
	struct gw_buf msg = { 0 };
	(void)gw_buf_addf(&msg, "paude-gateway: %s", reason);
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(e, "type", json_object_new_string(type));
	json_object_object_add(e, "message", json_object_new_string(msg.buf));
	json_object_object_add(o, "error", e);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	json_object_put(o);
	gw_buf_release(&msg);
	if (!r)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", "application/json");
	rq->reason = reason;
	rq->status = (int)status;
	rq->answered = true;
	enum MHD_Result ret = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The proxy's recent refusals, as text (refusals.c). */
static enum MHD_Result
answer_refusals(struct MHD_Connection *con, struct request *rq)
{
	struct gw_buf text = { .max = (size_t)64 * 1024 };
	rq->internal = true;
	rq->answered = true;
	if (gw_refusals_read(rq->s->config->squid_log, &text) < 0) {
		gw_buf_release(&text);
		return answer_error(con, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "api_error",
				    "cannot read the proxy's log");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    text.len, text.buf ? text.buf : (void *)"", MHD_RESPMEM_MUST_COPY);
	gw_buf_release(&text);
	if (!r)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", "text/plain");
	rq->status = MHD_HTTP_OK;
	enum MHD_Result ret = MHD_queue_response(con, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static ssize_t
read_upstream(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct request *rq = cls;
	struct upstream *u = &rq->up;
	for (;;) {
		if (u->out_off < u->out.len) {
			size_t n = u->out.len - u->out_off;
			if (n > max)
				n = max;
			memcpy(buf, u->out.buf + u->out_off, n);
			u->out_off += n;
			if (u->out_off == u->out.len) {
				gw_buf_reset(&u->out);
				u->out_off = 0;
			}
			rq->bytes_out += n;
			return (ssize_t)n;
		}
		if (u->done) {
			if (u->result != CURLE_OK) {
				rq->reason = "the upstream response broke off";
				return MHD_CONTENT_READER_END_WITH_ERROR;
			}
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		drive(u);
	}
}

static enum MHD_Result
forward(struct MHD_Connection *con, struct request *rq)
{
	struct gw_server *s = rq->s;
	const struct gw_config *c = s->config;
	char why[256] = "";
	struct gw_buf cred = { 0 };
	int r = -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		gw_buf_reset(&cred);
		if (c->provider == GW_PROVIDER_VERTEX) {
			char *token = NULL;
			if (gw_tokens_get(&s->tokens, attempt ? rq->token : NULL, &token, why,
					  sizeof(why)) < 0) {
				(void)fprintf(stderr, "paude-gateway: %s\n", why);
				gw_buf_release(&cred);
				return answer_error(con, rq, MHD_HTTP_BAD_GATEWAY, "api_error",
						    "no access token for Vertex AI (see the "
						    "proxy's log: podman logs paude-proxy-NAME)");
			}
			free(rq->token);
			rq->token = token;
			(void)gw_buf_addf(&cred, "Authorization: Bearer %s", token);
		} else {
			(void)gw_buf_addf(&cred, "x-api-key: %s", c->anthropic_key);
		}
		upstream_release(&rq->up);
		r = upstream_start(rq, cred.buf);
		if (r == 0 && rq->up.status == 401 && c->provider == GW_PROVIDER_VERTEX &&
		    attempt == 0)
			continue;
		break;
	}
	explicit_bzero(cred.buf, cred.len);
	gw_buf_release(&cred);
	if (r < 0) {
		if (rq->up.done && rq->up.result != CURLE_OK)
			(void)fprintf(stderr, "paude-gateway: upstream: %s\n",
				      curl_easy_strerror(rq->up.result));
		return answer_error(con, rq, MHD_HTTP_BAD_GATEWAY, "api_error",
				    "the model endpoint cannot be reached");
	}
	struct MHD_Response *resp = MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, (size_t)16 * 1024, read_upstream, rq, NULL);
	if (!resp)
		return MHD_NO;
	const struct gw_buf *h = &rq->up.resp_headers;
	for (size_t off = 0; off < h->len;) {
		const char *name = h->buf + off;
		const char *value = name + strlen(name) + 1;
		off = (size_t)(value - h->buf) + strlen(value) + 1;
		(void)MHD_add_response_header(resp, name, value);
	}
	rq->status = (int)rq->up.status;
	rq->answered = true;
	enum MHD_Result ret = MHD_queue_response(con, (unsigned)rq->up.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* --- the request's life --- */

static bool
forward_header(const char *name)
{
	static const char *const names[] = { "content-type", "accept", "user-agent",
					     "anthropic-version", "anthropic-beta" };
	for (size_t i = 0; i < GW_ARRAY_SIZE(names); i++)
		if (!strcasecmp(name, names[i]))
			return true;
	return !strncasecmp(name, "x-stainless-", 12);
}

static enum MHD_Result
each_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct request *rq = cls;
	size_t kl = strlen(key), vl = value ? strlen(value) : 0;
	rq->header_bytes += kl + vl + 4;
	if (rq->header_bytes <= GW_MAX_HEADER_BYTES && forward_header(key)) {
		(void)gw_buf_addf(&rq->fwd_headers, "%s: %s", key, value ? value : "");
		(void)gw_buf_add(&rq->fwd_headers, "", 1);
	}
	return MHD_YES;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	(void)con;
	struct request *rq = calloc(1, sizeof(*rq));
	if (!rq)
		abort();
	rq->s = cls;
	rq->raw_uri = strndup(uri, GW_MAX_URI + 1);
	if (!rq->raw_uri)
		abort();
	(void)clock_gettime(CLOCK_MONOTONIC, &rq->t0);
	return rq;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	(void)cls;
	(void)url;
	(void)version;
	struct request *rq = *req_cls;
	if (!rq)
		return MHD_NO;
	const struct gw_config *c = rq->s->config;
	if (!rq->started) {
		rq->started = true;
		(void)snprintf(rq->method, sizeof(rq->method), "%s", method);
		if (!strcmp(method, "GET") && !strcmp(rq->raw_uri, GW_REFUSALS_PATH))
			return answer_refusals(con, rq);
		const char *reason = NULL;
		if (gw_filter(c, method, rq->raw_uri, &rq->route, &reason) < 0)
			return answer_error(con, rq, MHD_HTTP_FORBIDDEN, "permission_error",
					    reason);
		(void)MHD_get_connection_values(con, MHD_HEADER_KIND, each_header, rq);
		if (rq->header_bytes > GW_MAX_HEADER_BYTES)
			return answer_error(con, rq, MHD_HTTP_FORBIDDEN, "permission_error",
					    "the request headers are too large");
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > c->max_body)
			return answer_error(con, rq, MHD_HTTP_FORBIDDEN, "permission_error",
					    "the request body is too large");
		rq->body.max = c->max_body;
		return MHD_YES;
	}
	if (rq->answered) {
		*upload_data_size = 0; /* refused: the rest of the body is dropped */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (gw_buf_add(&rq->body, upload_data, *upload_data_size) < 0) {
			*upload_data_size = 0;
			return answer_error(con, rq, MHD_HTTP_FORBIDDEN, "permission_error",
					    "the request body is too large");
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return forward(con, rq);
}

static void
on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
	     enum MHD_RequestTerminationCode toe)
{
	(void)con;
	struct gw_server *s = cls;
	struct request *rq = *req_cls;
	if (!rq)
		return;
	*req_cls = NULL;
	struct timespec t1;
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rq->started && !rq->internal) {
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !rq->reason)
			rq->reason = toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT
					 ? "the client went away"
					 : "the connection ended early";
		struct gw_call_record rec = {
			.when = time(NULL),
			.method = rq->method,
			.what = rq->status == 403 ? "refused" : call_name(rq->route.call),
			.model = rq->route.model,
			.status = rq->status,
			.ms = (long)((t1.tv_sec - rq->t0.tv_sec) * 1000 +
				     (t1.tv_nsec - rq->t0.tv_nsec) / 1000000),
			.bytes_in = rq->body.len,
			.bytes_out = rq->bytes_out,
			.reason = rq->reason,
		};
		gw_calllog_write(&s->log, &rec);
	}
	upstream_release(&rq->up);
	if (rq->token) {
		explicit_bzero(rq->token, strlen(rq->token));
		free(rq->token);
	}
	gw_buf_release(&rq->body);
	gw_buf_release(&rq->fwd_headers);
	free(rq->raw_uri);
	free(rq);
}

struct gw_server *
gw_server_start(const struct gw_config *c, const char *listen_addr, unsigned port, char *why_buf,
		size_t why_len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, listen_addr, &sa.sin_addr) != 1) {
		(void)snprintf(why_buf, why_len, "invalid listen address '%s' (IPv4 expected)",
			       listen_addr);
		return NULL;
	}
	struct gw_server *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->config = c;
	for (size_t i = 0; i < GW_ARRAY_SIZE(s->share_locks); i++)
		pthread_mutex_init(&s->share_locks[i], NULL);
	s->share = curl_share_init();
	if (!s->share)
		abort();
	(void)curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
	(void)curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	(void)curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
	(void)curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	(void)curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	(void)curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	gw_tokens_init(&s->tokens, c, post_form, s);
	gw_calllog_init(&s->log, c->log_path);
	s->daemon = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, GW_MAX_HEADER_BYTES * 4,
	    MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_CONNECTION_TIMEOUT, 900u,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024, MHD_OPTION_END);
	if (!s->daemon) {
		(void)snprintf(why_buf, why_len, "cannot listen on %s:%u: %s", listen_addr, port,
			       strerror(errno));
		gw_server_stop(s);
		return NULL;
	}
	return s;
}

void
gw_server_stop(struct gw_server *s)
{
	if (!s)
		return;
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	gw_tokens_release(&s->tokens);
	gw_calllog_release(&s->log);
	if (s->share)
		(void)curl_share_cleanup(s->share);
	for (size_t i = 0; i < GW_ARRAY_SIZE(s->share_locks); i++)
		pthread_mutex_destroy(&s->share_locks[i]);
	free(s);
}
