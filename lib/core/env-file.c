/* SPDX-License-Identifier: MIT */
/*
 * Private env files (see env-file.h). podman reads the file line by line:
 * leading blanks are dropped, '#' starts a comment, the name ends at the
 * first '=' and the value is the rest of the line, kept as it is. So a
 * value is exact as long as it has no line break ('\r' too: a line reader
 * drops it before '\n').
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "paude/core/env-file.h"
#include "paude/core/buf.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "core/banned.h"

static bool
entry_ok(const char *kv)
{
	size_t k = strcspn(kv, "=");
	if (k == 0 || !kv[k] || kv[0] == '#' || strpbrk(kv, "\n\r"))
		return false;
	for (size_t i = 0; i < k; i++)
		if (strchr(" \t\v\f", kv[i]))
			return false;
	return true;
}

int
paude_env_file_write(struct paude_env_file *f, const struct paude_strvec *env,
		     struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf text = PAUDE_BUF_INIT;
	for (size_t i = 0; i < env->nr; i++) {
		const char *kv = env->v[i];
		if (!entry_ok(kv))
			return paude_error_set(err, PAUDE_EUSAGE, 0,
					       "environment entry '%.*s' cannot be passed to the "
					       "session (a name and a one-line value are needed)",
					       (int)strcspn(kv, "=\n\r"), kv);
		paude_buf_addstr(&text, kv, NULL);
		paude_buf_addch(&text, '\n', NULL);
	}
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *dir = NULL;
	dir = paude_xasprintf("%s/paude-env-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	/* mkdtemp makes it 0700: nobody else may even look for the file. */
	if (!mkdtemp(dir))
		return paude_error_errno(err, errno, "cannot create a private directory '%s'", dir);
	_cleanup_free_ char *path = paude_path_join(dir, "env");
	int r = paude_write_file(path, text.buf, text.len, 0600, err);
	if (r < 0) {
		rmdir(dir);
		return r;
	}
	f->dir = TAKE_PTR(dir);
	f->path = TAKE_PTR(path);
	return 0;
}

int
paude_env_file_upload(struct paude_env_file *f, struct paude_runner *r, struct paude_error **err)
{
	if (!f->dir || !paude_runner_is_remote(r))
		return 0;
	_cleanup_free_ char *dir = NULL;
	int ret = paude_runner_host_path(r, f->dir, NULL, &dir, err);
	if (ret < 0)
		return ret;
	f->there = paude_path_join(dir, "env");
	f->runner = r;
	return 0;
}

const char *
paude_env_file_arg(const struct paude_env_file *f)
{
	return f->there ? f->there : f->path;
}

void
paude_env_file_remove(struct paude_env_file *f)
{
	if (f->there && f->runner) {
		/* The values are secrets: not one moment longer than needed there either. */
		_cleanup_error_ struct paude_error *e = NULL;
		if (paude_runner_host_drop(f->runner, f->there, &e) < 0)
			paude_debug("cannot remove the copy '%s' of an env file: %s", f->there,
				    e->msg);
	}
	free(f->there);
	f->there = NULL;
	f->runner = NULL;
	if (f->path)
		unlink(f->path);
	if (f->dir)
		rmdir(f->dir);
	free(f->path);
	free(f->dir);
	f->path = f->dir = NULL;
}
