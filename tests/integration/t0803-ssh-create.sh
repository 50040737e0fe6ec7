#!/bin/bash
# paude create --host (docs/REMOTE.md): the session is made by the host's
# Podman over SSH (the private sshd of lib-ssh.sh; the "remote" is this
# machine's podman, logged in as root, with its own XDG_DATA_HOME and
# TMPDIR under $TRASH, and a HOME that is not the test's). The client's
# files reach it as copies streamed over the connection: ~/.gitconfig and
# the CA bundle (bind-mounted from the session's directory on the host),
# the seccomp profile derived from the host's default one (in force: no
# user namespaces inside), the env files; the code goes in with git over
# SSH. A killed-off create leaves nothing; no staging directory outlives a
# paude process.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ssh.sh"

remote="$TRASH/remote"
mkdir -p "$remote/data" "$remote/tmp"
ssh_start main "SetEnv XDG_DATA_HOME=$remote/data TMPDIR=$remote/tmp" || exit 1
ssh_trust

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main
# Only the client has these.
git config --global paude.origin "the client's gitconfig"
{
	echo "# the client's CA bundle"
	cat /etc/ssl/certs/ca-certificates.crt
} >"$TRASH/client-ca.pem"
export PAUDE_CA_BUNDLE="$TRASH/client-ca.pem"

name=$(test_session_name rcreate)
ctr="paude-$name"
# shellcheck disable=SC2034 # used in the test bodies (eval)
sessdir="$remote/data/paude/sessions/$name"
test_on_exit "paude delete $name --confirm --force; test_podman_rm $ctr; podman rm -f paude-proxy-$name; podman volume rm -f $ctr-workspace; podman network rm -f paude-net-$name"
session_git() { podman exec "$ctr" git -C /pvc/workspace "$@"; }
no_staging_left() { [ -z "$(ls -A "$remote/tmp")" ]; }

mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
echo "print('hello')" >main.py
git add main.py
git commit -q -m first

test_expect_success 'create --host: the host makes the session, with the code pushed over SSH' '
	{
		cd "$TRASH/repo" &&
		PAUDE_LOG=debug paude create --host "$SSH_HOST" "$name" --allowed-domains ssh-create-test.invalid >out 2>err &&
		test_grep "+ \[root@127.0.0.1:$SSH_PORT\] exec podman create --pull=never --name $ctr " err &&
		test_grep "Pushed .main. to session .$name." err &&
		test_grep "+ git -C $TRASH/repo push --porcelain -- paude-$name " err &&
		test_equal "$(git config remote.paude-$name.url)" "paude::$name" &&
		no_staging_left
	} || show_err
'

test_expect_success 'paude list --host shows it on that host' '
	paude list --host "$SSH_HOST" >out 2>err &&
	test_grep "^root@127.0.0.1:$SSH_PORT  $name " out
'

test_expect_success 'the podman there was given no path of the client' '
	grep "exec podman create --pull=never --name $ctr " "$TRASH/repo/err" >create &&
	! grep -q "$TRASH/home\|$TRASH/client-ca.pem" create &&
	test_grep "\-\-env-file=$remote/tmp/paude-staging\.[^/ ]*/[0-9]*/paude-env-" create &&
	test_grep "\-\-security-opt=seccomp=$remote/tmp/paude-staging\.[^/ ]*/[0-9]*/paude-seccomp-" create &&
	test_grep "\-\-mount=type=bind,source=$sessdir/[^/ ]*/\.gitconfig,target=/home/paude/.gitconfig" create &&
	test_grep "\-\-mount=type=bind,source=$sessdir/[^/ ]*/client-ca\.pem," create
'

test_expect_success 'started: the pushed code, the config copy, and the client'"'"'s gitconfig and CA bundle from the host'"'"'s copies' '
	mkdir -p "$HOME/.claude" &&
	echo "the client'"'"'s claude config" >"$HOME/.claude/paude-t0803-marker" &&
	paude start -d "$name" </dev/null >/dev/null 2>err &&
	test_equal "the client'"'"'s claude config" "$(podman exec "$ctr" cat /home/paude/.claude/paude-t0803-marker)" &&
	test_equal "$(git -C "$TRASH/repo" rev-parse HEAD)" "$(session_git rev-parse HEAD)" &&
	podman inspect --format "{{range .Mounts}}{{.Source}} {{end}}" "$ctr" >mounts &&
	test_grep "$sessdir/" mounts &&
	! grep -q "$TRASH/home\|$TRASH/client-ca" mounts &&
	test_equal "the client'"'"'s gitconfig" "$(podman exec "$ctr" git config --global paude.origin)" &&
	podman exec "$ctr" sh -c "cat \"\$SSL_CERT_FILE\"" >ca &&
	cmp ca "$TRASH/client-ca.pem" &&
	test_equal 700 "$(stat -c %a "$sessdir")"
'

