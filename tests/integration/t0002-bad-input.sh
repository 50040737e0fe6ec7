#!/bin/bash
# Bad input and faults: each gets a one-line error, a non-zero exit, and
# leaves nothing behind. Uses the base image as a stand-in agent image:
# nothing here starts the agent.
. "$(dirname "$0")/lib.sh"

export PAUDE_IMAGE="$PAUDE_BASE_IMAGE"
name=$(test_session_name bad)
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
test_on_exit "podman rm -f paude-$name; podman volume rm -f paude-$name-workspace"

no_leftovers() {
	! podman container exists "paude-$1" && ! podman volume exists "paude-$1-workspace"
}

expect_usage_error() {
	local rc=0
	paude "$@" >out 2>err || rc=$?
	if [ "$rc" -ne 2 ]; then
		echo "expected exit 2 from: paude $*, got $rc" >&2
		cat err >&2
		return 1
	fi
	[ "$(wc -l <err)" -eq 1 ] || { echo "expected one line of error:" >&2; cat err >&2; return 1; }
}

test_expect_success 'invalid session names are refused with exit 2' '
	for n in "../x" "a;b" "-x" "has space" "UPPER" "x-" "$(printf "a%.0s" $(seq 300))" "" "a\$(id)"; do
		expect_usage_error create -- "$n"
		test_grep "session name" err
	done
'

test_expect_success 'nothing was created for invalid names' '
	! podman ps -a --format "{{.Names}}" | grep -E "^paude-(\.\.|a;b|-x)"
'

test_expect_success 'unknown options and missing values are usage errors' '
	expect_usage_error create --bogus &&
	test_grep "unknown option .--bogus." err &&
	expect_usage_error create -a &&
	test_grep "needs a value" err &&
	expect_usage_error frobnicate &&
	test_grep "unknown command" err
'

test_expect_success 'unterminated quote in -a is refused' '
	expect_usage_error create "$name" -a "-p \"unterminated" &&
	test_grep "unterminated double quote" err &&
	no_leftovers "$name"
'

test_expect_success 'unknown session: clear error, exit 1' '
	test_must_fail paude start nosuch-session 2>err &&
	test_grep "session .nosuch-session. not found" err &&
	test_must_fail paude connect nosuch-session 2>err &&
	test_grep "not found" err
'

test_expect_success 'create makes the session; the same name again is refused' '
	paude create "$name" 2>err &&
	podman container exists "paude-$name" &&
	podman volume exists "paude-$name-workspace" &&
	test_must_fail paude create "$name" 2>err &&
	test_grep "session .$name. already exists" err
'

test_expect_success 'connect to a session that is not running is refused' '
	test_must_fail paude connect "$name" 2>err &&
	test_grep "is not running (start it with: paude start $name)" err
'

test_expect_success 'delete without --confirm explains and keeps everything' '
	test_must_fail paude delete "$name" 2>err &&
	test_grep "confirm" err &&
	podman container exists "paude-$name"
'

test_expect_success 'delete --confirm removes container and volume' '
	paude delete "$name" --confirm &&
	no_leftovers "$name"
'

test_expect_success 'a failed create removes what it made' '
	test_must_fail env PAUDE_IMAGE=localhost/paude-no-such-image:1 paude create "$name" 2>err &&
	test_grep "cannot create container" err &&
	no_leftovers "$name"
'

test_expect_success 'podman missing: a clear error' '
	mkdir -p "$TRASH/nopodman" &&
	ln -sf "$SRC_DIR/bin/paude" "$TRASH/nopodman/paude" &&
	test_must_fail env PATH="$TRASH/nopodman" "$TRASH/nopodman/paude" list 2>err &&
	test_grep "podman. not found (is it installed and on PATH?)" err
'

test_expect_success 'podman not working: its own error is shown' '
	printf "[storage]\ndriver = \"no-such-driver\"\n" >"$TRASH/storage.conf" &&
	test_must_fail env CONTAINERS_STORAGE_CONF="$TRASH/storage.conf" paude list 2>err &&
	test_grep "podman ps: exit" err
'

test_expect_success 'output that cannot be written is an error; a reader gone ends it as SIGPIPE would' '
	test_must_fail paude --help >/dev/full 2>err &&
	test_grep "cannot write to standard output: No space left on device" err &&
	test_must_fail paude --version >/dev/full 2>err &&
	test_must_fail paude create --help >/dev/full 2>err &&
	test_grep "cannot write to standard output" err &&
	# SIGPIPE ignored (as some parents leave it) and the reader gone: no
	# message, and the status a SIGPIPE would have given.
	(
		trap "" PIPE
		sleep 0.5
		rc=0 && paude --help 2>err-pipe || rc=$?
		echo "$rc" >rc
	) | true &&
	test_equal 141 "$(cat rc)" &&
	test_equal "" "$(cat err-pipe)"
'

test_done
