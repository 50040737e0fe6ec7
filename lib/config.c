/* SPDX-License-Identifier: MIT */
/*
 * The project's configuration: find .devcontainer/devcontainer.json,
 * .devcontainer.json or paude.json, turn JSONC into JSON (comments and
 * trailing commas blanked out, so byte offsets and line numbers stay
 * true), parse it with json-c and decode it into struct paude_config.
 * Whatever would weaken the session's isolation is dropped with a warning
 * saying why; so is anything we do not know.
 */
#include <string.h>
#include <sys/stat.h>
#include "paude/config.h"
#include "paude/buf.h"
#include "paude/fs.h"
#include "paude/json.h"
#include "paude/log.h"
#include "banned.h"

/* A config file is small; anything larger is a mistake. */
#define CONFIG_MAX (1u << 20)
#define LIST_MAX 256

void
paude_config_init(struct paude_config *c)
{
	memset(c, 0, sizeof(*c));
	paude_strvec_init(&c->build_args);
	paude_strvec_init(&c->packages);
	paude_strvec_init(&c->setup_argv);
	paude_strvec_init(&c->env);
	paude_strvec_init(&c->venv_dirs);
	paude_strvec_init(&c->warnings);
}

void
paude_config_release(struct paude_config *c)
{
	free(c->path);
	free(c->workspace);
	free(c->image);
	free(c->dockerfile);
	free(c->context);
	paude_strvec_clear(&c->build_args);
	paude_strvec_clear(&c->packages);
	for (size_t i = 0; i < c->n_features; i++) {
		free(c->features[i].ref);
		paude_strvec_clear(&c->features[i].options);
	}
	free(c->features);
	free(c->setup_shell);
	paude_strvec_clear(&c->setup_argv);
	paude_strvec_clear(&c->env);
	paude_strvec_clear(&c->venv_dirs);
	paude_strvec_clear(&c->warnings);
	paude_config_init(c);
}

const char *
paude_config_kind_name(enum paude_config_kind k)
{
	switch (k) {
	case PAUDE_CONFIG_DEVCONTAINER:
		return "devcontainer.json";
	case PAUDE_CONFIG_PAUDE:
		return "paude.json";
	case PAUDE_CONFIG_NONE:
		break;
	}
	return "none";
}

/* --- JSONC --- */

size_t
paude_jsonc_strip(char *s, size_t n)
{
	size_t last_comma = (size_t)-1; /* a comma not yet followed by a value */
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"') {
			last_comma = (size_t)-1;
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < n)
					i++;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '/') {
			for (; i < n && s[i] != '\n'; i++)
				s[i] = ' ';
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			size_t start = i;
			i += 2;
			while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
				i++;
			size_t end = i + 1 < n ? i + 2 : n;
			/* Keep newlines, so a later error still names the right line. */
			for (size_t k = start; k < end; k++)
				if (s[k] != '\n')
					s[k] = ' ';
			i = end - 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if ((c == '}' || c == ']') && last_comma != (size_t)-1)
			s[last_comma] = ' ';
		last_comma = c == ',' ? i : (size_t)-1;
	}
	return n;
}

/* --- decoding --- */

struct ctx {
	struct paude_config *c;
	const char *dir; /* directory of the config file */
	const char *workspace;
	struct paude_error **err;
};

static void warn(struct ctx *x, const char *fmt, ...) _printf_(2, 3);

static void
warn(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (x->c->warnings.nr < LIST_MAX)
		paude_strvec_push_nodup(&x->c->warnings, m);
	else
		free(m);
}

static int
bad(struct ctx *x, const char *prop, const char *why)
{
	return paude_error_set(x->err, PAUDE_EUSAGE, 0, "%s: invalid '%s': %s", x->c->path, prop,
			       why);
}

static bool
has_local_env(const char *s)
{
	return strstr(s, "${localEnv:") != NULL;
}

/* A string that may be used, or NULL (with a warning) if it asks for host variables. */
static const char *
str_ok(struct ctx *x, const char *prop, struct json_object *v)
{
	const char *s = json_object_get_string(v);
	if (has_local_env(s)) {
		warn(x,
		     "'%s' is not applied: ${localEnv:...} would copy the host's environment "
		     "(and its secrets) into the container",
		     prop);
		return NULL;
	}
	return s;
}

