/* SPDX-License-Identifier: MIT */
/*
 * A scripted stand-in for the process runner: it records the argv of every
 * child "run" and answers from a list of replies matched by argv prefix
 * (the first reply whose prefix matches and has answers left wins).
 * Nothing is executed.
 * Unmatched commands succeed with empty output.
 *
 * Replies of any size are served from memfds. What a caller writes to a
 * child's stdin goes into a pipe enlarged to 1 MiB and is collected at
 * finish, so stdin beyond 1 MiB would block. stdin_data gets one entry per
 * finished child (and per failed start or exec), in that order.
 */
#ifndef FAKE_RUNNER_H
#define FAKE_RUNNER_H

#include "paude/core/run.h"

struct fake_reply {
	const char *const *prefix; /* NULL-terminated argv prefix to match */
	const char *out; /* stdout to give */
	const char *errout; /* stderr to give */
	int status; /* exit status */
	int start_errno; /* if non-zero, start fails as if exec failed (e.g. ENOENT) */
	int raise_signal; /* if non-zero, raise() it in our process when the child starts
			   * (a Ctrl-C arriving while this command runs) */
	unsigned times; /* if non-zero, answers this many calls only; later
			 * ones go to the next matching reply */
};

struct fake_runner {
	struct paude_runner runner;
	struct paude_strvec calls; /* each call's argv, quoted and space-joined */
	struct paude_strvec stdin_data; /* what each call got on stdin ("" if nothing) */
	/* For each --env-file=PATH argument, in call order: "mode NNN\n" and
	 * the file's text as it was when the command started ("(missing)"). */
	struct paude_strvec env_files;
	const struct fake_reply *replies;
	size_t n_replies;
	size_t exec_count; /* calls that went through ->exec */
	unsigned used[64]; /* calls each reply answered (for `times`) */
};

void fake_runner_init(struct fake_runner *f, const struct fake_reply *replies, size_t n);
void fake_runner_release(struct fake_runner *f);
/* The i-th call as one string ("podman exec -i paude-x ..."), or NULL. */
const char *fake_runner_call(const struct fake_runner *f, size_t i);
/* Index of the first call starting with prefix, or -1. */
long fake_runner_find(const struct fake_runner *f, const char *prefix);

#define FAKE_ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

#endif
