/* SPDX-License-Identifier: MIT */
/*
 * The OpenShift/Kubernetes backend (include/paude/backend/kube.h has the object
 * model): its operations and opening it. Manifests are built with json-c
 * (kube-manifests.c) and applied on stdin; state is read back as JSON
 * (kube-list.c). Every oc/kubectl call goes through b->runner (kube-run.c);
 * images built in the cluster are kube-build.c's.
 */
#include <string.h>
#include <unistd.h>
#include "paude/backend/kube.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/backend/kube-images.h"
#include "paude/core/json.h"
#include "paude/core/signal.h"
#include "backend/kube-internal.h"
#include "core/banned.h"

/* Lifecycle ----------------------------------------------------------- */

static void
delete_all(struct paude_backend *b, const char *name, struct paude_error **err)
{
	_cleanup_free_ char *sel = paude_kube__selector(name);
	paude_kube__call(b, NULL, NULL, err, "delete",
			 "statefulset,deployment,service,networkpolicy,configmap,secret,"
			 "persistentvolumeclaim",
			 "--selector", sel, "--ignore-not-found=true", "--wait=false", NULL);
}

/*
 * Everything but the StatefulSet first: the policies are in force before any
 * pod exists, and the proxy's address is known. Interruptions are checked
 * between steps; the caller deletes what was applied on any failure.
 */
static int
apply_session(struct paude_backend *b, const struct paude_session_spec *spec,
	      const struct paude_kube_opts *opts, struct json_object *items, const char *what,
	      struct paude_error **err)
{
	const char *name = spec->meta.name;
	size_t n = json_object_array_length(items);
	_cleanup_json_ struct json_object *list = jobj();
	put(list, "apiVersion", jstr("v1"));
	put(list, "kind", jstr("List"));
	struct json_object *li = put(list, "items", jarr());
	for (size_t i = 0; i + 1 < n; i++)
		push(li, json_object_get(json_object_array_get_idx(items, i)));
	int r = paude_signal_check(err);
	if (r == 0)
		r = paude_kube__apply(b, list, what, err);
	if (r < 0)
		return r;

	bool restricted = false;
	for (size_t i = 0; i + 1 < n; i++)
		restricted |= !strcmp(
		    paude_json_get_str(json_object_array_get_idx(items, i), "kind"), "Service");
	_cleanup_buf_ struct paude_buf ip = PAUDE_BUF_INIT_MAX(256);
	if (restricted) {
		_cleanup_free_ char *svc = paude_kube_proxy_name(name);
		r = paude_kube__call(b, &ip, what, err, "get", "service", svc, "--output",
				     "jsonpath={.spec.clusterIP}", NULL);
		if (r < 0)
			return r;
		paude_buf_rtrim(&ip);
		if (!ip.len || strspn(ip.buf, "0123456789.:abcdef") != ip.len)
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "%s: the proxy service has no cluster IP ('%s')",
					       what, ip.buf);
	}
	_cleanup_json_ struct json_object *final = NULL;
	if ((r = paude_kube_manifests(spec, opts, restricted ? ip.buf : NULL, &final, err)) < 0)
		return r;
	if ((r = paude_signal_check(err)) < 0)
		return r;
	return paude_kube__apply(b, json_object_array_get_idx(final, n - 1), what, err);
}

static int
kube_create(struct paude_backend *b, const struct paude_session_spec *spec,
	    struct paude_error **err)
{
	struct kube_priv *p = priv(b);
	const char *name = spec->meta.name;
	int r = paude_kube__check_name(b, name, err);
	if (r < 0)
		return r;
	if (!spec->meta.image || !*spec->meta.image || paude_looks_like_option(spec->meta.image))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid image reference '%s'",
				       spec->meta.image ? spec->meta.image : "");
	if ((r = paude_kube_check_namespace(b, err)) < 0)
		return r;
	if ((r = paude_kube__detect_openshift(b, &p->openshift, err)) < 0)
		return r;
	const struct paude_kube_opts opts = {
		.pvc_size = p->pvc_size,
		.storage_class = p->storage_class,
		.openshift = p->openshift,
	};
	_cleanup_json_ struct json_object *items = NULL;
	if ((r = paude_kube_manifests(spec, &opts, NULL, &items, err)) < 0)
		return r;

	_cleanup_(paude_session_release) struct paude_session existing = PAUDE_SESSION_INIT;
	_cleanup_error_ struct paude_error *gerr = NULL;
	r = paude_kube__get(b, name, &existing, &gerr);
	if (r == 0)
		return paude_error_set(
		    err, PAUDE_EEXISTS, 0,
		    "session '%s' already exists in namespace '%s' (connect with: "
		    "paude connect %s)",
		    name, p->namespace, name);
	if (r != PAUDE_ENOTFOUND) {
		*err = TAKE_PTR(gerr);
		return r;
	}

	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("cannot create session '%s'", name);
	r = apply_session(b, spec, &opts, items, what, err);
	if (r < 0)
		/* Leave nothing half-created; keep the first error. */
		delete_all(b, name, NULL);
	return r;
}