static bool
is_str(struct json_object *v)
{
	return json_object_is_type(v, json_type_string);
}

/* Collapse "." and ".." lexically; an absolute path in, an absolute path out. */
static char *
normalize(const char *path)
{
	_cleanup_strvec_ struct paude_strvec parts = PAUDE_STRVEC_INIT;
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		abort();
	for (char *save = NULL, *p = strtok_r(copy, "/", &save); p;
	     p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (parts.nr)
				paude_strvec_pop(&parts);
			continue;
		}
		paude_strvec_push(&parts, p);
	}
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	for (size_t i = 0; i < parts.nr; i++)
		paude_buf_addf(&b, NULL, "/%s", parts.v[i]);
	if (!b.len)
		paude_buf_addch(&b, '/', NULL);
	return paude_buf_detach(&b);
}

static bool
inside(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return true;
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

/* rel resolved against base; must stay inside the workspace (lexically and,
 * if it exists, after resolving symlinks). */
static int
project_path(struct ctx *x, const char *prop, const char *base, const char *rel, bool is_file,
	     char **out)
{
	if (!*rel || strchr(rel, '\n'))
		return bad(x, prop, "an empty path or one with a newline");
	_cleanup_free_ char *joined = rel[0] == '/' ? strdup(rel) : paude_path_join(base, rel);
	if (!joined)
		abort();
	_cleanup_free_ char *norm = normalize(joined);
	if (is_file && !strcmp(norm, x->workspace))
		return bad(x, prop, "the project directory itself is not a file");
	if (!inside(norm, x->workspace))
		return paude_error_set(
		    x->err, PAUDE_EUSAGE, 0,
		    "%s: '%s' points outside the project: '%s' is not under '%s' "
		    "(paths in the configuration must stay inside the project)",
		    x->c->path, prop, rel, x->workspace);
	if (paude_exists(norm)) {
		_cleanup_free_ char *real = NULL, *realws = NULL;
		if (paude_realpath(&real, norm, NULL) == 0 &&
		    paude_realpath(&realws, x->workspace, NULL) == 0 && !inside(real, realws))
			return paude_error_set(x->err, PAUDE_EUSAGE, 0,
					       "%s: '%s' points outside the project: '%s' "
					       "resolves to '%s' (a symbolic link out of '%s')",
					       x->c->path, prop, rel, real, realws);
	}
	*out = TAKE_PTR(norm);
	return 0;
}

static int
decode_build(struct ctx *x, struct json_object *build, bool devcontainer)
{
	struct paude_config *c = x->c;
	if (!json_object_is_type(build, json_type_object))
		return bad(x, "build", "expected an object");
	/* devcontainer.json: relative to the file; paude.json: to the project. */
	const char *base = devcontainer ? x->dir : x->workspace;
	json_object_object_foreach(build, key, v)
	{
		_cleanup_free_ char *prop = NULL;
		prop = paude_xstrfmt("build.%s", key);
		if (!strcmp(key, "dockerfile")) {
			if (!is_str(v))
				return bad(x, prop, "expected a string");
			int r = project_path(x, prop, base, json_object_get_string(v), true,
					     &c->dockerfile);
			if (r < 0)
				return r;
		} else if (!strcmp(key, "context")) {
			if (!is_str(v))
				return bad(x, prop, "expected a string");
			int r = project_path(x, prop, base, json_object_get_string(v), false,
					     &c->context);
			if (r < 0)
				return r;
		} else if (!strcmp(key, "args")) {
			if (!json_object_is_type(v, json_type_object))
				return bad(x, prop, "expected an object of strings");
			json_object_object_foreach(v, ak, av)
			{
				_cleanup_free_ char *aprop = NULL;
				aprop = paude_xstrfmt("build.args.%s", ak);
				if (!is_str(av))
					return bad(x, aprop, "expected a string");
				const char *s = str_ok(x, aprop, av);
				if (!s)
					continue;
				if (!*ak || strchr(ak, '=') || strchr(ak, '\n') || strchr(s, '\n'))
					return bad(x, aprop,
						   "a name or value that cannot be a "
						   "build argument");
				if (c->build_args.nr < LIST_MAX)
					paude_strvec_pushf(&c->build_args, "%s=%s", ak, s);
			}
		} else if (!strcmp(key, "target") || !strcmp(key, "cacheFrom") ||
			   !strcmp(key, "options")) {
			warn(x, "'%s' is not supported yet: ignored", prop);
		} else {
			warn(x, "unknown property '%s': ignored", prop);
		}
	}
	if (c->context && !c->dockerfile)
		return bad(x, "build.context", "a context needs build.dockerfile");
	if (c->dockerfile && !c->context) {
		c->context = strdup(devcontainer ? x->dir : x->workspace);
		if (!c->context)
			abort();
	}
	return 0;
}

static int
decode_setup(struct ctx *x, const char *prop, struct json_object *v)
{
	struct paude_config *c = x->c;
	if (is_str(v)) {
		const char *s = str_ok(x, prop, v);
		if (s && *s) {
			c->setup_shell = strdup(s);
			if (!c->setup_shell)
				abort();
		}
		return 0;
	}
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		if (!n)
			return 0;
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			if (!is_str(e))
				return bad(x, prop, "expected a string or an array of strings");
			if (has_local_env(json_object_get_string(e)))
				return (void)str_ok(x, prop, e), 0;
		}
		if (n > LIST_MAX)
			return bad(x, prop, "too many elements");
		return paude_json_array_to_strvec(&c->setup_argv, v, x->err);
	}
	if (json_object_is_type(v, json_type_object)) {
		warn(x, "'%s' as an object (parallel commands) is not supported yet: ignored",
		     prop);
		return 0;
	}
	return bad(x, prop, "expected a string or an array of strings");
}

