/* SPDX-License-Identifier: MIT */
/*
 * The SSH connection and the runner over it (see ssh.h). libssh2 sessions
 * are not thread-safe, so after authentication one I/O thread owns the
 * session: the runner hands it jobs through a queue and a wake-up pipe,
 * and the thread runs a poll loop over the socket, the wake-up pipe and
 * every job's local pipe ends. libssh2 opens one channel at a time in
 * non-blocking mode, so jobs wait their turn to open, and at most
 * MAX_CHANNELS run at once (sshd's MaxSessions is 10 by default).
 */
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <libssh2.h>
#include "paude/backend/ssh.h"
#include "ssh-internal.h"
#include "paude/core/alloc.h"
#include "paude/core/log.h"
#include "core/banned.h"

#define MAX_CHANNELS 8
#define IO_BUF 32768
#define CONNECT_TIMEOUT_MS 15000
#define AUTH_TIMEOUT_MS 30000
/* The shell's status for "command not found", and so our check's. */
#define NOT_THERE 127
/* "paude-" and 16 hex digits: the line a command prints before it starts. */
#define MARK_LEN 22

enum job_state { J_WAIT, J_OPEN, J_EXEC, J_RUN, J_CLOSE, J_FREE, J_DONE };

struct io {
	char buf[IO_BUF];
	size_t off, len;
};

struct job {
	struct job *next;
	char *line; /* the remote command line */
	enum job_state state;
	LIBSSH2_CHANNEL *ch;
	int in, out, err; /* our ends; -1 once closed */
	bool close_in, close_out, close_err; /* false for inherited fds (0, 1, 2) */
	bool in_eof, eof_sent, out_done, err_done, discard_out, discard_err;
	struct io ibuf, obuf, ebuf;
	int status_fd; /* the stand-in reads the exit status from it */
	/* A terminal child (in == out, a terminal): a PTY channel. */
	bool tty, pty_asked, resize;
	/*
	 * Until the start mark has been seen on stdout, what comes is the
	 * remote login shell's (a banner of its rc files), not the command's:
	 * it is dropped. mark_seen: how much of the mark matched so far.
	 */
	bool before_mark;
	size_t mark_seen, dropped;
	struct winsize ws;
	struct termios saved; /* of the terminal, put back at the end */
	int winch_fd; /* a byte from the stand-in for each SIGWINCH; -1 if none */
	pid_t pid;
	int status;
	char *error; /* why it failed, for finish */
};

struct result {
	struct result *next;
	pid_t pid;
	char *error;
};

struct paude_ssh {
	struct paude_runner runner;
	LIBSSH2_SESSION *session;
	int sock;
	char *name; /* user@host:port */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	struct job *queue; /* handed over, not yet seen by the thread (lock) */
	struct result *results; /* failures of finished jobs (lock) */
	bool dead; /* the connection is gone (lock) */
	char *dead_why; /* (lock) */
	bool quit; /* (lock) */
	int wake[2];
	struct paude_strvec found; /* programs known to be there */
	char mark[MARK_LEN + 2]; /* the start mark and its newline */
	struct paude_ssh_files files; /* this machine's files copied there (ssh-files.c) */
	/* the thread's own */
	struct job *jobs;
};

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static const char *
ssh_errmsg(LIBSSH2_SESSION *s)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

/* ---- the command line ---- */

