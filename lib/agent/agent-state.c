/* SPDX-License-Identifier: MIT */
/*
 * The agent in a running session: paude-session (in the image) launches
 * it in tmux and says how it is; for a local container /proc tells the
 * same without an exec into the session.
 */
#include <stdio.h>
#include <string.h>
#include "paude/agent/agent-proc.h"
#include "paude/agent/agent-state.h"
#include "paude/core/buf.h"
#include "paude/agent/lifecycle-run.h"
#include "paude/core/log.h"
#include "paude/backend/podman.h"
#include "paude/core/strvec.h"
#include "core/banned.h"

int
paude_agent_launch(struct paude_backend *b, const struct paude_session *s, struct paude_error **err)
{
	/* remoteEnv: tmux, started by this launch, hands it on to the agent. */
	_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
	int r = paude_lifecycle_remote_env_prefix(b, s, &argv, err);
	if (r < 0)
		return r;
	paude_strvec_pushl(&argv, "paude-session", "launch", NULL);
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	r = paude_backend_exec_prepare(b, s->name, 0, (const char *const *)argv.v, &c, err);
	if (r == 0)
		r = paude_run_output(b->runner, &c, NULL, err);
	if (r < 0)
		return paude_error_wrap(err, r, "cannot launch the agent in session '%s'", s->name);
	return 0;
}

bool
paude_agent_lacks_provider(struct paude_backend *b, const struct paude_session *s, bool host_login)
{
	if (!s->gateway || strcmp(s->gateway, "none") != 0 || host_login)
		return false;
	/* A login made inside the session (paude connect, then /login) counts. */
	const char *const argv[] = { "test", "-s", PAUDE_AGENT_HOME "/" PAUDE_CLAUDE_LOGIN_FILE,
				     NULL };
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_error_ struct paude_error *e = NULL;
	int status = 0;
	if (paude_backend_exec_prepare(b, s->name, 0, argv, &c, &e) < 0)
		return false;
	c.no_stdout = 1;
	c.no_stderr = 1;
	if (paude_run_capture(b->runner, &c, NULL, 0, NULL, NULL, &status, &e) < 0)
		return false;
	return status == 1;
}

void
paude_agent_state_read(struct paude_session *s, const char *out, int status)
{
	int n = 0;
	if (status == 0 && !strncmp(out, "running", 7)) {
		s->agent_state = PAUDE_AGENT_RUNNING;
	} else if (status == 1 && sscanf(out, "exited signal %d", &n) == 1) {
		s->agent_state = PAUDE_AGENT_EXITED;
		s->agent_exit = 128 + n;
	} else if (status == 1 && sscanf(out, "exited %d", &n) == 1) {
		s->agent_state = PAUDE_AGENT_EXITED;
		s->agent_exit = n;
	} else if (status == 3) {
		s->agent_state = PAUDE_AGENT_STARTING;
	} else {
		paude_debug("cannot tell the agent's state in '%s' (exit %d: %.80s)", s->name,
			    status, out);
	}
}

void
paude_agent_state_check(const struct paude_agent_check *o, struct paude_session_list *l)
{
	static const char *const argv[] = { "paude-session", "status", NULL };
	for (size_t from = 0; from < l->nr;) {
		struct paude_child kids[PAUDE_RUN_ALL_MAX];
		struct paude_child *ptrs[PAUDE_RUN_ALL_MAX];
		struct paude_session *who[PAUDE_RUN_ALL_MAX];
		struct paude_buf outs[PAUDE_RUN_ALL_MAX];
		int statuses[PAUDE_RUN_ALL_MAX];
		size_t n = 0;
		for (; from < l->nr && n < PAUDE_RUN_ALL_MAX; from++) {
			struct paude_session *s = &l->v[from];
			if (s->state != PAUDE_SESSION_RUNNING || s->paused)
				continue;
			/* A local container: its processes are ours to look at. */
			_cleanup_error_ struct paude_error *perr = NULL;
			if (o->proc &&
			    paude_location_backend_kind(s->backend) == PAUDE_LOCATION_PODMAN &&
			    s->host_pid > 0 &&
			    paude_agent_proc_state(o->proc, s->host_pid, &s->agent_state,
						   &s->agent_exit, &perr) == 0)
				continue;
			if (perr)
				paude_debug("'%s': %s; asking the session", s->name, perr->msg);
			_cleanup_backend_ struct paude_backend *b = NULL;
			_cleanup_error_ struct paude_error *berr = NULL;
			paude_child_init(&kids[n]);
			if (o->open(o->ud, s, &b, &berr) < 0 ||
			    paude_backend_exec_prepare(b, s->name, 0, argv, &kids[n], &berr) < 0) {
				paude_debug("cannot ask '%s' about its agent: %s", s->name,
					    berr ? berr->msg : "?");
				paude_child_release(&kids[n]);
				continue;
			}
			ptrs[n] = &kids[n];
			who[n] = s;
			outs[n] = (struct paude_buf)PAUDE_BUF_INIT_MAX(1 << 12);
			n++;
		}
		_cleanup_error_ struct paude_error *rerr = NULL;
		if (n && paude_run_all(o->runner, ptrs, n, outs, statuses, &rerr) < 0)
			paude_debug("cannot ask the sessions about their agents: %s", rerr->msg);
		else
			for (size_t i = 0; i < n; i++)
				paude_agent_state_read(who[i], outs[i].buf ? outs[i].buf : "",
						       statuses[i]);
		for (size_t i = 0; i < n; i++) {
			paude_buf_release(&outs[i]);
			paude_child_release(&kids[i]);
		}
	}
}

char *
paude_agent_state_describe(const struct paude_session *s)
{
	_cleanup_buf_ struct paude_buf b = PAUDE_BUF_INIT;
	if (s->paused)
		paude_buf_addstr(&b, "paused", NULL);
	else if (s->state != PAUDE_SESSION_RUNNING)
		paude_buf_addstr(&b, paude_session_state_str(s->state), NULL);
	else if (s->agent_state == PAUDE_AGENT_EXITED)
		paude_buf_addf(&b, NULL, "exited (%d)", s->agent_exit);
	else if (s->agent_state == PAUDE_AGENT_STARTING)
		paude_buf_addstr(&b, "starting", NULL);
	else
		paude_buf_addstr(&b, "running", NULL);
	if (s->proxy_missing)
		paude_buf_addstr(&b, ", proxy missing", NULL);
	else if (s->proxy_stopped)
		paude_buf_addstr(&b, ", proxy stopped", NULL);
	if (s->network_missing)
		paude_buf_addstr(&b, ", network missing", NULL);
	return paude_buf_detach(&b);
}

const char *
paude_agent_state_word(const struct paude_session *s)
{
	switch (s->agent_state) {
	case PAUDE_AGENT_RUNNING:
		return "running";
	case PAUDE_AGENT_EXITED:
		return "exited";
	case PAUDE_AGENT_STARTING:
		return "starting";
	case PAUDE_AGENT_UNCHECKED:
		break;
	}
	return s->state == PAUDE_SESSION_RUNNING && !s->paused ? "unknown" : "not-running";
}
