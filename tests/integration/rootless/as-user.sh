#!/bin/bash
# Run a command as the rootless test user (see prepare-user.sh) with the
# environment a login gives (root only):
#   as-user.sh [--tun-unusable] CMD...
# in the user's copy of the tests (~/paude-src/tests/integration). With
# --tun-unusable, CMD runs in a mount namespace of its own where
# /dev/net/tun is a node of mode 0600, as on a host where the user may not
# open it; podman's pause process (which holds the user namespace and, for
# later commands, the mount namespace they join) is stopped before and
# after, so podman inside meets that node and podman after does not.
set -eu
user="${PAUDE_ROOTLESS_USER:-paude-it}"
tun_unusable=false
if [ "${1:-}" = --tun-unusable ]; then
	tun_unusable=true
	shift
fi
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
dir="$home/paude-src/tests/integration"
[ -d "$dir" ] || dir="$home"
login_env=(env -i "HOME=$home" "USER=$user" "LOGNAME=$user" SHELL=/bin/bash
	PATH=/usr/local/bin:/usr/bin:/bin "XDG_RUNTIME_DIR=/run/user/$uid" LANG=C.UTF-8
	"PAUDE_TESTS=${PAUDE_TESTS:-}")
as_user() {
	(cd "$dir" && runuser -u "$user" -- "${login_env[@]}" "$@")
}
if ! $tun_unusable; then
	as_user "$@"
	exit
fi
as_user podman system migrate >/dev/null 2>&1 || true
rc=0
unshare -m --propagation private bash -c '
	set -e
	d=$(mktemp -d)
	mount -t tmpfs -o mode=0755 tmpfs "$d"
	mknod -m 0600 "$d/tun" c 10 200
	mount --bind "$d/tun" /dev/net/tun
	umount -l "$d"
	rmdir "$d"
	cd "$0"
	exec runuser -u "$1" -- "${@:2}"
' "$dir" "$user" "${login_env[@]}" "$@" || rc=$?
as_user podman system migrate >/dev/null 2>&1 || true
exit "$rc"
