#!/bin/bash
# Two pushes racing into the session's checked-out branch (updateInstead):
# whichever wins, the working tree the agent sees must be the branch's
# tree. paude-session serializes receive-pack, so the loser sees the
# winner's commit and is refused as a non-fast-forward instead of checking
# its own files out under the winner's branch. Repeated 12 times.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name race)
ctr="paude-$name"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main
session_git() { podman exec "$ctr" git -C /pvc/workspace "$@"; }

mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
seq 1 100 >shared.txt
git add shared.txt
git commit -q -m first

test_expect_success 'set-up: a running session, two clones' '
	cd "$TRASH/repo" &&
	paude create "$name" --no-push --allowed-domains tunnel-test.invalid 2>err &&
	paude start --detach "$name" </dev/null 2>err &&
	paude remote add --push "$name" 2>err &&
	git clone -q "paude::$name" "$TRASH/a" &&
	git clone -q "paude::$name" "$TRASH/b"
'

# One round: both clones start from the session's branch, change the same
# file and a file of their own, and push at the same moment.
race_round() {
	local i="$1" c
	for c in a b; do
		(cd "$TRASH/$c" && git fetch -q origin && git reset -q --hard origin/main &&
			for f in $(seq 1 20); do echo "$c $i $f" >"$c-$f.txt"; done &&
			echo "$c $i" >shared.txt && git add -A && git commit -q -m "$c $i") || return 1
	done
	(cd "$TRASH/a" && git push -q origin main >"$TRASH/push-a" 2>&1) &
	local pa=$!
	(cd "$TRASH/b" && git push -q origin main >"$TRASH/push-b" 2>&1) &
	local pb=$! sa=0 sb=0
	wait "$pa" || sa=$?
	wait "$pb" || sb=$?
	# Exactly one wins: the other was refused (non-fast-forward).
	if [ $((sa == 0 ? 1 : 0)) -eq $((sb == 0 ? 1 : 0)) ]; then
		echo "round $i: push statuses a=$sa b=$sb" >&2
		cat "$TRASH/push-a" "$TRASH/push-b" >&2
		return 1
	fi
	local winner=a
	[ "$sb" -eq 0 ] && winner=b
	if ! test_equal "$(git -C "$TRASH/$winner" rev-parse HEAD)" "$(session_git rev-parse HEAD)" ||
		! test_equal "$winner $i" "$(podman exec "$ctr" cat /pvc/workspace/shared.txt)" ||
		! test -z "$(session_git status --porcelain)"; then
		echo "round $i: the working tree is not the branch's (winner $winner)" >&2
		session_git status --porcelain >&2
		return 1
	fi
}

test_expect_success 'twelve rounds of racing pushes: the tree always matches the branch' '
	for i in $(seq 1 12); do race_round "$i" || return 1; done
'

test_done
