/* SPDX-License-Identifier: MIT */
/* Shared by the files of the cluster backend (lib/backend/backend-kube.c,
 * kube-manifests.c, kube-run.c, kube-list.c, kube-build.c); not a public API. */
#ifndef PAUDE_KUBE_INTERNAL_H
#define PAUDE_KUBE_INTERNAL_H

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "paude/backend/kube.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/run.h"

#define GET_OUTPUT_MAX (16u << 20)
#define ERR_MAX (1u << 16)

struct kube_priv {
	char *tool;
	char *context;
	char *namespace;
	char *pvc_size;
	char *storage_class;
	bool openshift;
};

static inline struct kube_priv *
priv(struct paude_backend *b)
{
	return b->priv;
}

static inline struct json_object *
jstr(const char *s)
{
	return paude_xnonnull(json_object_new_string(s));
}

static inline struct json_object *
jobj(void)
{
	return paude_xnonnull(json_object_new_object());
}

static inline struct json_object *
jarr(void)
{
	return paude_xnonnull(json_object_new_array());
}

/* Add and return the value, so nested objects read top-down. */
static inline struct json_object *
put(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
	return v;
}

static inline struct json_object *
push(struct json_object *a, struct json_object *v)
{
	json_object_array_add(a, v);
	return v;
}

static inline struct json_object *
env_var(const char *name, const char *value)
{
	struct json_object *e = jobj();
	put(e, "name", jstr(name));
	put(e, "value", jstr(value));
	return e;
}

static inline bool
has(const char *text, const char *needle)
{
	return text && strstr(text, needle);
}

static inline char *
dup_opt(const char *s)
{
	if (!s)
		return NULL;
	char *d = paude_xstrdup(s);
	return d;
}

/* Names and objects (kube-manifests.c). */
char *paude_kube__selector(const char *session);
bool paude_kube__valid_dns_subdomain(const char *s);
int paude_kube__check_opts(const struct paude_kube_opts *opts, struct paude_error **err);

/* Running the tool (kube-run.c). */
/* A child TOOL [--context=C] [--namespace=NS] (the namespace if with_ns). */
void paude_kube__child(struct paude_backend *b, struct paude_child *c, bool with_ns);
/* Run; stdout into out (may be NULL); failure: a classified error naming what. */
int paude_kube__run(struct paude_backend *b, struct paude_child *c, const char *in,
		    struct paude_buf *out, const char *what, struct paude_error **err);
/* TOOL [--context] --namespace=NS ARGS... (NULL-terminated). */
int paude_kube__call(struct paude_backend *b, struct paude_buf *out, const char *what,
		     struct paude_error **err, ...);
/* A valid session name, and the namespace known. */
int paude_kube__check_name(struct paude_backend *b, const char *name, struct paude_error **err);
/* `apply --filename=-` of obj. */
int paude_kube__apply(struct paude_backend *b, struct json_object *obj, const char *what,
		      struct paude_error **err);
int paude_kube__detect_openshift(struct paude_backend *b, bool *out, struct paude_error **err);

/* Discovery (kube-list.c). */
int paude_kube__list(struct paude_backend *b, struct paude_session_list *out,
		     struct paude_error **err);
int paude_kube__get(struct paude_backend *b, const char *name, struct paude_session *out,
		    struct paude_error **err);

#endif
