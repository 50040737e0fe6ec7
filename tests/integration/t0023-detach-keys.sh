#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# Detaching when paude runs inside tmux (the user's own), in a terminal:
# paude notices ($TMUX) and says how to detach from the session's tmux
# (before attaching and on the session's status line), and start and
# connect take --detach-keys as podman does, watched by paude itself.
. "$(dirname "$0")/lib.sh"

# A failing test shows what paude said.
name=$(test_session_name detach)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
T="tmux -L paude-detach-$$ -f /dev/null"
test_on_exit "$T kill-server; paude delete $name --confirm --force; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"

in_terminal() {
	local win="$1"
	shift
	$T new-session -d -s "$win" -x 200 -y 50 "$*" &&
		$T set-option -t "$win" remain-on-exit on >/dev/null
}
pane_text() { $T capture-pane -p -J -t "$1" -S -200; }
screen_has() { pane_text "$1" | grep -q -- "$2"; }
pane_dead() { [ "$($T display-message -p -t "$1" '#{pane_dead}')" = 1 ]; }
attached() { [ -n "$(podman exec "$ctr" tmux list-clients -F '#{client_tty}' 2>/dev/null)" ]; }
not_attached() { ! attached; }
agent_running() { podman exec "$ctr" paude-session status >/dev/null 2>&1; }

test_expect_success 'a session to attach to' '
	{
		paude create "$name" --allowed-domains allowed.test 2>err &&
		paude start -d "$name" 2>err &&
		test_wait_for 60 agent_running
	} || show_err
'

test_expect_success 'bad --detach-keys: a clear error, nothing run' '
	{
		test_must_fail paude connect --detach-keys ctrl-1 "$name" 2>err &&
		test_grep "invalid --detach-keys .ctrl-1.: .ctrl-1. is no key" err &&
		test_must_fail paude start --detach-keys "a,,b" "$name" 2>err &&
		test_grep "invalid --detach-keys" err
	} || show_err
'

test_expect_success 'inside tmux: paude says how to detach, on the session status line too' '
	{
		in_terminal in "paude connect $name; echo CONNECT-EXIT=\$?" &&
		test_wait_for 60 attached &&
		test_wait_for 20 screen_has in "Inside tmux, Ctrl-b d detaches your own tmux" &&
		pane_text in >screen &&
		test_grep "detach from .$name. with Ctrl-b Ctrl-b d" screen
	} || show_err
'

test_expect_success 'the keys the hint names reach the session tmux and detach it' '
	{
		$T send-keys -t in C-b d &&
		test_wait_for 20 not_attached &&
		test_wait_for 20 screen_has in "CONNECT-EXIT=0" &&
		test_grep "Inside tmux, Ctrl-b d detaches your own tmux: detach from .$name. with Ctrl-b Ctrl-b d" \
			<(pane_text in) &&
		test_grep "Detached from .$name.; the agent keeps running" <(pane_text in) &&
		agent_running
	} || show_err
'

test_expect_success '--detach-keys: other keys pass, the sequence detaches' '
	{
		in_terminal dk "paude connect --detach-keys ctrl-p,ctrl-q $name; echo CONNECT-EXIT=\$?" &&
		test_wait_for 60 attached &&
		test_wait_for 20 screen_has dk "Detach from .$name. with ctrl-p,ctrl-q (--detach-keys)" &&
		$T send-keys -t dk C-p x &&
		sleep 1 &&
		attached &&
		$T send-keys -t dk C-p C-q &&
		test_wait_for 20 not_attached &&
		test_wait_for 20 screen_has dk "CONNECT-EXIT=0" &&
		test_grep "Detached from .$name.; the agent keeps running" <(pane_text dk) &&
		agent_running
	} || show_err
'

test_expect_success 'start takes --detach-keys too' '
	{
		paude stop "$name" 2>/dev/null &&
		in_terminal st "paude start --detach-keys ctrl-q $name; echo START-EXIT=\$?" &&
		test_wait_for 90 attached &&
		$T send-keys -t st C-q &&
		test_wait_for 20 not_attached &&
		test_wait_for 20 screen_has st "START-EXIT=0" &&
		agent_running
	} || show_err
'

test_done
