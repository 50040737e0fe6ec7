#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# What rootless podman needs from the host, each taken away in turn, as a
# normal user: doctor names the problem and prints its fix, start prints
# the same fix instead of podman's error, and a failed start leaves nothing
# that breaks the next one. (An unusable /dev/net/tun: t0702.)
. "$(dirname "$0")/lib-rootless.sh"

name=$(test_session_name rd)
test_on_exit "paude delete $name --confirm; podman rm -f paude-$name paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f paude-$name-workspace"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
nohelper=$(path_without_net_helper)

test_expect_success 'set-up: a session (create needs no container network)' '
	paude create "$name" 2>err
'

test_expect_success 'slirp4netns missing: doctor says so, with the fix' '
	test_must_fail env PATH="$nohelper" paude doctor >out 2>err &&
	test_grep "^FAIL  neither slirp4netns nor pasta is installed" out &&
	test_grep "fix: install slirp4netns (Debian/Ubuntu: sudo apt-get install slirp4netns" out &&
	test_grep "^FAIL  containers cannot run on an internal network: .*\"slirp4netns\": executable file not found" out &&
	test_grep "slirp4netns is not installed" out
'

test_expect_success 'slirp4netns missing: start prints the fix, not podman'"'"'s error' '
	test_must_fail env PATH="$nohelper" paude start -d "$name" </dev/null 2>err &&
	test_grep "cannot start the network proxy of session .$name.: rootless podman cannot make container networks: slirp4netns is not installed (fix: install slirp4netns" err &&
	test_must_fail grep "executable file not found" err
'

test_expect_success 'the failed start left nothing behind: the next start works' '
	ls "$XDG_RUNTIME_DIR/netns" >netns 2>/dev/null || : &&
	test_must_fail grep rootless-netns netns &&
	paude start -d "$name" </dev/null 2>err &&
	test_equal true "$(podman inspect -f "{{.State.Running}}" "paude-$name")" &&
	paude stop "$name" 2>err
'

image() {
	podman images --format "{{.Repository}}:{{.Tag}}" --filter "reference=localhost/paude-*" |
		head -n 1
}

test_expect_success 'stale rootless network state (left by podman itself): doctor names it and the exact fix' '
	img=$(image) && test -n "$img" &&
	test_must_fail env PATH="$nohelper" podman run --rm --network "$TEST_EGRESS" "$img" true 2>raw &&
	test_grep "slirp4netns" raw &&
	test_must_fail podman run --rm --network "$TEST_EGRESS" "$img" true 2>raw &&
	test_grep "failed to mount runtime directory for rootless netns" raw &&
	test_must_fail paude doctor >out 2>err &&
	test_grep "^FAIL  containers cannot run on an internal network: .*failed to mount runtime directory for rootless netns" out &&
	test_grep "podman.s rootless network state is stale" out &&
	test_grep "fix: stop your running containers, then: podman system migrate; rm -f $XDG_RUNTIME_DIR/netns/rootless-netns-\*\$" out
'

test_expect_success 'stale rootless network state: start prints the same fix' '
	test_must_fail paude start -d "$name" </dev/null 2>err &&
	test_grep "rootless network state is stale (.failed to mount runtime directory for rootless netns.) (fix: stop your running containers, then: podman system migrate; rm -f $XDG_RUNTIME_DIR/netns/rootless-netns-\*;" err
'

test_expect_success 'the printed fix works' '
	podman system migrate &&
	rm -f "$XDG_RUNTIME_DIR"/netns/rootless-netns-* &&
	paude doctor >out 2>err &&
	test_grep "^ok    containers run on an internal network" out &&
	paude start -d "$name" </dev/null 2>err &&
	paude stop "$name" 2>err
'

test_expect_success 'XDG_RUNTIME_DIR not usable (su keeps the old user'"'"'s): doctor says so, with the fix' '
	test_must_fail env XDG_RUNTIME_DIR=/nonexistent/run paude doctor >out 2>err &&
	test_grep "^FAIL  XDG_RUNTIME_DIR ./nonexistent/run. is not a directory of yours" out &&
	test_grep "fix: log in with a session that makes one .*loginctl enable-linger $(id -un).*install -d -m 0700 -o $(id -un) -g $(id -gn) /run/user/$(id -u)" out &&
	test_must_fail env XDG_RUNTIME_DIR=/root paude doctor >out 2>err &&
	test_grep "^FAIL  XDG_RUNTIME_DIR ./root. is not a directory of yours" out
'

test_expect_success 'no XDG_RUNTIME_DIR at all: doctor names the directory podman falls back to' '
	env -u XDG_RUNTIME_DIR paude doctor >out 2>err &&
	test_grep "^warn  XDG_RUNTIME_DIR is not set: podman uses /run/user/$(id -u) (export XDG_RUNTIME_DIR=/run/user/$(id -u))" out
'

test_expect_success 'all fixed: doctor passes' '
	paude doctor >out 2>err &&
	test_must_fail grep "^FAIL" out
'

test_done
