#!/bin/bash
# Shared set-up for the rootless tests: lib.sh, run as a normal user with
# rootless podman (run.sh runs these files as the user that
# prepare-user.sh prepares, when it runs as root).
# shellcheck disable=SC2034
# Podman's image store: the user's own, not one in the private HOME that
# lib.sh makes (a store per test file would build every image again, and
# its files, owned by subordinate ids, could not go with the trash).
export XDG_DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

if [ "$(id -u)" -eq 0 ]; then
	echo "Bail out! the rootless tests run as a normal user (run.sh runs them as one)"
	exit 1
fi
if [ "$(podman info --format '{{.Host.Security.Rootless}}')" != true ]; then
	echo "Bail out! podman is not rootless here"
	exit 1
fi
# No base image is given: paude asks for its default, which no registry
# serves here, and builds the fallback itself, as it would for a new user.
unset PAUDE_BASE_IMAGE

# PATH without slirp4netns (or pasta), as on a host where podman's
# recommended packages were not installed: every other program of
# /usr/bin stays.
path_without_net_helper() {
	local d="$TRASH/no-net-helper" f
	if [ ! -d "$d" ]; then
		mkdir -p "$d"
		for f in /usr/bin/*; do
			case "${f##*/}" in
			slirp4netns | pasta | pasta.avx2) ;;
			*) ln -s "$f" "$d/${f##*/}" ;;
			esac
		done
	fi
	echo "$SRC_DIR/bin:$d"
}
