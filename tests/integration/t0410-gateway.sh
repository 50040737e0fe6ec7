#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# The model gateway in the sidecar (real podman, real squid, real Claude
# Code): the credentials stay outside the agent, the gateway adds them to
# the model calls it allows and refuses everything else. The Google token
# endpoint, Vertex AI and the Anthropic API are one fake server of this
# test's own (fake-model.py), on a network only the proxy joins; the
# gateway is pointed at it with the PAUDE_GATEWAY_*_URL test hooks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name gw)
api=$(test_session_name gwapi)
GW_NET="it$$-gw-inet"
FAKE="it$$-gw-fake"
# Strings found nowhere else: if any shows up on the agent's side, it leaked.
U="u$$x$(date +%s%N)"
CLIENT_ID="cid-$U" CLIENT_SECRET="csecret-$U" REFRESH_TOKEN="rtoken-$U"
API_KEY="sk-ant-fake-$U" SA_EMAIL="sa-$U@test.invalid"
ADC="$HOME/.config/gcloud/application_default_credentials.json"
mkdir -p "$TRASH/ws" "$TRASH/keys"
cd "$TRASH/ws" || exit 1
test_on_exit "paude delete $name --confirm; paude delete $api --confirm; podman rm -f -t 0 paude-$name paude-proxy-$name paude-$api paude-proxy-$api $FAKE; podman network rm -f paude-net-$name paude-net-$api $GW_NET; podman volume rm -f paude-$name-workspace paude-$api-workspace"

setup() {
	local img
	img=$("$SRC_DIR/tests/integration/ensure-image-dir.sh" \
		"$SRC_DIR/tests/integration/inet" localhost/h3-test-inet) || return 1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TRASH/keys/sa.pem" &&
		openssl pkey -in "$TRASH/keys/sa.pem" -pubout -out "$TRASH/keys/sa.pub" &&
		chmod 0644 "$TRASH/keys/sa.pub" || return 1
	podman network create --internal "$GW_NET" >/dev/null || return 1
	podman run -d --name "$FAKE" --network "$GW_NET" --network-alias fake-model.test \
		-v "$SRC_DIR/tests/integration/fake-model.py:/fake-model.py:ro" \
		-v "$TRASH/keys/sa.pub:/sa.pub:ro" --entrypoint python3 "$img" /fake-model.py 8080 \
		"$CLIENT_ID" "$CLIENT_SECRET" "$REFRESH_TOKEN" "$SA_EMAIL" /sa.pub "$API_KEY" \
		>/dev/null || return 1
	test_wait_for 30 podman exec "$FAKE" curl -sf http://127.0.0.1:8080/seen
}
if ! setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the fake model endpoints"
	exit 1
fi
printf '{"type":"authorized_user","client_id":"%s","client_secret":"%s","refresh_token":"%s"}\n' \
	"$CLIENT_ID" "$CLIENT_SECRET" "$REFRESH_TOKEN" >"$ADC"
# As gcloud writes it: readable by its owner only (not by the proxy's user).
chmod 0600 "$ADC"
export PAUDE_PROXY_NETWORK="$GW_NET"
export PAUDE_GATEWAY_TOKEN_URL=http://fake-model.test:8080/token
export PAUDE_GATEWAY_VERTEX_URL=http://fake-model.test:8080
export PAUDE_GATEWAY_ANTHROPIC_URL=http://fake-model.test:8080

# What the fake server saw, as JSON; one field of it with a Python expression.
seen() {
	podman exec "$FAKE" curl -sS http://127.0.0.1:8080/seen
}
seen_py() {
	seen | python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}
