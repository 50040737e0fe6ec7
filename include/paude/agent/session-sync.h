/* SPDX-License-Identifier: MIT */
/*
 * The host's Claude Code and git configuration and the model credentials,
 * streamed into a running session (copied, never mounted; see
 * lib/agent/session-sync.c).
 */
#ifndef PAUDE_SESSION_SYNC_H
#define PAUDE_SESSION_SYNC_H

#include "paude/backend/backend.h"
#include "paude/core/buf.h"
#include "paude/core/error.h"
#include "paude/core/log.h"
#include "paude/session/session.h"

struct paude_session_sync_opts {
	/* The host user's home, where ~/.claude and the rest are read. */
	const char *home;
	/* Read the host's Google ADC file into out, for a Podman session whose
	 * gateway serves Vertex AI. */
	int (*read_adc)(void *ud, struct paude_buf *out, struct paude_error **err);
	/* What the user should hear: nothing to copy (VERBOSE), a file not
	 * read (WARN). May be NULL. */
	void (*say)(void *ud, enum paude_log_level level, const char *msg);
	void *ud; /* for read_adc and say */
};

/*
 * Refresh the model credentials where the session keeps them: Podman
 * sessions with a Vertex AI gateway get the host's ADC file copied into
 * their sidecar; cluster sessions without a gateway (s->gateway NULL:
 * unrestricted, or made by an older paude) the gcloud directory in the
 * memory-backed credentials volume; the rest have nothing to refresh.
 */
int paude_session_sync_credentials(struct paude_backend *b, const struct paude_session *s,
				   const struct paude_session_sync_opts *o,
				   struct paude_error **err);

/*
 * Copy ~/.claude (minus caches and history, plugin paths rewritten) and
 * ~/.claude.json into a running session; on a cluster also ~/.gitconfig,
 * the global gitignore; and the credentials (above). A session whose
 * gateway serves a provider (s->gateway "vertex" or "anthropic") does not
 * get the claude.ai login (PAUDE_CLAUDE_LOGIN_FILE) either.
 */
int paude_session_sync_config(struct paude_backend *b, const struct paude_session *s,
			      const struct paude_session_sync_opts *o, struct paude_error **err);

#endif
