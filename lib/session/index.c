/* SPDX-License-Identifier: MIT */
/* The local index of cluster and remote hosts' sessions (see include/paude/session/index.h). */
#include <string.h>
#include "paude/session/index.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/fs.h"
#include "paude/core/json.h"
#include "paude/session/session.h"
#include "core/banned.h"

#define INDEX_MAX (4u << 20)

static char *
dup_or_null(const char *s)
{
	return s ? paude_xstrdup(s) : NULL;
}

void
paude_index_release(struct paude_index *ix)
{
	for (size_t i = 0; i < ix->nr; i++) {
		free(ix->v[i].name);
		paude_location_release(&ix->v[i].where);
	}
	free(ix->v);
	ix->v = NULL;
	ix->nr = 0;
}

static void
add(struct paude_index *ix, const char *name, const struct paude_location *where)
{
	ix->v = paude_xrealloc(ix->v, ix->nr + 1, sizeof(*ix->v));
	struct paude_index_entry *e = &ix->v[ix->nr++];
	*e = (struct paude_index_entry){ .name = dup_or_null(name), .where = PAUDE_LOCATION_INIT };
	paude_location_copy(&e->where, where);
}

int
paude_index_parse(struct paude_index *out, const char *json, size_t len, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r = paude_json_parse(&root, json, len, "session index", err);
	if (r < 0)
		return r;
	struct json_object *sessions = paude_json_get_obj(root, "sessions");
	if (!sessions)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "session index: expected an object with 'sessions'");
	struct paude_index ix = { 0 };
	json_object_object_foreach(sessions, key, val)
	{
		const char *backend = paude_json_get_str(val, "backend");
		const char *ns = paude_json_get_str(val, "namespace");
		const char *ctx = paude_json_get_str(val, "context");
		const char *host = paude_json_get_str(val, "host");
		/* Entries that cannot be used are dropped, not fatal. */
		struct paude_location where = PAUDE_LOCATION_INIT;
		if (paude_session_name_validate(key, NULL) < 0 || !backend ||
		    !paude_location_set_backend(&where, backend, strlen(backend)))
			continue;
		if (where.kind == PAUDE_LOCATION_PODMAN && host) {
			/* A podman session on a remote host. */
			_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
			if (paude_location_ssh(&at, host, NULL) == 0)
				add(&ix, key, &at);
			continue;
		}
		if (where.kind != PAUDE_LOCATION_CLUSTER || !ns)
			continue;
		/* Borrowed strings: add copies them. */
		where.context = (char *)ctx;
		where.namespace = (char *)ns;
		add(&ix, key, &where);
	}
	paude_index_release(out);
	*out = ix;
	return 0;
}

static char *
index_path(void)
{
	_cleanup_free_ char *dir = paude_state_dir();
	return paude_path_join(dir, "sessions.json");
}

int
paude_index_load(struct paude_index *out, struct paude_error **err)
{
	_cleanup_free_ char *path = index_path();
	if (!paude_exists(path)) {
		paude_index_release(out);
		return 0;
	}
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(INDEX_MAX);
	int r = paude_buf_read_file(&b, path, err);
	if (r < 0)
		return r;
	r = paude_index_parse(out, b.buf, b.len, err);
	if (r < 0)
		return paude_error_wrap(err, r,
					"'%s' is damaged (remove it; sessions stay on the "
					"cluster)",
					path);
	return 0;
}

const struct paude_index_entry *
paude_index_find(const struct paude_index *ix, const char *name)
{
	for (size_t i = 0; i < ix->nr; i++)
		if (!strcmp(ix->v[i].name, name))
			return &ix->v[i];
	return NULL;
}

/* Write root as JSON to path in paude's state directory (made 0700),
 * the file owner-only: the index and the remotes record share this. */
static int
state_file_write(const char *path, struct json_object *root, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_json_write(&b, root, true);
	paude_buf_addch(&b, '\n', NULL);
	_cleanup_free_ char *dir = paude_state_dir();
	int r = paude_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	return paude_write_file(path, b.buf, b.len, 0600, err);
}

static int
save(const struct paude_index *ix, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = json_object_new_object();
	struct json_object *sessions = json_object_new_object();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "sessions", sessions);
	for (size_t i = 0; i < ix->nr; i++) {
		const struct paude_index_entry *e = &ix->v[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "backend", json_object_new_string(paude_location_backend_name(&e->where)));
		if (e->where.kind == PAUDE_LOCATION_SSH) {
			_cleanup_buf_ struct paude_buf h = PAUDE_BUF_INIT;
			paude_location_ssh_address(&e->where, &h);
			json_object_object_add(o, "host", json_object_new_string(h.buf));
			json_object_object_add(sessions, e->name, o);
			continue;
		}
		if (e->where.context)
			json_object_object_add(o, "context",
					       json_object_new_string(e->where.context));
		json_object_object_add(o, "namespace", json_object_new_string(e->where.namespace));
		json_object_object_add(sessions, e->name, o);
	}
	_cleanup_free_ char *path = index_path();
	return state_file_write(path, root, err);
}

