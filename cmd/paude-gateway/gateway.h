/* SPDX-License-Identifier: MIT */
/*
 * paude-gateway: the model gateway that runs in a session's sidecar. It
 * holds the provider's credentials (Google Application Default
 * Credentials, or an Anthropic API key), so the agent never does, and adds
 * them to the model calls it allows: the Anthropic publisher calls of the
 * configured Vertex AI project and regions, or the Messages calls of the
 * Anthropic API. Everything else is refused with 403 before any upstream
 * call. See docs/AUTH.md.
 *
 * The program is self-contained (it is compiled inside the proxy image
 * from these sources): it uses libmicrohttpd to serve, libcurl to call
 * upstream, json-c for JSON and OpenSSL's libcrypto for RS256.
 */
#ifndef PAUDE_GATEWAY_H
#define PAUDE_GATEWAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define gw_cleanup_(f) __attribute__((cleanup(f)))
#define GW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Caps on what a client may send (bigger requests are refused with 403). */
#define GW_MAX_URI 2048
#define GW_MAX_HEADER_BYTES ((size_t)32 * 1024)
#define GW_MAX_BODY_DEFAULT ((size_t)32 * 1024 * 1024)
#define GW_MAX_REGIONS 16
/* Caps on what the token endpoint and the ADC file may send us. */
#define GW_MAX_ADC ((size_t)64 * 1024)
#define GW_MAX_TOKEN_RESPONSE ((size_t)64 * 1024)
/* A token is used until this many seconds before it expires. */
#define GW_TOKEN_MARGIN 300

