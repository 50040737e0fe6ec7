#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# No IPv6 path out of the jail (docs/SECURITY.md, "IPv6 to the host"). A
# server on the host listens on "::" (IPv6 and IPv4); the agent and its
# proxy must reach it on none of the link-local or ULA addresses of the
# host's podman bridges, ICMPv6 to ff02::1 must fail, and IPv4 to the
# host's bridge address must fail too. Controls: the server answers the host
# itself, and a plain container on the session's own network (same image,
# without paude's options) does reach it over link-local: the path exists,
# and only the session's settings close it.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name v6)
ctl="it$$-v6-control"
lan="it$$-v6-lan"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
test_on_exit "paude delete $name --confirm; podman rm -f paude-$name paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f paude-$name-workspace"
test_on_exit "podman rm -f -t 0 $ctl; podman network rm -f $lan"

# The host's server: "::" with IPV6_V6ONLY off, so IPv4 reaches it too.
cat >"$TRASH/srv.py" <<'EOF'
import http.server, socket, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"host-secret-for-paude-test\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

srv = Server(("::", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
EOF
python3 "$TRASH/srv.py" "$TRASH/port" >"$TRASH/srv.log" 2>&1 &
srv_pid=$!
test_on_exit "kill $srv_pid"
test_wait_for 10 test -s "$TRASH/port" || {
	echo "Bail out! the host server did not start"
	exit 1
}
PORT=$(cat "$TRASH/port")

# ICMPv6 echo to all nodes on eth0; prints every address that answers
# within 3 s (the sender answers itself too, so callers look for others).
cat >"$TRASH/icmp6.py" <<'EOF'
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6)
s.settimeout(0.5)
s.sendto(b"\x80\x00\x00\x00\x00\x01\x00\x01paude", ("ff02::1", 0, 0, socket.if_nametoindex("eth0")))
end = time.time() + 3
while time.time() < end:
    try:
        data, addr = s.recvfrom(1500)
        print("reply from", addr[0].split("%")[0])
    except socket.timeout:
        pass
EOF

# A TCP connect with perl's core Socket (the proxy image has no curl).
# shellcheck disable=SC2089
perl_connect='alarm 5;
use Socket qw(:addrinfo SOCK_STREAM);
my ($e, @r) = getaddrinfo($ARGV[0], $ARGV[1], { socktype => SOCK_STREAM, flags => AI_NUMERICHOST });
die "getaddrinfo: $e\n" if $e;
socket(my $s, $r[0]{family}, $r[0]{socktype}, $r[0]{protocol}) or die "socket: $!\n";
connect($s, $r[0]{addr}) or die "connect: $!\n";
print "connected\n";'

# Every IPv6 link-local and ULA address of the host's podman bridges, and
# their IPv4 addresses, listed when asked (bridges appear as containers join).
bridges() {
	ip -o link show type bridge | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep -E '^(cni-)?podman[0-9]+$'
}
bridge_v6() {
	local br
	for br in $(bridges); do
		ip -6 -o addr show dev "$br" | awk '{ sub(/\/.*/, "", $4); print $4 }' |
			grep -iE '^(fe[89ab][0-9a-f]:|f[cd][0-9a-f][0-9a-f]:)'
	done
}
bridge_v4() {
	local br
	for br in $(bridges); do
		ip -4 -o addr show dev "$br" | awk '{ sub(/\/.*/, "", $4); print $4 }'
	done
}
# Did the agent fetch the host's page at URL, bypassing its proxy?
in_session_curl() {
	podman exec "paude-$name" curl --noproxy "*" -g -sS -m 3 "$1" 2>/dev/null | grep -q host-secret
}
session_bridge() {
	podman network inspect "paude-net-$name" --format '{{.NetworkInterface}}'
}
link_local_of() {
	ip -6 -o addr show dev "$1" scope link | awk '{ sub(/\/.*/, "", $4); print $4 }' | head -n 1
}

test_expect_success 'the host server answers on IPv6 loopback and on IPv4' '
	curl -sS -m 5 -g "http://[::1]:$PORT/" >out &&
	test_grep host-secret out &&
	curl -sS -m 5 "http://127.0.0.1:$PORT/" >out &&
	test_grep host-secret out
'

test_expect_success 'a filtered session starts; the agent and the proxy have IPv6 off' '
	paude create "$name" --allowed-domains nothing.invalid 2>err &&
	paude start --detach "$name" &&
	for c in "paude-$name" "paude-proxy-$name"; do
		test_equal "1 1" "$(podman exec "$c" cat /proc/sys/net/ipv6/conf/all/disable_ipv6 \
			/proc/sys/net/ipv6/conf/default/disable_ipv6 | tr "\n" " " | sed "s/ $//")" &&
		# Read from the host: inside the user namespace of the session
		# the host gids of the range show as the overflow gid.
		pid=$(podman container inspect "$c" --format "{{.State.Pid}}") &&
		test_equal "1	0" "$(nsenter -t "$pid" -n cat /proc/sys/net/ipv4/ping_group_range)" &&
		podman exec "$c" cat /proc/net/if_inet6 >addrs &&
		test_equal "" "$(cat addrs)" || return 1
	done
'

test_expect_success 'control: a plain container on the session network reaches the host over link-local' '
	br=$(session_bridge) && test -n "$br" &&
	test_wait_for 20 sh -c "ip -6 -o addr show dev $br scope link | grep -qv tentative" &&
	ll=$(link_local_of "$br") && test -n "$ll" &&
	curl -sS -m 5 -g "http://[$ll%$br]:$PORT/" >out &&
	test_grep host-secret out &&
	img=$(podman container inspect "paude-$name" --format "{{.ImageName}}") &&
	podman run -d --name "$ctl" --network "paude-net-$name" --user 1000:0 \
		--entrypoint sleep "$img" 600 >/dev/null &&
	test_wait_for 20 podman exec "$ctl" curl -sS -m 3 -g "http://[$ll%25eth0]:$PORT/" &&
	podman exec "$ctl" curl -sS -m 3 -g "http://[$ll%25eth0]:$PORT/" >out &&
	test_grep host-secret out &&
	podman exec -i "$ctl" python3 - <"$TRASH/icmp6.py" >pong &&
	test_grep "reply from $ll\$" pong
'

test_expect_success 'the agent reaches no link-local or ULA address of any podman bridge' '
	bridge_v6 >v6 &&
	test_grep "^$(link_local_of "$(session_bridge)")\$" v6 &&
	while read -r a; do
		case "$a" in fe*|FE*) url="http://[$a%25eth0]:$PORT/" ;; *) url="http://[$a]:$PORT/" ;; esac
		if in_session_curl "$url"; then
			echo "the agent reached $url" >&2
			return 1
		fi
	done <v6
