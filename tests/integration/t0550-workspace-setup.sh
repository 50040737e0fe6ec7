#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# The mounted workspace and the project's setup command, with real podman:
# `create --mount-workspace` bind-mounts the directory read-write, hides its
# venv behind an empty tmpfs (the host's venv is never touched), and
# `start` runs paude.json's "setup" once: a failure is reported with its
# exit status and the command, the next start says it runs it again, and
# once it has succeeded later starts skip it. The setup appends to a file
# in the (mounted) workspace, so the host counts its runs.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name mnt)
ctr="paude-$name"
ws="$TRASH/proj"
mkdir -p "$ws/.venv/bin" "$ws/src"
echo "home = /usr/bin" >"$ws/.venv/pyvenv.cfg"
echo "host python" >"$ws/.venv/bin/python"
echo "print('hi')" >"$ws/src/app.py"
# The setup fails until the file 'ready' exists.
cat >"$ws/paude.json" <<'EOF'
{
  "setup": "echo \"setup ran as $(id -u) in $(pwd)\" >>setup.log && test -e ready || exit 3"
}
EOF
# (Test bodies run in $TRASH: create runs in the project explicitly.)
# The agent never runs as root: the tree belongs to a user (uid 1000 here).
chown -R 1000:0 "$ws"
(cd "$ws" && find . -path ./setup.log -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum) \
	>"$TRASH/venv-before"
test_on_exit "paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"

runs() { grep -c "setup ran" "$ws/setup.log"; }

test_expect_success 'create --mount-workspace shadows the venv and says so' '
	(cd "$ws" && paude create "$name" --mount-workspace) 2>err &&
	test_grep "Using configuration: $ws/paude.json" err &&
	test_grep "^Shadowing venv: .venv$" err &&
	test_grep "(mounted read-write)" err &&
	paude list >list &&
	test_grep "^$name .* $ws (mounted)$" list &&
	paude list --json >json &&
	test_grep "\"workspace_mode\": \"mount\"" json
'

test_expect_success 'the first start runs the setup, reports its failure clearly, and stops there' '
	test_must_fail paude start -d "$name" 2>err &&
	test_grep "Running the setup command (once, in /pvc/workspace)" err &&
	test_grep "the setup command of session .$name. failed (exit 3): echo" err &&
	test_grep "it runs again at the next .paude start $name." err &&
	test_equal 1 "$(runs)" &&
	test_grep "setup ran as 1000 in /pvc/workspace" "$ws/setup.log"
'

test_expect_success 'the next start says it runs the failed setup again, and it succeeds' '
	touch "$ws/ready" &&
	paude start -d "$name" 2>err &&
	test_grep "The setup command failed last time; running it again" err &&
	test_grep "Setup command finished" err &&
	test_equal 2 "$(runs)"
'

test_expect_success 'later starts do not run the setup again' '
	podman exec "$ctr" touch /pvc/workspace/.venv/made-in-session &&
	paude stop "$name" &&
	paude start -d "$name" 2>err &&
	! grep -q "setup command" err &&
	test_grep "Note: venv directory .\.venv. is empty again after the restart" err &&
	test -z "$(podman exec "$ctr" ls -A /pvc/workspace/.venv)" &&
	paude start -d "$name" 2>err &&
	test_equal 2 "$(runs)"
'

test_expect_success 'the workspace is the host directory, both ways' '
	test_equal "print('"'"'hi'"'"')" "$(podman exec "$ctr" cat /pvc/workspace/src/app.py)" &&
	podman exec "$ctr" sh -c "echo from-session >/pvc/workspace/src/new.txt" &&
	test_equal from-session "$(cat "$ws/src/new.txt")" &&
	test_equal 1000 "$(stat -c %u "$ws/src/new.txt")"
'

test_expect_success 'inside, the venv is empty and writable; the host venv is untouched' '
	test -z "$(podman exec "$ctr" ls -A /pvc/workspace/.venv)" &&
	podman exec "$ctr" sh -c "mkdir /pvc/workspace/.venv/bin && printf \"#!/bin/sh\necho session venv\n\" >/pvc/workspace/.venv/bin/tool && chmod +x /pvc/workspace/.venv/bin/tool" &&
	test_equal "session venv" "$(podman exec "$ctr" /pvc/workspace/.venv/bin/tool)" &&
	test ! -e "$ws/.venv/bin/tool" &&
	test_equal "host python" "$(cat "$ws/.venv/bin/python")" &&
	(cd "$ws" && find . -path ./setup.log -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum) >after &&
	grep "\./\.venv/" "$TRASH/venv-before" >before.venv &&
	grep "\./\.venv/" after >after.venv &&
	test_equal "$(cat before.venv)" "$(cat after.venv)"
'

test_expect_success 'delete removes the session and leaves the host tree in place' '
	paude delete "$name" --confirm &&
	! podman container exists "$ctr" &&
	test -f "$ws/src/app.py" && test -f "$ws/.venv/pyvenv.cfg" && test -f "$ws/src/new.txt"
'

test_done
