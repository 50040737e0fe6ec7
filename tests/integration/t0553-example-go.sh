#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# examples/go, end to end: its devcontainer.json names golang:1.21. No
# registry is reachable here, so the base is a stand-in built from Debian
# packages (Go 1.19, not 1.21) and served by a local registry as docker.io's
# library/golang:1.21 (lib-examples.sh): paude really pulls it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-examples.sh"

name=$(test_session_name exgo)
ctr="paude-$name"
ws="$TRASH/go"
cp -a "$SRC_DIR/examples/go" "$ws"
chown -R 1000:0 "$ws"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"
test_on_exit "ex_forget_pulled golang:1.21"

if ! { ex_registry_start && ex_publish_standin go golang:1.21; } >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot serve the stand-in golang:1.21"
	exit 1
fi

test_expect_success 'create builds the example image on golang:1.21' '
	{
		# --rebuild: a cached image from an earlier run would pull nothing.
		(cd "$ws" && paude create "$name" --mount-workspace --rebuild) 2>err &&
		test_grep "Using configuration: $ws/.devcontainer/devcontainer.json" err &&
		podman container exists "$ctr" &&
		podman image exists docker.io/library/golang:1.21
	} || { cat err; false; }
'

test_expect_success 'the session runs on the stand-in base, pulled from the test registry' '
	test_equal "paude test stand-in for golang" "$(podman run --rm --network none --entrypoint cat "$(podman container inspect "$ctr" --format "{{.ImageName}}")" /etc/paude-test-standin)"
'

test_expect_success 'start runs the session' '
	paude start -d "$name"
'

test_expect_success 'go run hello.go prints its greeting in the session' '
	test_equal "Hello from Go" "$(podman exec "$ctr" go run hello.go)" &&
	podman exec "$ctr" go version >version &&
	test_grep "^go version go1\." version
'

test_done
