#!/bin/bash
# shellcheck disable=SC2016  # test bodies are eval'd strings
# The corpus of Dev Container configurations in tests/devcontainer-corpus/:
# each CASE/ is a project in one of the shapes real projects use (legacy
# keys, sub-folders, each lifecycle form, variables, ports, old feature ids,
# compose, a byte-order mark, bad UTF-8...), and CASE.expected is its plan:
# what `paude create --dry-run` says (configuration, warnings, errors) and
# the custom environment it shows, up to the Containerfile (paude's own
# template is not the subject here). CASE.args holds extra create options.
# The dry runs run in a network namespace of their own with no interface
# but loopback, so a dry run that touched the network would fail.
# PAUDE_CORPUS_UPDATE=1 rewrites the .expected files instead of comparing.
. "$(dirname "$0")/lib.sh"

CORPUS="$SRC_DIR/tests/devcontainer-corpus"
export PAUDE_CA_BUNDLE=

offline=()
if unshare --net true 2>/dev/null; then
	offline=(unshare --net)
else
	echo "# no network namespace here: the dry runs are offline only by not being reachable"
fi

# The plan of one case, with the project's path written PROJ and the image
# tag (which changes with paude's own files) written HASH.
plan() {
	local case="$1" proj="$TRASH/corpus/$1" args=() st=0
	mkdir -p "$TRASH/corpus"
	cp -a "$CORPUS/$case" "$proj"
	[ -f "$CORPUS/$case.args" ] && read -r -a args <"$CORPUS/$case.args"
	(cd "$proj" && "${offline[@]}" paude create "corpus-$case" --dry-run "${args[@]}") \
		>"$TRASH/$case.out" 2>"$TRASH/$case.err" || st=$?
	{
		echo "exit: $st"
		cat "$TRASH/$case.err"
		sed -n '/^Custom environment/,/^Containerfile:/p' "$TRASH/$case.out" | sed '$d'
	} | sed -e "s|$proj|PROJ|g" -e 's|paude-custom:[0-9a-f]\{16\}|paude-custom:HASH|g' \
		-e 's|=[a-z2-7]\{52\}$|=DEVCONTAINER-ID|'
}

for dir in "$CORPUS"/*/; do
	case=$(basename "$dir")
	if [ -n "${PAUDE_CORPUS_UPDATE:-}" ]; then
		plan "$case" >"$CORPUS/$case.expected"
		continue
	fi
	test_expect_success "corpus: $case gives its expected plan, offline" '
		plan "$case" >actual &&
		diff -u "$CORPUS/$case.expected" actual
	'
done

test_expect_success 'every case has its expected plan, and every plan its case' '
	for e in "$CORPUS"/*.expected; do test -d "${e%.expected}"; done &&
	for d in "$CORPUS"/*/; do test -f "${d%/}.expected"; done
'

test_done
