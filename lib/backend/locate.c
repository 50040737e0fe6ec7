/* SPDX-License-Identifier: MIT */
/* Where is session NAME (see include/paude/backend/locate.h). */
#include <string.h>
#include "paude/backend/locate.h"
#include "paude/session/index.h"
#include "core/banned.h"

static const struct paude_location podman_here = { .kind = PAUDE_LOCATION_PODMAN };

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
			     const struct paude_location *narrow, struct paude_runner *runner,
			     struct paude_error **err)
{
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	if (paude_location_from_stored(&at, s->backend, s->location, NULL) == 0 &&
	    at.kind == PAUDE_LOCATION_CLUSTER)
		return paude_backend_open(out, &at, runner, err);
	return paude_backend_open(out, narrow, runner, err);
}

static void
warn_namespace(struct paude_strvec *warnings, const struct paude_location *at, const char *why)
{
	if (!warnings)
		return;
	paude_strvec_pushf(warnings, "cannot list the sessions in namespace '%s'%s%s%s: %s",
			   at->namespace, at->context ? " (context '" : "",
			   at->context ? at->context : "", at->context ? "')" : "", why);
}

int
paude_locate_list(struct paude_session_list *out, const struct paude_location *narrow,
		  struct paude_runner *runner, struct paude_strvec *warnings,
		  struct paude_error **err)
{
	int r;
	if (narrow->kind != PAUDE_LOCATION_ANY) {
		_cleanup_backend_ struct paude_backend *b = NULL;
		if ((r = paude_backend_open(&b, narrow, runner, err)) < 0)
			return r;
		return paude_backend_list(b, out, err);
	}
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	load_index(&ix, warnings);
	size_t answered = 0;

	_cleanup_(paude_session_list_release) struct paude_session_list all = { 0 };
	_cleanup_error_ struct paude_error *perr = NULL;
	_cleanup_backend_ struct paude_backend *pb = NULL;
	r = paude_backend_open(&pb, &podman_here, runner, &perr);
	if (r == 0)
		r = paude_backend_list(pb, &all, &perr);
	if (r == 0)
		answered++;
	int podman_r = r;

	/* Each recorded namespace once. */
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
		if (paude_backend_open(&kb, at, runner, &kerr) < 0 ||
		    paude_backend_list(kb, &l, &kerr) < 0) {
			warn_namespace(warnings, at, kerr ? kerr->msg : "unknown error");
			continue;
		}
		answered++;
		paude_session_list_take_all(&all, &l);
	}
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

/* No narrowing: the local Podman, then the index; a stale entry deserves its own words. */
static int
find_anywhere(struct paude_backend **b, struct paude_session *out, const char *name,
	      struct paude_runner *runner, struct paude_strvec *warnings, struct paude_error **err)
{
	_cleanup_backend_ struct paude_backend *pb = NULL;
	_cleanup_error_ struct paude_error *perr = NULL;
	int r = paude_backend_open(&pb, &podman_here, runner, &perr);
	if (r == 0)
		r = paude_backend_get(pb, name, out, &perr);
	if (r == 0) {
		*b = TAKE_PTR(pb);
		return 0;
	}
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	load_index(&ix, warnings);
	const struct paude_index_entry *e = paude_index_find(&ix, name);
	if (!e) {
		if (err && !*err)
			*err = TAKE_PTR(perr);
		return r;
	}
	_cleanup_backend_ struct paude_backend *kb = NULL;
	if ((r = paude_backend_open(&kb, &e->where, runner, err)) < 0)
		return r;
	_cleanup_error_ struct paude_error *kerr = NULL;
	r = paude_backend_get(kb, name, out, &kerr);
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
	*b = TAKE_PTR(kb);
	return 0;
}

int
paude_locate_find(struct paude_backend **b, struct paude_session *out, const char *name,
		  const struct paude_location *narrow, struct paude_runner *runner,
		  struct paude_strvec *warnings, struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	if (narrow->kind == PAUDE_LOCATION_ANY)
		return find_anywhere(b, out, name, runner, warnings, err);
	_cleanup_backend_ struct paude_backend *be = NULL;
	if ((r = paude_backend_open(&be, narrow, runner, err)) < 0)
		return r;
	if ((r = paude_backend_get(be, name, out, err)) < 0)
		return r;
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
		     struct paude_runner *runner, struct paude_strvec *warnings,
		     struct paude_error **err)
{
	if (name_or_null)
		return paude_locate_find(b, out, name_or_null, narrow, runner, warnings, err);

	_cleanup_(paude_session_list_release) struct paude_session_list l = { 0 };
	int r = paude_locate_list(&l, narrow, runner, warnings, err);
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
	if ((r = paude_locate_session_backend(&be, &l.v[match], narrow, runner, err)) < 0)
		return r;
	paude_session_release(out);
	*out = l.v[match];
	paude_session_init(&l.v[match]);
	*b = TAKE_PTR(be);
	return 0;
}
