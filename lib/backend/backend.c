/* SPDX-License-Identifier: MIT */
/* Backend registry and dispatch. */
#include <string.h>
#include "paude/backend/backend.h"
#include "paude/core/alloc.h"
#include "paude/backend/kube.h"
#include "core/banned.h"

static const struct paude_backend_ops *const backends[] = {
	&paude_backend_podman,
	&paude_backend_kube,
};

/* The engine that keeps sessions of kind: a remote host runs Podman too. */
static enum paude_location_kind
engine_kind(enum paude_location_kind kind)
{
	return kind == PAUDE_LOCATION_CLUSTER ? PAUDE_LOCATION_CLUSTER : PAUDE_LOCATION_PODMAN;
}

bool
paude_backend_is(const struct paude_backend *b, enum paude_location_kind kind)
{
	return b->ops->kind == engine_kind(kind);
}

int
paude_backend_open(struct paude_backend **out, const struct paude_location *loc,
		   struct paude_runner *runner, struct paude_error **err)
{
	/* The default runner runs here: a remote host's Podman needs its connection's. */
	if (loc->kind == PAUDE_LOCATION_SSH && !runner)
		return paude_error_set(
		    err, PAUDE_ENOTSUP, 0,
		    "sessions on host '%s' are reached through a connection to it",
		    loc->host ? loc->host : "");
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (backends[i]->kind != engine_kind(loc->kind))
			continue;
		struct paude_backend *b = paude_xcalloc(1, sizeof(*b));
		b->ops = backends[i];
		b->runner = runner ? runner : paude_runner_default();
		int r = b->ops->open ? b->ops->open(b, loc, err) : 0;
		if (r < 0) {
			free(b);
			return r;
		}
		*out = b;
		return 0;
	}
	PAUDE_BUG("no backend for a location kind");
}

int
paude_backend_open_name(struct paude_backend **out, const char *name, struct paude_runner *runner,
			struct paude_error **err)
{
	struct paude_location loc = PAUDE_LOCATION_INIT;
	if (!paude_location_set_backend(&loc, name, strlen(name)))
		return paude_error_set(
		    err, PAUDE_EUSAGE, 0,
		    "unknown backend '%s' (use: podman, openshift or kubernetes)", name);
	return paude_backend_open(out, &loc, runner, err);
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

int
paude_backend_check(struct paude_backend *b, struct paude_buf *out, struct paude_error **err)
{
	return DISPATCH(check, out, err);
}

int
paude_backend_usage(struct paude_backend *b, const char *name, struct paude_usage *out,
		    struct paude_error **err)
{
	return DISPATCH(usage, name, out, err);
}

int
paude_backend_leftovers(struct paude_backend *b, const char *name, bool *any,
			struct paude_error **err)
{
	return DISPATCH(leftovers, name, any, err);
}