/* --- a growable byte buffer, always NUL-terminated --- */
struct gw_buf {
	char *buf;
	size_t len, alloc;
	size_t max; /* 0 = no cap */
};
int gw_buf_add(struct gw_buf *b, const void *data, size_t n); /* -1 past max */
int gw_buf_addf(struct gw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gw_buf_reset(struct gw_buf *b);
void gw_buf_release(struct gw_buf *b);
void gw_free_ptr(void *p); /* for gw_cleanup_: frees *(void **)p */
#define gw_cleanup_free_ gw_cleanup_(gw_free_ptr)

/* --- configuration (from the environment: see main.c) --- */
enum gw_provider {
	GW_PROVIDER_NONE, /* refuse everything */
	GW_PROVIDER_VERTEX,
	GW_PROVIDER_ANTHROPIC,
};

struct gw_config {
	enum gw_provider provider;
	char *project; /* Vertex */
	char *regions[GW_MAX_REGIONS];
	size_t n_regions;
	char *vertex_url; /* test hook: replaces https://REGION-aiplatform.googleapis.com */
	char *token_url; /* test hook: replaces the Google token endpoint */
	char *adc_path;
	char *anthropic_url; /* test hook: replaces https://api.anthropic.com */
	char *anthropic_key;
	char *ca_file; /* CA bundle for upstream TLS, NULL = libcurl's default */
	char *log_path; /* recent calls, NULL = none */
	char *squid_log; /* squid's access log, for GET /paude/refusals */
	size_t max_body;
	bool allow_private; /* upstream may be a private address (only with hooks) */
};

void gw_config_release(struct gw_config *c);
/* Read PAUDE_GATEWAY_* and friends; on error returns -1 with *why set. */
int gw_config_from_env(struct gw_config *c, const char **why);
/* Split a comma-separated region list into c->regions; -1 on a bad name. */
int gw_config_set_regions(struct gw_config *c, const char *list);

/* --- the request filter --- */
enum gw_call {
	GW_CALL_RAW_PREDICT, /* Vertex :rawPredict */
	GW_CALL_STREAM_RAW_PREDICT, /* Vertex :streamRawPredict */
	GW_CALL_COUNT_TOKENS, /* Vertex count-tokens:rawPredict, API count_tokens */
	GW_CALL_MESSAGES, /* API /v1/messages */
};

struct gw_route {
	enum gw_call call;
	char model[128]; /* Vertex: the model in the path; API: "" */
	char region[64]; /* Vertex only */
};

/*
 * Decide whether a request may go upstream. raw_uri is the request target
 * exactly as the client sent it (before any percent-decoding). Returns 0
 * and fills *route when it is allowed; -1 with *reason (a static string)
 * when it is not. Never reads beyond the NUL of its arguments.
 */
int gw_filter(const struct gw_config *c, const char *method, const char *raw_uri,
	      struct gw_route *route, const char **reason);

/* The upstream URL for an allowed request; NULL for PROVIDER_NONE. */
char *gw_upstream_url(const struct gw_config *c, const struct gw_route *route, const char *raw_uri);

/* --- Application Default Credentials and tokens --- */
enum gw_adc_type {
	GW_ADC_AUTHORIZED_USER,
	GW_ADC_SERVICE_ACCOUNT,
};

struct gw_adc {
	enum gw_adc_type type;
	char *client_id, *client_secret, *refresh_token; /* authorized_user */
	char *client_email, *private_key, *private_key_id; /* service_account */
};

/*
 * Parse an ADC file's contents. -1 with *why (written into why_buf) on
 * malformed JSON, a missing field or an unsupported "type" (the message
 * names the types that are supported). Secrets never appear in *why.
 */
int gw_adc_parse(struct gw_adc *adc, const char *json, size_t len, char *why_buf, size_t why_len);
void gw_adc_release(struct gw_adc *adc);

/*
 * The application/x-www-form-urlencoded body that asks token_url for an
 * access token: the refresh-token grant, or the JWT-bearer grant with an
 * RS256 assertion signed with the service account's key (iat = now).
 */
int gw_adc_token_request(const struct gw_adc *adc, const char *token_url, time_t now,
			 struct gw_buf *body, char *why_buf, size_t why_len);

/* RS256 JWT over header and claims (JSON texts): header.claims.signature. */
int gw_jwt_rs256(const char *pem_key, const char *header_json, const char *claims_json,
		 struct gw_buf *out);
/* base64url without padding. */
void gw_base64url(struct gw_buf *out, const unsigned char *data, size_t n);

/* Parse a token endpoint's JSON answer: access_token and expires_in. */
int gw_token_parse(const char *json, size_t len, char **token, long *expires_in);

/* How the token cache calls the token endpoint (replaced in unit tests). */
typedef int (*gw_post_fn)(void *ctx, const char *url, const char *body, struct gw_buf *resp,
			  long *status);

struct gw_tokens {
	pthread_mutex_t lock;
	const struct gw_config *config;
	gw_post_fn post;
	void *post_ctx;
	time_t (*now)(void);
	/* The ADC file as last read: re-read when any of these change. */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool have_adc;
	struct gw_adc adc;
	char *token;
	time_t expires;
	unsigned long mints; /* tokens minted so far */
};

void gw_tokens_init(struct gw_tokens *t, const struct gw_config *c, gw_post_fn post,
		    void *post_ctx);
void gw_tokens_release(struct gw_tokens *t);
/*
 * A valid access token (malloc'ed into *token). force: mint a new one even
 * if the cached one is still good (after an upstream 401; `stale` is the
 * token that got the 401, so concurrent callers mint once, not once each).
 * -1 with why_buf filled on failure.
 */
int gw_tokens_get(struct gw_tokens *t, const char *stale, char **token, char *why_buf,
		  size_t why_len);

/* --- the recent-calls log --- */
struct gw_calllog {
	pthread_mutex_t lock;
	char *path;
	size_t max_bytes; /* rotate to PATH.1 past this */
};

struct gw_call_record {
	time_t when;
	const char *method;
	const char *what; /* call kind, or "refused" */
	const char *model; /* may be "" */
	int status;
	long ms;
	unsigned long long bytes_in, bytes_out;
	const char *reason; /* refusals and gateway errors, else NULL */
};

void gw_calllog_init(struct gw_calllog *l, const char *path);
void gw_calllog_release(struct gw_calllog *l);
/* One line: time, method, call, model, status, latency, bytes (and a
 * refusal's reason). Never headers, bodies or tokens. */
void gw_calllog_format(struct gw_buf *out, const struct gw_call_record *r);
void gw_calllog_write(struct gw_calllog *l, const struct gw_call_record *r);

/* --- the proxy's recent refusals (refusals.c), GET /paude/refusals --- */
#define GW_REFUSALS_PATH "/paude/refusals"
#define GW_REFUSALS_MAX 20 /* hosts in one answer */
#define GW_REFUSALS_TAIL ((size_t)256 * 1024) /* bytes of the log read */
#define GW_SQUID_LOG_DEFAULT "/var/log/squid/access.log"
/* One line of squid's native log: 0 with the time (seconds) and the host
 * (lower case, name characters only) when squid refused it; -1 else. */
int gw_refusal_parse(const char *line, size_t len, long long *when, char *host, size_t host_len);
/* "TIME HOST\n" for the last max (at most GW_REFUSALS_MAX) hosts refused
 * in log's whole lines, each at its latest refusal, oldest first. */
void gw_refusals_collect(const char *log, size_t len, size_t max, struct gw_buf *out);
/* The same from the tail of the log file at path (none: nothing). */
int gw_refusals_read(const char *path, struct gw_buf *out);

/* --- upstream addresses --- */
/* True for loopback, private, link-local, CGNAT, unspecified, multicast
 * and ULA addresses (IPv4, IPv6 and IPv4-mapped IPv6). */
bool gw_addr_is_private(const struct sockaddr *sa);

/* --- the server (server.c) --- */
struct gw_server;
struct gw_server *gw_server_start(const struct gw_config *c, const char *listen_addr, unsigned port,
				  char *why_buf, size_t why_len);
void gw_server_stop(struct gw_server *s);

#endif
