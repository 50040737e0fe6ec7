/* SPDX-License-Identifier: MIT */
/* Where is session NAME (see include/paude/backend/locate.h). */
#include <string.h>
#include "paude/backend/locate.h"
#include "paude/session/index.h"
#include "core/banned.h"

static const struct paude_location podman_here = { .kind = PAUDE_LOCATION_PODMAN };

int
paude_locate_open(struct paude_backend **out, const struct paude_location *at,
		  const struct paude_reach *reach, struct paude_error **err)
{
	if (at->kind != PAUDE_LOCATION_SSH)
		return paude_backend_open(out, at, reach->local, err);
	_cleanup_buf_ struct paude_buf addr = PAUDE_BUF_INIT;
	paude_location_ssh_address(at, &addr);
	if (!reach->host)
		return paude_error_set(err, PAUDE_ENOTSUP, 0, "cannot reach host '%s' from here",
				       addr.buf);
	struct paude_runner *r = NULL;
	int ret = reach->host(reach->ud, at, &r, err);
	if (ret < 0)
		return ret;
	return paude_backend_open(out, at, r, err);
}

/* A remote host's session carries its address (session.h). */
static void
mark_host(struct paude_session *s, const struct paude_location *at)
{
	if (at->kind != PAUDE_LOCATION_SSH || s->location)
		return;
	_cleanup_buf_ struct paude_buf addr = PAUDE_BUF_INIT;
	paude_location_ssh_address(at, &addr);
	s->location = paude_buf_detach(&addr);
}

static void
mark_hosts(struct paude_session_list *l, const struct paude_location *at)
{
	for (size_t i = 0; i < l->nr; i++)
		mark_host(&l->v[i], at);
}

/* The index, or an empty one with a warning when it is damaged. */
static void
load_index(struct paude_index *ix, struct paude_strvec *warnings)
{
	_cleanup_error_ struct paude_error *e = NULL;
	if (paude_index_load(ix, &e) < 0 && warnings)
		paude_strvec_push(warnings, e->msg);
}

void
paude_locate_where(struct paude_location *out, const struct paude_location *given, const char *name)
{
	if (given->kind != PAUDE_LOCATION_ANY) {
		paude_location_copy(out, given);
		return;
	}
	/* A bare NAME is a podman session unless the local index puts it on a cluster. */
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	load_index(&ix, NULL);
	const struct paude_index_entry *e = paude_index_find(&ix, name);
	paude_location_copy(out, e ? &e->where : &podman_here);
}

int
paude_locate_session_backend(struct paude_backend **out, const struct paude_session *s,
			     const struct paude_location *narrow, const struct paude_reach *reach,
			     struct paude_error **err)
{
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	if (paude_location_from_stored(&at, s->backend, s->location, NULL) == 0 &&
	    (at.kind == PAUDE_LOCATION_CLUSTER || at.kind == PAUDE_LOCATION_SSH))
		return paude_locate_open(out, &at, reach, err);
	return paude_locate_open(out, narrow->kind == PAUDE_LOCATION_ANY ? &podman_here : narrow,
				 reach, err);
}

static void
warn_unlisted(struct paude_strvec *warnings, const struct paude_location *at, const char *why)
{
	if (!warnings)
		return;
	if (at->kind == PAUDE_LOCATION_SSH) {
		_cleanup_buf_ struct paude_buf addr = PAUDE_BUF_INIT;
		paude_location_ssh_address(at, &addr);
		paude_strvec_pushf(warnings, "cannot list the sessions on host '%s': %s", addr.buf,
				   why);
		return;
	}
	paude_strvec_pushf(warnings, "cannot list the sessions in namespace '%s'%s%s%s: %s",
			   at->namespace, at->context ? " (context '" : "",
			   at->context ? at->context : "", at->context ? "')" : "", why);
}

static bool
listed_on(const struct paude_session_list *l, const char *name, const char *host)
{
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].name, name) && l->v[i].location &&
		    !strcmp(l->v[i].location, host))
			return true;
	return false;
}

/*
 * A host reached over SSH may be this machine itself (ssh to localhost):
 * a session the index records on a host, and that host listed, is that
 * host's, not a second one of this machine's Podman. (Two sessions of one
 * name cannot be made: create refuses a recorded name.)
 */
