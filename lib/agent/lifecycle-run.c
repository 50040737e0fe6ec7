/* SPDX-License-Identifier: MIT */
/*
 * The project's lifecycle commands (devcontainer.json onCreateCommand,
 * updateContentCommand, postCreateCommand, postStartCommand,
 * postAttachCommand; paude.json "setup" is a postCreateCommand), run inside
 * the session, in its workspace, as the session user, with remoteEnv, at
 * the specification's moments:
 *   - the first three once, in that order, when the code is in the
 *     workspace (a mounted workspace always has it; a volume has it once
 *     pushed, and `paude remote add --push` runs them right after the push);
 *   - postStartCommand once per start of the container, after them;
 *   - postAttachCommand each time paude attaches a terminal.
 * The commands of one hook in the object form run in parallel. They are in
 * the session's labels, so `start` needs no config file. Markers in the
 * session volume (/pvc/.paude) record what succeeded: setup-done for the
 * first three (as older paude versions wrote for their one setup command),
 * HOOK-done for onCreateCommand and updateContentCommand (a retry does not
 * repeat what succeeded), and for postStartCommand the start time of the
 * container's PID 1, so a restart runs it again. A failure leaves
 * setup-failed, so the next start says it is trying again.
 *
 * Nothing here prints: the commands' output goes to the caller's file
 * descriptor, and what the user is told goes to its note callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "paude/core/alloc.h"
#include "paude/agent/lifecycle-run.h"
#include "paude/core/log.h"
#include "paude/core/sanitize.h"
#include "core/banned.h"

#define SETUP_STATE_DIR "/pvc/.paude"
#define SETUP_DONE SETUP_STATE_DIR "/setup-done"
#define SETUP_FAILED SETUP_STATE_DIR "/setup-failed"
#define POST_START_STAMP SETUP_STATE_DIR "/postStartCommand-done"
/* The start time of the container's PID 1, in clock ticks since boot: it
 * changes with every start of the container. */
#define PID1_START "cut -d' ' -f22 /proc/1/stat"

/* Run argv in the session; *status is its exit status (nothing captured). */
static int
exec_status(struct paude_backend *b, const char *name, const char *const *argv, int *status,
	    struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	int r = paude_backend_exec_prepare(b, name, 0, argv, &c, err);
	if (r < 0)
		return r;
	c.no_stdout = 1;
	_cleanup_buf_ struct paude_buf errbuf = PAUDE_BUF_INIT_MAX(1 << 16);
	r = paude_run_capture(b->runner, &c, NULL, 0, NULL, &errbuf, status, err);
	if (r < 0)
		return r;
	/* 125-127: podman (or the exec) itself failed, not the test. */
	if (*status >= 125)
		return paude_child_error(err, &c, *status, errbuf.buf, errbuf.len);
	return 0;
}

static int
exec_ok(struct paude_backend *b, const char *name, const char *const *argv, struct paude_buf *out,
	struct paude_error **err)
{
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	int r = paude_backend_exec_prepare(b, name, 0, argv, &c, err);
	if (r < 0)
		return r;
	return paude_run_output(b->runner, &c, out, err);
}

/* Does the file exist in the session? */
static int
exists(struct paude_backend *b, const char *name, const char *path, bool *yes,
       struct paude_error **err)
{
	const char *const argv[] = { "test", "-e", path, NULL };
	int st = 0;
	int r = exec_status(b, name, argv, &st, err);
	if (r < 0) {
		paude_error_wrap(err, r, "cannot check the setup state of session '%s'", name);
		return r;
	}
	*yes = st == 0;
	return 0;
}

static void
mark(struct paude_backend *b, const char *name, const char *script)
{
	const char *const argv[] = { "sh", "-c", script, NULL };
	_cleanup_error_ struct paude_error *merr = NULL;
	if (exec_ok(b, name, argv, NULL, &merr) < 0)
		paude_debug("cannot record the setup state: %s", merr->msg);
}

/* The session's commands: its lifecycle label, or its lone setup command. */
static void
effective(struct paude_lifecycle *out, const struct paude_session *s)
{
	paude_lifecycle_copy(out, &s->lifecycle);
	if (paude_lifecycle_empty(out) && s->setup.nr) {
		struct paude_hook_cmd *c = paude_lifecycle_add(out, PAUDE_HOOK_POST_CREATE, NULL);
		paude_strvec_pushv(&c->argv, (const char *const *)s->setup.v);
	}
}

