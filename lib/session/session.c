/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <time.h>
#include <ctype.h>
#include <stdio.h>
#include "paude/session/session.h"
#include "paude/core/alloc.h"
#include "paude/core/json.h"
#include "paude/session/limits.h"
#include "core/banned.h"

void
paude_session_init(struct paude_session *s)
{
	*s = (struct paude_session)PAUDE_SESSION_INIT;
}

void
paude_session_release(struct paude_session *s)
{
	free(s->name);
	free(s->backend);
	free(s->location);
	free(s->status);
	free(s->workspace);
	free(s->created);
	free(s->image);
	free(s->agent);
	free(s->gateway);
	paude_strvec_clear(&s->agent_args);
	paude_strvec_clear(&s->allowed_domains);
	paude_strvec_clear(&s->allow_private_dst);
	paude_strvec_clear(&s->venv_shadows);
	paude_strvec_clear(&s->setup);
	paude_lifecycle_release(&s->lifecycle);
	paude_strvec_clear(&s->remote_env);
	paude_strvec_clear(&s->forward_ports);
	paude_session_init(s);
}

void
paude_session_list_release(struct paude_session_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		paude_session_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct paude_session *
paude_session_list_add(struct paude_session_list *l)
{
	if (l->nr == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 8;
		l->v = paude_xrealloc(l->v, n, sizeof(*l->v));
		l->alloc = n;
	}
	struct paude_session *s = &l->v[l->nr++];
	paude_session_init(s);
	return s;
}

void
paude_session_list_take_all(struct paude_session_list *to, struct paude_session_list *from)
{
	for (size_t i = 0; i < from->nr; i++) {
		*paude_session_list_add(to) = from->v[i];
		paude_session_init(&from->v[i]);
	}
	from->nr = 0;
}

bool
paude_session_list_take(struct paude_session *out, struct paude_session_list *l, const char *name)
{
	for (size_t i = 0; i < l->nr; i++) {
		if (!l->v[i].name || strcmp(l->v[i].name, name) != 0)
			continue;
		paude_session_release(out);
		*out = l->v[i];
		paude_session_init(&l->v[i]);
		return true;
	}
	return false;
}

static int
cmp_session(const void *a, const void *b)
{
	const struct paude_session *x = a, *y = b;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

void
paude_session_list_sort(struct paude_session_list *l)
{
	if (l->nr > 1)
		qsort(l->v, l->nr, sizeof(*l->v), cmp_session);
}

void
paude_session_spec_release(struct paude_session_spec *spec)
{
	paude_session_release(&spec->meta);
	paude_strvec_clear(&spec->env);
}

const char *
paude_session_state_str(enum paude_session_state st)
{
	switch (st) {
	case PAUDE_SESSION_CREATED:
		return "created";
	case PAUDE_SESSION_RUNNING:
		return "running";
	case PAUDE_SESSION_STOPPED:
		return "stopped";
	case PAUDE_SESSION_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
paude_workspace_mode_str(enum paude_workspace_mode m)
{
	return m == PAUDE_WORKSPACE_MOUNT ? "mount" : "volume";
}

int
paude_workspace_mode_parse(enum paude_workspace_mode *out, const char *s, struct paude_error **err)
{
	if (s && !strcmp(s, "volume"))
		*out = PAUDE_WORKSPACE_VOLUME;
	else if (s && !strcmp(s, "mount"))
		*out = PAUDE_WORKSPACE_MOUNT;
	else
		return paude_error_set(err, PAUDE_EPROTO, 0, "unknown workspace mode '%s'",
				       s ? s : "");
	return 0;
}

int
paude_workspace_subdir_validate(const char *rel, struct paude_error **err)
{
	static const char rule[] = "use a relative path inside the workspace, without '..' or ','";
	if (!rel || !*rel)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "empty directory name (%s)", rule);
	bool ok = rel[0] != '/' && strlen(rel) < 256;
	for (const char *p = rel; ok && *p; p++)
		ok = (unsigned char)*p >= 0x20 && *p != 0x7f && *p != ',';
	/* Component by component: no "", ".", "..". */
	for (const char *p = rel; ok;) {
		size_t n = strcspn(p, "/");
		ok = n > 0 && !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.');
		if (!p[n])
			break;
		p += n + 1;
	}
	if (!ok) {
		char shown[64];
		size_t j = 0;
		for (const char *p = rel; *p && j + 5 < sizeof(shown); p++) {
			unsigned char c = (unsigned char)*p;
			if (c >= 0x20 && c < 0x7f && c != '\'')
				shown[j++] = (char)c;
			else
				j += (size_t)snprintf(shown + j, sizeof(shown) - j, "\\x%02x", c);
		}
		shown[j] = '\0';
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid directory '%s' (%s)", shown,
				       rule);
	}
	return 0;
}

int
paude_session_name_validate(const char *name, struct paude_error **err)
{
	static const char rule[] = "use 1-40 lowercase letters, digits and '-', starting with a "
				   "letter and not ending with '-'";
	if (!name || !*name)
		return paude_error_set(err, PAUDE_EUSAGE, 0, "session name is empty (%s)", rule);
	size_t n = strlen(name);
	if (n > PAUDE_SESSION_NAME_MAX)
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "session name is too long: %zu characters (%s)", n, rule);
	bool ok = name[0] >= 'a' && name[0] <= 'z' && name[n - 1] != '-';
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
	}
	if (!ok) {
		/* Show the name safely: it may hold control characters. */
		char shown[64];
		size_t j = 0;
		size_t i = 0;
		for (; i < n && j + 5 < sizeof(shown); i++) {
			unsigned char c = (unsigned char)name[i];
			if (c >= 0x20 && c < 0x7f && c != '\'')
				shown[j++] = (char)c;
			else
				j += (size_t)snprintf(shown + j, sizeof(shown) - j, "\\x%02x", c);
		}
		shown[j] = '\0';
		return paude_error_set(err, PAUDE_EUSAGE, 0, "invalid session name '%s%s' (%s)",
				       shown, i < n ? "..." : "", rule);
	}
	return 0;
}

