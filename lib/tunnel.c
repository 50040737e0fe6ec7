/* SPDX-License-Identifier: MIT */
/*
 * The git tunnel. The remote helper and the in-process push both come here
 * for the child that speaks git's pack protocol inside the session, so the
 * checks (the session exists, it is running) and the argv are the same
 * whichever way the bytes travel.
 */
#include <string.h>
#include "paude/tunnel.h"
#include "paude/index.h"
#include "paude/kube.h"
#include "paude/log.h"
#include "banned.h"

int
paude_tunnel_backend_open(struct paude_backend **out, const struct paude_address *a,
			  struct paude_runner *runner, struct paude_error **err)
{
	const char *backend = a->backend;
	struct paude_kube_opts o = { .context = a->context, .namespace = a->namespace };
	if (!backend) {
		/* A bare NAME is a podman session unless the local index puts it
		 * on a cluster. */
		_cleanup_(paude_index_release) struct paude_index ix = { 0 };
		const struct paude_index_entry *e = NULL;
		if (paude_index_load(&ix, NULL) == 0 && (e = paude_index_find(&ix, a->name)) &&
		    !strcmp(e->backend, "openshift")) {
			o.context = e->context;
			o.namespace = e->namespace;
			return paude_kube_open(out, runner, &o, err);
		}
		backend = "podman";
	}
	if (!strcmp(backend, "openshift") || !strcmp(backend, "kubernetes"))
		return paude_kube_open(out, runner, &o, err);
	return paude_backend_open(out, backend, runner, err);
}

int
paude_tunnel_check(struct paude_backend *b, const char *name, struct paude_error **err)
{
	struct paude_session s = { 0 };
	struct paude_error *e = NULL;
	paude_session_init(&s);
	int r = paude_backend_get(b, name, &s, &e);
	if (r == PAUDE_ENOTFOUND && e && e->sys_errno == 0) {
		/* The backend answered "no such session" (not "no such program"). */
		paude_error_free(e);
		paude_session_release(&s);
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "session '%s' not found (list sessions with: paude list)",
				       name);
	}
	if (r < 0) {
		if (err && !*err)
			*err = e;
		else
			paude_error_free(e);
		paude_session_release(&s);
		return r;
	}
	enum paude_session_state st = s.state;
	paude_session_release(&s);
	if (st != PAUDE_SESSION_RUNNING)
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' is not running (start it with: paude start %s)", name, name);
	return 0;
}

static int
prepare(struct paude_backend *b, const char *name, const char *const *argv, struct paude_child *out,
	struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	r = paude_tunnel_check(b, name, err);
	if (r < 0)
		return r;
	return paude_backend_exec_prepare(b, name, PAUDE_EXEC_STDIN, argv, out, err);
}

int
paude_tunnel_prepare(struct paude_backend *b, const char *name, enum paude_git_service service,
		     struct paude_child *out, struct paude_error **err)
{
	const char *argv[] = { paude_git_service_name(service), PAUDE_WORKSPACE_DIR, NULL };
	return prepare(b, name, argv, out, err);
}