static bool
shell_name(const char *s, size_t n)
{
	if (!n || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/*
 * The line for c; with mark, it first prints that line on stdout (the end
 * of what the login shell printed before); with check, the shell first
 * looks for the program and exits with NOT_THERE, silently, when it finds
 * none (see ssh_finish).
 */
static int
command_line(struct paude_buf *out, const struct paude_child *c, bool check, const char *mark,
	     struct paude_error **err)
{
	if (!c->args.nr)
		PAUDE_BUG("remote child without argv");
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	for (size_t i = 0; i < c->env.nr; i++) {
		const char *kv = c->env.v[i];
		const char *eq = strchr(kv, '=');
		size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
		if (!shell_name(kv, n))
			return paude_error_set(
			    err, PAUDE_EUSAGE, 0,
			    "cannot pass environment variable '%.*s' to a remote "
			    "host (not a shell name)",
			    (int)n, kv);
		if (eq) {
			paude_buf_addf(&b, NULL, "export %.*s=", (int)n, kv);
			paude_buf_add_shell_quoted(&b, eq + 1);
			paude_buf_addstr(&b, "; ", NULL);
		} else {
			paude_buf_addf(&b, NULL, "unset %s; ", kv);
		}
	}
	if (mark)
		paude_buf_addf(&b, NULL, "echo %.*s; ", MARK_LEN, mark);
	if (check) {
		paude_buf_addstr(&b, "command -v ", NULL);
		paude_buf_add_shell_quoted(&b, c->args.v[0]);
		paude_buf_addf(&b, NULL, " >/dev/null 2>&1 || exit %d; ", NOT_THERE);
	}
	paude_buf_addstr(&b, "exec ", NULL);
	paude_quote_argv(&b, (const char *const *)c->args.v);
	paude_buf_addstr(out, b.buf, NULL);
	return 0;
}

int
paude_ssh_command_line(struct paude_buf *out, const struct paude_child *c, struct paude_error **err)
{
	return command_line(out, c, false, NULL, err);
}

/* ---- connecting ---- */

static int
tcp_connect(const struct paude_ssh_target *t, int *out, struct paude_error **err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	char port[8];
	(void)snprintf(port, sizeof(port), "%u", t->port);
	int g = getaddrinfo(t->hostname, port, &hints, &res);
	if (g != 0)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "cannot resolve host '%s': %s",
				       t->hostname, gai_strerror(g));
	int last = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				a->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		int r = connect(fd, a->ai_addr, a->ai_addrlen);
		if (r < 0 && errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int pr;
			do
				pr = poll(&p, 1, CONNECT_TIMEOUT_MS);
			while (pr < 0 && errno == EINTR);
			int so = 0;
			socklen_t sl = sizeof(so);
			if (pr == 0)
				so = ETIMEDOUT;
			else if (pr < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) < 0)
				so = errno;
			r = so ? -1 : 0;
			errno = so;
		}
		if (r == 0) {
			int one = 1, idle = 30, intvl = 10, cnt = 3;
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			/*
			 * A host that vanishes without a word (a VM gone, a cable
			 * pulled) is found within about a minute: the socket fails,
			 * and so every command on it, rather than hanging.
			 */
			(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
			(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
			(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
			(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
			int fl = fcntl(fd, F_GETFL);
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
			freeaddrinfo(res);
			*out = fd;
			return 0;
		}
		last = errno;
		close(fd);
	}
	freeaddrinfo(res);
	return paude_error_errno(err, last, "cannot connect to '%s' port %u", t->hostname, t->port);
}

/* Whether a private key file is protected by a passphrase. */
static bool
key_is_encrypted(const char *path)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	paude_buf_init(&b, 1 << 20);
	if (paude_buf_read_file(&b, path, NULL) < 0)
		return false;
	if (strstr(b.buf, "ENCRYPTED"))
		return true;
	const char *begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
	const char *p = strstr(b.buf, begin);
	if (!p)
		return false;
	p += strlen(begin);
	/* "openssh-key-v1\0" then the cipher name, a string: decode enough base64. */
	unsigned char raw[64];
	size_t n = 0;
	unsigned v = 0, bits = 0;
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (; *p && n < sizeof(raw); p++) {
		const char *q = strchr(tab, *p);
		if (!q || !*p)
			continue;
		v = v << 6 | (unsigned)(q - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (unsigned char)(v >> bits);
		}
	}
	if (n < 15 + 4 + 4 || memcmp(raw, "openssh-key-v1", 15) != 0)
		return false;
	size_t len = (size_t)raw[15] << 24 | (size_t)raw[16] << 16 | (size_t)raw[17] << 8 | raw[18];
	return !(len == 4 && n >= 23 && !memcmp(raw + 19, "none", 4));
}

/* Ask for a passphrase on /dev/tty with echo off; false without a terminal. */
static bool
ask_passphrase(const char *path, char *buf, size_t n)
{
	_cleanup_close_ int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	struct termios saved, quiet;
	if (tcgetattr(fd, &saved) < 0)
		return false;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	_cleanup_free_ char *prompt = paude_xasprintf("Enter passphrase for key '%s': ", path);
	if (write(fd, prompt, strlen(prompt)) < 0)
		return false;
	(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	size_t len = 0;
	bool ok = true;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = len > 0;
			break;
		}
		if (ch == '\n' || ch == '\r')
			break;
		if (len + 1 < n)
			buf[len++] = ch;
	}
	buf[len] = 0;
	(void)tcsetattr(fd, TCSAFLUSH, &saved);
	if (write(fd, "\n", 1) < 0) {
		/* the prompt's line ends anyway */
	}
	return ok;
}

static int
auth_agent(struct paude_ssh *s, const char *user, struct paude_buf *tried)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	if (!sock || !*sock)
		return -1;
	LIBSSH2_AGENT *agent = libssh2_agent_init(s->session);
	if (!agent)
		return -1;
	int ok = -1, n = 0;
	if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
		struct libssh2_agent_publickey *id = NULL, *prev = NULL;
		while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
			n++;
			if (libssh2_agent_userauth(agent, user, id) == 0) {
				ok = 0;
				break;
			}
			prev = id;
		}
		(void)libssh2_agent_disconnect(agent);
		paude_buf_addf(tried, NULL, "%sssh-agent (%d key%s)", tried->len ? ", " : "", n,
			       n == 1 ? "" : "s");
	} else {
		paude_buf_addf(tried, NULL, "%sssh-agent (not reachable)", tried->len ? ", " : "");
	}
	libssh2_agent_free(agent);
	return ok;
}

static int
auth_file(struct paude_ssh *s, const char *user, const char *path, struct paude_buf *tried)
{
	if (access(path, R_OK) < 0)
		return -1;
	char pass[1024] = "";
	if (key_is_encrypted(path) && !ask_passphrase(path, pass, sizeof(pass))) {
		paude_buf_addf(tried, NULL, "%s%s (has a passphrase, and no terminal to ask it on)",
			       tried->len ? ", " : "", path);
		return -1;
	}
	_cleanup_free_ char *pub = paude_xasprintf("%s.pub", path);
	int r =
	    libssh2_userauth_publickey_fromfile_ex(s->session, user, (unsigned)strlen(user),
						   access(pub, R_OK) == 0 ? pub : NULL, path, pass);
	explicit_bzero(pass, sizeof(pass));
	paude_buf_addf(tried, NULL, "%s%s", tried->len ? ", " : "", path);
	if (r != 0)
		paude_debug("ssh: key '%s' not accepted: %s", path, ssh_errmsg(s->session));
	return r == 0 ? 0 : -1;
}

static int
authenticate(struct paude_ssh *s, const struct paude_ssh_target *t, struct paude_error **err)
{
	const char *user = t->user;
	char *methods = libssh2_userauth_list(s->session, user, (unsigned)strlen(user));
	if (!methods) {
		if (libssh2_userauth_authenticated(s->session))
			return 0;
		return paude_error_set(err, PAUDE_EGENERIC, 0, "cannot log in to '%s': %s", s->name,
				       ssh_errmsg(s->session));
	}
	if (!strstr(methods, "publickey"))
		return paude_error_set(err, PAUDE_EGENERIC, 0,
				       "cannot log in to '%s': it does not accept public keys "
				       "(it offers: %s), and paude logs in with keys only",
				       s->name, methods);
	_cleanup_buf_ struct paude_buf tried = PAUDE_BUF_INIT;
	if (auth_agent(s, user, &tried) == 0)
		return 0;
	if (t->identity_given) {
		for (size_t i = 0; i < t->identity_files.nr; i++)
			if (auth_file(s, user, t->identity_files.v[i], &tried) == 0)
				return 0;
	} else {
		const char *home = getenv("HOME");
		static const char *const defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
		for (size_t i = 0; home && i < ARRAY_SIZE(defaults); i++) {
			_cleanup_free_ char *p = paude_xasprintf("%s/.ssh/%s", home, defaults[i]);
			if (auth_file(s, user, p, &tried) == 0)
				return 0;
		}
	}
	return paude_error_set(err, PAUDE_EGENERIC, 0,
			       "cannot log in to '%s': no key was accepted (tried: %s) (load your "
			       "key with ssh-add, or add its public key to ~/.ssh/authorized_keys "
			       "of '%s' on the host)",
			       s->name, tried.len ? tried.buf : "no ssh-agent and no key files",
			       t->user);
}