static void
drop_local_namesakes(struct paude_session_list *l, const struct paude_index *ix)
{
	for (size_t i = 0; i < l->nr;) {
		struct paude_session *s = &l->v[i];
		const struct paude_index_entry *e = paude_index_find(ix, s->name);
		_cleanup_buf_ struct paude_buf addr = PAUDE_BUF_INIT;
		if (e && e->where.kind == PAUDE_LOCATION_SSH)
			paude_location_ssh_address(&e->where, &addr);
		if (!s->location && addr.len &&
		    paude_location_backend_kind(s->backend) == PAUDE_LOCATION_PODMAN &&
		    listed_on(l, s->name, addr.buf)) {
			paude_session_release(s);
			memmove(s, s + 1, (l->nr - i - 1) * sizeof(*s));
			l->nr--;
			continue;
		}
		i++;
	}
}

int
paude_locate_list(struct paude_session_list *out, const struct paude_location *narrow,
		  const struct paude_reach *reach, struct paude_strvec *warnings,
		  struct paude_error **err)
{
	int r;
	if (narrow->kind != PAUDE_LOCATION_ANY) {
		_cleanup_backend_ struct paude_backend *b = NULL;
		if ((r = paude_locate_open(&b, narrow, reach, err)) < 0)
			return r;
		_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
		if ((r = paude_backend_list(b, &l, err)) < 0)
			return r;
		mark_hosts(&l, narrow);
		paude_session_list_take_all(out, &l);
		return 0;
	}
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	load_index(&ix, warnings);
	size_t answered = 0;

	_cleanup_(paude_session_list_release) struct paude_session_list all = { 0 };
	_cleanup_error_ struct paude_error *perr = NULL;
	_cleanup_backend_ struct paude_backend *pb = NULL;
	r = paude_locate_open(&pb, &podman_here, reach, &perr);
	if (r == 0)
		r = paude_backend_list(pb, &all, &perr);
	if (r == 0)
		answered++;
	int podman_r = r;

	/* Each recorded namespace and host once. */
	for (size_t i = 0; i < ix.nr; i++) {
		const struct paude_location *at = &ix.v[i].where;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = paude_location_equal(&ix.v[j].where, at);
		if (seen)
			continue;
		_cleanup_backend_ struct paude_backend *kb = NULL;
		_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
		_cleanup_error_ struct paude_error *kerr = NULL;
		if (paude_locate_open(&kb, at, reach, &kerr) < 0 ||
		    paude_backend_list(kb, &l, &kerr) < 0) {
			warn_unlisted(warnings, at, kerr ? kerr->msg : "unknown error");
			continue;
		}
		answered++;
		mark_hosts(&l, at);
		paude_session_list_take_all(&all, &l);
	}
	drop_local_namesakes(&all, &ix);
	if (podman_r < 0) {
		if (answered == 0) {
			if (err && !*err)
				*err = TAKE_PTR(perr);
			return podman_r;
		}
		if (warnings)
			paude_strvec_pushf(warnings, "cannot list the podman sessions: %s",
					   perr->msg);
	}
	paude_session_list_sort(&all);
	paude_session_list_take_all(out, &all);
	return 0;
}

/* The session the index records for name, at e->where; a stale entry
 * deserves its own words. */
static int
find_recorded(struct paude_backend **b, struct paude_session *out, const char *name,
	      const struct paude_index_entry *e, const struct paude_reach *reach,
	      struct paude_error **err)
{
	_cleanup_backend_ struct paude_backend *kb = NULL;
	int r = paude_locate_open(&kb, &e->where, reach, err);
	if (r < 0)
		return r;
	_cleanup_error_ struct paude_error *kerr = NULL;
	r = paude_backend_get(kb, name, out, &kerr);
	if (r == PAUDE_ENOTFOUND && e->where.kind == PAUDE_LOCATION_SSH) {
		_cleanup_buf_ struct paude_buf addr = PAUDE_BUF_INIT;
		paude_location_ssh_address(&e->where, &addr);
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "session '%s' is recorded on host '%s' but is gone from "
				       "it (forget it with: paude delete %s --confirm)",
				       name, addr.buf, name);
	}
	if (r == PAUDE_ENOTFOUND)
		return paude_error_set(
		    err, PAUDE_ENOTFOUND, 0,
		    "session '%s' is recorded in namespace '%s' but is gone from "
		    "the cluster (forget it with: paude delete %s --confirm)",
		    name, e->where.namespace, name);
	if (r < 0) {
		if (err && !*err)
			*err = TAKE_PTR(kerr);
		return r;
	}
	mark_host(out, &e->where);
	*b = TAKE_PTR(kb);
	return 0;
}

