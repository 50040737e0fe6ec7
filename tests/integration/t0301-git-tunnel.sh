#!/bin/bash
# The git tunnel with real podman and real git: paude remote add --push, a
# commit made inside the session pulled back, clone, tags, 1000 commits, a
# 50 MB binary, two clones racing (non-fast-forward), all through
# git-remote-paude with no ext:: and no protocol.ext.allow.
# Sessions run the real agent image (paude builds it, or reuses it by hash).
. "$(dirname "$0")/lib.sh"

# PAUDE_TEST_AGENT_IMAGE: run against another agent image.
if [ -n "${PAUDE_TEST_AGENT_IMAGE:-}" ]; then
	export PAUDE_IMAGE="$PAUDE_TEST_AGENT_IMAGE"
fi
name="h2-$$-tun"
ctr="paude-$name"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
in_session() { podman exec "$ctr" "$@"; }
session_git() { podman exec "$ctr" git -C /pvc/workspace "$@"; }

mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
echo "print('hello')" >main.py
git add main.py
git commit -q -m "first"

test_expect_success 'no ext:: permission is configured anywhere' '
	test -z "$(git config --get protocol.ext.allow)" &&
	test -z "${GIT_ALLOW_PROTOCOL:-}"
'

test_expect_success 'set-up: a running session' '
	cd "$TRASH/repo" &&
	paude create "$name" --no-push --allowed-domains tunnel-test.invalid 2>err &&
	paude start --detach "$name" </dev/null 2>err &&
	test "$(podman inspect -f "{{.State.Running}}" "$ctr")" = true
'

test_expect_success 'paude remote add --push: workspace repo on our branch, remote, push' '
	cd "$TRASH/repo" &&
	paude remote add --push "$name" 2>err &&
	test_equal "paude::$name" "$(git config --get "remote.paude-$name.url")" &&
	test_equal main "$(session_git symbolic-ref --short HEAD)" &&
	test_equal updateInstead "$(session_git config receive.denyCurrentBranch)" &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)" &&
	test_equal "$(git rev-parse HEAD)" "$(git rev-parse "refs/remotes/paude-$name/main")" &&
	test_equal "print('"'"'hello'"'"')" "$(in_session cat /pvc/workspace/main.py)"
'

test_expect_success 'paude remote list shows the remote and the running session' '
	cd "$TRASH/repo" &&
	paude remote list >out &&
	test_grep "^paude-$name  *running  *paude::$name\$" out
'

test_expect_success 'git push paude-NAME updates the files the agent sees' '
	cd "$TRASH/repo" &&
	echo "VERSION = 2" >version.py &&
	git add version.py && git commit -q -m "second" &&
	git push -q "paude-$name" main 2>err &&
	test_equal "VERSION = 2" "$(in_session cat /pvc/workspace/version.py)"
'

test_expect_success 'a commit made in the session comes back with git pull' '
	cd "$TRASH/repo" &&
	in_session sh -c "echo agent >/pvc/workspace/agent.txt" &&
	session_git add agent.txt &&
	session_git -c user.name=Agent -c user.email=agent@paude.invalid commit -q -m "by the agent" &&
	git pull -q --ff-only "paude-$name" main 2>err &&
	test_equal agent "$(cat agent.txt)" &&
	test_equal "by the agent" "$(git log -1 --format=%s)" &&
	test_equal "$(session_git rev-parse HEAD)" "$(git rev-parse HEAD)"
'

test_expect_success 'git clone paude::NAME gives the same tree' '
	git clone -q "paude::$name" "$TRASH/clone" 2>err &&
	test_equal "$(session_git rev-parse HEAD^{tree})" \
		"$(git -C "$TRASH/clone" rev-parse HEAD^{tree})" &&
	test_equal main "$(git -C "$TRASH/clone" symbolic-ref --short HEAD)"
'

test_expect_success 'protocol v2 through the tunnel when git asks for it, v0 when told' '
	GIT_TRACE_PACKET="$TRASH/trace2" git ls-remote "paude::$name" >out 2>err &&
	test_grep "refs/heads/main" out &&
	test_grep "< version 2" "$TRASH/trace2" &&
	GIT_TRACE_PACKET="$TRASH/trace0" git -c protocol.version=0 ls-remote "paude::$name" >out 2>err &&
	test_grep "refs/heads/main" out &&
	! grep -q "version 2" "$TRASH/trace0"
'

test_expect_success 'partial clone (blob:none): filtered, and lazy fetches work, v2 and v0' '
	cd "$TRASH/repo" &&
	for c in v1 v2; do
		in_session sh -c "echo $c >/pvc/workspace/lazy.txt" &&
		session_git add lazy.txt &&
		session_git -c user.name=Agent -c user.email=agent@paude.invalid commit -q -m "lazy $c" ||
		return 1
	done &&
	git pull -q --ff-only "paude-$name" main 2>err &&
	for v in 2 0; do
		rm -rf "$TRASH/partial" &&
		git -c protocol.version=$v clone -q --filter=blob:none "paude::$name" "$TRASH/partial" 2>err &&
		! grep -q "filtering not recognized" err &&
		test_equal true "$(git -C "$TRASH/partial" config remote.origin.promisor)" &&
		test_equal v2 "$(cat "$TRASH/partial/lazy.txt")" &&
		old=$(git -C "$TRASH/partial" rev-parse HEAD~1:lazy.txt) &&
		git -C "$TRASH/partial" rev-list --objects --missing=print --all >objs &&
		test_grep "^?$old" objs &&
		test_equal v1 "$(git -c protocol.version=$v -C "$TRASH/partial" cat-file -p "$old" 2>err)" ||
		return 1
	done
