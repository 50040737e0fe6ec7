/* SPDX-License-Identifier: MIT */
/*
 * The SSH form of a session address (address.h): "ssh://" HOST "/" SPEC,
 * where HOST is the `--host` address [USER@]HOST[:PORT] (an IPv6 address
 * as [ADDRESS] or [ADDRESS]:PORT) or a name from ~/.ssh/config, and SPEC
 * what follows it (NAME or podman/NAME, checked by the caller). Data only:
 * the host is checked here against the characters a host address may
 * hold, so nothing odd reaches a message or the SSH layer, which parses it
 * fully (ssh-config.h) before it connects.
 */
#ifndef PAUDE_SSH_URL_H
#define PAUDE_SSH_URL_H

#include <stdbool.h>
#include <stddef.h>
#include "paude/core/error.h"

#define PAUDE_SSH_URL_SCHEME "ssh://"

/* Whether s (of length len) starts with the scheme. */
bool paude_ssh_url_is(const char *s, size_t len);

/* What is wrong with h as a host part of this form ([USER@]HOST[:PORT] or
 * a config name, held to the whitelist above, not starting with '-'), in
 * a few words; NULL when it is fine. */
const char *paude_ssh_host_problem(const char *h);

/*
 * Split s (len bytes, starting with "ssh://") into *host (malloc'd) and
 * *spec (a pointer into s, *spec_len bytes). PAUDE_EUSAGE with a one-line
 * message (control characters escaped) on an empty or malformed host, or
 * no "/" and SPEC after it; *host is untouched then.
 */
int paude_ssh_url_split(const char *s, size_t len, char **host, const char **spec, size_t *spec_len,
			struct paude_error **err);

#endif
