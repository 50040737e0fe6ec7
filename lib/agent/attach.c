/* SPDX-License-Identifier: MIT */
/*
 * The session gets a terminal of paude's (a pty pair), never the user's:
 * the agent owns the session's end of the terminal (podman exec --tty makes
 * it the session user's) and can write anything to it, so everything it
 * draws passes the terminal filter (term-filter.h) on its way to the user.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "paude/agent/attach.h"
#include "paude/core/buf.h"
#include "paude/core/signal.h"
#include "paude/core/strvec.h"
#include "paude/agent/term-filter.h"
#include "core/banned.h"

static volatile sig_atomic_t window_changed;

static void
on_winch(int sig)
{
	(void)sig;
	window_changed = 1;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The session's tmux detaches the client on its prefix, then d. */
#define TMUX_DETACH "\002d"
/* How long a detach through --detach-keys may take before the attach is cut. */
#define DETACH_GRACE_MS 3000

/*
 * Copy between the user's terminal (raw) and the pty master the child runs
 * on, until the child lets go of the pty: keys go in as they are (but for
 * the --detach-keys sequence, which asks the session's tmux to detach this
 * client), and what the session draws comes out through the terminal
 * filter. A window size change is passed on to the pty and to the child.
 * Returns true when the detach keys were typed and the tmux client did not
 * let go in time.
 */
static bool
relay(int master, pid_t child, struct paude_detach_keys *keys)
{
	struct paude_term_filter filter;
	paude_term_filter_init(&filter);
	_cleanup_buf_ struct paude_buf out = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf in = PAUDE_BUF_INIT;
	char buf[16384];
	bool in_open = true;
	struct timespec deadline = { 0 };
	while (!paude_signal_pending()) {
		if (window_changed) {
			window_changed = 0;
			struct winsize ws;
			if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
				(void)ioctl(master, TIOCSWINSZ, &ws);
				/* The pty is not its controlling terminal: tell it. */
				(void)kill(child, SIGWINCH);
			}
		}
		int timeout = -1;
		if (deadline.tv_sec) {
			struct timespec now;
			(void)clock_gettime(CLOCK_MONOTONIC, &now);
			long long ms = (deadline.tv_sec - now.tv_sec) * 1000LL +
				       (deadline.tv_nsec - now.tv_nsec) / 1000000;
			if (ms <= 0)
				return true;
			timeout = (int)ms;
		}
		struct pollfd p[2] = { { .fd = master, .events = POLLIN },
				       { .fd = STDIN_FILENO, .events = POLLIN } };
		if (poll(p, in_open ? 2 : 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (in_open && p[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			paude_buf_reset(&in);
			if (n <= 0) {
				in_open = false;
			} else if (paude_detach_keys_feed(keys, buf, (size_t)n, &in)) {
				/* Typed keys stop here; the session's tmux lets go of us. */
				if (write_all(master, in.buf, in.len) < 0 ||
				    write_all(master, TMUX_DETACH, strlen(TMUX_DETACH)) < 0)
					return true;
				in_open = false;
				(void)clock_gettime(CLOCK_MONOTONIC, &deadline);
				deadline.tv_sec += DETACH_GRACE_MS / 1000;
			} else if (in.len && write_all(master, in.buf, in.len) < 0) {
				return false;
			}
		}
		if (p[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return false; /* EIO: the child and all it started let go of the pty
					       */
			paude_buf_reset(&out);
			paude_term_filter_feed(&filter, &out, buf, (size_t)n);
			if (write_all(STDOUT_FILENO, out.buf, out.len) < 0)
				return false;
		}
	}
	return false;
}

int
paude_attach_check_terminal(const char *name, struct paude_error **err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "cannot attach to session '%s' without a terminal (run "
				       "'paude connect %s' from a terminal)",
				       name, name);
	return 0;
}

int
paude_attach_session(struct paude_backend *b, const char *name, const struct paude_attach_opts *o,
		     struct paude_error **err)
{
	int r = paude_attach_check_terminal(name, err);
	if (r < 0)
		return r;
	struct paude_detach_keys keys = { 0 };
	if (o)
		keys = o->keys;
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	if (o && o->hint && *o->hint) {
		/* On the session's status line, where it stays in view. */
		paude_strvec_push(&argv, "env");
		paude_strvec_pushf(&argv, "PAUDE_DETACH_HINT=%s", o->hint);
	}
	paude_strvec_pushl(&argv, "paude-session", "attach", NULL);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	r = paude_backend_exec_prepare(b, name, PAUDE_EXEC_STDIN | PAUDE_EXEC_TTY,
				       (const char *const *)argv.v, &c, err);
	if (r < 0)
		return r;
	struct termios saved;
	struct winsize ws;
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return paude_error_errno(err, errno, "cannot read the terminal's settings");
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		memset(&ws, 0, sizeof(ws));
	int master = -1, slave = -1;
	if (openpty(&master, &slave, NULL, &saved, &ws) < 0)
		return paude_error_errno(err, errno, "cannot open a terminal for the session");
	(void)fcntl(master, F_SETFD, FD_CLOEXEC);
	_cleanup_close_ int master_fd = master;
	c.in = c.out = c.err = slave; /* start closes it */
	if ((r = paude_child_start(b->runner, &c, err)) < 0)
		return r;
	struct sigaction sa = { .sa_handler = on_winch }, old_sa;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGWINCH, &sa, &old_sa);
	window_changed = 0;
	struct termios raw = saved;
	cfmakeraw(&raw);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	bool cut = relay(master_fd, c.pid, &keys);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	(void)sigaction(SIGWINCH, &old_sa, NULL);
	close(TAKE_FD(master_fd));
	/* Interrupted (SIGTERM, SIGHUP), or detached by keys the session's
	 * tmux did not act on: the attach ends with us; the agent goes on. */
	if (paude_signal_pending() || cut)
		(void)kill(c.pid, SIGHUP);
	int status = 0;
	if ((r = paude_child_finish(b->runner, &c, &status, err)) < 0)
		return r;
	if (status != 0 && !cut)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "attaching to session '%s' failed (exit %d)", name, status);
	return 0;
}
