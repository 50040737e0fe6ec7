#!/bin/bash
# The cluster backend end to end against a stand-in oc/kubectl
# (tests/integration/bin-kube/oc): paude's real argv, the objects it
# applies, and a real podman container from the real agent image playing the
# pod (no network at all), so config sync, git through `oc exec -i`, stop,
# start and delete move real bytes. Then the cluster's errors: forbidden,
# namespace not found, not logged in, a session gone behind paude's back.
# No cluster is involved: what this cannot show is listed in docs/OPENSHIFT.md.
. "$(dirname "$0")/lib.sh"

export PATH="$SRC_DIR/tests/integration/bin-kube:$PATH"
export KUBE_FAKE_DIR="$TRASH/kube"
export KUBE_FAKE_NAMESPACES="paude-test,h6-team"
name=$(test_session_name kube)
pod="kubefake-h6-team-paude-$name-0"
vol="kubefake-h6-team-workspace-paude-$name-0"
test_on_exit "podman rm -f -t 0 $pod; podman volume rm -f $vol"
# What the stand-in's in-cluster builds tagged (tags only: the layers are
# local images'). `podman images --filter reference=` prints every name of a
# matching image, the agent image's too: keep only the stand-in's own tags.
test_on_exit "podman images --format {{.Repository}}:{{.Tag}} | grep '^localhost/kubefake-h6-team/' | xargs -r podman rmi"

# The real agent image paude builds (reused by hash when present).
agent_image() {
	(cd "$TRASH" && paude create probe --dry-run 2>/dev/null) |
		sed -n 's/^Image: *\([^ ]*\).*/\1/p'
}
image=${PAUDE_TEST_AGENT_IMAGE:-$(agent_image)}
if [ -z "$image" ]; then
	echo "Bail out! cannot tell the agent image"
	exit 1
fi
if ! podman image exists "$image"; then
	tmp="h6-$$-build"
	(cd "$TRASH" && paude create "$tmp" --allowed-domains all >/dev/null 2>&1)
	paude delete "$tmp" --confirm >/dev/null 2>&1
fi
export PAUDE_IMAGE="$image"
# The "host" CA bundle: a file of the test's own, to find again in the pod.
printf -- '-----BEGIN CERTIFICATE-----\nMIIBh7test\n-----END CERTIFICATE-----\n' >"$TRASH/ca.pem"
export PAUDE_CA_BUNDLE="$TRASH/ca.pem"
# Stored in the proxy Deployment only: the stand-in does not run the proxy.
export PAUDE_PROXY_IMAGE="localhost/paude-proxy:standin"

git config --global user.name "Paude Test"
git config --global user.email "test@paude.invalid"
git config --global init.defaultBranch main
mkdir -p "$HOME/.claude/plugins" "$HOME/.config/gcloud" "$HOME/.config/git"
echo '{"theme":"dark"}' >"$HOME/.claude/settings.json"
echo "secret history" >"$HOME/.claude/history.jsonl"
printf '{"plugins":{"p":{"installPath":"%s/.claude/plugins/p"}}}\n' "$HOME" \
	>"$HOME/.claude/plugins/installed_plugins.json"
echo '{"type":"authorized_user"}' >"$HOME/.config/gcloud/application_default_credentials.json"
echo "*.swp" >"$HOME/.config/git/ignore"
in_pod() { podman exec "$pod" "$@"; }

# A second session from a project with its own configuration.
bname="${name}-byoc"
bpod="kubefake-h6-team-paude-$bname-0"
bvol="kubefake-h6-team-workspace-paude-$bname-0"
test_on_exit "podman rm -f -t 0 $bpod; podman volume rm -f $bvol"
mkdir -p "$TRASH/byoc/.devcontainer"
cat >"$TRASH/byoc/.devcontainer/devcontainer.json" <<'EOF'
{
	// JSONC, as editors write it
	"image": "docker.io/library/debian:bookworm-slim",
	"containerEnv": { "PROJECT_MODE": "dev", "HTTPS_PROXY": "http://evil.invalid" },
	"postCreateCommand": "echo ran >>/pvc/setup-count",
	"runArgs": ["--privileged"],
}
EOF
obj() { echo "$KUBE_FAKE_DIR/objects/h6-team/$1.json"; }

mkdir -p "$TRASH/repo"
cd "$TRASH/repo" || exit 1
git init -q
echo "print('hello')" >main.py
git add main.py
git commit -q -m first