control() {
	podman exec "$FAKE" curl -sS -X POST "http://127.0.0.1:8080/control?$1" >/dev/null
}
MODELS=/v1/projects/paude-test-project/locations/us-east5/publishers/anthropic/models
# A call to the gateway from inside the session: prints the status code.
gw_call() {
	local path="$1"
	shift
	in_session "$name" curl -sS -m 60 -o /dev/null -w "%{http_code}" "$@" \
		"http://paude-proxy:8090$path"
}
# Every unique string, looked for in the agent's files, environment and definition.
no_secret_in_agent() {
	local ctr="paude-$1" s
	shift
	podman inspect "$ctr" >"$TRASH/inspect.json" || return 1
	podman exec "$ctr" sh -c 'cat /proc/self/environ /proc/1/environ' >"$TRASH/environ" || return 1
	for s in "$@"; do
		if grep -qF "$s" "$TRASH/inspect.json" "$TRASH/environ"; then
			echo "found $s in the agent's definition or environment" >&2
			return 1
		fi
		# Exit 1 is "not found"; 2 with a match would still print it.
		if podman exec "$ctr" grep -rlsF --exclude-dir=proc --exclude-dir=sys \
			--exclude-dir=dev "$s" / >"$TRASH/found"; then
			echo "found $s in the agent's files: $(cat "$TRASH/found")" >&2
			return 1
		fi
	done
}

test_expect_success 'create with Vertex AI says the credentials stay outside' '
	paude create "$name" --allowed-domains nothing.invalid 2>err &&
	test_grep "model: Vertex AI (project paude-test-project, us-east5) through the session.s gateway" err &&
	paude start --detach "$name"
'

test_expect_success 'the agent is pointed at the gateway and holds no credentials' '
	test_equal 1 "$(in_session "$name" printenv CLAUDE_CODE_USE_VERTEX)" &&
	test_equal 1 "$(in_session "$name" printenv CLAUDE_CODE_SKIP_VERTEX_AUTH)" &&
	test_equal http://paude-proxy:8090/v1 "$(in_session "$name" printenv ANTHROPIC_VERTEX_BASE_URL)" &&
	test_equal us-east5 "$(in_session "$name" printenv CLOUD_ML_REGION)" &&
	test_must_fail in_session "$name" test -e /home/paude/.config/gcloud &&
	test_must_fail in_session "$name" printenv GOOGLE_APPLICATION_CREDENTIALS &&
	no_secret_in_agent "$name" "$CLIENT_ID" "$CLIENT_SECRET" "$REFRESH_TOKEN"
'

test_expect_success 'claude -p gets its answer from Vertex AI through the gateway' '
	in_session "$name" timeout 180 claude -p "say hi" >answer 2>claude.err ||
		{ cat answer claude.err; false; } &&
	test_grep "hi from fake vertex" answer &&
	seen_py "[s[\"path\"] for s in d[\"seen\"]]" >paths &&
	test_grep "$MODELS/claude" paths &&
	seen_py "d[\"minted\"]" >minted &&
	test_grep "fake-access-1-_token" minted &&
	seen_py "{s[\"auth\"] for s in d[\"seen\"]}" >auth &&
	test_equal "{'"'"'Bearer fake-access-1-_token'"'"'}" "$(cat auth)" &&
	seen_py "{s[\"anthropic_version_body\"] for s in d[\"seen\"]}" >versions &&
	test_grep vertex-2023-10-16 versions &&
	seen_py "sorted({h for s in d[\"seen\"] for h in s[\"headers\"]})" >headers &&
	test_grep anthropic-beta headers
'

