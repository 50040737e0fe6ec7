/* SPDX-License-Identifier: MIT */
/* Shared between lib/image.c and lib/image-custom.c; not a public API. */
#ifndef PAUDE_IMAGE_INTERNAL_H
#define PAUDE_IMAGE_INTERNAL_H

#include "paude/image.h"
#include "paude/strvec.h"

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

#endif
