#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# examples/python, end to end: its devcontainer.json names python:3.11-slim
# and a postCreateCommand. No registry is reachable here, so the base is a
# stand-in built from Debian packages (Python 3.11, pip, and pytest from
# python3-pytest) and served by a local registry as docker.io's
# library/python:3.11-slim (lib-examples.sh): paude really pulls it.
# PyPI is not reachable either, so `pip install --user pytest` can only
# succeed because the stand-in already has pytest (pip says "Requirement
# already satisfied" and downloads nothing): the test checks that it ran at
# the first start with its output shown, and not at the next; then that
# the program runs in the session. (t0550 covers a failing setup command.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-examples.sh"

name=$(test_session_name expy)
ctr="paude-$name"
ws="$TRASH/python"
cp -a "$SRC_DIR/examples/python" "$ws"
chown -R 1000:0 "$ws"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"
test_on_exit "ex_forget_pulled python:3.11-slim"

if ! { ex_registry_start && ex_publish_standin python python:3.11-slim; } >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot serve the stand-in python:3.11-slim"
	exit 1
fi

test_expect_success 'create builds the example image on python:3.11-slim' '
	{
		# --rebuild: a cached image from an earlier run would pull nothing.
		(cd "$ws" && paude create "$name" --mount-workspace --rebuild) 2>err &&
		test_grep "Using configuration: $ws/.devcontainer/devcontainer.json" err &&
		podman container exists "$ctr" &&
		podman image exists docker.io/library/python:3.11-slim
	} || { cat err; false; }
'

test_expect_success 'the session runs on the stand-in base, pulled from the test registry' '
	test_equal "paude test stand-in for python" "$(podman run --rm --network none --entrypoint cat "$(podman container inspect "$ctr" --format "{{.ImageName}}")" /etc/paude-test-standin)"
'

test_expect_success 'the first start runs the postCreateCommand, with its output shown' '
	paude start -d "$name" 2>err &&
	test_grep "Running the setup command (once, in /pvc/workspace): pip install --user pytest" err &&
	test_grep "Requirement already satisfied: pytest" err &&
	test_grep "Setup command finished" err
'

test_expect_success 'a later start does not run it again' '
	paude stop "$name" &&
	paude start -d "$name" 2>err &&
	! grep -q "pip install" err
'

test_expect_success 'python hello.py prints its greeting in the session' '
	test_equal "Hello from Python" "$(podman exec "$ctr" python hello.py)" &&
	podman exec "$ctr" python --version >version &&
	test_grep "Python 3\.11\." version
'

test_expect_success 'pytest is available (from the stand-in base)' '
	podman exec "$ctr" pytest --version >out 2>&1 &&
	test_grep "pytest" out
'

test_done
