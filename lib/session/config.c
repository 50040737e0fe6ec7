/* SPDX-License-Identifier: MIT */
/*
 * The project's configuration: find .devcontainer/devcontainer.json,
 * .devcontainer.json or paude.json, turn JSONC into JSON (comments and
 * trailing commas blanked out, so byte offsets and line numbers stay
 * true), parse it with json-c and decode it into struct paude_config.
 * Whatever would weaken the session's isolation is dropped with a warning
 * saying why; so is anything we do not know.
 */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include "paude/session/config.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/fs.h"
#include "paude/core/json.h"
#include "paude/core/log.h"
#include "paude/session/session.h"
#include "paude/core/sha256.h"
#include "core/banned.h"

/* A config file is small; anything larger is a mistake. */
#define CONFIG_MAX (1u << 20)
#define LIST_MAX 256

void
paude_config_init(struct paude_config *c)
{
	*c = (struct paude_config)PAUDE_CONFIG_INIT;
}

void
paude_config_release(struct paude_config *c)
{
	free(c->path);
	free(c->rel_path);
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
	paude_lifecycle_release(&c->lifecycle);
	paude_strvec_clear(&c->env);
	paude_strvec_clear(&c->remote_env);
	free(c->remote_user);
	free(c->container_user);
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
	/* build.dockerfile/dockerFile and build.context/context as written
	 * (substituted), resolved once the whole file is read */
	char *dockerfile, *context;
	const char *dockerfile_prop, *context_prop;
	char devcontainer_id[53];
};

static void warn(struct ctx *x, const char *fmt, ...) _printf_(2, 3);

static void
warn(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = paude_xvasprintf(fmt, ap);
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

/* ${localEnv:...} and its old spelling ${env:...} */
static bool
has_local_env(const char *s)
{
	return strstr(s, "${localEnv:") != NULL || strstr(s, "${env:") != NULL;
}

static void
warn_local_env(struct ctx *x, const char *prop)
{
	warn(x,
	     "'%s' is not applied: ${localEnv:...} would copy the host's environment "
	     "(and its secrets) into the container",
	     prop);
}

static bool
is_str(struct json_object *v)
{
	return json_object_is_type(v, json_type_string);
}

/* Where a variable appears decides which ones it may use (the spec's table). */
enum vars {
	VARS_ANY = 0,
	VARS_REMOTE_ENV = 1, /* ${containerEnv:...} allowed, left for the session */
	VARS_FEATURE = 2, /* no ${devcontainerId} */
};

static const char *
base_name(const char *p)
{
	const char *slash = strrchr(p, '/');
	return slash && slash[1] ? slash + 1 : p;
}

static bool
shell_name(const char *s, size_t n)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") >= n;
}

/*
 * Substitute the specification's variables in s (property prop) into *out.
 * What looks like the shell's own syntax is left alone: ${NAME} in upper
 * case, ${name:-x} ${name:=x} ${name:+x} ${name:?x}, ${#x}, ${x%y}... Any
 * other ${name} or ${name:arg} is an error naming it.
 */
