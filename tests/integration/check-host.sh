#!/bin/bash
# The host preconditions of the integration tests, checked up front so that
# a host that lacks one fails here with the fix, not in a test minutes later
# with a timeout. .ci/run calls it after scripts/setup-host.sh; run.sh calls
# it again with --functional once the base image exists.
#
# The tests' stand-in internet (lib-net.sh) names its servers with
# --network-alias on an internal podman network, and the sessions' proxies
# resolve those names through podman's container DNS. Podman gives that DNS
# with the netavark backend and aardvark-dns; with CNI, internal networks
# have no DNS at all. (paude's sessions need neither: this is the tests'.)
set -u
fail() {
	echo "check-host: $*" >&2
	exit 1
}

command -v podman >/dev/null || fail "podman is not installed (run scripts/setup-host.sh)"
backend=$(podman info --format '{{.Host.NetworkBackend}}' 2>&1) ||
	fail "podman does not work: $backend"
if [ "$backend" != netavark ]; then
	fail "podman uses the '$backend' network backend; the integration tests need netavark
  with aardvark-dns (container DNS on internal networks). scripts/setup-host.sh installs
  them and selects netavark on a host where nothing uses CNI yet; on a host that has CNI
  containers or networks, set network_backend = \"netavark\" in the [network] table of
  /etc/containers/containers.conf once none of them is needed (see docs/DEVELOPING.md)."
fi
aardvark=""
for d in /usr/libexec/podman /usr/lib/podman /usr/local/libexec/podman /usr/local/lib/podman; do
	[ -x "$d/aardvark-dns" ] && aardvark="$d/aardvark-dns" && break
done
[ -n "$aardvark" ] || fail "podman uses netavark but aardvark-dns is not installed, so test
  containers cannot resolve each other's names (apt-get install aardvark-dns)"

[ "${1:-}" = --functional ] || exit 0

# The real thing: a name given with --network-alias on an internal network
# resolves from another container on it.
image="${2:?usage: check-host.sh --functional IMAGE}"
net="h3-dnscheck-$$"
srv="h3-dnscheck-srv-$$"
trap 'podman rm -f -t 0 "$srv" >/dev/null 2>&1; podman network rm -f "$net" >/dev/null 2>&1' EXIT
podman network create --internal "$net" >/dev/null || fail "cannot create a test network"
podman run -d --name "$srv" --network "$net" --network-alias probe.test \
	--entrypoint sleep "$image" 60 >/dev/null || fail "cannot run a container on a test network"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	if podman run --rm --network "$net" --entrypoint getent "$image" hosts probe.test >/dev/null 2>&1; then
		exit 0
	fi
	sleep 1
done
fail "a container name does not resolve on an internal test network, although podman
  uses netavark ($aardvark): the tests' stand-in internet cannot work on this host"
