/* SPDX-License-Identifier: MIT */
/* Shared by lib/image/image.c, image-build.c, image-base.c and image-custom.c; not a
 * public API. */
#ifndef PAUDE_IMAGE_INTERNAL_H
#define PAUDE_IMAGE_INTERNAL_H

#include <stdlib.h>
#include <string.h>
#include "paude/image/image.h"
#include "paude/core/alloc.h"
#include "paude/core/buf.h"
#include "paude/core/run.h"
#include "paude/core/strvec.h"

void paude_image__files_add(struct paude_image_files *f, const char *path, const void *data,
			    size_t size, unsigned mode);
/* "NAME LENGTH\n" then the bytes: an unambiguous encoding of one field. */
void paude_image__hash_field(struct paude_sha256 *h, const char *name, const void *data, size_t n);
void paude_image__hash_str(struct paude_sha256 *h, const char *name, const char *s);
bool paude_image__valid_ref(const char *s);
int paude_image__exists(struct paude_runner *r, const char *ref, bool *yes,
			struct paude_error **err);
char *paude_image__id(struct paude_runner *r, const char *ref);
void paude_image__remove_replaced(struct paude_runner *r, const char *old_id, const char *ref);

/* One `podman build`. */
struct paude_image__build {
	const char *ref; /* the tag to give */
	const char *hash; /* for the label */
	const char *label; /* paude.io/image=LABEL, and the log's name */
	/* Either files (written to a temporary context, Containerfile among
	 * them) or an existing context_dir with containerfile in it. */
	const struct paude_image_files *files;
	const char *context_dir;
	const char *containerfile;
	const char *base; /* --build-arg=BASE_IMAGE=, or NULL */
	const struct paude_image_arg *args;
	size_t nargs;
	const struct paude_strvec *raw_args; /* more build args, "K=V" */
	bool pull_never;
	bool ca_secret; /* pass the CA bundle as secret paude-ca */
};
int paude_image__build(struct paude_runner *r, const struct paude_image__build *b,
		       const struct paude_image_opts *o, struct paude_error **err);

/* Caps for what we read of a child: podman's stdout and stderr. */
#define CAPTURE_MAX (1u << 20)

static inline char *
xstrdup(const char *s)
{
	char *d = paude_xstrdup(s);
	return d;
}

/* SET (an option; paude fills it from its variable) if not NULL, else FALLBACK. */
const char *paude_image__opt_or(const char *set, const char *fallback);
/* A build argument value: printable, and nothing a Containerfile or a
 * shell would expand or split ($, quotes, backslash, whitespace). */
bool paude_image__valid_arg_value(const char *s);
void paude_image__notify(const struct paude_image_opts *o, enum paude_image_event ev,
			 const char *detail);
/* Run argv, capture stderr, report the exit status (no error for non-zero). */
int paude_image__run_status(struct paude_runner *r, const char *const *argv, int *status,
			    struct paude_buf *errout, struct paude_error **err);

/* Where the output of long steps goes when not verbose. */
struct logfile {
	char *path;
	bool keep; /* in the cache dir: name it in errors */
};
void paude_image__logfile_init(struct logfile *l, const char *workdir, const char *name);
/* Run a long step: its stdout and stderr go to our stderr when verbose,
 * else to the log file. *status is its exit status. */
int paude_image__run_logged(struct paude_runner *r, struct paude_child *c,
			    const struct paude_image_opts *o, const struct logfile *log,
			    int *status, struct paude_error **err);
/* PAUDE_ECHILD for a failed long step: what failed, where the log is, its tail. */
int paude_image__step_error(struct paude_error **err, const char *what, const char *prog,
			    int status, const struct paude_image_opts *o,
			    const struct logfile *log);

/* A temporary directory, removed with all it holds. */
struct workdir {
	char *path;
};
void paude_image__workdir_release(struct workdir *w);
int paude_image__workdir_create(struct workdir *w, struct paude_error **err);

#endif