char *
paude_session_name_from_dir(const char *dir)
{
	/* The last non-empty path component: "/src/My Project/" -> "My Project". */
	const char *end = dir ? dir + strlen(dir) : NULL;
	while (end && end > dir && end[-1] == '/')
		end--;
	const char *base = dir ? dir : "";
	for (const char *p = dir; p && p < end; p++)
		if (*p == '/')
			base = p + 1;
	char out[PAUDE_SESSION_NAME_MAX + 1];
	size_t n = 0;
	bool dash = false;
	for (const char *p = base; p < end && n < PAUDE_SESSION_NAME_MAX; p++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*p);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (n == 0 && !(c >= 'a' && c <= 'z'))
				continue; /* must start with a letter */
			if (dash && n)
				out[n++] = '-';
			dash = false;
			if (n < PAUDE_SESSION_NAME_MAX)
				out[n++] = (char)c;
		} else {
			dash = true;
		}
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	char *s = paude_xstrdup(n ? out : "session");
	return s;
}

void
paude_session_agent_argv(const struct paude_session *s, struct paude_strvec *out)
{
	paude_strvec_push(out, s->agent && *s->agent ? s->agent : "claude");
	if (s->yolo)
		paude_strvec_push(out, "--dangerously-skip-permissions");
	for (size_t i = 0; i < s->agent_args.nr; i++)
		paude_strvec_push(out, s->agent_args.v[i]);
}

static void
push_label(struct paude_strvec *out, const char *k, const char *v)
{
	if (v)
		paude_strvec_pushf(out, "%s=%s", k, v);
}

static char *
encode_list(const struct paude_strvec *sv)
{
	_cleanup_json_ struct json_object *arr = paude_json_array_from_strvec(sv);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_json_write(&b, arr, false);
	return paude_buf_detach(&b);
}

