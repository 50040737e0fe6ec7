#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# The filtered network of a real session (real podman, real squid): the
# agent reaches allowlisted names through its proxy and nothing else, by no
# other path: not by name, not by address, not by DNS, not with git. Every
# row of the spec's "Verified Attack Vectors" table is checked here or in
# t0402 (see docs/SECURITY.md for the map). "The internet" is two local
# test servers (lib-net.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name filt)
mkdir -p "$TRASH/ws" "$HOME/.config/gcloud"
echo '{"type": "authorized_user"}' >"$HOME/.config/gcloud/application_default_credentials.json"
# Writable by anyone on the host, so only the read-only mount can stop a write.
chmod 0777 "$HOME/.config/gcloud"
chmod 0666 "$HOME/.config/gcloud/application_default_credentials.json"
cd "$TRASH/ws" || exit 1
test_on_exit "paude delete $name --confirm; podman rm -f paude-$name paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f paude-$name-workspace"

if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi

IP_ALLOWED=$(net_ip "$NET_SRV_ALLOWED")
IP_BLOCKED=$(net_ip "$NET_SRV_BLOCKED")

test_expect_success 'create prints the policy and makes an internal network without DNS and a proxy' '
	paude create "$name" --allowed-domains pypi --allowed-domains Allowed.test 2>err &&
	test_grep "network: pypi, allowed.test" err &&
	podman network inspect "paude-net-$name" --format "{{.Internal}} {{.DNSEnabled}}" >net &&
	test_equal "true false" "$(cat net)" &&
	podman container inspect "paude-proxy-$name" --format \
		"{{index .Config.Labels \"app\"}} {{index .Config.Labels \"paude.io/session-name\"}} {{index .Config.Labels \"paude.io/role\"}}" >labels &&
	test_equal "paude $name proxy" "$(cat labels)" &&
	paude list >list &&
	test_grep "pypi, allowed.test" list
'

test_expect_success 'start runs the proxy and the agent' '
	paude start --detach "$name" &&
	podman container inspect "paude-proxy-$name" --format "{{.State.Status}}" >st &&
	test_equal running "$(cat st)" &&
	in_session "$name" printenv HTTPS_PROXY >proxyvar &&
	test_equal "http://paude-proxy:3128" "$(cat proxyvar)"
'

test_expect_success 'the agent is on the internal network only' '
	podman container inspect "paude-$name" --format \
		"{{range \$k, \$v := .NetworkSettings.Networks}}{{\$k}} {{end}}" >nets &&
	test_equal "paude-net-$name " "$(cat nets)"
'

test_expect_success 'an allowlisted name is reachable through the proxy over HTTP' '
	in_session "$name" curl -sS -m 20 http://allowed.test/ >out &&
	test_grep "hello from allowed (host allowed.test)" out
'

test_expect_success 'an allowlisted name is reachable over HTTPS (CONNECT to 443)' '
	in_session "$name" curl -sS -m 20 -k https://allowed.test/ >out &&
	test_grep "hello from allowed" out
'

test_expect_success 'a name that is not allowlisted gets a proxy denial (HTTP and HTTPS)' '
	in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" http://blocked.test/ >code &&
	test_equal 403 "$(cat code)" &&
	test_must_fail in_session "$name" curl -sS -m 20 -k https://blocked.test/ 2>err &&
	test_grep "CONNECT tunnel failed, response 403" err
'

test_expect_success 'a plain entry allows that host only, not its subdomains' '
	podman exec "$NET_SRV_ALLOWED" curl -sS http://127.0.0.1/ >/dev/null &&
	in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" http://www.allowed.test/ >code &&
	test_equal 403 "$(cat code)"
'

test_expect_success 'CONNECT to an allowlisted name on a port other than 443 is denied' '
	podman exec "$NET_SRV_ALLOWED" curl -sSk https://127.0.0.1:8443/ >direct &&
	test_grep "hello from allowed" direct &&
	test_must_fail in_session "$name" curl -sS -m 20 -k https://allowed.test:8443/ 2>err &&
	test_grep "CONNECT tunnel failed, response 403" err &&
	in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" http://allowed.test:8080/ >code &&
	test_equal 403 "$(cat code)"
'

test_expect_success 'denials are in the proxy log, decided without a DNS lookup' '
	podman exec "paude-proxy-$name" cat /var/log/squid/access.log >log &&
	test_grep "TCP_DENIED/403 .* http://blocked.test/ - HIER_NONE" log &&
	test_grep "TCP_DENIED/403 .* CONNECT blocked.test:443 - HIER_NONE" log &&
	test_grep "TCP_DENIED/403 .* CONNECT allowed.test:8443 - HIER_NONE" log &&
	test_grep "TCP_TUNNEL/200 .* CONNECT allowed.test:443 " log
'

test_expect_success 'an IP address is not on the list, even through the proxy' '
	in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" "http://$IP_ALLOWED/" >code &&
	test_equal 403 "$(cat code)"
'