test_expect_success 'create --backend=kubernetes applies the objects, records the session' '
	paude create "$name" --backend=kubernetes --openshift-namespace=h6-team 2>err &&
	test -f "$(obj "StatefulSet.paude-$name")" &&
	test -f "$(obj "Deployment.paude-proxy-$name")" &&
	test -f "$(obj "Service.paude-proxy-$name")" &&
	test -f "$(obj "NetworkPolicy.paude-$name-agent")" &&
	test -f "$(obj "NetworkPolicy.paude-proxy-$name")" &&
	test_grep "10.96.0.10" "$(obj "StatefulSet.paude-$name")" &&
	test_grep authorized_user "$(obj "Secret.paude-proxy-$name-credentials")" &&
	test_grep "paude-proxy-$name-credentials" "$(obj "Deployment.paude-proxy-$name")" &&
	test_must_fail grep -e "paude-proxy-$name-credentials" -e authorized_user -e CLOUDSDK_CONFIG "$(obj "StatefulSet.paude-$name")" &&
	test_grep "\"namespace\": \"h6-team\"" "$HOME/.local/state/paude/sessions.json" &&
	test_grep "^oc --namespace=h6-team apply --filename=- --output=name" "$KUBE_FAKE_DIR/calls"
'

test_expect_success 'list shows the cluster session without --backend' '
	paude list >out &&
	test_grep "^$name  *openshift  *stopped" out &&
	paude list --json >json &&
	test_grep "\"location\": \"fake-ctx/h6-team\"" json
'

test_expect_success 'start finds it through the index and runs the pod, hardened' '
	paude start --detach "$name" </dev/null 2>err &&
	test "$(podman inspect -f "{{.State.Running}}" "$pod")" = true &&
	test "$(in_pod id -u)" = 1000 &&
	in_pod grep -q "^CapEff:[[:space:]]*0000000000000000" /proc/self/status &&
	in_pod grep -q "^NoNewPrivs:[[:space:]]*1" /proc/self/status &&
	in_pod paude-session status
'

test_expect_success 'config sync: no gcloud in the pod (the proxy pod holds it), the rest into home' '
	test_must_fail in_pod test -e /credentials/gcloud &&
	test_must_fail in_pod test -e /home/paude/.config/gcloud &&
	test_equal http://paude-proxy:8090/v1 "$(in_pod printenv ANTHROPIC_VERTEX_BASE_URL)" &&
	test_equal "{\"theme\":\"dark\"}" "$(in_pod cat /home/paude/.claude/settings.json)" &&
	test_must_fail in_pod test -e /home/paude/.claude/history.jsonl &&
	in_pod grep -q "/home/paude/.claude/plugins/p" \
		/home/paude/.claude/plugins/installed_plugins.json &&
	test_equal "*.swp" "$(in_pod cat /home/paude/.config/git/ignore)" &&
	in_pod grep -q "Paude Test" /home/paude/.gitconfig
'

test_expect_success 'the host CA bundle: a ConfigMap, mounted read-only, the variables set' '
	test_grep "BEGIN CERTIFICATE" "$(obj "ConfigMap.paude-$name-ca")" &&
	test_equal "$(cat "$TRASH/ca.pem")" "$(in_pod cat /etc/paude/ca-bundle.crt)" &&
	test_must_fail in_pod sh -c ": >>/etc/paude/ca-bundle.crt" 2>/dev/null &&
	for v in SSL_CERT_FILE NODE_EXTRA_CA_CERTS GIT_SSL_CAINFO REQUESTS_CA_BUNDLE CURL_CA_BUNDLE; do
		test_equal /etc/paude/ca-bundle.crt "$(in_pod printenv $v)" || exit 1
	done
'

test_expect_success 'the pod has no network at all (stand-in rule)' '
	test_equal lo "$(in_pod sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \"")" &&
	test_must_fail in_pod bash -c "exec 3<>/dev/tcp/10.96.0.10/3128" 2>/dev/null
'

test_expect_success 'paude remote add --push goes through oc exec -i' '
	cd "$TRASH/repo" &&
	paude remote add --push "$name" 2>err &&
	test_equal "paude::openshift/fake-ctx/h6-team/$name" "$(git config --get "remote.paude-$name.url")" &&
	test_equal "$(git rev-parse HEAD)" "$(in_pod git -C /pvc/workspace rev-parse HEAD)" &&
	test_grep "exec --stdin paude-$name-0 --container=agent -- paude-session git git-receive-pack $name" \
		"$KUBE_FAKE_DIR/calls"
'

test_expect_success 'a commit made in the pod comes back with git pull' '
	in_pod sh -c "cd /pvc/workspace && echo agent >agent.txt && git add agent.txt &&
		git -c user.name=Agent -c user.email=a@b.invalid commit -q -m by-agent" &&
	cd "$TRASH/repo" &&
	git pull -q "paude-$name" main 2>err &&
	test_equal agent "$(cat agent.txt)"
