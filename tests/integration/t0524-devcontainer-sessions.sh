#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# Dev Container configurations as real projects write them, in real
# sessions: the legacy `dockerFile` and top-level `context` (its image built
# from that Dockerfile, with its context and build args); onCreateCommand,
# an object postCreateCommand (two named commands, in parallel) and a
# postStartCommand that run after the code arrived, in the spec's order,
# with remoteEnv (${containerEnv:PATH}); and the dev server that
# postStartCommand starts, reached from this host's loopback through
# `paude start --forward-ports` and `paude port-forward`, with nothing
# published and nothing listening on any other host address.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name dc)
ctr="paude-$name"
ws="$TRASH/proj"
port=$((20000 + $$ % 20000))
# shellcheck disable=SC2034 # used by the test bodies (eval)
hport=$((port + 1))
mkdir -p "$ws"
cat >"$ws/.devcontainer.json" <<JSON
{
  "onCreateCommand": "test -f \${containerWorkspaceFolder}/README && echo onCreate >>/pvc/order",
  "postCreateCommand": {
    "one": "sleep 1; test -f README && echo postCreate-one >>/pvc/order",
    "two": ["sh", "-c", "test -f README && echo postCreate-two >>/pvc/order"]
  },
  "postStartCommand": "echo postStart >>/pvc/order && echo \"\$EXTRA_PATH\" >/pvc/remote-env && nohup node server.js $port >/tmp/server.log 2>&1 </dev/null &",
  "remoteEnv": { "EXTRA_PATH": "\${containerEnv:PATH}:/opt/extra" },
  "forwardPorts": [$port]
}
JSON
echo "the project" >"$ws/README"
cat >"$ws/server.js" <<'JS'
require("http")
	.createServer((req, res) => res.end("hello from the session\n"))
	.listen(Number(process.argv[2]), "127.0.0.1");
JS
git -C "$ws" init -q -b main &&
	git -C "$ws" add -A &&
	git -C "$ws" -c user.name=t -c user.email=t@t commit -qm project ||
	exit 1
test_on_exit "paude port-forward --stop $name; paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"

# The lifecycle session runs on this tree's own agent and proxy images when
# paude already made them here (PAUDE_IMAGE, PAUDE_PROXY_IMAGE: its
# configuration applies all the same), else paude builds them. Only this
# tree's: an image another version of paude made need not fit this one.
mkdir -p "$TRASH/plain"
image_tag() {
	(cd "$TRASH/plain" && paude create probe --dry-run 2>/dev/null) |
		sed -n "s/^$1: *\([^ ]*\).*/\1/p"
}
agent_image=$(image_tag Image)
podman image exists "$agent_image" 2>/dev/null || agent_image=
proxy_image=$(image_tag Proxy)
podman image exists "$proxy_image" 2>/dev/null || proxy_image=
lc() {
	PAUDE_IMAGE="$agent_image" PAUDE_PROXY_IMAGE="$proxy_image" paude "$@"
}

# The legacy-dockerFile session: built from its own Dockerfile.
lname=$(test_session_name legacy)
lctr="paude-$lname"
lws="$TRASH/legacy"
mkdir -p "$lws/.devcontainer"
cat >"$lws/.devcontainer/devcontainer.json" <<'JSON'
{
  // legacy keys, as many large projects still write them
  "dockerFile": "Dockerfile",
  "context": "..",
  "build": { "args": { "GREETING": "hello from the legacy Dockerfile" } }
}
JSON
printf 'FROM %s\nARG GREETING\nUSER root\nRUN echo "$GREETING" >/etc/paude-legacy-marker\n' \
	"${agent_image:-localhost/paude-base-os:bookworm}" >"$lws/.devcontainer/Dockerfile"
echo "context file" >"$lws/in-context"
test_on_exit "paude delete $lname --confirm; podman rm -f $lctr paude-proxy-$lname; podman network rm -f paude-net-$lname; podman volume rm -f $lctr-workspace"

# curl the forward, retrying while the server starts (at most ~10 s)
fetch() {
	local i
	for i in $(seq 1 50); do
		curl -s --max-time 2 "http://127.0.0.1:$1/" && return 0
		sleep 0.2
	done
	return 1
}
# the local addresses listening on TCP port $1, one a line
listeners() {
	ss -ltnH "sport = :$1" | awk '{print $4}'
}

test_expect_success 'create: the lifecycle session' '
	{ (cd "$ws" && lc create --no-push "$name") 2>err || { cat err; false; }; } &&
	test_grep "Using configuration: $ws/.devcontainer.json" err &&
	! grep -q "warning" err
'

test_expect_success 'start: the lifecycle commands wait for the code' '
	lc start -d "$name" 2>err &&
	test_grep "The lifecycle commands of .$name. wait for its code" err &&
	test_grep "The configuration offers port $port: forward with: paude start --forward-ports $name" err &&
	! podman exec "$ctr" test -e /pvc/order
'

