#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# paude connect --host (docs/REMOTE.md): the attach goes through a PTY
# channel of the private sshd (lib-ssh.sh) to `podman exec --tty ...
# paude-session attach` on the "remote" host, this machine's podman, driven
# in tmux: the terminal's size at start and after a resize, seen inside
# the session (stty size on its tmux client's terminal); Ctrl-b d and
# --detach-keys detach; the user's terminal is restored afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ssh.sh"

ssh_start main || exit 1
ssh_trust
MAIN_DIR=$SSH_DIR MAIN_PORT=$SSH_PORT MAIN_HOST=$SSH_HOST

name=$(test_session_name sshtty)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
git init -q
T="tmux -L paude-sshtty-$$ -f /dev/null"
test_on_exit "$T kill-server; paude delete $name --confirm --force; test_podman_rm $ctr; podman rm -f paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"

in_terminal() {
	local win="$1"
	shift
	$T new-session -d -s "$win" -x 200 -y 50 "$*" &&
		$T set-option -t "$win" remain-on-exit on >/dev/null
}
pane_text() { $T capture-pane -p -J -t "$1" -S -200; }
screen_has() { pane_text "$1" | grep -q -- "$2"; }
attached() { [ -n "$(podman exec "$ctr" tmux list-clients -F '#{client_tty}' 2>/dev/null)" ]; }
not_attached() { ! attached; }
agent_running() { podman exec "$ctr" paude-session status >/dev/null 2>&1; }
# The size of the session tmux client's terminal, as stty sees it inside.
inner_size() {
	local tty
	tty=$(podman exec "$ctr" tmux list-clients -F '#{client_tty}' | head -n 1) &&
		podman exec "$ctr" stty -F "$tty" size
}
inner_size_is() { [ "$(inner_size)" = "$1" ]; }

test_expect_success 'a session created here, started' '
	{
		paude create "$name" --no-push --allowed-domains allowed.test >/dev/null 2>err &&
		paude start -d "$name" </dev/null >/dev/null 2>err &&
		test_wait_for 60 agent_running
	} || show_err
'

test_expect_success 'connect --host attaches through a terminal on the host, at our size' '
	{
		in_terminal c "stty -g >$TRASH/stty.before; paude connect --host $MAIN_HOST $name; echo CONNECT-EXIT=\$?; stty -g >$TRASH/stty.after; sleep 600" &&
		test_wait_for 60 attached &&
		test_wait_for 20 inner_size_is "50 200" &&
		test_grep "Starting session: command on pts/[0-9]* for root from 127.0.0.1" "$MAIN_DIR/log"
	} || show_err
'

test_expect_success 'a window resize is seen inside' '
	$T resize-window -t c -x 120 -y 40 &&
	test_wait_for 20 inner_size_is "40 120" &&
	$T resize-window -t c -x 160 -y 45 &&
	test_wait_for 20 inner_size_is "45 160"
'

test_expect_success 'Ctrl-b d detaches; the agent runs on; the terminal is as it was' '
	$T send-keys -t c C-b d &&
	test_wait_for 20 not_attached &&
	test_wait_for 20 screen_has c "CONNECT-EXIT=0" &&
	test_grep "Detached from .$name.; the agent keeps running" <(pane_text c) &&
	agent_running &&
	test_wait_for 5 test -s "$TRASH/stty.after" &&
	test_equal "$(cat "$TRASH/stty.before")" "$(cat "$TRASH/stty.after")"
'

test_expect_success '--detach-keys over SSH: other keys pass, the sequence detaches' '
	in_terminal dk "stty -g >$TRASH/dk.before; paude connect --host $MAIN_HOST --detach-keys ctrl-p,ctrl-q $name; echo CONNECT-EXIT=\$?; stty -g >$TRASH/dk.after; sleep 600" &&
	test_wait_for 60 attached &&
	test_wait_for 20 screen_has dk "Detach from .$name. with ctrl-p,ctrl-q (--detach-keys)" &&
	$T send-keys -t dk C-p x &&
	sleep 1 &&
	attached &&
	$T send-keys -t dk C-p C-q &&
	test_wait_for 20 not_attached &&
	test_wait_for 20 screen_has dk "CONNECT-EXIT=0" &&
	agent_running &&
	test_wait_for 5 test -s "$TRASH/dk.after" &&
	test_equal "$(cat "$TRASH/dk.before")" "$(cat "$TRASH/dk.after")"
'

test_expect_success 'connect --host: bad uses are clear errors' '
	test_must_fail paude connect --host "$MAIN_HOST" --backend openshift "$name" >out 2>err &&
	test_grep "cannot go with --backend openshift" err &&
	test_must_fail paude connect --host "$MAIN_HOST" "$name" </dev/null >out 2>err &&
	test_grep "cannot attach to session .$name. without a terminal" err &&
	test_must_fail paude connect --host "$MAIN_HOST" nope-$$ </dev/null >out 2>err &&
	test_grep "nope-$$" err
'

test_done
