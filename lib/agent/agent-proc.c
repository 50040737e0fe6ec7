/* SPDX-License-Identifier: MIT */
/*
 * The agent's state read from the host's /proc, without an exec: a local
 * podman container's processes are host processes. Under the container's
 * init (podman ps "Pid"), the pane's program `paude-session run -- ...`
 * is alive while the agent runs; once it ended, the tmux server keeps the
 * dead pane and ~/.paude/agent-status (read through /proc/PID/root) holds
 * how the agent ended; with no tmux server the agent was never launched.
 * Anything unreadable (another user's rootless podman, a remote engine) is
 * an error, and the caller asks the session instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "paude/agent/agent-proc.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/backend/podman.h"
#include "core/banned.h"

#define MAX_PROCS 65536

struct proc {
	long pid, ppid;
	char comm[20];
};

static void
closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* "PID (COMM) S PPID ..." */
static bool
read_stat(const char *proc, long pid, struct proc *out)
{
	char path[128];
	(void)snprintf(path, sizeof(path), "%s/%ld/stat", proc, pid);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(4096);
	if (paude_buf_read_file(&b, path, NULL) < 0 || !b.buf)
		return false;
	const char *open = strchr(b.buf, '('), *close = strrchr(b.buf, ')');
	if (!open || !close || close < open)
		return false;
	size_t n = (size_t)(close - open - 1);
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';
	char st;
	long ppid;
	if (sscanf(close + 1, " %c %ld", &st, &ppid) != 2)
		return false;
	out->pid = pid;
	out->ppid = ppid;
	return true;
}

/* Whether process pid runs `paude-session run ...` (not status or attach). */
static bool
is_pane_program(const char *proc, long pid)
{
	char path[128];
	(void)snprintf(path, sizeof(path), "%s/%ld/cmdline", proc, pid);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(1 << 16);
	if (paude_buf_read_file(&b, path, NULL) < 0 || !b.buf)
		return false;
	/* NUL-separated: [bash] /usr/local/bin/paude-session run -- ... */
	for (size_t i = 0; i + 1 < b.len; i += strlen(b.buf + i) + 1)
		if (!strcmp(b.buf + i, "run") && i + 4 < b.len && !strcmp(b.buf + i + 4, "--"))
			return true;
	return false;
}

int
paude_agent_proc_state(const char *proc, long init_pid, enum paude_agent_state *state,
		       int *exit_status, struct paude_error **err)
{
	if (init_pid <= 1)
		return paude_error_set(err, PAUDE_ENOTFOUND, 0, "no container process");
	_cleanup_(closedirp) DIR *d = opendir(proc);
	if (!d)
		return paude_error_errno(err, errno, "cannot read '%s'", proc);
	struct proc *all = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < MAX_PROCS) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			all = paude_xrealloc(all, alloc, sizeof(*all));
		}
		if (read_stat(proc, pid, &all[n]))
			n++;
	}
	/* The container's processes: init_pid and its descendants. */
	bool *in = paude_xcalloc(n ? n : 1, sizeof(*in));
	bool found_init = false, grew = true;
	for (size_t i = 0; i < n; i++)
		if (all[i].pid == init_pid)
			in[i] = found_init = true;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (size_t j = 0; j < n; j++)
				if (in[j] && all[j].pid == all[i].ppid) {
					in[i] = grew = true;
					break;
				}
		}
	}
	bool server = false, pane = false;
	for (size_t i = 0; i < n; i++) {
		if (!in[i])
			continue;
		if (!strcmp(all[i].comm, "tmux: server"))
			server = true;
		else if (!strcmp(all[i].comm, "paude-session") && is_pane_program(proc, all[i].pid))
			pane = true;
	}
	free(in);
	free(all);
	if (!found_init)
		return paude_error_set(err, PAUDE_ENOTFOUND, 0, "process %ld is gone", init_pid);
	if (pane) {
		*state = PAUDE_AGENT_RUNNING;
		return 0;
	}
	if (!server) {
		*state = PAUDE_AGENT_STARTING;
		return 0;
	}
	char path[256];
	(void)snprintf(path, sizeof(path), "%s/%ld/root" PAUDE_AGENT_HOME "/.paude/agent-status",
		       proc, init_pid);
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT_MAX(256);
	int r = paude_buf_read_file(&b, path, err);
	if (r < 0)
		return r; /* not readable from here, or run was killed: ask the session */
	int st = 0, sig = 0;
	if (b.buf && sscanf(b.buf, "signal %d", &sig) == 1)
		st = 128 + sig;
	else if (!b.buf || sscanf(b.buf, "%d", &st) != 1)
		return paude_error_set(err, PAUDE_EPROTO, 0, "unreadable agent status");
	*state = PAUDE_AGENT_EXITED;
	*exit_status = st;
	return 0;
}
