/* SPDX-License-Identifier: MIT */
/*
 * What `paude doctor` asks of a Podman (local, or a host's over the SSH
 * runner): what it is and how it is set up, and whether it runs a
 * container the way a session's agent runs. The report is the caller's.
 */
#ifndef PAUDE_PODMAN_CHECK_H
#define PAUDE_PODMAN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include "paude/core/buf.h"
#include "paude/core/error.h"
#include "paude/core/run.h"

/* What podman info says (strings NULL when it does not say). */
struct paude_podman_info {
	char *version;
	char *runtime; /* the OCI runtime: runc, crun */
	char *cgroups; /* v1, v2 */
	char *network_backend; /* netavark, cni */
	char *graph_driver; /* overlay, vfs */
	bool rootless;
	int uid_ranges; /* the uid ranges rootless podman maps; -1 if not said */
};
#define PAUDE_PODMAN_INFO_INIT                                                                     \
	{                                                                                          \
		.uid_ranges = -1                                                                   \
	}
void paude_podman_info_release(struct paude_podman_info *i);

/* Run `podman info --format json`; its output into json (the error: podman's). */
int paude_podman_info_read(struct paude_runner *r, struct paude_buf *json,
			   struct paude_error **err);
/* Decode it into *out (initialised with PAUDE_PODMAN_INFO_INIT). */
int paude_podman_info_parse(struct paude_podman_info *out, const char *json, size_t len,
			    struct paude_error **err);

/*
 * An image to try a run with: prefer when it is usable (not an option, and
 * a local image), else the first local paude image (localhost/paude-*).
 * Caller frees; NULL when there is none.
 */
char *paude_podman_check_image(struct paude_runner *r, const char *prefer);

/* Where paude_podman_check_run failed. */
enum paude_podman_check_step {
	PAUDE_PODMAN_CHECK_NETWORK, /* creating the internal network */
	PAUDE_PODMAN_CHECK_RUN, /* running the container on it */
};

/*
 * Run image as a session's agent runs: on an internal network without DNS
 * of its own (paude-doctor-PID, labelled paude.io/doctor=1, removed
 * afterwards), no capabilities, no new privileges. On failure *failed says
 * which step, and the error carries podman's words.
 */
int paude_podman_check_run(struct paude_runner *r, const char *image,
			   enum paude_podman_check_step *failed, struct paude_error **err);

#endif
