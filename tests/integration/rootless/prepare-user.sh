#!/bin/bash
# Prepare an unprivileged user for the rootless integration tests as a
# desktop login would have it (root only; idempotent):
#   - the account (PAUDE_ROOTLESS_USER, default paude-it), with a home;
#   - subordinate user and group ids (useradd gives them on Debian; added
#     in a free range otherwise);
#   - a runtime directory: /run/user/UID, by `loginctl enable-linger` where
#     systemd-logind runs, else made here as pam_systemd would (0700, owned
#     by the user);
#   - a /dev/net/tun the user can open (mode 0666, as Debian's udev makes
#     it; container hosts often have 0600);
#   - a copy of bin/ and tests/integration/ in the user's home (the checkout
#     may be in a directory the user cannot read), and an image store of its
#     own emptied, so that every run builds the base image, the agent and the
#     proxy as that user from nothing, as a new user would (the base with no
#     registry: paude's mmdebstrap fallback).
# Prints the user's name, uid and runtime directory: NAME UID DIR.
set -eu
user="${PAUDE_ROOTLESS_USER:-paude-it}"
src=$(cd "$(dirname "$0")/../../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "prepare-user.sh: must run as root" >&2; exit 1; }

if ! id -u "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash --comment "paude rootless tests" "$user"
fi
uid=$(id -u "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)

# Subordinate ids: 65536 of each, in a range nobody else has.
has_ids() {
	grep -Eq "^($user|$uid):[0-9]+:[0-9]+$" "$1" 2>/dev/null
}
# The first range of 65536 ids from 100000 up that no entry overlaps.
# shellcheck disable=SC2016  # an awk program
free_range_awk='NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { s[++k] = $2; e[k] = $2 + $3 }
END {
	c = 100000
	do { moved = 0; for (i = 1; i <= k; i++) if (s[i] < c + n && e[i] > c) { c = e[i]; moved = 1 } } while (moved)
	print c
}'
if ! has_ids /etc/subuid || ! has_ids /etc/subgid; then
	next=$(cat /etc/subuid /etc/subgid 2>/dev/null |
		awk -F: -v n=65536 "$free_range_awk")
	range="$next-$((next + 65535))"
	has_ids /etc/subuid || usermod --add-subuids "$range" "$user"
	has_ids /etc/subgid || usermod --add-subgids "$range" "$user"
fi

rundir="/run/user/$uid"
if [ ! -d "$rundir" ] && command -v loginctl >/dev/null && [ -d /run/systemd/system ]; then
	loginctl enable-linger "$user" || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -d "$rundir" ] && break
		sleep 0.5
	done
fi
if [ ! -d "$rundir" ]; then
	install -d -m 0755 /run/user
	install -d -m 0700 -o "$uid" -g "$gid" "$rundir"
fi

if [ ! -c /dev/net/tun ]; then
	mkdir -p /dev/net
	mknod -m 0666 /dev/net/tun c 10 200
fi
if ! runuser -u "$user" -- test -r /dev/net/tun -a -w /dev/net/tun; then
	chmod 0666 /dev/net/tun
fi

# The tree the tests run from, the user's own.
copy="$home/paude-src"
rm -rf "$copy"
install -d -o "$uid" -g "$gid" "$copy" "$copy/tests"
cp -a "$src/bin" "$copy/bin"
cp -a "$src/tests/integration" "$copy/tests/integration"
chown -R "$uid:$gid" "$copy"

# Start from an empty image store, no leftover containers and no pause
# process (migrate stops it): the store is this test user's alone.
# (migrate first: reset forgets the pause process's pid file and so would
# leave it running.)
"$src/tests/integration/rootless/as-user.sh" podman system migrate >/dev/null 2>&1 || true
"$src/tests/integration/rootless/as-user.sh" podman system reset --force >/dev/null 2>&1 || true
rm -f "$rundir"/netns/rootless-netns-*

echo "$user $uid $rundir"
