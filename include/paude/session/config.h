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
#include "paude/core/error.h"
#include "paude/session/lifecycle.h"
#include "paude/core/strvec.h"

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
	char *rel_path; /* the same, relative to the project (for the image and messages) */
	char *workspace; /* the project directory the paths are checked against */
	char *image; /* devcontainer "image" / paude "base"; NULL = paude's default base */
	char *dockerfile; /* build.dockerfile, absolute; NULL if none */
	/* build.context, absolute; default: the devcontainer.json's directory, or the
	 * project for paude.json */
	char *context;
	struct paude_strvec build_args; /* build.args as "K=V" (only with a dockerfile) */
	struct paude_strvec packages; /* paude.json "packages" */
	struct paude_feature_ref *features; /* devcontainer "features", in file order */
	size_t n_features;
	/* The lifecycle commands (paude.json "setup" is postCreateCommand): a
	 * string runs with `sh -c`, an array is an argv, an object names
	 * commands that run in parallel. Variables are substituted. */
	struct paude_lifecycle lifecycle;
	struct paude_strvec env; /* containerEnv as "K=V" */
	/* remoteEnv: "K=V" for the agent and the lifecycle commands, "K" to
	 * unset; ${containerEnv:NAME[:default]} is left in V, resolved in the
	 * running session. */
	struct paude_strvec remote_env;
	char *remote_user, *container_user; /* as written, or NULL */
	unsigned host_cpus; /* hostRequirements.cpus, 0 = none */
	unsigned long long host_memory; /* hostRequirements.memory in bytes, 0 = none */
	/* forwardPorts and appPort: session ports offered at start (each once,
	 * in file order) */
	unsigned short forward_ports[64];
	size_t n_forward_ports;
	enum paude_venv_mode venv_mode;
	struct paude_strvec venv_dirs; /* for PAUDE_VENV_LIST */
	struct paude_strvec warnings; /* refused or unknown properties, one message each */
};
#define PAUDE_CONFIG_INIT                                                                          \
	{                                                                                          \
		.build_args = PAUDE_STRVEC_INIT, .packages = PAUDE_STRVEC_INIT,                    \
		.lifecycle = PAUDE_LIFECYCLE_INIT, .env = PAUDE_STRVEC_INIT,                       \
		.remote_env = PAUDE_STRVEC_INIT, .venv_dirs = PAUDE_STRVEC_INIT,                   \
		.warnings = PAUDE_STRVEC_INIT                                                      \
	}

void paude_config_init(struct paude_config *c);
void paude_config_release(struct paude_config *c);

/*
 * The configurations of the project in `workspace` (absolute), as paths
 * relative to it, in the specification's order: .devcontainer/devcontainer.json,
 * .devcontainer.json, then .devcontainer/NAME/devcontainer.json by NAME; else
 * paude.json alone. Symbolic links count (the loader checks where they lead).
 */
void paude_config_find(struct paude_strvec *out, const char *workspace);

/*
 * Find and parse the config of the project in `workspace` (absolute). No
 * file: PAUDE_OK with kind NONE. Several devcontainer.json files and no
 * `choice`: PAUDE_EUSAGE listing them (choose with --config). `choice` (or
 * NULL): a file to use, absolute or relative to the workspace, which must
 * lie inside it; its kind follows its name (paude.json, else devcontainer).
 * A file that is a symbolic link out of the project, not valid UTF-8 or
 * malformed: PAUDE_EUSAGE naming the file (and line and column). Never runs
 * anything.
 */
int paude_config_load(struct paude_config *out, const char *workspace, const char *choice,
		      struct paude_error **err);

/*
 * Parse one file's text. path (absolute) is used for messages and to
 * resolve relative paths: the project is the parent of a .devcontainer
 * directory holding the file (or holding its directory), else the file's
 * directory. A UTF-8 byte-order mark is skipped; invalid UTF-8 is
 * PAUDE_EUSAGE with the line and column. Variables are substituted (see
 * docs/CONFIGURATION.md); an unknown one is PAUDE_EUSAGE naming it. Paths (build.*)
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
