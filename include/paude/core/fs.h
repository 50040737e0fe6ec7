/* SPDX-License-Identifier: MIT */
/* Filesystem and directory helpers. */
#ifndef PAUDE_FS_H
#define PAUDE_FS_H

#include <stdbool.h>
#include "paude/core/error.h"

/* "$HOME" (or the passwd entry); never NULL. */
const char *paude_home_dir(void);
/* $XDG_CACHE_HOME/paude or ~/.cache/paude, $XDG_STATE_HOME/paude or
 * ~/.local/state/paude. Caller frees. Not created. */
char *paude_cache_dir(void);
char *paude_state_dir(void);
/* a + "/" + b. Caller frees. */
char *paude_path_join(const char *a, const char *b);
int paude_mkdir_p(const char *path, unsigned mode, struct paude_error **err);
bool paude_is_dir(const char *path);
bool paude_is_file(const char *path);
bool paude_exists(const char *path);
/* Write data to path atomically (temp file + rename). */
int paude_write_file(const char *path, const void *data, size_t n, unsigned mode,
		     struct paude_error **err);
/* Absolute, symlink-resolved form of path (must exist). Caller frees. */
int paude_realpath(char **out, const char *path, struct paude_error **err);

#endif
