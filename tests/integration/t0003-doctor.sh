#!/bin/bash
# paude doctor against real podman: a healthy host passes (its container
# runs on an internal network, as a session's agent does); a host where
# podman asks for limits the kernel will not grant (nested/VM hosts) is
# recognised from podman's own error and the fix is printed. (Rootless
# podman's needs: tests/integration/rootless/.)
. "$(dirname "$0")/lib.sh"

test_expect_success 'doctor passes on a working host' '
	paude doctor >out 2>err &&
	test_grep "^ok    podman " out &&
	test_grep "^ok    containers run" out &&
	test_grep "^ok    git-remote-paude" out
'

test_expect_success 'doctor runs its container on an internal network, which it removes' '
	paude doctor >out 2>err &
	pid=$! &&
	wait "$pid" &&
	test_grep "^ok    containers run on an internal network" out &&
	test_must_fail podman network exists "paude-doctor-$pid"
'

test_expect_success 'doctor recognises an ungrantable nofile limit and prints the fix' '
	cat >"$TRASH/containers.conf" <<-CONF &&
	[containers]
	default_ulimits = ["nofile=1048576:1048576"]
	[engine]
	runtime = "runc"
	CONF
	hard=$(ulimit -Hn) &&
	if [ "$hard" != unlimited ] && [ "$hard" -lt 1048576 ]; then
		test_must_fail env CONTAINERS_CONF="$TRASH/containers.conf" paude doctor >out 2>err &&
		test_grep "^FAIL  containers cannot run" out &&
		test_grep "default_ulimits" out
	else
		echo "host grants nofile=$hard: the failure cannot be provoked here" >&2
	fi
'

test_expect_success 'doctor reports a missing podman' '
	mkdir -p "$TRASH/bin" &&
	ln -sf "$SRC_DIR/bin/paude" "$TRASH/bin/paude" &&
	test_must_fail env PATH="$TRASH/bin" "$TRASH/bin/paude" doctor >out 2>err &&
	test_grep "^FAIL  podman not found" out
'

test_done
