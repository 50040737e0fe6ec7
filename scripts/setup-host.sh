#!/bin/bash
# Prepare a Debian/Ubuntu host (as root) to build and test paude:
# packages, podman settings for nested/VM hosts, and nothing else.
# Used by .ci/run and by the README's first command. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PKGS=(build-essential pkg-config libgit2-dev libssh2-1-dev libjson-c-dev
	libcurl4-openssl-dev libcmocka-dev podman runc catatonit uidmap
	git tmux squid debootstrap curl ca-certificates shellcheck valgrind
	docker-registry openssl python3)
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
# user's own configuration is never overwritten.
conf=/etc/containers/containers.conf
if [ ! -e "$conf" ]; then
	$SUDO mkdir -p /etc/containers
	$SUDO tee "$conf" >/dev/null <<'CONF'
# written by paude's tests/setup-host.sh
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
fi
podman info >/dev/null
