#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# The aliases allow what their job needs and nothing wider
# (docs/SECURITY.md, "What --allowed-domains means"). Every name below is a
# network alias of one local test server on the test internet (lib-net.sh),
# so the proxy resolves them there and no request leaves this machine; the
# names the policy refuses are refused before any lookup. Under the
# default policy the Vertex AI endpoints (regional and global), the token
# endpoints of gcloud ADC and pip's two hosts answer; Cloud Storage, Google
# search and DNS-over-HTTPS, PyPI's upload host do not. The wide forms
# still work when given explicitly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

def=$(test_session_name alias)
wide=$(test_session_name wide)
goog="it$$-srv-google"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
for n in "$def" "$wide"; do
	test_on_exit "paude delete $n --confirm; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done
test_on_exit "podman rm -f -t 0 $goog"

needed="us-east5-aiplatform.googleapis.com europe-west1-aiplatform.googleapis.com
aiplatform.googleapis.com oauth2.googleapis.com sts.googleapis.com
iamcredentials.googleapis.com pypi.org files.pythonhosted.org"
wider="storage.googleapis.com www.googleapis.com bigquery.googleapis.com
www.google.com dns.google.com accounts.google.com docs.google.com upload.pypi.org
test.pypi.org x.us-east5-aiplatform.googleapis.com us-east5-aiplatform.googleapis.com.evil.test
pythonhosted.org"

if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi
aliases=()
for h in $needed $wider; do
	aliases+=(--network-alias "$h")
done
if ! podman run -d --name "$goog" --network "$NET_INET" "${aliases[@]}" "$NET_INET_IMAGE" \
	google >/dev/null || ! test_wait_for 30 podman exec "$goog" curl -sf http://127.0.0.1/; then
	echo "Bail out! cannot start the stand-in server"
	exit 1
fi

code() {
	in_session "$1" curl -sS -m 20 -o /dev/null -w "%{http_code}" "$2"
}

test_expect_success 'the default policy expands to the narrow lists' '
	paude create "$def" 2>err &&
	test_grep "network: vertexai, pypi" err &&
	paude start --detach "$def" &&
	paude network "$def" >out &&
	test_grep "^Allowed:  \*-aiplatform.googleapis.com aiplatform.googleapis.com files.pythonhosted.org iamcredentials.googleapis.com oauth2.googleapis.com pypi.org sts.googleapis.com$" out &&
	podman exec "paude-proxy-$def" cat /run/paude-proxy/squid.conf >conf &&
	test_must_fail grep -E " \.(google|googleapis|pypi|pythonhosted)\.(com|org)( |$)" conf
'

test_expect_success 'every name Claude Code on Vertex AI and pip need is reachable' '
	for h in $needed; do
		in_session "$def" curl -sS -m 20 "http://$h/" >out &&
		test_grep "hello from google (host $h)" out &&
		in_session "$def" curl -sS -m 20 -k "https://$h/" >out &&
		test_grep "hello from google (host $h)" out || return 1
	done
'

test_expect_success 'wider names are refused, without a DNS lookup (and they do answer directly)' '
	for h in $wider; do
		on_internet curl -sS -m 10 "http://$h/" >control &&
		test_grep "hello from google" control &&
		test_equal 403 "$(code "$def" "http://$h/")" &&
		test_must_fail in_session "$def" curl -sS -m 20 -k "https://$h/" 2>err &&
		test_grep "CONNECT tunnel failed, response 403" err || return 1
	done &&
	podman exec "paude-proxy-$def" cat /var/log/squid/access.log >log &&
	for h in $wider; do
		test_grep "TCP_DENIED/403 .* http://$h/ - HIER_NONE" log &&
		test_grep "TCP_DENIED/403 .* CONNECT $h:443 - HIER_NONE" log || return 1
	done
'

test_expect_success 'the wide forms stay available as explicit values' '
	paude create "$wide" --allowed-domains vertexai,.googleapis.com,.google.com 2>err &&
	test_grep "network: vertexai, .googleapis.com, .google.com" err &&
	paude start --detach "$wide" &&
	for h in storage.googleapis.com www.google.com us-east5-aiplatform.googleapis.com; do
		in_session "$wide" curl -sS -m 20 "http://$h/" >out &&
		test_grep "hello from google (host $h)" out || return 1
	done &&
	test_equal 403 "$(code "$wide" http://pypi.org/)"
'

test_done
