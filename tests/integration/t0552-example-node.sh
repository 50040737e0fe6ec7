#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# examples/node, end to end: its devcontainer.json names node:20-slim. No
# registry is reachable here, so the base is a stand-in built from Debian
# packages (Node.js 18, not 20, and npm) and served by a local registry as
# docker.io's library/node:20-slim (lib-examples.sh): paude really pulls it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-examples.sh"

name=$(test_session_name exnode)
ctr="paude-$name"
ws="$TRASH/node"
cp -a "$SRC_DIR/examples/node" "$ws"
chown -R 1000:0 "$ws"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"
test_on_exit "ex_forget_pulled node:20-slim"

if ! { ex_registry_start && ex_publish_standin node node:20-slim; } >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot serve the stand-in node:20-slim"
	exit 1
fi

test_expect_success 'create builds the example image on node:20-slim' '
	{
		# --rebuild: a cached image from an earlier run would pull nothing.
		(cd "$ws" && paude create "$name" --mount-workspace --rebuild) 2>err &&
		test_grep "Using configuration: $ws/.devcontainer/devcontainer.json" err &&
		podman container exists "$ctr" &&
		podman image exists docker.io/library/node:20-slim
	} || { cat err; false; }
'

test_expect_success 'the session runs on the stand-in base, pulled from the test registry' '
	test_equal "paude test stand-in for node" "$(podman run --rm --network none --entrypoint cat "$(podman container inspect "$ctr" --format "{{.ImageName}}")" /etc/paude-test-standin)"
'

test_expect_success 'start needs no setup (the example has none)' '
	paude start -d "$name" 2>err &&
	! grep -q "setup command" err
'

test_expect_success 'node hello.js prints its greeting in the session' '
	test_equal "Hello from Node" "$(podman exec "$ctr" node hello.js)" &&
	podman exec "$ctr" npm --version >version &&
	test_grep "^[0-9]" version
'

test_done
