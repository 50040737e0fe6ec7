/* SPDX-License-Identifier: MIT */
/*
 * Container images paude builds on the user's machine: the agent image from
 * containers/paude/ (and, the same way, any other containers/<dir>).
 *
 * An image is built from the files of containers/<dir> (compiled into the
 * binary, or read from $PAUDE_CONTAINERS_DIR/<dir> for development) with
 * `podman build`, on top of a base image given as the build argument
 * BASE_IMAGE, and tagged REPO:<first 16 hex digits of a sha256 over every
 * input> (paude's version, the directory's files, the base reference and
 * the build arguments). A tag that exists is reused without building; a
 * rebuild replaces it. See docs/IMAGES.md.
 *
 * The host CA bundle reaches the build's RUN steps as a build secret
 * ("paude-ca"): it lets apt/npm/curl through a TLS-inspecting proxy but is
 * not stored in the image, so it is not a hash input either.
 *
 * Nothing here prints; progress goes through the notify callback.
 */
#ifndef PAUDE_IMAGE_H
#define PAUDE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include "paude/core/error.h"
#include "paude/core/run.h"
#include "paude/core/sha256.h"

#define PAUDE_IMAGE_DEFAULT_BASE "docker.io/library/debian:bookworm-slim"
/* What the debootstrap fallback builds when the default base cannot be pulled. */
#define PAUDE_IMAGE_FALLBACK_BASE "localhost/paude-base-os:bookworm"
#define PAUDE_IMAGE_FALLBACK_SUITE "bookworm"
#define PAUDE_IMAGE_DEFAULT_MIRROR "http://deb.debian.org/debian"
#define PAUDE_IMAGE_AGENT_REPO "localhost/paude-agent"
#define PAUDE_IMAGE_PROXY_REPO "localhost/paude-proxy"
#define PAUDE_IMAGE_AGENT_DIR "paude"
/* Length of the hash prefix in a tag. */
#define PAUDE_IMAGE_TAG_HEX 16

enum paude_image_event {
	PAUDE_IMAGE_EV_PULL_BASE, /* detail: the base image being pulled */
	PAUDE_IMAGE_EV_BOOTSTRAP_BASE, /* detail: the base being built with debootstrap */
	PAUDE_IMAGE_EV_BUILD, /* detail: the image being built */
	PAUDE_IMAGE_EV_BUILT, /* detail: the image just built */
	/* detail: the base being built with mmdebstrap in a user namespace (not root) */
	PAUDE_IMAGE_EV_BOOTSTRAP_BASE_UNSHARE,
	PAUDE_IMAGE_EV_PULLED_BASE, /* detail: the base image just pulled */
	/* detail: the fallback base, built earlier, used because the default
	 * base cannot be pulled */
	PAUDE_IMAGE_EV_FALLBACK_BASE,
	PAUDE_IMAGE_EV_BUILD_LOG, /* detail: the file the build's output goes to (after BUILD) */
};
/* PAUDE_IMAGE_EV_PULL_BASE comes before a pull is tried: whether the base
 * came from the registry (PULLED_BASE) or from elsewhere (FALLBACK_BASE,
 * BOOTSTRAP_BASE*) is known only after it. */

typedef void (*paude_image_notify_fn)(void *ctx, enum paude_image_event ev, const char *detail);

/* Where a `podman build` is, for a live progress line. */
struct paude_image_progress {
	const char *image; /* the tag being built */
	unsigned stage, stages; /* "[stage/stages]" of a multi-stage build; 0: one stage */
	unsigned step, steps; /* "STEP step/steps" of the stage; 0: none seen yet */
	/* The step's instruction as podman printed it ("RUN apt-get ..."),
	 * from the build's output: untrusted text, sanitize before printing. */
	const char *what;
	long long elapsed; /* seconds since the build started */
	bool done; /* the build ended (the line can go) */
};
typedef void (*paude_image_progress_fn)(void *ctx, const struct paude_image_progress *p);

/*
 * If line (len bytes, no newline) is podman's "STEP n/N: WHAT" line,
 * optionally after "[s/S] " (a multi-stage build), set stage, stages, step,
 * steps and what (pointing into line; the caller copies it) in *p and
 * return true; otherwise false, *p untouched.
 */
bool paude_image_parse_step(const char *line, size_t len, struct paude_image_progress *p,
			    size_t *what_len);

struct paude_image_opts {
	/* The library reads no environment: paude fills these from the
	 * variables named (cmd/paude/env.c), NULL where they are unset. */
	const char *base; /* $PAUDE_BASE_IMAGE; NULL: PAUDE_IMAGE_DEFAULT_BASE */
	const char *agent_version; /* $PAUDE_CLAUDE_CODE_VERSION; NULL: "latest" */
	const char *ca_bundle; /* $PAUDE_CA_BUNDLE; NULL: paude_ca_bundle_detect(); "": none */
	const char *containers_dir; /* $PAUDE_CONTAINERS_DIR; NULL: the embedded files */
	const char *mirror; /* debootstrap mirror, $PAUDE_DEBIAN_MIRROR; NULL: the default */
	/* What the debootstrap fallback is called, $PAUDE_FALLBACK_BASE_IMAGE;
	 * NULL: PAUDE_IMAGE_FALLBACK_BASE. */
	const char *fallback_base;
	bool rebuild; /* build even if the tag exists, without the layer cache */
	bool verbose; /* build output to our stderr (else to a log, tail shown on failure) */
	paude_image_notify_fn notify; /* may be NULL */
	void *notify_ctx;
	/* Called for each build step and about once a second while a build
	 * runs, and once with done set at its end; may be NULL. */
	paude_image_progress_fn progress;
	void *progress_ctx;
};

