/* SPDX-License-Identifier: MIT */
/*
 * The remote-helper command parser and line reader. git is the only
 * expected writer, but the bytes arrive on a pipe like any other input, so
 * the parser is strict: exact command words, single spaces, no NUL bytes.
 */
#include <string.h>
#include <stdbool.h>
#include "paude/git/remote-helper.h"
#include "core/untrusted.h"
#include "core/banned.h"

static const char *const services[] = {
	[PAUDE_GIT_UPLOAD_PACK] = "git-upload-pack",
	[PAUDE_GIT_RECEIVE_PACK] = "git-receive-pack",
	[PAUDE_GIT_UPLOAD_ARCHIVE] = "git-upload-archive",
};

const char *
paude_git_service_name(enum paude_git_service s)
{
	if ((size_t)s >= ARRAY_SIZE(services))
		PAUDE_BUG("unknown git service");
	return services[s];
}

int
paude_git_service_from_name(enum paude_git_service *out, const char *name, size_t len,
			    struct paude_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(services); i++) {
		if (strlen(services[i]) == len && !memcmp(services[i], name, len)) {
			*out = (enum paude_git_service)i;
			return 0;
		}
	}
	char shown[80];
	paude_show_untrusted(shown, sizeof(shown), name, len);
	return paude_error_set(err, PAUDE_EPROTO, 0,
			       "unsupported service '%s' (git-remote-paude runs git-upload-pack, "
			       "git-receive-pack and git-upload-archive)",
			       shown);
}

static bool
has_word(const char *line, size_t len, const char *word, const char **rest, size_t *restlen)
{
	size_t n = strlen(word);
	if (len < n || memcmp(line, word, n) != 0)
		return false;
	if (len == n) {
		*rest = NULL;
		*restlen = 0;
		return true;
	}
	if (line[n] != ' ')
		return false;
	*rest = line + n + 1;
	*restlen = len - n - 1;
	return true;
}

int
paude_rh_parse(struct paude_rh_cmd *out, const char *line, size_t len, struct paude_error **err)
{
	char shown[80];
	if (len > PAUDE_RH_LINE_MAX)
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "remote-helper command is too long (%zu bytes)", len);
	if (memchr(line, '\0', len)) {
		paude_show_untrusted(shown, sizeof(shown), line, len);
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "malformed remote-helper command '%s' (NUL byte)", shown);
	}
	struct paude_rh_cmd c = { .kind = PAUDE_RH_END };
	const char *rest = NULL;
	size_t restlen = 0;
	if (len == 0) {
		c.kind = PAUDE_RH_END;
	} else if (has_word(line, len, "capabilities", &rest, &restlen) && !rest) {
		c.kind = PAUDE_RH_CAPABILITIES;
	} else if (has_word(line, len, "option", &rest, &restlen) && rest && restlen &&
		   rest[0] != ' ') {
		/* "option NAME [VALUE]": always answered "unsupported", the name is not kept. */
		c.kind = PAUDE_RH_OPTION;
	} else if (has_word(line, len, "connect", &rest, &restlen) && rest) {
		c.kind = PAUDE_RH_CONNECT;
		int r = paude_git_service_from_name(&c.service, rest, restlen, err);
		if (r < 0)
			return r;
	} else {
		paude_show_untrusted(shown, sizeof(shown), line, len);
		return paude_error_set(err, PAUDE_EPROTO, 0,
				       "unknown remote-helper command '%s' (this helper only "
				       "supports capabilities and connect)",
				       shown);
	}
	*out = c;
	return 0;
}

int
paude_rh_read_line(int fd, struct paude_buf *line, struct paude_error **err)
{
	paude_buf_reset(line);
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return paude_error_errno(err, errno, "cannot read remote-helper command");
		if (n == 0) {
			if (line->len == 0)
				return PAUDE_ENOTFOUND;
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "remote-helper command cut short by end of input");
		}
		if (c == '\n')
			return 0;
		if (line->len >= PAUDE_RH_LINE_MAX)
			return paude_error_set(err, PAUDE_EPROTO, 0,
					       "remote-helper command is too long (more than %d "
					       "bytes)",
					       PAUDE_RH_LINE_MAX);
		paude_buf_addch(line, c, NULL);
	}
}
