/* SPDX-License-Identifier: MIT */
/*
 * Running other programs: argv vectors only, never a shell. Every child
 * goes through a `struct paude_runner` so unit tests can substitute a fake
 * one (tests/unit/fake-runner.c) that records argv and scripts replies.
 *
 * The real runner (paude_runner_default) looks argv[0] up in PATH before
 * forking, reports exec failures back through a CLOEXEC pipe (so a missing
 * program is PAUDE_ENOTFOUND, not a mysterious exit 127), and traces each
 * command shell-quoted at DEBUG level: "+ podman ps -a --format json".
 */
#ifndef PAUDE_RUN_H
#define PAUDE_RUN_H

#include <sys/types.h>
#include <stdbool.h>
#include "paude/core/strvec.h"
#include "paude/core/buf.h"
#include "paude/core/error.h"

struct paude_child {
	struct paude_strvec args; /* args.v[0] is the program */
	struct paude_strvec env; /* "K=V" sets, "K" removes; applied over environ */
	const char *dir; /* working directory, or NULL */
	/*
	 * in/out/err: 0 = inherit from us; -1 = create a pipe, and after start
	 * the field holds our end (caller closes it); > 0 = this fd becomes the
	 * child's, and start closes it in the parent (also on failure).
	 */
	int in, out, err;
	unsigned no_stdin : 1, no_stdout : 1, no_stderr : 1; /* /dev/null */
	pid_t pid; /* set by start */
};
#define PAUDE_CHILD_INIT                                                                           \
	{                                                                                          \
		.args = PAUDE_STRVEC_INIT, .env = PAUDE_STRVEC_INIT                                \
	}

struct paude_runner;
struct paude_runner_ops {
	/* Spawn the child; fills c->pid and pipe ends. */
	int (*start)(void *ctx, struct paude_child *c, struct paude_error **err);
	/* Wait for it; *ret_status is the exit code, or 128+signal. */
	int (*finish)(void *ctx, struct paude_child *c, int *ret_status, struct paude_error **err);
	/* Replace the current process with the child (no fork). Returns only on failure. */
	int (*exec)(void *ctx, struct paude_child *c, struct paude_error **err);
	/*
	 * The rest is for a runner whose children run on another machine (all
	 * NULL: they run on this one and read its files; see
	 * paude_runner_host_path and the functions after it).
	 */
	int (*host_path)(void *ctx, const char *local_path, const char *keep_key, char **out,
			 struct paude_error **err);
	int (*host_drop)(void *ctx, const char *host_path, struct paude_error **err);
	int (*forget)(void *ctx, const char *keep_key, struct paude_error **err);
	int (*read_file)(void *ctx, const char *path, struct paude_buf *out,
			 struct paude_error **err);
	/* A runner for commands that must run on this machine. */
	struct paude_runner *(*local)(void *ctx);
};
struct paude_runner {
	const struct paude_runner_ops *ops;
	void *ctx;
};

/* The process-wide real runner. */
struct paude_runner *paude_runner_default(void);

/* True if r's children run on another machine (they cannot read this one's files). */
bool paude_runner_is_remote(const struct paude_runner *r);

/*
 * *out: the path under which the commands r starts can read local_path, a
 * file or a directory of this machine (free it). A local runner: a copy of
 * local_path, nothing done. A remote one copies it there first, its modes
 * kept, and *out ends in local_path's last component:
 *   keep_key NULL: into a private staging directory of r, removed when r
 *     goes (see paude_runner_host_drop for sooner);
 *   keep_key NAME (a session name): into a private per-session directory
 *     that outlives this process, for what a container bind-mounts;
 *     paude_runner_forget removes it.
 */
int paude_runner_host_path(struct paude_runner *r, const char *local_path, const char *keep_key,
			   char **out, struct paude_error **err);
/* Remove a staged copy (a path paude_runner_host_path gave with keep_key
 * NULL) before r goes; nothing for a local runner. */
int paude_runner_host_drop(struct paude_runner *r, const char *host_path, struct paude_error **err);
/* Remove what was kept under keep_key (missing is no error); nothing for a local runner. */
int paude_runner_forget(struct paude_runner *r, const char *keep_key, struct paude_error **err);
/*
 * Read a file of the machine r's children run on (this one: read directly)
 * into out, up to out's cap. PAUDE_ENOTFOUND when there is no such file.
 */
int paude_runner_read_file(struct paude_runner *r, const char *path, struct paude_buf *out,
			   struct paude_error **err);
/* The runner for commands that read or write this machine's files (a local
 * tar, git): r itself if it runs here, else the default one. */
struct paude_runner *paude_runner_local(struct paude_runner *r);

void paude_child_init(struct paude_child *c);
/* Free args/env (does not wait for the child). */
void paude_child_release(struct paude_child *c);

int paude_child_start(struct paude_runner *r, struct paude_child *c, struct paude_error **err);
int paude_child_finish(struct paude_runner *r, struct paude_child *c, int *ret_status,
		       struct paude_error **err);
int paude_child_exec(struct paude_runner *r, struct paude_child *c, struct paude_error **err);

/*
 * Run to completion feeding `in` (may be NULL) to stdin and capturing
 * stdout/stderr into out/errout (either may be NULL: then inherited, unless
 * c->no_stdout/no_stderr). Does not fail on a non-zero exit: check
 * *ret_status. Buffers should have a cap.
 */
int paude_run_capture(struct paude_runner *r, struct paude_child *c, const char *in, size_t in_len,
		      struct paude_buf *out, struct paude_buf *errout, int *ret_status,
		      struct paude_error **err);

/*
 * Run to completion, stdout captured into out (may be NULL: discarded),
 * stderr captured; a non-zero exit becomes PAUDE_ECHILD with message
 * "PROG ARG1: exit N: <last line(s) of stderr>".
 */
int paude_run_output(struct paude_runner *r, struct paude_child *c, struct paude_buf *out,
		     struct paude_error **err);

/*
 * Run the N (at most PAUDE_RUN_ALL_MAX) children at the same time and wait
 * for all of them. outs (NULL: stdout discarded unless c->out says
 * otherwise) is an array of N buffers that receive each one's stdout.
 * statuses (NULL: a failure is an error) is an array of N exit statuses;
 * without it, the first child that fails (in the order given) becomes the
 * PAUDE_ECHILD error, with its stderr.
 */
#define PAUDE_RUN_ALL_MAX 16
int paude_run_all(struct paude_runner *r, struct paude_child *const *cs, size_t n,
		  struct paude_buf *outs, int *statuses, struct paude_error **err);

/* Build the PAUDE_ECHILD error for a failed child (used by the helpers above). */
int paude_child_error(struct paude_error **err, const struct paude_child *c, int status,
		      const char *errtext, size_t errlen);

/* Append argv shell-quoted and space-separated (for traces and hints). */
void paude_quote_argv(struct paude_buf *out, const char *const *argv);

/* True if `s` could be mistaken for an option: it must not reach an argv
 * where a name is expected. */
bool paude_looks_like_option(const char *s);

/* Find prog in PATH (or check it if it contains '/'); returns malloc'd path or NULL. */
char *paude_which(const char *prog);

static inline void
paude_child_releasep(struct paude_child *c)
{
	paude_child_release(c);
}
#define _cleanup_child_ _cleanup_(paude_child_releasep)

#endif
