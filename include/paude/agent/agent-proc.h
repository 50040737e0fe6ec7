/* SPDX-License-Identifier: MIT */
/*
 * The agent's state in a local podman container, read from /proc on the
 * host instead of with an exec into the session (see lib/agent/agent-proc.c).
 */
#ifndef PAUDE_AGENT_PROC_H
#define PAUDE_AGENT_PROC_H

#include "paude/session/session.h"

/*
 * From proc ("/proc", or a stand-in tree in tests) and the container's
 * init process (podman ps "Pid"): RUNNING, STARTING (no tmux server yet)
 * or EXITED with *exit_status (128+N for signal N). An error when the
 * container's processes or its status file cannot be read from here.
 */
int paude_agent_proc_state(const char *proc, long init_pid, enum paude_agent_state *state,
			   int *exit_status, struct paude_error **err);

#endif
