/* SPDX-License-Identifier: MIT */
/*
 * Dev container lifecycle commands (onCreateCommand, updateContentCommand,
 * postCreateCommand, postStartCommand, postAttachCommand), decoded from a
 * configuration and kept in a session's labels. Each hook holds commands:
 * one unnamed command for the string form (an argv "sh" "-c" TEXT) and the
 * array form (the argv itself), or several named ones for the object form,
 * which run in parallel.
 */
#ifndef PAUDE_LIFECYCLE_H
#define PAUDE_LIFECYCLE_H

#include <stdbool.h>
#include "paude/core/buf.h"
#include "paude/core/error.h"
#include "paude/core/strvec.h"

/* In the order the specification runs them. */
enum paude_hook {
	PAUDE_HOOK_ON_CREATE = 0,
	PAUDE_HOOK_UPDATE_CONTENT,
	PAUDE_HOOK_POST_CREATE,
	PAUDE_HOOK_POST_START,
	PAUDE_HOOK_POST_ATTACH,
	PAUDE_HOOK_N,
};

struct paude_hook_cmd {
	char *name; /* the object form's key; NULL for the string and array forms */
	struct paude_strvec argv;
};

struct paude_hook_cmds {
	struct paude_hook_cmd *v;
	size_t nr;
};

struct paude_lifecycle {
	struct paude_hook_cmds hook[PAUDE_HOOK_N];
};
#define PAUDE_LIFECYCLE_INIT                                                                       \
	{                                                                                          \
		.hook = { { 0 } }                                                                  \
	}

#define PAUDE_LIFECYCLE_MAX_CMDS 32 /* commands of one hook */

void paude_lifecycle_init(struct paude_lifecycle *l);
void paude_lifecycle_release(struct paude_lifecycle *l);
/* A deep copy of from into out (initialised by the call). */
void paude_lifecycle_copy(struct paude_lifecycle *out, const struct paude_lifecycle *from);
bool paude_lifecycle_empty(const struct paude_lifecycle *l);
/* Append a command to hook h (name may be NULL); returns it, argv empty. */
struct paude_hook_cmd *paude_lifecycle_add(struct paude_lifecycle *l, enum paude_hook h,
					   const char *name);
/* "onCreateCommand", ... */
const char *paude_hook_name(enum paude_hook h);
/* The command as the user wrote it: TEXT of "sh" "-c" TEXT, else the argv
 * shell-quoted; prefixed with "NAME: " in the object form. */
void paude_hook_cmd_describe(struct paude_buf *out, const struct paude_hook_cmd *c);
/*
 * JSON for a label: {"onCreateCommand":[{"name":N,"argv":[...]},...],...};
 * NULL when l is empty. Caller frees.
 */
char *paude_lifecycle_encode(const struct paude_lifecycle *l);
/* The inverse; PAUDE_EPROTO on anything else. *out is replaced only on success. */
int paude_lifecycle_decode(struct paude_lifecycle *out, const char *json, struct paude_error **err);

/*
 * A remoteEnv entry "K=V" with each ${containerEnv:NAME} or
 * ${containerEnv:NAME:default} in V replaced by NAME's value in env ("K=V"
 * entries, the session's environment), or when it is unset or empty by the
 * default, else nothing.
 * Caller frees.
 */
char *paude_remote_env_resolve(const char *kv, const struct paude_strvec *env);

#endif
