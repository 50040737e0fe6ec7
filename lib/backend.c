/* SPDX-License-Identifier: MIT */
/* Backend registry and dispatch. */
#include <string.h>
#include "paude/backend.h"
#include "paude/kube.h"
#include "banned.h"

static const struct paude_backend_ops *const backends[] = {
	&paude_backend_podman,
};

int
paude_backend_open(struct paude_backend **out, const char *name, struct paude_runner *runner,
		   struct paude_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (strcmp(backends[i]->name, name) != 0)
			continue;
		struct paude_backend *b = calloc(1, sizeof(*b));
		if (!b)
			abort();
		b->ops = backends[i];
		b->runner = runner ? runner : paude_runner_default();
		*out = b;
		return 0;
	}
	/* "kubernetes" is the same backend: it drives oc or kubectl. */
	if (!strcmp(name, "openshift") || !strcmp(name, "kubernetes"))
		return paude_kube_open(out, runner, NULL, err);
	return paude_error_set(err, PAUDE_EUSAGE, 0,
			       "unknown backend '%s' (use: podman, openshift or kubernetes)", name);
}

void
paude_backend_free(struct paude_backend *b)
{
	if (!b)
		return;
	if (b->ops->free)
		b->ops->free(b);
	free(b);
}

static int
unsupported(struct paude_backend *b, const char *op, struct paude_error **err)
{
	return paude_error_set(err, PAUDE_ENOTSUP, 0, "backend '%s' does not support '%s'",
			       b->ops->name, op);
}

#define DISPATCH(op, ...) (b->ops->op ? b->ops->op(b, __VA_ARGS__) : unsupported(b, #op, err))

int
paude_backend_create(struct paude_backend *b, const struct paude_session_spec *spec,
		     struct paude_error **err)
{
	return DISPATCH(create, spec, err);
}

int
paude_backend_start(struct paude_backend *b, const char *name, struct paude_error **err)
{
	return DISPATCH(start, name, err);
}

int
paude_backend_stop(struct paude_backend *b, const char *name, struct paude_error **err)
{
	return DISPATCH(stop, name, err);
}

int
paude_backend_remove(struct paude_backend *b, const char *name, struct paude_error **err)
{
	return DISPATCH(remove, name, err);
}

int
paude_backend_list(struct paude_backend *b, struct paude_session_list *out,
		   struct paude_error **err)
{
	return DISPATCH(list, out, err);
}

int
paude_backend_get(struct paude_backend *b, const char *name, struct paude_session *out,
		  struct paude_error **err)
{
	return DISPATCH(get, name, out, err);
}

int
paude_backend_exec_prepare(struct paude_backend *b, const char *name, unsigned flags,
			   const char *const *argv, struct paude_child *out,
			   struct paude_error **err)
{
	return DISPATCH(exec_prepare, name, flags, argv, out, err);
}
