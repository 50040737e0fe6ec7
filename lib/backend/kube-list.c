/* SPDX-License-Identifier: MIT */
/*
 * Discovery on the cluster: the sessions are the StatefulSets with paude's
 * labels, read back as JSON (list and get of the cluster backend).
 */
#include <string.h>
#include "paude/backend/kube.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/json.h"
#include "paude/session/location.h"
#include "paude/core/log.h"
#include "backend/kube-internal.h"
#include "core/banned.h"

struct meta_ctx {
	struct json_object *labels, *annotations;
};

static const char *
meta_lookup(void *ctx, const char *key)
{
	struct meta_ctx *m = ctx;
	const char *v = paude_json_get_str(m->annotations, key);
	return v ? v : paude_json_get_str(m->labels, key);
}

static int
json_int(struct json_object *o, const char *key, int dflt)
{
	struct json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int(v);
}

int
paude_kube_parse_statefulsets(struct paude_session_list *out, const char *json, size_t len,
			      const char *location, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r = paude_json_parse(&root, json, len, "statefulset list", err);
	if (r < 0)
		return r;
	struct json_object *items = paude_json_get_array(root, "items");
	if (!items)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "statefulset list: expected an object with 'items'");
	size_t n = json_object_array_length(items);
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		struct json_object *md = paude_json_get_obj(it, "metadata");
		struct meta_ctx mc = { paude_json_get_obj(md, "labels"),
				       paude_json_get_obj(md, "annotations") };
		const char *app = paude_json_get_str(mc.labels, PAUDE_LABEL_APP);
		if (!app || strcmp(app, PAUDE_LABEL_APP_VALUE) != 0)
			continue;
		struct paude_session s;
		paude_session_init(&s);
		_cleanup_error_ struct paude_error *lerr = NULL;
		if (paude_session_from_labels(&s, meta_lookup, &mc, &lerr) < 0) {
			paude_debug("skipping statefulset with bad metadata: %s", lerr->msg);
			continue;
		}
		struct paude_session *d = paude_session_list_add(out);
		*d = s;
		int want = json_int(paude_json_get_obj(it, "spec"), "replicas", 1);
		int ready = json_int(paude_json_get_obj(it, "status"), "readyReplicas", 0);
		if (want == 0) {
			d->state = PAUDE_SESSION_STOPPED;
			d->status = paude_xstrdup("stopped (0 replicas)");
		} else if (ready >= want) {
			d->state = PAUDE_SESSION_RUNNING;
			d->status = paude_xstrdup("running (pod ready)");
		} else {
			/* Starting, or stuck: `start` waits and says why. */
			d->state = PAUDE_SESSION_UNKNOWN;
			d->status = paude_xstrdup("starting (pod not ready)");
		}
		d->backend = paude_xstrdup(paude_backend_kube.name);
		d->location = location ? paude_xstrdup(location) : NULL;
	}
	return 0;
}

static char *
location_of(struct paude_backend *b)
{
	struct kube_priv *p = priv(b);
	const struct paude_location at = {
		.kind = PAUDE_LOCATION_CLUSTER,
		.context = p->context,
		.namespace = p->namespace,
	};
	_cleanup_buf_ struct paude_buf where = PAUDE_BUF_INIT;
	paude_location_format_where(&at, &where);
	return paude_buf_detach(&where);
}

static int
get_statefulsets(struct paude_backend *b, const char *name, struct paude_session_list *out,
		 struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(GET_OUTPUT_MAX);
	_cleanup_free_ char *sel = name ? paude_kube__selector(name)
					: paude_xstrdup(PAUDE_LABEL_APP "=" PAUDE_LABEL_APP_VALUE);
	int r = paude_kube__call(b, &buf, "cannot list sessions on the cluster", err, "get",
				 "statefulsets", "--selector", sel, "--output", "json", NULL);
	if (r < 0)
		return r;
	_cleanup_free_ char *loc = location_of(b);
	return paude_kube_parse_statefulsets(out, buf.buf, buf.len, loc, err);
}

int
paude_kube__list(struct paude_backend *b, struct paude_session_list *out, struct paude_error **err)
{
	const char *ns = NULL;
	int r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	if ((r = get_statefulsets(b, NULL, &l, err)) < 0)
		return r;
	paude_session_list_take_all(out, &l);
	paude_session_list_sort(out);
	return 0;
}

int
paude_kube__get(struct paude_backend *b, const char *name, struct paude_session *out,
		struct paude_error **err)
{
	int r = paude_kube__check_name(b, name, err);
	if (r < 0)
		return r;
	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	if ((r = get_statefulsets(b, name, &l, err)) < 0)
		return r;
	if (paude_session_list_take(out, &l, name))
		return 0;
	return paude_error_set(err, PAUDE_ENOTFOUND, 0,
			       "session '%s' not found in namespace '%s' (list sessions with: "
			       "paude list)",
			       name, priv(b)->namespace);
}