/*
 * The start mark of this connection's commands: unlikely in any banner, no
 * secret (the remote user's own rc files print the banners it ends).
 */
static void
make_mark(char mark[MARK_LEN + 2])
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid();
	}
	(void)snprintf(mark, MARK_LEN + 2, "paude-%016llx\n", (unsigned long long)v);
}

static void *io_main(void *arg);
static const struct paude_runner_ops ssh_ops;

int
paude_ssh_connect(struct paude_ssh **out, const struct paude_ssh_target *t,
		  struct paude_error **err)
{
	struct paude_ssh *s = paude_xcalloc(1, sizeof(*s));
	s->sock = -1;
	s->wake[0] = s->wake[1] = -1;
	paude_strvec_init(&s->found);
	pthread_mutex_init(&s->lock, NULL);
	s->runner.ops = &ssh_ops;
	s->runner.ctx = s;
	s->name = t->port == 22 ? paude_xasprintf("%s@%s", t->user, t->hostname)
				: paude_xasprintf("%s@%s:%u", t->user, t->hostname, t->port);
	make_mark(s->mark);
	int r = 0;
	if (libssh2_init(0) != 0) {
		r = paude_error_set(err, PAUDE_EGENERIC, 0, "cannot initialise libssh2");
		goto fail;
	}
	if ((r = tcp_connect(t, &s->sock, err)) < 0)
		goto fail;
	s->session = libssh2_session_init();
	if (!s->session) {
		r = paude_error_set(err, PAUDE_EGENERIC, 0, "cannot initialise libssh2");
		goto fail;
	}
	libssh2_session_set_blocking(s->session, 1);
	libssh2_session_set_timeout(s->session, AUTH_TIMEOUT_MS);
	if (libssh2_session_handshake(s->session, s->sock) != 0) {
		r = paude_error_set(err, PAUDE_EGENERIC, 0, "SSH handshake with '%s' failed: %s",
				    s->name, ssh_errmsg(s->session));
		goto fail;
	}
	size_t klen = 0;
	int ktype = 0;
	const char *key = libssh2_session_hostkey(s->session, &klen, &ktype);
	if (!key) {
		r = paude_error_set(err, PAUDE_EPROTO, 0, "host '%s' sent no host key", s->name);
		goto fail;
	}
	if ((r = paude_ssh_known_hosts_check(&t->known_hosts, t->hostname, t->port,
					     (const unsigned char *)key, klen, err)) < 0)
		goto fail;
	if ((r = authenticate(s, t, err)) < 0)
		goto fail;
	paude_debug("ssh: logged in to '%s'", s->name);
	libssh2_session_set_timeout(s->session, 0);
	libssh2_session_set_blocking(s->session, 0);
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = paude_error_errno(err, errno, "cannot create pipe");
		goto fail;
	}
	if (set_nonblock(s->sock) < 0) {
		r = paude_error_errno(err, errno, "cannot set up the connection to '%s'", s->name);
		goto fail;
	}
	/* The thread takes no signals: they stay with the threads that handle them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int pe = pthread_create(&s->thread, NULL, io_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pe != 0) {
		r = paude_error_errno(err, pe, "cannot start the SSH thread");
		goto fail;
	}
	s->thread_started = true;
	*out = s;
	return 0;
fail:
	paude_ssh_free(s);
	return r;
}

const char *
paude_ssh_name(const struct paude_ssh *s)
{
	return s->name;
}

struct paude_runner *
paude_ssh_runner(struct paude_ssh *s)
{
	return &s->runner;
}

static void
wake(struct paude_ssh *s)
{
	char c = 1;
	if (write(s->wake[1], &c, 1) < 0) {
		/* full: the thread is awake anyway */
	}
}

static void
job_free(struct job *j)
{
	free(j->line);
	free(j->error);
	free(j);
}

void
paude_ssh_free(struct paude_ssh *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		pthread_mutex_lock(&s->lock);
		bool connected = !s->dead;
		pthread_mutex_unlock(&s->lock);
		paude_ssh__files_release(s, connected);
		pthread_mutex_lock(&s->lock);
		s->quit = true;
		pthread_mutex_unlock(&s->lock);
		wake(s);
		pthread_join(s->thread, NULL);
	}
	if (s->session) {
		libssh2_session_set_blocking(s->session, 1);
		libssh2_session_set_timeout(s->session, 2000);
		if (!s->dead)
			(void)libssh2_session_disconnect(s->session, "paude is done");
		libssh2_session_free(s->session);
	}
	if (s->sock >= 0)
		close(s->sock);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	while (s->queue) {
		struct job *j = s->queue;
		s->queue = j->next;
		job_free(j);
	}
	while (s->results) {
		struct result *x = s->results;
		s->results = x->next;
		free(x->error);
		free(x);
	}
	paude_strvec_clear(&s->found);
	pthread_mutex_destroy(&s->lock);
	free(s->dead_why);
	free(s->name);
	free(s);
}

/* ---- the I/O thread ---- */

