#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# A session made with `paude create --host` is found by name afterwards
# (docs/REMOTE.md): the local index records its host, and list, start,
# status, connect, stop, delete and git's paude::NAME go there over SSH
# without --host. The private sshd (lib-ssh.sh) logs in to this machine's
# podman as root, so the "remote" container is also this machine's: the
# traces (-v -v) show each command ran over the connection. Also: the name
# is taken everywhere, a host that cannot be reached is a warning in the
# list, and a session gone from its host is a stale entry to forget.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ssh.sh"

ssh_start main || exit 1
ssh_trust
MAIN_PORT=$SSH_PORT MAIN_HOST=$SSH_HOST MAIN_PID=$SSHD_PID
# The host's part of a trace line: what ran over the connection.
OVER="+ \[root@127.0.0.1:$MAIN_PORT\] exec podman"

name=$(test_session_name byname)
ctr="paude-$name"
other=$(test_session_name byname2)
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
git init -q -b main && git config user.email t@example.com && git config user.name t &&
	echo one >file && git add file && git commit -q -m one
T="tmux -L paude-byname-$$ -f /dev/null"
for n in "$name" "$other"; do
	test_on_exit "paude delete $n --confirm --force; test_podman_rm paude-$n; podman rm -f paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done
test_on_exit "$T kill-server"
INDEX="$HOME/.local/state/paude/sessions.json"
[ -z "$XDG_STATE_HOME" ] || INDEX="$XDG_STATE_HOME/paude/sessions.json"

test_expect_success 'create --host records the host, pushes the code over SSH' '
	{
		cd "$TRASH/ws" &&
		paude -v -v create --host "$MAIN_HOST" "$name" --allowed-domains allowed.test \
			>out 2>err &&
		test_grep "$OVER create .*--name $ctr " err &&
		python3 -c "import json,sys; e=json.load(open(sys.argv[1]))[\"sessions\"][sys.argv[2]]; assert e == {\"backend\": \"podman\", \"host\": sys.argv[3]}, e" \
			"$INDEX" "$name" "$MAIN_HOST" &&
		test_equal "$(git remote get-url "paude-$name")" "paude::$name" &&
		test_grep "Created session .$name." err
	} || show_err
'

test_expect_success 'list (no --host) shows it once, with its host' '
	paude list >list 2>err &&
	test_grep "^HOST  *NAME  *BACKEND" list &&
	test_equal "$(grep -c " $name " list)" 1 &&
	test_grep "^root@127.0.0.1:$MAIN_PORT  *$name  *podman  *stopped " list &&
	paude list --json >json &&
	python3 -c "import json,sys; s=[x for x in json.load(open(\"json\")) if x[\"name\"]==sys.argv[1]]; assert len(s)==1 and s[0][\"host\"]==sys.argv[2], s" "$name" "$MAIN_HOST"
'

test_expect_success 'start -d and status by name run on the host' '
	{
		paude -v -v start -d "$name" </dev/null >out 2>err &&
		test_grep "$OVER start .*$ctr" err &&
		test_wait_for 60 sh -c "paude status $name | grep -q running" &&
		paude -v -v status "$name" >out 2>err &&
		test_grep "$OVER" err
	} || show_err
'

test_expect_success 'git: clone, push and fetch through paude::NAME go over SSH' '
	{
		cd "$TRASH/ws" &&
		PAUDE_LOG=trace git clone -q "paude::$name" "$TRASH/clone" 2>err &&
		test_grep "$OVER exec .*$ctr.* git-upload-pack" err &&
		test_equal "$(git -C "$TRASH/clone" log -1 --format=%s)" one &&
		echo two >>file && git commit -q -am two &&
		PAUDE_LOG=trace git push -q "paude-$name" main:feature 2>err &&
		test_grep "$OVER exec .*$ctr.* git-receive-pack" err &&
		test_equal "$(podman exec "$ctr" git -C /pvc/workspace rev-parse feature)" "$(git rev-parse HEAD)" &&
		git -C "$TRASH/clone" fetch -q origin feature &&
		test_equal "$(git -C "$TRASH/clone" rev-parse FETCH_HEAD)" "$(git rev-parse HEAD)"
	} || show_err
'

attached() { [ -n "$(podman exec "$ctr" tmux list-clients -F '#{client_tty}' 2>/dev/null)" ]; }
not_attached() { ! attached; }

test_expect_success 'connect by name attaches through the host; Ctrl-b d detaches' '
	$T new-session -d -s c -x 150 -y 40 "paude connect $name; echo CONNECT-EXIT=\$?; sleep 600" &&
	test_wait_for 60 attached &&
	test_grep "Starting session: command on pts/[0-9]* for root from 127.0.0.1" "$TRASH/sshd-main/log" &&
	$T send-keys -t c C-b d &&
	test_wait_for 20 not_attached &&
	test_wait_for 20 sh -c "$T capture-pane -p -t c | grep -q CONNECT-EXIT=0"
'

test_expect_success 'the name is taken: here, and on the host again' '
	cd "$TRASH/ws" &&
	test_must_fail paude create "$name" --no-push >out 2>err &&
	test_grep "session .$name. already exists on host .$MAIN_HOST." err &&
	test_must_fail paude create --host "$MAIN_HOST" "$name" --no-push >out 2>err &&
	test_grep "already exists" err
'

test_expect_success 'a host that cannot be reached: a warning; the list still answers' '
	kill "$MAIN_PID" &&
	test_wait_for 10 sh -c "! kill -0 $MAIN_PID 2>/dev/null" &&
	paude list >list 2>err &&
	test_grep "cannot list the sessions on host .$MAIN_HOST.: " err &&
	test_must_fail grep -q "^root@" list &&
	test_must_fail paude stop "$name" >out 2>err &&
	test_grep "$MAIN_PORT" err
'

# The same sshd again: its configuration (port, host key) is unchanged.
/usr/sbin/sshd -D -e -f "$TRASH/sshd-main/sshd_config" >>"$TRASH/sshd-main/log" 2>&1 &
MAIN_PID=$!
test_on_exit "kill $MAIN_PID"
test_wait_for 10 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$MAIN_PORT) 2>/dev/null"

test_expect_success 'stop and delete by name, on the host; the index forgets it' '
	{
		paude -v -v stop "$name" >out 2>err &&
		test_grep "$OVER stop .*$ctr" err &&
		paude -v -v delete "$name" --confirm --force >out 2>err &&
		test_grep "$OVER rm .*$ctr" err &&
		test_must_fail podman container exists "$ctr" &&
		python3 -c "import json,sys; assert sys.argv[2] not in json.load(open(sys.argv[1]))[\"sessions\"]" "$INDEX" "$name"
	} || show_err
'

test_expect_success 'a session gone from its host: a stale entry, forgotten by delete' '
	{
		cd "$TRASH/ws" &&
		paude create --host "$MAIN_HOST" "$other" --no-push >out 2>err &&
		podman rm -f "paude-$other" "paude-proxy-$other" >/dev/null &&
		test_must_fail paude status "$other" >out 2>err &&
		test_grep "session .$other. is recorded on host .$MAIN_HOST. but is gone from it (forget it with: paude delete $other --confirm)" err &&
		paude delete "$other" --confirm >out 2>err &&
		test_grep "already gone from its host; forgot it" err &&
		python3 -c "import json,sys; assert sys.argv[2] not in json.load(open(sys.argv[1]))[\"sessions\"]" "$INDEX" "$other"
	} || show_err
'

test_done
