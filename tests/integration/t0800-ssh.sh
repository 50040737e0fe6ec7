#!/bin/bash
# The SSH transport (lib/backend/ssh.c, lib/backend/ssh-config.c) against a real sshd that
# this test starts on 127.0.0.1 with throwaway keys (lib-ssh.sh): the runner
# over exec channels (exit statuses, stdio, EOF, flow control, many channels,
# a dropped connection), host key trust (unknown, changed), user keys
# (wrong key, ssh-agent, a passphrase asked on the terminal or no terminal),
# ~/.ssh/config, and a host without podman, through `paude doctor --host`;
# and `paude list --host`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ssh.sh"

ssh_start main || exit 1
# shellcheck disable=SC2034 # used in the test bodies (eval)
MAIN_DIR=$SSH_DIR MAIN_PORT=$SSH_PORT MAIN_HOST=$SSH_HOST MAIN_PID=$SSHD_PID
# shellcheck disable=SC2034
TEST_SSH_BIN="$SRC_DIR/build/tests/test-ssh"
make -s -C "$SRC_DIR" build/tests/test-ssh >/dev/null || exit 1

test_expect_success 'an unknown host key is refused with its fingerprint and the command to trust it' '
	test_must_fail paude doctor --host "$MAIN_HOST" >out 2>err &&
	fp=$(ssh-keygen -lf "$MAIN_DIR/host_ed25519.pub" | cut -d" " -f2) &&
	test_grep "host .\[127.0.0.1\]:$MAIN_PORT. is not known: it offers ed25519 key $fp" out &&
	test_grep "trust it with: ssh-keyscan -t ed25519 -p $MAIN_PORT 127.0.0.1 >> ~/.ssh/known_hosts)" out &&
	test_must_fail grep -q "^ok    podman" out &&
	ssh-keyscan -t ed25519 -p "$MAIN_PORT" 127.0.0.1 >>"$HOME/.ssh/known_hosts" 2>/dev/null &&
	paude doctor --host "$MAIN_HOST" >out 2>err &&
	test_grep "^ok    ssh: logged in to root@127.0.0.1:$MAIN_PORT" out &&
	test_grep "^ok    podman " out
'

test_expect_success 'the runner over SSH: statuses, stdio, EOF, flow control, channels, a PTY, drops' '
	PAUDE_TEST_SSH_HOST="$MAIN_HOST" PAUDE_TEST_SSHD_PID="$MAIN_PID" "$TEST_SSH_BIN" >out 2>&1 &&
	test_grep "PASSED  \] 8 test(s)" out &&
	test_must_fail grep -q SKIPPED out
'

test_expect_success 'a changed host key is refused loudly' '
	cp "$HOME/.ssh/known_hosts" kh.good &&
	ssh-keygen -q -t ed25519 -N "" -C "" -f other &&
	echo "[127.0.0.1]:$MAIN_PORT $(cut -d" " -f1,2 other.pub)" >"$HOME/.ssh/known_hosts" &&
	st=0 && { test_must_fail paude doctor --host "$MAIN_HOST" >out 2>err || st=1; } &&
	cp kh.good "$HOME/.ssh/known_hosts" && [ $st -eq 0 ] &&
	test_grep "REMOTE HOST IDENTIFICATION HAS CHANGED for .\[127.0.0.1\]:$MAIN_PORT." out &&
	test_grep "ssh-keygen -R .\[127.0.0.1\]:$MAIN_PORT. -f ~/.ssh/known_hosts" out &&
	test_must_fail grep -q "logged in" out
'

test_expect_success 'a key the host does not know is refused, naming what was tried' '
	mv "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.real" &&
	ssh-keygen -q -t ed25519 -N "" -C "" -f "$HOME/.ssh/id_ed25519.wrong" &&
	cp "$HOME/.ssh/id_ed25519.wrong" "$HOME/.ssh/id_ed25519" &&
	st=0 && { (unset SSH_AUTH_SOCK; test_must_fail paude doctor --host "$MAIN_HOST") >out 2>err || st=1; } &&
	mv "$HOME/.ssh/id_ed25519.real" "$HOME/.ssh/id_ed25519" && [ $st -eq 0 ] &&
	test_grep "cannot log in to .root@127.0.0.1:$MAIN_PORT.: no key was accepted (tried: $HOME/.ssh/id_ed25519)" out
'

test_expect_success 'a key with a passphrase and no terminal is skipped with a reason' '
	ssh-keygen -q -t ed25519 -N "secret words" -C "" -f locked &&
	cat >"$HOME/.ssh/config" <<-EOF &&
	Host locked-box
	  HostName 127.0.0.1
	  Port $MAIN_PORT
	  User root
	  IdentityFile $TRASH/locked
	EOF
	st=0 && { (unset SSH_AUTH_SOCK; test_must_fail setsid paude doctor --host locked-box </dev/null) >out 2>err || st=1; } &&
	rm -f "$HOME/.ssh/config" && [ $st -eq 0 ] &&
	test_grep "tried: $TRASH/locked (has a passphrase, and no terminal to ask it on)" out
'