'

test_expect_success 'cluster addresses work with git itself: clone, ls-remote, push, v2' '
	cd "$TRASH" &&
	git clone -q "paude::openshift/fake-ctx/h6-team/$name" "$TRASH/kclone" 2>err &&
	test_equal agent "$(cat "$TRASH/kclone/agent.txt")" &&
	GIT_TRACE_PACKET="$TRASH/ktrace" git ls-remote "paude::openshift/h6-team/$name" >out 2>err &&
	test_grep "refs/heads/main" out &&
	test_grep "< version 2" "$TRASH/ktrace" &&
	test_grep "exec --stdin paude-$name-0 --container=agent -- env GIT_PROTOCOL=version=2 paude-session git git-upload-pack $name" \
		"$KUBE_FAKE_DIR/calls" &&
	cd "$TRASH/kclone" && echo more >more.txt && git add more.txt && git commit -q -m more &&
	git push -q origin main 2>err &&
	test_equal more "$(in_pod cat /pvc/workspace/more.txt)" &&
	cd "$TRASH/repo" && git pull -q "paude-$name" main 2>err
'

test_expect_success 'cluster address failures: one clear line from paude, not kubectl'"'"'s words' '
	cd "$TRASH/repo" &&
	test_must_fail env KUBE_FAKE_FAIL="*:error: You must be logged in to the server (Unauthorized)" \
		git ls-remote "paude::openshift/fake-ctx/h6-team/$name" 2>err &&
	test_equal 1 "$(grep -c "^git-remote-paude:" err)" &&
	test_grep "^git-remote-paude: error: .*not logged in to the cluster (log in with: oc login)" err &&
	test_must_fail git ls-remote "paude::openshift/fake-ctx/h6-team/nosuch-$name" 2>err &&
	test_equal 1 "$(grep -c "^git-remote-paude:" err)" &&
	test_grep "^git-remote-paude: error: session .nosuch-$name. not found (list sessions with: paude list)\$" err &&
	! grep -q "Error from server" err
'

test_expect_success 'stop scales to 0 (pod gone), start brings the workspace back' '
	paude stop "$name" 2>err &&
	test_must_fail podman container exists "$pod" &&
	podman volume exists "$vol" &&
	paude list >out && test_grep "^$name  *openshift  *stopped" out &&
	test_must_fail git ls-remote "paude::openshift/fake-ctx/h6-team/$name" 2>err &&
	test_equal 1 "$(grep -c "^git-remote-paude:" err)" &&
	test_grep "^git-remote-paude: error: session .$name. is not running (start it with: paude start -d $name)\$" err &&
	! grep -q "Error from server" err &&
	paude start --detach "$name" </dev/null 2>err &&
	test_equal agent "$(in_pod cat /pvc/workspace/agent.txt)" &&
	test_must_fail in_pod test -e /credentials/gcloud
'

test_expect_success 'delete removes every object, the PVC and the index entry' '
	paude delete "$name" --confirm 2>err &&
	test -z "$(ls "$KUBE_FAKE_DIR/objects/h6-team")" &&
	test_must_fail podman container exists "$pod" &&
	test_must_fail podman volume exists "$vol" &&
	test_must_fail grep -q "\"$name\"" "$HOME/.local/state/paude/sessions.json"
'

test_expect_success 'a project config on the cluster: --dry-run shows its env, setup and recipe' '
	cd "$TRASH/byoc" &&
	env -u PAUDE_IMAGE paude create "$bname" --backend=openshift --dry-run >out 2>err &&
	test_grep "Using configuration: .*devcontainer.json" err &&
	test_grep "runArgs. is not applied" err &&
	test_grep "containerEnv .HTTPS_PROXY. is not applied" err &&
	test_grep "^Custom environment (built in the cluster if missing):" err &&
	test_grep "\"name\": \"PROJECT_MODE\"" out &&
	test_grep "\"paude.io/setup\": .*echo ran" out &&
	test_grep "\"image\": \"localhost/paude-custom:" out &&
	test_must_fail grep -q evil.invalid out
'

