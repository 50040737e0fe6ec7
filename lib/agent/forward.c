/* SPDX-License-Identifier: MIT */
/*
 * Port forwarding into a session over its exec channel (see forward.h). The
 * relay in the session is bash's /dev/tcp: every image paude builds has
 * bash and cat (paude-install-deps installs bash; coreutils is everywhere).
 * Its script is fixed text; the port reaches it as a positional argument,
 * never inside the script.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "paude/agent/forward.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/fs.h"
#include "paude/core/log.h"
#include "paude/core/run.h"
#include "paude/session/session.h"
#include "core/banned.h"

/*
 * Connect fd 3 to the port; copy the connection's stdin to it in the
 * background (stdin named explicitly: bash gives a background command
 * /dev/null otherwise) and its answers to stdout in the foreground; when the
 * server closes, stop the copier too, so the exec ends and paude closes the
 * client's connection.
 */
static const char relay_script[] = "exec 3<>\"/dev/tcp/127.0.0.1/$1\" || exit 1\n"
				   "cat <&0 >&3 &\n"
				   "cat <&3\n"
				   "kill $! 2>/dev/null\n"
				   "exit 0\n";

static int
parse_port(const char *s, size_t n, unsigned short *out)
{
	if (!n || n > 5 || strspn(s, "0123456789") < n)
		return -1;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (v < 1 || v > 65535)
		return -1;
	*out = (unsigned short)v;
	return 0;
}

int
paude_forward_parse(struct paude_forward *f, const char *session, const char *spec,
		    struct paude_error **err)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (paude_session_name_validate(session, err) < 0)
		return PAUDE_EUSAGE;
	size_t colon = strcspn(spec, ":");
	if (parse_port(spec, colon, &f->port) < 0 ||
	    (spec[colon] &&
	     parse_port(spec + colon + 1, strlen(spec + colon + 1), &f->host_port) < 0))
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "invalid port '%s' (write PORT or PORT:HOST_PORT, each "
				       "1-65535)",
				       spec);
	if (!spec[colon])
		f->host_port = f->port;
	(void)snprintf(f->session, sizeof(f->session), "%s", session);
	return 0;
}

int
paude_forward_listen(struct paude_forward *f, struct paude_error **err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return paude_error_errno(err, errno, "cannot open a socket");
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(f->host_port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (errno == EADDRINUSE)
			return paude_error_set(
			    err, PAUDE_EEXISTS, EADDRINUSE,
			    "port 127.0.0.1:%u is already in use (choose another "
			    "host port: PORT:HOST_PORT)",
			    f->host_port);
		return paude_error_errno(err, errno, "cannot listen on 127.0.0.1:%u", f->host_port);
	}
	if (listen(fd, 64) < 0)
		return paude_error_errno(err, errno, "cannot listen on 127.0.0.1:%u", f->host_port);
	f->fd = TAKE_FD(fd);
	return 0;
}

void
paude_forward_relay_argv(struct paude_strvec *out, unsigned short port)
{
	paude_strvec_pushl(out, "bash", "-c", relay_script, "paude-forward", NULL);
	paude_strvec_pushf(out, "%u", port);
}

static char *
records_dir(void)
{
	_cleanup_free_ char *state = paude_state_dir();
	return paude_path_join(state, "forwards");
}

static char *
record_path(const char *session, unsigned short host_port)
{
	_cleanup_free_ char *dir = records_dir();
	_cleanup_free_ char *file = paude_xasprintf("%s-%u", session, host_port);
	return paude_path_join(dir, file);
}

static int
record_write(const struct paude_forward *f, struct paude_error **err)
{
	_cleanup_free_ char *dir = records_dir();
	int r = paude_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *p = record_path(f->session, f->host_port);
	_cleanup_free_ char *tmp = paude_xasprintf("%s.tmp", p);
	_cleanup_free_ char *text =
	    paude_xasprintf("%ld %s %u %u\n", (long)getpid(), f->session, f->port, f->host_port);
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || rename(tmp, p) < 0)
		return paude_error_errno(err, errno, "cannot record the forward in '%s'", dir);
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
start_relay(struct paude_backend *b, const struct paude_forward *f, int conn, bool quiet)
{
	_cleanup_close_ int c = conn;
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	paude_forward_relay_argv(&argv, f->port);
	_cleanup_child_ struct paude_child child = PAUDE_CHILD_INIT;
	_cleanup_error_ struct paude_error *err = NULL;
	if (paude_backend_exec_prepare(b, f->session, PAUDE_EXEC_STDIN, (const char *const *)argv.v,
				       &child, &err) < 0) {
		paude_debug("port %u: %s", f->port, err->msg);
		return;
	}
	int out = fcntl(c, F_DUPFD_CLOEXEC, 3);
	if (out < 0)
		return;
	child.in = TAKE_FD(c); /* start closes both */
	child.out = out;
	child.no_stderr = quiet;
	if (paude_child_start(b->runner, &child, &err) < 0)
		paude_debug("port %u: %s", f->port, err->msg);
	/* Reaped by the serve loop (waitpid), never waited for here. */
}

