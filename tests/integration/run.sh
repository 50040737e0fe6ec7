#!/bin/bash
# Run every integration test file (tNNNN-*.sh) and print a summary line.
# Real podman, git, tmux and squid: ensure-base.sh prepares the offline base
# image first. Set PAUDE_TESTS="t0001 t0002" to run a subset.
# Then the rootless suite (rootless/tNNNN-*.sh): as root, as an unprivileged
# user that rootless/prepare-user.sh prepares as a desktop login would (with
# an image store of its own, built from nothing); as a normal user, as that
# user itself. See docs/DEVELOPING.md.
set -u
cd "$(dirname "$0")" || exit 1
root=false
[ "$(id -u)" -eq 0 ] && root=true
if $root; then
	./ensure-base.sh || { echo "cannot prepare the base image" >&2; exit 1; }
	./check-host.sh --functional "${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}" || exit 1
else
	echo "# not root: the rootless suite only (the others need root: debootstrap, rootful podman)"
fi
pass=0 fail=0 failed_files=()

selected() {
	local id
	id=$(basename "$1")
	id=${id%%-*}
	case " ${PAUDE_TESTS:-$id} " in
	*" $id "*) return 0 ;;
	*) return 1 ;;
	esac
}

# run_file FILE CMD...: run CMD (which runs FILE), count its results.
run_file() {
	local t="$1" out st p f
	shift
	echo "*** $t"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
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
}

for t in t[0-9][0-9][0-9][0-9]-*.sh; do
	$root && selected "$t" && run_file "$t" bash "$t"
done

prepared=false
for t in rootless/t[0-9][0-9][0-9][0-9]-*.sh; do
	selected "$t" || continue
	if ! $root; then
		run_file "$t" bash "$t"
		continue
	fi
	if ! $prepared; then
		echo "*** rootless: preparing the test user"
		start=$SECONDS
		if ! who=$(rootless/prepare-user.sh); then
			fail=$((fail + 1))
			failed_files+=("rootless/prepare-user.sh")
			break
		fi
		echo "# rootless: user, uid, runtime directory: $who ($((SECONDS - start))s)"
		prepared=true
	fi
	opts=()
	grep -q '^# rootless-host: tun-unusable$' "$t" && opts=(--tun-unusable)
	run_file "$t" rootless/as-user.sh "${opts[@]}" bash "$t"
done
[ ${#failed_files[@]} -gt 0 ] && printf 'failed: %s\n' "${failed_files[@]}"
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