test_expect_success 'a project config on the cluster: containerEnv in the pod, setup once' '
	cd "$TRASH/byoc" &&
	paude create "$bname" --backend=openshift --openshift-namespace=h6-team 2>err &&
	test_grep "Using configuration: .*devcontainer.json" err &&
	test_grep "paude.io/setup" "$(obj "StatefulSet.paude-$bname")" &&
	paude start --detach "$bname" </dev/null 2>err &&
	test_grep "The setup command of .$bname. waits for its code" err &&
	test_must_fail podman exec "$bpod" test -e /pvc/setup-count &&
	git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm config &&
	paude remote add --push "$bname" 2>err &&
	test_grep "Running the setup command (once, in /pvc/workspace): echo ran" err &&
	test_equal dev "$(podman exec "$bpod" printenv PROJECT_MODE)" &&
	test_equal http://paude-proxy:3128 "$(podman exec "$bpod" printenv HTTPS_PROXY)" &&
	test_equal ran "$(podman exec "$bpod" cat /pvc/setup-count)" &&
	paude stop "$bname" 2>err &&
	paude start --detach "$bname" </dev/null 2>err &&
	test_must_fail grep -q "Running the setup command" err &&
	test_equal ran "$(podman exec "$bpod" cat /pvc/setup-count)" &&
	test_equal dev "$(podman exec "$bpod" printenv PROJECT_MODE)" &&
	paude delete "$bname" --confirm 2>err &&
	test_must_fail podman volume exists "$bvol"
'

test_expect_success 'PAUDE_CA_BUNDLE="": no ConfigMap, no CA variables' '
	cd "$TRASH/byoc" &&
	PAUDE_CA_BUNDLE= paude create "$bname" --backend=openshift --openshift-namespace=h6-team 2>err &&
	test_must_fail test -f "$(obj "ConfigMap.paude-$bname-ca")" &&
	test_must_fail grep -q SSL_CERT_FILE "$(obj "StatefulSet.paude-$bname")" &&
	paude delete "$bname" --confirm 2>err
'

test_expect_success 'forbidden: one clear line, nothing left behind' '
	test_must_fail env KUBE_FAKE_FAIL="apply:Error from server (Forbidden): statefulsets.apps is forbidden: User \"dev\" cannot create resource" \
		paude create "$name" --backend=openshift --openshift-namespace=h6-team 2>err &&
	test_grep "not allowed by the cluster" err &&
	test_grep "cannot create resource" err &&
	test "$(grep -c "" err)" = 1 &&
	test -z "$(ls "$KUBE_FAKE_DIR/objects/h6-team")" &&
	test_must_fail grep -q "\"$name\"" "$HOME/.local/state/paude/sessions.json"
'

test_expect_success 'a namespace that does not exist is named, nothing applied' '
	: >"$KUBE_FAKE_DIR/calls" &&
	test_must_fail paude create "$name" --backend=openshift --openshift-namespace=nope 2>err &&
	test_grep "namespace .nope. does not exist" err &&
	test_must_fail grep -q " apply " "$KUBE_FAKE_DIR/calls"
'

test_expect_success 'kubectl is used when there is no oc' '
	mkdir -p "$TRASH/kubectl-only" &&
	ln -sf "$SRC_DIR/tests/integration/bin-kube/oc" "$TRASH/kubectl-only/kubectl" &&
	: >"$KUBE_FAKE_DIR/calls" &&
	PATH="$TRASH/kubectl-only:$SRC_DIR/bin:/usr/bin:/bin" paude list --backend=kubernetes \
		--openshift-namespace=h6-team >out 2>err &&
	test_grep "^kubectl --namespace=h6-team get statefulsets" "$KUBE_FAKE_DIR/calls"
'

test_expect_success 'not logged in: list warns and goes on; the cluster command fails clearly' '
	paude create "$name" --backend=openshift --openshift-namespace=h6-team 2>err &&
	KUBE_FAKE_FAIL="*:error: You must be logged in to the server (Unauthorized)" \
		paude list >out 2>err &&
	test_grep "warning: cannot list the sessions in namespace .h6-team." err &&
	test_grep "oc login" err &&
	test_must_fail env KUBE_FAKE_FAIL="*:error: You must be logged in to the server (Unauthorized)" \
		paude start --detach "$name" 2>err </dev/null &&
	test_grep "not logged in to the cluster (log in with: oc login)" err
'

test_expect_success 'a session gone from the cluster is reported, and delete forgets it' '
	rm -f "$KUBE_FAKE_DIR/objects/h6-team/"* &&
	test_must_fail paude start --detach "$name" 2>err </dev/null &&
	test_grep "is recorded in namespace .h6-team. but is gone from the cluster" err &&
	paude delete "$name" --confirm 2>err &&
	test_grep "forgot it" err &&
	test_must_fail grep -q "\"$name\"" "$HOME/.local/state/paude/sessions.json"
'

