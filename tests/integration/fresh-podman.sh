#!/bin/bash
# Run a command against a podman that looks like a fresh host's: no storage,
# no containers.conf, no networks, only the CNI configuration the podman
# package ships, and (with --no-netavark) no netavark or aardvark-dns.
# Everything is private to a mount namespace (root only), so the host's
# podman, its containers and its configuration are not touched. Nothing is
# started: only podman's view of itself changes, which is what decides the
# network backend.
#   fresh-podman.sh [--no-netavark] DIR CMD...   (DIR: scratch, must be new)
set -eu
if [ "${1:-}" != --in-namespace ]; then
	exec unshare -m --propagation private "$0" --in-namespace "$@"
fi
shift
no_netavark=false
if [ "$1" = --no-netavark ]; then
	no_netavark=true
	shift
fi
dir="$1"
shift
mkdir -p "$dir/etc" "$dir/cni" "$dir/helpers"
for d in /var/lib/containers /run/containers /run/libpod /dev/shm; do
	mkdir -p "$d"
	mount -t tmpfs tmpfs "$d"
done
cp -a /etc/containers/. "$dir/etc/"
rm -rf "$dir/etc/containers.conf" "$dir/etc/networks"
mkdir "$dir/etc/networks"
mount --bind "$dir/etc" /etc/containers
# The default network the podman package ships, and nothing else.
if [ -e /etc/cni/net.d/87-podman-bridge.conflist ]; then
	cp /etc/cni/net.d/87-podman-bridge.conflist "$dir/cni/"
fi
mkdir -p /etc/cni/net.d
mount --bind "$dir/cni" /etc/cni/net.d
if $no_netavark; then
	for f in /usr/lib/podman/*; do
		case "${f##*/}" in netavark | aardvark-dns) ;; *) cp -a "$f" "$dir/helpers/" ;; esac
	done
	mount --bind "$dir/helpers" /usr/lib/podman
fi
"$@"
