#!/bin/bash
# Prepare a Debian/Ubuntu host (as root) to build and test paude:
# packages, podman settings for nested/VM hosts, and nothing else.
# Used by .ci/run and by the README's first command. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Rootless podman needs what podman only recommends (and so what
# --no-install-recommends leaves out): slirp4netns for container networks,
# uidmap for subordinate ids, dbus-user-session for a user's systemd, and
# a storage configuration (containers-storage ships podman's default one;
# without it rootless podman falls back to the slow vfs driver), with
# fuse-overlayfs where the kernel cannot mount overlayfs rootless.
# mmdebstrap builds the fallback base image without root (debootstrap
# needs root). See docs/ROOTLESS.md.
ROOTLESS_PKGS=(slirp4netns uidmap dbus-user-session containers-storage fuse-overlayfs
	mmdebstrap)
# openssh-server: the remote-host tests (tests/integration/lib-ssh.sh) run
# their own /usr/sbin/sshd on 127.0.0.1 with a private configuration; the
# system's ssh service is not used.
PKGS=(build-essential pkg-config libgit2-dev libssh2-1-dev libjson-c-dev
	libcurl4-openssl-dev libcmocka-dev libmicrohttpd-dev libssl-dev podman runc catatonit uidmap
	netavark aardvark-dns
	git tmux squid zsh fish debootstrap curl ca-certificates shellcheck valgrind
	docker-registry openssl python3 openssh-client openssh-server "${ROOTLESS_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js and npm for the schema check of the cluster objects (tests/schema).
# A Node that came from elsewhere (NodeSource bundles npm) is kept as it is.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

# Podman on hosts with hybrid cgroups and a capped nofile limit: use runc,
# and ask for limits the host can grant. Only written when absent, so a
# user's own configuration is never overwritten. (Podman reads the file
# CONTAINERS_CONF names instead, when it is set: so does this script.)
conf=${CONTAINERS_CONF:-/etc/containers/containers.conf}
if [ ! -e "$conf" ]; then
	$SUDO mkdir -p "$(dirname "$conf")"
	$SUDO tee "$conf" >/dev/null <<'CONF'
# written by paude's scripts/setup-host.sh
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
fi

# Podman's network backend. netavark with aardvark-dns is podman's own
# default and gives containers DNS on the networks they share; the tests'
# stand-in internet relies on it. (Sessions do not: their agent's network
# has no DNS on either backend.) Podman picks the backend once, at its
# first use, and only picks netavark when it is installed by then: the
# packages above come first. A host whose podman chose CNI earlier keeps
# it, unless the configuration above is paude's own and nothing exists
# that lives on a CNI network yet: then switching is safe, so do it.
backend=$(podman info --format '{{.Host.NetworkBackend}}')
if [ "$backend" = cni ]; then
	if grep -q "written by paude" "$conf" 2>/dev/null &&
		! grep -q '^[[:space:]]*network_backend' "$conf" &&
		[ -z "$(podman ps -aq)" ] &&
		[ "$(podman network ls --format '{{.Name}}')" = podman ]; then
		printf '[network]\nnetwork_backend = "netavark"\n' | $SUDO tee -a "$conf" >/dev/null
		# CNI leaves its default bridge behind when its last container goes;
		# netavark's own default bridge uses the same subnet (10.88.0.0/16),
		# and the stale route would swallow its containers' replies. Nothing
		# uses it (no container exists), so it goes.
		if ip link show cni-podman0 >/dev/null 2>&1; then
			$SUDO ip link delete cni-podman0
		fi
		backend=$(podman info --format '{{.Host.NetworkBackend}}')
		echo "setup-host: podman's network backend switched from cni to $backend (no container or network used CNI yet)" >&2
	else
		cat >&2 <<-'MSG'
		setup-host: podman on this host uses the CNI network backend (it chose CNI
		before netavark was installed, or it is configured so). paude sessions work
		with CNI. paude's integration tests need container DNS between test
		containers, which CNI does not give on internal networks: use netavark
		(set network_backend = "netavark" in the [network] table of
		/etc/containers/containers.conf once no container uses a CNI network;
		'podman system reset' starts over but removes every container and image).
		MSG
	fi
fi

# Rootful podman gives each session's containers their own range of
# unprivileged host ids (paude create uses --userns=auto), taken from the
# subordinate ranges of the user "containers". Added only when that user has
# no range yet; existing entries are never changed.
for f in /etc/subuid /etc/subgid; do
	if ! grep -qs '^containers:' "$f"; then
		echo "containers:2147483647:2147483648" | $SUDO tee -a "$f" >/dev/null
	fi
done

# Rootless podman for the user who ran this (through sudo): subordinate
# ids, which useradd gives new accounts but older ones may lack. Added only
# when the user has none; the rest (a runtime directory, a usable
# /dev/net/tun) is the login's and the host's: paude doctor checks them.
# The first range of 65536 ids from 100000 up that no entry overlaps
# (entries can be anywhere: the range of "containers" above ends at 2^32).
# shellcheck disable=SC2016  # an awk program
free_range_awk='NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { s[++k] = $2; e[k] = $2 + $3 }
END {
	c = 100000
	do { moved = 0; for (i = 1; i <= k; i++) if (s[i] < c + n && e[i] > c) { c = e[i]; moved = 1 } } while (moved)
	print c
}'
if [ "$(id -u)" -ne 0 ]; then
	me=$(id -un)
	if ! grep -Eq "^($me|$(id -u)):" /etc/subuid 2>/dev/null ||
		! grep -Eq "^($me|$(id -u)):" /etc/subgid 2>/dev/null; then
		next=$(cat /etc/subuid /etc/subgid 2>/dev/null |
			awk -F: -v n=65536 "$free_range_awk")
		$SUDO usermod --add-subuids "$next-$((next + 65535))" \
			--add-subgids "$next-$((next + 65535))" "$me"
		echo "setup-host: gave $me subordinate ids $next-$((next + 65535)) for rootless podman;" \
			"podman uses them after: podman system migrate (it stops your containers)" >&2
	fi
fi
