#!/bin/bash
# Shared helpers for integration tests (git t/test-lib.sh in miniature).
# A test file sources this, calls test_expect_success for each case, and
# ends with test_done. Output is TAP-like; run.sh aggregates the files.
# shellcheck disable=SC2034

set -u
TEST_NAME=$(basename "$0" .sh)
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="$SRC_DIR/bin:$PATH"
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/paude-$TEST_NAME.XXXXXX")
export PAUDE_TEST=1
# A private HOME so tests never read or write the user's configuration.
export HOME="$TRASH/home"
mkdir -p "$HOME"
export XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state"
# The offline base image (tests/integration/ensure-base.sh builds it).
export PAUDE_BASE_IMAGE="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
# Claude Code set up for Vertex AI with a made-up project, so that it stays
# on its first screen instead of exiting for want of an Anthropic account.
# Nothing it tries reaches Google: see the egress network below.
export CLAUDE_CODE_USE_VERTEX=1 ANTHROPIC_VERTEX_PROJECT_ID=paude-test-project
export GOOGLE_CLOUD_PROJECT=paude-test-project CLOUD_ML_REGION=us-east5
export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
# Made-up Google credentials of a kind the model gateway accepts (create
# checks them); they reach the sidecar only, and nothing can use them.
mkdir -p "$HOME/.config/gcloud"
printf '{"type":"authorized_user","client_id":"paude-test","client_secret":"paude-test","refresh_token":"paude-test"}\n' \
	>"$HOME/.config/gcloud/application_default_credentials.json"
unset PAUDE_IMAGE PAUDE_PROXY_IMAGE

test_count=0
test_failed=0
_cleanups=()

# Unique, valid session name for this test file: NAME PREFIX -> "t<pid>-prefix".
test_session_name() {
	echo "it$$-$1"
}

# Register a cleanup command; they run at exit, last registered first.
# podman rm -f of a running container, tried again while podman 4.3 loses
# its race with the container's own clean-up (EBUSY on userdata/shm; paude
# retries it the same way); fails unless the container is gone.
test_podman_rm() {
	local i
	for i in 1 2 3 4 5; do
		podman rm -f "$1" >/dev/null 2>"$TRASH/rm.err" && break
		grep -q "device or resource busy" "$TRASH/rm.err" || break
		sleep 0.2
	done
	! podman container exists "$1"
}

test_on_exit() {
	_cleanups+=("$1")
}

_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$TRASH"
}
trap _run_cleanups EXIT

# The proxies' way out: an internal network of this test file's own, so no
# session a test starts can reach beyond this machine, whatever it allows.
# (Network tests replace it with their own "internet", see lib-net.sh.)
# The real podman, by path: a test may put a stand-in podman first on PATH,
# and this network must go whatever the test did.
TEST_EGRESS="paude-t-egress-$$"
REAL_PODMAN=$(command -v podman) || { echo "Bail out! podman is not installed"; exit 1; }
# One of this name can only be a leftover of a killed run whose process had
# the same PID: no live test owns it.
"$REAL_PODMAN" network rm -f "$TEST_EGRESS" >/dev/null 2>&1 || true
"$REAL_PODMAN" network create --internal --disable-dns "$TEST_EGRESS" >/dev/null || exit 1
test_on_exit "$REAL_PODMAN network rm -f $TEST_EGRESS"
export PAUDE_PROXY_NETWORK="$TEST_EGRESS"

test_expect_success() {
	local desc="$1" body="$2"
	test_count=$((test_count + 1))
	local out="$TRASH/out.$test_count"
	if (cd "$TRASH" && set -e && eval "$body") >"$out" 2>&1; then
		echo "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $desc"
		sed 's/^/#   /' "$out" | tail -n 40
	fi
}

test_done() {
	echo "# $TEST_NAME: $((test_count - test_failed)) passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
}

# show_err: for `{ ...; } || show_err` in a test body: the file err (a
# command's stderr) on our stderr, each line marked; fails.
show_err() {
	[ ! -f err ] || sed "s/^/err: /" err >&2
	return 1
}

# Assertions that print what they saw when they fail.
test_grep() {
	if ! grep -q -- "$@"; then
		echo "expected to find: $*" >&2
		return 1
	fi
}

test_must_fail() {
	if "$@"; then
		echo "command succeeded but should have failed: $*" >&2
		return 1
	fi
	return 0
}

test_equal() {
	if [ "$1" != "$2" ]; then
		printf 'expected: %s\n     got: %s\n' "$1" "$2" >&2
		return 1
	fi
}

# Wait until a command succeeds (at most $1 seconds).
test_wait_for() {
	local secs="$1"
	shift
	local i
	for ((i = 0; i < secs * 5; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	echo "timed out after ${secs}s waiting for: $*" >&2
	return 1
}