static bool
valid_env_name(const char *k)
{
	size_t n = strlen(k);
	return n && n < 256 && !(k[0] >= '0' && k[0] <= '9') &&
	       strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int
decode_env(struct ctx *x, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return bad(x, "containerEnv", "expected an object of strings");
	json_object_object_foreach(v, k, ev)
	{
		_cleanup_free_ char *prop = NULL;
		prop = paude_xstrfmt("containerEnv.%s", k);
		if (!is_str(ev))
			return bad(x, prop, "expected a string");
		if (!valid_env_name(k))
			return bad(x, prop, "not a valid environment variable name");
		const char *s = str_ok(x, prop, ev);
		if (s && x->c->env.nr < LIST_MAX)
			paude_strvec_pushf(&x->c->env, "%s=%s", k, s);
	}
	return 0;
}

/* What a package name may look like in apt, dnf and apk (with a version). */
static bool
valid_package(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 128 ||
	    !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", s[0]))
		return false;
	return strspn(s,
		      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_:=~<>-") ==
	       n;
}

static int
decode_packages(struct ctx *x, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_array))
		return bad(x, "packages", "expected an array of package names");
	size_t n = json_object_array_length(v);
	if (n > LIST_MAX)
		return bad(x, "packages", "too many packages");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!is_str(e) || !valid_package(json_object_get_string(e))) {
			_cleanup_free_ char *why = NULL;
			why =
			    paude_xstrfmt("'%s' is not a package name",
					  is_str(e) ? json_object_get_string(e) : "(not a string)");
			return bad(x, "packages", why);
		}
		if (paude_strvec_find(&x->c->packages, json_object_get_string(e)) < 0)
			paude_strvec_push(&x->c->packages, json_object_get_string(e));
	}
	return 0;
}

static bool
valid_venv_dir(const char *s)
{
	if (!*s || s[0] == '/' || strlen(s) > 255 || strchr(s, '\n') || strchr(s, ','))
		return false;
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		abort();
	for (char *save = NULL, *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save))
		if (!strcmp(p, "..") || !strcmp(p, "."))
			return false;
	return true;
}

