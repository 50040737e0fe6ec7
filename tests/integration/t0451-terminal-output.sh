#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# Nothing a session produced reaches the user's terminal raw: the proxy's
# log (which carries what servers and the agent chose), and the output and
# errors of commands run in the session, go through paude's one sanitizer
# (lib/core/sanitize.c). Each case first shows that the raw bytes really hold
# escape sequences, then that paude prints none of them.
. "$(dirname "$0")/lib.sh"
# The stand-in agent (curl, git, no Claude Code) is enough here.
NET_STANDIN_AGENT=1
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name esc)
ctr="paude-$name"
ESC_SRV="h3-srv-esc-$$"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
# The project's setup command runs a script in the workspace: one the agent can rewrite.
echo '{ "setup": "sh /pvc/workspace/setup.sh" }' >paude.json
test_on_exit "paude delete $name --confirm --force; podman rm -f -t 0 --ignore paude-$name paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f paude-$name-workspace"

if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi

# Registered after net_setup, so it runs before the test internet goes:
# a network with a container on it cannot be removed.
test_on_exit "podman rm -f -t 0 --ignore $ESC_SRV"

# A server on the test internet whose answers carry escape sequences in a
# header squid logs (the content type, up to its first ';'): clear the
# screen, a colour, a bell, a C1 CSI.
podman run -d --name "$ESC_SRV" --network "$NET_INET" --network-alias esc.test \
	--entrypoint python3 "$NET_INET_IMAGE" -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type",
                         "text/x\x1b[2J\x1b[31mred\x07\xc2\x9b" "1m")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
http.server.HTTPServer(("0.0.0.0", 80), H).serve_forever()
' >/dev/null || { echo "Bail out! cannot start the escape server"; exit 1; }

# The setup script the agent plants: a title and the clipboard on stdout and
# stderr, and a C1 CSI, then a failure.
cat >"$TRASH/setup.sh" <<'EOF'
printf 'building\033]0;owned\007\n'
printf '\033]52;c;cGF5bG9hZA==\007\302\233\n' >&2
exit 3
EOF
# The setup command runs once the workspace has code: a commit there too.
plant_setup() {
	podman exec -i "$ctr" sh -c 'cat >/pvc/workspace/setup.sh' <"$TRASH/setup.sh" &&
		podman exec "$ctr" sh -c 'cd /pvc/workspace && { test -d .git || git init -q; } &&
			git -c user.name=T -c user.email=t@example.invalid commit -q --allow-empty -m code'
}

# For the git tunnel: a stand-in podman (as in t0303) whose session "noisy"
# writes escape sequences to stderr before it runs the git service on a
# local repository.
export SESSION_REPO="$TRASH/session-repo"
git init -q "$SESSION_REPO"
git -C "$SESSION_REPO" -c user.name=T -c user.email=t@example.invalid commit -q --allow-empty -m one
mkdir -p "$TRASH/fakebin"
cat >"$TRASH/fakebin/podman" <<'EOF'
#!/bin/sh
case "$1" in
ps)
	printf '[{"Names":["paude-noisy"],"State":"running","Status":"x","Labels":{"app":"paude","paude.io/session-name":"noisy","paude.io/role":"agent"}}]\n'
	;;
exec)
	printf 'remote text \033]52;c;cGF5bG9hZA==\007\033]0;owned\007\302\233\n' >&2
	for a; do
		case "$a" in
		git-upload-pack | git-receive-pack | git-upload-archive) exec "$a" "$SESSION_REPO" ;;
		esac
	done
	exit 127
	;;
*) exit 125 ;;
esac
EOF
chmod +x "$TRASH/fakebin/podman"

has_esc() { LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]' "$@"; }

test_expect_success 'a session that may reach the escape server (its setup not run yet)' '
	cd ws &&
	paude create "$name" --allowed-domains esc.test 2>err &&
	podman start "paude-proxy-$name" "$ctr" >/dev/null
'

test_expect_success 'the proxy log holds the raw escape bytes' '
	test_wait_for 30 in_session "$name" curl -sS -m 10 -o /dev/null http://esc.test/ &&
	podman exec "paude-proxy-$name" cat /var/log/squid/access.log >raw &&
	test_grep esc.test raw &&
	has_esc raw
'

test_expect_success 'paude network -v shows that log with no control byte, escaped' '
	paude network -v "$name" >out 2>&1 &&
	test_grep "esc.test" out &&
	! has_esc out &&
	grep -qF -- "text/x\\x1b[2J\\x1b[31mred\\x07\\u009b1m" out
'

test_expect_success 'a failing command in the session: its output and error are printed sanitized' '
	plant_setup &&
	{ podman exec "$ctr" sh /pvc/workspace/setup.sh >raw 2>&1 || true; } &&
	has_esc raw &&
	test_must_fail paude start -d "$name" 2>err &&
	test_grep "the setup command of session .$name. failed (exit 3)" err &&
	grep -qF -- "building\\x1b]0;owned\\x07" err &&
	grep -qF -- "\\x1b]52;c;cGF5bG9hZA==\\x07\\u009b" err &&
	! has_esc err
'

test_expect_success 'the git tunnel: the session'"'"'s stderr reaches the terminal sanitized' '
	PATH="$TRASH/fakebin:$PATH" git ls-remote paude::noisy >refs 2>err &&
	test_grep "refs/heads/" refs &&
	grep -qF -- "remote text \\x1b]52;c;cGF5bG9hZA==\\x07\\x1b]0;owned\\x07\\u009b" err &&
	! has_esc err
'

test_done
