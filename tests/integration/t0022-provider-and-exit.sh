#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# The first hour's dead agent, in a terminal (tmux drives paude, the screen
# is read back):
# - without any model provider (no Vertex AI, no ANTHROPIC_API_KEY, no
#   claude.ai login), `paude start` says exactly what to run before it
#   would attach, and does not attach; the default network of such a
#   session follows the provider (Claude Code's own hosts, anthropic);
# - when the agent exits while attached, its pane shows what the network
#   proxy refused meanwhile, each with the `paude network NAME --allow`
#   command that would allow it.
# The real Claude Code runs only on policies that allow names that cannot
# resolve (the proxies' way out is this test's internal network).
. "$(dirname "$0")/lib.sh"

# A failing test shows what paude said.
nop=$(test_session_name noprov)
dflt=$(test_session_name dflt)
name=$(test_session_name exit)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
T="tmux -L paude-exit-$$ -f /dev/null"
test_on_exit "$T kill-server"
for n in "$nop" "$dflt" "$name"; do
	test_on_exit "paude delete $n --confirm --force; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done

in_terminal() {
	local win="$1"
	shift
	$T new-session -d -s "$win" -x 200 -y 50 "$*" &&
		$T set-option -t "$win" remain-on-exit on >/dev/null
}
pane_dead() { [ "$($T display-message -p -t "$1" '#{pane_dead}')" = 1 ]; }
pane_text() { $T capture-pane -p -J -t "$1" -S -200; }
screen_has() { pane_text "$1" | grep -q -- "$2"; }
attached() { [ -n "$(podman exec "$1" tmux list-clients -F '#{client_tty}' 2>/dev/null)" ]; }
no_provider() { env -u CLAUDE_CODE_USE_VERTEX -u ANTHROPIC_VERTEX_PROJECT_ID -u GOOGLE_CLOUD_PROJECT -u ANTHROPIC_API_KEY "$@"; }

test_expect_success 'no provider: create says what to run, and the default network allows Claude Code its own hosts' '
	{
		no_provider paude create "$dflt" --dry-run >plan 2>err &&
		test_grep "^Network: *vertexai, pypi, anthropic" plan &&
		no_provider paude create "$nop" --allowed-domains allowed.test 2>err &&
		test_grep "session .$nop. has no model provider" err &&
		test_grep "export ANTHROPIC_API_KEY=" err &&
		test_grep "gcloud auth application-default login" err &&
		test_grep "export CLAUDE_CODE_USE_VERTEX=1 ANTHROPIC_VERTEX_PROJECT_ID=" err &&
		test_grep "does not allow api.anthropic.com" err
	} || show_err
'

test_expect_success 'no provider: start says what to run on the screen, instead of attaching' '
	{
		in_terminal np "no_provider() { env -u CLAUDE_CODE_USE_VERTEX -u ANTHROPIC_API_KEY \"\$@\"; }; no_provider paude start $nop; echo START-EXIT=\$?" &&
		test_wait_for 120 screen_has np "START-EXIT=" &&
		pane_text np >screen &&
		test_grep "START-EXIT=0" screen &&
		test_grep "session .$nop. has no model provider" screen &&
		test_grep "export ANTHROPIC_API_KEY=YOUR-KEY" screen &&
		test_grep "gcloud auth application-default login" screen &&
		test_grep "Session .$nop. is running, not attached. To log in inside it: paude connect $nop" screen &&
		! attached "paude-$nop"
	} || show_err
'

test_expect_success 'a login in ~/.claude is a provider: no such message' '
	{
		mkdir -p "$HOME/.claude" &&
		echo "{}" >"$HOME/.claude/.credentials.json" &&
		no_provider paude start -d "$nop" 2>err &&
		! grep -q "has no model provider" err &&
		rm "$HOME/.claude/.credentials.json" &&
		paude delete "$nop" --confirm --force 2>/dev/null
	} || show_err
'

test_expect_success 'the agent exits while attached: its pane shows the refusals and the allow commands' '
	{
		paude create "$name" --allowed-domains allowed.test 2>err &&
		in_terminal ex "paude start $name" &&
		test_wait_for 120 attached "$ctr" &&
		test_wait_for 60 podman exec "$ctr" pgrep -x claude &&
		! podman exec "$ctr" curl -sf -o /dev/null --max-time 10 https://refused-one.test/ &&
		! podman exec "$ctr" curl -sf -o /dev/null --max-time 10 http://refused-two.test/x &&
		podman exec "$ctr" pkill -TERM -x claude &&
		test_wait_for 30 screen_has ex "paude: the agent exited" &&
		test_wait_for 10 screen_has ex "allow refused-two.test" &&
		pane_text ex >screen &&
		test_grep "the network proxy refused these while the agent ran" screen &&
		test_grep "refused-one.test *paude network $name --allow refused-one.test" screen &&
		test_grep "refused-two.test *paude network $name --allow refused-two.test" screen
	} || show_err
'

test_expect_success 'the gateway answers the refusals to the agent, and nothing else about them' '
	{
		podman exec "$ctr" curl -sf --noproxy "*" http://paude-proxy:8090/paude/refusals >list &&
		test_grep "^[0-9]* refused-one.test$" list &&
		test_grep "^[0-9]* refused-two.test$" list &&
		! grep -q "/x" list &&
		test_must_fail podman exec "$ctr" curl -sf --noproxy "*" -X POST http://paude-proxy:8090/paude/refusals &&
		paude network "$name" >net &&
		! grep -q "paude/refusals" net
	} || show_err
'

test_done
