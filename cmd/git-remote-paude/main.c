/* SPDX-License-Identifier: MIT */
/*
 * git-remote-paude: the git remote helper for paude::ADDRESS URLs.
 *
 * git runs `git-remote-paude REMOTE ADDRESS` and speaks the remote-helper
 * protocol on our stdin/stdout. We advertise only `connect`: on
 * `connect git-upload-pack` (or receive-pack, upload-archive) we answer the
 * blank line and run the backend's `podman exec -i paude-NAME paude-session
 * git SERVICE NAME` with our stdin and stdout, so git talks to the service
 * inside the session directly over the same pipes: no copy loop for the
 * protocol. We stay only to pass the service's stderr through the sanitizer
 * (it is the session's text, bound for the user's terminal), to explain an
 * engine's failure in one line, and to exit with the service's status.
 *
 * For an ssh://HOST/NAME address the same service runs on that host's
 * podman, in an exec channel of one SSH connection (ssh.h): the SSH thread
 * copies the protocol between git's pipes and the channel, with flow
 * control and EOF passed on both ways; the service's exit status comes
 * back as the channel's, and a dropped connection is an error.
 *
 * stdout is the protocol channel: nothing else is ever written to it.
 * Diagnostics go to stderr; PAUDE_LOG=debug traces what is run.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include "paude/session/address.h"
#include "paude/core/log.h"
#include "paude/git/remote-helper.h"
#include "paude/core/sanitize.h"
#include "paude/backend/ssh.h"
#include "paude/git/tunnel.h"
#include "paude/backend/locate.h"
#include "paude/core/buf.h"

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
			paude_log(PAUDE_LOG_DEBUG, "peak RSS before the service starts: %s",
				  line + 6 + strspn(line + 6, " \t"));
		}
	}
	if (f)
		(void)fclose(f);
}

/* The engine's own complaints (podman, kubectl), held back until we know
 * whether the session's state explains them in better words. */
static bool
engine_says(const char *line, size_t n)
{
	static const char *const starts[] = {
		"Error: ",
		"Error from server",
		"error: ",
		"Unable to connect to the server",
		"The connection to the server",
	};
	for (size_t i = 0; i < ARRAY_SIZE(starts); i++) {
		size_t k = strlen(starts[i]);
		if (n >= k && !memcmp(line, starts[i], k))
			return true;
	}
	return false;
}

struct relay {
	char buf[4096];
	size_t len;
	struct paude_sanitizer san; /* the one sanitizer (lib/core/sanitize.c) */
	struct paude_buf held; /* engine lines, sanitized */
};

static void
relay_line(struct relay *rl, const char *line, size_t n)
{
	_cleanup_buf_ struct paude_buf safe = PAUDE_BUF_INIT;
	paude_sanitizer_feed(&rl->san, &safe, line, n);
	if (engine_says(line, n) && rl->held.len < 8192)
		paude_buf_add(&rl->held, safe.buf, safe.len, NULL);
	else if (safe.len)
		(void)write_all(STDERR_FILENO, safe.buf, safe.len);
}

