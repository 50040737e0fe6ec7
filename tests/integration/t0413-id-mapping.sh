#!/bin/bash
# shellcheck disable=SC2016,SC2034,SC2088  # test bodies are eval'd strings
# The session's ids are not the host's (docs/SECURITY.md): with rootful
# podman the agent and its proxy each run in a range of unprivileged host
# ids of their own (--userns=auto), so container root is not host root and
# the agent's uid 1000 is not the host's user 1000. Everything that crosses
# between host and session still works: the workspace volume, the ~/.claude
# copy, the read-only host files, the git tunnel and the proxy. Rootless
# podman maps ids already (its container root is the calling user); there
# the rootful-only checks are skipped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name ids)
ctr="paude-$name"
proxy="paude-proxy-$name"
mkdir -p "$TRASH/repo" "$HOME/.claude"
echo '{"theme": "host-setting"}' >"$HOME/.claude/settings.json"
git config --global user.name "Paude Test"
git config --global user.email "ids@paude.invalid"
git config --global init.defaultBranch main
chmod 0644 "$HOME/.gitconfig"
# A host CA bundle, readable by all as CA bundles are.
cp /etc/ssl/certs/ca-certificates.crt "$TRASH/ca.crt"
chmod 0644 "$TRASH/ca.crt"
export PAUDE_CA_BUNDLE="$TRASH/ca.crt"
cd "$TRASH/repo" || exit 1
git init -q
echo "hello" >README
git add README
git commit -q -m first
test_on_exit "paude delete $name --confirm; podman rm -f $ctr $proxy; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"
if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi
rootless=$(podman info --format '{{.Host.Security.Rootless}}')

# The host id that container id 0 maps to (first line of uid_map).
host_base() { podman exec "$1" cat /proc/self/uid_map | awk 'NR == 1 && $1 == 0 { print $2 }'; }

test_expect_success 'create and start a session' '
	paude create "$name" --no-push --allowed-domains allowed.test 2>err &&
	paude start --detach "$name"
'

test_expect_success 'agent and proxy map their ids to a non-zero range of host ids' '
	for c in "$ctr" "$proxy"; do
		base=$(host_base "$c") &&
		test -n "$base" && test "$base" -ne 0 &&
		# No line maps anything onto host root.
		! podman exec "$c" cat /proc/self/uid_map | awk "\$2 == 0 { bad = 1 } END { exit !bad }" &&
		! podman exec "$c" cat /proc/self/gid_map | awk "\$2 == 0 { bad = 1 } END { exit !bad }" ||
			return 1
	done
'

test_expect_success 'the agent runs as a host uid that is neither 0 nor 1000 (rootful)' '
	if [ "$rootless" = true ]; then echo "# skipped: rootless"; exit 0; fi
	podman top "$ctr" huser >top &&
	sed 1d top >uids && test -s uids &&
	! grep -qx -e 0 -e 1000 uids &&
	test_equal "$(( $(host_base "$ctr") + 1000 ))" "$(sort -u uids | head -1)" &&
	test "$(host_base "$ctr")" != "$(host_base "$proxy")"
'

test_expect_success 'a file the agent writes in the workspace belongs to its mapped uid on the host' '
	podman exec "$ctr" sh -c "echo from-agent >/pvc/workspace/agent-file" &&
	dir=$(podman volume inspect "$ctr-workspace" --format "{{.Mountpoint}}") &&
	if [ "$rootless" = true ]; then echo "# skipped: rootless"; exit 0; fi
	test_equal "$(( $(host_base "$ctr") + 1000 ))" "$(stat -c %u "$dir/workspace/agent-file")" &&
	test_equal from-agent "$(cat "$dir/workspace/agent-file")"
'

test_expect_success '~/.claude is copied in and belongs to the session user' '
	podman exec "$ctr" cat /home/paude/.claude/settings.json >settings &&
	test_grep host-setting settings &&
	test_equal 1000 "$(podman exec "$ctr" stat -c %u /home/paude/.claude/settings.json)"
'

test_expect_success 'read-only host files (mode 0644) are readable: ~/.gitconfig, the CA bundle' '
	test_equal ids@paude.invalid "$(podman exec "$ctr" git config --global user.email)" &&
	podman exec "$ctr" sh -c "test -r \"\$NODE_EXTRA_CA_CERTS\" && grep -c \"BEGIN CERTIFICATE\" \"\$SSL_CERT_FILE\"" >n &&
	test "$(cat n)" -gt 0 &&
	test_must_fail podman exec "$ctr" sh -c "echo x >>/home/paude/.gitconfig"
'

test_expect_success 'the git tunnel works: remote add --push, a session commit pulled back' '
	cd "$TRASH/repo" &&
	paude remote add --push "$name" &&
	test_equal hello "$(podman exec "$ctr" cat /pvc/workspace/README)" &&
	podman exec "$ctr" sh -ec "cd /pvc/workspace && echo agent >AGENT &&
		git add AGENT && git commit -q -m \"from the agent\"" &&
	git pull -q "paude::$name" main &&
	test_equal agent "$(cat AGENT)" &&
	echo more >>README && git commit -q -am second &&
	git push -q "paude-$name" main &&
	test_equal "$(git rev-parse HEAD)" "$(podman exec "$ctr" git -C /pvc/workspace rev-parse HEAD)"
'

test_expect_success 'the proxy works from the mapped session' '
	podman exec "$ctr" curl -sS -m 20 http://allowed.test/ >out &&
	test_grep "hello from allowed" out
'

test_expect_success 'stop and start keep the same mapping and a writable workspace' '
	before=$(host_base "$ctr") &&
	paude stop "$name" &&
	paude start --detach "$name" &&
	test_equal "$before" "$(host_base "$ctr")" &&
	podman exec "$ctr" sh -c "echo again >>/pvc/workspace/agent-file"
'

test_done
