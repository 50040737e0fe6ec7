/* SPDX-License-Identifier: MIT */
/*
 * Backends: one interface, one static instance per implementation (podman
 * now, kubernetes later). A NULL operation means "not supported": callers get
 * PAUDE_ENOTSUP. Backends never spawn processes on their own; they go
 * through b->runner, so unit tests can assert every argv.
 */
#ifndef PAUDE_BACKEND_H
#define PAUDE_BACKEND_H

#include "session.h"
#include "run.h"

struct paude_backend;
struct paude_allowlist;

enum {
	PAUDE_EXEC_STDIN = 1 << 0, /* keep stdin attached (-i) */
	PAUDE_EXEC_TTY = 1 << 1, /* allocate a terminal (-t) */
};

struct paude_backend_ops {
	const char *name;
	int (*create)(struct paude_backend *b, const struct paude_session_spec *spec,
		      struct paude_error **err);
	int (*start)(struct paude_backend *b, const char *name, struct paude_error **err);
	int (*stop)(struct paude_backend *b, const char *name, struct paude_error **err);
	/* Remove every resource of the session, volume included. Idempotent:
	 * missing parts are not an error. */
	int (*remove)(struct paude_backend *b, const char *name, struct paude_error **err);
	int (*list)(struct paude_backend *b, struct paude_session_list *out,
		    struct paude_error **err);
	/* PAUDE_ENOTFOUND when there is no such session. */
	int (*get)(struct paude_backend *b, const char *name, struct paude_session *out,
		   struct paude_error **err);
	/* Build (do not run) the child that runs argv inside the session's agent
	 * container: podman exec -i [-t] paude-NAME ARGV... */
	int (*exec_prepare)(struct paude_backend *b, const char *name, unsigned flags,
			    const char *const *argv, struct paude_child *out,
			    struct paude_error **err);
	/* Read recent log lines of the session's network proxy (may be NULL). */
	int (*proxy_log)(struct paude_backend *b, const char *name, struct paude_buf *out,
			 struct paude_error **err);
	/* Give the session's model gateway (running) the credentials file's
	 * contents (may be NULL: the backend has its own way). */
	int (*gateway_credentials)(struct paude_backend *b, const char *name, const char *data,
				   size_t len, struct paude_error **err);
	/* Read the model gateway's recent calls (may be NULL). */
	int (*gateway_log)(struct paude_backend *b, const char *name, struct paude_buf *out,
			   struct paude_error **err);
	/*
	 * Give the session a new network allowlist (paude_allowlist_change
	 * made it; s is the session as get returned it). A running session's
	 * proxy applies it without the agent's container restarting, a stopped
	 * one's at the next start; the policy is stored with the session, so
	 * get and list report it from then on. Nothing changes on failure.
	 * May be NULL.
	 */
	int (*set_allowlist)(struct paude_backend *b, const struct paude_session *s,
			     const struct paude_allowlist *al, struct paude_error **err);
	void (*free)(struct paude_backend *b);
};

struct paude_backend {
	const struct paude_backend_ops *ops;
	struct paude_runner *runner;
	void *priv;
};

extern const struct paude_backend_ops paude_backend_podman;
/* paude_backend_kube: see kube.h. */

/* Open a backend by name: "podman", or "openshift" (alias "kubernetes") with
 * the current context and namespace (paude_kube_open takes options). */
int paude_backend_open(struct paude_backend **out, const char *name, struct paude_runner *runner,
		       struct paude_error **err);
void paude_backend_free(struct paude_backend *b);

/* Dispatchers: PAUDE_ENOTSUP when the op is NULL. */
int paude_backend_create(struct paude_backend *b, const struct paude_session_spec *spec,
			 struct paude_error **err);
int paude_backend_start(struct paude_backend *b, const char *name, struct paude_error **err);
int paude_backend_stop(struct paude_backend *b, const char *name, struct paude_error **err);
int paude_backend_remove(struct paude_backend *b, const char *name, struct paude_error **err);
int paude_backend_list(struct paude_backend *b, struct paude_session_list *out,
		       struct paude_error **err);
int paude_backend_get(struct paude_backend *b, const char *name, struct paude_session *out,
		      struct paude_error **err);
int paude_backend_exec_prepare(struct paude_backend *b, const char *name, unsigned flags,
			       const char *const *argv, struct paude_child *out,
			       struct paude_error **err);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct paude_backend *, paude_backend_free)
#define _cleanup_backend_ _cleanup_(paude_backend_freep)

#endif