static int
decode_venv(struct ctx *x, struct json_object *v)
{
	struct paude_config *c = x->c;
	if (is_str(v)) {
		const char *s = json_object_get_string(v);
		if (!strcmp(s, "auto"))
			c->venv_mode = PAUDE_VENV_AUTO;
		else if (!strcmp(s, "none"))
			c->venv_mode = PAUDE_VENV_NONE;
		else
			return bad(x, "venv",
				   "expected \"auto\", \"none\" or a list of directories");
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return bad(x, "venv", "expected \"auto\", \"none\" or a list of directories");
	size_t n = json_object_array_length(v);
	if (n > LIST_MAX)
		return bad(x, "venv", "too many directories");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!is_str(e) || !valid_venv_dir(json_object_get_string(e)))
			return bad(x, "venv",
				   "each entry must be a relative directory inside the "
				   "project (no '..')");
		paude_strvec_push(&c->venv_dirs, json_object_get_string(e));
	}
	c->venv_mode = PAUDE_VENV_LIST;
	return 0;
}

static bool
valid_feature_ref(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 255 || s[0] == '-' || s[0] == '.' || s[0] == '/')
		return false;
	/* host/path[:tag|@sha256:...], host with a dot or a port or localhost */
	const char *slash = strchr(s, '/');
	if (!slash)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:/@") ==
	       n;
}

static void
option_value(struct json_object *v, struct paude_buf *out)
{
	if (json_object_is_type(v, json_type_boolean))
		paude_buf_addstr(out, json_object_get_boolean(v) ? "true" : "false", NULL);
	else
		paude_buf_addstr(out, json_object_get_string(v), NULL);
}

static int
decode_features(struct ctx *x, struct json_object *v)
{
	struct paude_config *c = x->c;
	if (!json_object_is_type(v, json_type_object))
		return bad(x, "features", "expected an object of feature references");
	size_t n = (size_t)json_object_object_length(v);
	if (n > 64)
		return bad(x, "features", "too many features");
	c->features = calloc(n ? n : 1, sizeof(*c->features));
	if (!c->features)
		abort();
	json_object_object_foreach(v, ref, opts)
	{
		_cleanup_free_ char *prop = NULL;
		prop = paude_xstrfmt("features.%s", ref);
		if (ref[0] == '.' || ref[0] == '/') {
			warn(x, "'%s': local features are not supported yet: ignored", prop);
			continue;
		}
		if (!strncmp(ref, "http://", 7) || !strncmp(ref, "https://", 8)) {
			warn(x, "'%s': features from tarball URLs are not supported yet: ignored",
			     prop);
			continue;
		}
		if (!valid_feature_ref(ref))
			return bad(x, prop,
				   "not an OCI reference such as "
				   "ghcr.io/devcontainers/features/go:1");
		struct paude_feature_ref *f = &c->features[c->n_features];
		paude_strvec_init(&f->options);
		if (is_str(opts)) {
			/* The shorthand "feature": "1.21" sets the version option. */
			const char *s = str_ok(x, prop, opts);
			if (!s)
				continue;
			paude_strvec_pushf(&f->options, "version=%s", s);
		} else if (json_object_is_type(opts, json_type_object)) {
			bool skip = false;
			json_object_object_foreach(opts, ok, ov)
			{
				_cleanup_free_ char *oprop = NULL;
				oprop = paude_xstrfmt("%s.%s", prop, ok);
				if (!is_str(ov) && !json_object_is_type(ov, json_type_boolean) &&
				    !json_object_is_type(ov, json_type_int) &&
				    !json_object_is_type(ov, json_type_double)) {
					paude_strvec_clear(&f->options);
					return bad(x, oprop, "expected a string or a boolean");
				}
				if (is_str(ov) && !str_ok(x, oprop, ov)) {
					skip = true;
					continue;
				}
				_cleanup_buf_ struct paude_buf val = PAUDE_BUF_INIT;
				option_value(ov, &val);
				if (!*ok || strchr(ok, '=') || strchr(val.buf, '\n')) {
					paude_strvec_clear(&f->options);
					return bad(x, oprop,
						   "a name or value that cannot be an "
						   "option");
				}
				paude_strvec_pushf(&f->options, "%s=%s", ok, val.buf);
			}
			if (skip) {
				paude_strvec_clear(&f->options);
				continue;
			}
		} else if (!json_object_is_type(opts, json_type_boolean)) {
			paude_strvec_clear(&f->options);
			return bad(x, prop, "expected an object of options");
		}
		f->ref = strdup(ref);
		if (!f->ref)
			abort();
		c->n_features++;
	}
	return 0;
}