/* Only paude.json's setup or a plain postCreateCommand: the words of before. */
static bool
lone_setup(const struct paude_lifecycle *l)
{
	for (size_t h = 0; h < PAUDE_HOOK_N; h++)
		if (l->hook[h].nr &&
		    (h != PAUDE_HOOK_POST_CREATE || l->hook[h].nr > 1 || l->hook[h].v[0].name))
			return false;
	return l->hook[PAUDE_HOOK_POST_CREATE].nr == 1;
}

int
paude_lifecycle_remote_env_prefix(struct paude_backend *b, const struct paude_session *s,
				  struct paude_strvec *out, struct paude_error **err)
{
	if (!s->remote_env.nr)
		return 0;
	/* The session's values of the variables ${containerEnv:NAME} names, each
	 * once (printenv: unset is exit 1, so a default applies). */
	_cleanup_strvec_ struct paude_strvec cenv = PAUDE_STRVEC_INIT;
	_cleanup_strvec_ struct paude_strvec asked = PAUDE_STRVEC_INIT;
	static const char var[] = "${containerEnv:";
	for (size_t i = 0; i < s->remote_env.nr; i++)
		for (const char *p = s->remote_env.v[i]; (p = strstr(p, var)); p++) {
			const char *q = p + sizeof(var) - 1;
			_cleanup_free_ char *vname = paude_xstrndup(q, strcspn(q, ":}"));
			if (*vname && paude_strvec_find(&asked, vname) < 0)
				paude_strvec_push(&asked, vname);
		}
	for (size_t i = 0; i < asked.nr; i++) {
		_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
		const char *const argv[] = { "printenv", asked.v[i], NULL };
		int r = paude_backend_exec_prepare(b, s->name, 0, argv, &c, err);
		if (r < 0)
			return r;
		_cleanup_buf_ struct paude_buf val = PAUDE_BUF_INIT_MAX(1 << 16);
		int st = 0;
		c.no_stderr = 1;
		if ((r = paude_run_capture(b->runner, &c, NULL, 0, &val, NULL, &st, err)) < 0)
			return r;
		if (st >= 125)
			return paude_error_set(err, PAUDE_ECHILD, 0,
					       "cannot read the environment of session '%s' (exit "
					       "%d)",
					       s->name, st);
		if (st != 0)
			continue;
		if (val.len && val.buf[val.len - 1] == '\n')
			val.buf[--val.len] = '\0';
		paude_strvec_pushf(&cenv, "%s=%s", asked.v[i], val.buf);
	}
	paude_strvec_push(out, "env");
	for (size_t i = 0; i < s->remote_env.nr; i++)
		if (!strchr(s->remote_env.v[i], '='))
			paude_strvec_pushl(out, "-u", s->remote_env.v[i], NULL);
	for (size_t i = 0; i < s->remote_env.nr; i++)
		if (strchr(s->remote_env.v[i], '='))
			paude_strvec_push_nodup(
			    out, paude_remote_env_resolve(s->remote_env.v[i], &cenv));
	return 0;
}

/*
 * Run the commands of one hook, in parallel, output to our stderr as it
 * comes, no stdin. 0 when all succeeded; PAUDE_ECHILD naming the first that
 * failed and its exit status (the others that failed are warned about).
 */
static void
note(const struct paude_lifecycle_run_opts *o, struct paude_lifecycle_note n)
{
	if (o->note)
		o->note(o->ud, &n);
}