test_expect_success 'once the code is pushed they run, in order, the object form in parallel' '
	(cd "$ws" && lc remote add --push "$name") 2>err &&
	test_grep "Running onCreateCommand (in /pvc/workspace): test -f /pvc/workspace/README" err &&
	test_grep "Running postCreateCommand, in parallel (in /pvc/workspace): one: sleep 1" err &&
	test_grep "Running postCreateCommand, in parallel (in /pvc/workspace): two: test -f README" err &&
	test_grep "Running postStartCommand (in /pvc/workspace)" err &&
	test_grep "Lifecycle commands finished" err &&
	podman exec "$ctr" cat /pvc/order >order &&
	printf "onCreate\npostCreate-two\npostCreate-one\npostStart\n" >expected &&
	diff -u expected order
'

test_expect_success 'remoteEnv reaches the commands, ${containerEnv:PATH} resolved in the session' '
	test_equal "$(podman exec "$ctr" printenv PATH):/opt/extra" \
		"$(podman exec "$ctr" cat /pvc/remote-env)"
'

test_expect_success 'another start while it runs repeats nothing' '
	lc start -d "$name" 2>err &&
	! grep -q "Running" err &&
	test_equal 4 "$(podman exec "$ctr" sh -c "wc -l </pvc/order")"
'

test_expect_success 'start --forward-ports: the dev server answers on 127.0.0.1 only' '
	lc start -d --forward-ports "$name" 2>err &&
	test_grep "Forwarding 127.0.0.1:$port -> port $port in session .$name." err &&
	test_equal "hello from the session" "$(fetch "$port")" &&
	test_equal "127.0.0.1:$port" "$(listeners "$port")" &&
	paude port-forward --list >list &&
	test_grep "^$name 127.0.0.1:$port -> $port (pid [0-9]*)$" list
'

test_expect_success 'nothing is published and the session stays on its own network' '
	test -z "$(podman port "$ctr")" &&
	podman inspect "$ctr" --format "{{range \$k, \$v := .NetworkSettings.Networks}}{{\$k}} {{end}}" >nets &&
	test_equal "paude-net-$name" "$(tr -d " " <nets)"
'

test_expect_success 'a second start --forward-ports keeps the one forward' '
	lc start -d --forward-ports "$name" 2>err &&
	test_grep "Port $port of .$name. is already forwarded" err &&
	test_equal 1 "$(paude port-forward --list "$name" | wc -l)"
'

test_expect_success 'port-forward --stop ends it: nothing listens any more' '
	paude port-forward --stop "$name" 2>err &&
	test_grep "Stopped 1 port forward of session .$name." err &&
	for i in $(seq 1 25); do [ -z "$(listeners "$port")" ] && break; sleep 0.2; done &&
	test -z "$(listeners "$port")" &&
	test_must_fail curl -s --max-time 2 "http://127.0.0.1:$port/" &&
	test -z "$(paude port-forward --list 2>/dev/null)"
'

test_expect_success 'port-forward NAME PORT:HOST_PORT in the foreground, until Ctrl-C' '
	{ paude port-forward "$name" "$port:$hport" 2>fg-err & } &&
	pid=$! &&
	test_equal "hello from the session" "$(fetch "$hport")" &&
	test_equal "127.0.0.1:$hport" "$(listeners "$hport")" &&
	kill -INT "$pid" &&
	wait "$pid" &&
	test_grep "Forwarding 127.0.0.1:$hport -> port $port in session .$name." fg-err &&
	test -z "$(listeners "$hport")"
'

test_expect_success 'port-forward refuses bad ports and a port in use' '
	st=0 && paude port-forward "$name" 0 2>err || st=$? &&
	test_equal 2 "$st" &&
	test_grep "invalid port .0." err &&
	{ paude port-forward "$name" "$port:$hport" 2>/dev/null & } &&
	pid=$! &&
	fetch "$hport" >/dev/null &&
	test_must_fail paude port-forward "$name" "$port:$hport" 2>err &&
	test_grep "port 127.0.0.1:$hport is already in use" err &&
	kill -TERM "$pid" && wait "$pid"
'

test_expect_success 'after a restart postStartCommand runs again, the create commands do not' '
	paude stop "$name" &&
	lc start -d "$name" 2>err &&
	test_grep "Running postStartCommand" err &&
	! grep -q "Running postCreateCommand" err &&
	podman exec "$ctr" cat /pvc/order >order &&
	printf "onCreate\npostCreate-two\npostCreate-one\npostStart\npostStart\n" >expected &&
	diff -u expected order
'

test_expect_success 'a legacy dockerFile and top-level context build the session image' '
	{ (cd "$lws" && paude create "$lname" --rebuild) 2>err || { cat err; false; }; } &&
	test_grep "Using configuration: $lws/.devcontainer/devcontainer.json" err &&
	! grep -q "unknown property" err &&
	test_grep "Building image localhost/paude-custom:" err &&
	test_equal "hello from the legacy Dockerfile" \
		"$(podman exec "$lctr" cat /etc/paude-legacy-marker 2>/dev/null ||
			podman run --rm --entrypoint cat \
				"$(podman container inspect "$lctr" --format "{{.ImageName}}")" \
				/etc/paude-legacy-marker)"
'

test_done
