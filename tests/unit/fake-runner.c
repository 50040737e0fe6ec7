/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "fake-runner.h"

/*
 * The fake "child" keeps its reply in memfds so that callers reading
 * c->out/c->err see real file descriptors, and what they write to c->in is
 * collected at finish.
 */
struct fake_child_state {
	pid_t pid;
	int in_read;
	const struct fake_reply *reply;
};

static struct fake_child_state states[64];
static pid_t next_pid = 1000;

static const struct fake_reply *
match(struct fake_runner *f, const struct paude_child *c)
{
	for (size_t i = 0; i < f->n_replies; i++) {
		const char *const *p = f->replies[i].prefix;
		size_t k = 0;
		while (p[k] && k < c->args.nr && !strcmp(p[k], c->args.v[k]))
			k++;
		if (p[k])
			continue;
		if (f->replies[i].times && i < ARRAY_SIZE(f->used)) {
			if (f->used[i] >= f->replies[i].times)
				continue;
			f->used[i]++;
		}
		return &f->replies[i];
	}
	return NULL;
}

static void
record(struct fake_runner *f, const struct paude_child *c)
{
	struct paude_buf b = PAUDE_BUF_INIT;
	paude_quote_argv(&b, (const char *const *)c->args.v);
	paude_strvec_push_nodup(&f->calls, paude_buf_detach(&b));
	/* An env file exists only while its command runs: keep what it said. */
	for (size_t i = 1; i < c->args.nr; i++) {
		if (strncmp(c->args.v[i], "--env-file=", 11) != 0)
			continue;
		struct paude_buf text = PAUDE_BUF_INIT_MAX(1 << 20);
		struct stat st;
		if (stat(c->args.v[i] + 11, &st) == 0)
			paude_buf_addf(&text, NULL, "mode %03o\n", (unsigned)(st.st_mode & 0777));
		if (paude_buf_read_file(&text, c->args.v[i] + 11, NULL) < 0)
			paude_buf_addstr(&text, "(missing)", NULL);
		paude_strvec_push_nodup(&f->env_files, paude_buf_detach(&text));
	}
}

/*
 * The reply's stdout/stderr as a readable fd at offset 0. A memfd rather
 * than a pipe, so replies of any size fit without a reader on the other end.
 */
static int
reply_fd(const char *s)
{
	int fd = memfd_create("fake-reply", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	size_t n = s ? strlen(s) : 0;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			abort();
		s += w;
		n -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		abort();
	return fd;
}

static int
feed(int fd, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fake_start(void *ctx, struct paude_child *c, struct paude_error **err)
{
	struct fake_runner *f = ctx;
	record(f, c);
	const struct fake_reply *r = match(f, c);
	if (r && r->raise_signal)
		raise(r->raise_signal);
	if (r && r->start_errno) {
		paude_strvec_push(&f->stdin_data, "");
		if (c->in > 0)
			close(c->in);
		if (c->out > 0)
			close(c->out);
		if (c->err > 0 && c->err != c->out)
			close(c->err);
		if (r->start_errno == ENOENT)
			return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
					       "'%s' not found (is it installed and on PATH?)",
					       c->args.v[0]);
		return paude_error_errno(err, r->start_errno, "cannot run '%s'", c->args.v[0]);
	}
	struct fake_child_state *st = NULL;
	for (size_t i = 0; i < 64; i++)
		if (!states[i].pid) {
			st = &states[i];
			break;
		}
	if (!st)
		abort();
	st->pid = next_pid++;
	st->reply = r;
	st->in_read = -1;
	int p[2];
	if (c->in < 0) {
		if (pipe2(p, O_CLOEXEC) < 0)
			abort();
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
		c->in = p[1];
		st->in_read = p[0];
	} else if (c->in > 0) {
		close(c->in);
	}
	/* Given fds get the reply written into them (the same fd may be both). */
	int given_out = c->out > 0 ? c->out : -1, given_err = c->err > 0 ? c->err : -1;
	if (c->out < 0)
		c->out = reply_fd(r ? r->out : NULL);
	else if (given_out >= 0)
		feed(given_out, r ? r->out : NULL);
	if (c->err < 0)
		c->err = reply_fd(r ? r->errout : NULL);
	else if (given_err >= 0)
		feed(given_err, r ? r->errout : NULL);
	if (given_out >= 0)
		close(given_out);
	if (given_err >= 0 && given_err != given_out)
		close(given_err);
	c->pid = st->pid;
	return 0;
}

static int
fake_finish(void *ctx, struct paude_child *c, int *ret_status, struct paude_error **err)
{
	struct fake_runner *f = ctx;
	(void)err;
	for (size_t i = 0; i < 64; i++) {
		if (states[i].pid != c->pid)
			continue;
		struct paude_buf in = PAUDE_BUF_INIT;
		if (states[i].in_read >= 0) {
			char tmp[4096];
			ssize_t n;
			while ((n = read(states[i].in_read, tmp, sizeof(tmp))) > 0)
				paude_buf_add(&in, tmp, (size_t)n, NULL);
			close(states[i].in_read);
		}
		paude_strvec_push_nodup(&f->stdin_data, paude_buf_detach(&in));
		*ret_status = states[i].reply ? states[i].reply->status : 0;
		states[i].pid = 0;
		c->pid = 0;
		return 0;
	}
	abort();
}

static int
fake_exec(void *ctx, struct paude_child *c, struct paude_error **err)
{
	struct fake_runner *f = ctx;
	record(f, c);
	paude_strvec_push(&f->stdin_data, "");
	f->exec_count++;
	const struct fake_reply *r = match(f, c);
	if (r && r->start_errno == ENOENT)
		return paude_error_set(err, PAUDE_ENOTFOUND, ENOENT,
				       "'%s' not found (is it installed and on PATH?)",
				       c->args.v[0]);
	/* A real exec never returns; tests look at the recorded call. */
	return 0;
}

static const struct paude_runner_ops fake_ops = {
	.start = fake_start,
	.finish = fake_finish,
	.exec = fake_exec,
};

void
fake_runner_init(struct fake_runner *f, const struct fake_reply *replies, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->runner.ops = &fake_ops;
	f->runner.ctx = f;
	paude_strvec_init(&f->calls);
	paude_strvec_init(&f->stdin_data);
	paude_strvec_init(&f->env_files);
	f->replies = replies;
	f->n_replies = n;
}

void
fake_runner_release(struct fake_runner *f)
{
	paude_strvec_clear(&f->calls);
	paude_strvec_clear(&f->stdin_data);
	paude_strvec_clear(&f->env_files);
}

const char *
fake_runner_call(const struct fake_runner *f, size_t i)
{
	return i < f->calls.nr ? f->calls.v[i] : NULL;
}

long
fake_runner_find(const struct fake_runner *f, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < f->calls.nr; i++)
		if (!strncmp(f->calls.v[i], prefix, n))
			return (long)i;
	return -1;
}