static int
subst(struct ctx *x, const char *prop, const char *s, enum vars mode, char **out)
{
	static const char ident[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	const char *p = s;
	for (const char *d; (d = strstr(p, "${"));) {
		paude_buf_add(&b, p, (size_t)(d - p), NULL);
		const char *q = d + 2, *end = strchr(q, '}');
		size_t n = strspn(q, ident);
		if (!end || !n || (q[0] >= '0' && q[0] <= '9') || (q[n] != '}' && q[n] != ':') ||
		    (q[n] == ':' && q[n + 1] && strchr("-=+?", q[n + 1])) ||
		    (q[n] == '}' && shell_name(q, n))) {
			/* not one of ours: as written */
			paude_buf_add(&b, d, 2, NULL);
			p = q;
			continue;
		}
		size_t tok = (size_t)(end - d) + 1;
		const char *val = NULL;
#define IS(lit) (n == sizeof(lit) - 1 && !strncmp(q, lit, n))
		if (q[n] == ':' && IS("containerEnv")) {
			if (!(mode & VARS_REMOTE_ENV))
				return paude_error_set(x->err, PAUDE_EUSAGE, 0,
						       "%s: '%.*s' in '%s': ${containerEnv:...} is "
						       "only available in remoteEnv",
						       x->c->path, (int)tok, d, prop);
			val = NULL; /* resolved in the running session */
			paude_buf_add(&b, d, tok, NULL);
			p = end + 1;
			continue;
		}
		if (q[n] == '}' && IS("containerWorkspaceFolder"))
			val = PAUDE_WORKSPACE_DIR;
		else if (q[n] == '}' && IS("containerWorkspaceFolderBasename"))
			val = base_name(PAUDE_WORKSPACE_DIR);
		else if (q[n] == '}' && IS("localWorkspaceFolder"))
			val = x->workspace;
		else if (q[n] == '}' && IS("localWorkspaceFolderBasename"))
			val = base_name(x->workspace);
		else if (q[n] == '}' && IS("devcontainerId")) {
			if (mode & VARS_FEATURE)
				return paude_error_set(
				    x->err, PAUDE_EUSAGE, 0,
				    "%s: '${devcontainerId}' in '%s': the "
				    "specification does not allow it in features",
				    x->c->path, prop);
			val = x->devcontainer_id;
		}
#undef IS
		if (!val)
			return paude_error_set(
			    x->err, PAUDE_EUSAGE, 0,
			    "%s: unknown variable '%.*s' in '%s' (known: "
			    "${containerWorkspaceFolder}, "
			    "${containerWorkspaceFolderBasename}, ${localWorkspaceFolder}, "
			    "${localWorkspaceFolderBasename}, ${devcontainerId}, "
			    "${containerEnv:NAME} in remoteEnv)",
			    x->c->path, (int)tok, d, prop);
		paude_buf_addstr(&b, val, NULL);
		p = end + 1;
	}
	paude_buf_addstr(&b, p, NULL);
	*out = paude_buf_detach(&b);
	return 0;
}

/*
 * The string s of property prop, ready to use in *out (caller frees):
 * 0; 1 when it asks for host variables (not applied, warned; *out NULL);
 * < 0 for an unknown variable.
 */
static int
value(struct ctx *x, const char *prop, const char *s, enum vars mode, char **out)
{
	*out = NULL;
	if (has_local_env(s)) {
		warn_local_env(x, prop);
		return 1;
	}
	return subst(x, prop, s, mode, out);
}

/* Collapse "." and ".." lexically; an absolute path in, an absolute path out. */
static char *
normalize(const char *path)
{
	_cleanup_strvec_ struct paude_strvec parts = PAUDE_STRVEC_INIT;
	_cleanup_free_ char *copy = paude_xstrdup(path);
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
	_cleanup_free_ char *joined =
	    rel[0] == '/' ? paude_xstrdup(rel) : paude_path_join(base, rel);
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

/* A path property (build.dockerfile, dockerFile, ...; prop is a literal):
 * kept, substituted, until the whole file is read. Both spellings of one
 * are an error. */
static int
path_prop(struct ctx *x, const char *prop, struct json_object *v, char **slot,
	  const char **slot_prop)
{
	if (!is_str(v))
		return bad(x, prop, "expected a string");
	if (*slot)
		return paude_error_set(x->err, PAUDE_EUSAGE, 0,
				       "%s: '%s' and '%s' both set (use one)", x->c->path,
				       *slot_prop, prop);
	char *s = NULL;
	int r = value(x, prop, json_object_get_string(v), VARS_ANY, &s);
	if (r < 0)
		return r;
	*slot = s;
	*slot_prop = prop;
	return 0;
}

/* The Dockerfile and context paths, once the whole file is read. */
static int
resolve_build(struct ctx *x, bool devcontainer)
{
	struct paude_config *c = x->c;
	/* devcontainer.json: relative to the file; paude.json: to the project. */
	const char *base = devcontainer ? x->dir : x->workspace;
	int r;
	if (x->dockerfile && (r = project_path(x, x->dockerfile_prop, base, x->dockerfile, true,
					       &c->dockerfile)) < 0)
		return r;
	if (x->context &&
	    (r = project_path(x, x->context_prop, base, x->context, false, &c->context)) < 0)
		return r;
	if (c->context && !c->dockerfile)
		return bad(x, x->context_prop, "a context needs build.dockerfile");
	if (c->dockerfile && !c->context) {
		c->context = paude_xstrdup(base);
	}
	return 0;
}

static int
decode_build(struct ctx *x, struct json_object *build)
{
	struct paude_config *c = x->c;
	if (!json_object_is_type(build, json_type_object))
		return bad(x, "build", "expected an object");
	json_object_object_foreach(build, key, v)
	{
		_cleanup_free_ char *prop = NULL;
		prop = paude_xasprintf("build.%s", key);
		if (!strcmp(key, "dockerfile")) {
			int r = path_prop(x, "build.dockerfile", v, &x->dockerfile,
					  &x->dockerfile_prop);
			if (r < 0)
				return r;
		} else if (!strcmp(key, "context")) {
			int r = path_prop(x, "build.context", v, &x->context, &x->context_prop);
			if (r < 0)
				return r;
		} else if (!strcmp(key, "args")) {
			if (!json_object_is_type(v, json_type_object))
				return bad(x, prop, "expected an object of strings");
			json_object_object_foreach(v, ak, av)
			{
				_cleanup_free_ char *aprop = NULL;
				aprop = paude_xasprintf("build.args.%s", ak);
				if (!is_str(av))
					return bad(x, aprop, "expected a string");
				_cleanup_free_ char *s = NULL;
				int r = value(x, aprop, json_object_get_string(av), VARS_ANY, &s);
				if (r < 0)
					return r;
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
	return 0;
}

/*
 * One command of a lifecycle hook: a string (run with sh -c) or an array
 * of strings (an argv). 0 with the command added (nothing for an empty
 * one); 1 when it asks for host variables (warned, not added).
 */
static int
decode_command(struct ctx *x, enum paude_hook h, const char *name, const char *prop,
	       struct json_object *v)
{
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	if (is_str(v)) {
		_cleanup_free_ char *s = NULL;
		int r = value(x, prop, json_object_get_string(v), VARS_ANY, &s);
		if (r != 0)
			return r;
		if (*s)
			paude_strvec_pushl(&argv, "sh", "-c", s, NULL);
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		if (n > LIST_MAX)
			return bad(x, prop, "too many elements");
		for (size_t i = 0; i < n; i++)
			if (!is_str(json_object_array_get_idx(v, i)))
				return bad(x, prop, "expected a string or an array of strings");
		for (size_t i = 0; i < n; i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(v, i));
			if (has_local_env(e)) {
				warn_local_env(x, prop);
				return 1;
			}
		}
		for (size_t i = 0; i < n; i++) {
			char *e = NULL;
			int r =
			    subst(x, prop, json_object_get_string(json_object_array_get_idx(v, i)),
				  VARS_ANY, &e);
			if (r < 0)
				return r;
			paude_strvec_push_nodup(&argv, e);
		}
	} else {
		return bad(x, prop,
			   name ? "expected a string or an array of strings"
				: "expected a string, an array of strings or an object of them");
	}
	if (!argv.nr)
		return 0;
	struct paude_hook_cmd *c = paude_lifecycle_add(&x->c->lifecycle, h, name);
	paude_strvec_pushv(&c->argv, (const char *const *)argv.v);
	return 0;
}

/* A lifecycle hook in any of its three forms. */
static int
decode_hook(struct ctx *x, enum paude_hook h, const char *prop, struct json_object *v)
{
	if (x->c->lifecycle.hook[h].nr)
		return paude_error_set(x->err, PAUDE_EUSAGE, 0, "%s: '%s' set twice", x->c->path,
				       prop);
	if (!json_object_is_type(v, json_type_object)) {
		int r = decode_command(x, h, NULL, prop, v);
		return r < 0 ? r : 0;
	}
	if (json_object_object_length(v) > PAUDE_LIFECYCLE_MAX_CMDS)
		return bad(x, prop, "too many commands (at most 32)");
	json_object_object_foreach(v, name, cmd)
	{
		_cleanup_free_ char *nprop = paude_xasprintf("%s.%s", prop, name);
		size_t n = strlen(name);
		if (!n || n > 64 || strpbrk(name, "\n\t\r"))
			return bad(x, nprop,
				   "a command's name is one line of at most 64 characters");
		int r = decode_command(x, h, name, nprop, cmd);
		if (r < 0)
			return r;
	}
	return 0;
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
		prop = paude_xasprintf("containerEnv.%s", k);
		if (!is_str(ev))
			return bad(x, prop, "expected a string");
		if (!valid_env_name(k))
			return bad(x, prop, "not a valid environment variable name");
		_cleanup_free_ char *s = NULL;
		int r = value(x, prop, json_object_get_string(ev), VARS_ANY, &s);
		if (r < 0)
			return r;
		if (s && x->c->env.nr < LIST_MAX)
			paude_strvec_pushf(&x->c->env, "%s=%s", k, s);
	}
	return 0;
}

/* remoteEnv: strings, or null to unset; ${containerEnv:...} allowed. */
static int
decode_remote_env(struct ctx *x, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return bad(x, "remoteEnv", "expected an object of strings");
	json_object_object_foreach(v, k, ev)
	{
		_cleanup_free_ char *prop = paude_xasprintf("remoteEnv.%s", k);
		if (!valid_env_name(k))
			return bad(x, prop, "not a valid environment variable name");
		if (!ev) {
			if (x->c->remote_env.nr < LIST_MAX)
				paude_strvec_push(&x->c->remote_env, k);
			continue;
		}
		if (!is_str(ev))
			return bad(x, prop, "expected a string or null");
		_cleanup_free_ char *s = NULL;
		int r = value(x, prop, json_object_get_string(ev), VARS_REMOTE_ENV, &s);
		if (r < 0)
			return r;
		if (s && strchr(s, '\n'))
			return bad(x, prop, "a value is one line");
		if (s && x->c->remote_env.nr < LIST_MAX)
			paude_strvec_pushf(&x->c->remote_env, "%s=%s", k, s);
	}
	return 0;
}

/* remoteUser / containerUser: the session user stands in for either. */
static int
decode_user(struct ctx *x, const char *prop, struct json_object *v, char **slot)
{
	if (!is_str(v))
		return bad(x, prop, "expected a string");
	_cleanup_free_ char *s = NULL;
	int r = value(x, prop, json_object_get_string(v), VARS_ANY, &s);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!strcmp(s, "root") || !strcmp(s, "0") || !strncmp(s, "root:", 5) ||
	    !strncmp(s, "0:", 2))
		warn(x,
		     "'%s' is '%s', but the session never runs as root: the agent and the "
		     "lifecycle commands run as paude (uid 1000, group 0), so commands that need "
		     "root (apt-get install, writing to /usr) fail there; install such things in "
		     "the image instead (features, build.dockerfile, or paude.json packages)",
		     prop, s);
	free(*slot);
	*slot = TAKE_PTR(s);
	return 0;
}

/* "8gb", "512mb", "1.5tb": bytes (the spec's units, any case), 0 if not one. */
static unsigned long long
parse_size(const char *s)
{
	char *end = NULL;
	double d = strtod(s, &end);
	if (end == s || d <= 0 || d > 1e6)
		return 0;
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "tb", 1099511627776.0 },
		      { "gb", 1073741824.0 },
		      { "mb", 1048576.0 },
		      { "kb", 1024.0 } };
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcasecmp(end, units[i].unit))
			return (unsigned long long)(d * units[i].mult);
	return 0;
}

