#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# The proxy refuses allowed names that lead to private destinations
# (docs/SECURITY.md, "Private destinations"). An attacker who controls the
# DNS of an allowlisted name points it at loopback, the host, other
# containers or the cloud metadata address; squid must answer 403 after
# the name check, and a name that is not allowed must still never be
# looked up. The test internet's servers have private addresses: the only
# exception is the one range PAUDE_PROXY_ALLOW_PRIVATE_DST names, and
# without it nothing private is reachable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name priv)
strict=$(test_session_name strict)
bad=$(test_session_name badpriv)
inside="it$$-srv-inside"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
for n in "$name" "$strict" "$bad"; do
	test_on_exit "paude delete $n --confirm; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done
test_on_exit "podman rm -f -t 0 $inside"

if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi
# A third server on the test internet, inside.test: allowlisted below, on
# the same private subnet, but outside the exception.
if ! podman run -d --name "$inside" --network "$NET_INET" --network-alias inside.test \
	"$NET_INET_IMAGE" inside >/dev/null ||
	! test_wait_for 30 podman exec "$inside" curl -sf http://127.0.0.1/; then
	echo "Bail out! cannot start the inside.test server"
	exit 1
fi
IP_ALLOWED=$(net_ip "$NET_SRV_ALLOWED")
IP_INSIDE=$(net_ip "$inside")

proxy_code() {
	in_session "$1" curl -sS -m 20 -o /dev/null -w "%{http_code}" "$2"
}

test_expect_success 'the exception is refused unless it is IPv4 ranges, and nothing is created' '
	rc=0 &&
	PAUDE_PROXY_ALLOW_PRIVATE_DST="$IP_ALLOWED/24" paude create "$bad" \
		--allowed-domains allowed.test 2>err || rc=$? &&
	test_equal 2 "$rc" &&
	test_grep "invalid range .$IP_ALLOWED/24. in PAUDE_PROXY_ALLOW_PRIVATE_DST" err &&
	test_must_fail podman container exists "paude-$bad" &&
	test_must_fail podman network exists "paude-net-$bad"
'

test_expect_success 'a session whose exception covers one server only starts' '
	PAUDE_PROXY_ALLOW_PRIVATE_DST="$IP_ALLOWED" paude create "$name" \
		--allowed-domains allowed.test,inside.test,.priv.test 2>"$TRASH/create.err" &&
	paude start --detach "$name"
'

test_expect_success 'create, --dry-run and the proxy configuration show the exception' '
	test_grep "network: allowed.test, inside.test, .priv.test; private destinations allowed: $IP_ALLOWED/32" "$TRASH/create.err" &&
	PAUDE_PROXY_ALLOW_PRIVATE_DST="$IP_ALLOWED" paude create "$bad" --dry-run \
		--allowed-domains allowed.test,inside.test,.priv.test >plan &&
	test_grep "^Network:    allowed.test, inside.test, .priv.test; private destinations allowed: $IP_ALLOWED/32$" plan &&
	podman exec "paude-proxy-$name" cat /run/paude-proxy/squid.conf >conf &&
	test_grep "^# Except (PAUDE_PROXY_ALLOW_PRIVATE_DST): $IP_ALLOWED/32$" conf
'

test_expect_success 'the excepted server is reachable through the proxy' '
	in_session "$name" curl -sS -m 20 http://allowed.test/ >out &&
	test_grep "hello from allowed" out
'

test_expect_success 'an allowed name on a private address outside the exception gets 403' '
	on_internet curl -sS -m 10 http://inside.test/ >control &&
	test_grep "hello from inside" control &&
	test_equal 403 "$(proxy_code "$name" http://inside.test/)" &&
	test_must_fail in_session "$name" curl -sS -m 20 https://inside.test/ 2>err &&
	test_grep "CONNECT tunnel failed, response 403" err &&
	podman exec "paude-proxy-$name" cat /var/log/squid/access.log >log &&
	test_grep "TCP_DENIED/403 .* http://inside.test/ " log &&
	test_grep "TCP_DENIED/403 .* CONNECT inside.test:443 " log &&
	test_must_fail grep "HIER_DIRECT/$IP_INSIDE" log
