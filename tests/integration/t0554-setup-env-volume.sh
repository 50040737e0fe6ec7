#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# The default (volume) workspace with a devcontainer.json's
# postCreateCommand in its array form and containerEnv, with real podman:
# the array is an argv run with no shell (a file name with ';' and spaces
# arrives as one word), in the session's own workspace (the host tree is not
# touched), once, when the code has arrived there (pushed by `paude remote
# add --push`); containerEnv reaches the agent container and the setup.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name vol)
ctr="paude-$name"
ws="$TRASH/proj"
mkdir -p "$ws"
cat >"$ws/.devcontainer.json" <<'EOF'
{
  // JSONC, as editors write it
  "postCreateCommand": ["touch", "made by setup; $(not a shell)"],
  "containerEnv": { "PAUDE_TEST_GREETING": "hello from containerEnv", },
}
EOF
git -C "$ws" init -q -b main && git -C "$ws" add -A &&
	git -C "$ws" -c user.name=t -c user.email=t@t commit -qm config || exit 1
test_on_exit "paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"

test_expect_success 'create stores the setup argv and the volume mode in the labels' '
	(cd "$ws" && paude create --no-push "$name") 2>err &&
	test_grep "Using configuration: $ws/.devcontainer.json" err &&
	! grep -q "Shadowing venv" err &&
	paude list --json >json &&
	test_grep "\"workspace_mode\": \"volume\"" json &&
	test_grep "made by setup; \$(not a shell)" json
'

test_expect_success 'the first start, before the code is there, leaves the setup waiting' '
	paude start -d "$name" 2>err &&
	test_grep "The setup command of .$name. waits for its code" err &&
	test -z "$(podman exec "$ctr" ls -A /pvc/workspace)"
'

test_expect_success 'once pushed, the argv runs in the session workspace, with no shell' '
	(cd "$ws" && paude remote add --push "$name") 2>err &&
	test_grep "Running the setup command (once, in /pvc/workspace): touch " err &&
	test_grep "Setup command finished" err &&
	podman exec "$ctr" test -f "/pvc/workspace/made by setup; \$(not a shell)" &&
	podman exec "$ctr" test -f /pvc/workspace/.devcontainer.json
'

test_expect_success 'the host tree is not touched' '
	test_equal ".devcontainer.json .git" "$(ls -A "$ws" | tr "\n" " " | sed "s/ $//")"
'

test_expect_success 'containerEnv reaches the session' '
	test_equal "hello from containerEnv" "$(podman exec "$ctr" printenv PAUDE_TEST_GREETING)"
'

test_expect_success 'a restart does not run the setup again' '
	podman exec "$ctr" sh -c "rm /pvc/workspace/made*" &&
	paude stop "$name" &&
	paude start -d "$name" 2>err &&
	! grep -q "setup command" err &&
	! podman exec "$ctr" sh -c "ls /pvc/workspace/made*"
'

test_done