static int
run_hook(struct paude_backend *b, const struct paude_session *s, enum paude_hook h,
	 const struct paude_hook_cmds *cmds, const struct paude_strvec *prefix, bool lone,
	 bool again, const struct paude_lifecycle_run_opts *o, struct paude_error **err)
{
	const char *name = s->name;
	struct paude_child *kids = paude_xcalloc(cmds->nr, sizeof(*kids));
	/*
	 * Their output is progress: to our stderr, as it comes, but through the
	 * sanitizer (it comes from the session, from files the agent may have
	 * written): one pipe that every command of the hook writes to. No stdin.
	 */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(kids);
		return paude_error_set(err, PAUDE_EGENERIC, errno, "cannot create a pipe");
	}
	int r = 0;
	size_t started = 0;
	for (size_t i = 0; i < cmds->nr; i++) {
		_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
		paude_hook_cmd_describe(&what, &cmds->v[i]);
		note(o, (struct paude_lifecycle_note){ .event = PAUDE_LIFECYCLE_RUNNING,
						       .name = name,
						       .hook = h,
						       .what = what.buf,
						       .n = cmds->nr,
						       .lone = lone,
						       .again = again });
		_cleanup_strvec_ struct paude_strvec argv = PAUDE_STRVEC_INIT;
		paude_strvec_pushv(&argv, (const char *const *)prefix->v);
		paude_strvec_pushv(&argv, (const char *const *)cmds->v[i].argv.v);
		struct paude_child *c = &kids[i];
		paude_child_init(c);
		if ((r = paude_backend_exec_prepare(b, name, 0, (const char *const *)argv.v, c,
						    err)) < 0)
			break;
		int out = fcntl(p[1], F_DUPFD_CLOEXEC, 3);
		int errfd = out < 0 ? -1 : fcntl(p[1], F_DUPFD_CLOEXEC, 3);
		if (errfd < 0) {
			if (out >= 0)
				close(out);
			r = paude_error_set(err, PAUDE_EGENERIC, errno, "cannot duplicate a pipe");
			break;
		}
		c->out = out; /* start closes both */
		c->err = errfd;
		c->no_stdin = 1;
		if ((r = paude_child_start(b->runner, c, err)) < 0)
			break;
		started = i + 1;
	}
	close(p[1]);
	_cleanup_error_ struct paude_error *cerr = NULL;
	if (paude_sanitize_copy(p[0], o->out_fd, PAUDE_SANITIZE_LINES, &cerr) < 0)
		paude_debug("lifecycle output: %s", cerr->msg);
	close(p[0]);
	int failed = -1, failed_st = 0;
	for (size_t i = 0; i < started; i++) {
		int st = 0;
		_cleanup_error_ struct paude_error *ferr = NULL;
		if (paude_child_finish(b->runner, &kids[i], &st, &ferr) < 0)
			st = 127;
		if (st != 0) {
			_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
			paude_hook_cmd_describe(&what, &cmds->v[i]);
			if (failed < 0) {
				failed = (int)i;
				failed_st = st;
			} else {
				note(o, (struct paude_lifecycle_note){
					    .event = PAUDE_LIFECYCLE_ALSO_FAILED,
					    .name = name,
					    .hook = h,
					    .what = what.buf,
					    .status = st });
			}
		}
	}
	for (size_t i = 0; i < cmds->nr; i++)
		paude_child_release(&kids[i]);
	free(kids);
	if (r < 0)
		return r;
	if (failed < 0)
		return 0;
	_cleanup_buf_ struct paude_buf what = PAUDE_BUF_INIT;
	paude_hook_cmd_describe(&what, &cmds->v[failed]);
	if (lone)
		return paude_error_set(err, PAUDE_ECHILD, 0,
				       "the setup command of session '%s' failed (exit %d): %s "
				       "(it runs again at the next 'paude start %s'; to work in "
				       "the session as it is: paude connect %s)",
				       name, failed_st, what.buf, name, name);
	return paude_error_set(err, PAUDE_ECHILD, 0,
			       "%s of session '%s' failed (exit %d): %s (it runs again at the "
			       "next 'paude start %s'; to work in the session as it is: paude "
			       "connect %s)",
			       paude_hook_name(h), name, failed_st, what.buf, name, name);
}

/* onCreateCommand, updateContentCommand, postCreateCommand: once. */
static int
run_create_hooks(struct paude_backend *b, const struct paude_session *s,
		 const struct paude_lifecycle *l, const struct paude_strvec *prefix,
		 const struct paude_lifecycle_run_opts *o, struct paude_error **err)
{
	const char *name = s->name;
	bool yes = false, again = false;
	int r;
	if ((r = exists(b, name, SETUP_DONE, &yes, err)) < 0)
		return r;
	if (yes) {
		paude_debug("setup of '%s' already ran", name);
		return 0;
	}
	if ((r = exists(b, name, SETUP_FAILED, &again, err)) < 0)
		return r;
	bool lone = lone_setup(l);
	if (again && !lone)
		note(o,
		     (struct paude_lifecycle_note){ .event = PAUDE_LIFECYCLE_RETRY, .name = name });
	for (enum paude_hook h = PAUDE_HOOK_ON_CREATE; h <= PAUDE_HOOK_POST_CREATE; h++) {
		if (!l->hook[h].nr)
			continue;
		_cleanup_free_ char *done = NULL;
		if (h != PAUDE_HOOK_POST_CREATE) {
			done = paude_xasprintf(SETUP_STATE_DIR "/%s-done", paude_hook_name(h));
			if ((r = exists(b, name, done, &yes, err)) < 0)
				return r;
			if (yes)
				continue;
		}
		r = run_hook(b, s, h, &l->hook[h], prefix, lone, again, o, err);
		if (r == PAUDE_ECHILD)
			mark(b, name, "mkdir -p " SETUP_STATE_DIR " && : >" SETUP_FAILED);
		if (r < 0)
			return r;
		if (done) {
			_cleanup_free_ char *script =
			    paude_xasprintf("mkdir -p " SETUP_STATE_DIR " && : >%s", done);
			mark(b, name, script);
		}
	}
	const char *const argv[] = { "sh", "-c",
				     "mkdir -p " SETUP_STATE_DIR " && : >" SETUP_DONE
				     " && rm -f " SETUP_FAILED,
				     NULL };
	if ((r = exec_ok(b, name, argv, NULL, err)) < 0) {
		paude_error_wrap(err, r, "cannot record that the setup of session '%s' ran", name);
		return r;
	}
	note(o, (struct paude_lifecycle_note){
		    .event = PAUDE_LIFECYCLE_FINISHED, .name = name, .lone = lone });
	return 0;
}

