/* SPDX-License-Identifier: MIT */
/*
 * Lifecycle commands: the in-memory form shared by the configuration and the
 * session, and its JSON form in a label.
 */
#include <string.h>
#include <json-c/json.h>
#include "paude/session/lifecycle.h"
#include "paude/core/alloc.h"
#include "paude/core/json.h"
#include "paude/core/run.h"
#include "core/banned.h"

static const char *const hook_names[PAUDE_HOOK_N] = {
	"onCreateCommand",  "updateContentCommand", "postCreateCommand",
	"postStartCommand", "postAttachCommand",
};

const char *
paude_hook_name(enum paude_hook h)
{
	return (unsigned)h < PAUDE_HOOK_N ? hook_names[h] : "?";
}

void
paude_lifecycle_init(struct paude_lifecycle *l)
{
	*l = (struct paude_lifecycle)PAUDE_LIFECYCLE_INIT;
}

void
paude_lifecycle_release(struct paude_lifecycle *l)
{
	for (size_t h = 0; h < PAUDE_HOOK_N; h++) {
		for (size_t i = 0; i < l->hook[h].nr; i++) {
			free(l->hook[h].v[i].name);
			paude_strvec_clear(&l->hook[h].v[i].argv);
		}
		free(l->hook[h].v);
	}
	paude_lifecycle_init(l);
}

bool
paude_lifecycle_empty(const struct paude_lifecycle *l)
{
	for (size_t h = 0; h < PAUDE_HOOK_N; h++)
		if (l->hook[h].nr)
			return false;
	return true;
}

struct paude_hook_cmd *
paude_lifecycle_add(struct paude_lifecycle *l, enum paude_hook h, const char *name)
{
	struct paude_hook_cmds *c = &l->hook[h];
	c->v = paude_xrealloc(c->v, c->nr + 1, sizeof(*c->v));
	struct paude_hook_cmd *cmd = &c->v[c->nr++];
	cmd->name = name ? paude_xstrdup(name) : NULL;
	paude_strvec_init(&cmd->argv);
	return cmd;
}

void
paude_lifecycle_copy(struct paude_lifecycle *out, const struct paude_lifecycle *from)
{
	paude_lifecycle_init(out);
	for (size_t h = 0; h < PAUDE_HOOK_N; h++)
		for (size_t i = 0; i < from->hook[h].nr; i++) {
			const struct paude_hook_cmd *c = &from->hook[h].v[i];
			struct paude_hook_cmd *d = paude_lifecycle_add(out, h, c->name);
			paude_strvec_pushv(&d->argv, (const char *const *)c->argv.v);
		}
}

void
paude_hook_cmd_describe(struct paude_buf *out, const struct paude_hook_cmd *c)
{
	if (c->name)
		paude_buf_addf(out, NULL, "%s: ", c->name);
	const struct paude_strvec *a = &c->argv;
	if (a->nr == 3 && !strcmp(a->v[0], "sh") && !strcmp(a->v[1], "-c"))
		paude_buf_addstr(out, a->v[2], NULL);
	else
		paude_quote_argv(out, (const char *const *)a->v);
}

char *
paude_lifecycle_encode(const struct paude_lifecycle *l)
{
	if (paude_lifecycle_empty(l))
		return NULL;
	_cleanup_json_ struct json_object *root = json_object_new_object();
	for (size_t h = 0; h < PAUDE_HOOK_N; h++) {
		if (!l->hook[h].nr)
			continue;
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < l->hook[h].nr; i++) {
			const struct paude_hook_cmd *c = &l->hook[h].v[i];
			struct json_object *o = json_object_new_object();
			if (c->name)
				json_object_object_add(o, "name", json_object_new_string(c->name));
			json_object_object_add(o, "argv", paude_json_array_from_strvec(&c->argv));
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, hook_names[h], arr);
	}
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_json_write(&b, root, false);
	return paude_buf_detach(&b);
}

static int
bad(struct paude_error **err, const char *why)
{
	return paude_error_set(err, PAUDE_EPROTO, 0, "invalid lifecycle commands: %s", why);
}

int
paude_lifecycle_decode(struct paude_lifecycle *out, const char *json, struct paude_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r = paude_json_parse(&root, json, strlen(json), "lifecycle commands", err);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return bad(err, "expected an object");
	_cleanup_(paude_lifecycle_release) struct paude_lifecycle l = PAUDE_LIFECYCLE_INIT;
	json_object_object_foreach(root, key, v)
	{
		size_t h;
		for (h = 0; h < PAUDE_HOOK_N; h++)
			if (!strcmp(key, hook_names[h]))
				break;
		if (h == PAUDE_HOOK_N)
			return bad(err, "unknown hook");
		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) > PAUDE_LIFECYCLE_MAX_CMDS)
			return bad(err, "expected an array of at most 32 commands");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *o = json_object_array_get_idx(v, i);
			struct json_object *name = NULL, *argv = NULL;
			if (!json_object_is_type(o, json_type_object) ||
			    !json_object_object_get_ex(o, "argv", &argv) ||
			    !json_object_is_type(argv, json_type_array) ||
			    !json_object_array_length(argv) ||
			    (json_object_object_get_ex(o, "name", &name) &&
			     !json_object_is_type(name, json_type_string)))
				return bad(err, "a command needs a non-empty argv");
			struct paude_hook_cmd *c =
			    paude_lifecycle_add(&l, h, name ? json_object_get_string(name) : NULL);
			if ((r = paude_json_array_to_strvec(&c->argv, argv, err)) < 0)
				return r;
		}
	}
	paude_lifecycle_release(out);
	*out = l;
	paude_lifecycle_init(&l);
	return 0;
}

static const char *
env_lookup(const struct paude_strvec *env, const char *name, size_t n)
{
	for (size_t i = 0; i < env->nr; i++)
		if (!strncmp(env->v[i], name, n) && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

char *
paude_remote_env_resolve(const char *kv, const struct paude_strvec *env)
{
	static const char var[] = "${containerEnv:";
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	const char *p = kv;
	for (const char *d; (d = strstr(p, var));) {
		const char *q = d + sizeof(var) - 1, *end = strchr(q, '}');
		if (!end)
			break;
		paude_buf_add(&b, p, (size_t)(d - p), NULL);
		size_t n = strcspn(q, ":}");
		const char *val = env_lookup(env, q, n);
		/* As for ${localEnv}: the default stands in for unset or empty. */
		if (val && *val)
			paude_buf_addstr(&b, val, NULL);
		else if (q[n] == ':')
			paude_buf_add(&b, q + n + 1, (size_t)(end - (q + n + 1)), NULL);
		p = end + 1;
	}
	paude_buf_addstr(&b, p, NULL);
	return paude_buf_detach(&b);
}
