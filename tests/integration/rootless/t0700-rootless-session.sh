#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# A session's whole life under rootless podman, as a normal user on a host
# prepared by scripts/setup-host.sh, with an image store of its own and no
# container registry: doctor, create (the base image built by paude's
# fallback, mmdebstrap in unshare mode, then the agent and proxy images),
# start, the network policy (a refused name gets 403, no DNS, no direct
# route), the git tunnel both ways, stop/start keeping the workspace, and
# delete leaving nothing.
. "$(dirname "$0")/lib-rootless.sh"
. "$(dirname "$0")/../lib-net.sh"

first=$(test_session_name first)
name=$(test_session_name rl)
for n in "$first" "$name"; do
	test_on_exit "paude delete $n --confirm; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done
git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main
mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
echo "print('hello')" >main.py
git add main.py
git commit -q -m "first"

leftovers() {
	podman container exists "paude-$1" || podman volume exists "paude-$1-workspace" ||
		podman container exists "paude-proxy-$1" || podman network exists "paude-net-$1" ||
		podman ps --all --external --format "{{.Names}}" | grep -q -- "-working-container"
}

test_expect_success 'doctor finds what rootless podman needs on this host' '
	paude doctor >out 2>err &&
	test_grep "^ok    podman .*(rootless" out &&
	test_grep "^ok    runtime directory: $XDG_RUNTIME_DIR\$" out &&
	test_grep "^ok    subordinate ids: " out &&
	test_grep "^ok    network helper for rootless podman: .*slirp4netns" out &&
	test_grep "^ok    /dev/net/tun is usable" out
'

start=$SECONDS
test_expect_success 'create with no registry builds the base image without root (mmdebstrap), then the images' '
	paude create "$first" --no-push --allowed-domains allowed.test 2>err &&
	test_grep "The base image cannot be pulled" err &&
	test_grep "with mmdebstrap in unshare mode (no root" err &&
	podman image exists localhost/paude-base-os:bookworm &&
	podman run --rm localhost/paude-base-os:bookworm cat /etc/debian_version >v &&
	test_grep "^12\." v &&
	podman container exists "paude-$first" &&
	podman container exists "paude-proxy-$first"
'
echo "# rootless: base (mmdebstrap), agent and proxy images built in $((SECONDS - start))s"

test_expect_success 'doctor runs a container on an internal network, as a session does' '
	paude doctor >out 2>err &&
	test_grep "^ok    containers run on an internal network" out
'

test_expect_success 'delete leaves nothing (not even a build working container)' '
	paude delete "$first" --confirm 2>err &&
	test_must_fail leftovers "$first"
'

start=$SECONDS
if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi
echo "# rootless: the test internet (its image built) in $((SECONDS - start))s"
IP_ALLOWED=$(net_ip "$NET_SRV_ALLOWED")

test_expect_success 'create and start -d a session on the test internet' '
	cd "$TRASH/repo" &&
	paude create "$name" --no-push --allowed-domains allowed.test 2>err &&
	paude start -d "$name" </dev/null 2>err &&
	test_equal true "$(podman inspect -f "{{.State.Running}}" "paude-$name")" &&
	test_equal true "$(podman inspect -f "{{.State.Running}}" "paude-proxy-$name")"
'

test_expect_success 'the allowed name is reached through the proxy; a refused one gets 403' '
	in_session "$name" curl -sS -m 20 http://allowed.test/ >out &&
	test_grep "hello from allowed" out &&
	in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" http://blocked.test/ >code &&
	test_equal 403 "$(cat code)"
'

test_expect_success 'no name resolves in the session (no DNS)' '
	for host in allowed.test blocked.test "paude-proxy-$name"; do
		test_must_fail in_session "$name" getent hosts "$host" || return 1
	done
'

test_expect_success 'no direct route: a server address bypassing the proxy is unreachable' '
	test -n "$IP_ALLOWED" &&
	on_internet curl -sS -m 10 "http://$IP_ALLOWED/" >control &&
	test_grep "hello from allowed" control &&
	test_must_fail in_session "$name" bash -c "exec 3<>/dev/tcp/$IP_ALLOWED/80" 2>err &&
	test_grep "unreachable\|refused\|timed out" err
'

session_git() { podman exec "paude-$name" git -C /pvc/workspace "$@"; }

test_expect_success 'git push through paude:: (paude remote add --push)' '
	cd "$TRASH/repo" &&
	paude remote add --push "$name" 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)" &&
	test_equal "print('"'"'hello'"'"')" "$(in_session "$name" cat /pvc/workspace/main.py)"
'

test_expect_success 'git pull brings back a commit made in the session' '
	cd "$TRASH/repo" &&
	in_session "$name" sh -c "echo agent >/pvc/workspace/agent.txt" &&
	session_git add agent.txt &&
	session_git -c user.name=Agent -c user.email=agent@paude.invalid commit -q -m "by the agent" &&
	git pull -q --ff-only "paude-$name" main 2>err &&
	test_equal agent "$(cat agent.txt)"
'

test_expect_success 'git clone paude::NAME gives the same tree' '
	git clone -q "paude::$name" "$TRASH/clone" 2>err &&
	test_equal "$(session_git rev-parse HEAD^{tree})" \
		"$(git -C "$TRASH/clone" rev-parse HEAD^{tree})"
'

test_expect_success 'stop and start keep the workspace' '
	in_session "$name" sh -c "echo kept >/pvc/workspace/kept.txt" &&
	paude stop "$name" 2>err &&
	test_equal false "$(podman inspect -f "{{.State.Running}}" "paude-$name")" &&
	paude start -d "$name" </dev/null 2>err &&
	test_equal kept "$(in_session "$name" cat /pvc/workspace/kept.txt)" &&
	test_equal "$(git -C "$TRASH/repo" rev-parse HEAD)" "$(session_git rev-parse HEAD)"
'

test_expect_success 'delete leaves nothing' '
	paude delete "$name" --confirm 2>err &&
	test_must_fail leftovers "$name" &&
	test_must_fail git -C "$TRASH/repo" config --get "remote.paude-$name.url"
'

test_done
