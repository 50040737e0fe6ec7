#!/bin/bash
# A project's own environment from devcontainer.json, with dev container
# features pulled from a real OCI registry on loopback (Debian's
# docker-registry) that this test starts and publishes the features to:
# --dry-run shows the plan, fetches and builds nothing (it never touches the
# network), create fetches the features and builds the image with
# the features installed in the specified order, the session runs it, the
# second create reuses the cached image, --rebuild builds again, and a
# malformed file stops everything with its line number.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-registry.sh"

name=$(test_session_name byoc)
ctr="paude-$name"
registry_start anonymous || exit 1
# The image goes last: removing it first would take the container with it
# and leave paude delete nothing to find (and the network behind).
test_on_exit 'podman rmi -f "$(cat "$TRASH/image")"'
test_on_exit "paude delete $name --confirm; podman rm -f $ctr; podman volume rm -f $ctr-workspace"

# Feature "hello": writes its options and the build user to a file, puts a
# command on PATH through its containerEnv.
mkdir -p "$TRASH/hello" "$TRASH/after"
cat >"$TRASH/hello/devcontainer-feature.json" <<'JSON'
{
  // features may be JSONC too
  "id": "hello", "version": "1.2.3", "name": "Hello",
  "options": {
    "greeting": { "type": "string", "default": "hey" },
    "loud": { "type": "boolean", "default": false },
    "2nd-word": { "type": "string", "default": "two" }
  },
  "containerEnv": { "HELLO_HOME": "/opt/hello", "PATH": "/opt/hello/bin:${PATH}" }
}
JSON
cat >"$TRASH/hello/install.sh" <<'SH'
#!/bin/sh
set -eu
mkdir -p /opt/hello/bin
echo "greeting=$GREETING loud=$LOUD second=$_ND_WORD remote-user=$_REMOTE_USER" >/opt/hello/greeting
echo hello >>/opt/order
printf '#!/bin/sh\ncat /opt/hello/greeting\n' >/opt/hello/bin/hello
chmod 755 /opt/hello/bin/hello
SH
# Feature "after": must run after hello (installsAfter), though listed first.
cat >"$TRASH/after/devcontainer-feature.json" <<JSON
{ "id": "after", "version": "1.0.0", "name": "After",
  "installsAfter": [ "$REGISTRY/feat/hello" ] }
JSON
printf '#!/bin/sh\nset -eu\ntest -x /opt/hello/bin/hello\necho after >>/opt/order\n' >"$TRASH/after/install.sh"

test_expect_success 'the features are published to the local registry' '
	feature_publish "$TRASH/hello" feat/hello 1 >digest-hello &&
	feature_publish "$TRASH/after" feat/after 1 >digest-after &&
	curl -fsS --noproxy "*" "http://$REGISTRY/v2/feat/hello/tags/list" >tags &&
	test_grep "\"1\"" tags
'

# Test bodies run in $TRASH; paude runs in the project.
pw() { (cd "$TRASH/ws" && paude "$@"); }
dc=ws/.devcontainer/devcontainer.json
mkdir -p "$TRASH/ws/.devcontainer"
cat >"$TRASH/$dc" <<JSON
// as an editor writes it: comments and trailing commas
{
  "name": "byoc test",
  "image": "$PAUDE_BASE_IMAGE",
  "features": {
    "$REGISTRY/feat/after:1": {},
    "$REGISTRY/feat/hello:1": { "greeting": "hi there", "loud": true, },
  },
  "containerEnv": { "PROJECT_MODE": "test" },
  "postCreateCommand": "echo set up > /pvc/workspace/.setup-ran",
  "runArgs": [ "--privileged" ],
  /* a block comment */
}
JSON

