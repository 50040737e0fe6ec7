#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# Hostile and careless input for the remote-host transport (docs/REMOTE.md,
# git-remote-paude(1)), against the private sshd of lib-ssh.sh:
# - git addresses and --host values that try to inject options or shell
#   code in the user, host, port and name parts are refused before any
#   connection (the sshd logs no "Connection from"), and nothing runs (the
#   marker files they would create do not exist);
# - ~/.ssh/config: ProxyCommand / ProxyJump for a host named in a git
#   address are refused with the clear error, and nothing is started;
#   Match exec, LocalCommand and KnownHostsCommand are never executed;
# - a host whose login shell prints a banner on stdout and stderr (sshd
#   ForceCommand standing in for an echo in ~/.bashrc) does not corrupt
#   list's output or git's protocol;
# - one SSH login per paude process (list, doctor, git push; create --host
#   too), counted in the sshd's log (LogLevel VERBOSE).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ssh.sh"

ssh_start main || exit 1
ssh_trust
MAIN_DIR=$SSH_DIR MAIN_PORT=$SSH_PORT MAIN_HOST=$SSH_HOST MAIN_PID=$SSHD_PID

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main

X="$TRASH/x" # where an injected command would leave its marker
mkdir -p "$X"
nothing_ran() {
	if [ -n "$(ls -A "$X")" ]; then
		echo "something ran: $(ls -A "$X")" >&2
		return 1
	fi
}
# How many TCP connections / logins the main sshd has seen so far.
connections() { ssh_count "$MAIN_DIR" 'Connection from'; }
logins() { ssh_count "$MAIN_DIR" 'Accepted publickey for'; }

name=$(test_session_name sshbad)
ctr="paude-$name"
test_on_exit "paude delete $name --confirm --force; test_podman_rm $ctr; podman rm -f paude-proxy-$name; podman volume rm -f $ctr-workspace; podman network rm -f paude-net-$name"
P=$MAIN_PORT
# Each would run `touch $X/<n>` if any part reached a shell or an option parser.
hostile_urls=(
	"ssh://-oProxyCommand=touch\${IFS}$X/1/$name"
	"ssh://-oProxyCommand=touch $X/2/$name"
	"ssh://root@-oProxyCommand=touch\${IFS}$X/3/$name"
	"ssh://-oProxyCommand=touch\${IFS}$X/4@127.0.0.1:$P/$name"
	"ssh://root\$(touch\${IFS}$X/5)@127.0.0.1:$P/$name"
	"ssh://root\`touch\${IFS}$X/6\`@127.0.0.1:$P/$name"
	"ssh://root@127.0.0.1;touch\${IFS}$X/7:$P/$name"
	"ssh://root@127.0.0.1|touch\${IFS}$X/8/$name"
	"ssh://root@127.0.0.1:$P;touch\${IFS}$X/9/$name"
	"ssh://root@127.0.0.1:-oProxyCommand=touch\${IFS}$X/10/$name"
	"ssh://root@127.0.0.1:\$(touch\${IFS}$X/11)/$name"
	"ssh://root@[127.0.0.1;touch\${IFS}$X/12]:$P/$name"
	"ssh://root@127.0.0.1:$P/\$(touch\${IFS}$X/13)"
	"ssh://root@127.0.0.1:$P/$name;touch\${IFS}$X/14"
	"ssh://root@127.0.0.1:$P/\`touch\${IFS}$X/15\`"
	"ssh://root@127.0.0.1:$P/-oProxyCommand=touch\${IFS}$X/16"
	"ssh://root@127.0.0.1:$P/podman/$name&&touch\${IFS}$X/17"
	"ssh://root@127.0.0.1:$P/$name%0atouch\${IFS}$X/18"
	"ssh://root@127.0.0.1:$P/$name	touch $X/19"
)
hostile_hosts=(
	"-oProxyCommand=touch $X/20"
	"root@-oProxyCommand=touch\${IFS}$X/21"
	"-l root@127.0.0.1:$P"
	"root\$(touch $X/22)@127.0.0.1:$P"
	"root\`touch $X/23\`@127.0.0.1:$P"
	"root;touch\${IFS}$X/24@127.0.0.1:$P"
	"root@127.0.0.1:$P;touch $X/25"
	"root@127.0.0.1:$P\$(touch $X/26)"
	"root@127.0.0.1 -oProxyCommand=touch${X}/27"
	"root@127.0.0.1:-$P"
)
hostile_names=(
	"a;touch $X/30"
	"a\$(touch $X/31)"
	"a\`touch $X/32\`"
	"-oProxyCommand=touch $X/33"
	"a|touch $X/34"
	"a&&touch $X/35"
	"a b"
)

