/* SPDX-License-Identifier: MIT */
/*
 * Session addresses: what follows "paude::" in a git URL (or "paude://" in
 * the URL form), and what `paude remote add` writes into a remote's URL.
 *
 *   address   = [ "paude://" ] [ "ssh://" host "/" ] spec
 *   spec      = name                                  session looked up locally
 *             / "podman/" name                        a local podman session
 *             / cluster "/" [ context "/" ] namespace "/" name
 *   cluster   = "openshift" / "kubernetes"
 *   name      = [a-z]([a-z0-9-]*[a-z0-9])?            1..40 (paude_session_name_validate)
 *   namespace = [a-z0-9]([a-z0-9-]*[a-z0-9])?         1..63 (a DNS label)
 *   context   = 1..253 of [A-Za-z0-9._:@-], not starting with '-' or '.'
 *   host      = [USER@]HOST[:PORT] or a ~/.ssh/config name (ssh-url.h); with
 *               a host, spec is name or "podman/" name (a session of that
 *               host's podman)
 *
 * The whole address is at most PAUDE_ADDRESS_MAX bytes. Nothing is
 * unescaped or expanded: the parts are taken literally and validated, so a
 * parsed address can go into an argv as is (never into a shell, which is
 * never used anyway). A kubeconfig context whose name contains '/' cannot be
 * written in an address (rename it with `kubectl config rename-context`).
 */
#ifndef PAUDE_ADDRESS_H
#define PAUDE_ADDRESS_H

#include "paude/core/error.h"
#include "paude/core/buf.h"
#include "paude/session/location.h"

#define PAUDE_ADDRESS_MAX 512
#define PAUDE_ADDRESS_CONTEXT_MAX 253
#define PAUDE_ADDRESS_NAMESPACE_MAX 63

struct paude_address {
	/* ANY for a bare NAME; PODMAN; CLUSTER with its namespace (and context
	 * when given: NULL is the current context) */
	struct paude_location where;
	char *name; /* the session name; never NULL after a successful parse */
	char *host; /* ssh:// form: the SSH host; NULL for this machine */
};
#define PAUDE_ADDRESS_INIT                                                                         \
	{                                                                                          \
		.where = PAUDE_LOCATION_INIT                                                       \
	}

/*
 * Parse and validate s. On success fills *out (release it with
 * paude_address_release); on failure returns PAUDE_EUSAGE with a message that
 * shows the offending part with control characters escaped, and leaves *out
 * untouched.
 */
int paude_address_parse(struct paude_address *out, const char *s, struct paude_error **err);
void paude_address_release(struct paude_address *a);

/* Append the canonical spec (no "paude::" prefix): "NAME", "podman/NAME",
 * "openshift/[CTX/]NS/NAME", behind "ssh://HOST/" for a host. */
void paude_address_format(const struct paude_address *a, struct paude_buf *out);

/* Validation of the parts, usable on their own (PAUDE_EUSAGE when invalid). */
int paude_address_namespace_validate(const char *ns, struct paude_error **err);
int paude_address_context_validate(const char *ctx, struct paude_error **err);

static inline void
paude_address_releasep(struct paude_address *a)
{
	paude_address_release(a);
}
#define _cleanup_address_ _cleanup_(paude_address_releasep)

#endif
