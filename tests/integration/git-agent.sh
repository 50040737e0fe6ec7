#!/bin/bash
# Print the name of the small git-only agent image for the tunnel tests,
# building it first if it is missing (cached by a hash of its inputs).
set -eu
dir=$(cd "$(dirname "$0")/git-agent" && pwd)
base="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
hash=$( (echo "$base"; cat "$dir"/Containerfile "$dir"/paude-entrypoint "$dir"/paude-session) |
	sha256sum | cut -c1-12)
image="localhost/paude-test-git-agent:$hash"
if ! podman image exists "$image"; then
	podman build -q --build-arg "BASE=$base" -t "$image" "$dir" >&2
fi
echo "$image"
