#!/bin/bash
# git over SSH (docs/REMOTE.md, git-remote-paude(1)): paude::ssh://HOST/NAME
# carries git's pack protocol over an exec channel of the private sshd
# (lib-ssh.sh) to `podman exec -i paude-NAME paude-session git ...` on the
# "remote" host, this machine's podman. Push, fetch, clone; the exit status
# of a failed service; an unknown host key and a wrong user key refused
# before anything runs; sshd killed in the middle of a large push: the
# local repository intact, the session's refs unchanged or complete, and
# the next push works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ssh.sh"

ssh_start main || exit 1
ssh_trust
# shellcheck disable=SC2034 # used in the test bodies (eval)
MAIN_DIR=$SSH_DIR MAIN_PORT=$SSH_PORT MAIN_HOST=$SSH_HOST
# The sshd started again after the one killed mid-push.
test_on_exit 'kill "$(cat "$TRASH/sshd2.pid")"'

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main

name=$(test_session_name sshgit)
ctr="paude-$name"
test_on_exit "paude delete $name --confirm --force; test_podman_rm $ctr; podman rm -f paude-proxy-$name; podman volume rm -f $ctr-workspace; podman network rm -f paude-net-$name"
# shellcheck disable=SC2034
URL="paude::ssh://$MAIN_HOST/$name"
session_git() { podman exec "$ctr" git -C /pvc/workspace "$@"; }

mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
echo "print('hello')" >main.py
git add main.py
git commit -q -m first

test_expect_success 'set-up: a session created here, started, its workspace prepared' '
	cd "$TRASH/repo" &&
	paude create "$name" --no-push --allowed-domains ssh-git-test.invalid >/dev/null 2>err &&
	paude start -d "$name" </dev/null >/dev/null 2>err &&
	paude remote add --push "$name" >/dev/null 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)"
'

test_expect_success 'git push paude::ssh://HOST/NAME runs the service over the SSH channel' '
	cd "$TRASH/repo" &&
	echo "VERSION = 2" >version.py && git add version.py && git commit -q -m second &&
	PAUDE_LOG=debug git push "$URL" main >out 2>err &&
	test_grep "+ \[root@127.0.0.1:$MAIN_PORT\] exec podman exec --interactive $ctr paude-session git git-receive-pack $name" err &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)" &&
	test_equal "VERSION = 2" "$(podman exec "$ctr" cat /pvc/workspace/version.py)" &&
	test_grep "Accepted publickey for root from 127.0.0.1" "$MAIN_DIR/log"
'

test_expect_success 'git fetch and ls-remote over SSH (protocol v2 and v0)' '
	cd "$TRASH/repo" &&
	podman exec "$ctr" sh -c "echo agent >/pvc/workspace/agent.txt" &&
	session_git add agent.txt &&
	session_git -c user.name=Agent -c user.email=agent@paude.invalid commit -q -m "by the agent" &&
	git fetch -q "$URL" main 2>err &&
	test_equal "$(session_git rev-parse HEAD)" "$(git rev-parse FETCH_HEAD)" &&
	git -c protocol.version=0 ls-remote "$URL" >refs 2>err &&
	test_grep "^$(session_git rev-parse HEAD)	refs/heads/main\$" refs &&
	git merge -q --ff-only FETCH_HEAD
'

test_expect_success 'git clone over SSH gives the same tree' '
	git clone -q "$URL" "$TRASH/clone" 2>err &&
	test_equal "$(session_git rev-parse HEAD^{tree})" "$(git -C "$TRASH/clone" rev-parse HEAD^{tree})" &&
	test_equal agent "$(cat "$TRASH/clone/agent.txt")"
'

test_expect_success 'a failed service: its status and the reason, over SSH' '
	cd "$TRASH/repo" &&
	test_must_fail env PAUDE_LOG=trace git ls-remote "paude::ssh://$MAIN_HOST/nope-$$" >out 2>err &&
	test_grep "git-remote-paude: error: session .nope-$$. not found" err &&
	test_grep "ssh: remote command exited with status 125" err &&
	test_must_fail git push "$URL" HEAD~1:main >out 2>err &&
	test_grep "non-fast-forward\|fetch first" err