test_expect_success 'doctor checks the cluster: ok, then not logged in' '
	{ paude doctor --backend=openshift --openshift-namespace=h6-team >out 2>&1 || :; } &&
	test_grep "^ok    cluster: oc answers in namespace h6-team" out &&
	{ KUBE_FAKE_FAIL="*:error: You must be logged in to the server (Unauthorized)" \
		paude doctor --backend=openshift >out 2>&1 || :; } &&
	test_grep "^FAIL  cluster: .*(log in with: oc login)" out
'

test_expect_success 'OpenShift: the proxy image is built in the cluster from the same files, once' '
	cd "$TRASH/repo" &&
	local_proxy=$(env -u PAUDE_PROXY_IMAGE paude create probe --dry-run 2>/dev/null | sed -n "s/^Proxy: *//p") &&
	hash=${local_proxy##*:} &&
	test -n "$hash" &&
	env -u PAUDE_PROXY_IMAGE KUBE_FAKE_OPENSHIFT=1 \
		paude create "$name" --backend=openshift --openshift-namespace=h6-team >out 2>err &&
	gw=$(cd "$SRC_DIR/cmd/paude-gateway" && LC_ALL=C ls | sed "s|^|gateway/|" | paste -sd, -) &&
	test_grep "gateway/main.c" <(echo "$gw") &&
	test_grep "^paude-proxy:$hash Containerfile,$gw,paude-proxy-entrypoint,paude-proxy-ready\$" \
		"$KUBE_FAKE_DIR/builds" &&
	test_grep "start-build paude-proxy --from-dir=.* --follow --wait" "$KUBE_FAKE_DIR/calls" &&
	test_grep "\"image\": \"localhost/kubefake-h6-team/paude-proxy:$hash\"" \
		"$(obj "Deployment.paude-proxy-$name")" &&
	test_must_fail grep -q runAsUser "$(obj "StatefulSet.paude-$name")" &&
	test -f "$(obj "BuildConfig.paude-proxy")" &&
	test -f "$(obj "ImageStream.paude-proxy")" &&
	paude delete "$name" --confirm 2>err &&
	env -u PAUDE_PROXY_IMAGE KUBE_FAKE_OPENSHIFT=1 \
		paude create "$name" --backend=openshift --openshift-namespace=h6-team 2>err &&
	test "$(grep -c "" "$KUBE_FAKE_DIR/builds")" = 1 &&
	paude delete "$name" --confirm 2>err
'

test_expect_success 'OpenShift: a project image is built in the cluster from the generated context' '
	mkdir -p "$TRASH/pjson" && cd "$TRASH/pjson" &&
	printf "{ \"packages\": [\"jq\"], \"setup\": \"true\" }\n" >paude.json &&
	local_custom=$(env -u PAUDE_IMAGE paude create probe --dry-run 2>/dev/null |
		sed -n "s/^Image: *\(localhost\/paude-custom:[0-9a-f]*\).*/\1/p" | head -n 1) &&
	hash=${local_custom##*:} &&
	test -n "$hash" &&
	: >"$KUBE_FAKE_DIR/builds" &&
	env -u PAUDE_IMAGE KUBE_FAKE_OPENSHIFT=1 KUBE_FAKE_BUILD_AS="$image" \
		paude create "$bname" --backend=openshift --openshift-namespace=h6-team >out 2>err &&
	test_grep "Using configuration: .*paude.json" err &&
	test_grep "^paude-custom:$hash Containerfile,paude-entrypoint,paude-install-deps,paude-packages,paude-session,tmux.conf\$" \
		"$KUBE_FAKE_DIR/builds" &&
	test_grep "\"value\": \"$PAUDE_BASE_IMAGE\"" "$(obj "BuildConfig.paude-custom")" &&
	test_grep "\"image\": \"localhost/kubefake-h6-team/paude-custom:$hash\"" \
		"$(obj "StatefulSet.paude-$bname")" &&
	paude delete "$bname" --confirm 2>err
'

test_expect_success 'OpenShift: a Dockerfile configuration needs --registry, said before anything is applied' '
	mkdir -p "$TRASH/dfile" && cd "$TRASH/dfile" &&
	echo "FROM $PAUDE_BASE_IMAGE" >Dockerfile &&
	printf "{ \"build\": { \"dockerfile\": \"Dockerfile\" } }\n" >paude.json &&
	: >"$KUBE_FAKE_DIR/calls" &&
	test_must_fail env -u PAUDE_IMAGE KUBE_FAKE_OPENSHIFT=1 \
		paude create "$bname" --backend=openshift --openshift-namespace=h6-team 2>err &&
	test_grep "builds from a Dockerfile, which paude cannot build in the cluster yet (pass --registry" err &&
	test_must_fail grep -q " apply " "$KUBE_FAKE_DIR/calls"
'

test_done
