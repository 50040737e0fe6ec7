/* SPDX-License-Identifier: MIT */
/*
 * The git tunnel. The remote helper and the in-process push both come here
 * for the child that speaks git's pack protocol inside the session, so the
 * checks (the session exists, it is running) and the argv are the same
 * whichever way the bytes travel.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "paude/git/tunnel.h"
#include "paude/backend/locate.h"
#include "paude/core/log.h"
#include "core/untrusted.h"
#include "core/banned.h"

int
paude_tunnel_backend_open(struct paude_backend **out, const struct paude_address *a,
			  struct paude_runner *runner, struct paude_error **err)
{
	_cleanup_location_ struct paude_location at = PAUDE_LOCATION_INIT;
	if (a->host)
		at.kind = PAUDE_LOCATION_PODMAN; /* the local index knows nothing of a host's
						  * sessions; runner runs there */
	else
		paude_locate_where(&at, &a->where, a->name);
	return paude_backend_open(out, &at, runner, err);
}

int
paude_tunnel_check(struct paude_backend *b, const char *name, struct paude_error **err)
{
	struct paude_session s = { 0 };
	struct paude_error *e = NULL;
	paude_session_init(&s);
	int r = paude_backend_get(b, name, &s, &e);
	if (r == PAUDE_ENOTFOUND && e && e->sys_errno == 0) {
		/* The backend answered "no such session" (not "no such program"). */
		paude_error_free(e);
		paude_session_release(&s);
		return paude_error_set(err, PAUDE_ENOTFOUND, 0,
				       "session '%s' not found (list sessions with: paude list)",
				       name);
	}
	if (r < 0) {
		if (err && !*err)
			*err = e;
		else
			paude_error_free(e);
		paude_session_release(&s);
		return r;
	}
	enum paude_session_state st = s.state;
	/* podman counts a paused container as up; its status says "Paused". */
	bool paused = s.status && !strcasecmp(s.status, "paused");
	paude_session_release(&s);
	if (paused)
		return paude_error_set(err, PAUDE_ESTATE, 0,
				       "session '%s' is paused (resume its container with: "
				       "podman unpause paude-%s)",
				       name, name);
	if (st != PAUDE_SESSION_RUNNING)
		return paude_error_set(
		    err, PAUDE_ESTATE, 0,
		    "session '%s' is not running (start it with: paude start -d %s)", name, name);
	return 0;
}

int
paude_tunnel_prepare(struct paude_backend *b, const char *name, enum paude_git_service service,
		     int version, struct paude_child *out, struct paude_error **err)
{
	int r = paude_session_name_validate(name, err);
	if (r < 0)
		return r;
	if (version < 0 || version > 2)
		PAUDE_BUG("protocol version out of range");
	/*
	 * The image's paude-session runs the service on the workspace, or says
	 * the workspace is no repository yet in words a user can act on. The
	 * protocol version travels as an environment assignment through env(1),
	 * which works the same over podman exec and kubectl exec (the latter has
	 * no -e).
	 */
	char proto[32];
	(void)snprintf(proto, sizeof(proto), "GIT_PROTOCOL=version=%d", version);
	const char *argv[] = {
		"env", proto, "paude-session", "git", paude_git_service_name(service), name, NULL
	};
	return paude_backend_exec_prepare(b, name, PAUDE_EXEC_STDIN, version ? argv : argv + 2, out,
					  err);
}

int
paude_tunnel_protocol_version(struct paude_runner *runner, enum paude_git_service service, int *out,
			      struct paude_error **err)
{
	*out = 0;
	/* Only upload-pack speaks v2; receive-pack knows v1; archives, v0. */
	if (service == PAUDE_GIT_UPLOAD_ARCHIVE)
		return 0;
	_cleanup_child_ struct paude_child c = PAUDE_CHILD_INIT;
	_cleanup_buf_ struct paude_buf val = PAUDE_BUF_INIT;
	_cleanup_buf_ struct paude_buf errtext = PAUDE_BUF_INIT;
	int status = 0;
	paude_strvec_pushl(&c.args, "git", "config", "--get", "protocol.version", NULL);
	c.no_stdin = 1; /* our stdin is git's protocol channel */
	int r = paude_run_capture(runner ? runner : paude_runner_default(), &c, NULL, 0, &val,
				  &errtext, &status, err);
	if (r < 0)
		return r;
	paude_buf_rtrim(&val);
	const char *v = NULL;
	if (status == 0) {
		v = val.buf;
	} else if (status == 1) {
		/* Unset: git's own default, or its test override. */
		v = getenv("GIT_TEST_PROTOCOL_VERSION");
		if (!v || !*v)
			v = "2";
	} else {
		return paude_child_error(err, &c, status, errtext.buf, errtext.len);
	}
	if (strlen(v) != 1 || v[0] < '0' || v[0] > '2') {
		char shown[40];
		paude_show_untrusted(shown, sizeof(shown), v, strlen(v));
		return paude_error_set(err, PAUDE_EUSAGE, 0,
				       "unknown value for config 'protocol.version': %s", shown);
	}
	int version = v[0] - '0';
	if (service == PAUDE_GIT_RECEIVE_PACK && version == 2)
		version = 0; /* git pushes with v0 when v2 is asked for */
	*out = version;
	return 0;
}
