/* SPDX-License-Identifier: MIT */
/*
 * Shared by ssh.c and ssh-files.c, not a public API: this machine's files
 * for the commands of an SSH runner (ssh-files.c), the runner ops behind
 * paude_runner_host_path and the others (run.h), and the staging directory
 * a connection keeps on the host.
 */
#ifndef PAUDE_SSH_INTERNAL_H
#define PAUDE_SSH_INTERNAL_H

#include "paude/backend/ssh.h"

/* What a connection keeps for its files. */
struct paude_ssh_files {
	char *staging; /* the private staging directory on the host, once made */
	unsigned n; /* copies staged so far (each in staging/N) */
};
struct paude_ssh_files *paude_ssh__files(struct paude_ssh *s);

/* The runner ops (run.h); ctx is the struct paude_ssh. */
int paude_ssh__host_path(void *ctx, const char *local_path, const char *keep_key, char **out,
			 struct paude_error **err);
int paude_ssh__host_drop(void *ctx, const char *host_path, struct paude_error **err);
int paude_ssh__forget(void *ctx, const char *keep_key, struct paude_error **err);
int paude_ssh__read_file(void *ctx, const char *path, struct paude_buf *out,
			 struct paude_error **err);
struct paude_runner *paude_ssh__local(void *ctx);

/* Remove the staging directory (while the connection still works) and free the names. */
void paude_ssh__files_release(struct paude_ssh *s, bool connected);

#endif