test_expect_success 'set-up: a session created here, started, its workspace prepared' '
	mkdir -p repo && cd repo && git init -q &&
	echo one >f && git add f && git commit -q -m one &&
	paude create "$name" --no-push --allowed-domains ssh-bad-test.invalid >/dev/null 2>err &&
	paude start -d "$name" </dev/null >/dev/null 2>err &&
	paude remote add --push "$name" >/dev/null 2>err &&
	git ls-remote "paude::ssh://$MAIN_HOST/$name" >refs &&
	test_grep "$(git rev-parse HEAD)	refs/heads/main" refs
'

test_expect_success 'git addresses with options or shell code in any part are refused before connecting' '
	cd repo && c0=$(connections) &&
	for u in "${hostile_urls[@]}"; do
		test_must_fail git push "paude::$u" main >out 2>err || return 1
		grep -q "^git-remote-paude: error: .*\(invalid session\|bad host\|bad port\|bad character\|may not start\)" err ||
			{ echo "for $u:"; cat err; return 1; }
		test_must_fail git ls-remote "paude::$u" >out 2>err || return 1
	done &&
	test_equal "$c0" "$(connections)" && nothing_ran
'

test_expect_success '--host values with options or shell code are refused before connecting' '
	c0=$(connections) &&
	for h in "${hostile_hosts[@]}"; do
		test_must_fail paude list --host "$h" >out 2>&1 || return 1
		grep -q "bad host\|bad port\|empty host\|bad user" out || { echo "for $h:"; cat out; return 1; }
		test_must_fail paude doctor --host "$h" >out 2>&1 || return 1
	done &&
	test_equal "$c0" "$(connections)" && nothing_ran
'

test_expect_success 'session names with shell metacharacters are refused, remote or local' '
	cd repo && c0=$(connections) &&
	for n in "${hostile_names[@]}"; do
		test_must_fail git push "paude::ssh://$MAIN_HOST/$n" main >out 2>err || return 1
		test_grep "invalid session" err || { echo "for $n:"; cat err; return 1; }
		test_must_fail paude connect --host "$MAIN_HOST" -- "$n" </dev/null >out 2>&1 || return 1
		grep -q "invalid session name\|session name is too long" out || { echo "for $n:"; cat out; return 1; }
	done &&
	test_equal "$c0" "$(connections)" && nothing_ran
'

test_expect_success 'ProxyCommand or ProxyJump for a host in a git address: the clear error, nothing started' '
	cd repo &&
	cat >"$HOME/.ssh/config" <<-EOF &&
	Host evil-box
	  HostName 127.0.0.1
	  Port $MAIN_PORT
	  User root
	  ProxyCommand touch $X/40
	Host jump-box
	  HostName 127.0.0.1
	  Port $MAIN_PORT
	  ProxyJump root@127.0.0.1:$MAIN_PORT
	Host *
	  ProxyCommand sh -c "touch $X/41"
	EOF
	c0=$(connections) && st=0 &&
	{ test_must_fail git push "paude::ssh://evil-box/$name" main >out 2>err1 &&
	  test_must_fail git fetch "paude::ssh://jump-box/$name" >out 2>err2 &&
	  test_must_fail git ls-remote "paude::ssh://root@127.0.0.1:$MAIN_PORT/$name" >out 2>err3 &&
	  test_must_fail paude list --host evil-box >out 2>err4 || st=1; } &&
	rm -f "$HOME/.ssh/config" && [ $st -eq 0 ] &&
	test_grep "^git-remote-paude: error: .*line 5: ProxyCommand is not supported by paude for host .evil-box." err1 &&
	test_grep "^git-remote-paude: error: .*line 9: ProxyJump is not supported by paude for host .jump-box." err2 &&
	test_grep "^git-remote-paude: error: .*line 11: ProxyCommand is not supported by paude for host .127.0.0.1." err3 &&
	test_grep "line 5: ProxyCommand is not supported by paude" err4 &&
	test_equal "$c0" "$(connections)" && nothing_ran
'

test_expect_success 'Match exec, LocalCommand and KnownHostsCommand in ~/.ssh/config are never run' '
	cd repo &&
	cat >"$HOME/.ssh/config" <<-EOF &&
	Match exec "touch $X/50"
	  User nobody
	  Port 1
	Match host box-ok exec "touch $X/51"
	  IdentityFile $X/none
	Host box-ok
	  HostName 127.0.0.1
	  Port $MAIN_PORT
	  User root
	  PermitLocalCommand yes
	  LocalCommand touch $X/52
	  KnownHostsCommand /bin/sh -c "touch $X/53"
	  RemoteCommand touch $X/54
	EOF
	st=0 &&
	{ git ls-remote "paude::ssh://box-ok/$name" >refs 2>err &&
	  paude list --host box-ok >list 2>err || st=1; } &&
	rm -f "$HOME/.ssh/config" && [ $st -eq 0 ] &&
	test_grep "refs/heads/main" refs &&
	test_grep "^box-ok  *$name " list &&
	nothing_ran
