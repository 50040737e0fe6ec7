#!/bin/bash
# git-remote-paude with real git and a stand-in `podman` on PATH (git's
# t5801 trick): the stand-in logs its argv and, for `exec`, runs the real
# git service on a local repository. No container engine is involved, so this
# pins down the exact commands the helper runs and that the pipes are handed
# over intact, quickly and anywhere.
. "$(dirname "$0")/lib.sh"

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main

export CALLS="$TRASH/calls" SESSION_REPO="$TRASH/session"
mkdir -p "$TRASH/fakebin"
cat >"$TRASH/fakebin/podman" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$CALLS"
case "$1" in
ps)
	want=
	for a; do
		case "$a" in label=paude.io/session-name=*) want=${a#label=paude.io/session-name=} ;; esac
	done
	case "$want" in
	up) state=running status=Up ;;
	down) state=exited status=Exited ;;
	frozen) state=paused status=Paused ;;
	*) echo '[]'; exit 0 ;;
	esac
	printf '[{"Names":["paude-%s"],"State":"%s","Status":"%s","Labels":{"app":"paude","paude.io/session-name":"%s","paude.io/role":"agent"}}]\n' \
		"$want" "$state" "$status" "$want"
	;;
exec)
	[ "$2" = --interactive ] || { echo "fake podman: unexpected exec: $*" >&2; exit 125; }
	case "$3" in
	paude-up) ;;
	paude-noisy)
		# What a hostile session could say on stderr.
		printf '\033]0;T\007\033[2Jnoisy \302\233 \r\n' >&2
		;;
	paude-down | paude-frozen)
		echo "Error: can only create exec sessions on running containers: container state improper" >&2
		exit 255
		;;
	*)
		echo "Error: no container with name or ID \"$3\" found: no such container" >&2
		exit 125
		;;
	esac
	shift 3
	# The protocol version, as paude-session receives it: through env(1).
	if [ "$1" = env ]; then
		case "$2" in GIT_PROTOCOL=version=[12]) export "$2" ;; *) exit 125 ;; esac
		shift 2
	fi
	[ "$1" = paude-session ] && [ "$2" = git ] && [ $# -eq 4 ] &&
		{ [ "$4" = up ] || [ "$4" = noisy ]; } ||
		{ echo "fake podman: unexpected exec: $*" >&2; exit 125; }
	case "$3" in
	git-upload-pack | git-receive-pack | git-upload-archive) exec "$3" "$SESSION_REPO" ;;
	esac
	exit 127
	;;
*)
	echo "fake podman: unexpected: $*" >&2
	exit 125
	;;
esac
EOF
chmod +x "$TRASH/fakebin/podman"
export PATH="$TRASH/fakebin:$PATH"

git init -q "$SESSION_REPO"
git -C "$SESSION_REPO" config receive.denyCurrentBranch updateInstead
git init -q "$TRASH/repo"
cd "$TRASH/repo" || exit 1
echo hello >f.txt
git add f.txt
git commit -q -m one

test_expect_success 'push runs exactly one exec, nothing else (no question asked first)' '
	cd "$TRASH/repo" &&
	rm -f "$CALLS" &&
	git push -q paude::up main &&
	test_equal 1 "$(wc -l <"$CALLS")" &&
	test_equal "exec --interactive paude-up paude-session git git-receive-pack up" "$(sed -n 1p "$CALLS")" &&
	test_equal hello "$(cat "$SESSION_REPO/f.txt")"
'

test_expect_success 'fetch and clone run git-upload-pack; the podman/NAME form is the same session' '
	cd "$TRASH/repo" &&
	rm -f "$CALLS" &&
	(cd "$SESSION_REPO" && echo more >g.txt && git add g.txt && git commit -q -m two) &&
	git pull -q --ff-only paude::podman/up main &&
	test_equal more "$(cat g.txt)" &&
	grep -qx "exec --interactive paude-up env GIT_PROTOCOL=version=2 paude-session git git-upload-pack up" "$CALLS" &&
	git clone -q paude::up "$TRASH/clone" &&
	test_equal "$(git rev-parse HEAD)" "$(git -C "$TRASH/clone" rev-parse HEAD)"
