/* SPDX-License-Identifier: MIT */
/*
 * Running oc/kubectl for the cluster backend: the child with the context
 * and namespace, its errors classified into hints, the namespace and the
 * kind of cluster. Every call goes through b->runner.
 */
#include <stdarg.h>
#include <string.h>
#include "paude/backend/kube.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/json.h"
#include "backend/kube-internal.h"
#include "core/banned.h"

void
paude_kube__child(struct paude_backend *b, struct paude_child *c, bool with_ns)
{
	struct kube_priv *p = priv(b);
	paude_child_init(c);
	paude_strvec_push(&c->args, p->tool);
	if (p->context)
		paude_strvec_pushf(&c->args, "--context=%s", p->context);
	if (with_ns && p->namespace)
		paude_strvec_pushf(&c->args, "--namespace=%s", p->namespace);
}

int
paude_kube_error(struct paude_error **err, const char *what, const struct paude_child *c,
		 int status, const char *errtext, size_t errlen)
{
	const char *tool = c && c->args.nr ? c->args.v[0] : "oc";
	_cleanup_free_ char *t = paude_xstrndup(errtext ? errtext : "", errlen);
	const char *hint = NULL;
	if (has(t, "Unauthorized") || has(t, "must be logged in") || has(t, "provide credentials"))
		hint = !strcmp(tool, "oc") ? "not logged in to the cluster (log in with: oc login)"
					   : "not logged in to the cluster (check your kubeconfig)";
	else if (has(t, "Unable to connect to the server") || has(t, "connection refused") ||
		 has(t, "no such host") || has(t, "i/o timeout"))
		hint = "cannot reach the cluster (check the context and your network)";
	else if (has(t, "exceeded quota") || has(t, "exceeds quota"))
		hint = "the namespace's resource quota is exhausted (free resources or ask for "
		       "more)";
	else if (has(t, "Forbidden") || has(t, "forbidden"))
		hint = "not allowed by the cluster (ask for rights in this namespace)";
	else if (has(t, "namespaces \"") && has(t, "not found"))
		hint = "the namespace does not exist (paude does not create namespaces)";
	else if (has(t, "context") && has(t, "does not exist"))
		hint = "no such kubeconfig context (see: oc config get-contexts)";
	paude_child_error(err, c, status, t, strlen(t));
	if (hint && what)
		return paude_error_wrap(err, PAUDE_ECHILD, "%s: %s", what, hint);
	if (hint)
		return paude_error_wrap(err, PAUDE_ECHILD, "%s", hint);
	if (what)
		return paude_error_wrap(err, PAUDE_ECHILD, "%s", what);
	return PAUDE_ECHILD;
}

/* Run; stdout into out (may be NULL); failure: a classified error naming what. */
int
paude_kube__run(struct paude_backend *b, struct paude_child *c, const char *in,
		struct paude_buf *out, const char *what, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(ERR_MAX);
	int status = 0;
	if (!out)
		c->no_stdout = 1; /* "scaled", "configured": not for the user */
	int r =
	    paude_run_capture(b->runner, c, in, in ? strlen(in) : 0, out, &errbuf, &status, err);
	if (r < 0) {
		if (r == PAUDE_ENOTFOUND)
			return paude_error_wrap(err, r,
						"'%s' is not installed (install the OpenShift "
						"or Kubernetes command-line tools)",
						c->args.v[0]);
		return r;
	}
	if (status != 0)
		return paude_kube_error(err, what, c, status, errbuf.buf, errbuf.len);
	return 0;
}

static void
push_args(struct paude_child *c, va_list ap)
{
	const char *s;
	while ((s = va_arg(ap, const char *)))
		paude_strvec_push(&c->args, s);
}

/* TOOL [--context] --namespace=NS ARGS... */
int
paude_kube__call(struct paude_backend *b, struct paude_buf *out, const char *what,
		 struct paude_error **err, ...)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_kube__child(b, &c, true);
	va_list ap;
	va_start(ap, err);
	push_args(&c, ap);
	va_end(ap);
	return paude_kube__run(b, &c, NULL, out, what, err);
}