test_expect_success 'dry run names the features and where from; fetches and builds nothing' '
	pw create --dry-run "$name" >out 2>err &&
	test_grep "^Using configuration: .*/.devcontainer/devcontainer.json" err &&
	test_grep "warning: .*runArgs.* is not applied" err &&
	test_grep "^Base: *$PAUDE_BASE_IMAGE" out &&
	test_grep "^Feature: *$REGISTRY/feat/after:1 (to fetch: registry $REGISTRY, repository feat/after, tag 1)" out &&
	test_grep "^Feature: *$REGISTRY/feat/hello:1 (to fetch: registry $REGISTRY, repository feat/hello, tag 1)" out &&
	test_grep "^ *greeting=hi there" out &&
	test_grep "^ *loud=true" out &&
	test_grep "^Setup: *postCreateCommand: sh -c" out &&
	test_grep "^# (2 features: fetched and added here by paude create)" out &&
	! test -e "$XDG_CACHE_HOME/paude/features" &&
	! podman container exists "$ctr"
'

test_expect_success 'create fetches the features and builds the image with them' '
	pw create "$name" 2>err &&
	test_grep "Fetching 2 features" err &&
	test_grep "Building image localhost/paude-custom:" err &&
	podman inspect --format "{{.ImageName}}" "$ctr" >image &&
	podman image exists "$(cat image)"
'
# shellcheck disable=SC2034 # used by the test bodies (eval)
image=$(cat "$TRASH/image" 2>/dev/null)

test_expect_success 'the feature layers are cached by digest' '
	ls "$XDG_CACHE_HOME/paude/features" >cached &&
	test "$(wc -l <cached)" = 2
'

test_expect_success 'the session runs the image and the features ran in order' '
	paude start --detach "$name" &&
	podman exec "$ctr" hello >greeting &&
	test_grep "^greeting=hi there loud=true second=two remote-user=paude$" greeting &&
	podman exec "$ctr" sh -c "echo \$HELLO_HOME" >hello-home &&
	test_grep "^/opt/hello$" hello-home &&
	podman exec "$ctr" cat /opt/order >order &&
	printf "hello\nafter\n" >expected &&
	cmp expected order &&
	podman exec "$ctr" id -u >uid &&
	test_grep "^1000$" uid &&
	podman exec "$ctr" sh -c "for t in claude git tmux; do command -v \$t; done" >tools &&
	test "$(wc -l <tools)" = 3
'

test_expect_success 'a second create reuses the cached image (no build, no download)' '
	paude delete "$name" --confirm &&
	pw create "$name" 2>err &&
	! test_grep "Building image" err &&
	podman inspect --format "{{.ImageName}}" "$ctr" >used &&
	test_grep "$image" used
'

test_expect_success '--rebuild builds again' '
	paude delete "$name" --confirm &&
	pw create --rebuild "$name" 2>err &&
	test_grep "Building image $image" err &&
	podman image exists "$image"
'

test_expect_success 'a malformed file is an error with its line, and nothing is built' '
	paude delete "$name" --confirm &&
	cp "$dc" good.json &&
	printf "{\n  \"image\": \"x\"\n  \"features\": {}\n}\n" >"$dc" &&
	test_must_fail pw create "$name" 2>err &&
	test_grep "devcontainer.json:3:.*malformed" err &&
	! test_grep "Building" err &&
	! podman container exists "$ctr" &&
	cp good.json "$dc"
'

test_expect_success 'a build context outside the project is refused' '
	printf "{\"build\": {\"dockerfile\": \"Dockerfile\", \"context\": \"../..\"}}"  \
		>"$dc" &&
	test_must_fail pw create --dry-run "$name" 2>err &&
	test_grep "outside the project" err &&
	cp good.json "$dc"
'

test_expect_success 'a feature missing from the registry is a clear error' '
	sed "s#feat/hello:1#feat/nope:1#" good.json >"$dc" &&
	test_must_fail pw create "$name" 2>err &&
	test_grep "feat/nope.*not found" err &&
	! test_grep "Building" err &&
	! podman container exists "$ctr" &&
	cp good.json "$dc"
'

test_done
