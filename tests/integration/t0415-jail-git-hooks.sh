#!/bin/bash
# A hostile agent arms the workspace repository (and its own git config)
# with everything that could make git run a program while the user pushes,
# fetches, clones or archives through paude::, each trap writing a marker
# file and printing escape sequences. The user's operations must succeed,
# no marker may appear, git's output on the host must hold no ESC byte, and
# a push into the checked-out branch must still update the working tree.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name hooks)
ctr="paude-$name"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
agent() { podman exec "$ctr" "$@"; }
agent_in() { podman exec -i "$ctr" "$@"; }
esc=$(printf '\033')
marks=/home/paude/marks
# No ESC byte anywhere in the files named.
no_esc() {
	if LC_ALL=C grep -l -F -- "$esc" "$@"; then
		echo "ESC byte in the output above" >&2
		return 1
	fi
}
no_marks() {
	local left
	left=$(agent sh -c "ls -A $marks")
	if [ -n "$left" ]; then
		echo "traps that ran: $left" >&2
		return 1
	fi
}

mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
echo one >a.txt
git add a.txt
git commit -q -m first

test_expect_success 'set-up: a running session with the workspace pushed' '
	cd "$TRASH/repo" &&
	paude create "$name" --no-push --allowed-domains tunnel-test.invalid 2>err &&
	paude start --detach "$name" </dev/null 2>err &&
	paude remote add --push "$name" 2>err &&
	test_equal one "$(agent cat /pvc/workspace/a.txt)"
'

# One program for every trap: it leaves a marker named after how it was
# called and tries to take over the user's terminal on stdout and stderr.
# shellcheck disable=SC2034 # used in the test bodies
trap_script='#!/bin/sh
mkdir -p /home/paude/marks
touch "/home/paude/marks/$(basename "$0")-$1"
printf "\033]0;PWNED\007\033[2J\033[31mowned\033[0m\n"
printf "\033]0;PWNED\007\033[2J\033[31mowned\033[0m\n" >&2
cat >/dev/null 2>&1 </dev/null
exit 0
'

test_expect_success 'the agent plants hooks, hooksPath, fsmonitor, filters and more' '
	agent sh -c "mkdir -p $marks /home/paude/evilhooks /home/paude/.config/git" &&
	for h in pre-receive update post-receive post-update push-to-checkout \
		reference-transaction proc-receive pre-auto-gc; do
		printf "%s" "$trap_script" | agent_in sh -c "cat >/pvc/workspace/.git/hooks/$h &&
			chmod +x /pvc/workspace/.git/hooks/$h &&
			cp /pvc/workspace/.git/hooks/$h /home/paude/evilhooks/$h" || return 1
	done &&
	printf "%s" "$trap_script" | agent_in sh -c "cat >/home/paude/trap && chmod +x /home/paude/trap" &&
	agent git -C /pvc/workspace config core.hooksPath /home/paude/evilhooks &&
	agent git -C /pvc/workspace config core.fsmonitor /home/paude/trap &&
	agent git -C /pvc/workspace config filter.evil.smudge "/home/paude/trap smudge" &&
	agent git -C /pvc/workspace config filter.evil.clean "/home/paude/trap clean" &&
	agent git -C /pvc/workspace config filter.evil.required true &&
	agent git -C /pvc/workspace config "filter.Odd name.process" "/home/paude/trap process" &&
	agent sh -c "printf \"* filter=evil\n*.odd filter=Odd\\\\ name\n\" >/pvc/workspace/.git/info/attributes" &&
	agent git -C /pvc/workspace config receive.procReceiveRefs refs/for &&
	agent git -C /pvc/workspace config receive.denyCurrentBranch ignore &&
	agent git -C /pvc/workspace config tar.tar.gz.command "/home/paude/trap tar" &&
	agent git -C /pvc/workspace config tar.evil.command "/home/paude/trap tar-evil" &&
	agent git -C /pvc/workspace config tar.evil.remote true &&
	agent git -C /pvc/workspace config gc.auto 1 &&
	agent git -C /pvc/workspace config gc.autoDetach false &&
	agent git init -q /home/paude/alt &&
	agent sh -c "echo /home/paude/alt/.git/objects >/pvc/workspace/.git/objects/info/alternates" &&
	agent git -C /pvc/workspace config core.alternateRefsCommand "/home/paude/trap altrefs" &&
	agent sh -c "printf \"[core]\n\thooksPath = /home/paude/evilhooks\n[uploadpack]\n\tpackObjectsHook = /home/paude/trap\n\" >/home/paude/.config/git/config"