int
paude_kube_namespace(struct paude_backend *b, const char **out, struct paude_error **err)
{
	struct kube_priv *p = priv(b);
	if (!p->namespace) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		paude_kube__child(b, &c, false);
		paude_strvec_pushl(&c.args, "config", "view", "--minify", "--output",
				   "jsonpath={..namespace}", NULL);
		_cleanup_buf_ struct paude_buf ns = PAUDE_BUF_INIT_MAX(4096);
		int r = paude_kube__run(b, &c, NULL, &ns, "cannot read the current namespace", err);
		if (r < 0)
			return r;
		paude_buf_rtrim(&ns);
		const char *v = ns.len ? ns.buf : "default";
		if (!paude_kube__valid_dns_subdomain(v))
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "the current context names namespace '%s', which is "
					       "not a valid name",
					       v);
		p->namespace = paude_xstrdup(v);
	}
	*out = p->namespace;
	return 0;
}

const char *
paude_kube_tool(struct paude_backend *b)
{
	return priv(b)->tool;
}

const char *
paude_kube_context(struct paude_backend *b)
{
	return priv(b)->context;
}

int
paude_kube__check_name(struct paude_backend *b, const char *name, struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	const char *ns = NULL;
	return paude_kube_namespace(b, &ns, err);
}

int
paude_kube__apply(struct paude_backend *b, struct json_object *obj, const char *what,
		  struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf doc = PAUDE_BUF_INIT;
	paude_json_write(&doc, obj, false);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_kube__child(b, &c, true);
	paude_strvec_pushl(&c.args, "apply", "--filename=-", "--output=name", NULL);
	return paude_kube__run(b, &c, doc.buf, NULL, what, err);
}

int
paude_kube_check_namespace(struct paude_backend *b, struct paude_error **err)
{
	const char *ns = NULL;
	int r = paude_kube_namespace(b, &ns, err);
	if (r < 0)
		return r;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_kube__child(b, &c, false);
	paude_strvec_pushl(&c.args, "get", "namespace", ns, "--output=name", NULL);
	c.no_stdout = 1;
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(ERR_MAX);
	int status = 0;
	if ((r = paude_run_capture(b->runner, &c, NULL, 0, NULL, &errbuf, &status, err)) < 0)
		return r;
	if (status == 0)
		return 0;
	/* Users often may not read namespace objects: then the apply below
	 * finds out, with the cluster's own words. */
	if (has(errbuf.buf, "Forbidden") || has(errbuf.buf, "forbidden"))
		return 0;
	if (has(errbuf.buf, "NotFound") || has(errbuf.buf, "not found")) {
		paude_error_set(err, PAUDE_ENOTFOUND, 0,
				"namespace '%s' does not exist (paude does not create namespaces: "
				"pick one with --openshift-namespace, or ask an administrator)",
				ns);
		return PAUDE_ENOTFOUND;
	}
	return paude_kube_error(err, "cannot check the namespace", &c, status, errbuf.buf,
				errbuf.len);
}

int
paude_kube__detect_openshift(struct paude_backend *b, bool *out, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(1 << 20);
	int r = paude_kube__call(b, &buf, "cannot ask the cluster what it is", err, "api-resources",
				 "--api-group=build.openshift.io", "--output=name", NULL);
	if (r < 0)
		return r;
	*out = buf.len > 0;
	return 0;
}

int
paude_kube_current_context(struct paude_backend *b, char **out, struct paude_error **err)
{
	struct kube_priv *p = priv(b);
	if (p->context) {
		*out = dup_opt(p->context);
		return 0;
	}
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	paude_kube__child(b, &c, false);
	paude_strvec_pushl(&c.args, "config", "current-context", NULL);
	_cleanup_buf_ struct paude_buf buf = PAUDE_BUF_INIT_MAX(4096);
	int r = paude_kube__run(b, &c, NULL, &buf, "cannot read the current context", err);
	if (r < 0)
		return r;
	paude_buf_rtrim(&buf);
	*out = buf.len ? paude_buf_detach(&buf) : NULL;
	return 0;
}

int
paude_kube_is_openshift(struct paude_backend *b, bool *out, struct paude_error **err)
{
	int r = paude_kube__detect_openshift(b, out, err);
	if (r == 0)
		priv(b)->openshift = *out;
	return r;
}