void
paude_session_to_labels(const struct paude_session *s, struct paude_strvec *out)
{
	push_label(out, PAUDE_LABEL_APP, PAUDE_LABEL_APP_VALUE);
	push_label(out, PAUDE_LABEL_NAME, s->name);
	push_label(out, PAUDE_LABEL_WORKSPACE, s->workspace);
	push_label(out, PAUDE_LABEL_CREATED, s->created);
	push_label(out, PAUDE_LABEL_IMAGE, s->image);
	push_label(out, PAUDE_LABEL_AGENT, s->agent ? s->agent : "claude");
	push_label(out, PAUDE_LABEL_YOLO, s->yolo ? "true" : "false");
	_cleanup_free_ char *args = encode_list(&s->agent_args);
	_cleanup_free_ char *doms = encode_list(&s->allowed_domains);
	push_label(out, PAUDE_LABEL_ARGS, args);
	push_label(out, PAUDE_LABEL_DOMAINS, doms);
	push_label(out, PAUDE_LABEL_VERSION, PAUDE_VERSION);
	push_label(out, PAUDE_LABEL_WORKSPACE_MODE, paude_workspace_mode_str(s->workspace_mode));
	if (s->venv_shadows.nr) {
		_cleanup_free_ char *v = encode_list(&s->venv_shadows);
		push_label(out, PAUDE_LABEL_VENVS, v);
	}
	if (s->setup.nr) {
		_cleanup_free_ char *v = encode_list(&s->setup);
		push_label(out, PAUDE_LABEL_SETUP, v);
	}
	if (s->memory) {
		_cleanup_free_ char *v = paude_size_format(s->memory);
		push_label(out, PAUDE_LABEL_MEMORY, v);
	}
	if (s->cpus_milli) {
		_cleanup_free_ char *v = paude_cpus_format(s->cpus_milli);
		push_label(out, PAUDE_LABEL_CPUS, v);
	}
	if (s->disk) {
		_cleanup_free_ char *v = paude_size_format(s->disk);
		push_label(out, PAUDE_LABEL_DISK, v);
	}
	if (s->gateway)
		push_label(out, PAUDE_LABEL_GATEWAY, s->gateway);
	if (s->allow_private_dst.nr) {
		_cleanup_free_ char *v = encode_list(&s->allow_private_dst);
		push_label(out, PAUDE_LABEL_PRIVATE_DST, v);
	}
	_cleanup_free_ char *lc = paude_lifecycle_encode(&s->lifecycle);
	push_label(out, PAUDE_LABEL_LIFECYCLE, lc);
	if (s->remote_env.nr) {
		_cleanup_free_ char *v = encode_list(&s->remote_env);
		push_label(out, PAUDE_LABEL_REMOTE_ENV, v);
	}
	if (s->forward_ports.nr) {
		_cleanup_free_ char *v = encode_list(&s->forward_ports);
		push_label(out, PAUDE_LABEL_PORTS, v);
	}
}

void
paude_session_limits_default(struct paude_session *s)
{
	if (!s->memory)
		s->memory = PAUDE_DEFAULT_MEMORY;
	if (!s->cpus_milli)
		s->cpus_milli = PAUDE_DEFAULT_CPUS_MILLI;
}

/* A limit label: absent is 0 (no limit recorded); PAUDE_EPROTO if damaged. */
static int
decode_limit(uint64_t *size, unsigned *cpus, const char *key, const char *v, uint64_t min,
	     uint64_t max, struct paude_error **err)
{
	if (!v)
		return 0;
	_cleanup_error_ struct paude_error *lerr = NULL;
	if ((size ? paude_size_parse(size, v, "size", min, max, &lerr)
		  : paude_cpus_parse(cpus, v, "CPU count", &lerr)) < 0)
		return paude_error_set(err, PAUDE_EPROTO, 0, "label '%s': %s", key, lerr->msg);
	return 0;
}

int
paude_session_decode_list(struct paude_strvec *out, const char *key, const char *v,
			  struct paude_error **err)
{
	if (!v || !*v)
		return 0;
	_cleanup_json_ struct json_object *arr = NULL;
	_cleanup_free_ char *what = NULL;
	what = paude_xasprintf("label '%s'", key);
	int r = paude_json_parse(&arr, v, strlen(v), what, err);
	if (r < 0)
		return r;
	r = paude_json_array_to_strvec(out, arr, err);
	if (r < 0) {
		paude_error_wrap(err, r, "label '%s'", key);
		return r;
	}
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s ? paude_xstrdup(s) : NULL;
}

