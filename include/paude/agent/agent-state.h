/* SPDX-License-Identifier: MIT */
/*
 * The agent in a running session: launching it, whether it has a way to a
 * model, and how it is (asked with paude-session status, or read from
 * /proc for a local container), in words for list and status.
 */
#ifndef PAUDE_AGENT_STATE_H
#define PAUDE_AGENT_STATE_H

#include <stdbool.h>
#include "paude/backend/backend.h"
#include "paude/core/error.h"
#include "paude/core/run.h"
#include "paude/session/session.h"

/* Where Claude Code keeps a claude.ai login (relative to HOME). */
#define PAUDE_CLAUDE_LOGIN_FILE ".claude/.credentials.json"

/* Make sure the agent runs in tmux inside the session (idempotent), with
 * the session's remoteEnv (see paude_lifecycle_remote_env_prefix). */
int paude_agent_launch(struct paude_backend *b, const struct paude_session *s,
		       struct paude_error **err);

/*
 * True when session s (running) has no way to a model: its gateway serves
 * none (created without ANTHROPIC_API_KEY or Vertex AI), the host has no
 * claude.ai login to copy in (host_login false), and there is none in the
 * session. A session that cannot be asked counts as having one.
 */
bool paude_agent_lacks_provider(struct paude_backend *b, const struct paude_session *s,
				bool host_login);

/*
 * Read what `paude-session status` said (out) and its exit status:
 * "running" (0), "exited N" or "exited signal N" (1, the latter as
 * 128+N), "not-running" (3: starting). Sets s->agent_state and
 * s->agent_exit; anything else leaves them as they are.
 */
void paude_agent_state_read(struct paude_session *s, const char *out, int status);

/* Open the backend session s lives in (the caller knows where to look). */
typedef int (*paude_agent_open_fn)(void *ud, const struct paude_session *s,
				   struct paude_backend **out, struct paude_error **err);

struct paude_agent_check {
	struct paude_runner *runner; /* runs the status commands, all at once */
	/* "/proc" (or a stand-in tree) to read local Podman containers'
	 * processes from; NULL: always ask the session (its Podman is not
	 * on this host). */
	const char *proc;
	paude_agent_open_fn open;
	void *ud; /* for open */
};

/*
 * Ask each running, unpaused session of l how its agent is; fills
 * agent_state and agent_exit. A session that cannot be asked stays
 * PAUDE_AGENT_UNCHECKED (the reason is logged at debug level).
 */
void paude_agent_state_check(const struct paude_agent_check *o, struct paude_session_list *l);

/* "running", "exited (1)", "starting", "paused", "stopped", "created", then
 * the broken parts checked: ", proxy missing", ", network missing". Caller frees. */
char *paude_agent_state_describe(const struct paude_session *s);
/* The agent's state as a word: running, exited, starting, unknown, not-running. */
const char *paude_agent_state_word(const struct paude_session *s);

#endif
