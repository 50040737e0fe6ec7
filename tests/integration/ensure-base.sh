#!/bin/bash
# Make sure the offline base OS image exists (no container registry is
# reachable on the test machines): debootstrap a minimal Debian and import
# it. The image is the cache; delete it to rebuild. Idempotent.
set -eu
IMAGE="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
SUITE="${PAUDE_BASE_SUITE:-bookworm}"
MIRROR="${PAUDE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if podman image exists "$IMAGE"; then
	exit 0
fi
echo "building the offline base image $IMAGE (debootstrap $SUITE, about a minute)" >&2
root=$(mktemp -d /var/tmp/paude-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >&2
tar -C "$root" -c . | podman import - "$IMAGE" >/dev/null
