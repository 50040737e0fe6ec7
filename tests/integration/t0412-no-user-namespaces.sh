#!/bin/bash
# shellcheck disable=SC2016,SC2034,SC2088  # test bodies are eval'd strings
# No new namespaces in a session (docs/SECURITY.md): the seccomp profile
# paude derives from podman's default refuses unshare and clone with
# namespace flags (clone3 answers ENOSYS, so the C library falls back to the
# filtered clone). Without it an unprivileged agent gets a full capability
# set inside a user namespace of its own. The tools the agent works with
# (git, npm, node, pip, Claude Code) keep working. The session runs the real
# agent image; its proxy allows only a name of the test's own "internet".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"

name=$(test_session_name nons)
ctr="paude-$name"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
test_on_exit "paude delete $name --confirm; podman rm -f $ctr paude-proxy-$name; podman network rm -f paude-net-$name; podman volume rm -f $ctr-workspace"
if ! net_setup >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot set up the test internet"
	exit 1
fi

# clone(2), unshare(2) and clone3(2) by number (x86-64), straight from perl
# (the image has no compiler): prints the errno, or "created" if the kernel
# made the namespace.
raw_clone='
	use POSIX ();
	my ($nr, $flags) = @ARGV;
	my $r = syscall($nr + 0, hex($flags), 0, 0, 0, 0);
	if ($r == 0 && $nr == 56) { POSIX::_exit(0) }
	if ($r >= 0) { waitpid($r, 0) if $nr == 56; print "created\n"; exit 1 }
	print "errno=", $! + 0, "\n";
'

test_expect_success 'create and start a session' '
	paude create "$name" --allowed-domains allowed.test 2>err &&
	paude start --detach "$name"
'

test_expect_success 'unshare -Urn fails: no user namespace, no capabilities' '
	test_must_fail podman exec "$ctr" unshare -Urn grep CapEff /proc/self/status 2>err >out &&
	test_grep "Operation not permitted" err &&
	! grep -q ffff out
'

test_expect_success 'unshare -Urm cannot mount a tmpfs' '
	test_must_fail podman exec "$ctr" unshare -Urm mount -t tmpfs none /tmp 2>err &&
	test_grep "Operation not permitted" err
'

test_expect_success 'clone with CLONE_NEWUSER, unshare(CLONE_NEWUSER) and CLONE_NEWNET fail with EPERM' '
	test "$(uname -m)" = x86_64 || { echo "# skipped: syscall numbers are x86-64"; exit 0; }
	podman exec "$ctr" perl -e "$raw_clone" 56 0x10000011 >out &&
	test_equal "errno=1" "$(cat out)" &&
	podman exec "$ctr" perl -e "$raw_clone" 56 0x40000011 >out &&
	test_equal "errno=1" "$(cat out)" &&
	podman exec "$ctr" perl -e "$raw_clone" 272 0x10000000 >out &&
	test_equal "errno=1" "$(cat out)" &&
	podman exec "$ctr" perl -e "$raw_clone" 272 0x00020000 >out &&
	test_equal "errno=1" "$(cat out)"
'

test_expect_success 'clone3 answers ENOSYS; a plain clone (fork) works' '
	test "$(uname -m)" = x86_64 || { echo "# skipped: syscall numbers are x86-64"; exit 0; }
	podman exec "$ctr" perl -e "$raw_clone" 435 0 >out &&
	test_equal "errno=38" "$(cat out)" &&
	test_must_fail podman exec "$ctr" perl -e "$raw_clone" 56 0x11 >out &&
	test_equal created "$(cat out)"
'

test_expect_success 'the proxy cannot make user namespaces either' '
	test_must_fail podman exec "paude-proxy-$name" unshare -Ur true 2>err &&
	test_grep "Operation not permitted" err
'

test_expect_success 'git works: commit, local clone' '
	podman exec "$ctr" sh -ec "
		cd /tmp && git init -q repo && cd repo &&
		git -c user.email=a@b.invalid -c user.name=a commit -q --allow-empty -m one &&
		git clone -q /tmp/repo /tmp/copy && git -C /tmp/copy log --oneline" >out &&
	test_grep one out
'

test_expect_success 'node and npm work: threads, child processes, a local package install' '
	podman exec "$ctr" node -e "
		const { execFileSync } = require(\"child_process\");
		const { Worker } = require(\"worker_threads\");
		new Worker(\"process.exit(0)\", { eval: true }).on(\"exit\", () =>
			console.log(\"worker ok\", execFileSync(\"git\", [\"--version\"]).toString().trim()));
	" >out &&
	test_grep "worker ok git version" out &&
	podman exec "$ctr" sh -ec "
		mkdir -p /tmp/pkg /tmp/app && cd /tmp/pkg &&
		echo \"{\\\"name\\\":\\\"paude-local-pkg\\\",\\\"version\\\":\\\"1.0.0\\\",\\\"main\\\":\\\"i.js\\\"}\" >package.json &&
		echo \"module.exports = 42;\" >i.js &&
		cd /tmp/app && echo {} >package.json &&
		npm install --offline --no-audit --no-fund /tmp/pkg >/dev/null &&
		node -e \"console.log(require(\\\"paude-local-pkg\\\"))\"" >out &&
	test_equal 42 "$(cat out)"
'

test_expect_success 'python and pip work where the image has them' '
	if podman exec "$ctr" sh -c "command -v python3" >/dev/null; then
		podman exec "$ctr" python3 -c "import subprocess, threading; t = threading.Thread(target=lambda: None); t.start(); t.join(); print(subprocess.run([\"true\"]).returncode)" >out &&
		test_equal 0 "$(cat out)"
	fi &&
	if podman exec "$ctr" sh -c "command -v pip3 || command -v pip" >/dev/null; then
		podman exec "$ctr" sh -c "pip3 --version || pip --version" >out &&
		test_grep "^pip " out
	else
		echo "# pip is not in the image"
	fi
'

test_expect_success 'claude --version works' '
	podman exec "$ctr" claude --version >out &&
	test_grep "Claude Code" out
'

test_done
