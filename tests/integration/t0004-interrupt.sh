#!/bin/bash
# Ctrl-C in the middle of `paude create` (here: while it rebuilds an image)
# exits 130, says it was interrupted, leaves nothing half-created (not even
# the build's mounted buildah working container), and the same command can
# simply be run again.
. "$(dirname "$0")/lib.sh"

export PAUDE_IMAGE="$PAUDE_BASE_IMAGE"
name=$(test_session_name intr)
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
test_on_exit "paude delete $name --confirm"

no_leftovers() {
	! podman container exists "paude-$1" && ! podman volume exists "paude-$1-workspace" &&
		! podman container exists "paude-proxy-$1" && ! podman network exists "paude-net-$1"
}

test_expect_success 'the proxy image exists (built once)' '
	paude create "$name" 2>err &&
	paude delete "$name" --confirm &&
	no_leftovers "$name"
'

# The build of paude $1 starts from its own name for the base image,
# localhost/paude-from-$1-N:base, so its working container is
# paude-from-$1-N-working-container.
working_container() {
	podman ps --all --external --format "{{.Names}}" | grep "^paude-from-$1-.*-working-container"
}
build_leftovers() {
	{
		podman ps --all --external --format "{{.Names}}"
		podman images --format "{{.Repository}}"
	} | grep -E "(^|/)paude-from-$1-"
}

test_expect_success 'Ctrl-C during create exits 130 and leaves nothing behind' '
	setsid paude create "$name" --rebuild >out 2>err &
	pid=$! &&
	test_wait_for 60 grep -q "Building image" err &&
	test_wait_for 60 working_container "$pid" &&
	sleep 2 &&
	kill -INT -- "-$pid" &&
	rc=0 && wait "$pid" || rc=$? &&
	test_equal 130 "$rc" &&
	test_grep "interrupted" err &&
	no_leftovers "$name" &&
	test_must_fail build_leftovers "$pid"
'

test_expect_success 'the interrupted create can be run again' '
	paude create "$name" 2>err &&
	podman container exists "paude-$name" &&
	paude delete "$name" --confirm &&
	no_leftovers "$name"
'

test_done