'

test_expect_success 'one SSH login per process: list --host, doctor --host, git push and fetch' '
	cd repo &&
	l0=$(logins) && paude list --host "$MAIN_HOST" >/dev/null && test_equal $((l0 + 1)) "$(logins)" &&
	l0=$(logins) && paude doctor --host "$MAIN_HOST" >/dev/null && test_equal $((l0 + 1)) "$(logins)" &&
	echo two >f && git commit -q -am two &&
	l0=$(logins) && git push -q "paude::ssh://$MAIN_HOST/$name" main 2>err && test_equal $((l0 + 1)) "$(logins)" &&
	l0=$(logins) && git fetch -q "paude::ssh://$MAIN_HOST/$name" main 2>err && test_equal $((l0 + 1)) "$(logins)"
'

test_on_exit "paude delete ${name}c --confirm --force; test_podman_rm paude-${name}c; podman rm -f paude-proxy-${name}c; podman volume rm -f paude-${name}c-workspace; podman network rm -f paude-net-${name}c"
test_expect_success 'paude create --host pays one SSH login' '
	cd repo && l0=$(logins) &&
	paude create "${name}c" --host "$MAIN_HOST" --no-push --allowed-domains ssh-bad-test.invalid >out 2>&1 &&
	test_equal $((l0 + 1)) "$(logins)" &&
	paude delete "${name}c" --confirm --force >/dev/null 2>&1
'

# A host whose login shell prints a banner first, on stdout and on stderr,
# as an echo in ~/.bashrc does (bash reads it for sshd's commands);
# "0000" is a git flush packet, and neither line is JSON.
ssh_start banner 'ForceCommand echo "Welcome to the box"; echo 0000; echo "banner on stderr" >&2; eval "$SSH_ORIGINAL_COMMAND"' || exit 1
ssh_trust
BANNER_HOST=$SSH_HOST

test_expect_success 'a login shell banner corrupts neither list --host (table, JSON) nor git over SSH' '
	cd repo &&
	ssh -p "$SSH_PORT" -i "$HOME/.ssh/id_ed25519" -o UserKnownHostsFile="$HOME/.ssh/known_hosts" \
		-o BatchMode=yes root@127.0.0.1 true >banner 2>&1 &&
	test_grep "^Welcome to the box" banner &&
	paude list --host "$BANNER_HOST" >list 2>err &&
	test_grep "^HOST  *NAME" list && test_must_fail grep -q "Welcome\|^0000" list &&
	test_grep "^root@127.0.0.1:$SSH_PORT  *$name  *podman " list &&
	paude list --host "$BANNER_HOST" --json >json 2>err &&
	python3 -c "import json; s=[x for x in json.load(open(\"json\")) if x[\"name\"]==\"$name\"][0]; assert s[\"host\"]==\"root@127.0.0.1:$SSH_PORT\", s" &&
	echo three >f && git commit -q -am three &&
	git push -q "paude::ssh://$BANNER_HOST/$name" main 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(podman exec "$ctr" git -C /pvc/workspace rev-parse main)" &&
	git ls-remote "paude::ssh://$BANNER_HOST/$name" >refs 2>err &&
	test_equal "$(git rev-parse HEAD)	refs/heads/main" "$(grep refs/heads/main refs)" &&
	rm -rf clone && git clone -q "paude::ssh://$BANNER_HOST/$name" clone 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(git -C clone rev-parse HEAD)"
'

ssh_start bannernp 'SetEnv PATH=/nonexistent' 'ForceCommand echo "Welcome to the box"; echo 0000; eval "$SSH_ORIGINAL_COMMAND"' || exit 1
ssh_trust

test_expect_success 'a banner host without podman still gives the clear error' '
	test_must_fail paude doctor --host "$SSH_HOST" >out 2>err &&
	test_grep "^ok    ssh: logged in" out &&
	test_grep "FAIL  podman: .podman. not found on .root@127.0.0.1:$SSH_PORT. (is it installed there" out &&
	test_must_fail grep -q "Welcome" out &&
	test_must_fail paude list --host "$SSH_HOST" >out 2>&1 &&
	test_grep "podman. not found on .root@127.0.0.1:$SSH_PORT." out
'

test_done