/* Say why a pod did not become ready, from its status. */
static void
explain_pod(struct paude_backend *b, const char *pod, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(GET_OUTPUT_MAX);
	if (paude_kube__call(b, &buf, NULL, NULL, "get", "pod", pod, "--output", "json", NULL) < 0)
		return;
	_cleanup_json_ struct json_object *root = NULL;
	if (paude_json_parse(&root, buf.buf, buf.len, "pod", NULL) < 0)
		return;
	struct json_object *st = paude_json_get_obj(root, "status");
	struct json_object *cs = paude_json_get_array(st, "containerStatuses");
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *w = paude_json_get_obj(
		    paude_json_get_obj(json_object_array_get_idx(cs, i), "state"), "waiting");
		const char *reason = paude_json_get_str(w, "reason");
		if (!reason)
			continue;
		const char *msg = paude_json_get_str(w, "message");
		const char *what = strstr(reason, "Image") || !strcmp(reason, "ErrImagePull")
				       ? "the image cannot be pulled"
				       : "the container cannot start";
		paude_error_wrap(err, PAUDE_EGENERIC, "%s: %s: %s", what, reason, msg ? msg : "");
		return;
	}
	struct json_object *conds = paude_json_get_array(st, "conditions");
	for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
		struct json_object *c = json_object_array_get_idx(conds, i);
		const char *type = paude_json_get_str(c, "type");
		const char *status = paude_json_get_str(c, "status");
		if (type && status && !strcmp(type, "PodScheduled") && !strcmp(status, "False")) {
			const char *msg = paude_json_get_str(c, "message");
			paude_error_wrap(err, PAUDE_EGENERIC, "the pod cannot be scheduled: %s",
					 msg ? msg : "");
			return;
		}
	}
}

static int
scale(struct paude_backend *b, const char *kind, const char *obj, int replicas, const char *what,
      struct paude_error **err)
{
	_cleanup_free_ char *ref = NULL, *rep = NULL;
	ref = paude_xasprintf("%s/%s", kind, obj);
	rep = paude_xasprintf("--replicas=%d", replicas);
	return paude_kube__call(b, NULL, what, err, "scale", ref, rep, NULL);
}

static int
rollout_wait(struct paude_backend *b, const char *kind, const char *obj, const char *what,
	     struct paude_error **err)
{
	_cleanup_free_ char *ref = NULL;
	ref = paude_xasprintf("%s/%s", kind, obj);
	return paude_kube__call(b, NULL, what, err, "rollout", "status", ref,
				"--timeout=" PAUDE_KUBE_READY_TIMEOUT, NULL);
}

static bool
is_restricted(const struct paude_session *s)
{
	return paude_strvec_find(&s->allowed_domains, "all") < 0;
}