/* Pass the child's stderr on, line by line, until it closes. */
static void
relay_stderr(struct relay *rl, int fd)
{
	for (;;) {
		ssize_t n = read(fd, rl->buf + rl->len, sizeof(rl->buf) - rl->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rl->len += (size_t)n;
		size_t done = 0;
		for (;;) {
			char *nl = memchr(rl->buf + done, '\n', rl->len - done);
			if (!nl)
				break;
			size_t k = (size_t)(nl - (rl->buf + done)) + 1;
			relay_line(rl, rl->buf + done, k);
			done += k;
		}
		if (done == 0 && rl->len == sizeof(rl->buf)) /* a very long line */
			done = rl->len, relay_line(rl, rl->buf, rl->len);
		memmove(rl->buf, rl->buf + done, rl->len - done);
		rl->len -= done;
	}
	if (rl->len)
		relay_line(rl, rl->buf, rl->len);
	rl->len = 0;
	_cleanup_buf_ struct paude_buf rest = PAUDE_BUF_INIT;
	paude_sanitizer_finish(&rl->san, &rest);
	if (rest.len)
		(void)write_all(STDERR_FILENO, rest.buf, rest.len);
}

/*
 * Over SSH the protocol is copied between git's pipes and the channel by
 * the SSH thread (ssh.h: poll-driven, each way as fast as its reader,
 * EOF passed on both ways). It gets copies of our stdin and stdout, made
 * non-blocking so that a slow git never stalls the connection, and closes
 * them when the channel ends, which is git's EOF.
 */
static int
ssh_stdio(struct paude_child *c, struct paude_error **err)
{
	c->in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	c->out = c->in < 0 ? -1 : fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (c->in < 0 || c->out < 0) {
		int e = errno;
		if (c->in >= 0)
			(void)close(c->in);
		c->in = c->out = 0;
		return paude_error_errno(err, e, "cannot pass git's pipes on");
	}
	const int fds[] = { c->in, c->out };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		struct stat st;
		/* Only pipes and sockets: a file or terminal is shared with others. */
		if (fstat(fds[i], &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			(void)fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

/*
 * Answer a connect: run the service in the session on git's stdin and
 * stdout (no copy loop: the engine's exec gets them directly) and relay its
 * stderr through the sanitizer. No question is asked of the engine first;
 * if the exec fails, the session's state explains why (not found, not
 * running, paused) in one line instead of the engine's words.
 * Returns the service's exit status, or < 0 with *err set.
 */
static int
do_connect(const struct paude_address *addr, const struct paude_ssh_target *host,
	   enum paude_git_service service, struct paude_error **err)
{
	_cleanup_ssh_ struct paude_ssh *ssh = NULL; /* outlives b, which runs on it */
	_cleanup_backend_ struct paude_backend *b = NULL;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	int version = 0;
	int r = paude_tunnel_protocol_version(NULL, service, &version, err);
	if (r < 0)
		return r;
	if (host && (r = paude_ssh_connect(&ssh, host, err)) < 0)
		return r;
	r = paude_tunnel_backend_open(&b, addr, ssh ? paude_ssh_runner(ssh) : NULL, err);
	if (r < 0)
		return r;
	r = paude_tunnel_prepare(b, addr->name, service, version, &c, err);
	if (r < 0)
		return r;
	if (ssh && (r = ssh_stdio(&c, err)) < 0)
		return r;
	/* The blank line tells git the connection is up; then the service speaks. */
	if (reply("\n") < 0)
		return PAUDE_EOS;
	trace_peak_rss();
	/* git may have ignored SIGPIPE for us; the service expects the default. */
	(void)signal(SIGPIPE, SIG_DFL);
	c.err = -1;
	r = paude_child_start(b->runner, &c, err);
	if (r < 0)
		return r;
	(void)signal(SIGPIPE, SIG_IGN);
	/* stdin and stdout are the child's now: git must see EOF when it ends. */
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		(void)dup2(devnull, STDIN_FILENO);
		(void)dup2(devnull, STDOUT_FILENO);
		(void)close(devnull);
	}
	struct relay rl = { .len = 0, .held = PAUDE_BUF_INIT };
	paude_sanitizer_init(&rl.san, PAUDE_SANITIZE_LINES);
	relay_stderr(&rl, c.err);
	(void)close(c.err);
	c.err = -1;
	int status = 0;
	r = paude_child_finish(b->runner, &c, &status, err);
	if (r == 0 && status != 0 && rl.held.len) {
		struct paude_error *why = NULL;
		if (paude_tunnel_check(b, addr->name, &why) < 0) {
			paude_buf_release(&rl.held);
			if (err && !*err)
				*err = why;
			else
				paude_error_free(why);
			return PAUDE_ESTATE;
		}
	}
	if (rl.held.len)
		(void)write_all(STDERR_FILENO, rl.held.buf, rl.held.len);
	paude_buf_release(&rl.held);
	return r < 0 ? r : status;
}

static int
command_loop(const struct paude_address *addr, const struct paude_ssh_target *host,
	     struct paude_error **err)
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
			/* > 0: the service failed and has said why, on stderr. */
			return do_connect(addr, host, cmd.service, err);
		}
	}
}

int
main(int argc, char **argv)
{
	_cleanup_error_ struct paude_error *err = NULL;
	_cleanup_address_ struct paude_address addr = PAUDE_ADDRESS_INIT;

	paude_log_init("git-remote-paude", getenv("PAUDE_LOG"), getenv("NO_COLOR"), getenv("TERM"));
	if (argc != 3) {
		(void)fprintf(stderr, "usage: git-remote-paude <remote> <address>\n"
				      "git runs this helper for paude::<address> URLs, e.g.\n"
				      "  git push paude::my-session main\n"
				      "(see git-remote-paude(1))\n");
		return 129;
	}
	/* Validate the address before reading a single command. */
	int r = paude_address_parse(&addr, argv[2], &err);
	/* A bare NAME the index records on a remote host (`create --host`): that host's. */
	if (r == 0 && !addr.host && addr.where.kind == PAUDE_LOCATION_ANY) {
		_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
		paude_locate_where(&at, &addr.where, addr.name);
		if (at.kind == PAUDE_LOCATION_SSH) {
			_cleanup_buf_ struct paude_buf h = PAUDE_BUF_INIT;
			paude_location_ssh_address(&at, &h);
			addr.host = paude_buf_detach(&h);
		}
	}
	/* A host: its address and ~/.ssh/config are checked now too. */
	_cleanup_ssh_target_ struct paude_ssh_target host = PAUDE_SSH_TARGET_INIT;
	if (r == 0 && addr.host)
		r = paude_ssh_target_resolve(&host, addr.host, &err);
	if (r == 0)
		r = command_loop(&addr, addr.host ? &host : NULL, &err);
	if (r < 0) {
		/* One line: an engine's error may carry more (kubectl's output);
		 * paude_log sanitizes what it prints. */
		char *msg = err ? err->msg : NULL;
		if (msg)
			msg[strcspn(msg, "\n")] = '\0';
		paude_log(PAUDE_LOG_ERROR, "%s", msg ? msg : "failed");
		return 128;
	}
	return r > 0 ? 128 : 0;
}