static int
decode_host_requirements(struct ctx *x, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return bad(x, "hostRequirements", "expected an object");
	json_object_object_foreach(v, k, hv)
	{
		if (!strcmp(k, "cpus")) {
			if (!json_object_is_type(hv, json_type_int) ||
			    json_object_get_int64(hv) < 1 || json_object_get_int64(hv) > 4096)
				return bad(x, "hostRequirements.cpus",
					   "expected a whole number of CPUs");
			x->c->host_cpus = (unsigned)json_object_get_int64(hv);
		} else if (!strcmp(k, "memory")) {
			if (!is_str(hv) ||
			    !(x->c->host_memory = parse_size(json_object_get_string(hv))))
				return bad(x, "hostRequirements.memory",
					   "expected a size such as \"8gb\" (tb, gb, mb or kb)");
		} else if (!strcmp(k, "storage") || !strcmp(k, "gpu")) {
			warn(x, "'hostRequirements.%s' is not applied: paude does not reserve %s",
			     k,
			     !strcmp(k, "gpu") ? "GPUs" : "storage (the volume grows as needed)");
		} else {
			warn(x, "unknown property 'hostRequirements.%s': ignored", k);
		}
	}
	return 0;
}

/* forwardPorts / appPort: session ports; "host:port" of another container cannot apply. */
static int
decode_ports(struct ctx *x, const char *prop, struct json_object *v)
{
	struct paude_config *c = x->c;
	size_t n = 1;
	bool arr = json_object_is_type(v, json_type_array);
	if (arr)
		n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = arr ? json_object_array_get_idx(v, i) : v;
		long long port = -1;
		if (json_object_is_type(e, json_type_int)) {
			port = json_object_get_int64(e);
		} else if (is_str(e)) {
			const char *s = json_object_get_string(e);
			const char *colon = strrchr(s, ':');
			const char *num = colon ? colon + 1 : s;
			if (colon && strncmp(s, "localhost:", 10) != 0 &&
			    strncmp(s, "127.0.0.1:", 10) != 0 &&
			    strspn(s, "0123456789") != (size_t)(colon - s)) {
				warn(x,
				     "'%s' entry '%s' is not applied: paude forwards ports of the "
				     "session's own container only",
				     prop, s);
				continue;
			}
			if (*num && strlen(num) <= 5 && strspn(num, "0123456789") == strlen(num))
				port = strtoll(num, NULL, 10);
		}
		if (port < 1 || port > 65535)
			return bad(x, prop, "expected port numbers (1-65535) or \"host:port\"");
		bool dup = false;
		for (size_t k = 0; k < c->n_forward_ports; k++)
			dup |= c->forward_ports[k] == port;
		if (!dup && c->n_forward_ports < ARRAY_SIZE(c->forward_ports))
			c->forward_ports[c->n_forward_ports++] = (unsigned short)port;
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
			why = paude_xasprintf("'%s' is not a package name",
					      is_str(e) ? json_object_get_string(e)
							: "(not a string)");
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
	_cleanup_free_ char *copy = paude_xstrdup(s);
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

/*
 * The short ids of the old feature catalogue (microsoft/vscode-dev-containers)
 * and their OCI references today, as the specification's reference CLI maps
 * them: most kept their name, two were renamed, three became an option of
 * another feature. Pinned to major version 1, as the CLI does.
 */
static const struct {
	const char *id, *now, *option;
} legacy_features[] = {
	{ "aws-cli", "aws-cli", NULL },
	{ "azure-cli", "azure-cli", NULL },
	{ "common", "common-utils", NULL },
	{ "desktop-lite", "desktop-lite", NULL },
	{ "docker-from-docker", "docker-from-docker", NULL },
	{ "docker-in-docker", "docker-in-docker", NULL },
	{ "dotnet", "dotnet", NULL },
	{ "git", "git", NULL },
	{ "git-lfs", "git-lfs", NULL },
	{ "github-cli", "github-cli", NULL },
	{ "golang", "go", NULL },
	{ "gradle", "java", "installGradle" },
	{ "java", "java", NULL },
	{ "jupyterlab", "python", "installJupyterlab" },
	{ "kubectl-helm-minikube", "kubectl-helm-minikube", NULL },
	{ "maven", "java", "installMaven" },
	{ "node", "node", NULL },
	{ "powershell", "powershell", NULL },
	{ "python", "python", NULL },
	{ "ruby", "ruby", NULL },
	{ "rust", "rust", NULL },
	{ "sshd", "sshd", NULL },
	{ "terraform", "terraform", NULL },
};

#define LEGACY_FEATURE_PREFIX "ghcr.io/devcontainers/features/"

/* A feature's options into f->options; 1 when one asks for host variables
 * (the whole feature is then dropped, and the warning says so). */
static int
decode_feature_options(struct ctx *x, const char *ref, struct json_object *opts,
		       struct paude_feature_ref *f)
{
	_cleanup_free_ char *prop = paude_xasprintf("features['%s']", ref);
	if (is_str(opts)) {
		/* The shorthand "feature": "1.21" sets the version option. */
		if (has_local_env(json_object_get_string(opts))) {
			warn(x,
			     "feature '%s' is not applied: its version uses ${localEnv:...}, which "
			     "would copy the host's environment (and its secrets) into the image",
			     ref);
			return 1;
		}
		_cleanup_free_ char *s = NULL;
		int r = subst(x, prop, json_object_get_string(opts), VARS_FEATURE, &s);
		if (r < 0)
			return r;
		if (!s || strchr(s, '\n'))
			return bad(x, prop, "a name or value that cannot be an option");
		paude_strvec_pushf(&f->options, "version=%s", s);
		return 0;
	}
	if (json_object_is_type(opts, json_type_boolean))
		return 0;
	if (!json_object_is_type(opts, json_type_object))
		return bad(x, prop, "expected an object of options");
	json_object_object_foreach(opts, ok, ov)
	{
		_cleanup_free_ char *oprop = paude_xasprintf("features['%s'].%s", ref, ok);
		if (!is_str(ov) && !json_object_is_type(ov, json_type_boolean) &&
		    !json_object_is_type(ov, json_type_int) &&
		    !json_object_is_type(ov, json_type_double))
			return bad(x, oprop, "expected a string or a boolean");
		_cleanup_buf_ struct paude_buf val = PAUDE_BUF_INIT;
		if (is_str(ov)) {
			if (has_local_env(json_object_get_string(ov))) {
				warn(
				    x,
				    "feature '%s' is not applied: its option '%s' uses "
				    "${localEnv:...}, which would copy the host's environment (and "
				    "its secrets) into the image",
				    ref, ok);
				return 1;
			}
			_cleanup_free_ char *sv = NULL;
			int r = subst(x, oprop, json_object_get_string(ov), VARS_FEATURE, &sv);
			if (r < 0)
				return r;
			paude_buf_addstr(&val, sv, NULL);
		} else {
			option_value(ov, &val);
		}
		if (!*ok || strchr(ok, '=') || strchr(ok, '\n') || strchr(val.buf, '\n'))
			return bad(x, oprop, "a name or value that cannot be an option");
		paude_strvec_pushf(&f->options, "%s=%s", ok, val.buf);
	}
	return 0;
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
	c->features = paude_xcalloc(n ? n : 1, sizeof(*c->features));
	json_object_object_foreach(v, key, opts)
	{
		const char *ref = key;
		_cleanup_free_ char *mapped = NULL;
		const char *add_option = NULL;
		if (ref[0] == '.' || ref[0] == '/') {
			warn(x, "feature '%s': local features are not supported yet: ignored", ref);
			continue;
		}
		if (!strncmp(ref, "http://", 7) || !strncmp(ref, "https://", 8)) {
			warn(x,
			     "feature '%s': features from tarball URLs are not supported yet: "
			     "ignored",
			     ref);
			continue;
		}
		if (!strchr(ref, '/')) {
			/* An old short id, maybe with a ":version" */
			size_t idn = strcspn(ref, ":");
			size_t i;
			for (i = 0; i < ARRAY_SIZE(legacy_features); i++)
				if (strlen(legacy_features[i].id) == idn &&
				    !strncmp(ref, legacy_features[i].id, idn))
					break;
			if (i == ARRAY_SIZE(legacy_features)) {
				warn(x,
				     "feature '%s' is skipped: an old short id that has no OCI "
				     "reference today (see https://containers.dev/features)",
				     ref);
				continue;
			}
			mapped =
			    paude_xasprintf(LEGACY_FEATURE_PREFIX "%s:1", legacy_features[i].now);
			add_option = legacy_features[i].option;
			warn(x, "feature '%s' is an old short id: using %s%s%s", ref, mapped,
			     add_option ? " with " : "", add_option ? add_option : "");
			ref = mapped;
		}
		if (!valid_feature_ref(ref))
			return paude_error_set(
			    x->err, PAUDE_EUSAGE, 0,
			    "%s: invalid feature '%s': not an OCI reference such "
			    "as ghcr.io/devcontainers/features/go:1",
			    c->path, ref);
		struct paude_feature_ref *f = &c->features[c->n_features];
		paude_strvec_init(&f->options);
		int r = decode_feature_options(x, key, opts, f);
		if (r != 0) {
			paude_strvec_clear(&f->options);
			if (r < 0)
				return r;
			continue;
		}
		if (add_option)
			paude_strvec_pushf(&f->options, "%s=true", add_option);
		f->ref = paude_xstrdup(ref);
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
	{ "initializeCommand", "it would run on the host, outside the container" },
	{ "workspaceFolder",
	  "the code is always at " PAUDE_WORKSPACE_DIR " (${containerWorkspaceFolder})" },
};

/* Properties with no effect on a paude session, ignored in silence:
 * editor settings, port labels for an editor's UI, and waitFor (paude runs
 * every create-time command before the agent starts anyway). */
static const char *const harmless[] = { "$schema",         "name",    "customizations",
					"portsAttributes", "waitFor", "otherPortsAttributes" };

/* Known devcontainer properties that paude does not implement (yet). */
static const char *const not_yet[] = {
	"shutdownAction",
	"overrideCommand",
	"service",
	"runServices",
	"userEnvProbe",
	"updateRemoteUserUID",
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
decode_image(struct ctx *x, const char *key, struct json_object *v)
{
	if (!is_str(v))
		return bad(x, key, "expected a string");
	_cleanup_free_ char *s = NULL;
	int r = value(x, key, json_object_get_string(v), VARS_ANY, &s);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!*s || s[0] == '-' || strlen(s) > 255 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		      "._-:/@") != strlen(s))
		return bad(x, key, "not an image reference such as python:3.11-slim");
	x->c->image = TAKE_PTR(s);
	return 0;
}

static int
decode(struct ctx *x, struct json_object *root)
{
	struct paude_config *c = x->c;
	bool dc = c->kind == PAUDE_CONFIG_DEVCONTAINER;
	if (!json_object_is_type(root, json_type_object))
		return paude_error_set(x->err, PAUDE_EUSAGE, 0,
				       "%s: expected a JSON object at the top level", c->path);
	if (dc && json_object_object_get_ex(root, "dockerComposeFile", NULL))
		return paude_error_set(
		    x->err, PAUDE_EUSAGE, 0,
		    "%s: 'dockerComposeFile': paude runs one session container, not a compose "
		    "project (to build the session on the service's image or Dockerfile, write a "
		    "configuration that names it, e.g. .devcontainer/paude/devcontainer.json, and "
		    "choose it with --config: see \"Compose\" in docs/CONFIGURATION.md)",
		    c->path);
	int r = 0;
	json_object_object_foreach(root, key, v)
	{
		size_t i;
		for (i = 0; dc && i < ARRAY_SIZE(refused); i++)
			if (!strcmp(key, refused[i].name))
				break;
		if (dc && i < ARRAY_SIZE(refused)) {
			warn(x, "'%s' is not applied: %s", key, refused[i].why);
			continue;
		}
		enum paude_hook h;
		for (h = 0; dc && h < PAUDE_HOOK_N; h++)
			if (!strcmp(key, paude_hook_name(h)))
				break;
		if (!strcmp(key, dc ? "image" : "base")) {
			r = decode_image(x, key, v);
		} else if (!strcmp(key, "build")) {
			r = decode_build(x, v);
		} else if (dc && !strcmp(key, "dockerFile")) {
			r = path_prop(x, "dockerFile", v, &x->dockerfile, &x->dockerfile_prop);
		} else if (dc && !strcmp(key, "context")) {
			r = path_prop(x, "context", v, &x->context, &x->context_prop);
		} else if (dc && h < PAUDE_HOOK_N) {
			r = decode_hook(x, h, key, v);
		} else if (!dc && !strcmp(key, "setup")) {
			if (json_object_is_type(v, json_type_object))
				return bad(x, key, "expected a string or an array of strings");
			r = decode_hook(x, PAUDE_HOOK_POST_CREATE, key, v);
		} else if (dc && !strcmp(key, "features")) {
			r = decode_features(x, v);
		} else if (dc && !strcmp(key, "containerEnv")) {
			r = decode_env(x, v);
		} else if (dc && !strcmp(key, "remoteEnv")) {
			r = decode_remote_env(x, v);
		} else if (dc && !strcmp(key, "remoteUser")) {
			r = decode_user(x, key, v, &c->remote_user);
		} else if (dc && !strcmp(key, "containerUser")) {
			r = decode_user(x, key, v, &c->container_user);
		} else if (dc && !strcmp(key, "hostRequirements")) {
			r = decode_host_requirements(x, v);
		} else if (dc && (!strcmp(key, "forwardPorts") || !strcmp(key, "appPort"))) {
			r = decode_ports(x, key, v);
		} else if (!dc && !strcmp(key, "packages")) {
			r = decode_packages(x, v);
		} else if (!dc && !strcmp(key, "venv")) {
			r = decode_venv(x, v);
		} else if (in_list(key, harmless, dc ? ARRAY_SIZE(harmless) : 3)) {
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
	if ((r = resolve_build(x, dc)) < 0)
		return r;
	if (c->image && c->dockerfile)
		return paude_error_set(x->err, PAUDE_EUSAGE, 0,
				       "%s: both '%s' and '%s' are set (use one: the "
				       "Dockerfile names its own base)",
				       c->path, dc ? "image" : "base", x->dockerfile_prop);
	return 0;
}

/* 1-based line and column (in characters) of byte offset off. */
static void
line_col(const char *s, size_t n, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < n; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* The offset of the first byte that is not well-formed UTF-8, or n. */
static size_t
utf8_invalid_at(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000;
		} else {
			return i;
		}
		if (i + len > n)
			return i;
		unsigned cp = c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += len;
	}
	return n;
}

static char *
dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return paude_xstrdup(".");
	if (slash == path)
		return paude_xstrdup("/");
	return paude_xstrndup(path, (size_t)(slash - path));
}

/* The spec's devcontainerId: stable for a project across rebuilds, 52
 * characters of base32 over a hash of what identifies it (here, the project
 * directory and the configuration file within it). */
static void
devcontainer_id(const char *workspace, const char *rel, char out[53])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	struct paude_sha256 h;
	uint8_t d[PAUDE_SHA256_LEN];
	paude_sha256_init(&h);
	paude_sha256_update(&h, workspace, strlen(workspace) + 1);
	paude_sha256_update(&h, rel, strlen(rel));
	paude_sha256_final(&h, d);
	size_t bit = 0;
	for (size_t i = 0; i < 52; i++, bit += 5) {
		unsigned v = 0;
		for (size_t k = 0; k < 5; k++) {
			size_t b = bit + k;
			v = (v << 1) | (b < 256 ? (d[b / 8] >> (7 - b % 8)) & 1 : 0);
		}
		out[i] = alphabet[v];
	}
	out[52] = '\0';
}

