#!/bin/bash
# The whole life of a session with real podman, tmux and Claude Code:
# create -> start (attached through a real terminal: a tmux pane on the host)
# -> claude runs inside tmux in the session -> detach -> connect -> stop ->
# start -> the workspace survived -> delete leaves nothing behind.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name life)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
T="tmux -L paude-test-$$ -f /dev/null"
# Host configuration the session must receive (and must not be able to change).
mkdir -p "$HOME/.claude"
echo '{"theme": "host-setting"}' >"$HOME/.claude/settings.json"
echo '{"history": "host only"}' >"$HOME/.claude/history.jsonl"
echo '{}' >"$HOME/.claude.json"
git config --global user.email tester@example.invalid
test_on_exit "$T kill-server; paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"

# Run a paude command in a host tmux pane (a real terminal), keep the pane
# after it exits so its output can be read.
in_terminal() {
	local win="$1"
	shift
	$T new-session -d -s "$win" -x 160 -y 40 "$*" &&
		$T set-option -t "$win" remain-on-exit on >/dev/null
}
pane_dead() { [ "$($T display-message -p -t "$1" '#{pane_dead}')" = 1 ]; }
pane_text() { $T capture-pane -p -t "$1" -S -200; }
agent_running() { podman exec "$ctr" paude-session status >/dev/null 2>&1; }
# A terminal is attached to the agent's tmux session (connect is done).
attached() { [ -n "$(podman exec "$ctr" tmux list-clients -t agent 2>/dev/null)" ]; }
claude_pid() {
	# Claude Code is a native binary: its process is named claude.
	podman exec "$ctr" pgrep -o -x claude
}

test_expect_success 'create builds the image (first time) and the session' '
	paude create "$name" -a "--append-system-prompt \"be brief and exact\"" 2>err &&
	podman container exists "$ctr" &&
	podman volume exists "$ctr-workspace" &&
	paude list >list &&
	test_grep "^$name .* created " list
'

test_expect_success 'list --json describes the session' '
	paude list --json >json &&
	test_grep "\"name\": \"$name\"" json &&
	test_grep "\"state\": \"created\"" json &&
	test_grep "be brief and exact" json
'

test_expect_success 'start attaches a terminal to claude running in tmux' '
	in_terminal start "paude start $name" &&
	test_wait_for 60 agent_running &&
	test_wait_for 30 test -n "$(claude_pid)" &&
	podman exec "$ctr" tmux has-session -t agent
'

test_expect_success 'claude --version works in the session' '
	podman exec "$ctr" claude --version >version &&
	test_grep "Claude Code" version
'

test_expect_success '-a quoting reaches claude intact (two words)' '
	pid=$(claude_pid) &&
	podman exec "$ctr" cat "/proc/$pid/cmdline" | tr "\0" "\n" >argv &&
	grep -x -- "--append-system-prompt" argv &&
	grep -x -- "be brief and exact" argv
'

test_expect_success 'the session runs hardened: non-root, no capabilities, no new privileges' '
	podman exec "$ctr" id -u >uid && test_equal 1000 "$(cat uid)" &&
	podman exec "$ctr" grep -E "^CapEff:" /proc/self/status >caps &&
	test_grep "0000000000000000" caps &&
	podman exec "$ctr" grep -E "^NoNewPrivs:" /proc/self/status >nnp &&
	test_grep "1" nnp
'

test_expect_success 'host config: ~/.claude copied in (not mounted), ~/.gitconfig read-only, Vertex variables passed' '
	podman exec "$ctr" cat /home/paude/.claude/settings.json >settings &&
	test_grep "host-setting" settings &&
	podman exec "$ctr" test -f /home/paude/.claude.json &&
	! podman exec "$ctr" test -e /home/paude/.claude/history.jsonl &&
	podman exec "$ctr" sh -c "echo changed-in-session >/home/paude/.claude/settings.json" &&
	test_grep "host-setting" "$HOME/.claude/settings.json" &&
	! podman exec "$ctr" grep -q " /home/paude/.claude" /proc/self/mountinfo &&
	podman exec "$ctr" git config --global user.email >email &&
	test_equal tester@example.invalid "$(cat email)" &&
	test_must_fail podman exec "$ctr" sh -c "echo x >>/home/paude/.gitconfig" &&
	test_equal paude-test-project "$(podman exec "$ctr" printenv ANTHROPIC_VERTEX_PROJECT_ID)" &&
	test_equal 1 "$(podman exec "$ctr" printenv CLAUDE_CODE_USE_VERTEX)" &&
	! podman exec "$ctr" test -e /home/paude/.ssh &&
	! podman exec "$ctr" test -S /run/podman/podman.sock
'

test_expect_success 'Ctrl-b d detaches; the agent keeps running' '
	$T send-keys -t start C-b d &&
	test_wait_for 20 pane_dead start &&
	pane_text start >screen &&
	test_grep "Detached from" screen &&
	agent_running
'

test_expect_success 'connect re-attaches to the same claude' '
	before=$(claude_pid) &&
	in_terminal conn "paude connect $name" &&
	test_wait_for 20 attached &&
	! pane_dead conn &&
	test_equal "$before" "$(claude_pid)" &&
	$T send-keys -t conn C-b d &&
	test_wait_for 20 pane_dead conn
'

test_expect_success 'a file written to the workspace survives stop and start' '
	podman exec "$ctr" sh -c "echo kept > /pvc/workspace/keep.txt" &&
	paude stop "$name" &&
	paude list >list &&
	test_grep "^$name .* stopped " list &&
	test_must_fail paude connect "$name" 2>err &&
	test_grep "is not running" err &&
	paude start --detach "$name" &&
	test_wait_for 60 agent_running &&
	test_equal kept "$(podman exec "$ctr" cat /pvc/workspace/keep.txt)"
'

test_expect_success 'start without a terminal starts but does not attach' '
	paude stop "$name" &&
	paude start "$name" </dev/null >out 2>&1 &&
	test_grep "Connect with: paude connect $name" out &&
	agent_running
'

test_expect_success 'delete leaves no container, volume or network behind' '
	paude delete "$name" --confirm &&
	! podman container exists "$ctr" &&
	! podman volume exists "$ctr-workspace" &&
	! podman network exists "paude-net-$name" &&
	test -z "$(podman ps -a --filter label=paude.io/session-name=$name --format "{{.Names}}")"
'

test_done
