#!/bin/bash
# Benchmark: sessions over SSH (docs/REMOTE.md), against a private sshd on
# 127.0.0.1 with throwaway keys (the "remote" host is this machine's podman):
#   push   git push of a ~SIZE_MB MB history into an emptied bare repository
#          at /pvc/workspace, through paude::ssh://HOST/NAME (libssh2, in
#          git-remote-paude) vs git's own
#          "ext::ssh -p PORT HOST podman exec -i CTR %S /pvc/workspace"
#          (OpenSSH's client; the issue's reference)        goal <= 1.05
#   list   paude list --host HOST vs ssh HOST podman ps ... (the one podman
#          call list needs)                                  goal <= 1.1
#          list --host also asks each running session's agent for its state
#          (one podman exec; the session here runs), so a second reference
#          does that work too: ssh HOST 'podman ps ...; podman exec CTR
#          paude-session status'.
# Each figure is the median of RUNS alternating runs (A, B, A, B, ...); the
# ratios are printed, nothing is asserted (a shared machine is noisy).
# Usage: bench/ssh.sh [SIZE_MB] [RUNS]   (defaults: 100, 5)
set -eu
cd "$(dirname "$0")/.."
SIZE_MB=${1:-100}
RUNS=${2:-5}
export PATH="$PWD/bin:$PATH"
export PAUDE_BASE_IMAGE="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
tests/integration/ensure-base.sh

name="bench$$-ssh"
ctr="paude-$name"
work=$(mktemp -d "${TMPDIR:-/tmp}/paude-bench-ssh.XXXXXX")
sshd_pid=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	[ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || true
	paude delete "$name" --confirm --force >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME/.ssh" /run/sshd
chmod 700 "$HOME/.ssh"
git config --global user.name Bench
git config --global user.email bench@paude.invalid
git config --global init.defaultBranch main

# The private sshd: as tests/integration/lib-ssh.sh starts it.
key="$HOME/.ssh/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$work/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$key"
cp "$key.pub" "$work/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_ed25519
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CONF
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")" >"$HOME/.ssh/known_hosts"
host="root@127.0.0.1:$port"
# OpenSSH takes ~/.ssh from the password database, not $HOME: say it all.
SSH="ssh -p $port -i $key -o UserKnownHostsFile=$HOME/.ssh/known_hosts -o BatchMode=yes -o IdentitiesOnly=yes"
unset SSH_AUTH_SOCK

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# shellcheck disable=SC2086 # $1 is a list of numbers, split on purpose
median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

(cd "$work" && paude -q create "$name" --no-push --allowed-domains bench.invalid >/dev/null 2>&1)
paude -q start --detach "$name" </dev/null >/dev/null 2>&1

echo "generating a ~${SIZE_MB} MB history..." >&2
src="$work/src"
git init -q "$src"
nbin=5
for i in $(seq 1 "$nbin"); do
	head -c $((SIZE_MB * 1048576 / nbin)) /dev/urandom >"$src/blob$i.bin"
	git -C "$src" add "blob$i.bin"
	git -C "$src" commit -q -m "binary $i"
done
git -C "$src" repack -a -d -q
size=$(du -sm "$src/.git" | cut -f1)
echo "history: $size MB in .git" >&2

empty_target() {
	podman exec "$ctr" sh -c 'rm -rf /pvc/workspace/* /pvc/workspace/.[!.]* 2>/dev/null; git init -q --bare /pvc/workspace'
}
push_ms() {
	local t
	empty_target
	t=$(date +%s%N)
	git -C "$src" -c protocol.ext.allow=always push -q "$1" main 2>"$work/push.err" ||
		{ cat "$work/push.err" >&2; exit 1; }
	ms "$t"
	[ "$(podman exec "$ctr" git -C /pvc/workspace rev-parse main)" = "$(git -C "$src" rev-parse main)" ] ||
		{ echo "push via $1 lost commits" >&2; exit 1; }
}

paude_url="paude::ssh://$host/$name"
ext_url="ext::$SSH root@127.0.0.1 podman exec -i $ctr %S /pvc/workspace"
a=() b=()
for ((i = 0; i < RUNS; i++)); do
	a+=("$(push_ms "$paude_url")")
	b+=("$(push_ms "$ext_url")")
	echo "push round $((i + 1)): paude::ssh ${a[-1]} ms, ext::ssh ${b[-1]} ms" >&2
done
push_a=$(median "${a[*]}") push_b=$(median "${b[*]}")

# list: paude's whole command (connect, podman ps, the agents' state) vs
# OpenSSH running the podman ps it needs.
ps="podman ps --all --filter label=app=paude --filter label=paude.io/session-name --format json"
a=() b=() c=()
for ((i = 0; i < 3 * RUNS; i++)); do
	t=$(date +%s%N)
	paude list --host "$host" >/dev/null
	a+=("$(ms "$t")")
	t=$(date +%s%N)
	$SSH root@127.0.0.1 "$ps" >/dev/null
	b+=("$(ms "$t")")
	t=$(date +%s%N)
	# (status says 1 for an agent that exited: still the same work)
	$SSH root@127.0.0.1 "$ps; podman exec $ctr paude-session status" >/dev/null || true
	c+=("$(ms "$t")")
done
list_a=$(median "${a[*]}") list_b=$(median "${b[*]}") list_c=$(median "${c[*]}")

printf '\nsessions over SSH, medians of alternating runs (%s pushes, %s lists each)\n' "$RUNS" $((3 * RUNS))
printf 'push %s MB: paude::ssh %s ms / ext::ssh %s ms = %s   (goal <= 1.05)\n' \
	"$size" "$push_a" "$push_b" "$(ratio "$push_a" "$push_b")"
printf 'list:       paude list --host %s ms / ssh podman ps %s ms = %s   (goal <= 1.1)\n' \
	"$list_a" "$list_b" "$(ratio "$list_a" "$list_b")"
printf '            paude list --host %s ms / ssh podman ps + agent status %s ms = %s   (the same work)\n' \
	"$list_a" "$list_c" "$(ratio "$list_a" "$list_c")"