static void
job_close_fds(struct job *j)
{
	if (j->tty && j->in >= 0)
		(void)tcsetattr(j->in, TCSANOW, &j->saved);
	if (j->winch_fd >= 0)
		close(j->winch_fd);
	j->winch_fd = -1;
	if (j->in >= 0 && j->close_in)
		close(j->in);
	if (j->out >= 0 && j->close_out)
		close(j->out);
	if (j->err >= 0 && j->close_err)
		close(j->err);
	j->in = j->out = j->err = -1;
}

/* The job is over: tell its stand-in, keep a failure for finish, free it. */
static void
job_end(struct paude_ssh *s, struct job *j, int status, const char *why)
{
	job_close_fds(j);
	if (j->ch) {
		libssh2_channel_free(j->ch);
		j->ch = NULL;
	}
	if (why) {
		struct result *x = paude_xcalloc(1, sizeof(*x));
		x->pid = j->pid;
		x->error = paude_xstrdup(why);
		pthread_mutex_lock(&s->lock);
		x->next = s->results;
		s->results = x;
		pthread_mutex_unlock(&s->lock);
	}
	if (j->status_fd >= 0) {
		unsigned char b = (unsigned char)status;
		if (write(j->status_fd, &b, 1) < 0) {
			/* the stand-in is gone: nobody waits for this status */
		}
		close(j->status_fd);
		j->status_fd = -1;
	}
	j->state = J_DONE;
}

static bool
fatal_rc(int rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_RECV ||
	       rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
	       rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_DECRYPT ||
	       rc == LIBSSH2_ERROR_KEX_FAILURE || rc == LIBSSH2_ERROR_PROTO;
}

static void
connection_lost(struct paude_ssh *s, const char *why)
{
	_cleanup_free_ char *msg = paude_xasprintf(
	    "connection to '%s' lost: %s (the remote command's result is unknown)", s->name, why);
	pthread_mutex_lock(&s->lock);
	s->dead = true;
	if (!s->dead_why)
		s->dead_why = paude_xstrdup(msg);
	pthread_mutex_unlock(&s->lock);
	for (struct job *j = s->jobs; j; j = j->next)
		if (j->state != J_DONE) {
			j->ch = NULL; /* freed with the session */
			job_end(s, j, 255, msg);
		}
}

/* A failed libssh2 call on j: the job fails, or all of them if the connection broke. */
static void
job_fail(struct paude_ssh *s, struct job *j, int rc, const char *what)
{
	_cleanup_free_ char *why = paude_xasprintf("%s: %s", what, ssh_errmsg(s->session));
	if (fatal_rc(rc)) {
		connection_lost(s, why);
		return;
	}
	_cleanup_free_ char *msg =
	    paude_xasprintf("remote command on '%s' failed: %s", s->name, why);
	job_end(s, j, 255, msg);
}

/* Write out what io holds to fd; false when fd is gone (then it is discarded). */
static bool
flush_local(int fd, struct io *io, bool *progress)
{
	while (io->len) {
		ssize_t w = write(fd, io->buf + io->off, io->len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (w <= 0) {
			io->off = io->len = 0;
			return false;
		}
		io->off += (size_t)w;
		io->len -= (size_t)w;
		*progress = true;
	}
	io->off = 0;
	return true;
}

/*
 * How many bytes of buf (stdout, before the mark) are the login shell's:
 * up to and including the mark. Its first character, 'p', is nowhere else
 * in it, so a mismatch restarts the match at most at the byte itself.
 */
static size_t
skip_to_mark(const struct paude_ssh *s, struct job *j, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == s->mark[j->mark_seen])
			j->mark_seen++;
		else
			j->mark_seen = buf[i] == s->mark[0] ? 1 : 0;
		if (j->mark_seen == MARK_LEN + 1) {
			j->before_mark = false;
			size_t banner = j->dropped + i + 1 - (MARK_LEN + 1);
			if (banner)
				paude_debug(
				    "ssh: %zu byte(s) before the command's output dropped (a "
				    "banner of the remote shell)",
				    banner);
			return i + 1;
		}
	}
	j->dropped += n;
	return n;
}

/* Move data from the channel's stream to its local fd. 1: more may come. */
static int
pump_out(struct paude_ssh *s, struct job *j, int stream, bool *progress)
{
	struct io *io = stream ? &j->ebuf : &j->obuf;
	int *fd = stream ? &j->err : &j->out;
	bool *discard = stream ? &j->discard_err : &j->discard_out;
	bool close_it = stream ? j->close_err : j->close_out;
	for (;;) {
		if (io->len && !*discard) {
			if (!flush_local(*fd, io, progress)) {
				*discard = true;
			} else if (io->len) {
				return 1; /* the reader is slow: leave the rest in the window */
			}
		}
		io->off = io->len = 0;
		ssize_t n = libssh2_channel_read_ex(j->ch, stream, io->buf, sizeof(io->buf));
		if (n == LIBSSH2_ERROR_EAGAIN)
			return 1;
		if (n < 0) {
			job_fail(s, j, (int)n, "reading from the remote command");
			return -1;
		}
		if (n == 0) {
			if (!libssh2_channel_eof(j->ch))
				return 1;
			if (*fd >= 0 && close_it)
				close(*fd);
			*fd = -1;
			return 0;
		}
		*progress = true;
		if (!stream && j->before_mark) {
			size_t k = skip_to_mark(s, j, io->buf, (size_t)n);
			memmove(io->buf, io->buf + k, (size_t)n - k);
			n -= (ssize_t)k;
		}
		if (*fd < 0 || *discard || n == 0)
			continue;
		io->len = (size_t)n;
	}
}