'

test_expect_success 'shallow clone and deepen, v2 and v0' '
	for v in 2 0; do
		rm -rf "$TRASH/shallow" &&
		git -c protocol.version=$v clone -q --depth 1 "paude::$name" "$TRASH/shallow" 2>err &&
		test_equal 1 "$(git -C "$TRASH/shallow" rev-list --count HEAD)" &&
		git -c protocol.version=$v -C "$TRASH/shallow" fetch -q --deepen 1 2>err &&
		test_equal 2 "$(git -C "$TRASH/shallow" rev-list --count HEAD)" || return 1
	done
'

test_expect_success 'tags made in the session are fetched' '
	cd "$TRASH/repo" &&
	session_git -c user.name=Agent -c user.email=agent@paude.invalid \
		tag -a v1.0 -m "release" &&
	git fetch -q --tags "paude-$name" 2>err &&
	test_equal "$(session_git rev-parse v1.0)" "$(git rev-parse v1.0)" &&
	test_equal tag "$(git cat-file -t v1.0)"
'

test_expect_success 'a push of 1000 commits' '
	cd "$TRASH/repo" &&
	parent=$(git rev-parse HEAD) &&
	{
		for i in $(seq 1 1000); do
			printf "commit refs/heads/main\ncommitter T <t@t> %d +0000\ndata <<EOF\nc%d\nEOF\n" \
				$((1700000000 + i)) "$i"
			[ "$i" -eq 1 ] && printf "from %s\n" "$parent"
			printf "M 100644 inline many.txt\ndata <<EOF\nline %d\nEOF\n\n" "$i"
		done
	} | git fast-import --quiet &&
	git reset -q --hard main &&
	test_equal 1000 "$(git rev-list --count "$parent"..HEAD)" &&
	git push -q "paude-$name" main 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)" &&
	test_equal "line 1000" "$(in_session cat /pvc/workspace/many.txt)"
'

test_expect_success 'a 50 MB binary file goes there and back intact' '
	cd "$TRASH/repo" &&
	head -c 52428800 /dev/urandom >big.bin &&
	git add big.bin && git commit -q -m "big binary" &&
	git push -q "paude-$name" main 2>err &&
	test_equal "$(sha256sum big.bin | cut -d" " -f1)" \
		"$(in_session sha256sum /pvc/workspace/big.bin | cut -d" " -f1)" &&
	git clone -q "paude::$name" "$TRASH/clone-big" 2>err &&
	cmp big.bin "$TRASH/clone-big/big.bin"
'

test_expect_success 'both sides fsck clean with the same tree' '
	cd "$TRASH/repo" &&
	git fsck --no-progress --strict &&
	session_git fsck --no-progress --strict &&
	test_equal "$(git rev-parse HEAD^{tree})" "$(session_git rev-parse HEAD^{tree})" &&
	test -z "$(session_git status --porcelain)"
'

test_expect_success 'two clones pushing: the second is rejected, nothing is lost' '
	git clone -q "paude::$name" "$TRASH/a" &&
	git clone -q "paude::$name" "$TRASH/b" &&
	(cd "$TRASH/a" && echo a >a.txt && git add a.txt && git commit -q -m "from a" &&
		git push -q origin main) &&
	a_head=$(git -C "$TRASH/a" rev-parse HEAD) &&
	cd "$TRASH/b" && echo b >b.txt && git add b.txt && git commit -q -m "from b" &&
	test_must_fail git push origin main 2>err &&
	grep -qE "rejected|fetch first|non-fast-forward" err &&
	test_equal "$a_head" "$(session_git rev-parse HEAD)" &&
	git pull -q --no-rebase --no-edit origin main &&
	git push -q origin main &&
	session_git merge-base --is-ancestor "$a_head" HEAD &&
	test_equal b "$(in_session cat /pvc/workspace/b.txt)" &&
	test_equal a "$(in_session cat /pvc/workspace/a.txt)"
'

test_expect_success 'git archive --remote works through the tunnel too' '
	git archive --remote="paude::$name" --format=tar HEAD main.py | tar -xO main.py >out &&
	test_grep hello out
'

test_expect_success 'paude remote remove takes the remote away, not the session' '
	cd "$TRASH/repo" &&
	paude remote remove "$name" 2>err &&
	test -z "$(git config --get "remote.paude-$name.url")" &&
	test_must_fail paude remote remove "$name" 2>err &&
	test_grep "no paude remote" err &&
	session_git rev-parse HEAD >/dev/null
'

test_expect_success 'paude delete removes paude-NAME wherever paude remote add put it' '
	git init -q "$TRASH/other" && cd "$TRASH/other" && git commit -q --allow-empty -m o &&
	paude remote add "$name" 2>err &&
	test_equal "paude::$name" "$(git config --get "remote.paude-$name.url")" &&
	cd "$TRASH/repo" && paude remote add "$name" 2>err &&
	# --force: the session holds commits pushed from the clones above
	# (delete refusing them is t0013'"'"'s).
	paude delete "$name" --confirm --force 2>err &&
	test_grep "Removed git remote .paude-$name. from $TRASH/other" err &&
	test_grep "Removed git remote .paude-$name. from $TRASH/repo" err &&
	test -z "$(git -C "$TRASH/other" config --get "remote.paude-$name.url")" &&
	test -z "$(git -C "$TRASH/repo" config --get "remote.paude-$name.url")" &&
	! grep -q "\"$name\"" "$HOME/.local/state/paude/remotes.json"
'

test_done
