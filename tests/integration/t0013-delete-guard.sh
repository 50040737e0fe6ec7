#!/bin/bash
# delete keeps the agent's work: it refuses, naming branches and commit
# counts, while the session holds commits the local repository lacks (also
# when the session is stopped); --force overrides. A session whose container
# was removed by hand is still deleted by name: volume, proxy and network.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name guard)
gone=$(test_session_name gone)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
git init -q -b main . && git config user.email t@example.invalid && git config user.name t &&
	echo one >f && git add f && git commit -q -m one
for n in "$name" "$gone"; do
	test_on_exit "paude delete $n --confirm --force; podman rm -f paude-$n paude-proxy-$n; podman volume rm -f paude-$n-workspace; podman network rm -f paude-net-$n"
done

commit_in_session() {
	podman exec "$ctr" git -C /pvc/workspace -c user.email=a@b.invalid -c user.name=a \
		commit -q --allow-empty -m "$1"
}

test_expect_success 'delete refuses while the session holds commits the repository lacks' '
	cd "$TRASH/ws" &&
	paude create "$name" --no-push >/dev/null 2>&1 &&
	paude start -d "$name" >/dev/null 2>&1 &&
	paude remote add --push "$name" >/dev/null 2>&1 &&
	commit_in_session two &&
	commit_in_session three &&
	test_must_fail paude delete "$name" --confirm 2>err &&
	test_grep "holds commits that $TRASH/ws lacks: main (2 commits)" err &&
	test_grep "git pull paude-$name main" err &&
	test_grep "\-\-force" err &&
	podman container exists "$ctr" &&
	podman volume exists "$ctr-workspace"
'

test_expect_success 'pulled commits no longer count; a stopped session is checked too, and left stopped' '
	cd "$TRASH/ws" &&
	git pull -q --no-rebase --no-edit "paude-$name" main &&
	commit_in_session four &&
	paude stop "$name" >/dev/null &&
	test_must_fail paude delete "$name" --confirm 2>err &&
	test_grep "main (1 commit)" err &&
	test "$(podman inspect -f "{{.State.Running}}" "$ctr")" = false
'

test_expect_success '--force deletes anyway' '
	paude delete "$name" --confirm --force 2>err &&
	! podman container exists "$ctr" &&
	! podman volume exists "$ctr-workspace" &&
	! podman network exists "paude-net-$name"
'

test_expect_success 'a session whose container was removed by hand is deleted by name' '
	cd "$TRASH/ws" &&
	paude create "$gone" --no-push >/dev/null 2>&1 &&
	test_podman_rm "paude-$gone" &&
	test_must_fail paude delete "$gone" 2>err &&
	test_grep "no container, but its workspace volume, proxy or network is left" err &&
	paude delete "$gone" --confirm 2>err &&
	test_grep "removed its workspace volume, proxy and network" err &&
	! podman volume exists "paude-$gone-workspace" &&
	! podman container exists "paude-proxy-$gone" &&
	! podman network exists "paude-net-$gone" &&
	test_must_fail paude delete "$gone" --confirm 2>err &&
	test_grep "not found" err
'

test_done
