#!/bin/bash
# The agent image's side of the session contract, with real podman and tmux:
# the entrypoint records the agent's words exactly, paude-session runs them
# in tmux session "agent" without any shell re-parsing, status/launch/attach
# behave as documented, and the image is what the security model says.
#
# The image: $PAUDE_TEST_AGENT_IMAGE if set; else the agent image this paude
# builds (`paude create --dry-run` names it), built through paude if missing
# and kept, as any session's image is.
# The test bodies are single-quoted and eval'd: variables are used there.
# shellcheck disable=SC2034,SC2016
. "$(dirname "$0")/lib.sh"

ctr="h1-it$$-img"
vol="$ctr-vol"
T="tmux -L h1-it$$ -f /dev/null"
image="${PAUDE_TEST_AGENT_IMAGE:-}"
test_on_exit "$T kill-server; podman rm -f -t 0 $ctr $ctr-one $ctr-tmp $ctr-int; podman volume rm -f $vol"

hardened=(--init --user 1000:0 --cap-drop=ALL --security-opt=no-new-privileges --pids-limit 512)
status_text() { podman exec "$1" paude-session status 2>/dev/null || true; }
status_code() {
	local s=0
	podman exec "$1" paude-session status >/dev/null 2>&1 || s=$?
	echo "$s"
}
status_is() { test "$(status_text "$1")" = "$2"; }
pane_pid() { podman exec "$ctr" tmux display-message -p -t =agent: '#{pane_pid}'; }
# The pane runs `paude-session run -- WORDS`, the agent is its one child.
agent_pid() { podman exec "$ctr" pgrep -P "$(pane_pid)"; }
# The agent's words, NUL-separated, as the kernel has them.
agent_cmdline() { podman exec "$ctr" sh -c "cat /proc/$(agent_pid)/cmdline"; }
recorded_words() { podman exec "$1" sh -c 'tr "\0" " " <"$HOME/.paude/agent-argv"'; }
screen_has() { $T capture-pane -p -t "$1" | grep -q -- "$2"; }

# bash stays the agent's process (the script is not a simple command), so
# its cmdline is exactly the words it was given.
agent=(bash -c 'sleep 600; exit 7' 'the name' 'two  spaces' 'say "hi"' "it's" $'new\nline' '$HOME;`id`' '*')

if [ -z "$image" ]; then
	# The image this paude builds for a session (reused by hash): never an
	# older one left from before a change to containers/paude.
	image=$( (cd "$TRASH" && paude create probe --dry-run 2>/dev/null) |
		sed -n 's/^Image: *\([^ ]*\).*/\1/p')
	if [ -n "$image" ] && ! podman image exists "$image"; then
		(cd "$TRASH" && paude create "h1-$$-build" --allowed-domains all >"$TRASH/build.log" 2>&1)
		paude delete "h1-$$-build" --confirm >/dev/null 2>&1
	fi
fi

test_expect_success 'the agent image is available' '
	podman image exists "$image" || { tail -n 30 build.log 2>/dev/null; false; }
'

test_expect_success 'claude runs as the non-root user under the hardened options' '
	podman run --rm "${hardened[@]}" --entrypoint claude "$image" --version >version &&
	test_grep "(Claude Code)" version &&
	podman run --rm "${hardened[@]}" --entrypoint sh "$image" -c \
		"id -u; id -g; echo \$HOME; pwd; grep -E \"^(CapEff|NoNewPrivs)\" /proc/self/status" >ids &&
	test_equal "1000
0
/home/paude
/pvc/workspace" "$(head -n 4 ids)" &&
	test_grep "CapEff:.*0000000000000000" ids &&
	test_grep "NoNewPrivs:.*1" ids
'

test_expect_success 'no ssh client, no gh, no git credential helper in the image' '
	podman run --rm --entrypoint sh "$image" -c \
		"command -v ssh gh git-credential-manager; git config --system --get-all credential.helper; ls /home/paude/.ssh" >found 2>/dev/null ||
		true &&
	test_equal "" "$(cat found)"
'

test_expect_success 'the entrypoint records the agent words exactly and the volume is writable' '
	podman volume create "$vol" >/dev/null &&
	podman run -d --name "$ctr" "${hardened[@]}" -v "$vol:/pvc" "$image" "${agent[@]}" >/dev/null &&
	test_wait_for 20 podman exec "$ctr" test -s /home/paude/.paude/agent-argv &&
	podman exec "$ctr" cat /home/paude/.paude/agent-argv >recorded &&
	printf "%s\0" "${agent[@]}" >expected &&
	cmp recorded expected &&
	podman exec "$ctr" stat -c "%u:%g %a" /pvc /pvc/workspace >perm &&
	test_equal "1000:0 775
1000:0 775" "$(cat perm)" &&
	podman exec "$ctr" touch /pvc/workspace/written
'

test_expect_success 'status before launch: not-running, exit 3' '
	test_equal not-running "$(status_text "$ctr")" &&
	test_equal 3 "$(status_code "$ctr")"
'

