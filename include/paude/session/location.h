/* SPDX-License-Identifier: MIT */
/*
 * Where a session lives: this machine's Podman, a namespace of a cluster
 * (OpenShift or plain Kubernetes, through one backend), or Podman on a
 * remote host over SSH. One type for every place that says it: a session
 * address (address.h), an entry of the local index (index.h), a listed
 * session's backend and location strings (session.h), and the narrowing
 * the command line asks for (--backend, --openshift-context/-namespace,
 * --host). Data only: opening the backend a location names is the backend
 * layer's (backend.h, locate.h).
 *
 * The strings it is parsed from and formatted to are those stored today:
 *   backend name  "podman", "openshift", "kubernetes" (the same backend)
 *   where         "[CONTEXT/]NAMESPACE" (session.location of a cluster
 *                 session; a namespace never holds '/')
 *   prefix        "", "podman/", "openshift/[CONTEXT/]NAMESPACE/" (the part
 *                 of a session address before its name)
 */
#ifndef PAUDE_LOCATION_H
#define PAUDE_LOCATION_H

#include <stdbool.h>
#include <stddef.h>
#include "paude/core/buf.h"
#include "paude/core/error.h"

enum paude_location_kind {
	PAUDE_LOCATION_ANY = 0, /* not said: wherever the session is */
	PAUDE_LOCATION_PODMAN, /* this machine's Podman */
	PAUDE_LOCATION_CLUSTER, /* a namespace of a Kubernetes or OpenShift cluster */
	PAUDE_LOCATION_SSH, /* Podman on a remote host, over SSH */
};

/* How a cluster was named; both are driven by the same backend (oc, else kubectl). */
enum paude_cluster_flavour {
	PAUDE_CLUSTER_OPENSHIFT = 0,
	PAUDE_CLUSTER_KUBERNETES,
};

struct paude_location {
	enum paude_location_kind kind;
	enum paude_cluster_flavour flavour; /* CLUSTER only */
	char *context; /* CLUSTER: kubeconfig context; NULL: the current one */
	char *namespace; /* CLUSTER: NULL: the context's namespace */
	/* SSH: the host's address as the user gave it ([USER@]HOST[:PORT] or
	 * a ~/.ssh/config name) in host, user NULL and port 0, so that it is
	 * resolved through ~/.ssh/config again each time; or (when made
	 * from parts) user, host name and port. host is never NULL for SSH. */
	char *user;
	char *host;
	unsigned port;
};
#define PAUDE_LOCATION_INIT                                                                        \
	{                                                                                          \
		.kind = PAUDE_LOCATION_ANY                                                         \
	}

void paude_location_release(struct paude_location *l);
/* Make *dst (released first) a copy of *src. */
void paude_location_copy(struct paude_location *dst, const struct paude_location *src);

/*
 * The same place: same kind and the same context, namespace (clusters) or
 * user, host and port (SSH). The flavour is how the cluster was named, not
 * where it is: it does not count. A NULL context is "the current one" and
 * equals only another NULL.
 */
bool paude_location_equal(const struct paude_location *a, const struct paude_location *b);

/* The backend name of l: "podman" (PODMAN and SSH), "openshift" or
 * "kubernetes" (CLUSTER, by flavour); NULL for ANY. Static. */
const char *paude_location_backend_name(const struct paude_location *l);

/*
 * Set l's kind (and flavour) from the backend name s[0..n): "podman",
 * "openshift" or "kubernetes". False, with l untouched, for any other.
 */
bool paude_location_set_backend(struct paude_location *l, const char *s, size_t n);

/* The kind of location a stored backend name (a listed session's backend)
 * means: PODMAN or CLUSTER; ANY for NULL or a name paude does not know. */
enum paude_location_kind paude_location_backend_kind(const char *backend);

/*
 * The location of a stored session: its backend name and its location
 * string ("[CONTEXT/]NAMESPACE" for a cluster session; for a podman
 * session, NULL (this machine) or the SSH address of its host).
 * A cluster session without a location, or an unknown backend name, is
 * PAUDE_EPROTO. *out is released first and filled on success.
 */
int paude_location_from_stored(struct paude_location *out, const char *backend, const char *where,
			       struct paude_error **err);

/* Append the stored location string: "[CONTEXT/]NAMESPACE" for a cluster
 * (the namespace must be known), the address "[USER@]HOST[:PORT]" for an
 * SSH host, nothing for the other kinds. */
void paude_location_format_where(const struct paude_location *l, struct paude_buf *out);

/*
 * Append the part of a session address before the name: "" (ANY),
 * "podman/", "openshift/[CONTEXT/]NAMESPACE/" (CLUSTER, the flavour's
 * name), "ssh://[USER@]HOST[:PORT]/" (SSH).
 */
void paude_location_format(const struct paude_location *l, struct paude_buf *out);

/* Append an SSH location's address: [USER@]HOST[:PORT]. */
void paude_location_ssh_address(const struct paude_location *l, struct paude_buf *out);

/* Make *out (released first) the SSH location of addr, the address as
 * given ([USER@]HOST[:PORT] or a ~/.ssh/config name: ssh-url.h's
 * characters, not starting with '-'); PAUDE_EUSAGE for any other. */
int paude_location_ssh(struct paude_location *out, const char *addr, struct paude_error **err);

static inline void
paude_location_releasep(struct paude_location *l)
{
	paude_location_release(l);
}
#define _cleanup_location_ _cleanup_(paude_location_releasep)

#endif