'

test_expect_success 'an unknown host key is refused before anything runs' '
	cd "$TRASH/repo" &&
	mv "$HOME/.ssh/known_hosts" kh.good &&
	st=0 && { test_must_fail git ls-remote "$URL" >out 2>err || st=1; } &&
	mv kh.good "$HOME/.ssh/known_hosts" && [ $st -eq 0 ] &&
	fp=$(ssh-keygen -lf "$MAIN_DIR/host_ed25519.pub" | cut -d" " -f2) &&
	test_grep "git-remote-paude: error: host .\[127.0.0.1\]:$MAIN_PORT. is not known: it offers ed25519 key $fp" err &&
	test_must_fail grep -q "refs/heads" out
'

test_expect_success 'a key the host does not know is refused' '
	cd "$TRASH/repo" &&
	before=$(session_git rev-parse HEAD) &&
	git commit -q --allow-empty -m "not sent" &&
	mv "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.real" &&
	ssh-keygen -q -t ed25519 -N "" -C "" -f "$HOME/.ssh/id_ed25519.wrong" &&
	cp "$HOME/.ssh/id_ed25519.wrong" "$HOME/.ssh/id_ed25519" &&
	st=0 && { (unset SSH_AUTH_SOCK; test_must_fail git push "$URL" main) >out 2>err || st=1; } &&
	mv "$HOME/.ssh/id_ed25519.real" "$HOME/.ssh/id_ed25519" && [ $st -eq 0 ] &&
	test_grep "git-remote-paude: error: cannot log in to .root@127.0.0.1:$MAIN_PORT.: no key was accepted" err &&
	test_equal "$before" "$(session_git rev-parse HEAD)" &&
	git reset -q --hard HEAD~1
'

# Kill this sshd and every sshd process under it (the connections'), by pid.
sshd_kill_tree() {
	local p
	for p in $(pgrep -P "$1"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ]; then
			sshd_kill_tree "$p"
		fi
	done
	kill -KILL "$1" 2>/dev/null || true
}

test_expect_success 'sshd killed mid-push: local repository intact, session refs unchanged, next push works' '
	cd "$TRASH/repo" &&
	git checkout -q -b big &&
	mkdir big && for i in $(seq 200); do head -c 524288 /dev/urandom >"big/f$i"; done &&
	git add big && git commit -q -m "100 MB" &&
	tip=$(git rev-parse big) &&
	mp=$(podman volume inspect -f "{{.Mountpoint}}" "$ctr-workspace")
	{ git push "$URL" big >push.out 2>push.err; echo $? >push.rc; } &
	# Wait until 10 of the 100 MB have reached the session.
	test_wait_for 120 sh -c "test \$(du -smc $mp/.git/objects/incoming-* 2>/dev/null | tail -n 1 | cut -f1) -ge 10" &&
	sshd_kill_tree "$(cat "$MAIN_DIR/sshd.pid")" &&
	wait &&
	test_equal 128 "$(cat push.rc)" &&
	test_grep "git-remote-paude: error: connection to .root@127.0.0.1:$MAIN_PORT. lost" push.err &&
	git fsck --no-progress 2>fsck.err &&
	test_equal "$tip" "$(git rev-parse big)" &&
	test_must_fail session_git rev-parse -q --verify refs/heads/big &&
	session_git fsck --connectivity-only --no-progress
	/usr/sbin/sshd -D -e -f "$MAIN_DIR/sshd_config" >>"$MAIN_DIR/log" 2>&1 &
	echo $! >"$TRASH/sshd2.pid" &&
	test_wait_for 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$MAIN_PORT" &&
	git push -q "$URL" big 2>err &&
	test_equal "$tip" "$(session_git rev-parse refs/heads/big)" &&
	session_git fsck --connectivity-only --no-progress
'

test_done
