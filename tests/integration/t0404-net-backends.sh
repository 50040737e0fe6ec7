#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# Sessions on both of podman's network backends. The host's own backend
# (netavark on a host prepared by scripts/setup-host.sh) is what every other
# network test runs on; here doctor must name it, and a session must also
# work on CNI, which older distributions still use: podman is pointed at CNI
# with a containers.conf of this test's own. On either backend the agent's
# network has no DNS and the proxy is its only way out.
. "$(dirname "$0")/lib.sh"

# The stand-in agent (no Claude Code: nothing here needs it), built on the
# host's own backend before this test switches any podman call to CNI.
PAUDE_IMAGE=$("$SRC_DIR/tests/integration/ensure-image-dir.sh" \
	"$SRC_DIR/tests/integration/net-agent" localhost/h3-net-agent) || {
	echo "Bail out! cannot build the stand-in agent image"
	exit 1
}
export PAUDE_IMAGE

test_expect_success 'doctor names the network backend podman uses' '
	backend=$(podman info --format "{{.Host.NetworkBackend}}") &&
	paude doctor >out 2>err &&
	test_grep "^ok    network backend: $backend " out
'

# A containers.conf like the host's, with the network backend set to CNI.
cni_conf="$TRASH/containers-cni.conf"
{
	if [ -r /etc/containers/containers.conf ]; then
		grep -v "^[[:space:]]*network_backend" /etc/containers/containers.conf |
			sed "s/^\[network\]$/[network]\nnetwork_backend = \"cni\"/"
	fi
	grep -q "^\[network\]" /etc/containers/containers.conf 2>/dev/null ||
		printf "[network]\nnetwork_backend = \"cni\"\n"
} >"$cni_conf"

name=$(test_session_name cni)
cni_egress="paude-t-cni-egress-$$"
have_cni=false
[ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] && have_cni=true
# CNI's bridges and routes outlive its networks, and its subnets are chosen
# without regard to netavark's: left in the host's network namespace they
# would shadow later tests' networks. So every CNI podman call runs in a
# network namespace of this test's own (nsenter keeps the mount namespace,
# and with it the cgroup mounts, that `ip netns exec` would replace).
cni_ns="paude-t0404-$$"
if $have_cni; then
	ip netns add "$cni_ns" || exit 1
	ip netns exec "$cni_ns" ip link set lo up
fi
cni() {
	CONTAINERS_CONF="$cni_conf" nsenter --net="/run/netns/$cni_ns" "$@"
}
test_on_exit "ip netns del $cni_ns"
test_on_exit "cni paude delete $name --confirm; cni podman rm -f -t 0 paude-$name paude-proxy-$name; cni podman network rm -f paude-net-$name $cni_egress; cni podman volume rm -f paude-$name-workspace"

test_expect_success 'a CNI podman is recognised as such by doctor' '
	if ! $have_cni; then echo "skip: no CNI plugins on this host" >&2; exit 0; fi
	test_equal cni "$(cni podman info --format "{{.Host.NetworkBackend}}")" &&
	cni paude doctor >out 2>err &&
	test_grep "^ok    network backend: cni " out
'

test_expect_success 'the test suite refuses a CNI host up front, with the fix' '
	if ! $have_cni; then echo "skip: no CNI plugins on this host" >&2; exit 0; fi
	test_must_fail cni "$SRC_DIR/tests/integration/check-host.sh" 2>err &&
	test_grep "uses the .cni. network backend" err &&
	test_grep "network_backend = \"netavark\"" err &&
	"$SRC_DIR/tests/integration/check-host.sh"
'

test_expect_success 'on CNI a session starts, its network has no DNS, and the proxy filters' '
	if ! $have_cni; then echo "skip: no CNI plugins on this host" >&2; exit 0; fi
	mkdir -p "$TRASH/ws" && cd "$TRASH/ws" &&
	cni podman network create --internal --disable-dns "$cni_egress" >/dev/null &&
	PAUDE_PROXY_NETWORK="$cni_egress" cni paude create "$name" --allowed-domains allowed.test 2>err &&
	test_equal "true false" "$(cni podman network inspect "paude-net-$name" \
		--format "{{.Internal}} {{.DNSEnabled}}")" &&
	PAUDE_PROXY_NETWORK="$cni_egress" cni paude start -d "$name" &&
	test_equal running "$(cni podman container inspect "paude-$name" --format "{{.State.Status}}")" &&
	for host in allowed.test blocked.test "paude-proxy-$name" deb.debian.org; do
		test_must_fail cni podman exec "paude-$name" getent hosts "$host" || return 1
	done &&
	cni podman exec "paude-$name" curl -sS -m 20 -o /dev/null -w "%{http_code}\n" \
		http://blocked.test/ >code &&
	test_equal 403 "$(cat code)" &&
	cni podman exec "paude-proxy-$name" cat /var/log/squid/access.log >log &&
	test_grep "TCP_DENIED/403 .* http://blocked.test/ - HIER_NONE" log &&
	test_equal "paude-net-$name " "$(cni podman container inspect "paude-$name" --format \
		"{{range \$k, \$v := .NetworkSettings.Networks}}{{\$k}} {{end}}")"
'

test_expect_success 'on CNI delete removes the session, its proxy and network' '
	if ! $have_cni; then echo "skip: no CNI plugins on this host" >&2; exit 0; fi
	cni paude delete "$name" --confirm 2>err &&
	test_must_fail cni podman container exists "paude-$name" &&
	test_must_fail cni podman container exists "paude-proxy-$name" &&
	test_must_fail cni podman network exists "paude-net-$name" &&
	test_must_fail cni podman volume exists "paude-$name-workspace"
'

test_done
