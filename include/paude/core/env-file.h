/* SPDX-License-Identifier: MIT */
/*
 * A private env file for `podman create --env-file`: environment values
 * never go on a command line, where `ps` shows them to every user of the
 * host. The file is created in a new directory of its own (mode 0700,
 * under $TMPDIR or /tmp) with mode 0600, and removed with the directory
 * once podman has read it.
 */
#ifndef PAUDE_ENV_FILE_H
#define PAUDE_ENV_FILE_H

#include "paude/core/error.h"
#include "paude/core/strvec.h"
#include "paude/core/run.h"

struct paude_env_file {
	char *dir; /* the private directory, or NULL */
	char *path; /* dir/env, or NULL */
	/* Copied to a remote runner's host (paude_env_file_upload): the copy, and the runner. */
	char *there;
	struct paude_runner *runner;
};
#define PAUDE_ENV_FILE_INIT                                                                        \
	{                                                                                          \
		.dir = NULL, .path = NULL, .there = NULL, .runner = NULL                           \
	}

/*
 * Write env ("NAME=VALUE" entries) into a new private file; f->path names
 * it. PAUDE_EUSAGE for an entry podman's env-file format cannot carry
 * exactly (no '=', a name that is empty, starts with '#' or holds
 * whitespace, a value with '\n' or '\r'); nothing is left behind on failure.
 */
int paude_env_file_write(struct paude_env_file *f, const struct paude_strvec *env,
			 struct paude_error **err);
/*
 * Make the written file readable by the commands r starts: nothing for a
 * local runner; for a remote one, a private copy on its host (directory
 * and file modes kept), removed again by paude_env_file_remove.
 */
int paude_env_file_upload(struct paude_env_file *f, struct paude_runner *r,
			  struct paude_error **err);
/* The file as the commands of the runner given to upload see it (f->path if none). */
const char *paude_env_file_arg(const struct paude_env_file *f);
/* Remove the file and its directory (if written), and the copy on a remote
 * host (if any), and free the names. */
void paude_env_file_remove(struct paude_env_file *f);

#endif
