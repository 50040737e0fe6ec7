#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# scripts/setup-host.sh and podman's network backend on a fresh host (issue:
# a fresh Debian 12 host got CNI, and the tests' container DNS with it).
# Each case runs against a podman that looks new (fresh-podman.sh: private
# storage and configuration in a mount namespace); nothing is started and
# the host's podman is not touched. The packages are installed already, so
# setup-host.sh installs nothing here.
. "$(dirname "$0")/lib.sh"

fresh="$SRC_DIR/tests/integration/fresh-podman.sh"
setup="$SRC_DIR/scripts/setup-host.sh"
check="$SRC_DIR/tests/integration/check-host.sh"
root_ok=true
[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null || root_ok=false
# The script that came before netavark was in its package list.
old="$TRASH/old-setup-host.sh"
git -C "$SRC_DIR" show 283f0d2:scripts/setup-host.sh >"$old" 2>/dev/null || old=""

test_expect_success 'a fresh host gets netavark, and the test preconditions hold' '
	if ! $root_ok; then echo "skip: needs root for a mount namespace" >&2; exit 0; fi
	"$fresh" "$TRASH/f1" bash -c "\"$setup\" && podman info --format {{.Host.NetworkBackend}} &&
		cat /etc/containers/containers.conf && \"$check\" && echo check-ok" >out 2>err &&
	test_grep "^netavark$" out &&
	test_grep "^runtime = \"runc\"" out &&
	test_grep "^check-ok$" out
'

test_expect_success 'podman first used without netavark chooses CNI, and check-host refuses it with the fix' '
	if ! $root_ok; then echo "skip: needs root for a mount namespace" >&2; exit 0; fi
	"$fresh" --no-netavark "$TRASH/f2" bash -c "podman info --format {{.Host.NetworkBackend}};
		\"$check\"; echo rc=\$?" >out 2>err &&
	test_grep "^cni$" out &&
	test_grep "^rc=1$" out &&
	test_grep "uses the .cni. network backend" err
'

test_expect_success 'setup-host switches a CNI podman that nothing uses yet to netavark' '
	if ! $root_ok; then echo "skip: needs root for a mount namespace" >&2; exit 0; fi
	if [ -z "$old" ]; then echo "skip: no history to take the old script from" >&2; exit 0; fi
	"$fresh" --no-netavark "$TRASH/f3" bash -c "
		bash \"$old\" >/dev/null && podman info --format before={{.Host.NetworkBackend}} &&
		umount /usr/lib/podman &&
		\"$setup\" && podman info --format after={{.Host.NetworkBackend}} && \"$check\" && echo check-ok" \
		>out 2>err &&
	test_grep "^before=cni$" out &&
	test_grep "^after=netavark$" out &&
	test_grep "switched from cni to netavark" err &&
	test_grep "^check-ok$" out
'

test_expect_success 'the switch removes the bridge CNI left behind (its subnet is netavark'"'"'s too)' '
	if ! $root_ok; then echo "skip: needs root for a mount namespace" >&2; exit 0; fi
	# In a network namespace of its own: no link of the host is touched.
	"$fresh" --no-netavark "$TRASH/f5" unshare -n bash -c "
		podman info --format before={{.Host.NetworkBackend}} &&
		ip link add cni-podman0 type bridge && ip link show cni-podman0 >/dev/null &&
		umount /usr/lib/podman && \"$setup\" >/dev/null 2>&1 &&
		podman info --format after={{.Host.NetworkBackend}} &&
		if ip link show cni-podman0 >/dev/null 2>&1; then echo bridge-left; else echo bridge-gone; fi" \
		>out 2>err &&
	test_grep "^before=cni$" out &&
	test_grep "^after=netavark$" out &&
	test_grep "^bridge-gone$" out
'

test_expect_success 'setup-host leaves a CNI podman with networks of its own alone, and says how to switch' '
	if ! $root_ok; then echo "skip: needs root for a mount namespace" >&2; exit 0; fi
	"$fresh" --no-netavark "$TRASH/f4" bash -c "
		podman network create --internal t0005-keep >/dev/null &&
		umount /usr/lib/podman &&
		\"$setup\" && podman info --format after={{.Host.NetworkBackend}} &&
		podman network ls --format {{.Name}} &&
		grep -c network_backend /etc/containers/containers.conf; true" >out 2>err &&
	test_grep "^after=cni$" out &&
	test_grep "^t0005-keep$" out &&
	test_grep "^0$" out &&
	test_grep "uses the CNI network backend" err &&
	test_grep "network_backend = \"netavark\"" err
'

test_done
