/* SPDX-License-Identifier: MIT */
/*
 * The local session index: where a cluster session lives (name -> backend,
 * kubeconfig context, namespace) and which remote host's Podman holds a
 * session made with `create --host` (name -> "podman", host address as
 * given), so commands without --backend or --host find it. It is a hint,
 * not the truth: the cluster's or host's objects are. `create` adds an
 * entry, `delete` removes it; a stale entry is reported, never trusted.
 * Sessions of this machine's Podman are not recorded (the local engine is
 * always asked).
 *
 * Stored as JSON in $XDG_STATE_HOME/paude/sessions.json (or
 * ~/.local/state/paude/sessions.json), written atomically.
 */
#ifndef PAUDE_INDEX_H
#define PAUDE_INDEX_H

#include <stddef.h>
#include "paude/core/error.h"
#include "paude/session/location.h"
#include "paude/core/strvec.h"

struct paude_index_entry {
	char *name;
	/* A CLUSTER location with its namespace; context NULL: the current
	 * context when it was created. Stored as "backend", "context",
	 * "namespace". Or an SSH location (its host the address as given),
	 * stored as "backend": "podman", "host". */
	struct paude_location where;
};

struct paude_index {
	struct paude_index_entry *v;
	size_t nr;
};
#define PAUDE_INDEX_INIT                                                                           \
	{                                                                                          \
		0                                                                                  \
	}

void paude_index_release(struct paude_index *ix);
/* Read the index (missing file: empty). PAUDE_EPROTO if it is damaged. */
int paude_index_load(struct paude_index *out, struct paude_error **err);
/* Parse the index from text (exposed for tests and fuzzing). */
int paude_index_parse(struct paude_index *out, const char *json, size_t len,
		      struct paude_error **err);
/* The entry for name, or NULL. Borrowed from ix. */
const struct paude_index_entry *paude_index_find(const struct paude_index *ix, const char *name);
/* Add or replace name's entry (where: a cluster location with its
 * namespace, or an SSH location), and save. */
int paude_index_put(const char *name, const struct paude_location *where, struct paude_error **err);
/* Remove name's entry (absent: nothing to do), and save. */
int paude_index_remove(const char *name, struct paude_error **err);

/*
 * The repositories where `paude remote add NAME` added remote paude-NAME
 * (absolute directories), so `paude delete NAME` removes those remotes too,
 * not only the one in the directory the session was created for. Kept in
 * $XDG_STATE_HOME/paude/remotes.json; a hint like the rest of the index
 * (a directory that is gone or holds no such remote is skipped).
 */
int paude_index_remote_record(const char *name, const char *repo_dir, struct paude_error **err);
/* Append NAME's recorded directories to out (none recorded: nothing). */
int paude_index_remote_dirs(const char *name, struct paude_strvec *out, struct paude_error **err);
/* Forget NAME's directories (nothing recorded: 0). */
int paude_index_remote_forget(const char *name, struct paude_error **err);

#endif