test_expect_success 'a direct connection to a server address, bypassing the proxy, fails' '
	test -n "$IP_ALLOWED" &&
	on_internet curl -sS -m 10 "http://$IP_ALLOWED/" >control &&
	test_grep "hello from allowed" control &&
	test_must_fail in_session "$name" curl -sS -m 10 --noproxy "*" "http://$IP_ALLOWED/" 2>err &&
	test_must_fail in_session "$name" curl -sS -m 10 --noproxy "*" -k "https://$IP_BLOCKED/" &&
	test_must_fail in_session "$name" bash -c "exec 3<>/dev/tcp/$IP_BLOCKED/80" 2>err &&
	test_grep "unreachable\|refused\|timed out" err
'

test_expect_success 'no name resolves in the session, internal or external (no DNS path out)' '
	for host in allowed.test blocked.test "$NET_SRV_ALLOWED" "paude-proxy-$name" deb.debian.org; do
		test_must_fail in_session "$name" getent hosts "$host" || return 1
	done &&
	test_must_fail in_session "$name" curl -sS -m 10 --noproxy "*" http://allowed.test/ 2>err &&
	test_grep "Could not resolve host" err
'

test_expect_success 'git push over HTTPS to a server on the internet fails' '
	in_session "$name" sh -c "cd /tmp && rm -rf r && git init -q r && cd r &&
		git -c user.email=a@b -c user.name=a commit -q --allow-empty -m x" &&
	test_must_fail in_session "$name" git -C /tmp/r push https://blocked.test/repo.git HEAD:main 2>err &&
	test_grep "403" err &&
	test_must_fail in_session "$name" git -C /tmp/r -c http.proxy= push "https://$IP_BLOCKED/repo.git" HEAD:main 2>err2 &&
	in_session "$name" sh -c "git config --show-origin --get-all credential.helper" >helpers || true &&
	test_equal "" "$(cat helpers)"
'

test_expect_success 'git push over SSH fails: no ssh client, no keys, no route to port 22' '
	test_must_fail in_session "$name" sh -c "command -v ssh" &&
	test_must_fail in_session "$name" test -e /home/paude/.ssh &&
	test_must_fail in_session "$name" git -C /tmp/r push ssh://git@blocked.test/repo.git HEAD:main &&
	test_must_fail in_session "$name" bash -c "exec 3<>/dev/tcp/$IP_BLOCKED/22"
'

test_expect_success 'gh is absent' '
	test_must_fail in_session "$name" sh -c "command -v gh"
'

test_expect_success 'the gcloud directory stays out of the agent; the proxy has a private copy' '
	test_must_fail in_session "$name" test -e /home/paude/.config/gcloud &&
	test_must_fail in_session "$name" grep -q gcloud /proc/self/mountinfo &&
	test_equal 600 "$(podman exec "paude-proxy-$name" stat -c %a /run/paude-proxy/adc.json)" &&
	podman exec "paude-proxy-$name" cat /run/paude-proxy/adc.json >copy &&
	test_equal "$(cat "$HOME/.config/gcloud/application_default_credentials.json")" "$(cat copy)" &&
	test_must_fail podman exec "paude-proxy-$name" grep -q gcloud /proc/self/mountinfo
'

test_expect_success 'the agent is not root, has no capabilities and cannot gain privileges' '
	test_equal 1000 "$(in_session "$name" id -u)" &&
	in_session "$name" grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/self/status >st &&
	test_grep "CapEff:	0000000000000000" st &&
	test_grep "CapPrm:	0000000000000000" st &&
	test_grep "CapBnd:	0000000000000000" st &&
	test_grep "NoNewPrivs:	1" st &&
	test_must_fail in_session "$name" sh -c "command -v sudo"
'

test_expect_success 'the proxy runs unprivileged too' '
	test_equal 13 "$(podman exec "paude-proxy-$name" id -u)" &&
	podman exec "paude-proxy-$name" grep -E "^(CapEff|NoNewPrivs):" /proc/self/status >st &&
	test_grep "CapEff:	0000000000000000" st &&
	test_grep "NoNewPrivs:	1" st
'

test_expect_success 'the proxy serves only the session network' '
	proxy_out=$(podman container inspect "paude-proxy-$name" --format \
		"{{(index .NetworkSettings.Networks \"$NET_INET\").IPAddress}}") &&
	test -n "$proxy_out" &&
	test_must_fail podman exec "$NET_SRV_BLOCKED" curl -sS -m 10 -x "http://$proxy_out:3128" http://allowed.test/
'

test_expect_success 'stop stops the proxy; start brings the filtered network back' '
	paude stop "$name" &&
	podman container inspect "paude-proxy-$name" --format "{{.State.Status}}" >st &&
	test_equal exited "$(cat st)" &&
	paude start --detach "$name" &&
	in_session "$name" curl -sS -m 20 http://allowed.test/ >out &&
	test_grep "hello from allowed" out &&
	in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" http://blocked.test/ >code &&
	test_equal 403 "$(cat code)"
'

test_expect_success 'delete removes the proxy and the network' '
	paude delete "$name" --confirm &&
	test_must_fail podman container exists "paude-proxy-$name" &&
	test_must_fail podman network exists "paude-net-$name" &&
	test_must_fail podman container exists "paude-$name"
'

test_done