test_expect_success 'the passphrase of a key is asked on the terminal, without echo' '
	cat locked.pub >>"$MAIN_DIR/authorized_keys" &&
	T="tmux -L paude-ssh-$$ -f /dev/null" &&
	printf "Host *\n  IdentityFile %s\n" "$TRASH/locked" >"$HOME/.ssh/config" &&
	$T new-session -d -x 150 -y 30 \
		"env -u SSH_AUTH_SOCK paude doctor --host root@127.0.0.1:$MAIN_PORT >$TRASH/tty.out 2>&1; echo \$? >$TRASH/tty.rc; sleep 60" &&
	test_wait_for 20 sh -c "$T capture-pane -p | grep -q \"Enter passphrase for key .$TRASH/locked.:\"" &&
	$T send-keys "secret words" Enter &&
	test_wait_for 60 test -s "$TRASH/tty.rc" || { cat "$TRASH/tty.out"; false; } &&
	rm -f "$HOME/.ssh/config" &&
	$T capture-pane -p >screen &&
	test_must_fail grep -q "secret words" screen &&
	test_equal 0 "$(cat "$TRASH/tty.rc")" &&
	test_grep "^ok    ssh: logged in to root@127.0.0.1:$MAIN_PORT" "$TRASH/tty.out" &&
	$T kill-server
'

test_expect_success 'ssh-agent keys come first; ~/.ssh/config names the host' '
	ssh-keygen -q -t ed25519 -N "" -C "" -f agentkey &&
	cat agentkey.pub >>"$MAIN_DIR/authorized_keys" &&
	eval "$(ssh-agent -s)" >/dev/null &&
	trap "kill $SSH_AGENT_PID" EXIT &&
	ssh-add -q agentkey 2>/dev/null &&
	cat >"$HOME/.ssh/config" <<-EOF &&
	Host box
	  HostName 127.0.0.1
	  Port $MAIN_PORT
	  User root
	  IdentityFile ~/.ssh/none-such
	EOF
	st=0 && { PAUDE_HOST=box paude doctor >out 2>err || st=1; } &&
	rm -f "$HOME/.ssh/config" && [ $st -eq 0 ] &&
	test_grep "^ok    ssh: logged in to root@127.0.0.1:$MAIN_PORT" out &&
	grep "Accepted publickey" "$MAIN_DIR/log" | tail -n 1 >accepted &&
	test_grep "$(ssh-keygen -lf agentkey.pub | cut -d" " -f2)" accepted
'

test_expect_success 'ProxyJump in ~/.ssh/config is a clear error' '
	printf "Host jump-*\n  ProxyJump bastion\n" >"$HOME/.ssh/config" &&
	st=0 && { test_must_fail paude doctor --host jump-box >out 2>err || st=1; } &&
	rm -f "$HOME/.ssh/config" && [ $st -eq 0 ] &&
	test_grep "line 2: ProxyJump is not supported by paude for host .jump-box." out
'

test_expect_success 'bad addresses are usage errors' '
	test_must_fail paude doctor --host "-oProxyCommand=x" >out 2>err &&
	test_grep "bad host" out &&
	test_must_fail paude doctor --host "root@127.0.0.1:99999" >out 2>err &&
	test_grep "bad port" out
'

name=$(test_session_name ssh)
test_on_exit "paude delete $name --confirm --force; podman rm -f paude-$name paude-proxy-$name; podman volume rm -f paude-$name-workspace; podman network rm -f paude-net-$name"

test_expect_success 'list --host lists the host'"'"'s sessions over SSH, with a HOST column' '
	mkdir -p ws && cd ws && git init -q &&
	paude create "$name" --no-push >/dev/null 2>&1 &&
	paude list --host "$MAIN_HOST" >remote &&
	head -n 1 remote >head &&
	test_grep "^HOST  *NAME  *BACKEND  *STATE" head &&
	grep " $name " remote >row &&
	test_grep "^root@127.0.0.1:$MAIN_PORT  *$name  *podman  *created" row &&
	paude list --host "$MAIN_HOST" --json >json &&
	python3 -c "import json; s=[x for x in json.load(open(\"json\")) if x[\"name\"]==\"$name\"][0]; assert s[\"host\"]==\"root@127.0.0.1:$MAIN_PORT\", s" &&
	paude list --json >local &&
	python3 -c "import json; s=[x for x in json.load(open(\"local\")) if x[\"name\"]==\"$name\"][0]; assert \"host\" not in s, s" &&
	test_must_fail paude list --host "$MAIN_HOST" --backend openshift >out 2>&1 &&
	test_grep "cannot go with --backend openshift" out
'

test_expect_success 'list --host asks a running agent over SSH, not the local /proc' '
	cd ws &&
	paude start -d "$name" >/dev/null 2>&1 &&
	test_wait_for 60 sh -c "paude list --host $MAIN_HOST | grep -q \" $name .* running \"" &&
	paude -v -v list --host "$MAIN_HOST" >remote 2>trace &&
	test_grep "+ \[root@127.0.0.1:$MAIN_PORT\] exec podman exec .*paude-$name.* paude-session status" trace &&
	paude stop "$name" >/dev/null 2>&1
'

ssh_start nopodman "SetEnv PATH=/nonexistent" || exit 1
ssh_trust

test_expect_success 'a host without podman is a clear error' '
	test_must_fail paude doctor --host "$SSH_HOST" >out 2>err &&
	test_grep "^ok    ssh: logged in" out &&
	test_grep "FAIL  podman: .podman. not found on .root@127.0.0.1:$SSH_PORT. (is it installed there" out &&
	test_must_fail grep -q "container run" out
'

test_done
