#!/bin/bash
# What list and status say is what was checked: the agent's own state
# (running, exited (N)), a paused container, a missing proxy; status shows
# the workspace's branches against the local repository; detaching after
# the agent exited says so instead of "the agent keeps running".
. "$(dirname "$0")/lib.sh"

name=$(test_session_name state)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
git init -q -b main . && git config user.email t@example.invalid && git config user.name t &&
	echo one >f && git add f && git commit -q -m one
T="tmux -L paude-state-$$ -f /dev/null"
test_on_exit "$T kill-server; podman unpause $ctr; paude delete $name --confirm --force; paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman volume rm -f $ctr-workspace; podman network rm -f paude-net-$name"

in_terminal() {
	local win="$1"
	shift
	$T new-session -d -s "$win" -x 160 -y 40 "$*" &&
		$T set-option -t "$win" remain-on-exit on >/dev/null
}
pane_dead() { [ "$($T display-message -p -t "$1" '#{pane_dead}')" = 1 ]; }
pane_text() { $T capture-pane -p -t "$1" -S -200; }
agent_running() { podman exec "$ctr" paude-session status >/dev/null 2>&1; }
claude_pid() { podman exec "$ctr" pgrep -o -x claude; }
state_of() { paude list | awk -v n="$name" '$1 == n { sub(/^[^ ]+ +[^ ]+ +/, ""); print }'; }

test_expect_success 'a running agent: list and status say running' '
	cd "$TRASH/ws" &&
	paude create "$name" --no-push >/dev/null 2>&1 &&
	in_terminal s "paude start $name" &&
	test_wait_for 60 agent_running &&
	test_wait_for 30 test -n "$(claude_pid)" &&
	state_of >st && test_grep "^running " st &&
	paude status "$name" >out &&
	test_grep "^Agent: *running" out &&
	test_grep "^Uptime: " out &&
	paude list --json >json &&
	python3 -c "import json,sys; s=[x for x in json.load(open(\"json\")) if x[\"name\"]==\"$name\"][0]; assert s[\"agent\"][\"state\"]==\"running\", s"
'

test_expect_success 'status shows the workspace branch and the commits only the session has' '
	cd "$TRASH/ws" &&
	paude remote add --push "$name" >/dev/null 2>&1 &&
	podman exec "$ctr" git -C /pvc/workspace -c user.email=a@b.invalid -c user.name=a commit -q --allow-empty -m two &&
	podman exec "$ctr" git -C /pvc/workspace -c user.email=a@b.invalid -c user.name=a commit -q --allow-empty -m three &&
	paude status "$name" >out &&
	test_grep "main (checked out): 2 commits not in the local repository" out &&
	git commit -q --allow-empty -m local-only &&
	paude status --json "$name" >json &&
	python3 -c "import json; b=json.load(open(\"json\"))[\"branches\"][0]; assert (b[\"name\"], b[\"only_in_session\"]) == (\"main\", 2), b" &&
	git pull -q --no-rebase --no-edit paude-"$name" main &&
	paude status "$name" >out &&
	test_grep "main (checked out): all commits in the local repository; the local branch has 2 commits the session lacks" out
'

test_expect_success 'the agent exited: list says exited (N), status says how to start it again' '
	podman exec "$ctr" pkill -TERM -x claude &&
	test_wait_for 20 sh -c "! podman exec $ctr paude-session status" &&
	state_of >st && test_grep "^exited ([0-9]*) " st &&
	# Read from /proc on the host: no exec into the session.
	paude -vv list >out 2>trace &&
	! grep -q "podman exec" trace &&
	paude status "$name" >out &&
	test_grep "^Agent: *exited ([0-9]*); .paude connect $name. starts it again" out
'

test_expect_success 'detaching after the agent exited says so, not "the agent keeps running"' '
	$T send-keys -t s C-b d &&
	test_wait_for 20 pane_dead s &&
	pane_text s >screen &&
	test_grep "The agent in .$name. exited" screen &&
	! grep -q "keeps running" screen
'

test_expect_success 'a paused container is listed as paused' '
	# runc on cgroup v1 may fail to freeze a busy container ("unable to
	# freeze"): that is the kernel'"'"'s moment, so try again.
	test_wait_for 20 podman pause "$ctr" &&
	state_of >st && test_grep "^paused " st &&
	paude status "$name" >out && test_grep "^State: *paused" out &&
	podman unpause "$ctr" >/dev/null
'

test_expect_success 'a removed proxy is listed as missing, not as running' '
	test_podman_rm "paude-proxy-$name" &&
	state_of >st && test_grep ", proxy missing " st &&
	paude status --json "$name" >json &&
	python3 -c "import json; assert \"proxy missing\" in json.load(open(\"json\"))[\"problems\"]" &&
	paude status "$name" >out && test_grep "^Refused: *- (the proxy is not running)" out
'

test_done
