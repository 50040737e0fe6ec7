#!/bin/bash
# The habits of git and podman a newcomer brings: suggestions for typos,
# long options only in full (a prefix never deletes anything), -v and -vv as
# documented, PAUDE_LOG typos said, doctor -q, a fast stop, the docs that
# help and man name really installed, and shell completions that real bash,
# zsh and fish load and use.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name habits)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
T="tmux -L paude-habits-$$ -f /dev/null"
test_on_exit "$T kill-server; paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman volume rm -f $ctr-workspace"

# Run a command and check its exit status: test_expect_code STATUS CMD...
test_expect_code() {
	local want="$1" rc=0
	shift
	"$@" || rc=$?
	[ "$rc" -eq "$want" ] || { echo "expected exit $want, got $rc: $*" >&2; return 1; }
}

test_expect_success 'a mistyped command gets the closest one suggested' '
	test_expect_code 2 paude lsit 2>err &&
	test_grep "unknown command .lsit. (did you mean .list.?)" err &&
	test_expect_code 2 paude help conect 2>err &&
	test_grep "did you mean .connect.?" err &&
	test_expect_code 2 paude frobnicate 2>err &&
	! grep -q "did you mean" err
'

test_expect_success 'long options are taken only in full, with the option meant suggested' '
	paude create "$name" >/dev/null 2>&1 &&
	test_expect_code 2 paude delete "$name" --conf 2>err &&
	test_grep "unknown option .--conf. (did you mean .--confirm.?)" err &&
	podman container exists "$ctr" &&
	test_expect_code 2 paude --verb list 2>err &&
	test_grep "did you mean .--verbose.?" err &&
	test_expect_code 2 paude list --jsn 2>err &&
	test_grep "did you mean .--json.?" err
'

test_expect_success '-v shows more without tracing commands; -vv traces them' '
	paude -v list >out 2>err &&
	! grep -q "debug: + podman" err &&
	paude -vv list >out 2>err &&
	test_grep "debug: + podman ps" err &&
	PAUDE_LOG=debug paude list >out 2>err &&
	test_grep "debug: + podman ps" err
'

test_expect_success 'an unknown PAUDE_LOG value is a warning, not silence' '
	PAUDE_LOG=loud paude list >out 2>err &&
	test_grep "warning: unknown PAUDE_LOG value .loud. ignored" err
'

test_expect_success 'doctor -q prints only the problems, with the same exit status' '
	rc=0 && paude doctor >full 2>&1 || rc=$? &&
	qrc=0 && paude doctor -q >quiet 2>&1 || qrc=$? &&
	test_equal "$rc" "$qrc" &&
	test_grep "^ok " full &&
	! grep -q "^ok " quiet &&
	test "$(grep -c "^\(warn\|FAIL\)" full)" = "$(grep -c "^\(warn\|FAIL\)" quiet)"
'