'

test_expect_success 'control: the traps are armed (they run when the agent uses git itself)' '
	agent git -C /pvc/workspace hook run post-receive </dev/null >/dev/null 2>&1 &&
	agent sh -c "test -e $marks/post-receive-" &&
	agent sh -c "cd /pvc/workspace && rm a.txt && git checkout -q a.txt" &&
	agent sh -c "test -e $marks/trap-smudge" &&
	agent sh -c "cd /pvc/workspace && rm a.txt && git -c filter.evil.smudge=cat \
		-c filter.evil.clean=cat -c core.fsmonitor=false checkout -q a.txt" &&
	test_equal one "$(agent cat /pvc/workspace/a.txt)" &&
	agent sh -c "rm -f $marks/*" &&
	no_marks
'

test_expect_success 'git push into the checked-out branch: no trap runs, no ESC, files updated' '
	cd "$TRASH/repo" &&
	echo two >a.txt && echo odd >x.odd &&
	git add a.txt x.odd && git commit -q -m second &&
	git push "paude-$name" main >out 2>&1 &&
	no_esc out &&
	no_marks &&
	test_equal "$(git rev-parse HEAD)" "$(agent git -C /pvc/workspace rev-parse HEAD)" &&
	test_equal two "$(agent cat /pvc/workspace/a.txt)" &&
	test_equal odd "$(agent cat /pvc/workspace/x.odd)" &&
	test -z "$(agent git -C /pvc/workspace -c core.fsmonitor=false -c filter.evil.clean=cat \
		-c filter.evil.smudge=cat -c "filter.Odd name.process=" \
		status --porcelain --untracked-files=no)"
'

test_expect_success 'the first push of paude remote add --push runs no trap either' '
	cd "$TRASH/repo" &&
	echo three >a.txt && git commit -q -am third &&
	paude remote add --push "$name" >out 2>&1 &&
	no_esc out &&
	no_marks &&
	test_equal three "$(agent cat /pvc/workspace/a.txt)"
'

test_expect_success 'fetch, clone, partial clone, ls-remote: no trap, no ESC' '
	cd "$TRASH/repo" &&
	agent git -C /pvc/workspace -c core.hooksPath=/dev/null -c user.name=A -c user.email=a@a \
		commit -q --allow-empty -m "by the agent" &&
	agent sh -c "rm -f $marks/*" &&
	git fetch "paude-$name" >out 2>&1 &&
	git clone "paude::$name" "$TRASH/clone" >>out 2>&1 &&
	git -c protocol.version=0 clone "paude::$name" "$TRASH/clone0" >>out 2>&1 &&
	git clone --filter=blob:none "paude::$name" "$TRASH/clone-partial" >>out 2>&1 &&
	git ls-remote "paude::$name" >>out 2>&1 &&
	no_esc out &&
	no_marks &&
	test_equal odd "$(cat "$TRASH/clone/x.odd")" &&
	test_equal three "$(cat "$TRASH/clone-partial/a.txt")"
'

test_expect_success 'git archive --remote: tar works, no tar filter of the agent runs' '
	git archive --remote="paude::$name" --format=tar HEAD a.txt 2>err | tar -xO a.txt >out &&
	test_equal three "$(cat out)" &&
	{ git archive --remote="paude::$name" --format=tar.gz HEAD >/dev/null 2>>err || :; } &&
	{ git archive --remote="paude::$name" --format=evil HEAD >/dev/null 2>>err || :; } &&
	no_esc err &&
	no_marks
'

test_expect_success 'what the service itself says on stderr comes through sanitized' '
	agent sh -c "mv /pvc/workspace/.git /pvc/workspace/.git-real &&
		printf \"gitdir: /tmp/\033]0;PWNED\007\033[2Jx\n\" >/pvc/workspace/.git" &&
	test_must_fail git ls-remote "paude::$name" >out 2>&1 &&
	agent sh -c "rm /pvc/workspace/.git && mv /pvc/workspace/.git-real /pvc/workspace/.git" &&
	cat out &&
	test_grep "/tmp/?]0;PWNED??\[2Jx" out &&
	no_esc out &&
	git ls-remote "paude::$name" >/dev/null
'

test_done
