/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for paude_session_from_labels. The input is a list of
 * KEY=VALUE lines, as an engine would return a container's labels. A
 * session that decodes must encode with paude_session_to_labels and decode
 * again to the same metadata, lifecycle commands, remoteEnv and ports
 * included.
 */
#include <stdint.h>
#include <string.h>
#include "paude/session/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
lookup(void *ctx, const char *key)
{
	const struct paude_strvec *labels = ctx;
	size_t n = strlen(key);
	for (size_t i = 0; i < labels->nr; i++)
		if (!strncmp(labels->v[i], key, n) && labels->v[i][n] == '=')
			return labels->v[i] + n + 1;
	return NULL;
}

static bool
same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool
same_vec(const struct paude_strvec *a, const struct paude_strvec *b)
{
	if (a->nr != b->nr)
		return false;
	for (size_t i = 0; i < a->nr; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	_cleanup_strvec_ struct paude_strvec labels = PAUDE_STRVEC_INIT;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = strndup(p, n);
		if (!line)
			abort();
		paude_strvec_push_nodup(&labels, line);
		p += n + 1;
	}
	struct paude_session s;
	paude_session_init(&s);
	_cleanup_error_ struct paude_error *err = NULL;
	int r = paude_session_from_labels(&s, lookup, &labels, &err);
	if (r < 0) {
		if (r != PAUDE_EPROTO || !err || s.name)
			abort();
		return 0;
	}
	if (paude_session_name_validate(s.name, NULL) < 0)
		abort();
	_cleanup_strvec_ struct paude_strvec enc = PAUDE_STRVEC_INIT;
	paude_session_to_labels(&s, &enc);
	struct paude_session t;
	paude_session_init(&t);
	if (paude_session_from_labels(&t, lookup, &enc, NULL) < 0)
		abort();
	if (!same_str(s.name, t.name) || !same_str(s.workspace, t.workspace) ||
	    !same_str(s.created, t.created) || !same_str(s.image, t.image) ||
	    !same_str(s.agent ? s.agent : "claude", t.agent) || s.yolo != t.yolo ||
	    !same_vec(&s.agent_args, &t.agent_args) ||
	    !same_vec(&s.allowed_domains, &t.allowed_domains) ||
	    s.workspace_mode != t.workspace_mode || !same_vec(&s.venv_shadows, &t.venv_shadows) ||
	    !same_vec(&s.setup, &t.setup) || s.memory != t.memory || s.cpus_milli != t.cpus_milli ||
	    s.disk != t.disk || !same_vec(&s.remote_env, &t.remote_env) ||
	    !same_vec(&s.forward_ports, &t.forward_ports))
		abort();
	/* The lifecycle commands survive too: the same JSON both ways. */
	_cleanup_free_ char *l1 = paude_lifecycle_encode(&s.lifecycle);
	_cleanup_free_ char *l2 = paude_lifecycle_encode(&t.lifecycle);
	if (!same_str(l1, l2))
		abort();
	paude_session_release(&s);
	paude_session_release(&t);
	return 0;
}
