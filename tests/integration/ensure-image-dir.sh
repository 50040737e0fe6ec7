#!/bin/bash
# Build an image from a directory of this tree unless an image of exactly
# that content exists already, and print its reference. The tag is a hash
# of the directory's files and the base image, so a change rebuilds and an
# unchanged directory costs one `podman image exists`.
#   ensure-image-dir.sh DIR REPO     ->  REPO:<hash>
set -eu
dir="$1"
repo="$2"
base="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
hash=$({
	echo "$base"
	cd "$dir" && find . -type f | LC_ALL=C sort | while read -r f; do
		echo "$f"
		sha256sum <"$f"
	done
} | sha256sum | cut -c1-16)
ref="$repo:$hash"
if ! podman image exists "$ref"; then
	echo "building $ref from $dir" >&2
	podman build -q --build-arg "BASE_IMAGE=$base" -t "$ref" "$dir" >/dev/null
fi
echo "$ref"