static void
pump_in(struct paude_ssh *s, struct job *j, bool *progress)
{
	for (;;) {
		if (j->ibuf.len) {
			ssize_t w = libssh2_channel_write_ex(j->ch, 0, j->ibuf.buf + j->ibuf.off,
							     j->ibuf.len);
			if (w == LIBSSH2_ERROR_EAGAIN)
				return;
			if (w < 0) {
				if (w == LIBSSH2_ERROR_CHANNEL_EOF_SENT ||
				    w == LIBSSH2_ERROR_CHANNEL_CLOSED) {
					/* The remote end stopped reading: drop the rest. */
					j->ibuf.len = 0;
					j->in_eof = true;
					continue;
				}
				job_fail(s, j, (int)w, "writing to the remote command");
				return;
			}
			j->ibuf.off += (size_t)w;
			j->ibuf.len -= (size_t)w;
			*progress = true;
			continue;
		}
		j->ibuf.off = 0;
		if (j->in_eof) {
			if (j->eof_sent)
				return;
			int rc = libssh2_channel_send_eof(j->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return;
			if (rc < 0 && fatal_rc(rc)) {
				job_fail(s, j, rc, "closing the remote command's input");
				return;
			}
			j->eof_sent = true;
			*progress = true;
			if (j->in >= 0 && j->close_in)
				close(j->in);
			j->in = -1;
			return;
		}
		/*
		 * Only when there is something to read: a caller's fd (our
		 * stdin, a terminal) may block, and the thread must not.
		 */
		struct pollfd ready = { .fd = j->in, .events = POLLIN };
		int pr = poll(&ready, 1, 0);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			return;
		ssize_t n = read(j->in, j->ibuf.buf, sizeof(j->ibuf.buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			j->in_eof = true;
		} else {
			j->ibuf.len = (size_t)n;
		}
		*progress = true;
	}
}

/* The exit status: the code, or 128+N for a signal (as the local runner reports it). */
static int
exit_status(struct paude_ssh *s, LIBSSH2_CHANNEL *ch)
{
	char *sig = NULL;
	size_t siglen = 0;
	if (libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL, NULL) == 0 &&
	    sig) {
		static const struct {
			const char *name;
			int num;
		} sigs[] = { { "HUP", SIGHUP },   { "INT", SIGINT },   { "QUIT", SIGQUIT },
			     { "ILL", SIGILL },   { "ABRT", SIGABRT }, { "FPE", SIGFPE },
			     { "KILL", SIGKILL }, { "SEGV", SIGSEGV }, { "PIPE", SIGPIPE },
			     { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
			     { "USR2", SIGUSR2 } };
		int num = 0;
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			if (strlen(sigs[i].name) == siglen && !memcmp(sig, sigs[i].name, siglen))
				num = sigs[i].num;
		libssh2_free(s->session, sig);
		return num ? 128 + num : 255;
	}
	return libssh2_channel_get_exit_status(ch);
}

/*
 * A terminal job whose stand-in got SIGWINCH: the new size of the local
 * terminal goes to the remote one. False when the job failed.
 */
static bool
pass_resize(struct paude_ssh *s, struct job *j, bool *progress)
{
	char drain[64];
	ssize_t n;
	while (j->winch_fd >= 0 && (n = read(j->winch_fd, drain, sizeof(drain))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		j->resize = true;
	}
	if (!j->resize)
		return true;
	struct winsize ws;
	if (j->in < 0 || ioctl(j->in, TIOCGWINSZ, &ws) < 0 || !ws.ws_col || !ws.ws_row) {
		j->resize = false;
		return true;
	}
	int rc = libssh2_channel_request_pty_size_ex(j->ch, ws.ws_col, ws.ws_row, 0, 0);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return true;
	if (rc < 0 && fatal_rc(rc)) {
		job_fail(s, j, rc, "passing on the terminal's size");
		return false;
	}
	j->resize = false;
	j->ws = ws;
	*progress = true;
	return true;
}

/* Advance one job as far as it goes without blocking. */
static void
step(struct paude_ssh *s, struct job *j, bool *opening, int *running, bool *progress)
{
	int rc;
	switch (j->state) {
	case J_WAIT:
		if (*opening || *running >= MAX_CHANNELS)
			return;
		j->state = J_OPEN;
		(*running)++;
		_fallthrough_;
	case J_OPEN:
		j->ch = libssh2_channel_open_session(s->session);
		if (!j->ch) {
			rc = libssh2_session_last_errno(s->session);
			if (rc == LIBSSH2_ERROR_EAGAIN) {
				*opening = true;
				return;
			}
			job_fail(s, j, rc, "opening a channel");
			return;
		}
		*progress = true;
		j->state = J_EXEC;
		_fallthrough_;
	case J_EXEC:
		if (j->tty && !j->pty_asked) {
			/* The remote command gets a terminal of the local one's size. */
			rc = libssh2_channel_request_pty_ex(j->ch, "xterm", 5, NULL, 0,
							    j->ws.ws_col ? j->ws.ws_col : 80,
							    j->ws.ws_row ? j->ws.ws_row : 24, 0, 0);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return;
			if (rc < 0) {
				job_fail(s, j, rc, "asking for a terminal");
				return;
			}
			j->pty_asked = true;
		}
		rc = libssh2_channel_exec(j->ch, j->line);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		if (rc < 0) {
			job_fail(s, j, rc, "starting the remote command");
			return;
		}
		paude_log(PAUDE_LOG_TRACE, "ssh: channel started: %s", j->line);
		*progress = true;
		j->state = J_RUN;
		_fallthrough_;
	case J_RUN:
		if (j->tty && !pass_resize(s, j, progress))
			return;
		if (j->in >= 0 || (j->in_eof && !j->eof_sent))
			pump_in(s, j, progress);
		if (j->state != J_RUN)
			return;
		if (!j->out_done) {
			rc = pump_out(s, j, 0, progress);
			if (rc < 0)
				return;
			j->out_done = rc == 0;
		}
		if (!j->err_done) {
			rc = pump_out(s, j, 1, progress);
			if (rc < 0)
				return;
			j->err_done = rc == 0;
		}
		if (!j->out_done || !j->err_done)
			return;
		j->state = J_CLOSE;
		*progress = true;
		_fallthrough_;
	case J_CLOSE:
		rc = libssh2_channel_close(j->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		if (rc < 0 && fatal_rc(rc)) {
			job_fail(s, j, rc, "closing the channel");
			return;
		}
		rc = libssh2_channel_wait_closed(j->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		j->status = exit_status(s, j->ch);
		j->state = J_FREE;
		*progress = true;
		_fallthrough_;
	case J_FREE:
		rc = libssh2_channel_free(j->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		j->ch = NULL;
		paude_log(PAUDE_LOG_TRACE, "ssh: remote command exited with status %d", j->status);
		job_end(s, j, j->status, NULL);
		*progress = true;
		return;
	case J_DONE:
		return;
	}
}

/* The stand-in of j was killed: end the remote command by closing its channel. */
static void
abandon(struct paude_ssh *s, struct job *j)
{
	paude_debug("ssh: the caller let go of a remote command: closing its channel");
	if (j->ch) {
		/* best effort, without waiting: sshd hangs up on the command */
		(void)libssh2_channel_close(j->ch);
	}
	job_end(s, j, 255, NULL);
}

static void *
io_main(void *arg)
{
	struct paude_ssh *s = arg;
	struct pollfd *pfd = NULL;
	size_t pcap = 0;
	for (;;) {
		pthread_mutex_lock(&s->lock);
		bool quit = s->quit, dead = s->dead;
		struct job **tail = &s->jobs;
		while (*tail)
			tail = &(*tail)->next;
		/* The queue is newest first: reverse it onto the tail. */
		struct job *rev = NULL;
		while (s->queue) {
			struct job *j = s->queue;
			s->queue = j->next;
			j->next = rev;
			rev = j;
		}
		*tail = rev;
		pthread_mutex_unlock(&s->lock);
		if (quit)
			break;
		if (dead) {
			connection_lost(s, "it broke earlier");
		}
		/* Work until nothing moves, then sleep in poll. */
		bool progress = true;
		while (progress && !s->dead) {
			progress = false;
			bool opening = false;
			int running = 0;
			for (struct job *j = s->jobs; j; j = j->next) {
				if (j->state >= J_OPEN && j->state < J_DONE)
					running++;
				if (j->state == J_OPEN)
					opening = true;
			}
			for (struct job *j = s->jobs; j && !s->dead; j = j->next)
				step(s, j, &opening, &running, &progress);
		}
		/* Drop finished jobs. */
		for (struct job **pp = &s->jobs; *pp;) {
			if ((*pp)->state == J_DONE) {
				struct job *d = *pp;
				*pp = d->next;
				job_free(d);
			} else {
				pp = &(*pp)->next;
			}
		}
		size_t n = 0;
		bool reading = false;
		for (struct job *j = s->jobs; j; j = j->next) {
			n += 5;
			reading |= j->state != J_WAIT && j->state != J_DONE;
		}
		if (n + 2 > pcap) {
			pcap = n + 16;
			pfd = paude_xrealloc(pfd, pcap, sizeof(*pfd));
		}
		size_t k = 0;
		pfd[k++] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		short sev = POLLIN;
		if (!s->dead &&
		    (libssh2_session_block_directions(s->session) & LIBSSH2_SESSION_BLOCK_OUTBOUND))
			sev |= POLLOUT;
		/*
		 * The socket only while a channel is open: with none, nothing
		 * would read what arrives, and poll would spin. A broken
		 * connection is then found by the next command.
		 */
		pfd[k++] =
		    (struct pollfd){ .fd = s->dead || !reading ? -1 : s->sock, .events = sev };
		for (struct job *j = s->jobs; j; j = j->next) {
			bool run = j->state == J_RUN;
			pfd[k++] = (struct pollfd){
				.fd = run && j->in >= 0 && !j->in_eof && !j->ibuf.len ? j->in : -1,
				.events = POLLIN
			};
			pfd[k++] =
			    (struct pollfd){ .fd = run && j->obuf.len && !j->discard_out ? j->out
											 : -1,
					     .events = POLLOUT };
			pfd[k++] =
			    (struct pollfd){ .fd = run && j->ebuf.len && !j->discard_err ? j->err
											 : -1,
					     .events = POLLOUT };
			pfd[k++] = (struct pollfd){ .fd = j->status_fd, .events = 0 };
			pfd[k++] =
			    (struct pollfd){ .fd = run ? j->winch_fd : -1, .events = POLLIN };
		}
		int pr = poll(pfd, k, -1);
		if (pr < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			char drain[64];
			while (read(s->wake[0], drain, sizeof(drain)) > 0)
				;
		}
		k = 2;
		for (struct job *j = s->jobs; j; j = j->next, k += 5)
			if (pfd[k + 3].revents & (POLLERR | POLLHUP))
				abandon(s, j);
	}
	free(pfd);
	for (struct job *j = s->jobs; j;) {
		struct job *next = j->next;
		if (j->state != J_DONE) {
			if (j->ch)
				(void)libssh2_channel_free(j->ch);
			j->ch = NULL;
			job_end(s, j, 255, "the SSH connection was closed");
		}
		job_free(j);
		j = next;
	}
	s->jobs = NULL;
	return NULL;
}

/* ---- the runner ---- */

/* The stand-in's SIGWINCH: tell the I/O thread (fd 4), which passes the size on. */
static void
stand_in_winch(int sig)
{
	(void)sig;
	int saved = errno;
	char c = 1;
	if (write(4, &c, 1) < 0) {
		/* full: a resize is pending anyway */
	}
	errno = saved;
}

/*
 * The stand-in: exits with the status byte it is sent (255 if none). With
 * winch_w >= 0 (a terminal job), a SIGWINCH sent to it, as to a local
 * child on a pty, is passed on to the I/O thread.
 */
static pid_t
fork_stand_in(int status_r, int winch_w)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/*
	 * Only async-signal-safe calls: the parent has threads. Signals act
	 * on it as on an exec'd child: Ctrl-C ends it (and so the command).
	 */
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		(void)sigaction(sigs[i], &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* Out of the way first: either may be 3 or 4. */
	int st = fcntl(status_r, F_DUPFD, 10);
	int wi = winch_w >= 0 ? fcntl(winch_w, F_DUPFD, 10) : -1;
	if (st < 0 || dup2(st, 3) < 0 || (wi >= 0 && dup2(wi, 4) < 0))
		_exit(255);
	(void)close_range(0, 2, 0);
	int first = wi >= 0 ? 5 : 4;
	if (close_range((unsigned)first, ~0U, 0) < 0)
		for (int fd = first; fd < 4096; fd++)
			(void)close(fd);
	if (wi >= 0) {
		struct sigaction sa = { .sa_handler = stand_in_winch };
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGWINCH, &sa, NULL);
	}
	unsigned char b = 255;
	ssize_t n;
	do
		n = read(3, &b, 1);
	while (n < 0 && errno == EINTR);
	_exit(n == 1 ? b : 255);
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static bool
terminal_child(const struct paude_child *c)
{
	return c->in > 0 && c->out == c->in && isatty(c->in);
}

/* Start a job for `line` with c's stdio contract (run.h); marked: it prints s->mark first. */
static int
start_line(struct paude_ssh *s, struct paude_child *c, const char *line, bool marked,
	   struct paude_error **err)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, pst[2] = { -1, -1 };
	int pwi[2] = { -1, -1 };
	int r = 0;
	/* One terminal for stdin and stdout (a pty's other end, as attach gives). */
	bool tty = terminal_child(c);
	pthread_mutex_lock(&s->lock);
	bool dead = s->dead;
	_cleanup_free_ char *why = s->dead_why ? paude_xstrdup(s->dead_why) : NULL;
	pthread_mutex_unlock(&s->lock);
	if (dead) {
		r = paude_error_set(err, PAUDE_EGENERIC, 0, "%s",
				    why ? why : "the SSH connection is gone");
		goto fail;
	}
	if ((c->in < 0 && !c->no_stdin && pipe2(pin, O_CLOEXEC) < 0) ||
	    (c->out < 0 && !c->no_stdout && pipe2(pout, O_CLOEXEC) < 0) ||
	    (c->err < 0 && !c->no_stderr && pipe2(perr, O_CLOEXEC) < 0) ||
	    pipe2(pst, O_CLOEXEC) < 0 || (tty && pipe2(pwi, O_CLOEXEC | O_NONBLOCK) < 0)) {
		r = paude_error_errno(err, errno, "cannot create pipe");
		goto fail;
	}
	struct job *j = paude_xcalloc(1, sizeof(*j));
	j->line = paude_xstrdup(line);
	j->before_mark = marked;
	j->in = j->out = j->err = -1;
	j->winch_fd = -1;
	if (tty) {
		/*
		 * The remote end is the terminal now, as for a local child on a
		 * pty: ours passes bytes as they are (put back at the end), at
		 * the remote terminal's size, and never blocks the thread.
		 */
		j->tty = true;
		if (ioctl(c->in, TIOCGWINSZ, &j->ws) < 0)
			memset(&j->ws, 0, sizeof(j->ws));
		if (tcgetattr(c->in, &j->saved) == 0) {
			struct termios raw = j->saved;
			cfmakeraw(&raw);
			(void)tcsetattr(c->in, TCSANOW, &raw);
		} else {
			j->tty = false;
		}
		(void)set_nonblock(c->in);
	}
	/* stdin: a pipe of ours, the caller's fd, ours (inherited), or none */
	if (c->no_stdin) {
		j->in_eof = true;
	} else if (c->in < 0) {
		j->in = pin[0];
		pin[0] = -1;
		j->close_in = true;
	} else if (c->in > 0) {
		j->in = c->in;
		j->close_in = true;
	} else {
		j->in = STDIN_FILENO;
	}
	if (c->no_stdout) {
		j->discard_out = true;
	} else if (c->out < 0) {
		j->out = pout[1];
		pout[1] = -1;
		j->close_out = true;
	} else if (c->out > 0) {
		j->out = c->out == c->in ? dup(c->out) : c->out;
		j->close_out = true;
	} else {
		j->out = STDOUT_FILENO;
	}
	if (c->no_stderr) {
		j->discard_err = true;
	} else if (c->err < 0) {
		j->err = perr[1];
		perr[1] = -1;
		j->close_err = true;
	} else if (c->err > 0) {
		j->err = (c->err == c->in || c->err == c->out) ? dup(c->err) : c->err;
		j->close_err = true;
	} else {
		j->err = STDERR_FILENO;
	}
	/* Our own pipe ends do not block the thread; the caller's fds stay as they are. */
	if (pin[1] >= 0)
		(void)set_nonblock(j->in);
	if (pout[0] >= 0)
		(void)set_nonblock(j->out);
	if (perr[0] >= 0)
		(void)set_nonblock(j->err);
	(void)fflush(NULL);
	pid_t pid = fork_stand_in(pst[0], pwi[1]);
	if (pid < 0) {
		r = paude_error_errno(err, errno, "cannot fork");
		if (j->tty)
			(void)tcsetattr(c->in, TCSANOW, &j->saved);
		if (j->close_in && c->in <= 0 && j->in >= 0)
			close(j->in);
		if (j->close_out && c->out <= 0 && j->out >= 0)
			close(j->out);
		if (j->close_err && c->err <= 0 && j->err >= 0)
			close(j->err);
		job_free(j);
		goto fail;
	}
	close(pst[0]);
	j->status_fd = pst[1];
	if (pwi[0] >= 0) {
		j->winch_fd = pwi[0];
		pwi[0] = -1;
		close(pwi[1]);
		pwi[1] = -1;
	}
	j->pid = pid;
	c->pid = pid;
	if (c->in < 0) {
		c->in = pin[1];
		pin[1] = -1;
	}
	if (c->out < 0) {
		c->out = pout[0];
		pout[0] = -1;
	}
	if (c->err < 0) {
		c->err = perr[0];
		perr[0] = -1;
	}
	if (c->no_stdin && c->in > 0)
		close(c->in);
	pthread_mutex_lock(&s->lock);
	j->next = s->queue;
	s->queue = j;
	pthread_mutex_unlock(&s->lock);
	wake(s);
	return 0;
fail:
	close_pair(pin);
	close_pair(pout);
	close_pair(perr);
	close_pair(pst);
	close_pair(pwi);
	if (c->in > 0)
		close(c->in);
	if (c->out > 0 && c->out != c->in)
		close(c->out);
	if (c->err > 0 && c->err != c->in && c->err != c->out)
		close(c->err);
	return r;
}

static int ssh_finish(void *ctx, struct paude_child *c, int *ret_status, struct paude_error **err);

/*
 * Whether the remote shell finds prog, in a channel of its own: asked only
 * when a command that looked for it first exited with NOT_THERE, which a
 * program that is there may also return (podman exec does, for a command
 * missing in the container).
 */
static int
check_program(struct paude_ssh *s, const char *prog, struct paude_error **err)
{
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	paude_buf_addstr(&line, "command -v ", NULL);
	paude_buf_add_shell_quoted(&line, prog);
	paude_buf_addstr(&line, " >/dev/null 2>&1", NULL);
	struct paude_child c;
	paude_child_init(&c);
	c.no_stdin = c.no_stdout = c.no_stderr = 1;
	int r = start_line(s, &c, line.buf, false, err);
	int status = 0;
	if (r == 0)
		r = ssh_finish(s, &c, &status, err);
	paude_child_release(&c);
	if (r < 0)
		return r;
	if (status != 0)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				       "'%s' not found on '%s' (is it installed there, and on the "
				       "PATH of a non-interactive shell of that user?)",
				       prog, s->name);
	paude_strvec_push(&s->found, prog);
	return 0;
}

static int
ssh_start(void *ctx, struct paude_child *c, struct paude_error **err)
{
	struct paude_ssh *s = ctx;
	int r = 0;
	_cleanup_buf_ struct paude_buf line = PAUDE_BUF_INIT;
	if (!c->args.nr)
		PAUDE_BUG("child without argv");
	if (c->dir)
		r = paude_error_set(err, PAUDE_ENOTSUP, 0,
				    "cannot run '%s' in a local directory on remote host '%s'",
				    c->args.v[0], s->name);
	/*
	 * Before the first use of a program the command looks for it itself:
	 * no round trip of its own (each channel costs the remote user's
	 * shell start-up); ssh_finish tells "not there" from the program's
	 * own NOT_THERE.
	 */
	bool check = paude_strvec_find(&s->found, c->args.v[0]) < 0;
	/*
	 * A login shell may print a banner before it runs the command (an
	 * echo in ~/.bashrc, which bash reads for sshd): the command says
	 * where its own output starts, and what comes before is dropped, so
	 * no banner gets into git's protocol or podman's JSON. Not on a
	 * terminal, where the banner is shown as OpenSSH shows it.
	 */
	const char *mark = terminal_child(c) ? NULL : s->mark;
	_cleanup_buf_ struct paude_buf shown = PAUDE_BUF_INIT;
	if (r == 0)
		r = command_line(&line, c, check, mark, err);
	if (r == 0)
		r = command_line(&shown, c, false, NULL, err);
	if (r < 0) {
		if (c->in > 0)
			close(c->in);
		if (c->out > 0 && c->out != c->in)
			close(c->out);
		if (c->err > 0 && c->err != c->in && c->err != c->out)
			close(c->err);
		return r;
	}
	paude_debug("+ [%s] %s", s->name, shown.buf);
	return start_line(s, c, line.buf, mark != NULL, err);
}

static int
ssh_finish(void *ctx, struct paude_child *c, int *ret_status, struct paude_error **err)
{
	struct paude_ssh *s = ctx;
	int st = 0;
	pid_t p;
	if (c->pid <= 0)
		PAUDE_BUG("finish without a started child");
	do
		p = waitpid(c->pid, &st, 0);
	while (p < 0 && errno == EINTR);
	if (p < 0)
		return paude_error_errno(err, errno, "waiting for '%s' failed",
					 c->args.nr ? c->args.v[0] : "remote command");
	pid_t pid = c->pid;
	c->pid = 0;
	_cleanup_free_ char *why = NULL;
	pthread_mutex_lock(&s->lock);
	for (struct result **pp = &s->results; *pp; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			struct result *x = *pp;
			*pp = x->next;
			why = x->error;
			free(x);
			break;
		}
	pthread_mutex_unlock(&s->lock);
	if (why)
		return paude_error_set(err, PAUDE_EGENERIC, 0, "%s", why);
	int status = 255;
	if (WIFEXITED(st))
		status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		status = 128 + WTERMSIG(st);
	const char *prog = c->args.nr ? c->args.v[0] : NULL;
	if (prog && paude_strvec_find(&s->found, prog) < 0) {
		/* The command looked for prog first (ssh_start). */
		if (status == NOT_THERE) {
			int r = check_program(s, prog, err);
			if (r < 0)
				return r;
		} else if (status < 126) {
			/* The shell found it, and ran it. */
			paude_strvec_push(&s->found, prog);
		}
	}
	*ret_status = status;
	return 0;
}

static int
ssh_exec(void *ctx, struct paude_child *c, struct paude_error **err)
{
	c->in = c->out = c->err = 0;
	int r = ssh_start(ctx, c, err);
	int status = 0;
	if (r == 0)
		r = ssh_finish(ctx, c, &status, err);
	if (r < 0)
		return r;
	(void)fflush(NULL);
	_exit(status);
}

struct paude_ssh_files *
paude_ssh__files(struct paude_ssh *s)
{
	return &s->files;
}

static const struct paude_runner_ops ssh_ops = {
	.start = ssh_start,
	.finish = ssh_finish,
	.exec = ssh_exec,
	.host_path = paude_ssh__host_path,
	.host_drop = paude_ssh__host_drop,
	.forget = paude_ssh__forget,
	.read_file = paude_ssh__read_file,
	.local = paude_ssh__local,
};
