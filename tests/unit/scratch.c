/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "paude/core/fs.h"
#include "paude/core/macro.h"
#include "scratch.h"

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
scratch_remove(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
scratch_write(const char *dir, const char *rel, const char *text)
{
	_cleanup_free_ char *p = paude_path_join(dir, rel);
	_cleanup_free_ char *parent = strdup(p);
	*strrchr(parent, '/') = '\0';
	assert_int_equal(paude_mkdir_p(parent, 0755, NULL), 0);
	assert_int_equal(paude_write_file(p, text, strlen(text), 0644, NULL), 0);
}
