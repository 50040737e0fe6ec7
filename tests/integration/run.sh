#!/bin/bash
# Run every integration test file (tNNNN-*.sh) and print a summary line.
# Real podman, git, tmux and squid: ensure-base.sh prepares the offline base
# image first. Set PAUDE_TESTS="t0001 t0002" to run a subset.
set -u
cd "$(dirname "$0")" || exit 1
./ensure-base.sh || { echo "cannot prepare the base image" >&2; exit 1; }
./check-host.sh --functional "${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}" || exit 1
pass=0 fail=0 failed_files=()
for t in t[0-9][0-9][0-9][0-9]-*.sh; do
	case " ${PAUDE_TESTS:-${t%%-*}} " in
	*" ${t%%-*} "*) ;;
	*) continue ;;
	esac
	echo "*** $t"
	out=$(mktemp)
	bash "$t" 2>&1 | tee "$out"
	st=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail=$((fail + 1))
		failed_files+=("$t (exited non-zero)")
	fi
	[ "$f" -gt 0 ] && failed_files+=("$t")
	rm -f "$out"
done
[ ${#failed_files[@]} -gt 0 ] && printf 'failed: %s\n' "${failed_files[@]}"
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
