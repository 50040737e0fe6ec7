#!/bin/bash
# Benchmark: sessions over SSH (docs/REMOTE.md), against a private sshd on
# 127.0.0.1 with throwaway keys (the "remote" host is this machine's podman).
# Every comparison is like with like: both sides do the same remote work over
# one SSH connection, and the lines say what each side does.
#   push   git push of a ~SIZE_MB MB history into an emptied bare repository
#          at /pvc/workspace, through paude::ssh://HOST/NAME (libssh2, in
#          git-remote-paude) vs git's own
#          "ext::ssh -p PORT HOST podman exec -i CTR %S /pvc/workspace"
#          (OpenSSH's client; the issue's reference)        goal <= 1.05
#   list   (1) paude list --host HOST --names: connect, one podman ps (one
#          channel) vs ssh HOST podman ps ...               goal <= 1.1
#          (2) paude list --host HOST: connect, podman ps, then the running
#          session's agent state (podman exec CTR paude-session status), two
#          channels on one connection, vs OpenSSH doing exactly that with a
#          ControlMaster connection and two `ssh -S` channels  goal <= 1.1
#          (3) the same paude list --host vs ssh HOST 'podman ps ...; podman
#          exec CTR paude-session status' (one channel, one shell start-up on
#          the host: a shell script can decide in place what paude decides
#          from the first answer; shown for reference).
#          Each channel costs the host's sshd session and the remote user's
#          shell start-up (its ~/.bashrc, when bash runs it for sshd), so the
#          number of channels of each side is printed too.
#   handshakes  how many SSH logins ("Accepted publickey" in the private
#          sshd's log, LogLevel VERBOSE) and exec channels ("Starting
#          session") each command pays: one connection per paude process.
#          paude create --host included.
# Each figure is the median of RUNS alternating runs (A, B, A, B, ...); the
# ratios are printed, nothing is asserted (a shared machine is noisy).
# Usage: [PARTS="push list handshakes"] bench/ssh.sh [SIZE_MB] [RUNS]
#        (defaults: 100, 5; PARTS: all three)
set -eu
cd "$(dirname "$0")/.."
SIZE_MB=${1:-100}
RUNS=${2:-5}
PARTS=${PARTS:-push list handshakes}
export PATH="$PWD/bin:$PATH"
export PAUDE_BASE_IMAGE="${PAUDE_BASE_IMAGE:-localhost/paude-base-os:bookworm}"
tests/integration/ensure-base.sh

name="bench$$-ssh"
ctr="paude-$name"
work=$(mktemp -d "${TMPDIR:-/tmp}/paude-bench-ssh.XXXXXX")
sshd_pid=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	# a ControlMaster left by an interrupted list (2) ends with its socket
	[ ! -S "$work/ctl" ] || ssh -o ControlPath="$work/ctl" -O exit x 2>/dev/null || true
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
LogLevel VERBOSE
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

push_part() {
	local a=() b=() i size nbin
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
	local paude_url="paude::ssh://$host/$name"
	local ext_url="ext::$SSH root@127.0.0.1 podman exec -i $ctr %S /pvc/workspace"
	for ((i = 0; i < RUNS; i++)); do
		a+=("$(push_ms "$paude_url")")
		b+=("$(push_ms "$ext_url")")
		echo "push round $((i + 1)): paude::ssh ${a[-1]} ms, ext::ssh ${b[-1]} ms" >&2
	done
	local pa pb
	pa=$(median "${a[*]}") pb=$(median "${b[*]}")
	report+=("$(printf 'push %s MB: paude::ssh %s ms / ext::ssh %s ms = %s   (goal <= 1.05; %s pushes each)' \
		"$size" "$pa" "$pb" "$(ratio "$pa" "$pb")" "$RUNS")")
}

# What the private sshd saw of a command: "LOGINS CHANNELS" (its log grows
# while the command runs; the lines of sshd's session processes are written
# before the client sees the end of its channel).
count_lines() { grep -c "$1" "$work/sshd.log" || true; }
sshd_saw() {
	local l0 c0
	l0=$(count_lines 'Accepted publickey for') c0=$(count_lines 'Starting session:')
	"$@" >/dev/null 2>&1 </dev/null || true
	echo "$(($(count_lines 'Accepted publickey for') - l0)) $(($(count_lines 'Starting session:') - c0))"
}

