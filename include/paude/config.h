/* SPDX-License-Identifier: MIT */
/*
 * A project's own environment: .devcontainer/devcontainer.json,
 * .devcontainer.json or paude.json (first found wins), decoded at the
 * boundary into this plain struct. devcontainer.json is JSONC (comments and
 * trailing commas). Properties that would weaken isolation are not applied:
 * each becomes a warning naming it and why; unknown properties too.
 */
#ifndef PAUDE_CONFIG_H
#define PAUDE_CONFIG_H

#include <stdbool.h>
#include "error.h"
#include "strvec.h"

enum paude_config_kind {
	PAUDE_CONFIG_NONE = 0, /* no file: paude's default image */
	PAUDE_CONFIG_DEVCONTAINER,
	PAUDE_CONFIG_PAUDE,
};

enum paude_venv_mode {
	PAUDE_VENV_AUTO = 0, /* shadow .venv venv .virtualenv env .env that hold pyvenv.cfg */
	PAUDE_VENV_NONE,
	PAUDE_VENV_LIST, /* exactly venv_dirs */
};

struct paude_feature_ref {
	char *ref; /* OCI reference, e.g. "ghcr.io/devcontainers/features/node:1" */
	/* "name=value" as written in the config (booleans as "true"/"false";
	 * the string shorthand "ref": "1.2" is "version=1.2") */
	struct paude_strvec options;
};

struct paude_config {
	enum paude_config_kind kind;
	char *path; /* absolute path of the file used, NULL for NONE */
	char *workspace; /* the project directory the paths are checked against */
	char *image; /* devcontainer "image" / paude "base"; NULL = paude's default base */
	char *dockerfile; /* build.dockerfile, absolute; NULL if none */
	char *context; /* build.context, absolute (default: the dockerfile's directory) */
	struct paude_strvec build_args; /* build.args as "K=V" (only with a dockerfile) */
	struct paude_strvec packages; /* paude.json "packages" */
	struct paude_feature_ref *features; /* devcontainer "features", in file order */
	size_t n_features;
	/* postCreateCommand / setup: a string runs with `sh -c`; an array is an argv. */
	char *setup_shell; /* string form, or NULL */
	struct paude_strvec setup_argv; /* array form, or empty */
	struct paude_strvec env; /* containerEnv as "K=V" */
	enum paude_venv_mode venv_mode;
	struct paude_strvec venv_dirs; /* for PAUDE_VENV_LIST */
	struct paude_strvec warnings; /* refused or unknown properties, one message each */
};

void paude_config_init(struct paude_config *c);
void paude_config_release(struct paude_config *c);

/*
 * Find and parse the config of the project in `workspace` (absolute). No
 * file: PAUDE_OK with kind NONE. A malformed file: PAUDE_EUSAGE naming the
 * file and line. Never runs anything.
 */
int paude_config_load(struct paude_config *out, const char *workspace, struct paude_error **err);

/*
 * Parse one file's text. path (absolute) is used for messages and to
 * resolve relative paths: the project is the parent of a .devcontainer
 * directory holding the file, else the file's directory. Paths (build.*)
 * that leave the project are PAUDE_EUSAGE. Refused, unsupported and
 * unknown properties become out->warnings (the caller prints them).
 */
int paude_config_parse(struct paude_config *out, enum paude_config_kind kind, const char *path,
		       const char *text, size_t len, struct paude_error **err);

/* "devcontainer.json", "paude.json" or "none". */
const char *paude_config_kind_name(enum paude_config_kind k);

/*
 * JSONC to JSON in place: comments (outside strings) and trailing commas
 * become spaces; newlines are kept, so offsets and line numbers still
 * point at the original text. Returns n.
 */
size_t paude_jsonc_strip(char *s, size_t n);

#endif