/* No narrowing: a host the index records, the local Podman, then a recorded namespace. */
static int
find_anywhere(struct paude_backend **b, struct paude_session *out, const char *name,
	      const struct paude_reach *reach, struct paude_strvec *warnings,
	      struct paude_error **err)
{
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	load_index(&ix, warnings);
	const struct paude_index_entry *e = paude_index_find(&ix, name);
	/* Made with create --host: that host's, even if this machine has a namesake. */
	if (e && e->where.kind == PAUDE_LOCATION_SSH)
		return find_recorded(b, out, name, e, reach, err);

	_cleanup_backend_ struct paude_backend *pb = NULL;
	_cleanup_error_ struct paude_error *perr = NULL;
	int r = paude_locate_open(&pb, &podman_here, reach, &perr);
	if (r == 0)
		r = paude_backend_get(pb, name, out, &perr);
	if (r == 0) {
		*b = TAKE_PTR(pb);
		return 0;
	}
	if (!e) {
		if (err && !*err)
			*err = TAKE_PTR(perr);
		return r;
	}
	return find_recorded(b, out, name, e, reach, err);
}

int
paude_locate_find(struct paude_backend **b, struct paude_session *out, const char *name,
		  const struct paude_location *narrow, const struct paude_reach *reach,
		  struct paude_strvec *warnings, struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	if (narrow->kind == PAUDE_LOCATION_ANY)
		return find_anywhere(b, out, name, reach, warnings, err);
	_cleanup_backend_ struct paude_backend *be = NULL;
	if ((r = paude_locate_open(&be, narrow, reach, err)) < 0)
		return r;
	if ((r = paude_backend_get(be, name, out, err)) < 0)
		return r;
	mark_host(out, narrow);
	*b = TAKE_PTR(be);
	return 0;
}

static bool
same_or_inside(const char *dir, const char *workspace)
{
	size_t n = strlen(workspace);
	return workspace[0] && !strncmp(dir, workspace, n) && (dir[n] == '\0' || dir[n] == '/');
}

int
paude_locate_resolve(struct paude_backend **b, struct paude_session *out, const char *name_or_null,
		     const char *cwd, const struct paude_location *narrow,
		     const struct paude_reach *reach, struct paude_strvec *warnings,
		     struct paude_error **err)
{
	if (name_or_null)
		return paude_locate_find(b, out, name_or_null, narrow, reach, warnings, err);

	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	int r = paude_locate_list(&l, narrow, reach, warnings, err);
	if (r < 0)
		return r;
	if (l.nr == 0)
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "there are no sessions (create one with: paude create)");
	size_t match = l.nr, nmatch = 0, best_len = 0;
	for (size_t i = 0; cwd && i < l.nr; i++) {
		const char *ws = l.v[i].workspace;
		if (!ws || !same_or_inside(cwd, ws))
			continue;
		/* The innermost workspace wins; equal ones are ambiguous. */
		size_t len = strlen(ws);
		if (len > best_len) {
			best_len = len;
			match = i;
			nmatch = 1;
		} else if (len == best_len) {
			nmatch++;
		}
	}
	if (nmatch == 0 && l.nr == 1) {
		match = 0;
		nmatch = 1;
	}
	if (nmatch != 1) {
		_cleanup_buf_ struct paude_buf names = PAUDE_BUF_INIT;
		for (size_t i = 0; i < l.nr; i++) {
			if (nmatch > 1 &&
			    !(l.v[i].workspace && strlen(l.v[i].workspace) == best_len &&
			      same_or_inside(cwd, l.v[i].workspace)))
				continue;
			paude_buf_addf(&names, NULL, "%s%s", names.len ? ", " : "", l.v[i].name);
		}
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "several sessions could be meant: %s (name one of them)",
				       names.buf);
	}
	_cleanup_backend_ struct paude_backend *be = NULL;
	if ((r = paude_locate_session_backend(&be, &l.v[match], narrow, reach, err)) < 0)
		return r;
	paude_session_release(out);
	*out = l.v[match];
	paude_session_init(&l.v[match]);
	*b = TAKE_PTR(be);
	return 0;
}
