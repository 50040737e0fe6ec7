#!/bin/bash
# shellcheck disable=SC2016,SC2034,SC2088  # test bodies are eval'd strings
# Resource bounds (docs/SECURITY.md): the agent has a memory and CPU limit
# (defaults, or --memory and --cpus), stored with the session and shown by
# --dry-run and list --json; a process past the memory limit is killed and
# the session lives on. The proxy has its own small bounds and a read-only
# root filesystem, and squid still works. --disk is refused clearly where
# podman cannot enforce it. Bad values are refused before anything exists.
# The agent is the stand-in image (no Claude Code: a tight memory limit must
# not land on it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

NET_STANDIN_AGENT=1
name=$(test_session_name lim)
small=$(test_session_name lims)
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
for n in "$name" "$small" "$(test_session_name limd)" "$(test_session_name limx)"; do
	test_on_exit "paude delete $n --confirm; podman rm -f paude-$n paude-proxy-$n; podman network rm -f paude-net-$n; podman volume rm -f paude-$n-workspace"
done
if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi

rootless=$(podman info --format '{{.Host.Security.Rootless}}')
cgroups=$(podman info --format '{{.Host.CgroupsVersion}}')

limits() { podman inspect "$1" --format '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}}'; }

test_expect_success 'dry run shows the default limits' '
	paude create "$name" --allowed-domains allowed.test --dry-run >plan &&
	test_grep "^Limits:     memory 8g, CPUs 2, disk without a size limit" plan &&
	test_grep " --memory=8g --memory-swap=8g --cpus=2 " plan
'

test_expect_success 'a session gets the default limits, its proxy small ones' '
	paude create "$name" --allowed-domains allowed.test 2>err &&
	test_grep "limits: memory 8g, CPUs 2" err &&
	test_equal "8589934592 8589934592 2000000000" "$(limits "paude-$name")" &&
	test_equal "268435456 268435456 1000000000" "$(limits "paude-proxy-$name")"
'

test_expect_success 'list --json shows the limits and the disk' '
	paude list --json >json &&
	node -e "
		const s = JSON.parse(require(\"fs\").readFileSync(\"json\")).find(x => x.name === \"$name\");
		if (s.memory !== \"8g\" || s.cpus !== \"2\" || s.disk !== null) { console.log(s); process.exit(1); }"
'

test_expect_success 'the proxy root filesystem is read-only, and squid works' '
	test_equal true "$(podman inspect "paude-proxy-$name" --format "{{.HostConfig.ReadonlyRootfs}}")" &&
	paude start --detach "$name" &&
	test_must_fail podman exec "paude-proxy-$name" touch /etc/paude-x 2>err &&
	test_grep "Read-only file system" err &&
	test_must_fail podman exec "paude-proxy-$name" touch /usr/local/bin/paude-x &&
	in_session "$name" curl -sS -m 20 http://allowed.test/ >out &&
	test_grep "hello from allowed" out &&
	podman exec "paude-proxy-$name" grep -q "TCP_MISS/200 .* http://allowed.test/" /var/log/squid/access.log
'

test_expect_success '--memory and --cpus are applied, stored and shown' '
	paude create "$small" --allowed-domains allowed.test --memory 256m --cpus 0.5 --dry-run >plan &&
	test_grep " --memory=256m --memory-swap=256m --cpus=0.5 " plan &&
	paude create "$small" --allowed-domains allowed.test --memory 256m --cpus 0.5 2>err &&
	test_equal "268435456 268435456 500000000" "$(limits "paude-$small")" &&
	paude list --json >json &&
	node -e "
		const s = JSON.parse(require(\"fs\").readFileSync(\"json\")).find(x => x.name === \"$small\");
		if (s.memory !== \"256m\" || s.cpus !== \"0.5\") { console.log(s); process.exit(1); }"
'

test_expect_success 'a process past the memory limit is killed; the session survives' '
	if [ "$rootless" = true ] && [ "$cgroups" = v1 ]; then
		echo "# skipped: rootless podman cannot enforce limits on cgroup v1"; exit 0
	fi
	paude start --detach "$small" &&
	# 512 MiB of string in a 256 MiB session: the kernel kills perl.
	rc=0 &&
	podman exec "paude-$small" perl -e "my \$x = q(x) x (512 << 20); print qq(survived\n)" >out || rc=$? &&
	test_equal 137 "$rc" &&
	! grep -q survived out &&
	test_equal running "$(podman inspect "paude-$small" --format "{{.State.Status}}")" &&
	test_equal ok "$(podman exec "paude-$small" echo ok)" &&
	paude list --json >json && grep -q "\"state\": \"running\"" json &&
	# The limit holds after a restart too.
	paude stop "$small" && paude start --detach "$small" &&
	test_equal "268435456 268435456 500000000" "$(limits "paude-$small")"
'

test_expect_success 'bad values are refused with a reason, and nothing is created' '
	bad=$(test_session_name limx) &&
	for args in "--memory lots" "--memory 1m" "--memory 8g;x" "--cpus 0" "--cpus two" "--cpus 1.0001" "--disk 10x" "--disk -5g"; do
		# shellcheck disable=SC2086
		test_must_fail paude create "$bad" --allowed-domains allowed.test $args 2>err &&
		grep -qE "invalid --(memory|cpus|disk) value" err &&
		test "$(wc -l <err)" -eq 1 || { echo "refused badly: $args"; cat err; return 1; }
	done &&
	test_must_fail podman container exists "paude-$bad" &&
	test_must_fail podman volume exists "paude-$bad-workspace"
'

test_expect_success '--disk: a size limit where podman can enforce it, a clear error where not' '
	disk=$(test_session_name limd) &&
	dir=$(podman info --format "{{.Store.VolumePath}}") &&
	if [ "$rootless" = true ]; then
		test_must_fail paude create "$disk" --allowed-domains allowed.test --disk 1g 2>err &&
		test_grep "rootless podman has no volume size limits" err
	elif [ "$(stat -f -c %T "$dir")" = xfs ]; then
		paude create "$disk" --allowed-domains allowed.test --disk 1g 2>err &&
		paude list --json >json && grep -q "\"disk\": \"1g\"" json
	else
		test_must_fail paude create "$disk" --allowed-domains allowed.test --disk 1g 2>err &&
		test_grep "cannot limit the workspace volume to 1g on this host" err &&
		test_must_fail podman volume exists "paude-$disk-workspace" &&
		test_must_fail podman network exists "paude-net-$disk"
	fi
'

test_done