'

test_expect_success 'stopped, paused or unknown session: the exec fails, one clear line says why' '
	cd "$TRASH/repo" &&
	test_must_fail git push paude::down main 2>err &&
	test_grep "^git-remote-paude: error: session '"'"'down'"'"' is not running (start it with: paude start -d down)\$" err &&
	! grep -q "state improper" err &&
	test_must_fail git fetch paude::frozen 2>err &&
	test_grep "^git-remote-paude: error: session '"'"'frozen'"'"' is paused (resume its container with: podman unpause paude-frozen)\$" err &&
	! grep -q "state improper" err &&
	test_must_fail git fetch paude::gone 2>err &&
	test_grep "^git-remote-paude: error: session '"'"'gone'"'"' not found (list sessions with: paude list)\$" err &&
	! grep -q "no such container" err &&
	test_equal 1 "$(grep -c "^git-remote-paude:" err)"
'

test_expect_success 'protocol v2 when git asks for it (its default), v0 and v1 when configured' '
	cd "$TRASH/repo" &&
	rm -f "$CALLS" &&
	GIT_TRACE_PACKET="$TRASH/trace2" git ls-remote paude::up >out &&
	test_grep "refs/heads/main" out &&
	test_grep "< version 2" "$TRASH/trace2" &&
	grep -qx "exec --interactive paude-up env GIT_PROTOCOL=version=2 paude-session git git-upload-pack up" "$CALLS" &&
	rm -f "$CALLS" &&
	GIT_TRACE_PACKET="$TRASH/trace0" git -c protocol.version=0 ls-remote paude::up >out &&
	test_grep "refs/heads/main" out &&
	! grep -q "version [12]" "$TRASH/trace0" &&
	grep -qx "exec --interactive paude-up paude-session git git-upload-pack up" "$CALLS" &&
	GIT_TRACE_PACKET="$TRASH/trace1" git -c protocol.version=1 fetch -q paude::up &&
	test_grep "< version 1" "$TRASH/trace1" &&
	rm -f "$CALLS" &&
	echo v2push >v.txt && git add v.txt && git commit -q -m v2push &&
	git push -q paude::up HEAD:refs/heads/v2push &&
	grep -qx "exec --interactive paude-up paude-session git git-receive-pack up" "$CALLS"
'

test_expect_success 'what the session says on stderr reaches the terminal without control characters' '
	cd "$TRASH/repo" &&
	git fetch -q paude::noisy 2>err &&
	cat -A err &&
	grep -qxF -- "\\x1b]0;T\\x07\\x1b[2Jnoisy \\u009b \\r" err &&
	! grep -q "$(printf "\033")" err
'

test_expect_success 'the helper speaks only protocol on stdout' '
	printf "capabilities\n\n" | git-remote-paude origin up >out 2>err &&
	printf "*connect\n\n" >want &&
	cmp want out &&
	! test -s err &&
	printf "capabilities\noption verbosity 1\n\n" | git-remote-paude origin up >out &&
	printf "*connect\n\nunsupported\n" >want &&
	cmp want out
'

test_expect_success 'bytes after the connect line reach the service unchanged' '
	rm -f "$CALLS" &&
	# The advertisement, then our flush-pkt "0000" as the first byte the
	# service reads: upload-pack ends cleanly only if it received it.
	printf "connect git-upload-pack\n0000" | GIT_TEST_PROTOCOL_VERSION=0 git-remote-paude origin up >out &&
	test_equal "" "$(head -n 1 out)" &&
	test_grep "refs/heads/main" out &&
	test_equal 1 "$(wc -l <"$CALLS")"
'

test_expect_success 'PAUDE_LOG=debug traces what runs, on stderr only' '
	cd "$TRASH/repo" &&
	PAUDE_LOG=debug git ls-remote paude::up >out 2>err &&
	test_grep "+ podman exec --interactive paude-up env GIT_PROTOCOL=version=2 paude-session git git-upload-pack up" err &&
	test_grep "peak RSS before the service starts" err &&
	test_grep "refs/heads/main" out &&
	! grep -q "debug" out
'

test_done