/* Properties never applied, and why. */
static const struct {
	const char *name, *why;
} refused[] = {
	{ "mounts", "paude controls what is mounted into a session" },
	{ "workspaceMount", "paude controls what is mounted into a session" },
	{ "runArgs", "paude controls the container's run arguments" },
	{ "privileged", "a privileged container is never allowed" },
	{ "capAdd", "added capabilities are never allowed" },
	{ "securityOpt", "paude controls the container's security options" },
	{ "forwardPorts", "paude controls networking" },
	{ "appPort", "paude controls networking" },
	{ "remoteUser", "paude controls the user the agent runs as" },
	{ "containerUser", "paude controls the user the agent runs as" },
	{ "initializeCommand", "it would run on the host, outside the container" },
	{ "dockerComposeFile", "paude controls how containers are run (compose is not used)" },
};

/* Properties with no effect on a paude session, ignored in silence. */
static const char *const harmless[] = { "$schema", "name", "customizations" };

/* Known devcontainer properties that paude does not implement (yet). */
static const char *const not_yet[] = {
	"onCreateCommand",
	"updateContentCommand",
	"postStartCommand",
	"postAttachCommand",
	"remoteEnv",
	"workspaceFolder",
	"shutdownAction",
	"overrideCommand",
	"hostRequirements",
	"service",
	"runServices",
	"userEnvProbe",
	"updateRemoteUserUID",
	"waitFor",
	"portsAttributes",
	"otherPortsAttributes",
	"init",
	"overrideFeatureInstallOrder",
	"gpu",
};

static bool
in_list(const char *k, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k, list[i]))
			return true;
	return false;
}

static int
decode(struct ctx *x, struct json_object *root)
{
	struct paude_config *c = x->c;
	bool dc = c->kind == PAUDE_CONFIG_DEVCONTAINER;
	if (!json_object_is_type(root, json_type_object))
		return paude_error_set(x->err, PAUDE_EUSAGE, 0,
				       "%s: expected a JSON object at the top level", c->path);
	int r = 0;
	json_object_object_foreach(root, key, v)
	{
		size_t i;
		for (i = 0; i < ARRAY_SIZE(refused); i++)
			if (!strcmp(key, refused[i].name))
				break;
		if (i < ARRAY_SIZE(refused)) {
			warn(x, "'%s' is not applied: %s", key, refused[i].why);
			continue;
		}
		if (!strcmp(key, dc ? "image" : "base")) {
			if (!is_str(v))
				return bad(x, key, "expected a string");
			const char *s = str_ok(x, key, v);
			if (!s)
				continue;
			if (!*s || s[0] == '-' || strlen(s) > 255 ||
			    strspn(s,
				   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				   "._-:/@") != strlen(s))
				return bad(x, key,
					   "not an image reference such as "
					   "python:3.11-slim");
			c->image = strdup(s);
			if (!c->image)
				abort();
		} else if (!strcmp(key, "build")) {
			r = decode_build(x, v, dc);
		} else if (!strcmp(key, dc ? "postCreateCommand" : "setup")) {
			r = decode_setup(x, key, v);
		} else if (dc && !strcmp(key, "features")) {
			r = decode_features(x, v);
		} else if (dc && !strcmp(key, "containerEnv")) {
			r = decode_env(x, v);
		} else if (!dc && !strcmp(key, "packages")) {
			r = decode_packages(x, v);
		} else if (!dc && !strcmp(key, "venv")) {
			r = decode_venv(x, v);
		} else if (in_list(key, harmless, ARRAY_SIZE(harmless))) {
			continue;
		} else if (dc && in_list(key, not_yet, ARRAY_SIZE(not_yet))) {
			warn(x, "'%s' is not supported yet: ignored", key);
		} else {
			warn(x, "unknown property '%s' in %s: ignored", key,
			     paude_config_kind_name(c->kind));
		}
		if (r < 0)
			return r;
	}
	if (c->image && c->dockerfile)
		return paude_error_set(x->err, PAUDE_EUSAGE, 0,
				       "%s: both '%s' and 'build.dockerfile' are set (use one: the "
				       "Dockerfile names its own base)",
				       c->path, dc ? "image" : "base");
	return 0;
}

