#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# rootless-host: tun-unusable
# A /dev/net/tun the user may not open (mode 0600, as on many container
# hosts): run.sh runs this file in a mount namespace where it is so (see
# as-user.sh --tun-unusable). doctor names it with the fix, start prints the
# same fix instead of slirp4netns's error, and nothing is left that breaks
# the next start.
. "$(dirname "$0")/lib-rootless.sh"

if [ -r /dev/net/tun ] && [ -w /dev/net/tun ]; then
	echo "1..0 # SKIP /dev/net/tun is usable here (run through run.sh as root)"
	exit 0
fi
name=$(test_session_name tun)
test_on_exit "paude delete $name --confirm; podman rm -f paude-$name paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f paude-$name-workspace"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1

test_expect_success 'doctor: /dev/net/tun not usable, with the fix' '
	test_must_fail paude doctor >out 2>err &&
	test_grep "^FAIL  /dev/net/tun is not readable and writable by this user" out &&
	test_grep "fix: make /dev/net/tun usable (sudo modprobe tun; sudo chmod 0666 /dev/net/tun" out
'

test_expect_success 'doctor: the container on an internal network fails for that reason' '
	test_must_fail paude doctor >out 2>err &&
	test_grep "^FAIL  containers cannot run on an internal network: .*/dev/net/tun" out &&
	test_grep "/dev/net/tun is not usable by this user" out &&
	test_grep "(removed the rootless network state this failure left)" out
'

test_expect_success 'start prints the fix, not slirp4netns'"'"'s error, and leaves no stale state' '
	paude create "$name" 2>err &&
	test_must_fail paude start -d "$name" </dev/null 2>err &&
	test_grep "rootless podman cannot make container networks: /dev/net/tun is not usable by this user (fix: make /dev/net/tun usable" err &&
	test_must_fail grep "child failed" err &&
	ls "$XDG_RUNTIME_DIR/netns" >netns 2>/dev/null || : &&
	test_must_fail grep rootless-netns netns
'

test_expect_success 'delete works without a container network' '
	paude delete "$name" --confirm 2>err &&
	! podman container exists "paude-$name" &&
	! podman volume exists "paude-$name-workspace"
'

test_done