/* A build argument of the Containerfile (besides BASE_IMAGE). */
struct paude_image_arg {
	const char *name;
	const char *value;
};

/* Which containers/<dir> to build and how to name it. */
struct paude_image_target {
	const char *dir; /* "paude", "proxy" */
	const char *repo; /* "localhost/paude-agent" */
	const struct paude_image_arg *args;
	size_t nargs;
};

/* One file of a build context. */
struct paude_image_file {
	char *path; /* relative to the context, e.g. "Containerfile" */
	unsigned char *data; /* NUL-terminated for convenience; size excludes it */
	size_t size;
	unsigned mode;
};

struct paude_image_files {
	struct paude_image_file *v; /* sorted by path */
	size_t nr;
};
#define PAUDE_IMAGE_FILES_INIT                                                                     \
	{                                                                                          \
		0                                                                                  \
	}

void paude_image_files_release(struct paude_image_files *f);

/*
 * The files of containers/<dir>: from o->containers_dir if set (regular
 * files directly in <dir>), else the
 * embedded copy. PAUDE_ENOTFOUND if there are none or no Containerfile.
 */
int paude_image_files_load(const char *dir, const struct paude_image_opts *o,
			   struct paude_image_files *out, struct paude_error **err);

/* Everything that decides an image's content; the hash covers exactly this. */
struct paude_image_inputs {
	const char *paude_version;
	const char *dir;
	const char *base;
	const struct paude_image_arg *args;
	size_t nargs;
	const struct paude_image_files *files;
};

/* sha256 over the inputs, in an unambiguous (length-prefixed) encoding. */
void paude_image_hash(const struct paude_image_inputs *in, char out[PAUDE_SHA256_HEX_LEN + 1]);

/* The base image reference in effect: o->base, else the default. */
const char *paude_image_base(const struct paude_image_opts *o);
/* The Claude Code version in effect: o->agent_version, else "latest". */
const char *paude_image_agent_version(const struct paude_image_opts *o);

/* Where sessions find the host CA bundle (podman: mounted; clusters: a ConfigMap). */
#define PAUDE_CA_BUNDLE_TARGET "/etc/paude/ca-bundle.crt"

/*
 * The host CA bundle: the first existing well-known bundle file
 * (/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt,
 * ...), else NULL. The string is static. ($PAUDE_CA_BUNDLE, which overrides
 * it, is read by paude: paude_cli_env_ca_bundle.)
 */
const char *paude_ca_bundle_detect(void);
/* The first of the NULL-terminated candidates that is a regular file, or NULL. */
const char *paude_ca_bundle_first(const char *const *candidates);

/*
 * The tag an image would get ("localhost/paude-agent:0123456789abcdef")
 * and, if hash is not NULL, the full hash. Reads the files (see
 * paude_image_files_load); runs nothing.
 */
int paude_image_tag(const struct paude_image_target *t, const struct paude_image_opts *o,
		    char **out, char hash[PAUDE_SHA256_HEX_LEN + 1], struct paude_error **err);

/*
 * The Containerfile that would be built, as text (for --dry-run): the file
 * with the default of each build argument replaced by the value in effect,
 * after a comment naming the tag and the other files of the context.
 * Caller frees *out.
 */
int paude_image_recipe_dir(const struct paude_image_target *t, const struct paude_image_opts *o,
			   char **out, struct paude_error **err);

/*
 * Make sure the image of target t exists and return its reference in
 * *out_ref (caller frees): if the tag exists and !o->rebuild, at once;
 * otherwise ensure the base (see paude_image_base_ensure), write the files
 * into a temporary context, `podman build` it and remove the context.
 * A failed build is PAUDE_ECHILD with the tail of the build log.
 * The build's output always goes to a log file of that image in the cache
 * directory (logs/build-LABEL-HASH.log, or -2, -3... while another build
 * of the same image writes it), also to stderr when o->verbose.
 */
int paude_image_build_dir(struct paude_runner *r, const struct paude_image_target *t,
			  const struct paude_image_opts *o, char **out_ref,
			  struct paude_error **err);

/* The name of the debootstrap fallback base in effect. */
const char *paude_image_fallback_base(const struct paude_image_opts *o);

/*
 * Make sure base image `base` is present: `podman image exists`, else
 * `podman pull`; if that fails and base is the default, use the fallback
 * base (paude_image_fallback_base), building it first if it is missing
 * with debootstrap from the Debian mirror and `podman import` (through
 * `podman unshare` when not root). A missing fallback asked for by name is
 * built without trying to pull it. *out_ref (caller frees) is the image to
 * build on; *out_fallback tells whether it is the fallback.
 */
int paude_image_base_ensure(struct paude_runner *r, const char *base,
			    const struct paude_image_opts *o, char **out_ref, bool *out_fallback,
			    struct paude_error **err);

/* The agent image (containers/paude with CLAUDE_CODE_VERSION): its target
 * (t->args points at *arg), */
void paude_image_agent_target(const struct paude_image_opts *o, struct paude_image_target *t,
			      struct paude_image_arg *arg);
int paude_image_recipe(const struct paude_image_opts *o, char **out, struct paude_error **err);
int paude_image_agent_tag(const struct paude_image_opts *o, char **out, struct paude_error **err);
int paude_image_ensure(struct paude_runner *r, const struct paude_image_opts *o, char **out_ref,
		       struct paude_error **err);

/* For tests: the effective uid that picks how the fallback base is built
 * (debootstrap as root, else mmdebstrap in unshare mode); -1: geteuid(). */
extern long paude_image__test_euid;

#endif
