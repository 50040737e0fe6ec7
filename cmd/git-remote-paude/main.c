/* SPDX-License-Identifier: MIT */
/*
 * git-remote-paude: the git remote helper for paude::ADDRESS URLs.
 *
 * git runs `git-remote-paude REMOTE ADDRESS` and speaks the remote-helper
 * protocol on our stdin/stdout. We advertise only `connect`: on
 * `connect git-upload-pack` (or receive-pack, upload-archive) we check the
 * session, answer the blank line, and run the backend's
 * `podman exec -i paude-NAME git-upload-pack /pvc/workspace` with our stdin
 * and stdout, so git talks to the service inside the session directly over
 * the same pipes: no copy loop for the protocol. We stay only to pass the
 * service's stderr through the sanitizer (it is the session's text, bound
 * for the user's terminal) and to exit with its status.
 *
 * stdout is the protocol channel: nothing else is ever written to it.
 * Diagnostics go to stderr; PAUDE_LOG=debug traces what is run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "paude/address.h"
#include "paude/log.h"
#include "paude/remote-helper.h"
#include "paude/sanitize.h"
#include "paude/tunnel.h"

static int
write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
reply(const char *s)
{
	if (write_all(STDOUT_FILENO, s, strlen(s)) < 0) {
		paude_log(PAUDE_LOG_ERROR, "cannot write to git: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* At debug level: how much memory we used before handing over (VmHWM). */
static void
trace_peak_rss(void)
{
	if (!paude_log_enabled(PAUDE_LOG_DEBUG))
		return;
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmHWM:", 6)) {
			line[strcspn(line, "\n")] = '\0';
			paude_log(PAUDE_LOG_DEBUG, "peak RSS before exec: %s",
				  line + 6 + strspn(line + 6, " \t"));
		}
	}
	if (f)
		(void)fclose(f);
}

/*
 * Answer a connect, then run the service: it speaks to git straight over
 * our stdin and stdout (handed to it: no copy), while its stderr, which a
 * session can fill with anything, reaches git's through the sanitizer.
 * Returns the service's exit status, or < 0 if it could not run.
 */
static int
do_connect(const struct paude_address *addr, enum paude_git_service service,
	   struct paude_error **err)
{
	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	int r = paude_tunnel_backend_open(&b, addr, NULL, err);
	if (r < 0)
		return r;
	r = paude_tunnel_prepare(b, addr->name, service, &c, err);
	if (r < 0)
		return r;
	/* The blank line tells git the connection is up; then the service speaks. */
	if (reply("\n") < 0)
		return PAUDE_EOS;
	trace_peak_rss();
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return paude_error_errno(err, errno, "cannot create a pipe");
	c.err = p[1]; /* start closes it */
	/* git may have ignored SIGPIPE for us; the service expects the default. */
	(void)signal(SIGPIPE, SIG_DFL);
	r = paude_child_start(b->runner, &c, err);
	(void)signal(SIGPIPE, SIG_IGN); /* ours: a closed stderr must not end us */
	if (r < 0) {
		close(p[0]);
		return r;
	}
	/* Only the service holds git's pipes now, so their end of file means
	 * what it meant when we exec'd it. */
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul >= 0) {
		(void)dup2(nul, STDIN_FILENO);
		(void)dup2(nul, STDOUT_FILENO);
		close(nul);
	}
	_cleanup_error_ struct paude_error *cerr = NULL;
	if (paude_sanitize_copy(p[0], STDERR_FILENO, PAUDE_SANITIZE_LINES, &cerr) < 0)
		paude_debug("the service's stderr: %s", cerr->msg);
	close(p[0]);
	int status = 0;
	if ((r = paude_child_finish(b->runner, &c, &status, err)) < 0)
		return r;
	return status;
}

static int
command_loop(const struct paude_address *addr, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	for (;;) {
		struct paude_rh_cmd cmd;
		int r = paude_rh_read_line(STDIN_FILENO, &line, err);
		if (r == PAUDE_ENOTFOUND)
			return 0; /* git closed the pipe: nothing more to do */
		if (r < 0)
			return r;
		r = paude_rh_parse(&cmd, line.buf, line.len, err);
		if (r < 0)
			return r;
		paude_log(PAUDE_LOG_TRACE, "command: %s", line.buf);
		switch (cmd.kind) {
		case PAUDE_RH_END:
			return 0;
		case PAUDE_RH_CAPABILITIES:
			/* '*': a git that does not know connect must refuse us. */
			if (reply("*connect\n\n") < 0)
				return PAUDE_EOS;
			break;
		case PAUDE_RH_OPTION:
			if (reply("unsupported\n") < 0)
				return PAUDE_EOS;
			break;
		case PAUDE_RH_CONNECT:
			/* The service's status is ours: the connection ends with it. */
			return do_connect(addr, cmd.service, err);
		}
	}
}

int
main(int argc, char **argv)
{
	_cleanup_error_ struct paude_error *err = NULL;
	_cleanup_address_ struct paude_address addr = PAUDE_ADDRESS_INIT;

	paude_log_init("git-remote-paude");
	if (argc != 3) {
		(void)fprintf(stderr, "usage: git-remote-paude <remote> <address>\n"
				      "git runs this helper for paude::<address> URLs, e.g.\n"
				      "  git push paude::my-session main\n"
				      "(see git-remote-paude(1))\n");
		return 129;
	}
	/* Validate the address before reading a single command. */
	int r = paude_address_parse(&addr, argv[2], &err);
	if (r == 0)
		r = command_loop(&addr, &err);
	if (r < 0) {
		paude_log(PAUDE_LOG_ERROR, "%s", err ? err->msg : "failed");
		return 128;
	}
	return r;
}