/* postStartCommand: once per start of the container. */
static int
run_post_start(struct paude_backend *b, const struct paude_session *s,
	       const struct paude_lifecycle *l, const struct paude_strvec *prefix,
	       const struct paude_lifecycle_run_opts *o, struct paude_error **err)
{
	const char *const check[] = { "sh", "-c",
				      "test \"$(cat " POST_START_STAMP
				      " 2>/dev/null)\" = \"$(" PID1_START ")\"",
				      NULL };
	int st = 0, r;
	if ((r = exec_status(b, s->name, check, &st, err)) < 0)
		return r;
	if (st == 0) {
		paude_debug("postStartCommand of '%s' already ran since the container started",
			    s->name);
		return 0;
	}
	r = run_hook(b, s, PAUDE_HOOK_POST_START, &l->hook[PAUDE_HOOK_POST_START], prefix, false,
		     false, o, err);
	if (r < 0)
		return r;
	mark(b, s->name, "mkdir -p " SETUP_STATE_DIR " && " PID1_START " >" POST_START_STAMP);
	return 0;
}

int
paude_lifecycle_run_setup(struct paude_backend *b, const struct paude_session *s,
			  const struct paude_lifecycle_run_opts *o, struct paude_error **err)
{
	_cleanup_(paude_lifecycle_release) struct paude_lifecycle l = PAUDE_LIFECYCLE_INIT;
	effective(&l, s);
	bool create = false;
	for (enum paude_hook h = PAUDE_HOOK_ON_CREATE; h <= PAUDE_HOOK_POST_CREATE; h++)
		create |= l.hook[h].nr > 0;
	if (!create && !l.hook[PAUDE_HOOK_POST_START].nr)
		return 0;
	int r;
	if (s->workspace_mode == PAUDE_WORKSPACE_VOLUME && o->has_code) {
		bool yes = false;
		if ((r = o->has_code(o->ud, b, s, &yes, err)) < 0)
			return r;
		if (!yes) {
			note(o, (struct paude_lifecycle_note){ .event = PAUDE_LIFECYCLE_WAITING,
							       .name = s->name,
							       .lone = lone_setup(&l) });
			return 0;
		}
	}
	_cleanup_strvec_ struct paude_strvec prefix = PAUDE_STRVEC_INIT;
	if ((r = paude_lifecycle_remote_env_prefix(b, s, &prefix, err)) < 0)
		return r;
	if (create && (r = run_create_hooks(b, s, &l, &prefix, o, err)) < 0)
		return r;
	if (l.hook[PAUDE_HOOK_POST_START].nr && (r = run_post_start(b, s, &l, &prefix, o, err)) < 0)
		return r;
	return 0;
}

int
paude_lifecycle_run_post_attach(struct paude_backend *b, const struct paude_session *s,
				const struct paude_lifecycle_run_opts *o, struct paude_error **err)
{
	if (!s->lifecycle.hook[PAUDE_HOOK_POST_ATTACH].nr)
		return 0;
	_cleanup_strvec_ struct paude_strvec prefix = PAUDE_STRVEC_INIT;
	int r = paude_lifecycle_remote_env_prefix(b, s, &prefix, err);
	if (r < 0)
		return r;
	return run_hook(b, s, PAUDE_HOOK_POST_ATTACH, &s->lifecycle.hook[PAUDE_HOOK_POST_ATTACH],
			&prefix, false, false, o, err);
}
