#!/bin/bash
# shellcheck disable=SC2016,SC2034  # test bodies are eval'd strings
# Image builds tell what they do: on a terminal (a tmux pane on the host,
# its screen read back) a live line with the step, what it runs and the
# elapsed time, cleared at the end; the log's path is printed; every image
# has a log of its own, so two builds keep theirs apart; without a
# terminal no live line; -v streams the whole build. The images are tiny
# stand-ins for the agent image (PAUDE_CONTAINERS_DIR), each with a marker
# of its own so no layer comes from the cache; the sessions are created,
# never started (their proxy is a stand-in: an image with a command).
. "$(dirname "$0")/lib.sh"

T="tmux -L paude-test-$$ -f /dev/null"
mkdir -p "$TRASH/ws"
cd "$TRASH/ws" || exit 1
LOGS="$XDG_CACHE_HOME/paude/logs"
test_on_exit "$T kill-server"
# The sessions are never started: their proxy needs only an image with a command.
mkdir -p "$TRASH/proxy"
printf 'FROM %s\nCMD ["sleep", "infinity"]\n' "$PAUDE_BASE_IMAGE" >"$TRASH/proxy/Containerfile"
export PAUDE_PROXY_IMAGE="localhost/paude-t0453-proxy:$$"
test_on_exit "podman rmi $PAUDE_PROXY_IMAGE"
if ! podman build -q -t "$PAUDE_PROXY_IMAGE" "$TRASH/proxy" >"$TRASH/setup.log" 2>&1; then
	cat "$TRASH/setup.log"
	echo "Bail out! cannot build the stand-in proxy image"
	exit 1
fi
for n in one two three verbose; do
	s=$(test_session_name "b$n")
	test_on_exit "img=\$(podman inspect paude-$s --format '{{.ImageName}}'); paude delete $s --confirm --force; podman rm -f paude-$s paude-proxy-$s; podman network rm -f paude-net-$s; podman volume rm -f paude-$s-workspace; podman rmi \$img"
done

# containers/paude of a tiny image: MARKER makes its layers new, SECS how
# long each of its two slow steps takes.
tiny() {
	local dir="$TRASH/ctr-$1"
	mkdir -p "$dir/paude"
	cat >"$dir/paude/Containerfile" <<EOF
ARG BASE_IMAGE=$PAUDE_BASE_IMAGE
FROM \${BASE_IMAGE}
ARG CLAUDE_CODE_VERSION=latest
RUN echo "marker $1-$$ one" && sleep $2
RUN echo "marker $1-$$ two" && sleep $2
RUN echo "marker $1-$$ done"
EOF
	echo "$dir"
}
screen() { $T capture-pane -p -t b 2>/dev/null; }
screen_has() { screen | grep -q -e "$1"; }
# The live line's seconds went past $1.
elapsed_above() {
	local t
	t=$(screen | sed -n "s/^  STEP .* (\([0-9]*\)s)$/\1/p")
	[ -n "$t" ] && [ "$t" -gt "$1" ]
}

test_expect_success 'on a terminal: a live line with the step, what it runs and the time' '
	dir=$(tiny one 5) &&
	$T new-session -d -s b -x 200 -y 40 \
		"PAUDE_CONTAINERS_DIR=$dir paude create $(test_session_name bone); echo EXIT=\$?; sleep 600" &&
	{ test_wait_for 120 screen_has "^  STEP [0-9]/[0-9]: RUN echo \"marker one-$$ one\" && sleep 5 ([0-9]*s)$" ||
		{ screen; false; }; } &&
	screen >s1 &&
	t1=$(sed -n "s/^  STEP .* (\([0-9]*\)s)$/\1/p" s1) &&
	test -n "$t1" &&
	{ test_wait_for 10 elapsed_above "$t1" || { screen; false; }; } &&
	{ test_wait_for 20 screen_has "^  STEP [0-9]/[0-9]: RUN echo \"marker one-$$ two\" && sleep 5 ([0-9]*s)$" ||
		{ screen; false; }; } &&
	{ test_wait_for 120 screen_has "^EXIT=0$" || { screen; false; }; } &&
	screen >s2 &&
	test_grep "^Building image localhost/paude-agent:" s2 &&
	test_grep "^  build log: $LOGS/build-paude-[0-9a-f]*\.log (-v shows the build as it goes)$" s2 &&
	test_grep "^Built image localhost/paude-agent:" s2 &&
	test_must_fail grep "STEP" s2
'

test_expect_success 'the log named on the screen holds the whole build' '
	log=$(sed -n "s/^  build log: \([^ ]*\) .*/\1/p" s2) &&
	test -f "$log" &&
	{ { test_grep "STEP [0-9]/[0-9]: RUN echo \"marker one-$$ done\"" "$log" &&
		test_grep "^marker one-$$ two$" "$log"; } || { cat "$log"; false; }; }
'

# One after the other: two builds on one base at the same time can lose a
# base alias to podman's own race in tagging one image twice (seen here with
# podman 4.3: "paude-from-PID-N:base: image not known"). That two builds of
# one image at once keep their logs apart is test-image.c's ("a log in use by
# another build is left alone").
test_expect_success 'two builds: each image its own log, no live line without a terminal' '
	d2=$(tiny two 3) && d3=$(tiny three 3) &&
	{ PAUDE_CONTAINERS_DIR=$d2 paude create "$(test_session_name btwo)" 2>err2 ||
		{ cat err2; false; }; } &&
	{ PAUDE_CONTAINERS_DIR=$d3 paude create "$(test_session_name bthree)" 2>err3 ||
		{ cat err3; false; }; } &&
	l2=$(sed -n "s/^  build log: \([^ ]*\) .*/\1/p" err2) &&
	l3=$(sed -n "s/^  build log: \([^ ]*\) .*/\1/p" err3) &&
	test -n "$l2" && test -n "$l3" && test "$l2" != "$l3" &&
	test_grep "^marker two-$$ two$" "$l2" &&
	test_must_fail grep "marker three" "$l2" &&
	test_grep "^marker three-$$ two$" "$l3" &&
	test_must_fail grep "marker two" "$l3" &&
	test_must_fail grep -e "STEP" -e "$(printf "\r")" err2 err3
'

test_expect_success '-v streams the whole build (and still logs it)' '
	d4=$(tiny verbose 1) &&
	{ PAUDE_CONTAINERS_DIR=$d4 paude -v create "$(test_session_name bverbose)" 2>err4 ||
		{ cat err4; false; }; } &&
	test_grep "STEP 3/[0-9]: RUN echo \"marker verbose-$$ one\"" err4 &&
	test_grep "^marker verbose-$$ two$" err4 &&
	l4=$(sed -n "s/^  build log: \(.*\)$/\1/p" err4) &&
	test_grep "^marker verbose-$$ two$" "$l4"
'

test_done
