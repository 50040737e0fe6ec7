#!/bin/bash
# paude.json: "packages" without a "base" go on paude's default base (here
# the offline one, $PAUDE_BASE_IMAGE), installed with the image's package
# manager; the session runs the result. An unknown property is a warning.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name pjson)
ctr="paude-$name"
# The image goes last: removing it first would take the container with it
# and leave paude delete nothing to find (and the network behind).
test_on_exit 'podman rmi -f "$(cat "$TRASH/image")"'
test_on_exit "paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"
mkdir -p "$TRASH/ws"
cat >"$TRASH/ws/paude.json" <<'JSON'
{
    "packages": ["jq", "make"],
    "setup": "make --version > /pvc/workspace/.setup-ran",
    "venv": "none",
    "colour": "blue"
}
JSON
pw() { (cd "$TRASH/ws" && paude "$@"); }

test_expect_success 'dry run: paude.json, the default base, the packages' '
	pw create --dry-run "$name" >out 2>err &&
	test_grep "^Using configuration: .*/ws/paude.json" err &&
	test_grep "warning: .*unknown property .colour." err &&
	test_grep "^Base: *$PAUDE_BASE_IMAGE$" out &&
	test_grep "^Packages: *jq make$" out &&
	test_grep "^Setup: *sh -c" out &&
	sed -n "s/^Image: *\(localhost\/paude-custom:[0-9a-f]*\)$/\1/p" out >image &&
	test -s image
'
# shellcheck disable=SC2034 # used by the test bodies (eval)
image=$(cat "$TRASH/image" 2>/dev/null)

test_expect_success 'create builds the image with the packages; the session has them' '
	pw create "$name" 2>err &&
	test_grep "Building image $image" err &&
	paude start --detach "$name" &&
	podman exec "$ctr" jq --version >jq &&
	test_grep "^jq-" jq &&
	podman exec "$ctr" sh -c "for t in make claude tmux git; do command -v \$t; done" >tools &&
	test "$(wc -l <tools)" = 4
'

test_expect_success 'the same configuration again: the cached image, no build' '
	paude delete "$name" --confirm &&
	pw create "$name" 2>err &&
	! test_grep "Building image" err &&
	podman inspect --format "{{.ImageName}}" "$ctr" >used &&
	test_grep "$image" used
'

test_done
