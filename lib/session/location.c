/* SPDX-License-Identifier: MIT */
/* Where a session lives (see include/paude/session/location.h). */
#include <stdlib.h>
#include <string.h>
#include "paude/core/alloc.h"
#include "paude/session/location.h"
#include "paude/session/ssh-url.h"
#include "core/banned.h"

static char *
dup_or_null(const char *s)
{
	return s ? paude_xstrdup(s) : NULL;
}

static bool
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

void
paude_location_release(struct paude_location *l)
{
	if (!l)
		return;
	free(l->context);
	free(l->namespace);
	free(l->user);
	free(l->host);
	*l = (struct paude_location)PAUDE_LOCATION_INIT;
}

void
paude_location_copy(struct paude_location *dst, const struct paude_location *src)
{
	struct paude_location c = *src;
	c.context = dup_or_null(src->context);
	c.namespace = dup_or_null(src->namespace);
	c.user = dup_or_null(src->user);
	c.host = dup_or_null(src->host);
	paude_location_release(dst);
	*dst = c;
}

bool
paude_location_equal(const struct paude_location *a, const struct paude_location *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case PAUDE_LOCATION_CLUSTER:
		return same_str(a->context, b->context) && same_str(a->namespace, b->namespace);
	case PAUDE_LOCATION_SSH:
		return same_str(a->user, b->user) && same_str(a->host, b->host) &&
		       a->port == b->port;
	case PAUDE_LOCATION_ANY:
	case PAUDE_LOCATION_PODMAN:
		break;
	}
	return true;
}

/* The backend names as stored and typed; the only place they are spelt. */
static const struct {
	const char *name;
	enum paude_location_kind kind;
	enum paude_cluster_flavour flavour;
} names[] = {
	{ "podman", PAUDE_LOCATION_PODMAN, PAUDE_CLUSTER_OPENSHIFT },
	{ "openshift", PAUDE_LOCATION_CLUSTER, PAUDE_CLUSTER_OPENSHIFT },
	{ "kubernetes", PAUDE_LOCATION_CLUSTER, PAUDE_CLUSTER_KUBERNETES },
};

const char *
paude_location_backend_name(const struct paude_location *l)
{
	switch (l->kind) {
	case PAUDE_LOCATION_ANY:
		return NULL;
	case PAUDE_LOCATION_PODMAN:
	case PAUDE_LOCATION_SSH:
		return names[0].name;
	case PAUDE_LOCATION_CLUSTER:
		break;
	}
	return l->flavour == PAUDE_CLUSTER_KUBERNETES ? names[2].name : names[1].name;
}

bool
paude_location_set_backend(struct paude_location *l, const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strlen(names[i].name) != n || memcmp(names[i].name, s, n) != 0)
			continue;
		l->kind = names[i].kind;
		l->flavour = names[i].flavour;
		return true;
	}
	return false;
}

enum paude_location_kind
paude_location_backend_kind(const char *backend)
{
	struct paude_location l = PAUDE_LOCATION_INIT;
	if (!backend || !paude_location_set_backend(&l, backend, strlen(backend)))
		return PAUDE_LOCATION_ANY;
	return l.kind;
}

int
paude_location_from_stored(struct paude_location *out, const char *backend, const char *where,
			   struct paude_error **err)
{
	struct paude_location l = PAUDE_LOCATION_INIT;
	if (!backend || !paude_location_set_backend(&l, backend, strlen(backend)))
		return paude_error_set(err, PAUDE_EPROTO, 0, "unknown backend '%.40s'",
				       backend ? backend : "");
	if (l.kind == PAUDE_LOCATION_PODMAN && where && *where) {
		/* A podman session with a location: that host's, over SSH. */
		if (paude_ssh_host_problem(where))
			return paude_error_set(err, PAUDE_EPROTO, 0, "invalid host '%.80s'", where);
		l.kind = PAUDE_LOCATION_SSH;
		l.host = paude_xstrdup(where);
	}
	if (l.kind == PAUDE_LOCATION_CLUSTER) {
		if (!where || !*where)
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "a cluster session without a namespace");
		/* "[CONTEXT/]NAMESPACE": a namespace has no '/', a context may. */
		const char *slash = strrchr(where, '/');
		l.namespace = dup_or_null(slash ? slash + 1 : where);
		if (slash)
			l.context = paude_xstrndup(where, (size_t)(slash - where));
	}
	paude_location_release(out);
	*out = l;
	return 0;
}

void
paude_location_format_where(const struct paude_location *l, struct paude_buf *out)
{
	if (l->kind == PAUDE_LOCATION_SSH) {
		paude_location_ssh_address(l, out);
		return;
	}
	if (l->kind != PAUDE_LOCATION_CLUSTER)
		return;
	if (l->context)
		paude_buf_addf(out, NULL, "%s/", l->context);
	paude_buf_addstr(out, l->namespace ? l->namespace : "", NULL);
}

void
paude_location_format(const struct paude_location *l, struct paude_buf *out)
{
	switch (l->kind) {
	case PAUDE_LOCATION_ANY:
		return;
	case PAUDE_LOCATION_PODMAN:
	case PAUDE_LOCATION_CLUSTER:
		paude_buf_addf(out, NULL, "%s/", paude_location_backend_name(l));
		if (l->kind == PAUDE_LOCATION_CLUSTER) {
			paude_location_format_where(l, out);
			paude_buf_addch(out, '/', NULL);
		}
		return;
	case PAUDE_LOCATION_SSH:
		paude_buf_addstr(out, "ssh://", NULL);
		paude_location_ssh_address(l, out);
		paude_buf_addch(out, '/', NULL);
		return;
	}
}

void
paude_location_ssh_address(const struct paude_location *l, struct paude_buf *out)
{
	if (l->user)
		paude_buf_addf(out, NULL, "%s@", l->user);
	paude_buf_addstr(out, l->host ? l->host : "", NULL);
	if (l->port)
		paude_buf_addf(out, NULL, ":%u", l->port);
}

int
paude_location_ssh(struct paude_location *out, const char *addr, struct paude_error **err)
{
	const char *why = paude_ssh_host_problem(addr);
	if (why)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "bad host '%.80s': %s (want [USER@]HOST[:PORT] or a name "
				       "from ~/.ssh/config)",
				       addr ? addr : "", why);
	paude_location_release(out);
	out->kind = PAUDE_LOCATION_SSH;
	out->host = paude_xstrdup(addr);
	return 0;
}
