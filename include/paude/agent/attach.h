/* SPDX-License-Identifier: MIT */
/*
 * Attaching the user's terminal to the agent's tmux inside a session,
 * through a pty of paude's and the terminal filter (see lib/agent/attach.c).
 */
#ifndef PAUDE_ATTACH_H
#define PAUDE_ATTACH_H

#include "paude/backend/backend.h"
#include "paude/agent/detach-keys.h"
#include "paude/core/error.h"

struct paude_attach_opts {
	/* Keys that detach (len 0: only the session's own Ctrl-b d). */
	struct paude_detach_keys keys;
	/* Shown on the session's status line (PAUDE_DETACH_HINT); NULL or "": none. */
	const char *hint;
};

/* PAUDE_ESTATE unless stdin and stdout are both a terminal (attaching needs one). */
int paude_attach_check_terminal(const char *name, struct paude_error **err);

/*
 * Attach this process's terminal (checked as above) to the agent's tmux
 * session in session name; returns after detaching (Ctrl-b d, or o's
 * keys), or when a signal is pending. The terminal's settings are restored
 * on every way out. o may be NULL.
 */
int paude_attach_session(struct paude_backend *b, const char *name,
			 const struct paude_attach_opts *o, struct paude_error **err);

#endif
