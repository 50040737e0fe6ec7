#!/bin/bash
# Features from a registry that wants bearer tokens, as ghcr.io does: the
# local docker-registry is configured with token auth and a token service
# of the test's own; paude gets a 401 with a Bearer challenge, asks the
# realm for a pull token and fetches the feature with it. Nothing is built:
# the configuration names a base image that does not exist, so create stops
# after fetching the features, when it would pull the base (a dry run
# fetches nothing at all).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-registry.sh"

# shellcheck disable=SC2034 # used by the test bodies (eval)
name=$(test_session_name token)
registry_start token feat/hello || exit 1
mkdir -p "$TRASH/hello" "$TRASH/ws"
printf '{"id":"hello","version":"2.0.0","options":{"v":{"type":"string","default":"d"}}}' \
	>"$TRASH/hello/devcontainer-feature.json"
printf '#!/bin/sh\necho hello\n' >"$TRASH/hello/install.sh"
pw() { (cd "$TRASH/ws" && paude "$@"); }

test_expect_success 'the registry refuses anonymous requests with a Bearer challenge' '
	feature_publish "$TRASH/hello" feat/hello 1 >digest &&
	curl -sS --noproxy "*" -D headers -o /dev/null \
		"http://$REGISTRY/v2/feat/hello/manifests/1" &&
	test_grep "^HTTP/1.1 401" headers &&
	grep -qi "^www-authenticate: Bearer realm=\"$REGISTRY_REALM\"" headers
'

test_expect_success 'paude follows the token flow and gets the feature' '
	printf "{\"image\":\"%s\",\"features\":{\"%s/feat/hello:1\":{\"v\":\"x\"}}}" \
		"localhost/paude-test-absent-$$:1" "$REGISTRY" >ws/.devcontainer.json &&
	export PAUDE_LOG=debug &&
	test_must_fail pw create "$name" >out 2>err &&
	test_grep "Fetching 1 feature" err &&
	test_grep "cannot pull base image .localhost/paude-test-absent-$$:1." err &&
	test_grep "check the image the configuration names" err &&
	! grep -q "set PAUDE_BASE_IMAGE" err &&
	ls "$XDG_CACHE_HOME/paude/features" >cached &&
	test "$(wc -l <cached)" = 1 &&
	test_grep "GET $REGISTRY_REALM?service=paude-test-registry&scope=repository%3Afeat%2Fhello%3Apull" err &&
	grep -c "GET http://$REGISTRY/v2/feat/hello/manifests/1" err >n &&
	test "$(cat n)" = 2 &&
	! podman container exists "paude-$name"
'

test_expect_success 'a registry asking for credentials paude does not have: a clear error' '
	printf "{\"features\":{\"%s/feat/secret:1\":{}}}" "$REGISTRY" >ws/.devcontainer.json &&
	test_must_fail pw create "$name" 2>err &&
	test_grep "feature .*feat/secret.*: access denied (HTTP 401;.*public features" err
'

test_done