# The agents' state commands paude sent in its last list (PAUDE_LOG=debug
# in $work/list.trace): paude asks every running session of the host, the
# other sessions of this shared machine too, so OpenSSH's side is given the
# very same commands each round.
status_cmds() {
	sed -n 's/^paude: debug: + \[[^]]*\] exec \(podman exec .* paude-session status\)$/\1/p' "$work/list.trace"
}
# Run them at once as paude does ("$@": how to run one), and wait for all.
# (status says 1 for an agent that exited: still the same work)
run_status_cmds() {
	local cmd pids=()
	while IFS= read -r cmd; do
		"$@" "$cmd" >/dev/null 2>&1 &
		pids+=($!)
	done < <(status_cmds)
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" || true
}
# OpenSSH's side of list (2): one connection (a ControlMaster), podman ps in
# one channel, then each status command in a channel of its own on it.
ctl="$work/ctl"
ssh_channels() {
	$SSH -o ControlMaster=yes -o ControlPath="$ctl" -fN root@127.0.0.1
	$SSH -o ControlPath="$ctl" root@127.0.0.1 "$ps" >/dev/null
	# shellcheck disable=SC2086 # $SSH is a command line, split on purpose
	run_status_cmds $SSH -o ControlPath="$ctl" root@127.0.0.1
	$SSH -o ControlPath="$ctl" -O exit root@127.0.0.1 2>/dev/null
}
# And (3): all of it in one channel, one remote shell.
ssh_one_shell() {
	local all="$ps" cmd
	while IFS= read -r cmd; do all+=$'\n'"$cmd &"; done < <(status_cmds)
	$SSH root@127.0.0.1 "$all"$'\n'wait >/dev/null 2>&1
}
paude_list() { PAUDE_LOG=debug paude list --host "$host" >/dev/null 2>"$work/list.trace"; }

list_part() {
	local a=() b=() c=() d=() e=() i t n=$((3 * RUNS))
	for ((i = 0; i < n; i++)); do
		t=$(date +%s%N)
		paude list --host "$host" --names >/dev/null
		a+=("$(ms "$t")")
		t=$(date +%s%N)
		$SSH root@127.0.0.1 "$ps" >/dev/null
		b+=("$(ms "$t")")
		t=$(date +%s%N)
		paude_list
		c+=("$(ms "$t")")
		t=$(date +%s%N)
		ssh_channels
		d+=("$(ms "$t")")
		t=$(date +%s%N)
		ssh_one_shell
		e+=("$(ms "$t")")
	done
	local la lb lc ld le
	la=$(median "${a[*]}") lb=$(median "${b[*]}") lc=$(median "${c[*]}")
	ld=$(median "${d[*]}") le=$(median "${e[*]}")
	# shellcheck disable=SC2046 # "LOGINS CHANNELS", split on purpose
	set -- $(sshd_saw paude list --host "$host" --names) $(sshd_saw ssh_ps) \
		$(sshd_saw paude_list) $(sshd_saw ssh_channels) $(sshd_saw ssh_one_shell)
	report+=("$(printf 'list (1) podman ps only:    paude list --host --names %s ms (%s channel) / ssh podman ps %s ms (%s channel) = %s   (goal <= 1.1)' \
		"$la" "$2" "$lb" "$4" "$(ratio "$la" "$lb")")")
	report+=("$(printf 'list (2) ps + agents'"'"' state: paude list --host %s ms (%s channels) / OpenSSH ControlMaster, the same commands %s ms (%s channels) = %s   (goal <= 1.1; %s running sessions on this machine)' \
		"$lc" "$6" "$ld" "$8" "$(ratio "$lc" "$ld")" "$(status_cmds | wc -l)")")
	report+=("$(printf 'list (3) reference:         paude list --host %s ms (%s channels) / ssh, the same commands in one shell %s ms (%s channel) = %s   (%s lists each)' \
		"$lc" "$6" "$le" "${10}" "$(ratio "$lc" "$le")" "$n")")
}
ssh_ps() { $SSH root@127.0.0.1 "$ps"; }

handshakes_part() {
	local what
	for what in "paude list --host" "paude doctor --host" "git ls-remote paude::ssh" "paude create --host"; do
		case $what in
		"paude list --host") set -- paude list --host "$host" ;;
		"paude doctor --host") set -- paude doctor --host "$host" ;;
		"git ls-remote paude::ssh") set -- git ls-remote "paude::ssh://$host/$name" ;;
		"paude create --host")
			set -- sh -c "cd '$work' && paude -q create '${name}c' --host '$host' --no-push --allowed-domains bench.invalid"
			;;
		esac
		# shellcheck disable=SC2046 # "LOGINS CHANNELS", split on purpose
		set -- $(sshd_saw "$@")
		report+=("handshakes: $what: $1 SSH login(s), $2 exec channel(s)   (goal: 1 login)")
	done
	paude delete "${name}c" --confirm --force >/dev/null 2>&1 || true
}

ps="podman ps --all --filter label=app=paude --filter label=paude.io/session-name --format json"
report=()
case " $PARTS " in *" push "*) push_part ;; esac
case " $PARTS " in *" list "*) list_part ;; esac
case " $PARTS " in *" handshakes "*) handshakes_part ;; esac

printf '\nsessions over SSH, medians of alternating runs\n'
printf '%s\n' "${report[@]}"