static const char *
relative_to(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (!strncmp(path, root, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static int
parse_in(struct paude_config *out, enum paude_config_kind kind, const char *path,
	 const char *workspace, const char *text, size_t len, struct paude_error **err)
{
	if (len > CONFIG_MAX)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "%s: too large (%zu bytes; a configuration is at most %u)",
				       path, len, CONFIG_MAX);
	/* Editors may write a byte-order mark: it is no part of the JSON. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		text += 3;
		len -= 3;
	}
	size_t bad_at = utf8_invalid_at((const unsigned char *)text, len);
	if (bad_at < len) {
		size_t line, col;
		line_col(text, len, bad_at, &line, &col);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "%s:%zu:%zu: invalid UTF-8 (byte 0x%02x; a configuration "
				       "is UTF-8 text: save it as UTF-8) (nothing was built)",
				       path, line, col, (unsigned char)text[bad_at]);
	}
	if (memchr(text, '\0', len)) {
		size_t line, col;
		line_col(text, len, (size_t)((const char *)memchr(text, '\0', len) - text), &line,
			 &col);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "%s:%zu:%zu: malformed configuration: a NUL byte (nothing "
				       "was built)",
				       path, line, col);
	}
	_cleanup_free_ char *copy = paude_xmalloc(len + 1);
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
	struct paude_config c = PAUDE_CONFIG_INIT;
	c.kind = kind;
	c.path = paude_xstrdup(path);
	c.rel_path = paude_xstrdup(relative_to(path, workspace));
	c.workspace = paude_xstrdup(workspace);
	_cleanup_free_ char *dir = dirname_of(path);
	struct ctx x = { .c = &c, .dir = dir, .workspace = workspace, .err = err };
	devcontainer_id(workspace, c.rel_path, x.devcontainer_id);
	int r = decode(&x, root);
	free(x.dockerfile);
	free(x.context);
	if (r < 0) {
		paude_config_release(&c);
		return r;
	}
	*out = c;
	return 0;
}

/* The project of a config file: the parent of .devcontainer/ (holding the
 * file, or the file's directory), else the file's directory. */
static char *
workspace_of(const char *path)
{
	_cleanup_free_ char *dir = dirname_of(path);
	if (!strcmp(base_name(dir), ".devcontainer"))
		return dirname_of(dir);
	_cleanup_free_ char *up = dirname_of(dir);
	if (!strcmp(base_name(up), ".devcontainer") &&
	    !strcmp(base_name(path), "devcontainer.json"))
		return dirname_of(up);
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
	_cleanup_free_ char *norm = ws[0] == '/' ? normalize(ws) : paude_xstrdup(ws);
	return parse_in(out, kind, path, norm, text, len, err);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
present(const char *workspace, const char *rel)
{
	_cleanup_free_ char *p = paude_path_join(workspace, rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

void
paude_config_find(struct paude_strvec *out, const char *workspace)
{
	static const char *const fixed[] = { ".devcontainer/devcontainer.json",
					     ".devcontainer.json" };
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (present(workspace, fixed[i]))
			paude_strvec_push(out, fixed[i]);
	/* .devcontainer/NAME/devcontainer.json, one level down, sorted by NAME */
	_cleanup_free_ char *dcdir = paude_path_join(workspace, ".devcontainer");
	DIR *d = opendir(dcdir);
	if (d) {
		_cleanup_strvec_ struct paude_strvec subs = PAUDE_STRVEC_INIT;
		for (struct dirent *e; (e = readdir(d)) && subs.nr < LIST_MAX;) {
			if (e->d_name[0] == '.' || strchr(e->d_name, '\n'))
				continue;
			_cleanup_free_ char *rel =
			    paude_xasprintf(".devcontainer/%s/devcontainer.json", e->d_name);
			_cleanup_free_ char *sub = paude_path_join(dcdir, e->d_name);
			struct stat st;
			/* the folder itself must be a real one inside .devcontainer */
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) && present(workspace, rel))
				paude_strvec_push(&subs, rel);
		}
		closedir(d);
		if (subs.nr)
			qsort(subs.v, subs.nr, sizeof(*subs.v), cmp_str);
		paude_strvec_pushv(out, (const char *const *)subs.v);
	}
	if (!out->nr && present(workspace, "paude.json"))
		paude_strvec_push(out, "paude.json");
}

/* Read the configuration at p (absolute, inside the workspace). */
static int
load_file(struct paude_config *out, const char *workspace, const char *p, struct paude_error **err)
{
	struct stat st;
	if (lstat(p, &st) < 0)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "configuration '%s' not found (give a file inside the "
				       "project)",
				       p);
	/* As for Dockerfiles: a symbolic link may not lead out of the project. */
	if (S_ISLNK(st.st_mode)) {
		_cleanup_free_ char *real = NULL, *realws = NULL;
		if (paude_realpath(&real, p, NULL) < 0 ||
		    paude_realpath(&realws, workspace, NULL) < 0)
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' is a symbolic link that leads nowhere (a "
					       "configuration must be a file in the project)",
					       p);
		if (!inside(real, realws))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "'%s' is a symbolic link out of the project (to "
					       "'%s'; a configuration must be a file in the "
					       "project)",
					       p, real);
	}
	if (!paude_is_file(p))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "'%s' is not a regular file (a configuration must "
				       "be a file)",
				       p);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(CONFIG_MAX);
	int r = paude_buf_read_file(&b, p, err);
	if (r < 0) {
		paude_error_wrap(err, r, "cannot read the configuration");
		return r;
	}
	enum paude_config_kind kind = strcmp(base_name(p), "paude.json") == 0
					  ? PAUDE_CONFIG_PAUDE
					  : PAUDE_CONFIG_DEVCONTAINER;
	return parse_in(out, kind, p, workspace, b.buf, b.len, err);
}

