#!/bin/bash
# The git tunnel when things go wrong, with real podman and git: unknown and
# stopped sessions, a session killed in the middle of a push, hostile
# addresses. Each time git fails cleanly with a message the user can act on,
# and the local repository is untouched.
. "$(dirname "$0")/lib.sh"

# PAUDE_TEST_AGENT_IMAGE: run against another agent image.
if [ -n "${PAUDE_TEST_AGENT_IMAGE:-}" ]; then
	export PAUDE_IMAGE="$PAUDE_TEST_AGENT_IMAGE"
fi
name="h2-$$-err"
ctr="paude-$name"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main
session_git() { podman exec "$ctr" git -C /pvc/workspace "$@"; }

mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
# Scratch files of the tests below are not part of what "untouched" means.
printf '%s\n' before after err out push.out push.rc >>.git/info/exclude
echo one >file.txt
git add file.txt
git commit -q -m one

# Everything that says what state the local repository is in.
snapshot() {
	git -C "$TRASH/repo" for-each-ref --format="%(refname) %(objectname)"
	git -C "$TRASH/repo" rev-parse HEAD
	git -C "$TRASH/repo" status --porcelain
	git -C "$TRASH/repo" config --get-regexp "^remote\." || true
}

# A podman that logs its calls before running the real one: proves what ran.
mkdir -p "$TRASH/logbin"
real_podman=$(command -v podman)
cat >"$TRASH/logbin/podman" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$TRASH/podman-calls"
exec "$real_podman" "\$@"
EOF
chmod +x "$TRASH/logbin/podman"

test_expect_success 'set-up: a running session with our branch' '
	cd "$TRASH/repo" &&
	paude create "$name" --no-push --allowed-domains tunnel-test.invalid 2>err &&
	paude start --detach "$name" </dev/null 2>err &&
	git remote add s "paude::$name" &&
	session_git init -q -b main &&
	session_git config receive.denyCurrentBranch updateInstead &&
	git push -q s main
'

test_expect_success 'unknown session: clear error, repository untouched' '
	cd "$TRASH/repo" &&
	snapshot >before &&
	test_must_fail git push "paude::h2-$$-nosuch" main 2>err &&
	test_grep "session '"'"'h2-$$-nosuch'"'"' not found (list sessions with: paude list)" err &&
	test_must_fail git fetch "paude::h2-$$-nosuch" 2>err &&
	test_grep "not found" err &&
	snapshot >after && cmp before after
'

test_expect_success 'workspace without a repository: paude says how to fix it, nothing changes' '
	cd "$TRASH/repo" &&
	session_git rev-parse --git-dir >/dev/null &&
	podman exec "$ctr" mv /pvc/workspace/.git /pvc/workspace/.git-away &&
	snapshot >before &&
	test_must_fail git fetch s 2>err &&
	test_grep "is not a git repository yet (from your repository, run: paude remote add --push" err &&
	test_must_fail git push s main 2>err &&
	test_grep "is not a git repository yet" err &&
	snapshot >after && cmp before after &&
	podman exec "$ctr" mv /pvc/workspace/.git-away /pvc/workspace/.git
'

test_expect_success 'the session killed in the middle of a push: local repo intact, push again after start' '
	cd "$TRASH/repo" &&
	echo two >>file.txt && git commit -q -am two &&
	head -c 5000000 /dev/urandom >blob.bin && git add blob.bin && git commit -q -m blob &&
	before_tracking=$(git rev-parse refs/remotes/s/main) &&
	snapshot >before &&
	# Hooks never run for the tunnel; what holds this push open is the
	# session'"'"'s push lock, taken here as another push would hold it.
	podman exec -d "$ctr" flock /pvc/workspace sh -c "touch /tmp/in-lock; sleep 60" &&
	test_wait_for 30 podman exec "$ctr" test -e /tmp/in-lock || return 1
	(git push s main >push.out 2>&1; echo $? >push.rc) &
	test_wait_for 60 podman exec "$ctr" pgrep -f "flock -o /pvc/workspace git receive-pack" &&
	podman kill "$ctr" >/dev/null &&
	wait &&
	test "$(cat push.rc)" -ne 0 &&
	snapshot >after && cmp before after &&
	test_equal "$before_tracking" "$(git rev-parse refs/remotes/s/main)" &&
	git fsck --no-progress --strict &&
	test_must_fail git push s main 2>err &&
	test_grep "is not running (start it with: paude start -d $name)" err &&
	paude start --detach "$name" </dev/null 2>err &&
	git push -q s main 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)" &&
	session_git fsck --no-progress --strict &&
	test_equal "$(git rev-parse HEAD^{tree})" "$(session_git rev-parse HEAD^{tree})"
'

test_expect_success 'stopped session: clear error with the command to start it, repository untouched' '
	cd "$TRASH/repo" &&
	paude stop "$name" 2>err &&
	echo three >>file.txt && git commit -q -am three &&
	snapshot >before &&
	test_must_fail git push s main 2>err &&
	test_grep "session '"'"'$name'"'"' is not running (start it with: paude start -d $name)" err &&
	test_must_fail git pull s main 2>err &&
	test_grep "is not running" err &&
	test_must_fail git clone "paude::$name" "$TRASH/nope" 2>err &&
	! test -e "$TRASH/nope/.git/refs/heads/main" &&
	snapshot >after && cmp before after &&
	test_must_fail paude remote add "$name" 2>err &&
	test_grep "is not running" err &&
	test -z "$(git config --get "remote.paude-$name.url")"
'

test_expect_success 'hostile addresses are refused before anything runs' '
	cd "$TRASH/repo" &&
	rm -f "$TRASH/podman-calls" &&
	long=$(printf "a%.0s" $(seq 1 600)) &&
	snapshot >before &&
	for addr in "x;touch /tmp/pwned" "x;touch\${IFS}pwned" "--help" "-oProxyCommand=touch pwned" \
		"../x" "\$(id)" "\`id\`" "x|id" "x&&id" "$long" "a$long" "" "podman/../x" \
		"openshift/-n/x" "openshift/ns/\$(id)" "X"; do
		rm -f err &&
		test_must_fail env PATH="$TRASH/logbin:$PATH" git push "paude::$addr" main 2>err &&
		grep -q "git-remote-paude: error: " err ||
		{ echo "no helper error for address: $addr" >&2; cat err >&2; exit 1; }
	done &&
	test_must_fail env PATH="$TRASH/logbin:$PATH" git clone "paude::\$(touch pwned)" c 2>err &&
	test_grep "invalid session" err &&
	! test -e "$TRASH/podman-calls" &&
	! test -e pwned && ! test -e "$TRASH/repo/pwned" && ! test -e /tmp/pwned &&
	snapshot >after && cmp before after
'

test_expect_success 'the helper refuses to run outside git and writes nothing to stdout on errors' '
	cd "$TRASH/repo" &&
	test_must_fail git-remote-paude >out 2>err &&
	test_grep "usage: git-remote-paude" err &&
	! test -s out &&
	printf "capabilities\nconnect sh\n" | test_must_fail git-remote-paude r x >out 2>err &&
	test_equal "*connect" "$(head -n 1 out)" &&
	test_equal 2 "$(wc -l <out)" &&
	test_grep "unsupported service" err &&
	printf "list\n" | test_must_fail git-remote-paude r x >out 2>err &&
	! test -s out
'

test_done
