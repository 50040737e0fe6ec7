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
	up) state=running ;;
	down) state=exited ;;
	*) echo '[]'; exit 0 ;;
	esac
	printf '[{"Names":["paude-%s"],"State":"%s","Status":"x","Labels":{"app":"paude","paude.io/session-name":"%s","paude.io/role":"agent"}}]\n' \
		"$want" "$state" "$want"
	;;
exec)
	[ "$2" = --interactive ] && [ "$3" = paude-up ] && [ "$4" = paude-session ] &&
		[ "$5" = git ] && [ "$7" = up ] && [ $# -eq 7 ] ||
		{ echo "fake podman: unexpected exec: $*" >&2; exit 125; }
	case "$6" in
	git-upload-pack | git-receive-pack | git-upload-archive) exec "$6" "$SESSION_REPO" ;;
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

test_expect_success 'push runs exactly one ps and one exec, nothing else' '
	cd "$TRASH/repo" &&
	rm -f "$CALLS" &&
	git push -q paude::up main &&
	test_equal 2 "$(wc -l <"$CALLS")" &&
	test_equal "ps --all --filter label=app=paude --filter label=paude.io/session-name=up --format json" \
		"$(sed -n 1p "$CALLS")" &&
	test_equal "exec --interactive paude-up paude-session git git-receive-pack up" "$(sed -n 2p "$CALLS")" &&
	test_equal hello "$(cat "$SESSION_REPO/f.txt")"
'

test_expect_success 'fetch and clone run git-upload-pack; the podman/NAME form is the same session' '
	cd "$TRASH/repo" &&
	rm -f "$CALLS" &&
	(cd "$SESSION_REPO" && echo more >g.txt && git add g.txt && git commit -q -m two) &&
	git pull -q --ff-only paude::podman/up main &&
	test_equal more "$(cat g.txt)" &&
	grep -qx "exec --interactive paude-up paude-session git git-upload-pack up" "$CALLS" &&
	git clone -q paude::up "$TRASH/clone" &&
	test_equal "$(git rev-parse HEAD)" "$(git -C "$TRASH/clone" rev-parse HEAD)"
'

test_expect_success 'a stopped or unknown session never gets an exec' '
	cd "$TRASH/repo" &&
	rm -f "$CALLS" &&
	test_must_fail git push paude::down main 2>err &&
	test_grep "session '"'"'down'"'"' is not running (start it with: paude start down)" err &&
	test_must_fail git fetch paude::gone 2>err &&
	test_grep "session '"'"'gone'"'"' not found" err &&
	! grep -q "^exec" "$CALLS"
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
	printf "connect git-upload-pack\n0000" | git-remote-paude origin up >out &&
	test_equal "" "$(head -n 1 out)" &&
	test_grep "refs/heads/main" out &&
	test_equal 2 "$(wc -l <"$CALLS")"
'

test_expect_success 'PAUDE_LOG=debug traces what runs, on stderr only' '
	cd "$TRASH/repo" &&
	PAUDE_LOG=debug git ls-remote paude::up >out 2>err &&
	test_grep "+ podman exec --interactive paude-up paude-session git git-upload-pack up" err &&
	test_grep "peak RSS before exec" err &&
	test_grep "refs/heads/main" out &&
	! grep -q "debug" out
'

test_done