'

test_expect_success 'allowed names mapped to loopback and the metadata address get 403' '
	hosts=$(podman container inspect "paude-proxy-$name" --format "{{.HostsPath}}") &&
	test -f "$hosts" &&
	printf "%s\n" "127.0.0.1 loop.priv.test" "169.254.169.254 meta.priv.test" \
		"10.0.0.1 ten.priv.test" "::ffff:127.0.0.1 mapped.priv.test" \
		"::1 loop6.priv.test" >>"$hosts" &&
	podman kill --signal HUP "paude-proxy-$name" >/dev/null &&
	# squid reads its hosts file again on reconfigure; until then the names
	# do not resolve (503).
	test_wait_for 30 sh -c "test \"\$(podman exec paude-$name curl -sS -m 5 -o /dev/null -w %{http_code} http://loop.priv.test/)\" != 503" &&
	for h in loop meta ten mapped; do
		test_equal "$h 403" "$h $(proxy_code "$name" "http://$h.priv.test/")" &&
		test_must_fail in_session "$name" curl -sS -m 20 "https://$h.priv.test/" 2>err &&
		test_grep "CONNECT tunnel failed, response 403" err || return 1
	done &&
	podman exec "paude-proxy-$name" cat /var/log/squid/access.log >log &&
	test_grep "TCP_DENIED/403 .* http://loop.priv.test/ " log &&
	test_grep "TCP_DENIED/403 .* http://meta.priv.test/ " log &&
	test_grep "TCP_DENIED/403 .* CONNECT loop.priv.test:443 " log &&
	test_must_fail grep -E "HIER_DIRECT/(127\.0\.0\.1|169\.254\.169\.254|10\.0\.0\.1)" log
'

test_expect_success 'an allowed name mapped to IPv6 loopback is not reached (the proxy has no IPv6)' '
	code=$(proxy_code "$name" http://loop6.priv.test/) &&
	case "$code" in 403|502|503) ;; *) echo "got $code" >&2 && false ;; esac &&
	podman exec "paude-proxy-$name" cat /var/log/squid/access.log >log &&
	test_grep "http://loop6.priv.test/ " log &&
	test_must_fail grep -E "HIER_DIRECT/::1" log
'

test_expect_success 'a name that is not allowed is still refused without a DNS lookup' '
	test_equal 403 "$(proxy_code "$name" http://blocked.test/)" &&
	podman exec "paude-proxy-$name" cat /var/log/squid/access.log >log &&
	test_grep "TCP_DENIED/403 .* http://blocked.test/ - HIER_NONE" log
'

test_expect_success 'paude network shows what is refused and the exception' '
	paude network "$name" >out &&
	test_grep "^Refused:  allowed names that lead to loopback, private" out &&
	test_grep "except PAUDE_PROXY_ALLOW_PRIVATE_DST: $IP_ALLOWED/32" out &&
	paude list --json | tr -d " \n" >list &&
	test_grep "\"name\":\"$name\".*\"allow_private_dst\":\[\"$IP_ALLOWED/32\"\]" list
'

test_expect_success 'without the exception even the test servers are refused (the default)' '
	env -u PAUDE_PROXY_ALLOW_PRIVATE_DST paude create "$strict" \
		--allowed-domains allowed.test 2>err &&
	test_must_fail grep "private destinations allowed" err &&
	paude start --detach "$strict" &&
	test_equal 403 "$(proxy_code "$strict" http://allowed.test/)" &&
	podman exec "paude-proxy-$strict" cat /var/log/squid/access.log >log &&
	test_grep "TCP_DENIED/403 .* http://allowed.test/ " log
'

test_done
