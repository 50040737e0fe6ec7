#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# Host secrets stay on the host (docs/SECURITY.md):
# - copying ~/.claude never reads through a symlink: one in
#   ~/.claude/plugins to a host file (that names the home directory, as
#   plugin metadata does) is not read, and its contents never reach the
#   session;
# - only the named variables a session needs go in, never one whose name
#   says PASSWORD, TOKEN, SECRET or KEY, and none in `podman inspect`;
# - the values go through a private env file (mode 0600 in a 0700
#   directory, gone after podman read it), never on podman's command line,
#   which every user of the host sees in ps. A stand-in podman first on PATH
#   logs every argv paude gives it and runs the real one.
. "$(dirname "$0")/lib.sh"

name=$(test_session_name secrets)
ctr="paude-$name"
mkdir -p "$TRASH/ws" "$TRASH/bin"
cd "$TRASH/ws" || exit 1
test_on_exit "paude delete $name --confirm; $REAL_PODMAN rm -f $ctr paude-proxy-$name; $REAL_PODMAN network rm -f paude-net-$name; $REAL_PODMAN volume rm -f $ctr-workspace"

# The stand-in podman: argv NUL-separated, one record per line; for an
# env file, its mode and its directory's mode while podman runs.
cat >"$TRASH/bin/podman" <<EOF
#!/bin/bash
printf '%s\\0' "\$@" >>"$TRASH/argv.log"
echo >>"$TRASH/argv.log"
for a in "\$@"; do
	case "\$a" in
	--env-file=*)
		f="\${a#--env-file=}"
		echo "\$(stat -c %a "\$f") \$(stat -c %a "\$(dirname "\$f")") \$f" >>"$TRASH/envfiles.log"
		;;
	esac
done
exec "$REAL_PODMAN" "\$@"
EOF
chmod +x "$TRASH/bin/podman"

# Host files: ~/.claude with plugin metadata, a symlink in plugins/ to a
# host file outside ~/.claude, and a symlink elsewhere in ~/.claude.
mkdir -p "$HOME/.claude/plugins"
echo '{"theme": "host-setting"}' >"$HOME/.claude/settings.json"
echo "{\"installPath\": \"$HOME/.claude/plugins/cache/x\"}" >"$HOME/.claude/plugins/installed_plugins.json"
echo "{\"note\": \"$HOME/.claude MARKER-SYMLINK-$$\"}" >"$TRASH/host-secret.json"
ln -s "$TRASH/host-secret.json" "$HOME/.claude/plugins/evil.json"
echo "MARKER-LINK-$$" >"$TRASH/host-secret.txt"
ln -s "$TRASH/host-secret.txt" "$HOME/.claude/notes.txt"

# Host variables: secrets by name (one matching an allowed prefix), and
# allowed ones with marker values.
export CLOUDSDK_PROXY_PASSWORD="MARKER-PW-$$" FOO_TOKEN="MARKER-TOKEN-$$"
export ANTHROPIC_API_KEY="MARKER-APIKEY-$$" VERTEX_REGION_API_KEY="MARKER-REGKEY-$$"
export my_secret="MARKER-LOWER-$$" CLOUDSDK_CONFIG="$HOME/MARKER-CONFIG-$$"
export CLOUDSDK_CORE_PROJECT="marker-project-$$" VERTEX_REGION_CLAUDE_4_0_SONNET="marker-region-$$"
SECRETS="MARKER-PW-$$ MARKER-TOKEN-$$ MARKER-APIKEY-$$ MARKER-REGKEY-$$ MARKER-LOWER-$$ MARKER-CONFIG-$$"

none_of_secrets_in() {
	local s
	for s in $SECRETS; do
		if grep -q -a -- "$s" "$@"; then
			echo "found $s in $*" >&2
			return 1
		fi
	done
}

test_expect_success 'create: env values never on podman argv, only in a private file' '
	{ PATH="$TRASH/bin:$PATH" paude create "$name" 2>err || { cat err >&2; false; }; } &&
	test -s "$TRASH/argv.log" &&
	grep -a -q -- "--env-file=" "$TRASH/argv.log" &&
	none_of_secrets_in "$TRASH/argv.log" &&
	! grep -a -q "marker-project-$$" "$TRASH/argv.log" &&
	! grep -a -q "paude-test-project" "$TRASH/argv.log" &&
	# Two: the proxy (the model gateway'"'"'s settings) and the agent.
	test_equal 2 "$(wc -l <"$TRASH/envfiles.log")" &&
	while read -r fmode dmode fpath; do
		test_equal 600 "$fmode" &&
		test_equal 700 "$dmode" &&
		! test -e "$fpath" &&
		! test -e "$(dirname "$fpath")" || return 1
	done <"$TRASH/envfiles.log"
'

test_expect_success 'the session has the named variables and none of the secrets' '
	paude start -d "$name" 2>start.err &&
	test_wait_for 60 podman exec "$ctr" paude-session status &&
	podman exec "$ctr" cat /proc/1/environ | tr "\0" "\n" >env1 &&
	grep -qx "CLOUDSDK_CORE_PROJECT=marker-project-$$" env1 &&
	grep -qx "VERTEX_REGION_CLAUDE_4_0_SONNET=marker-region-$$" env1 &&
	grep -qx "ANTHROPIC_VERTEX_PROJECT_ID=paude-test-project" env1 &&
	none_of_secrets_in env1 &&
	! grep -q "^CLOUDSDK_CONFIG=" env1 &&
	! grep -q "^ANTHROPIC_API_KEY=" env1
'

test_expect_success 'the agent process itself has none of them' '
	test_wait_for 30 podman exec "$ctr" pgrep -o -x claude &&
	pid=$(podman exec "$ctr" pgrep -o -x claude) &&
	podman exec "$ctr" cat "/proc/$pid/environ" | tr "\0" "\n" >env2 &&
	grep -qx "CLOUDSDK_CORE_PROJECT=marker-project-$$" env2 &&
	none_of_secrets_in env2 &&
	! grep -q "^ANTHROPIC_API_KEY=" env2
'

test_expect_success 'podman inspect shows none of the secrets (it does show passed values)' '
	podman inspect "$ctr" >inspect.json &&
	none_of_secrets_in inspect.json &&
	test_grep "CLOUDSDK_CORE_PROJECT=marker-project-$$" inspect.json
'

test_expect_success 'a symlink in ~/.claude is not read through: the host file never reaches the session' '
	test_grep "not reading .*evil.json.: it is a symlink" start.err &&
	! podman exec "$ctr" grep -r -q "MARKER-SYMLINK-$$" /home/paude &&
	! podman exec "$ctr" grep -r -q "MARKER-LINK-$$" /home/paude &&
	podman exec "$ctr" test -L /home/paude/.claude/plugins/evil.json &&
	podman exec "$ctr" test -L /home/paude/.claude/notes.txt &&
	! podman exec "$ctr" cat /home/paude/.claude/plugins/evil.json &&
	podman exec "$ctr" cat /home/paude/.claude/plugins/installed_plugins.json >plugins &&
	test_grep "/home/paude/.claude/plugins/cache/x" plugins &&
	podman exec "$ctr" cat /home/paude/.claude/settings.json >settings &&
	test_grep host-setting settings
'

test_done
