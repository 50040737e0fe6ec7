#!/bin/bash
# SPDX-License-Identifier: MIT
# check-doc-paths.sh DOC...: every source path, fuzz target, unit test binary
# and integration test number the documents name must exist, so
# that they cannot drift from the tree (`make lint` runs this). Run from the
# top of the tree.
#   lib/..., cmd/..., include/..., tests/...  a file or directory (a glob
#       must match something, tests/integration/tNNNN a tNNNN-*.sh there;
#       paths with <placeholders> and build outputs (.o) are not checked)
#   fuzz-NAME    tests/fuzz/fuzz-NAME.c    (fuzz-NAME-* : some fuzz-NAME-*.c)
#   test-NAME    tests/unit/test-NAME.c    (test-NAME-* : some test-NAME-*.c)
#   tNNNN        tests/integration/tNNNN-*.sh or .../rootless/tNNNN-*.sh
set -u
bad=0

complain() {
	echo "$1: names '$2', which does not exist" >&2
	bad=1
}

exists() {
	compgen -G "$1" >/dev/null
}

for doc in "$@"; do
	if [ ! -f "$doc" ]; then
		echo "check-doc-paths: no file '$doc'" >&2
		exit 2
	fi
	while read -r p; do
		p=${p%%[.,:;)]}
		p=${p%%[.,:;)]}
		case $p in
		*'<'* | *'>'* | *'{'* | *.o) continue ;;
		tests/integration/t[0-9][0-9][0-9][0-9] | tests/integration/rootless/t[0-9][0-9][0-9][0-9])
			p="$p-*.sh" ;;
		esac
		exists "$p" || complain "$doc" "$p"
	done < <(grep -oE '(^|[^A-Za-z0-9_./-])(lib|cmd|include|tests)/[A-Za-z0-9_./*?<>{}-]*' "$doc" |
		sed -E 's#^[^a-z]##' | sort -u)

	while read -r f; do
		case $f in
		*-) exists "tests/fuzz/$f*.c" || complain "$doc" "$f*" ;;
		*) exists "tests/fuzz/$f.c" || complain "$doc" "$f" ;;
		esac
	done < <(grep -oE '(^|[^A-Za-z0-9_])fuzz-[a-z0-9][a-z0-9-]*' "$doc" | sed -E 's#^[^f]##' | sort -u)

	while read -r t; do
		case $t in
		*-) exists "tests/unit/$t*.c" || complain "$doc" "$t*" ;;
		*) exists "tests/unit/$t.c" || complain "$doc" "$t" ;;
		esac
	done < <(grep -oE '(^|[^A-Za-z0-9_-])test-[a-z0-9][a-z0-9-]*' "$doc" | sed -E 's#^[^t]##' | sort -u)

	while read -r n; do
		exists "tests/integration/$n-*.sh" || exists "tests/integration/rootless/$n-*.sh" ||
			complain "$doc" "$n"
	done < <(grep -oE '\bt[0-9]{4}\b' "$doc" | sort -u)
done
exit "$bad"