test_expect_success 'launch runs the words in tmux session agent, unparsed, in the workspace' '
	podman exec "$ctr" paude-session launch &&
	test_equal running "$(status_text "$ctr")" &&
	test_equal 0 "$(status_code "$ctr")" &&
	agent_cmdline >cmdline &&
	cmp cmdline expected &&
	test_equal /pvc/workspace "$(podman exec "$ctr" readlink "/proc/$(agent_pid)/cwd")"
'

test_expect_success 'launch is idempotent: same session, same agent' '
	before=$(pane_pid) &&
	podman exec "$ctr" paude-session launch &&
	podman exec "$ctr" paude-session launch &&
	test_equal "$before" "$(pane_pid)" &&
	test_equal 1 "$(podman exec "$ctr" tmux list-sessions | wc -l)"
'

test_expect_success 'tmux: the status line names the session, the pane stays when the agent ends' '
	podman exec "$ctr" tmux show-options -gv status-left >left &&
	test_grep "paude" left &&
	test_equal on "$(podman exec "$ctr" tmux show-options -gv remain-on-exit)" &&
	test_equal C-b "$(podman exec "$ctr" tmux show-options -gv prefix)"
'

test_expect_success 'an agent that exits is reported with its status and respawned by launch' '
	podman exec "$ctr" sh -c "pkill -P $(agent_pid) -x sleep" &&
	test_wait_for 10 status_is "$ctr" "exited 7" &&
	test_equal 1 "$(status_code "$ctr")" &&
	podman exec "$ctr" tmux capture-pane -p -t agent >pane &&
	test_grep "paude: the agent exited (7)" pane &&
	podman exec "$ctr" paude-session launch &&
	test_equal running "$(status_text "$ctr")" &&
	agent_cmdline >cmdline2 &&
	cmp cmdline2 expected
'

test_expect_success 'an agent killed by a signal is reported so, and launch brings it back' '
	podman exec "$ctr" kill -KILL "$(agent_pid)" &&
	test_wait_for 10 status_is "$ctr" "exited signal 9" &&
	podman exec "$ctr" paude-session launch &&
	test_equal running "$(status_text "$ctr")" &&
	agent_cmdline >cmdline3 &&
	cmp cmdline3 expected
'

test_expect_success 'Ctrl-C reaches the agent; one it survives leaves it running' '
	podman run -d --name "$ctr-int" "${hardened[@]}" "$image" \
		bash -c "trap \"echo got-int\" INT; while :; do sleep 0.2; done" >/dev/null &&
	test_wait_for 20 podman exec "$ctr-int" test -s /home/paude/.paude/agent-argv &&
	podman exec "$ctr-int" paude-session launch &&
	test_wait_for 10 status_is "$ctr-int" running &&
	podman exec "$ctr-int" tmux send-keys -t agent C-c &&
	test_wait_for 10 podman exec "$ctr-int" sh -c "tmux capture-pane -p -t agent | grep -q got-int" &&
	sleep 1 &&
	test_equal running "$(status_text "$ctr-int")"
'

test_expect_success 'killing every sleep in the container does not stop the session' '
	podman exec "$ctr" pkill -x sleep || true
	sleep 1 &&
	test_equal true "$(podman container inspect -f "{{.State.Running}}" "$ctr")" &&
	podman exec "$ctr" paude-session launch
'

test_expect_success 'attach shows the agent; Ctrl-b d detaches and the agent keeps running' '
	before=$(pane_pid) &&
	$T new-session -d -s att -x 120 -y 30 \
		"podman exec -it $ctr paude-session attach; echo attach-exited-\$?; sleep 60" &&
	test_wait_for 20 screen_has att "paude agent" &&
	$T send-keys -t att C-b d &&
	test_wait_for 20 screen_has att attach-exited-0 &&
	$T capture-pane -p -t att >screen &&
	test_grep "detached" screen &&
	test_equal running "$(status_text "$ctr")" &&
	test_equal "$before" "$(pane_pid)"
'

test_expect_success 'stop and start: the agent is gone until launched, the workspace stays' '
	podman stop -t 5 "$ctr" >/dev/null &&
	podman start "$ctr" >/dev/null &&
	test_wait_for 20 podman exec "$ctr" true &&
	test_equal not-running "$(status_text "$ctr")" &&
	podman exec "$ctr" test -f /pvc/workspace/written &&
	podman exec "$ctr" paude-session launch &&
	test_equal running "$(status_text "$ctr")"
'

test_expect_success 'a single word with spaces is a program name, never a shell command' '
	podman run -d --name "$ctr-one" "${hardened[@]}" "$image" "touch /tmp/pwned" >/dev/null &&
	test_wait_for 20 podman exec "$ctr-one" test -s /home/paude/.paude/agent-argv &&
	podman exec "$ctr-one" paude-session launch &&
	test_wait_for 10 status_is "$ctr-one" "exited 127" &&
	test_must_fail podman exec "$ctr-one" test -e /tmp/pwned
'

test_expect_success 'the entrypoint creates /pvc/workspace when the volume lacks it' '
	podman run -d --name "$ctr-tmp" "${hardened[@]}" --tmpfs /pvc:mode=1777 "$image" >/dev/null &&
	test_wait_for 20 podman exec "$ctr-tmp" test -d /pvc/workspace &&
	test_equal "claude " "$(recorded_words "$ctr-tmp")"
'

test_done