'

test_expect_success 'the agent gets no ICMPv6 answer from ff02::1' '
	test_must_fail podman exec -i "paude-$name" python3 - <"$TRASH/icmp6.py" >pong 2>err &&
	test_grep "Permission denied" err &&
	test_equal "" "$(cat pong)"
'

test_expect_success 'the proxy reaches no link-local or ULA address of any podman bridge' '
	bridge_v6 >v6 && test -s v6 &&
	while read -r a; do
		for zone in eth0 eth1; do
			case "$a" in fe*|FE*) host="$a%$zone" ;; *) host="$a" ;; esac
			if podman exec "paude-proxy-$name" perl -e "$perl_connect" "$host" "$PORT" 2>err; then
				echo "the proxy reached [$host]:$PORT" >&2
				return 1
			fi
		done
	done <v6
'

test_expect_success 'IPv4 to the host bridge address fails from the agent (the host does answer there)' '
	podman network create "$lan" >/dev/null &&
	podman network connect "$lan" "$ctl" &&
	bridge_v4 >v4 && test -s v4 &&
	gw=$(podman network inspect "$lan" --format "{{range .Subnets}}{{.Gateway}}{{end}}") &&
	test_grep "^$gw\$" v4 &&
	curl -sS -m 5 "http://$gw:$PORT/" >out &&
	test_grep host-secret out &&
	podman exec "$ctl" curl -sS -m 5 "http://$gw:$PORT/" >out &&
	test_grep host-secret out &&
	while read -r a; do
		if in_session_curl "http://$a:$PORT/"; then
			echo "the agent reached $a" >&2
			return 1
		fi
	done <v4
'

test_done
