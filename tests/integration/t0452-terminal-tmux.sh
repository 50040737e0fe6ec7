#!/bin/bash
# The agent owns its tmux server: it can turn on set-clipboard and
# allow-passthrough, or give the terminal an OSC 52 capability, so that
# `paude connect` would write the user's clipboard. paude resets all of that
# on every attach (paude-session attach). The user's terminal here is a tmux
# pane on the host whose own clipboard is on: whatever reaches it as OSC 52
# lands in its paste buffers, so an empty buffer list is the proof.
# The agent can also act during the attach: set the options again and make
# the client attach anew (detach-client -E), or write to the attached
# client's pty itself (it is the session user's). Those bytes pass paude's
# terminal filter (lib/agent/term-filter.c) on the host, which drops every string
# sequence (OSC 52 among them): the last tests show text still arrives and
# the clipboard still does not.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name tmux)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
T="tmux -L paude-test-$$ -f /dev/null"
test_on_exit "$T kill-server; paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"

agent_tmux() { podman exec "$ctr" tmux "$@"; }
attached() { [ -n "$(agent_tmux list-clients -F '#{client_tty}')" ]; }
not_attached() { ! attached; }
outer_buffers() { $T list-buffers -F '#{buffer_sample}' 2>/dev/null || true; }
b64() { printf '%s' "$1" | base64 -w0; }
# Write bytes (a printf format and its arguments) to a tty in the session, as the agent.
to_tty() {
	local tty="$1"
	shift
	# shellcheck disable=SC2059
	printf "$@" | podman exec -i "$ctr" sh -c "cat >$tty"
}
osc52() { to_tty "$1" '\033]52;c;%s\007' "$(b64 "$2")"; }
# shellcheck disable=SC1003 # a literal backslash: the ST of the DCS
passthrough52() { to_tty "$1" '\033Ptmux;\033\033]52;c;%s\007\033\\' "$(b64 "$2")"; }
outer_has() { $T list-buffers -F '#{buffer_sample}' 2>/dev/null | grep -q "$1"; }

test_expect_success 'a session whose agent turned on every way to the outer terminal' '
	paude create "$name" 2>err &&
	paude start -d "$name" &&
	test_wait_for 60 podman exec "$ctr" paude-session status &&
	agent_tmux set-option -s set-clipboard on \; \
		set-option -gw allow-passthrough on \; \
		set-option -p -t agent allow-passthrough on \; \
		set-option -w -t agent allow-passthrough on \; \
		set-option -sa terminal-features "*:clipboard" \; \
		set-option -sa terminal-overrides "*:Ms=\\E]52;%p1%s;%p2%s\\007" \; \
		set-option -g set-titles on \; \
		set-hook -g client-attached "set-option -s set-clipboard on" &&
	test_equal on "$(agent_tmux show-options -sv set-clipboard)"
'

test_expect_success 'paude connect resets them before attaching' '
	$T new-session -d -s conn -x 160 -y 40 "paude connect $name" &&
	$T set-option -s set-clipboard on &&
	test_wait_for 30 attached &&
	test_equal off "$(agent_tmux show-options -sv set-clipboard)" &&
	test_equal off "$(agent_tmux show-options -gwv allow-passthrough)" &&
	test -z "$(agent_tmux show-options -pv -t agent allow-passthrough)" &&
	test -z "$(agent_tmux show-options -wv -t agent allow-passthrough)" &&
	test_equal off "$(agent_tmux show-options -gv set-titles)" &&
	agent_tmux show-options -s terminal-overrides >overrides &&
	test_grep "Ms@" overrides &&
	! grep -q "Ms=" overrides &&
	! agent_tmux show-hooks -g | grep -q "client-attached.*set-clipboard"
'

# (refresh-client -l asks the terminal for its clipboard; nothing answers,
# and tmux 3.3a crashes if the client goes before its 5 s timer does: wait.)
test_expect_success 'OSC 52, passthrough and set-buffer -w do not reach the terminal' '
	tty=$(agent_tmux display-message -p -t agent "#{pane_tty}") &&
	osc52 "$tty" PAYLOAD-OSC &&
	passthrough52 "$tty" PAYLOAD-PASS &&
	agent_tmux set-buffer -w PAYLOAD-SETBUF &&
	agent_tmux refresh-client -l &&
	sleep 6 &&
	outer_buffers >buffers &&
	! grep -q PAYLOAD buffers &&
	test -z "$(cat buffers)"
'

test_expect_success 'options set again while attached, the client made to attach anew: still nothing' '
	agent_tmux set-option -s set-clipboard on \; \
		set-option -sa terminal-overrides "*:Ms=\\E]52;%p1%s;%p2%s\\007" &&
	agent_tmux detach-client -E "exec tmux attach-session -t agent" &&
	test_wait_for 20 attached &&
	agent_tmux set-buffer -w PAYLOAD-LATE &&
	sleep 2 &&
	! outer_has PAYLOAD-LATE
'

test_expect_success 'the agent writing to the attached pty itself: text shows, OSC 52 does not pass' '
	client=$(agent_tmux list-clients -F "#{client_tty}" | head -n 1) &&
	test -n "$client" &&
	to_tty "$client" "\033]52;c;%s\007VISIBLE-%s\033]0;TITLE-PAYLOAD\007" \
		"$(b64 PAYLOAD-PTY)" "TEXT" &&
	test_wait_for 10 sh -c "$T capture-pane -p -t conn | grep -q VISIBLE-TEXT" &&
	sleep 1 &&
	! outer_has PAYLOAD-PTY &&
	! $T display-message -p -t conn "#{pane_title}" | grep -q TITLE-PAYLOAD
'

test_expect_success 'the next connect resets them again' '
	$T send-keys -t conn C-b d &&
	test_wait_for 20 not_attached &&
	{ $T kill-server 2>/dev/null || true; } &&
	$T new-session -d -s conn2 -x 160 -y 40 "paude connect $name" &&
	$T set-option -s set-clipboard on &&
	test_wait_for 30 attached &&
	test_equal off "$(agent_tmux show-options -sv set-clipboard)" &&
	agent_tmux set-buffer -w PAYLOAD-AGAIN &&
	sleep 2 &&
	! outer_has PAYLOAD-AGAIN
'

test_done
