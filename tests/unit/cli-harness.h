/* SPDX-License-Identifier: MIT */
/*
 * paude's commands run in-process by unit tests, with a fake runner: the
 * environment they expect, and the call itself.
 */
#ifndef CLI_HARNESS_H
#define CLI_HARNESS_H

#include "../../cmd/paude/cli.h"
#include "fake-runner.h"

/*
 * HOME=home, fixed agent and proxy images (nothing is built), no CA bundle,
 * no proxy network override, no Vertex settings from the developer's shell.
 */
void cli_harness_env(const char *home);

/* Run `paude WORDS...` (NULL-terminated; the first word names the command:
 * create, start, connect, stop, delete, list, network or remote) with f's runner. */
int cli_harness_run(struct fake_runner *f, struct paude_error **err, ...);

#endif
