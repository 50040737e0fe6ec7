#!/bin/bash
# shellcheck disable=SC2034
# Helpers for the tests of examples/: no container registry is reachable
# where the tests run, so they provide the examples' base images themselves.
#
# - Stand-ins for docker.io/library/{python,node,golang} are built offline
#   from the Debian base (tests/integration/standins/*: Debian's python3 with
#   pip and pytest, nodejs 18 and npm, golang-go 1.19): honest substitutes,
#   not the real images, and the tests say so.
# - A real OCI registry (Debian's docker-registry, lib-registry.sh) is
#   started on loopback with its own storage under $TRASH; the stand-ins are
#   pushed into it
#   under the names the examples use (library/python:3.11-slim, ...).
# - CONTAINERS_REGISTRIES_CONF points podman, for this test only, at a
#   registries.conf that rewrites docker.io to that registry. It is a
#   rewrite, not a mirror: podman never falls back to the real docker.io.
#   So the pulls are real pulls through real podman, and nothing leaves the
#   machine.
#
# Source after lib.sh. Sets REGISTRY (127.0.0.1:PORT); cleanups are
# registered with test_on_exit.

EX_DIR="$SRC_DIR/tests/integration"

. "$EX_DIR/lib-registry.sh"

# Start the registry (lib-registry.sh) and point podman at it as docker.io.
ex_registry_start() {
	# shellcheck disable=SC2119 # no arguments: an open registry
	registry_start anonymous || return 1
	cat >"$TRASH/registries.conf" <<EOF
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "docker.io"
location = "$REGISTRY"
insecure = true
EOF
	export CONTAINERS_REGISTRIES_CONF="$TRASH/registries.conf"
}

# Build the stand-in DIR (python, node, go) unless cached, and push it to
# the test registry as NAME:TAG of docker.io's library.
ex_publish_standin() {
	local dir="$1" ref="$2" img
	img=$("$EX_DIR/ensure-image-dir.sh" "$EX_DIR/standins/$dir" "localhost/paude-test-standin-$dir") ||
		return 1
	podman push -q --tls-verify=false "$img" "docker://$REGISTRY/library/$ref"
}

# Drop what a pull through docker.io left in local storage, so the next
# test file pulls for real again.
ex_forget_pulled() {
	local ref
	for ref in "$@"; do
		podman rmi -f "docker.io/library/$ref" >/dev/null 2>&1 || true
	done
}