# Milliseconds one `paude stop` of the running session takes.
timed_stop() {
	local t0 t1
	t0=$(date +%s%N)
	paude stop "$name" 2>err || return 1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

test_expect_success 'stop takes under a second (agent and proxy stopped at once)' '
	best=100000 &&
	for try in 1 2; do
		paude start -d "$name" >/dev/null 2>&1 &&
		test "$(podman inspect -f "{{.State.Running}}" "paude-proxy-$name")" = true &&
		ms=$(timed_stop) &&
		echo "stop took ${ms} ms" &&
		test "$(podman inspect -f "{{.State.Running}}" "$ctr")" = false &&
		test "$(podman inspect -f "{{.State.Running}}" "paude-proxy-$name")" = false &&
		if [ "$ms" -lt "$best" ]; then best=$ms; fi
	done &&
	# The best of two: a loaded machine (the test suite runs alongside
	# other work) adds noise that is not paude'"'"'s.
	test "$best" -lt 1000
'

test_expect_success 'make install puts the docs where help and man say, and man paude documents remote' '
	make -s -C "$SRC_DIR" install DESTDIR="$TRASH/inst" >/dev/null &&
	bin=$(find "$TRASH/inst" -path "*/bin/paude") &&
	docpath=$("$bin" --help | sed -n "s/.*see \(\/[^ )]*OPENSHIFT.md\).*/\1/p") &&
	test -n "$docpath" &&
	test -f "$TRASH/inst$docpath" &&
	"$bin" create --help | grep -o "/[^ )]*\.md" >paths &&
	while read -r p; do test -f "$TRASH/inst$p" || { echo "missing: $p" >&2; exit 1; }; done <paths &&
	man1=$(find "$TRASH/inst" -name paude.1) &&
	! grep -q "@DOCDIR@" "$man1" &&
	MANWIDTH=100 man -l "$man1" 2>/dev/null >man.txt &&
	test_grep "remote add \[--push\] \[NAME\]" man.txt &&
	test_grep "$(dirname "$docpath")/GIT.md" man.txt &&
	! grep -q " docs/" man.txt
'

test_expect_success 'make install installs the completions where bash, zsh and fish look' '
	find "$TRASH/inst" -path "*/share/bash-completion/completions/paude" | grep -q . &&
	find "$TRASH/inst" -path "*/share/zsh/site-functions/_paude" | grep -q . &&
	find "$TRASH/inst" -path "*/share/fish/vendor_completions.d/paude.fish" | grep -q .
'

# Complete the words given in bash, as readline would, with the script loaded.
bash_complete() {
	bash -c "source \"$TRASH/paude.bash\"
		COMP_WORDS=(\"\$@\"); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _paude
		printf \"%s\n\" \"\${COMPREPLY[@]}\"" bash "$@"
}

test_expect_success 'bash loads the completion: commands, options, values and session names' '
	paude completion bash >"$TRASH/paude.bash" &&
	bash -c "source \"$TRASH/paude.bash\" && complete -p paude" >out &&
	test_grep "complete -F _paude paude" out &&
	bash_complete paude de >out && test_equal delete "$(cat out)" &&
	bash_complete paude delete --c >out && test_equal --confirm "$(cat out)" &&
	bash_complete paude create --allowed-domains v >out && test_equal vertexai "$(cat out)" &&
	bash_complete paude --backend podman li >out && test_equal list "$(cat out)" &&
	bash_complete paude remote add --p >out && test_equal --push "$(cat out)" &&
	bash_complete paude stop "it$$-hab" >out && test_equal "$name" "$(cat out)" &&
	bash_complete paude create "it$$-hab" >out && test_equal "" "$(cat out)"
'

test_expect_success 'the completion knows every option each command documents' '
	for c in completion connect create delete doctor list network port-forward start status stop; do
		paude "$c" --help | sed -n "s/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p" >opts &&
		while read -r o; do
			bash_complete paude "$c" "$o" >out &&
			grep -qx -- "$o" out || { echo "paude $c: $o not completed" >&2; exit 1; }
		done <opts
	done
'

test_expect_success 'zsh loads the completion with compinit and completes in a terminal' '
	mkdir -p "$TRASH/zfunc" &&
	paude completion zsh >"$TRASH/zfunc/_paude" &&
	cat >"$TRASH/zshrc" <<-ZRC &&
	fpath=("$TRASH/zfunc" \$fpath)
	autoload -U compinit && compinit -u -d "$TRASH/zcompdump"
	PROMPT="zsh> "
	ZRC
	ZDOTDIR="$TRASH" zsh -c "source $TRASH/zshrc; print -r -- \$_comps[paude]" >out &&
	test_equal _paude "$(cat out)" &&
	cp "$TRASH/zshrc" "$TRASH/.zshrc" &&
	$T new-session -d -s z -x 120 -y 20 "env ZDOTDIR=$TRASH PATH=\"$PATH\" zsh -i" &&
	test_wait_for 10 sh -c "$T capture-pane -p -t z | grep -q \"^zsh>\"" &&
	$T send-keys -t z "paude delet" Tab &&
	test_wait_for 10 sh -c "$T capture-pane -p -t z | grep -q \"^zsh> paude delete\"" &&
	$T send-keys -t z "it$$-hab" Tab &&
	test_wait_for 10 sh -c "$T capture-pane -p -t z | grep -q \"paude delete $name\"" &&
	$T kill-session -t z
'

test_expect_success 'fish loads the completion and completes commands, options and names' '
	mkdir -p "$TRASH/fish" &&
	paude completion fish >"$TRASH/fish/paude.fish" &&
	fish -n "$TRASH/fish/paude.fish" &&
	XDG_CONFIG_HOME="$TRASH/fishcfg" fish -c "source $TRASH/fish/paude.fish; complete -C \"paude del\"" >out &&
	test_grep "^delete" out &&
	XDG_CONFIG_HOME="$TRASH/fishcfg" fish -c "source $TRASH/fish/paude.fish; complete -C \"paude delete --con\"" >out &&
	test_grep "^--confirm" out &&
	XDG_CONFIG_HOME="$TRASH/fishcfg" fish -c "source $TRASH/fish/paude.fish; complete -C \"paude stop it$$-hab\"" >out &&
	test_grep "^$name" out
'

test_done