test_expect_success 'the token is minted once and reused' '
	test_equal 200 "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")" &&
	test_equal 200 "$(gw_call "$MODELS/count-tokens:rawPredict" -d "{}")" &&
	test_equal 1 "$(seen_py "len(d[\"minted\"])")"
'

test_expect_success 'an upstream 401 makes one refresh and one retry' '
	control fail401=1 &&
	test_equal 200 "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")" &&
	test_equal 2 "$(seen_py "len(d[\"minted\"])")" &&
	seen_py "[(s[\"auth\"], s.get(\"refused\", False)) for s in d[\"seen\"][-2:]]" >last &&
	test_equal "[('"'"'Bearer fake-access-1-_token'"'"', True), ('"'"'Bearer fake-access-2-_token'"'"', False)]" "$(cat last)" &&
	control fail401=2 &&
	test_equal 401 "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")" &&
	test_equal 3 "$(seen_py "len(d[\"minted\"])")"
'

test_expect_success 'a token is refreshed once it is about to expire' '
	control expires=310 &&
	control fail401=1 &&
	test_equal 200 "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")" &&
	test_equal 4 "$(seen_py "len(d[\"minted\"])")" &&
	test_equal 200 "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")" &&
	test_equal 4 "$(seen_py "len(d[\"minted\"])")" &&
	sleep 10 &&
	test_equal 200 "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")" &&
	test_equal 5 "$(seen_py "len(d[\"minted\"])")" &&
	control expires=3600
'

test_expect_success 'refusals get 403 with a reason and never reach upstream' '
	before=$(seen_py "len(d[\"seen\"])") &&
	P=/v1/projects &&
	test_equal 403 "$(gw_call "$P/other-project/locations/us-east5/publishers/anthropic/models/claude-x:rawPredict" -d "{}")" &&
	test_equal 403 "$(gw_call "$P/paude-test-project/locations/us-east5/publishers/google/models/gemini-2.5-pro:rawPredict" -d "{}")" &&
	test_equal 403 "$(gw_call "$P/paude-test-project/locations/europe-west4/publishers/anthropic/models/claude-x:rawPredict" -d "{}")" &&
	test_equal 403 "$(gw_call "$MODELS/../../../google/models/gemini:rawPredict" --path-as-is -d "{}")" &&
	test_equal 403 "$(gw_call "$P/paude-test-project/locations/us-east5/publishers/%61nthropic/models/claude-x:rawPredict" -d "{}")" &&
	test_equal 403 "$(gw_call "$MODELS/claude-x%3ArawPredict" -d "{}")" &&
	test_equal 403 "$(gw_call "$MODELS/claude-x:rawPredict")" &&
	test_equal 403 "$(gw_call /v1/messages -d "{}")" &&
	test_equal 403 "$(gw_call "$MODELS/claude-x:rawPredict" -H "X-Pad: $(head -c 40000 /dev/zero | tr "\0" a)" -d "{}")" &&
	in_session "$name" sh -c "head -c 40000000 /dev/zero >/tmp/big" &&
	test_equal 403 "$(gw_call "$MODELS/claude-x:rawPredict" --data-binary @/tmp/big)" &&
	in_session "$name" curl -sS -d "{}" "http://paude-proxy:8090/v1/projects/other/locations/us-east5/publishers/anthropic/models/m:rawPredict" >body &&
	test_grep "another project than the session" body &&
	test_equal "$before" "$(seen_py "len(d[\"seen\"])")"
'

test_expect_success 'paude network shows the gateway calls: model, status, no secrets' '
	paude network "$name" >net &&
	test_grep "Recent model calls through the gateway" net &&
	test_grep "POST streamRawPredict model=claude" net &&
	test_grep "status=403 .*reason=\"another project than the session" net &&
	test_must_fail grep -e "fake-access" -e "$REFRESH_TOKEN" net
'

test_expect_success 'a new service-account key on the host is used after start, its JWT verified' '
	python3 -c "import json, sys; print(json.dumps({\"type\": \"service_account\", \"client_email\": sys.argv[1], \"private_key\": open(sys.argv[2]).read(), \"private_key_id\": \"k1\"}))" \
		"$SA_EMAIL" "$TRASH/keys/sa.pem" >"$ADC.new" &&
	chmod 0600 "$ADC.new" &&
	mv "$ADC.new" "$ADC" &&
	paude start --detach "$name" 2>err &&
	test_equal 200 "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")" &&
	seen_py "d[\"minted\"][-1]" >last &&
	test_grep "fake-access-6-bearer" last &&
	test_equal "[]" "$(seen_py "d[\"token_errors\"]")" &&
	no_secret_in_agent "$name" "$SA_EMAIL" "$(sed -n 2p "$TRASH/keys/sa.pem")"
'

test_expect_success 'streaming: the first event arrives before upstream has finished' '
	control delay=1 &&
	in_session "$name" bash -c "start=\$(date +%s%N); curl -sSN -d \"{}\" http://paude-proxy:8090$MODELS/claude-x:streamRawPredict | { IFS= read -r first; t1=\$(date +%s%N); cat >/dev/null; t2=\$(date +%s%N); echo \"\$first \$(( (t1 - start) / 1000000 )) \$(( (t2 - start) / 1000000 ))\"; }" >timing &&
	control delay=0 &&
	read -r ev1 ev2 first_ms total_ms <timing &&
	test_equal "event: message_start" "$ev1 $ev2" &&
	test "$first_ms" -lt 2000 &&
	test "$total_ms" -ge 4500 || { cat timing; false; }
'

test_expect_success '50 concurrent streams all complete' '
	control delay=0.2 &&
	in_session "$name" bash -c "for i in \$(seq 50); do curl -sSN -m 60 -d \"{}\" http://paude-proxy:8090$MODELS/claude-x:streamRawPredict >/tmp/s\$i & done; wait; grep -l message_stop /tmp/s* | wc -l" >done &&
	control delay=0 &&
	test_equal 50 "$(cat done)"
'

gw_ok() {
	test 200 = "$(gw_call "$MODELS/claude-x:rawPredict" -d "{}")"
}
gateway_pid() {
	podman exec "paude-proxy-$name" sh -c 'for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" != paude-gateway ] || echo "${p#/proc/}"; done'
}

test_expect_success 'the gateway killed mid-stream: the agent gets an error, then it works again' '
	control delay=1
	pid=$(gateway_pid)
	test -n "$pid"
	in_session "$name" curl -sSN -m 30 -d "{}" "http://paude-proxy:8090$MODELS/claude-x:streamRawPredict" >partial 2>stream.err &
	curl_job=$!
	sleep 2
	podman exec "paude-proxy-$name" kill -9 "$pid"
	test_must_fail wait "$curl_job"
	control delay=0
	test_grep "event: message_start" partial
	test_must_fail grep message_stop partial
	cat stream.err
	test_wait_for 15 gw_ok
	test "$(gateway_pid)" != "$pid"
	test -n "$(gateway_pid)"
'

test_expect_success 'Anthropic API: claude -p gets its answer with the key added by the gateway' '
	(
		unset CLAUDE_CODE_USE_VERTEX &&
		export ANTHROPIC_API_KEY="$API_KEY" &&
		paude create "$api" --allowed-domains nothing.invalid 2>err &&
		paude start --detach "$api"
	) &&
	test_grep "model: the Anthropic API through the session.s gateway" err &&
	test_equal http://paude-proxy:8090 "$(in_session "$api" printenv ANTHROPIC_BASE_URL)" &&
	test_must_fail in_session "$api" printenv CLAUDE_CODE_USE_VERTEX &&
	no_secret_in_agent "$api" "$API_KEY" &&
	in_session "$api" timeout 180 claude -p "say hi" >answer 2>claude.err ||
		{ cat answer claude.err; false; } &&
	test_grep "hi from fake anthropic" answer &&
	seen_py "{s[\"api_key\"] for s in d[\"seen\"] if s[\"path\"].startswith(\"/v1/messages\")}" >apikeys &&
	test_equal "{'"'"'$API_KEY'"'"'}" "$(cat apikeys)" &&
	seen_py "{s[\"auth\"] for s in d[\"seen\"] if s[\"path\"].startswith(\"/v1/messages\")}" >auth &&
	test_equal "{None}" "$(cat auth)"
'

test_done