static int
kube_start(struct paude_backend *b, const char *name, struct paude_error **err)
{
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	int r = paude_kube__get(b, name, &s, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *sts = paude_kube_statefulset_name(name);
	_cleanup_free_ char *proxy = paude_kube_proxy_name(name);
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("cannot start session '%s'", name);
	/* The proxy first: the agent's only way out must be there when it is. */
	if (is_restricted(&s)) {
		if ((r = scale(b, "deployment", proxy, 1, what, err)) < 0)
			return r;
		if ((r = rollout_wait(b, "deployment", proxy, what, err)) < 0)
			return r;
	}
	if ((r = scale(b, "statefulset", sts, 1, what, err)) < 0)
		return r;
	if ((r = rollout_wait(b, "statefulset", sts, what, err)) < 0) {
		_cleanup_free_ char *pod = paude_kube_pod_name(name);
		explain_pod(b, pod, err);
		return r;
	}
	return 0;
}

static int
kube_stop(struct paude_backend *b, const char *name, struct paude_error **err)
{
	_cleanup_(paude_session_release) struct paude_session s = PAUDE_SESSION_INIT;
	int r = paude_kube__get(b, name, &s, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *sts = paude_kube_statefulset_name(name);
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("cannot stop session '%s'", name);
	if ((r = scale(b, "statefulset", sts, 0, what, err)) < 0)
		return r;
	if (is_restricted(&s)) {
		_cleanup_free_ char *proxy = paude_kube_proxy_name(name);
		if ((r = scale(b, "deployment", proxy, 0, what, err)) < 0)
			return r;
	}
	return 0;
}

static int
kube_remove(struct paude_backend *b, const char *name, struct paude_error **err)
{
	int r = paude_kube__check_name(b, name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("cannot delete session '%s'", name);
	_cleanup_free_ char *sel = paude_kube__selector(name);
	/* One call, by label: the PVC goes too (delete means delete). */
	return paude_kube__call(
	    b, NULL, what, err, "delete",
	    "statefulset,deployment,service,networkpolicy,configmap,secret,persistentvolumeclaim",
	    "--selector", sel, "--ignore-not-found=true", "--wait=false", NULL);
}

static int
kube_exec_prepare(struct paude_backend *b, const char *name, unsigned flags,
		  const char *const *argv, struct paude_child *out, struct paude_error **err)
{
	int r = paude_kube__check_name(b, name, err);
	if (r < 0)
		return r;
	if (!argv || !argv[0] || !*argv[0])
		return paude_error_set(err, PAUDE_EUSAGE, 0, "no command to run in session '%s'",
				       name);
	struct kube_priv *p = priv(b);
	_cleanup_free_ char *pod = paude_kube_pod_name(name);
	paude_strvec_push(&out->args, p->tool);
	if (p->context)
		paude_strvec_pushf(&out->args, "--context=%s", p->context);
	paude_strvec_pushf(&out->args, "--namespace=%s", p->namespace);
	paude_strvec_push(&out->args, "exec");
	if (flags & PAUDE_EXEC_STDIN)
		paude_strvec_push(&out->args, "--stdin");
	if (flags & PAUDE_EXEC_TTY)
		paude_strvec_push(&out->args, "--tty");
	paude_strvec_pushl(&out->args, pod, "--container=agent", "--", NULL);
	/* exec has no --env: the terminal type reaches tmux through env(1). */
	const char *term = getenv("TERM");
	if ((flags & PAUDE_EXEC_TTY) && term && *term && !strchr(term, '\n')) {
		paude_strvec_push(&out->args, "env");
		paude_strvec_pushf(&out->args, "TERM=%s", term);
	}
	paude_strvec_pushv(&out->args, argv);
	return 0;
}

static int
kube_proxy_log(struct paude_backend *b, const char *name, struct paude_buf *out,
	       struct paude_error **err)
{
	int r = paude_kube__check_name(b, name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *ref = NULL;
	ref = paude_xasprintf("deployment/paude-proxy-%s", name);
	return paude_kube__call(b, out, "cannot read the proxy log", err, "exec", ref,
				"--container=proxy", "--", "tail", "-n", "50",
				PAUDE_PROXY_ACCESS_LOG, NULL);
}

/* patch deployment/paude-proxy-NAME with the squid configuration of al. */
static int
patch_proxy(struct paude_backend *b, const struct paude_session *s,
	    const struct paude_allowlist *al, const char *what, struct paude_error **err)
{
	_cleanup_json_ struct json_object *patch = NULL;
	int r = paude_kube_policy_patch(s, al, &patch, err);
	if (r < 0)
		return r;
	_cleanup_buf_ struct paude_buf doc = PAUDE_BUF_INIT;
	paude_json_write(&doc, patch, false);
	_cleanup_free_ char *ref = NULL, *arg = NULL;
	ref = paude_xasprintf("deployment/paude-proxy-%s", s->name);
	arg = paude_xasprintf("--patch=%s", doc.buf);
	return paude_kube__call(b, NULL, what, err, "patch", ref, "--type=strategic", arg, NULL);
}

/* annotate statefulset/paude-NAME with the policy (what get reads). */
static int
annotate_policy(struct paude_backend *b, const char *name, const struct paude_strvec *requested,
		const char *what, struct paude_error **err)
{
	_cleanup_json_ struct json_object *doms = paude_json_array_from_strvec(requested);
	_cleanup_buf_ struct paude_buf dl = PAUDE_BUF_INIT;
	paude_json_write(&dl, doms, false);
	_cleanup_free_ char *sts = paude_kube_statefulset_name(name);
	_cleanup_free_ char *ref = NULL, *kv = NULL;
	ref = paude_xasprintf("statefulset/%s", sts);
	kv = paude_xasprintf(PAUDE_LABEL_DOMAINS "=%s", dl.buf);
	return paude_kube__call(b, NULL, what, err, "annotate", ref, "--overwrite", kv, NULL);
}

static int
kube_set_allowlist(struct paude_backend *b, const struct paude_session *s,
		   const struct paude_allowlist *al, struct paude_error **err)
{
	int r = paude_kube__check_name(b, s->name, err);
	if (r < 0)
		return r;
	if (!is_restricted(s) || al->unrestricted)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the network of session '%s' is unrestricted: it has no "
				       "proxy to change",
				       s->name);
	_cleanup_(paude_allowlist_release) struct paude_allowlist before = PAUDE_ALLOWLIST_INIT;
	if ((r = paude_allowlist_parse(&before, (const char *const *)s->allowed_domains.v, err)) <
	    0)
		return r;
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("cannot change the network policy of session '%s'", s->name);
	/* The proxy's configuration, then the record of it; a failure of the
	 * second puts the first back. */
	if ((r = patch_proxy(b, s, al, what, err)) < 0)
		return r;
	if ((r = annotate_policy(b, s->name, &al->requested, what, err)) < 0) {
		(void)patch_proxy(b, s, &before, NULL, NULL);
		return r;
	}
	/* A running proxy is made again with it: wait until it serves. */
	if (s->state == PAUDE_SESSION_RUNNING) {
		_cleanup_free_ char *proxy = paude_kube_proxy_name(s->name);
		if ((r = rollout_wait(b, "deployment", proxy, what, err)) < 0) {
			(void)patch_proxy(b, s, &before, NULL, NULL);
			(void)annotate_policy(b, s->name, &before.requested, NULL, NULL);
			return r;
		}
	}
	return 0;
}

static void
kube_free(struct paude_backend *b)
{
	struct kube_priv *p = priv(b);
	if (!p)
		return;
	free(p->tool);
	free(p->context);
	free(p->namespace);
	free(p->pvc_size);
	free(p->storage_class);
	free(p);
}

/* The registry's open (backend.h): the location's context and namespace. */
static int
kube_open_at(struct paude_backend *b, const struct paude_location *loc, struct paude_error **err)
{
	const struct paude_kube_opts o = { .context = loc->context, .namespace = loc->namespace };
	struct paude_backend *k = NULL;
	int r = paude_kube_open(&k, b->runner, &o, err);
	if (r < 0)
		return r;
	if (!k)
		PAUDE_BUG("paude_kube_open succeeded without a backend");
	b->priv = TAKE_PTR(k->priv);
	free(k);
	return 0;
}

/* One list shows that the tool is there, logged in, and may read the namespace. */
static int
kube_check(struct paude_backend *b, struct paude_buf *out, struct paude_error **err)
{
	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	const char *ns = NULL;
	int r = paude_backend_list(b, &l, err);
	if (r == 0)
		r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	paude_buf_addf(out, NULL, "%s answers in namespace %s (%zu session%s)", paude_kube_tool(b),
		       ns, l.nr, l.nr == 1 ? "" : "s");
	return 0;
}

const struct paude_backend_ops paude_backend_kube = {
	.name = "openshift",
	.kind = PAUDE_LOCATION_CLUSTER,
	.open = kube_open_at,
	.check = kube_check,
	.create = kube_create,
	.start = kube_start,
	.stop = kube_stop,
	.remove = kube_remove,
	.list = paude_kube__list,
	.get = paude_kube__get,
	.exec_prepare = kube_exec_prepare,
	.proxy_log = kube_proxy_log,
	.set_allowlist = kube_set_allowlist,
	.prepare_images = paude_kube_prepare_images,
	.render_plan = paude_kube_render_plan,
	.free = kube_free,
};

int
paude_kube_open(struct paude_backend **out, struct paude_runner *runner,
		const struct paude_kube_opts *opts, struct paude_error **err)
{
	const struct paude_kube_opts none = { 0 };
	if (!opts)
		opts = &none;
	int r = paude_kube__check_opts(opts, err);
	if (r < 0)
		return r;
	if (opts->context && (!*opts->context || paude_looks_like_option(opts->context) ||
			      strchr(opts->context, '\n')))
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid context '%s'", opts->context);
	if (opts->namespace && !paude_kube__valid_dns_subdomain(opts->namespace))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid namespace '%s' (a lower-case DNS name)",
				       opts->namespace);
	const char *tool = opts->tool;
	if (!tool || !*tool) {
		_cleanup_free_ char *oc = paude_which("oc");
		tool = oc ? "oc" : "kubectl";
	}
	if (strcmp(tool, "oc") != 0 && strcmp(tool, "kubectl") != 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "unknown cluster tool '%s' (use: oc or kubectl)", tool);
	struct kube_priv *p = paude_xcalloc(1, sizeof(*p));
	struct paude_backend *b = paude_xcalloc(1, sizeof(*b));
	p->tool = dup_opt(tool);
	p->context = dup_opt(opts->context);
	p->namespace = dup_opt(opts->namespace);
	p->pvc_size = dup_opt(opts->pvc_size);
	p->storage_class = dup_opt(opts->storage_class);
	p->openshift = opts->openshift;
	b->ops = &paude_backend_kube;
	b->runner = runner ? runner : paude_runner_default();
	b->priv = p;
	*out = b;
	return 0;
}