/* 1-based line and column of byte offset off. */
static void
line_col(const char *s, size_t n, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < n; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static char *
dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int
parse_in(struct paude_config *out, enum paude_config_kind kind, const char *path,
	 const char *workspace, const char *text, size_t len, struct paude_error **err)
{
	if (len > CONFIG_MAX)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "%s: too large (%zu bytes; a configuration is at most %u)",
				       path, len, CONFIG_MAX);
	_cleanup_free_ char *copy = malloc(len + 1);
	if (!copy)
		abort();
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	paude_jsonc_strip(copy, len);
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_error_ struct paude_error *jerr = NULL;
	size_t off = 0;
	if (paude_json_parse_at(&root, copy, len, "json", &off, &jerr) < 0) {
		size_t line, col;
		line_col(text, len, off, &line, &col);
		const char *why = jerr && jerr->msg ? jerr->msg : "invalid JSON";
		if (!strncmp(why, "json: ", 6))
			why += 6;
		return paude_error_set(
		    err, PAUDE_EUSAGE, 0,
		    "%s:%zu:%zu: malformed configuration: %s (nothing was built)", path, line, col,
		    why);
	}
	struct paude_config c;
	paude_config_init(&c);
	c.kind = kind;
	c.path = strdup(path);
	c.workspace = strdup(workspace);
	_cleanup_free_ char *dir = dirname_of(path);
	if (!c.path || !c.workspace || !dir)
		abort();
	struct ctx x = { .c = &c, .dir = dir, .workspace = workspace, .err = err };
	int r = decode(&x, root);
	if (r < 0) {
		paude_config_release(&c);
		return r;
	}
	*out = c;
	return 0;
}

/* The project of a config file: the parent of .devcontainer/, else its directory. */
static char *
workspace_of(const char *path)
{
	_cleanup_free_ char *dir = dirname_of(path);
	if (!dir)
		abort();
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	if (!strcmp(base, ".devcontainer"))
		return dirname_of(dir);
	return TAKE_PTR(dir);
}

int
paude_config_parse(struct paude_config *out, enum paude_config_kind kind, const char *path,
		   const char *text, size_t len, struct paude_error **err)
{
	if (kind == PAUDE_CONFIG_NONE)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "no configuration kind for '%s'",
				       path);
	_cleanup_free_ char *ws = workspace_of(path);
	if (!ws)
		abort();
	_cleanup_free_ char *norm = ws[0] == '/' ? normalize(ws) : strdup(ws);
	if (!norm)
		abort();
	return parse_in(out, kind, path, norm, text, len, err);
}

int
paude_config_load(struct paude_config *out, const char *workspace, struct paude_error **err)
{
	static const struct {
		const char *rel;
		enum paude_config_kind kind;
	} candidates[] = {
		{ ".devcontainer/devcontainer.json", PAUDE_CONFIG_DEVCONTAINER },
		{ ".devcontainer.json", PAUDE_CONFIG_DEVCONTAINER },
		{ "paude.json", PAUDE_CONFIG_PAUDE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		_cleanup_free_ char *p = paude_path_join(workspace, candidates[i].rel);
		if (!paude_exists(p))
			continue;
		if (!paude_is_file(p))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' is not a regular file (a configuration must "
					       "be a file)",
					       p);
		_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(CONFIG_MAX);
		int r = paude_buf_read_file(&b, p, err);
		if (r < 0) {
			paude_error_wrap(err, "cannot read the configuration");
			return r;
		}
		_cleanup_free_ char *norm = normalize(workspace);
		return parse_in(out, candidates[i].kind, p, norm, b.buf, b.len, err);
	}
	struct paude_config c;
	paude_config_init(&c);
	*out = c;
	return 0;
}