int
paude_forward_serve(struct paude_backend *b, struct paude_forward *fw, size_t n, bool quiet,
		    struct paude_error **err)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = record_write(&fw[i], err);
	struct sigaction sa = { .sa_handler = on_stop }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, &old_int);
	(void)sigaction(SIGTERM, &sa, &old_term);
	struct pollfd *p = paude_xcalloc(n ? n : 1, sizeof(*p));
	for (size_t i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fw[i].fd, .events = POLLIN };
	while (r == 0 && !stop_requested) {
		int k = poll(p, n, 1000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (k < 0 && errno != EINTR) {
			r = paude_error_errno(err, errno, "cannot wait for connections");
			break;
		}
		for (size_t i = 0; k > 0 && i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int conn = accept4(fw[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (conn >= 0)
				start_relay(b, &fw[i], conn, quiet);
		}
	}
	free(p);
	(void)sigaction(SIGINT, &old_int, NULL);
	(void)sigaction(SIGTERM, &old_term, NULL);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = record_path(fw[i].session, fw[i].host_port);
		(void)unlink(path);
	}
	return r;
}

int
paude_forward_detach(bool *is_parent, struct paude_error **err)
{
	pid_t pid = fork();
	if (pid < 0)
		return paude_error_errno(err, errno, "cannot go on in the background");
	*is_parent = pid > 0;
	if (pid > 0)
		return 0;
	(void)setsid();
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
	}
	return 0;
}

/* A record "PID SESSION PORT HOST_PORT" whose process still runs. */
static bool
read_record(const char *path, struct paude_forward *f)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(256);
	if (paude_buf_read_file(&b, path, NULL) < 0)
		return false;
	long pid = 0;
	unsigned port = 0, host_port = 0;
	char session[64];
	if (sscanf(b.buf, "%ld %63s %u %u", &pid, session, &port, &host_port) != 4 || pid <= 1 ||
	    port < 1 || port > 65535 || host_port < 1 || host_port > 65535 ||
	    paude_session_name_validate(session, NULL) < 0)
		return false;
	memset(f, 0, sizeof(*f));
	(void)snprintf(f->session, sizeof(f->session), "%s", session);
	f->pid = (pid_t)pid;
	f->port = (unsigned short)port;
	f->host_port = (unsigned short)host_port;
	f->fd = -1;
	return kill(f->pid, 0) == 0 || errno == EPERM;
}

int
paude_forward_list(struct paude_forward **out, size_t *n, const char *session,
		   struct paude_error **err)
{
	(void)err;
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *dir = records_dir();
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp"))
			continue;
		_cleanup_free_ char *p = paude_path_join(dir, e->d_name);
		struct paude_forward f;
		if (!read_record(p, &f)) {
			(void)unlink(p); /* stale */
			continue;
		}
		if (session && strcmp(session, f.session) != 0)
			continue;
		*out = paude_xrealloc(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = f;
	}
	closedir(d);
	return 0;
}

int
paude_forward_stop(const char *session, unsigned short host_port, size_t *stopped,
		   struct paude_error **err)
{
	struct paude_forward *v = NULL;
	size_t n = 0;
	*stopped = 0;
	int r = paude_forward_list(&v, &n, session, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (host_port && v[i].host_port != host_port)
			continue;
		if (kill(v[i].pid, SIGTERM) < 0 && errno != ESRCH) {
			r = paude_error_errno(err, errno, "cannot stop the forward of port %u",
					      v[i].port);
			break;
		}
		(*stopped)++;
	}
	free(v);
	return r;
}
