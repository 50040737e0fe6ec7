#!/bin/bash
# Benchmark: `paude list` against the one `podman ps` call it needs, with 20
# sessions. Prints the medians and their ratio (goal: at most 1.3).
# Sessions are created with the base image as a stand-in (list does not care
# what runs inside) and removed afterwards. Usage: bench/list.sh [SESSIONS] [RUNS]
set -eu
cd "$(dirname "$0")/.."
N=${1:-20}
RUNS=${2:-21}
export PATH="$PWD/bin:$PATH"
export PAUDE_IMAGE="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
tests/integration/ensure-base.sh
prefix="bench$$"
cleanup() {
	for i in $(seq "$N"); do
		paude delete "$prefix-$i" --confirm >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT
ws=$(mktemp -d)
for i in $(seq "$N"); do
	(cd "$ws" && paude -q create "$prefix-$i" -a "--model x$i" >/dev/null)
done

# Median wall time in microseconds of RUNS runs of a command.
median_us() {
	local times=() i s e
	for ((i = 0; i < RUNS; i++)); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s%N)
		times+=($(((e - s) / 1000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$((RUNS / 2 + 1))p"
}

count=$(paude list --json | grep -c "\"name\": \"$prefix-")
[ "$count" -eq "$N" ] || { echo "expected $N sessions, list shows $count" >&2; exit 1; }
podman_us=$(median_us podman ps --all --filter label=app=paude --filter label=paude.io/session-name --format json)
paude_us=$(median_us paude list)
json_us=$(median_us paude list --json)
echo "sessions: $N, runs: $RUNS"
echo "podman ps (median):       $((podman_us / 1000)) ms"
echo "paude list (median):      $((paude_us / 1000)) ms"
echo "paude list --json:        $((json_us / 1000)) ms"
awk -v a="$paude_us" -v b="$podman_us" 'BEGIN { printf "ratio paude list / podman ps: %.3f (goal <= 1.3)\n", a / b }'