int
paude_session_from_labels(struct paude_session *out,
			  const char *(*lookup)(void *ctx, const char *key), void *ctx,
			  struct paude_error **err)
{
	struct paude_session s = PAUDE_SESSION_INIT;
	const char *name = lookup(ctx, PAUDE_LABEL_NAME);
	if (!name || paude_session_name_validate(name, NULL) < 0) {
		paude_session_release(&s);
		return paude_error_set(err, PAUDE_EPROTO, 0, "missing or invalid label '%s'",
				       PAUDE_LABEL_NAME);
	}
	s.name = dup_or_null(name);
	s.workspace = dup_or_null(lookup(ctx, PAUDE_LABEL_WORKSPACE));
	s.created = dup_or_null(lookup(ctx, PAUDE_LABEL_CREATED));
	s.image = dup_or_null(lookup(ctx, PAUDE_LABEL_IMAGE));
	s.agent = dup_or_null(lookup(ctx, PAUDE_LABEL_AGENT));
	s.gateway = dup_or_null(lookup(ctx, PAUDE_LABEL_GATEWAY));
	const char *y = lookup(ctx, PAUDE_LABEL_YOLO);
	s.yolo = y && !strcmp(y, "true");
	int r = paude_session_decode_list(&s.agent_args, PAUDE_LABEL_ARGS,
					  lookup(ctx, PAUDE_LABEL_ARGS), err);
	if (r >= 0)
		r = paude_session_decode_list(&s.allowed_domains, PAUDE_LABEL_DOMAINS,
					      lookup(ctx, PAUDE_LABEL_DOMAINS), err);
	if (r >= 0)
		r = paude_session_decode_list(&s.venv_shadows, PAUDE_LABEL_VENVS,
					      lookup(ctx, PAUDE_LABEL_VENVS), err);
	if (r >= 0)
		r = paude_session_decode_list(&s.setup, PAUDE_LABEL_SETUP,
					      lookup(ctx, PAUDE_LABEL_SETUP), err);
	if (r >= 0)
		r = decode_limit(&s.memory, NULL, PAUDE_LABEL_MEMORY,
				 lookup(ctx, PAUDE_LABEL_MEMORY), PAUDE_MEMORY_MIN,
				 PAUDE_MEMORY_MAX, err);
	if (r >= 0)
		r = decode_limit(&s.disk, NULL, PAUDE_LABEL_DISK, lookup(ctx, PAUDE_LABEL_DISK),
				 PAUDE_DISK_MIN, PAUDE_DISK_MAX, err);
	if (r >= 0)
		r = decode_limit(NULL, &s.cpus_milli, PAUDE_LABEL_CPUS,
				 lookup(ctx, PAUDE_LABEL_CPUS), 0, 0, err);
	if (r >= 0)
		r = paude_session_decode_list(&s.allow_private_dst, PAUDE_LABEL_PRIVATE_DST,
					      lookup(ctx, PAUDE_LABEL_PRIVATE_DST), err);
	if (r >= 0)
		r = paude_session_decode_list(&s.remote_env, PAUDE_LABEL_REMOTE_ENV,
					      lookup(ctx, PAUDE_LABEL_REMOTE_ENV), err);
	if (r >= 0)
		r = paude_session_decode_list(&s.forward_ports, PAUDE_LABEL_PORTS,
					      lookup(ctx, PAUDE_LABEL_PORTS), err);
	const char *lc = lookup(ctx, PAUDE_LABEL_LIFECYCLE);
	if (r >= 0 && lc && *lc) {
		r = paude_lifecycle_decode(&s.lifecycle, lc, err);
		if (r < 0)
			paude_error_wrap(err, r, "label '%s'", PAUDE_LABEL_LIFECYCLE);
	}
	/* Sessions from before the label existed kept their code in the volume. */
	const char *mode = lookup(ctx, PAUDE_LABEL_WORKSPACE_MODE);
	if (r >= 0 && mode) {
		r = paude_workspace_mode_parse(&s.workspace_mode, mode, err);
		if (r < 0)
			paude_error_wrap(err, r, "label '%s'", PAUDE_LABEL_WORKSPACE_MODE);
	}
	if (r < 0) {
		paude_session_release(&s);
		return r;
	}
	paude_session_release(out);
	*out = s;
	return 0;
}

char *
paude_now_rfc3339(void)
{
	time_t t = time(NULL);
	struct tm tm;
	char buf[32];
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return paude_xstrdup("1970-01-01T00:00:00Z");
	return paude_xstrdup(buf);
}