test_expect_success 'the seccomp profile derived from the host'"'"'s is in force: no user namespaces' '
	test_must_fail podman exec "$ctr" unshare -Urn true 2>err &&
	test_grep "Operation not permitted" err &&
	podman inspect --format "{{.HostConfig.SecurityOpt}}" "$ctr" >secopt &&
	test_grep "seccomp" secopt
'

test_expect_success 'git push paude-NAME (found by name) and paude::ssh://HOST/NAME reach it' '
	cd "$TRASH/repo" &&
	echo "VERSION = 2" >version.py && git add version.py && git commit -q -m second &&
	git push -q "paude-$name" main 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)" &&
	echo "VERSION = 3" >version.py && git commit -q -am third &&
	git push -q "paude::ssh://$SSH_HOST/$name" main 2>err &&
	test_equal "$(git rev-parse HEAD)" "$(session_git rev-parse HEAD)"
'

test_expect_success 'a failed create --host leaves nothing behind' '
	bad=$(test_session_name rbad) &&
	test_must_fail env PAUDE_IMAGE=localhost/paude-no-such-image:t0803 \
		paude create --host "$SSH_HOST" --no-push "$bad" --allowed-domains ssh-create-test.invalid >out 2>err &&
	test_grep "cannot create container .paude-$bad." err &&
	! podman container exists "paude-$bad" &&
	! podman container exists "paude-proxy-$bad" &&
	! podman volume exists "paude-$bad-workspace" &&
	! podman network exists "paude-net-$bad" &&
	! test -e "$remote/data/paude/sessions/$bad" &&
	no_staging_left
'

test_expect_success 'create --host: what cannot go with it is a usage error' '
	test_must_fail paude create --host "$SSH_HOST" --mount-workspace x >out 2>err &&
	test_grep "\-\-mount-workspace cannot go with --host" err &&
	test_must_fail paude create --host "$SSH_HOST" --backend openshift x >out 2>err &&
	test_grep "\-\-host creates the session on a host.s Podman: it cannot go with --backend openshift" err &&
	! test -e "$remote/data/paude/sessions/x"
'

test_expect_success 'delete (by name, over SSH) removes the session'"'"'s files on the host too' '
	test -d "$sessdir" &&
	PAUDE_LOG=debug paude delete "$name" --confirm --force >/dev/null 2>err &&
	test_grep "+ \[root@127.0.0.1:$SSH_PORT\] exec podman rm --force --ignore --time 10 $ctr" err &&
	! podman container exists "$ctr" &&
	! test -e "$sessdir" &&
	test -d "$remote/data/paude/sessions" &&
	no_staging_left
'

# A project's own image, built by the host's podman from a context streamed
# to it: FROM this tree's agent image, with a file of the context inside.
dname=$(test_session_name rdev)
dctr="paude-$dname"
test_on_exit "paude delete $dname --confirm --force; test_podman_rm $dctr; podman rm -f paude-proxy-$dname; podman volume rm -f $dctr-workspace; podman network rm -f paude-net-$dname; podman rmi -f \$(cat $TRASH/dimage) \$(cat $TRASH/duser)"
mkdir -p "$TRASH/plain" "$TRASH/dev/.devcontainer"
agent_image=$( (cd "$TRASH/plain" && paude create probe --dry-run 2>/dev/null) | sed -n "s/^Image: *\([^ ]*\).*/\1/p")
cat >"$TRASH/dev/.devcontainer/devcontainer.json" <<'JSON'
{ "build": { "dockerfile": "Dockerfile", "context": ".." } }
JSON
printf 'FROM %s\nUSER root\nCOPY in-context /etc/paude-t0803-context\n' \
	"${agent_image:-localhost/paude-base-os:bookworm}" >"$TRASH/dev/.devcontainer/Dockerfile"
echo "from the client's context $$" >"$TRASH/dev/in-context"

test_expect_success 'a devcontainer image is built on the host from the streamed context' '
	{
		(cd "$TRASH/dev" && PAUDE_LOG=debug paude create --host "$SSH_HOST" --no-push "$dname" --allowed-domains ssh-create-test.invalid) >out 2>err &&
		grep "exec podman build " err | head -n 1 >build &&
		sed -n "s/.* -t \(localhost\/paude-user:[0-9a-f]*\) .*/\1/p" build >"$TRASH/duser" &&
		test -s "$TRASH/duser" &&
		test_grep " -f $remote/tmp/paude-staging\.[^/ ]*/[0-9]*/dev/.devcontainer/Dockerfile " build &&
		! grep -q " $TRASH/dev" build &&
		podman inspect --format "{{.ImageName}}" "$dctr" >"$TRASH/dimage" &&
		paude start -d "$dname" </dev/null >/dev/null 2>err &&
		test_equal "from the client'"'"'s context $$" "$(podman exec "$dctr" cat /etc/paude-t0803-context)" &&
		no_staging_left
	} || show_err
'

test_done
