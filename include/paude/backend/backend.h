/* SPDX-License-Identifier: MIT */
/*
 * Backends: one interface, one static instance per implementation (podman,
 * and the cluster backend for OpenShift and Kubernetes), opened by the
 * location a session lives at (location.h). A NULL operation means "not
 * supported": callers get PAUDE_ENOTSUP. Backends never spawn processes on
 * their own; they go through b->runner, so unit tests can assert every argv.
 */
#ifndef PAUDE_BACKEND_H
#define PAUDE_BACKEND_H

#include "paude/session/location.h"
#include "paude/session/session.h"
#include "paude/core/run.h"

struct paude_backend;

/* What a session's agent uses, as the engine shows it ("1.5%", "20MB / 8GB",
 * "12"): plain text only (digits, units, '/', '.', '%', spaces). */
struct paude_usage {
	char cpu[32], mem[64], pids[16];
};
struct paude_allowlist;
struct paude_create_plan;
struct paude_create_render;

enum {
	PAUDE_EXEC_STDIN = 1 << 0, /* keep stdin attached (-i) */
	PAUDE_EXEC_TTY = 1 << 1, /* allocate a terminal (-t) */
};

struct paude_backend_ops {
	const char *name;
	/* Where its sessions live: PODMAN (also serves SSH: the same engine
	 * through a runner that runs there) or CLUSTER. */
	enum paude_location_kind kind;
	/* Set up b (ops and runner set) for loc; NULL: nothing to set up. */
	int (*open)(struct paude_backend *b, const struct paude_location *loc,
		    struct paude_error **err);
	/*
	 * Check that the engine answers: one list of the sessions, and say
	 * where it looked in one line for `paude doctor` (e.g. "oc answers in
	 * namespace NS (2 sessions)"). May be NULL.
	 */
	int (*check)(struct paude_backend *b, struct paude_buf *out, struct paude_error **err);
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
	/* Whether a session that get does not find left parts behind (a
	 * Podman session whose container was removed by hand: its volume,
	 * proxy or network); remove clears them. May be NULL. */
	int (*leftovers)(struct paude_backend *b, const char *name, bool *any,
			 struct paude_error **err);
	/* The resources a running session's agent uses now (may be NULL). */
	int (*usage)(struct paude_backend *b, const char *name, struct paude_usage *out,
		     struct paude_error **err);
	/*
	 * Make the images of a new session ready where this backend runs it
	 * (create-plan.h): load the project's configuration into p, then set
	 * p->image_ref and p->proxy_image_ref (built, reused or pushed; with
	 * p->dry_run the names only, nothing fetched, built or pushed).
	 */
	int (*prepare_images)(struct paude_backend *b, struct paude_create_plan *p,
			      struct paude_error **err);
	/* What create would make of the prepared plan p, for --dry-run: the
	 * text for stdout and the notes for the messages, from the same
	 * builders the real create uses. Nothing is changed. */
	int (*render_plan)(struct paude_backend *b, const struct paude_create_plan *p,
			   struct paude_create_render *out, struct paude_error **err);
	void (*free)(struct paude_backend *b);
};

struct paude_backend {
	const struct paude_backend_ops *ops;
	struct paude_runner *runner;
	void *priv;
};

extern const struct paude_backend_ops paude_backend_podman;
/* paude_backend_kube: see kube.h. */

/*
 * Open the backend that serves loc: Podman for PODMAN, SSH (runner runs
 * on the host) and ANY; the cluster backend for CLUSTER, in loc's context
 * and namespace (NULL: the current ones; paude_kube_open takes more
 * options). runner NULL: the default one, which runs here (PAUDE_ENOTSUP
 * for SSH: give the connection's runner). *out is the caller's.
 */
int paude_backend_open(struct paude_backend **out, const struct paude_location *loc,
		       struct paude_runner *runner, struct paude_error **err);
/* Open the backend a backend name names ("podman", "openshift" or
 * "kubernetes"), where its engine puts sessions by default. PAUDE_EUSAGE
 * for another name. */
int paude_backend_open_name(struct paude_backend **out, const char *name,
			    struct paude_runner *runner, struct paude_error **err);
void paude_backend_free(struct paude_backend *b);
/* True if b serves locations of kind. */
bool paude_backend_is(const struct paude_backend *b, enum paude_location_kind kind);

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
int paude_backend_check(struct paude_backend *b, struct paude_buf *out, struct paude_error **err);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct paude_backend *, paude_backend_free)
#define _cleanup_backend_ _cleanup_(paude_backend_freep)

/* The session's resource use (the usage op); PAUDE_ENOTSUP when the backend
 * cannot tell. */
int paude_backend_usage(struct paude_backend *b, const char *name, struct paude_usage *out,
			struct paude_error **err);

/* The leftovers op: *any tells whether parts of session name are left. */
int paude_backend_leftovers(struct paude_backend *b, const char *name, bool *any,
			    struct paude_error **err);

#endif