int
paude_config_load(struct paude_config *out, const char *workspace, const char *choice,
		  struct paude_error **err)
{
	_cleanup_free_ char *norm = normalize(workspace);
	if (choice) {
		if (!*choice || strchr(choice, '\n'))
			return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid --config '%s'",
					       choice);
		_cleanup_free_ char *joined =
		    choice[0] == '/' ? paude_xstrdup(choice) : paude_path_join(norm, choice);
		_cleanup_free_ char *p = normalize(joined);
		if (!inside(p, norm) || !strcmp(p, norm))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "--config '%s' is not a file inside the project '%s'", choice, norm);
		return load_file(out, norm, p, err);
	}
	_cleanup_strvec_ struct paude_strvec found = PAUDE_STRVEC_INIT;
	paude_config_find(&found, norm);
	if (found.nr > 1) {
		_cleanup_buf_ struct paude_buf list = PAUDE_BUF_INIT;
		for (size_t i = 0; i < found.nr; i++)
			paude_buf_addf(&list, NULL, "%s%s", i ? ", " : "", found.v[i]);
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "the project has %zu configurations: %s (choose one with "
				       "--config PATH)",
				       found.nr, list.buf);
	}
	if (found.nr == 1) {
		_cleanup_free_ char *p = paude_path_join(norm, found.v[0]);
		return load_file(out, norm, p, err);
	}
	struct paude_config c = PAUDE_CONFIG_INIT;
	*out = c;
	return 0;
}
