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

struct paude_env_file {
	char *dir; /* the private directory, or NULL */
	char *path; /* dir/env, or NULL */
};
#define PAUDE_ENV_FILE_INIT                                                                        \
	{                                                                                          \
		.dir = NULL, .path = NULL                                                          \
	}

/*
 * Write env ("NAME=VALUE" entries) into a new private file; f->path names
 * it. PAUDE_EUSAGE for an entry podman's env-file format cannot carry
 * exactly (no '=', a name that is empty, starts with '#' or holds
 * whitespace, a value with '\n' or '\r'); nothing is left behind on failure.
 */
int paude_env_file_write(struct paude_env_file *f, const struct paude_strvec *env,
			 struct paude_error **err);
/* Remove the file and its directory (if written) and free the names. */
void paude_env_file_remove(struct paude_env_file *f);

#endif
