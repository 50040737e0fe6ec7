#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# --allowed-domains all: no filtering proxy; the session reaches the same
# test servers that t0401 proves unreachable. The sidecar is still there,
# running only the model gateway, so the credentials stay out of this
# session too. Also the
# warnings: plain for `all`, louder for `--yolo` with `all`. This is the
# control for t0401: the servers are real and reachable when nothing filters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name open)
yolo=$(test_session_name yolo)
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
for n in "$name" "$yolo"; do
	test_on_exit "paude delete $n --confirm; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done

# No Claude Code here (its traffic would reach the real internet), and the
# servers are also on podman's default network, where this session lives.
NET_STANDIN_AGENT=1
NET_PUBLIC_SERVERS=1
if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi
IP_ALLOWED=$(net_ip "$NET_SRV_ALLOWED" podman)
IP_BLOCKED=$(net_ip "$NET_SRV_BLOCKED" podman)

test_expect_success 'create with all warns, says unrestricted, and makes a gateway-only sidecar' '
	paude create "$name" --allowed-domains all 2>err &&
	test_grep "network access is unrestricted" err &&
	test_grep "network: unrestricted" err &&
	! grep -q DANGER err &&
	podman container inspect "paude-proxy-$name" --format "{{range .Config.Env}}{{println .}}{{end}}" >env &&
	test_grep "^PAUDE_GATEWAY_ONLY=1" env &&
	test_must_fail grep PAUDE_SQUID_CONF env &&
	test_equal "true false" "$(podman network inspect "paude-net-$name" --format "{{.Internal}} {{.DNSEnabled}}")" &&
	paude list >list &&
	test_grep "^$name .*unrestricted" list
'

test_expect_success 'yolo with all prints the louder warning' '
	paude create "$yolo" --yolo --allowed-domains ALL 2>err &&
	test_grep "DANGER: --yolo with --allowed-domains all" err &&
	paude delete "$yolo" --confirm
'

test_expect_success 'all cannot be combined with other values' '
	test_must_fail paude create "$yolo" --allowed-domains all --allowed-domains pypi 2>err &&
	test_grep "'"'"'all'"'"' cannot be combined" err &&
	test_must_fail podman container exists "paude-$yolo"
'

test_expect_success 'the unrestricted session has no proxy settings' '
	paude start --detach "$name" &&
	test_must_fail in_session "$name" printenv HTTPS_PROXY &&
	test_must_fail in_session "$name" printenv http_proxy
'

test_expect_success 'the same servers are reachable directly (HTTP, HTTPS, port 22)' '
	in_session "$name" curl -sS -m 20 "http://$IP_BLOCKED/" >out &&
	test_grep "hello from blocked" out &&
	in_session "$name" curl -sS -m 20 -k "https://$IP_BLOCKED:8443/" >out &&
	test_grep "hello from blocked" out &&
	in_session "$name" bash -c "exec 3<>/dev/tcp/$IP_ALLOWED/22 && head -c 20 <&3" >banner &&
	test_grep "SSH-2.0-allowed" banner
'

test_expect_success 'the unrestricted session reaches the gateway and holds no credentials' '
	test_equal 403 "$(in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" -d "{}" http://paude-proxy:8090/v1/messages)" &&
	test_must_fail in_session "$name" test -e /home/paude/.config/gcloud &&
	podman exec "paude-proxy-$name" test -r /run/paude-proxy/adc.json &&
	paude network "$name" >net &&
	test_grep "Allowed:  everything (no filtering proxy)" net &&
	test_grep "status=403" net
'

test_expect_success 'delete of an unrestricted session removes its sidecar and network' '
	paude delete "$name" --confirm &&
	test_must_fail podman container exists "paude-$name" &&
	test_must_fail podman container exists "paude-proxy-$name" &&
	test_must_fail podman network exists "paude-net-$name"
'

test_done
