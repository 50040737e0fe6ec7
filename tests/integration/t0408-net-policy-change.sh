#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# `paude network NAME --allow/--deny` after create, through the real squid:
# on a running session the proxy is replaced while the agent's container
# keeps running (its start time does not change), the new name is reachable
# and the denied one refused; on a stopped session the change applies at
# the next start; the policy is stored with the session (list --json,
# network) and survives stop and start; bad values change nothing. The only
# servers are the test's own (lib-net.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name pol)
open=$(test_session_name open)
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
for n in "$name" "$open"; do
	test_on_exit "paude delete $n --confirm --force; podman rm -f paude-$n paude-proxy-$n paude-proxy-$n-next paude-proxy-$n-old; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done
if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi

code_of() {
	in_session "$name" curl -sS -m 20 -o /dev/null -w "%{http_code}" "http://$1/" || true
}
started() {
	podman inspect "paude-$name" --format "{{.State.StartedAt}} {{.State.Pid}}"
}
proxy_id() {
	podman inspect "paude-proxy-$name" --format "{{.Id}}"
}
policy_json() {
	paude list --json | python3 -c 'import json, sys; print(",".join(next(s["allowed_domains"] for s in json.load(sys.stdin) if s["name"] == sys.argv[1])))' "$1"
}

test_expect_success 'a running session refuses a name its policy lacks and says how to allow it' '
	paude create "$name" --allowed-domains allowed.test 2>err &&
	paude start --detach "$name" &&
	test_equal 200 "$(code_of allowed.test)" &&
	test_equal 403 "$(code_of blocked.test)" &&
	paude network "$name" >out &&
	test_grep "^  [0-9-]* [0-9:]*  refused  GET blocked.test (allow with: paude network $name --allow blocked.test)$" out &&
	test_grep "^  [0-9-]* [0-9:]*  allowed  GET allowed.test (200)$" out &&
	test_grep "^To allow a refused name: paude network $name --allow DOMAIN$" out
'

test_expect_success '--allow on a running session: reachable at once, the agent not restarted' '
	before=$(started) && old_proxy=$(proxy_id) &&
	paude network "$name" --allow blocked.test 2>err &&
	test_grep "now allows: allowed.test, blocked.test" err &&
	test_grep "the agent was not restarted" err &&
	test_equal "$before" "$(started)" &&
	test "$old_proxy" != "$(proxy_id)" &&
	test_equal 200 "$(code_of blocked.test)" &&
	in_session "$name" curl -sS -m 20 http://blocked.test/ >body &&
	test_grep "hello from blocked" body &&
	test_equal 200 "$(code_of allowed.test)" &&
	test_equal "allowed.test,blocked.test" "$(policy_json "$name")" &&
	paude network "$name" >out &&
	test_grep "^Policy:   allowed.test, blocked.test; private destinations allowed" out &&
	podman exec "paude-proxy-$name" test -r /run/paude-proxy/adc.json &&
	test_must_fail podman container exists "paude-proxy-$name-old" &&
	test_must_fail podman container exists "paude-proxy-$name-next"
'

test_expect_success '--deny on a running session: refused at once, the agent not restarted' '
	before=$(started) &&
	paude network "$name" --deny allowed.test 2>err &&
	test_grep "now allows: blocked.test" err &&
	test_equal "$before" "$(started)" &&
	test_equal 403 "$(code_of allowed.test)" &&
	test_equal 200 "$(code_of blocked.test)" &&
	podman exec "paude-proxy-$name" cat /run/paude-proxy/squid.conf >conf &&
	test_grep "^acl paude_allowed dstdomain -n blocked.test$" conf
'

refused_unchanged() {
	local want="$1" id rc=0
	shift
	id=$(proxy_id)
	paude network "$name" "$@" >out 2>err || rc=$?
	if [ "$rc" -ne 2 ]; then
		echo "expected exit 2 from: paude network $name $*, got $rc" >&2
		cat err >&2
		return 1
	fi
	test_grep "$want" err &&
	test_equal 1 "$(wc -l <err)" &&
	test_equal "$id" "$(proxy_id)" &&
	test_equal "blocked.test" "$(policy_json "$name")"
}

test_expect_success 'bad values are refused with one line and nothing changes' '
	refused_unchanged "cannot switch between filtered and unrestricted\|--allow all" --allow all &&
	refused_unchanged "a URL is not a domain" --allow https://example.com/ &&
	refused_unchanged "wildcards are not supported" --allow "*.example.com" &&
	refused_unchanged "a single label is not allowed" --allow localhost &&
	refused_unchanged "IP addresses are not supported" --allow 10.1.2.3 &&
	refused_unchanged "is both allowed and denied" --allow x.example.com --deny x.example.com &&
	refused_unchanged "would allow no domain at all" --deny blocked.test &&
	refused_unchanged "cannot deny .www.allowed.test.: the entry .\.allowed.test. allows it" \
		--allow .allowed.test --deny www.allowed.test &&
	test_equal 200 "$(code_of blocked.test)"
'

test_expect_success 'allowing what is allowed changes nothing' '
	id=$(proxy_id) &&
	paude network "$name" --allow blocked.test 2>err &&
	test_grep "already allowed" err &&
	test_grep "Nothing changed" err &&
	test_equal "$id" "$(proxy_id)"
'

test_expect_success 'a stopped session gets the change at its next start' '
	paude stop "$name" &&
	paude network "$name" --allow allowed.test --deny blocked.test 2>err &&
	test_grep "now allows: allowed.test" err &&
	test_grep "applies from the next start" err &&
	test_equal "allowed.test" "$(policy_json "$name")" &&
	test_equal exited "$(podman inspect "paude-$name" --format "{{.State.Status}}")" &&
	paude start --detach "$name" &&
	test_equal 200 "$(code_of allowed.test)" &&
	test_equal 403 "$(code_of blocked.test)"
'

test_expect_success 'the policy survives stop and start' '
	paude stop "$name" && paude start --detach "$name" &&
	test_equal "allowed.test" "$(policy_json "$name")" &&
	test_equal 403 "$(code_of blocked.test)" &&
	paude network "$name" >out &&
	test_grep "^Policy:   allowed.test;" out
'

test_expect_success 'an unrestricted session has no allowlist to change' '
	paude create "$open" --allowed-domains all 2>/dev/null &&
	rc=0 && paude network "$open" --allow example.com 2>err || rc=$? &&
	test_equal 2 "$rc" &&
	test_grep "the network is unrestricted (.all.)" err &&
	paude delete "$open" --confirm
'

test_expect_success 'delete leaves no proxy behind' '
	paude delete "$name" --confirm --force &&
	test_must_fail podman container exists "paude-proxy-$name" &&
	test_must_fail podman network exists "paude-net-$name"
'

test_done
