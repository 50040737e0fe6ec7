#!/bin/bash
# A private sshd for the remote-host tests (docs/REMOTE.md): on 127.0.0.1
# on a free port, with throwaway host and user keys under $TRASH, run as
# the test's own process with its own configuration (never the system's ssh
# service). It lets the test's key log in as root: the "remote host" is
# this machine's rootful podman. Source after lib.sh.
# shellcheck disable=SC2034

SSHD=/usr/sbin/sshd

# ssh_free_port: a TCP port nothing listens on now.
ssh_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ssh_start NAME [CONFIG-LINE...]: start sshd NAME; sets SSH_DIR, SSH_PORT,
# SSH_HOST (root@127.0.0.1:PORT), SSHD_PID. The user key is
# $HOME/.ssh/id_ed25519 (made once), so paude finds it as a default key.
ssh_start() {
	local name="$1" i
	shift
	SSH_DIR="$TRASH/sshd-$name"
	mkdir -p "$SSH_DIR" "$HOME/.ssh" /run/sshd
	chmod 700 "$HOME/.ssh"
	ssh-keygen -q -t ed25519 -N '' -C '' -f "$SSH_DIR/host_ed25519"
	[ -e "$HOME/.ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C '' -f "$HOME/.ssh/id_ed25519"
	cp "$HOME/.ssh/id_ed25519.pub" "$SSH_DIR/authorized_keys"
	SSH_PORT=$(ssh_free_port)
	{
		echo "Port $SSH_PORT"
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $SSH_DIR/host_ed25519"
		echo "PidFile $SSH_DIR/sshd.pid"
		echo "AuthorizedKeysFile $SSH_DIR/authorized_keys"
		echo "PermitRootLogin prohibit-password"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UsePAM no"
		echo "StrictModes no"
		echo "LogLevel VERBOSE"
		for i in "$@"; do echo "$i"; done
	} >"$SSH_DIR/sshd_config"
	"$SSHD" -D -e -f "$SSH_DIR/sshd_config" >>"$SSH_DIR/log" 2>&1 &
	SSHD_PID=$!
	test_on_exit "kill $SSHD_PID"
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null; then
			break
		fi
		kill -0 "$SSHD_PID" 2>/dev/null || { cat "$SSH_DIR/log" >&2; return 1; }
		sleep 0.1
	done
	SSH_HOST="root@127.0.0.1:$SSH_PORT"
}

# ssh_trust: record the running sshd's host key in ~/.ssh/known_hosts.
ssh_trust() {
	echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519.pub")" >>"$HOME/.ssh/known_hosts"
}

# ssh_count DIR PATTERN: how many lines of the log of the sshd in DIR match
# PATTERN (LogLevel VERBOSE: "Connection from" for each TCP connection,
# "Accepted publickey for" for each login, "Starting session:" for each
# channel's command).
ssh_count() {
	grep -c -- "$2" "$1/log" || true
}
