#!/bin/bash
# containers/custom/paude-install-deps on each supported family: it finds
# the package manager (apt-get, dnf, microdnf, yum, apk) in the image and
# asks it for paude's packages and the project's. Only Debian images can be
# had offline, so the other managers are stand-ins on PATH that record how
# they are called; the rest of the script (the user, npm) runs for real or
# against stand-ins in a container without network.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TRASH/pm"
cat >"$TRASH/pm/fake" <<'SH'
#!/bin/sh
echo "$(basename "$0") $*" >>/tmp/calls
[ "$(basename "$0")" != claude ] || echo "2.0.0 (Claude Code)"
SH
cat >"$TRASH/pm/run.sh" <<'SH'
set -eu
mgr=$1
mkdir -p /fakebin
for t in cat getent cut useradd userdel mkdir chown chmod rm basename; do
	ln -s "$(command -v "$t")" /fakebin/"$t"
done
for t in npm claude $mgr; do
	[ "$t" = none ] || { cp /pm/fake /fakebin/"$t"; chmod 755 /fakebin/"$t"; }
done
printf 'jq\nmake\n' >/tmp/paude/paude-packages
PATH=/fakebin /bin/sh /tmp/paude/paude-install-deps 2.0.0
cat /tmp/calls
getent passwd paude
SH

run_pm() {
	podman run --rm --network none --pull=never \
		-v "$SRC_DIR/containers/custom/paude-install-deps:/tmp/paude/paude-install-deps:ro" \
		-v "$TRASH/pm:/pm:ro" "$@"
}

for mgr in dnf microdnf yum; do
	test_expect_success "$mgr: paude's packages and the project's, shadow-utils, git-core" '
		run_pm "$PAUDE_BASE_IMAGE" sh /pm/run.sh '"$mgr"' >out 2>&1 &&
		test_grep "^'"$mgr"' install -y bash ca-certificates git-core less nodejs npm procps-ng tmux shadow-utils findutils .*jq make$" out &&
		test_grep "^'"$mgr"' clean all$" out &&
		test_grep "^npm install -g .*@anthropic-ai/claude-code@2.0.0$" out &&
		test_grep "^paude:x:1000:0:" out
	'
done

test_expect_success 'dnf gets the CA bundle when the build has one' '
	printf "cert" >"$TRASH/ca" &&
	run_pm -v "$TRASH/ca:/run/secrets/paude-ca:ro" "$PAUDE_BASE_IMAGE" sh /pm/run.sh dnf >out 2>&1 &&
	test_grep "^dnf --setopt=sslcacert=/run/secrets/paude-ca install -y " out
'

test_expect_success 'apk: the Alpine names (shadow for useradd)' '
	run_pm "$PAUDE_BASE_IMAGE" sh /pm/run.sh apk >out 2>&1 &&
	test_grep "^apk add --no-cache bash ca-certificates curl git less nodejs npm procps tmux shadow jq make$" out &&
	test_grep "^paude:x:1000:0:" out
'

test_expect_success 'apt-get: the Debian names' '
	run_pm "$PAUDE_BASE_IMAGE" sh /pm/run.sh apt-get >out 2>&1 &&
	test_grep "^apt-get update$" out &&
	test_grep "^apt-get install -y --no-install-recommends bash ca-certificates curl git less nodejs npm procps tmux passwd jq make$" out
'

test_expect_success 'a base without a supported package manager fails clearly' '
	test_must_fail run_pm "$PAUDE_BASE_IMAGE" sh /pm/run.sh none >out 2>&1 &&
	test_grep "no supported package manager (apt-get, dnf, microdnf, yum or apk)" out
'

test_expect_success 'a base user with uid 1000 gives way to paude' '
	cat >"$TRASH/pm/olduser.sh" <<-\SH &&
	useradd --uid 1000 --create-home olduser
	sh /pm/run.sh dnf
	getent passwd olduser || echo "olduser is gone"
	SH
	run_pm "$PAUDE_BASE_IMAGE" sh /pm/olduser.sh >out 2>&1 &&
	test_grep "^paude:x:1000:0:" out &&
	test_grep "^olduser is gone$" out
'

test_done
