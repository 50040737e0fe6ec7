/* SPDX-License-Identifier: MIT */
/* The Podman backend (being written). */
#include "paude/backend.h"
#include "banned.h"

const struct paude_backend_ops paude_backend_podman = {
	.name = "podman",
};
