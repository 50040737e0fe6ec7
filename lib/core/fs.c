/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <fcntl.h>
#include <pwd.h>
#include <limits.h>
#include <sys/stat.h>
#include "paude/core/fs.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "core/banned.h"

const char *
paude_home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h == '/')
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

char *
paude_path_join(const char *a, const char *b)
{
	char *s = NULL;
	size_t la = strlen(a);
	s = paude_xasprintf("%s%s%s", a, la && a[la - 1] == '/' ? "" : "/", b);
	return s;
}

static char *
xdg_dir(const char *env, const char *fallback)
{
	const char *v = getenv(env);
	if (v && *v == '/')
		return paude_path_join(v, "paude");
	_cleanup_free_ char *base = paude_path_join(paude_home_dir(), fallback);
	return paude_path_join(base, "paude");
}

char *
paude_cache_dir(void)
{
	return xdg_dir("XDG_CACHE_HOME", ".cache");
}

char *
paude_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

int
paude_mkdir_p(const char *path, unsigned mode, struct paude_error **err)
{
	if (!*path)
		return paude_error_set(err, PAUDE_EOS, ENOENT,
				       "cannot create directory '' (the path is empty)");
	_cleanup_free_ char *p = paude_xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char saved = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return paude_error_errno(err, errno, "cannot create directory '%s'",
							 p);
			*s = saved;
			if (!saved)
				break;
		}
	}
	if (!paude_is_dir(path))
		return paude_error_set(err, PAUDE_EOS, ENOTDIR, "'%s' is not a directory", path);
	return 0;
}

bool
paude_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
paude_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool
paude_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int
paude_write_file(const char *path, const void *data, size_t n, unsigned mode,
		 struct paude_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	tmp = paude_xasprintf("%s.tmp.%ld", path, (long)getpid());
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return paude_error_errno(err, errno, "cannot create '%s'", tmp);
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			unlink(tmp);
			return paude_error_errno(err, e, "cannot write '%s'", tmp);
		}
		p += w;
		n -= (size_t)w;
	}
	/* Data on disk before the rename makes it visible, or a crash could
	 * leave an empty file under the final name. */
	if (fsync(fd) < 0 || close(TAKE_FD(fd)) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return paude_error_errno(err, e, "cannot write '%s'", path);
	}
	return 0;
}

int
paude_realpath(char **out, const char *path, struct paude_error **err)
{
	char *r = realpath(path, NULL);
	if (!r)
		return paude_error_errno(err, errno, "cannot resolve '%s'", path);
	*out = r;
	return 0;
}