int
paude_index_put(const char *name, const struct paude_location *where, struct paude_error **err)
{
	if (!(where->kind == PAUDE_LOCATION_CLUSTER && where->namespace) &&
	    !(where->kind == PAUDE_LOCATION_SSH && where->host))
		PAUDE_BUG("the index records cluster sessions with their namespace and "
			  "remote hosts' sessions with the host");
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	int r = paude_index_load(&ix, err);
	if (r < 0)
		return r;
	struct paude_index_entry *e = (struct paude_index_entry *)paude_index_find(&ix, name);
	if (e)
		paude_location_copy(&e->where, where);
	else
		add(&ix, name, where);
	return save(&ix, err);
}

int
paude_index_remove(const char *name, struct paude_error **err)
{
	_cleanup_(paude_index_release) struct paude_index ix = { 0 };
	int r = paude_index_load(&ix, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ix.nr; i++) {
		if (!ix.v[i].name || strcmp(ix.v[i].name, name) != 0)
			continue;
		free(ix.v[i].name);
		paude_location_release(&ix.v[i].where);
		memmove(&ix.v[i], &ix.v[i + 1], (ix.nr - i - 1) * sizeof(*ix.v));
		ix.nr--;
		return save(&ix, err);
	}
	return 0;
}

/* --- where `paude remote add` put paude-NAME remotes ---------------------- */

#define REMOTES_PER_SESSION 64

static char *
remotes_path(void)
{
	_cleanup_free_ char *dir = paude_state_dir();
	return paude_path_join(dir, "remotes.json");
}

/* The "remotes" object of the file (a new one when there is no file). */
static int
remotes_load(struct json_object **root, struct json_object **remotes, struct paude_error **err)
{
	_cleanup_free_ char *path = remotes_path();
	*root = NULL;
	if (paude_exists(path)) {
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(INDEX_MAX);
		int r = paude_buf_read_file(&b, path, err);
		if (r < 0)
			return r;
		r = paude_json_parse(root, b.buf, b.len, "remote index", err);
		if (r < 0)
			return paude_error_wrap(err, r, "'%s' is damaged (remove it)", path);
	}
	if (!*root || !json_object_is_type(*root, json_type_object)) {
		json_object_put(*root);
		*root = json_object_new_object();
		json_object_object_add(*root, "version", json_object_new_int(1));
	}
	*remotes = paude_json_get_obj(*root, "remotes");
	if (!*remotes || !json_object_is_type(*remotes, json_type_object)) {
		*remotes = json_object_new_object();
		json_object_object_add(*root, "remotes", *remotes);
	}
	return 0;
}

static int
remotes_save(struct json_object *root, struct paude_error **err)
{
	_cleanup_free_ char *path = remotes_path();
	return state_file_write(path, root, err);
}

int
paude_index_remote_record(const char *name, const char *repo_dir, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *remotes = NULL;
	int r = remotes_load(&root, &remotes, err);
	if (r < 0)
		return r;
	struct json_object *dirs = paude_json_get_array(remotes, name);
	if (!dirs) {
		dirs = json_object_new_array();
		json_object_object_add(remotes, name, dirs);
	}
	size_t n = json_object_array_length(dirs);
	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(dirs, i));
		if (d && !strcmp(d, repo_dir))
			return 0;
	}
	if (n >= REMOTES_PER_SESSION)
		return 0; /* a hint, not a ledger: the first ones are kept */
	json_object_array_add(dirs, json_object_new_string(repo_dir));
	return remotes_save(root, err);
}

int
paude_index_remote_dirs(const char *name, struct paude_strvec *out, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *remotes = NULL;
	int r = remotes_load(&root, &remotes, err);
	if (r < 0)
		return r;
	struct json_object *dirs = paude_json_get_array(remotes, name);
	if (!dirs)
		return 0;
	size_t n = json_object_array_length(dirs);
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(dirs, i);
		if (json_object_is_type(d, json_type_string) && json_object_get_string(d)[0] == '/')
			paude_strvec_push(out, json_object_get_string(d));
	}
	return 0;
}

int
paude_index_remote_forget(const char *name, struct paude_error **err)
{
	_cleanup_free_ char *path = remotes_path();
	if (!paude_exists(path))
		return 0;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *remotes = NULL;
	int r = remotes_load(&root, &remotes, err);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(remotes, name, NULL))
		return 0;
	json_object_object_del(remotes, name);
	return remotes_save(root, err);
}
