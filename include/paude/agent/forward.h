/* SPDX-License-Identifier: MIT */
/*
 * Port forwarding from the host's loopback into a session, over the
 * session's own exec channel: paude listens on 127.0.0.1:HOST_PORT and, for
 * each connection, runs a relay in the session (`podman exec -i` or `oc exec
 * -i`: bash's /dev/tcp to 127.0.0.1:PORT there) with the connection as its
 * stdin and stdout. Nothing is published, no address but loopback listens,
 * and the session's network policy is untouched.
 *
 * Active forwards are recorded in $XDG_STATE_HOME/paude/forwards/
 * (SESSION-HOST_PORT: "PID SESSION PORT HOST_PORT"), so they can be listed
 * and stopped; a record whose process is gone is stale and removed.
 */
#ifndef PAUDE_FORWARD_H
#define PAUDE_FORWARD_H

#include <stdbool.h>
#include <sys/types.h>
#include "paude/backend/backend.h"
#include "paude/core/error.h"

struct paude_forward {
	char session[64];
	unsigned short port; /* in the session */
	unsigned short host_port; /* on 127.0.0.1 */
	int fd; /* the listening socket, -1 when not listening */
	pid_t pid; /* for records: the process that forwards */
};

/* "PORT" or "PORT:HOST_PORT" (1-65535 each) into f (fd -1). PAUDE_EUSAGE otherwise. */
int paude_forward_parse(struct paude_forward *f, const char *session, const char *spec,
			struct paude_error **err);
/* Listen on 127.0.0.1:f->host_port (close-on-exec). PAUDE_EEXISTS when it is taken. */
int paude_forward_listen(struct paude_forward *f, struct paude_error **err);
/* The argv of the relay that runs in the session for a connection to port. */
void paude_forward_relay_argv(struct paude_strvec *out, unsigned short port);
/*
 * Serve the listening forwards until SIGINT or SIGTERM (or `stop` is set by
 * a handler): each connection becomes one relay in the session, started
 * through b's runner and reaped here; relay errors go to stderr unless
 * quiet. Records the forwards while serving and removes the records after.
 */
int paude_forward_serve(struct paude_backend *b, struct paude_forward *fw, size_t n, bool quiet,
			struct paude_error **err);
/*
 * Go on in the background: fork; the parent gets *is_parent true and
 * returns; the child gets false, leaves the terminal's session (setsid) and
 * has its standard streams on /dev/null.
 */
int paude_forward_detach(bool *is_parent, struct paude_error **err);
/* The active forwards (stale records removed), all or of one session (NULL). */
int paude_forward_list(struct paude_forward **out, size_t *n, const char *session,
		       struct paude_error **err);
/* Stop the forwards of session (every one, or only host_port when non-zero);
 * *stopped counts them. */
int paude_forward_stop(const char *session, unsigned short host_port, size_t *stopped,
		       struct paude_error **err);

#endif
