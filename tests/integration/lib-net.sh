#!/bin/bash
# "The internet" for network tests, built from nothing but local containers
# (ENVIRONMENT.md: tests send traffic only to what they create). Source
# after lib.sh. net_setup creates:
#   network  h3-inet-PID     a normal podman network with DNS
#   servers  h3-srv-allowed-PID  (DNS names allowed.test, www.allowed.test)
#            h3-srv-blocked-PID  (DNS name blocked.test)
# each answering HTTP on 80/8080, HTTPS on 443/8443 (self-signed) and an
# SSH banner on 22 (tests/integration/inet/). Sessions' proxies join
# h3-inet-PID (PAUDE_PROXY_NETWORK), so they resolve these names; an
# unrestricted session reaches the servers by address. The servers have
# private addresses, which the proxy refuses by default: net_setup excepts
# exactly this network's subnet (PAUDE_PROXY_ALLOW_PRIVATE_DST, NET_INET_SUBNET).
# shellcheck disable=SC2034

NET_INET="h3-inet-$$"
NET_SRV_ALLOWED="h3-srv-allowed-$$"
NET_SRV_BLOCKED="h3-srv-blocked-$$"

# The agent image for sessions: the real one, unless NET_STANDIN_AGENT=1:
# then a stand-in with the same contract and the same absent tools but no
# Claude Code. Unrestricted sessions must use the stand-in: a real agent
# with an open network would talk to the real internet.
net_agent_image() {
	if [ "${NET_STANDIN_AGENT:-0}" != 1 ]; then
		return 0
	fi
	PAUDE_IMAGE=$("$SRC_DIR/tests/integration/ensure-image-dir.sh" \
		"$SRC_DIR/tests/integration/net-agent" localhost/h3-net-agent) || return 1
	export PAUDE_IMAGE
}

# Call at the top level of a test file (not inside test_expect_success: it
# exports PAUDE_PROXY_NETWORK, PAUDE_IMAGE and NET_INET_IMAGE).
net_setup() {
	local img
	img=$("$SRC_DIR/tests/integration/ensure-image-dir.sh" \
		"$SRC_DIR/tests/integration/inet" localhost/h3-test-inet) || return 1
	NET_INET_IMAGE="$img"
	test_on_exit "podman rm -f -t 0 $NET_SRV_ALLOWED $NET_SRV_BLOCKED; podman network rm -f $NET_INET"
	# Internal: "the internet" is only what this test creates; nothing on it
	# (servers, proxies) can reach beyond this machine.
	podman network create --internal "$NET_INET" >/dev/null || return 1
	podman run -d --name "$NET_SRV_ALLOWED" --network "$NET_INET" \
		--network-alias allowed.test --network-alias www.allowed.test \
		"$img" allowed >/dev/null || return 1
	podman run -d --name "$NET_SRV_BLOCKED" --network "$NET_INET" \
		--network-alias blocked.test "$img" blocked >/dev/null || return 1
	if [ "${NET_PUBLIC_SERVERS:-0}" = 1 ]; then
		# Also on podman's default network, where unrestricted sessions live.
		podman network connect podman "$NET_SRV_ALLOWED" || return 1
		podman network connect podman "$NET_SRV_BLOCKED" || return 1
	fi
	export PAUDE_PROXY_NETWORK="$NET_INET"
	NET_INET_SUBNET=$(podman network inspect "$NET_INET" \
		--format '{{range .Subnets}}{{.Subnet}} {{end}}') || return 1
	NET_INET_SUBNET=${NET_INET_SUBNET%% *}
	case "$NET_INET_SUBNET" in
	*.*/*) ;;
	*) echo "no IPv4 subnet on $NET_INET: '$NET_INET_SUBNET'" >&2 && return 1 ;;
	esac
	export PAUDE_PROXY_ALLOW_PRIVATE_DST="$NET_INET_SUBNET"
	test_wait_for 30 podman exec "$NET_SRV_ALLOWED" curl -sf http://127.0.0.1/ || return 1
	test_wait_for 30 podman exec "$NET_SRV_BLOCKED" curl -sf http://127.0.0.1/ || return 1
	net_agent_image
}

# The address of a test server on the test network (or on network $2).
net_ip() {
	podman inspect "$1" --format "{{(index .NetworkSettings.Networks \"${2:-$NET_INET}\").IPAddress}}"
}

# Run a command as the agent inside session $1's container.
in_session() {
	local name="$1"
	shift
	podman exec "paude-$name" "$@"
}

# Run a command in a throwaway client container on the test internet: the
# control that shows a server really answers where the session cannot go.
on_internet() {
	podman run --rm --network "$NET_INET" --entrypoint "$1" "$NET_INET_IMAGE" "${@:2}"
}
