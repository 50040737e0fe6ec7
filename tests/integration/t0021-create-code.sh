#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# create puts the code in: inside a git repository the current branch goes
# into the new session (as `paude remote add --push` does; remote
# paude-NAME is added), the session is left stopped, and the setup command
# runs at the first start, on that code. --no-push leaves the workspace
# empty; outside a repository create says how code gets in; a push that
# fails removes the whole session again.
. "$(dirname "$0")/lib.sh"

# A failing test shows what paude said.
name=$(test_session_name code)
nopush=$(test_session_name nopush)
plain=$(test_session_name plain)
broken=$(test_session_name broken)
ctr="paude-$name"
repo="$TRASH/repo"
mkdir -p "$repo" "$TRASH/plain"
cd "$repo" || exit 1
git init -q -b main . && git config user.email t@example.invalid && git config user.name t &&
	echo "hello from the repository" >app.txt &&
	printf '{ "setup": "test -f app.txt && cp app.txt /pvc/setup-saw" }\n' >paude.json &&
	git add -A && git commit -q -m one || exit 1
for n in "$name" "$nopush" "$plain" "$broken"; do
	test_on_exit "paude delete $n --confirm --force; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done

# This tree's own images (the first create below, outside the repository,
# builds them when missing), used as they are for the project's sessions:
# its paude.json then needs no image of its own (the setup command applies
# all the same).
image_tag() {
	(cd "$TRASH/plain" && paude create probe --dry-run 2>/dev/null) |
		sed -n "s/^$1: *\([^ ]*\).*/\1/p"
}
p() { PAUDE_IMAGE="$(image_tag Image)" PAUDE_PROXY_IMAGE="$(image_tag Proxy)" paude "$@"; }
test_expect_code() {
	local want="$1" rc=0
	shift
	"$@" || rc=$?
	[ "$rc" -eq "$want" ] || { echo "expected exit $want, got $rc: $*" >&2; return 1; }
}
leftovers() {
	podman container exists "paude-$1" || podman volume exists "paude-$1-workspace" ||
		podman container exists "paude-proxy-$1" || podman network exists "paude-net-$1"
}

test_expect_success 'outside a repository create says how code gets in' '
	{
		cd "$TRASH/plain" &&
		paude create "$plain" 2>err &&
		test_grep "code: none, as $TRASH/plain is not in a git repository" err &&
		test_grep "paude remote add --push $plain" err &&
		test_grep "mount-workspace" err &&
		paude delete "$plain" --confirm 2>/dev/null
	} || show_err
'

test_expect_success 'create in a repository puts the current branch into the session' '
	{
		cd "$repo" &&
		p create "$name" 2>err &&
		test_grep "Putting branch .main. into session .$name." err &&
		test_grep "Pushed .main. to session .$name." err &&
		! grep -q "code: none" err &&
		test_equal "paude::$name" "$(git config remote.paude-$name.url)" &&
		test_equal false "$(podman inspect -f "{{.State.Running}}" "$ctr")"
	} || show_err
'

test_expect_success 'the first start finds the code, and the setup command runs on it' '
	{
		cd "$repo" &&
		p start -d "$name" 2>err &&
		test_grep "Running the setup command (once, in /pvc/workspace): test -f app.txt" err &&
		test_grep "Setup command finished" err &&
		! grep -q "wait.* for its code" err &&
		test_equal "hello from the repository" "$(podman exec "$ctr" cat /pvc/setup-saw)" &&
		test_equal "$(git rev-parse HEAD)" "$(podman exec "$ctr" git -C /pvc/workspace rev-parse HEAD)" &&
		git pull -q "paude-$name" main
	} || show_err
'

test_expect_success '--no-push leaves the workspace empty and says how to push' '
	{
		cd "$repo" &&
		p create "$nopush" --no-push 2>err &&
		test_grep "code: none (--no-push); from your repository, push it with: paude remote add --push $nopush" err &&
		! grep -q "Putting branch" err &&
		test -z "$(git config remote.paude-$nopush.url)" &&
		p start -d "$nopush" 2>err &&
		test_grep "The setup command of .$nopush. waits for its code" err &&
		test -z "$(podman exec "paude-$nopush" ls -A /pvc/workspace)" &&
		paude delete "$nopush" --confirm 2>/dev/null
	} || show_err
'

test_expect_success 'a push that fails leaves nothing made, and the user remote untouched' '
	{
		cd "$repo" &&
		git remote add "paude-$broken" https://example.invalid/mine.git &&
		test_expect_code 1 p create "$broken" 2>err &&
		test_grep "cannot put branch .main. into session .$broken., so the session was removed again" err &&
		! leftovers "$broken" &&
		test_equal https://example.invalid/mine.git "$(git config remote.paude-$broken.url)" &&
		git remote remove "paude-$broken"
	} || show_err
'

test_done
